"""Reading in a second process gives exactly what reading in-process gives: the same
documents, units, hashes and audit digest; the same errors at the same lines; the same
skipped records. The child is forced on here (``parallel=True``) for small files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from coder.formats.errors import FormatError
from coder.formats.prepared import read_prepared
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
        shared_file("references", "ris", "asreview_baseline_reference_types.ris"),
        shared_file("references", "pubmed", "biopython_Medline_pubmed_result1.txt"),
    ]
    serial, parallel = _import_both(tmp_path, files, skip_bad=True)  # the RIS has empty records
    assert parallel == serial
    assert "bad records skipped" in serial[0][3]
    assert len(serial[1][0]) > 20 and len(serial[1][1]) > 100  # documents, units


@pytest.mark.parametrize("segment", ["section", "whole"])
def test_other_segmentations_come_out_the_same(tmp_path, segment):
    serial, parallel = _import_both(tmp_path, sorted(SEEDS.glob("*.txt")), segment=segment)
    assert parallel == serial


def test_a_bad_record_is_the_same_error_and_nothing_is_written(tmp_path):
    path = tmp_path / "broken.ris"
    path.write_bytes(BROKEN)
    messages = []
    for parallel in (False, True):
        ws = Workspace.init(str(tmp_path / f"b-{parallel}.db"), "p", "alice")
        with pytest.raises(FormatError) as caught:
            import_files(ws, [path], parallel=parallel)
        with ws.read() as session:
            assert q.count_documents(session, ws.project.id) == 0
        ws.close()
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert messages[1].startswith(f"{path}:15: truncated RIS record")


def test_skip_bad_lists_the_same_records(tmp_path):
    path = tmp_path / "broken.ris"
    path.write_bytes(BROKEN)
    serial, parallel = _import_both(tmp_path, [path], skip_bad=True)
    assert parallel == serial
    assert serial[0] == ["broken.ris (ris): 2 added, 0 exact duplicates skipped, "
                         "0 possible duplicates, 0 without abstract, 1 bad records skipped"]  # fmt: skip


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
