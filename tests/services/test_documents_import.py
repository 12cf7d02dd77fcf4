"""Importing documents and transcripts through the service: one document per file, keys
from file names, speakers and times on every reading unit, the trail intact."""

from __future__ import annotations

import pytest
from sqlmodel import select

from coder.services import history
from coder.services.importing import import_files
from coder.store import queries as q
from coder.store.tables import DocumentRow, SegmentRow
from tests.makedocs import write_all


def units_of(ws, key: str) -> list[tuple[str, str | None, int | None]]:
    with ws.read() as s:
        doc = q.document_row(s, ws.project.id, key)
        assert doc is not None
        return [(x.text, x.speaker, x.start_ms) for x in q.segments_of(s, doc.id)]


def test_every_format_imports_as_one_document_keyed_by_file_name(ws, tmp_path):
    files = write_all(tmp_path / "in")
    summaries = import_files(ws, list(files.values()), segment="turn")
    assert sorted((s.format, s.added) for s in summaries) == sorted((fmt, 1) for fmt in files)
    with ws.read() as s:
        keys = set(q.document_keys(s, ws.project.id))
    assert keys == {
        "call_with_dana", "interview_p2", "focus_group_1", "notes", "page",
        "evaluation_report", "field_notes", "supervision",
    }  # fmt: skip
    assert units_of(ws, "call_with_dana") == [
        ("Thanks for joining the call. How did you come to peer support? Take your time.", "Interviewer", 1000),
        ("I came through my own recovery. Someone sat with me when I needed it.", "Dana Lee", 7500),
        ("And what keeps you in the role?", "Interviewer", 12500),
        ("Honestly, the people. The pay is poor.", "Dana Lee", 62000),
    ]  # fmt: skip
    # a document without speakers goes by paragraph in turn mode
    assert [u[0] for u in units_of(ws, "evaluation_report")][2:4] == [
        "Staff valued the peer workers. Caseloads fell.",
        "Team | Peers | Year",
    ]
    assert history.verify(ws).ok


def test_sentence_units_of_a_transcript_keep_their_speaker(ws, tmp_path):
    files = write_all(tmp_path / "in")
    import_files(ws, [files["srt"]], segment="sentence")
    assert units_of(ws, "interview_p2") == [
        ("Where do you work?", "Interviewer", 1000),
        ("In a community mental health team.", "P2", 3500),
        ("Two days a week.", "P2", 3500),
        ("How is it?", "Interviewer", 6500),
    ]
    with ws.read() as s:
        text = s.exec(select(DocumentRow.text)).one()
    assert text.startswith("Interviewer: Where do you work?\n\nP2: In a community")


def test_two_interviews_with_the_same_opening_are_both_kept(sqlite_ws, tmp_path):
    intro = "Interviewer: Thank you for agreeing to take part in this study about peer work.\n"
    for n in (1, 2):
        (tmp_path / f"Interview P{n}.txt").write_text(
            intro + f"P{n}: I have been a peer worker for {n} years.\nInterviewer: Thanks.\n",
            encoding="utf-8",
        )
    summaries = import_files(sqlite_ws, sorted(tmp_path.glob("*.txt")), segment="turn")
    assert [s.added for s in summaries] == [1, 1]
    with sqlite_ws.read() as s:
        assert s.exec(select(SegmentRow.speaker).distinct()).all()


def test_unknown_segment_mode_is_refused(sqlite_ws, tmp_path):
    from coder.services.workspace import ServiceError

    files = write_all(tmp_path / "in")
    with pytest.raises(ServiceError, match="unknown segmentation"):
        import_files(sqlite_ws, [files["srt"]], segment="word")
