"""Importing real REFI-QDA projects: every coding on its passage, same-named codes under
different parents kept apart, the report per element kind, and re-imports that add nothing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from coder.cli import app
from coder.formats.qdpx import UTF16, read_qdpx
from coder.services import exchange, history
from coder.services.codes import create_code, rename_code
from coder.services.coding import UnitRef, apply_code
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from tests.conftest import shared_file
from tests.formats.test_qdpx_tools import LINES, PASSAGES, tool_file


def codings(ws: Workspace) -> list[tuple[str, str]]:
    with ws.read() as s:
        return sorted((c.code, c.text) for c in q.codings(s, ws.project.id))


def test_nvivo_windows_project_codings_on_the_passages_nvivo_showed(ws):
    path = shared_file("refi", "nvivo-win-12.6.qdpx")
    summary = exchange.import_qdpx(ws, path)
    project = read_qdpx(path)
    assert project.counting == UTF16
    (source,) = project.sources
    expected = sorted(
        (c.code_guid, source.text[s.start : s.end]) for s in source.selections for c in s.codings
    )
    names = {c.uid: c.name for c in project.codes}
    # NVivo writes one selection per coding; codings of one code on one span are one.
    assert codings(ws) == sorted({(names[g], text) for g, text in expected})
    rows = {r.kind: r for r in summary.rows}
    assert (rows["codings"].in_file, rows["codings"].left_out) == (97, 0)
    assert (rows["codes"].added, rows["text sources"].added) == (60, 1)
    assert summary.problems and all(p.kept for p in summary.problems)  # a user who coded nothing


def test_qc_project_same_name_under_two_parents(ws, tmp_path):
    summary = exchange.import_qdpx(ws, shared_file("refi", "qc-1.2.0.qdpx"))
    assert summary.codes == 112 and summary.codings == 213
    with ws.read() as s:
        codes = {c.name: c.parent for c in q.codes(s, ws.project.id)}
    assert codes["competencies/programming"] == "competencies"
    assert codes["cs_as_programming/programming"] == "cs_as_programming"
    # Typed bare, the ambiguous name says which paths there are.
    with pytest.raises(
        ServiceError, match="under more than one parent.*'competencies/programming'"
    ):
        apply_code(ws, _first_key(ws), "programming")
    # Exported back, each sits under its own parent with its own name, and comes back.
    out = tmp_path / "back.qdpx"
    exchange.export_qdpx(ws, out)
    again = read_qdpx(out)
    by_guid = {c.uid: c for c in again.codes}
    original = {c.uid: c for c in read_qdpx(shared_file("refi", "qc-1.2.0.qdpx")).codes}
    assert {g: (c.name, c.parent) for g, c in by_guid.items()} == {
        g: (c.name, c.parent) for g, c in original.items()
    }
    before = codings(ws)
    assert exchange.import_qdpx(ws, out).codings == 0
    assert codings(ws) == before


@pytest.mark.parametrize("origin", ["NVivo for Windows 12.6", "QualCoder 3.5"])
def test_tool_files_import_with_passages_and_report(ws, tmp_path, origin):
    counting = UTF16 if "NVivo" in origin else None
    raw = "\ufeff" + "\r\n".join(LINES)
    from coder.formats.qdpx import CODE_POINTS

    path = tool_file(tmp_path, origin, raw, counting or CODE_POINTS)
    summary = exchange.import_qdpx(ws, path)
    assert sorted(t for _, t in codings(ws)) == sorted(PASSAGES)
    assert {c for c, _ in codings(ws)} == {"skills/programming", "activities/programming"}
    kinds = {r.kind: (r.in_file, r.added, r.existing, r.left_out) for r in summary.rows}
    assert kinds["codings"] == (3, 3, 0, 0) and kinds["sets"] == (1, 1, 0, 0)
    assert kinds["notes"] == (1, 1, 0, 0) and kinds["codes"] == (4, 4, 0, 0)
    assert history.verify(ws).ok


def test_reimporting_our_own_export_adds_nothing_whole_document_codings_too(ws, tmp_path):
    exchange.import_qdpx(ws, tool_file(tmp_path, "QualCoder 3.5", "\n".join(LINES), _cp()))
    with ws.read() as s:
        key = q.documents(s, ws.project.id)[0].key
    create_code(ws, _code("whole"))
    assert apply_code(ws, UnitRef(key), "whole")
    out = tmp_path / "ours.qdpx"
    exchange.export_qdpx(ws, out)
    before = codings(ws)
    summary = exchange.import_qdpx(ws, out)
    assert (summary.documents, summary.codes, summary.codings, summary.memos) == (0, 0, 0, 0)
    assert [r for r in summary.rows if r.added] == []
    assert codings(ws) == before
    # Into an empty project, the whole-document coding stays one.
    copy = Workspace(ws.db, ws.db.create_project("copy"), "alice")
    exchange.import_qdpx(copy, out)
    exchange.import_qdpx(copy, out)
    assert codings(copy) == before


def test_renaming_a_parent_renames_the_path_of_its_children(ws, tmp_path):
    exchange.import_qdpx(ws, tool_file(tmp_path, "QualCoder 3.5", "\n".join(LINES), _cp()))
    rename_code(ws, "skills", "competences")
    with ws.read() as s:
        codes = {c.name: c.parent for c in q.codes(s, ws.project.id)}
    assert codes["competences/programming"] == "competences"


def test_cli_prints_the_report_and_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Workspace.init(str(tmp_path / "coder.db"), "p", "alice").close()
    path = shared_file("refi", "spec-example-atlasti-8.4.qdpx")
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "kind" in result.output and "left out" in result.output
    assert "left out: picture sources: 1 picture source" in result.output
    assert "6 text sources: without their text (7 codings left out)" in result.output
    result = CliRunner().invoke(app, ["import", "--json", str(path)])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    kinds = {k["kind"]: k for k in report["kinds"]}
    assert kinds["codes"]["existing"] == 14 and kinds["codings"]["left_out"] == 16
    assert any(p["kind"] == "sets" and not p["kept"] for p in report["problems"])


def _cp():
    from coder.formats.qdpx import CODE_POINTS

    return CODE_POINTS


def _code(name: str):
    from coder.core.model import Code

    return Code(name)


def _first_key(ws: Workspace) -> str:
    with ws.read() as s:
        return q.documents(s, ws.project.id)[0].key


def test_yaml_codebook_names_path_named_codes_and_loads_back_unchanged(ws, tmp_path):
    from coder.formats.codebook_yaml import dump_codebook, validate_codebook
    from coder.services.codebooks import current_codebook, load_codebook

    exchange.import_qdpx(ws, tool_file(tmp_path, "QualCoder 3.5", "\n".join(LINES), _cp()))
    text = dump_codebook(current_codebook(ws))
    assert "name: skills/programming" in text and "name: activities/programming" in text
    book, problems = validate_codebook(text, "cb.yaml")
    assert problems == [] and book is not None
    path = tmp_path / "cb.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_codebook(ws, path).plan.is_empty
    # The .qdc export of the same codebook loads back as no change too.
    from coder.formats.qdc import write_qdc

    qdc = tmp_path / "cb.qdc"
    with qdc.open("wb") as fh:
        write_qdc(current_codebook(ws), fh)
    assert b'name="programming"' in qdc.read_bytes()
    assert load_codebook(ws, qdc).plan.is_empty


def test_a_name_the_project_has_under_another_parent_is_a_new_code(ws, tmp_path):
    from tests.formats.test_qdpx import foreign

    create_code(ws, _code("Child"))  # top level; the file's "Child" sits under "Parent"
    summary = exchange.import_qdpx(ws, foreign(tmp_path))
    assert summary.codes == 2
    with ws.read() as s:
        codes = {c.name: c.parent for c in q.codes(s, ws.project.id)}
    assert codes == {"Child": None, "Parent": None, "Parent/Child": "Parent"}
    assert [c for c, _ in codings(ws)] == ["Parent/Child"]


def test_an_import_is_one_event_undone_and_redone_as_one(ws):
    path = shared_file("refi", "nvivo-win-12.6.qdpx")
    with ws.read() as s:
        first = q.audit_events(s, ws.project.id, limit=1)
    before_seq = first[0].seq if first else 0
    summary = exchange.import_qdpx(ws, path)
    with ws.read() as s:
        events = [e for e in q.audit_events(s, ws.project.id) if e.seq > before_seq]
        coders = {c.coder for c in q.codings(s, ws.project.id)}
    (event,) = events
    assert event.action == "qdpx.import" and event.coder == ws.coder
    assert event.target == f"{path.name}: {summary.counts()}"
    assert "60 codes" in event.target and f"{summary.codings} codings" in event.target
    assert ws.coder not in coders  # each coding is its user's, not the importer's
    imported = codings(ws)
    assert ws.db.verify(ws.project.id).ok

    assert history.undo(ws).seq == event.seq
    assert codings(ws) == []
    with ws.read() as s:
        assert q.codes(s, ws.project.id) == []
        assert q.count_documents(s, ws.project.id) == 1  # documents stay, as after any import
    result = ws.db.verify(ws.project.id)
    assert result.ok, result.message

    history.redo(ws)
    assert codings(ws) == imported
    result = ws.db.verify(ws.project.id)
    assert result.ok, result.message
