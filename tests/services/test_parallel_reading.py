"""Reading in a second process gives exactly what reading in-process gives: the same
documents, units, hashes and audit digest; the same errors at the same lines; the same
skipped records. The child is forced on here (``parallel=True``) for small files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from coder.formats.errors import FormatError
from coder.formats.prepared import ReadOptions, read_prepared
from coder.services import history
from coder.services.importing import import_files
from coder.services.workspace import Workspace
from coder.store import queries as q
from tests.conftest import SEEDS, shared_file

GOOD = (
    b"TY  - JOUR\nAU  - Gray, B.\nTI  - Peer support on wards\nPY  - 2024\n"
    b"AB  - Background: Wards are busy. Methods: We asked twelve people. e.g. staff.\nER  - \n\n"
    b"TY  - JOUR\nAU  - Sisto, A.\nTI  - Another paper\nPY  - 2023\n"
    b"AB  - Peer workers vs. staff (UCLH) were 2.5 times as likely to stay.\nER  - \n\n"
)
BROKEN = GOOD + b"TY  - JOUR\nTI  - Cut off\nAB  - An abstract that\n"


def _rows(db: Path) -> tuple[list, list, list]:
    with sqlite3.connect(db) as conn:
        docs = conn.execute(
            "SELECT key, title, authors, year, sections, text, has_abstract, content_hash, "
            "ordinal FROM document ORDER BY id"
        ).fetchall()
        units = conn.execute(
            'SELECT d.key, s.ordinal, s.heading, s.start, s."end", s.text_hash, '
            "s.context_before, s.context_after FROM segment s JOIN document d "
            "ON d.id = s.document_id ORDER BY s.id"
        ).fetchall()
        event = conn.execute("SELECT after FROM audit_event WHERE action = 'import'").fetchall()
    return docs, units, event


def _import_both(tmp_path: Path, files: list[Path], **options: object) -> tuple[tuple, tuple]:
    results = []
    for parallel in (False, True):
        db = tmp_path / f"parallel-{parallel}.db"
        ws = Workspace.init(str(db), "p", "alice")
        try:
            summaries = import_files(ws, files, parallel=parallel, **options)  # type: ignore[arg-type]
            assert history.verify(ws).ok
        finally:
            ws.close()
        results.append(([s.line() for s in summaries], _rows(db)))
    return results[0], results[1]


def test_seeds_and_real_exports_come_out_the_same(tmp_path):
    files = [
        *sorted(SEEDS.glob("*.txt")),
        shared_file("references", "ris", "asreview_baseline_empty_values.ris"),
        shared_file("references", "pubmed", "biopython_Medline_pubmed_result1.txt"),
        shared_file("references", "bibtex", "bibtexparser_biber-examples.bib"),  # @conversation
        shared_file("references", "bibtex", "bibtexparser_gbk_test.bib"),  # a guessed encoding
        shared_file("references", "csljson", "betterbibtex_csl.json"),
        shared_file("references", "endnote", "reflib_endnote_small.xml"),
        shared_file("references", "wos", "wosfile_tab_delimited.txt"),
    ]
    serial, parallel = _import_both(tmp_path, files)
    assert parallel == serial
    assert "1 warnings" in serial[0][5] and "1 warnings" in serial[0][6]
    assert len(serial[1][0]) > 20 and len(serial[1][1]) > 100  # documents, units


@pytest.mark.parametrize("segment", ["section", "whole"])
def test_other_segmentations_come_out_the_same(tmp_path, segment):
    serial, parallel = _import_both(tmp_path, sorted(SEEDS.glob("*.txt")), segment=segment)
    assert parallel == serial


def test_a_bad_record_under_strict_is_the_same_error_and_nothing_is_written(tmp_path):
    path = tmp_path / "broken.ris"
    path.write_bytes(BROKEN)
    messages = []
    for parallel in (False, True):
        ws = Workspace.init(str(tmp_path / f"b-{parallel}.db"), "p", "alice")
        with pytest.raises(FormatError) as caught:
            import_files(ws, [path], parallel=parallel, strict=True)
        with ws.read() as session:
            assert q.count_documents(session, ws.project.id) == 0
        ws.close()
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert messages[1].startswith(f"{path}:15: truncated RIS record")


def test_bad_records_left_out_are_the_same(tmp_path):
    path = tmp_path / "broken.ris"
    path.write_bytes(BROKEN)
    serial, parallel = _import_both(tmp_path, [path])
    assert parallel == serial
    assert serial[0] == ["broken.ris (ris): 2 added, 0 exact duplicates skipped, "
                         "0 possible duplicates, 0 without abstract, 1 records left out, "
                         "0 warnings"]  # fmt: skip


def test_warnings_left_out_records_and_notes_come_back_the_same(tmp_path):
    path = tmp_path / "odd.txt"
    big = "Word " * 400
    path.write_bytes(
        "First abstract about café owners in Zürich, long enough to read as prose here.\n\n".encode()
        + b"A stray \x92 byte in a second abstract that is also long enough to be prose.\n\n"
        + big.encode()
        + b"\n"
    )
    results = []
    for parallel in (False, True):
        options = ReadOptions(max_record_size=1000)
        read = read_prepared(path, "auto", False, "sentence", parallel, options)
        titles = [item.record.text for item in read.records]
        results.append((read.format, read.note, titles, read.problems, read.warnings))
    assert results[0] == results[1]
    fmt, note, texts, problems, warnings = results[0]
    assert fmt == "text" and note.startswith("read as text")
    assert len(texts) == 2 and "\ufffd" in texts[1]
    assert [(p.kind, p.line) for p in problems] == [("skipped", 5)]
    assert "over the limit of 1,000" in problems[0].message
    assert [(w.kind, w.line) for w in warnings] == [("warning", 3)]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "file is empty"), (b"\x00\x01\x02binary\xff" * 20, "")],
)
def test_whole_file_errors_come_back_from_the_child(tmp_path, content, message):
    path = tmp_path / "bad.ris"
    path.write_bytes(content)
    errors = []
    for parallel in (False, True):
        with pytest.raises(FormatError) as caught:
            read_prepared(path, "auto", False, "sentence", parallel=parallel)
        errors.append(str(caught.value))
    assert errors[0] == errors[1]
    assert errors[1].startswith(str(path)) and message in errors[1]


def test_stopping_early_ends_the_child(tmp_path):
    """The importer stops reading at the first bad record or a failed write; the child
    must not be left running (or blocked on a full pipe)."""
    path = tmp_path / "many.ris"
    path.write_bytes(GOOD * 3000)  # many batches: the child is ahead when we stop
    prepared = read_prepared(path, "ris", False, "sentence", parallel=True)
    first = next(prepared.records)
    assert first.record.title == "Peer support on wards"
    assert _readers_of(path), "the file is being read in a child process"
    prepared.records.close()  # what happens when the import loop raises
    assert not _readers_of(path)


def _readers_of(path: Path) -> list[str]:
    """Processes whose command line names ``path`` (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended meanwhile
            continue
        if str(path).encode() in args and b"coder.formats.prepared" in args:
            found.append(cmdline.parent.name)
    return found


def test_on_postgresql_too(ws):
    """The child never touches the database: the same import on either backend."""
    summaries = import_files(ws, sorted(SEEDS.glob("*.txt")), parallel=True)
    assert [s.added for s in summaries] == [3, 10, 7]
    assert history.verify(ws).ok
