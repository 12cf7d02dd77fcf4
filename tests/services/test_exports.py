"""Exports and REFI-QDA exchange through the services, on real projects.

Golden files hold the deterministic text formats of a small, tricky project (see
tests/golden); the demo project, after a scripted coding session, is exported in every
format and read back with the library each format is meant for.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from docx import Document as WordDocument
from lxml import etree
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from coder import cli
from coder.formats.errors import FormatError
from coder.services import exchange, exports, history
from coder.services.coding import UnitRef, apply_code, set_coding_memo
from coder.services.demo import build_demo
from coder.services.notes import add_memo, set_note
from coder.services.themes import toggle_exemplar, toggle_misfit
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.tables import DocumentRow
from tests import golden
from tests.formats.test_qdpx import foreign

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"


def shared_file(*parts: str) -> Path:
    if not TESTDATA.is_dir():
        pytest.skip("../shared/testdata is not here")
    return TESTDATA.joinpath(*parts)


def export(fn, ws, fmt: str) -> bytes:
    out = io.BytesIO()
    fn(ws, fmt, out)
    return out.getvalue()


# ---- golden files -----------------------------------------------------------------------


@pytest.fixture
def golden_ws(ws):
    golden.build(ws)
    return ws


def blank_times(data: bytes) -> bytes:
    """The codings CSV with its time column emptied: times are when the test ran."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    column = rows[0].index("time")
    for row in rows[1:]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00", row[column])
        row[column] = ""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_theme_table_golden(golden_ws, fmt):
    data = export(exports.export_themes, golden_ws, fmt)
    golden.check(f"themes.{fmt}", data)
    assert export(exports.export_themes, golden_ws, fmt) == data  # byte-identical again


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_map_golden(golden_ws, fmt):
    golden.check(
        f"map.{exports.default_filename('map', fmt).split('.')[-1]}",
        export(exports.export_map, golden_ws, fmt),
    )


def test_codings_golden(golden_ws):
    golden.check("codings.csv", blank_times(export(exports.export_codings, golden_ws, "csv")))


# ---- the demo project, every format -----------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo project after a scripted session: two coders, exemplars, a misfit, memos."""
    ws, _lines = build_demo(str(tmp_path_factory.mktemp("demo") / "demo.db"), "alice")
    bob = Workspace(ws.db, ws.project, "bob")
    apply_code(ws, "gray2024:3", "us and them", memo="the fissure")
    apply_code(bob, "gray2024:3", "us and them")
    apply_code(ws, "gray2024a:2", "tread carefully")
    apply_code(ws, "faulkner2012:2", "shared lived experience")
    apply_code(ws, UnitRef("watson2016", start=0, end=30), "wounded healer")
    apply_code(bob, "repper2012:1", "intentional peer support")
    set_coding_memo(bob, "repper2012:1", "intentional peer support", "formal IPS")
    with ws.read() as session:
        ids = {(c.document_key, c.code, c.coder): c.id for c in q.codings(session, ws.project.id)}
    toggle_exemplar(
        ws, "Bridging the us-and-them divide", ids[("gray2024", "us and them", "alice")]
    )
    toggle_misfit(
        ws, "Bridging the us-and-them divide", ids[("gray2024a", "tread carefully", "alice")]
    )
    add_memo(ws, "I came to this as a former peer worker.", kind="journal")
    set_note(ws, "document", "gray2024", "familiarisation", "Ward study; strong on the divide.")
    add_memo(bob, "Check against the codebook.", "code", "us and them")
    yield ws
    ws.close()


def test_demo_theme_table(demo):
    table = exports.theme_table(demo)
    bridging = table.themes[0]
    assert bridging.name == "Bridging the us-and-them divide" and bridging.exemplars_chosen
    assert (bridging.documents, bridging.extracts) == (1, 1)  # the misfit is left out
    assert bridging.exemplars[0].coders == ["alice", "bob"]
    assert {r.key for r in table.references} >= {"gray2024"}


def test_demo_every_theme_format_reads_back(demo):
    md = export(exports.export_themes, demo, "md").decode()
    assert (
        md.startswith("# Themes: peer support on inpatient wards (demo)") and "## References" in md
    )
    rows = list(csv.DictReader(io.StringIO(export(exports.export_themes, demo, "csv").decode())))
    assert (
        rows[0]["theme"] == "Bridging the us-and-them divide"
        and rows[0]["exemplars_chosen"] == "yes"
    )
    data = json.loads(export(exports.export_themes, demo, "json"))
    assert [t["number"] for t in data["themes"]][:2] == ["1", "1.1"]
    html = export(exports.export_themes, demo, "html").decode()
    assert html.count("<tr") == len(data["themes"]) + 1
    latex = export(exports.export_themes, demo, "latex").decode()
    assert latex.count(r"\\" + "\n") == len(data["themes"]) + 1
    book = load_workbook(io.BytesIO(export(exports.export_themes, demo, "xlsx")))
    assert book["themes"].max_row == len(data["themes"]) + 1
    assert book["extracts"]["C2"].value.startswith("There is sometimes a fissure")
    assert book["codes"].freeze_panes == "A2"
    doc = WordDocument(io.BytesIO(export(exports.export_themes, demo, "docx")))
    assert len(doc.tables[0].rows) == len(data["themes"]) + 1
    assert any(p.style.name == "Heading 1" and p.text == "References" for p in doc.paragraphs)


def test_demo_codings_in_every_format(demo):
    rows = list(csv.DictReader(io.StringIO(export(exports.export_codings, demo, "csv").decode())))
    assert len(rows) == 6
    first = rows[0]
    assert (first["key"], first["code"], first["citation"], first["section"]) == (
        "gray2024", "us and them", "Gray, Sisto & Conley (2024)", "Findings"
    )  # fmt: skip
    assert first["themes"] == "Bridging the us-and-them divide" and first["memo"] == "the fissure"
    data = json.loads(export(exports.export_codings, demo, "json"))
    assert [d["coder"] for d in data] == [r["coder"] for r in rows]
    sheet = load_workbook(io.BytesIO(export(exports.export_codings, demo, "xlsx")))["codings"]
    assert sheet.max_row == 7 and sheet["A2"].value == "gray2024"


def test_demo_map(demo):
    mermaid = export(exports.export_map, demo, "mermaid").decode()
    assert mermaid.count("-->") == 1 and '["Bridging the us-and-them divide"]' in mermaid
    dot = export(exports.export_map, demo, "dot").decode()
    assert dot.count(" -> ") == mermaid.count("-->") + mermaid.count("---")


def test_svg_without_graphviz_is_a_service_error(demo, monkeypatch):
    from coder.formats import thematic_map

    monkeypatch.setattr(thematic_map.shutil, "which", lambda name: None)
    with pytest.raises(ServiceError, match="Graphviz is not installed.*apt install graphviz"):
        export(exports.export_map, demo, "svg")


def test_demo_audit_trail_oldest_first(demo, monkeypatch):
    monkeypatch.setattr(exports, "PAGE", 3)  # several pages, as on a long trail
    with demo.read() as session:
        events = q.audit_events(session, demo.project.id, newest_first=False)
    rows = list(csv.DictReader(io.StringIO(export(exports.export_audit, demo, "csv").decode())))
    assert [int(r["seq"]) for r in rows] == [e.seq for e in events]
    assert rows[0]["action"] == "import" and json.loads(rows[-1]["after"]) == events[-1].after
    lines = export(exports.export_audit, demo, "jsonl").decode().splitlines()
    assert [json.loads(line)["hash"] for line in lines] == [e.hash for e in events]


def test_unknown_formats_and_default_names():
    assert exports.default_filename("themes", "docx") == "themes.docx"
    assert exports.default_filename("themes", "latex") == "themes.tex"
    assert exports.default_filename("map", "mermaid") == "map.mmd"
    with pytest.raises(ServiceError, match="unknown themes format 'pdf'"):
        exports.check_format("themes", "pdf")
    with pytest.raises(ServiceError, match="unknown export 'slides'"):
        exports.default_filename("slides", "md")


# ---- REFI-QDA exchange --------------------------------------------------------------------


def test_demo_qdpx_validates_against_the_schema(demo, tmp_path):
    path = tmp_path / "demo.qdpx"
    exchange.export_qdpx(demo, path)
    schema = etree.XMLSchema(etree.parse(str(shared_file("refi", "Project.xsd"))))
    with zipfile.ZipFile(path) as archive:
        schema.assertValid(etree.fromstring(archive.read("project.qde")))
        assert len([n for n in archive.namelist() if n.startswith("sources/")]) == 20
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def snapshot(ws) -> dict:
    with ws.read() as s:
        pid = ws.project.id
        return {
            "documents": [(d.key, d.text, [x.heading for x in d.sections], d.title, d.authors, d.year, d.doi)
                          for d in q.documents(s, pid)],
            # Sorted: the file nests children under parents, so codebook order may change.
            "codes": sorted((c.name, c.parent or "", c.definition, c.colour or "") for c in q.codes(s, pid)),
            "codings": sorted((c.document_key, c.start, c.end, c.code, c.coder, c.memo or "") for c in q.codings(s, pid)),
            "themes": [(t.name, t.parent, t.definition, t.scope, t.codes) for t in q.themes(s, pid)],
            "memos": sorted((m.target_type, m.kind, m.text, m.coder) for m in q.memos(s, pid)),
        }  # fmt: skip


def test_round_trip_into_an_empty_project(golden_ws, tmp_path):
    path = tmp_path / "golden.qdpx"
    exchange.export_qdpx(golden_ws, path)
    copy = Workspace(golden_ws.db, golden_ws.db.create_project("copy"), "carol")
    summary = exchange.import_qdpx(copy, path)
    assert summary.line().startswith(
        "golden.qdpx (qdpx): 4 documents added, 5 codes, 4 themes, 8 codings, 1 memo,"
    )
    assert summary.coders == [] or set(summary.coders) <= {"alice", "bob"}
    before, after = snapshot(golden_ws), snapshot(copy)
    for part in before:
        assert after[part] == before[part], part
    # Importing the same file again adds nothing.
    again = exchange.import_qdpx(copy, path)
    assert (again.documents, again.codes, again.codings, again.memos) == (0, 0, 0, 0)
    assert snapshot(copy) == after


def project_state(ws) -> dict:
    """Everything an import may add, counted, with the audit trail's events."""
    with ws.read() as s:
        pid = ws.project.id
        imported = s.exec(select(DocumentRow.import_seq).where(DocumentRow.project_id == pid))
        return {
            "documents": len(q.documents(s, pid)),
            "import_seqs": sorted({seq for seq in imported}),
            "codes": len(q.codes(s, pid, include_inactive=True)),
            "themes": len(q.themes(s, pid)),
            "codings": len(q.codings(s, pid)),
            "memos": len(q.memos(s, pid)),
            "coders": q.coder_names(s),
            "events": [
                (e.seq, e.coder, e.action, e.target)
                for e in q.audit_events(s, pid, newest_first=False)
            ],
        }


def cli_verify(ws) -> str:
    result = CliRunner().invoke(
        cli.app, ["audit", "verify", "--db", ws.db.url, "--project", ws.project.name]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_failure_half_way_through_an_import_changes_nothing(golden_ws, tmp_path, monkeypatch):
    path = tmp_path / "golden.qdpx"
    exchange.export_qdpx(golden_ws, path)
    copy = Workspace(golden_ws.db, golden_ws.db.create_project("copy"), "carol")
    add_memo(copy, "Before the import.", kind="journal")
    before = project_state(copy)
    assert len(before["events"]) == 1

    codings = exchange._Importer.codings

    def fail_after_codings(self, keys):
        # Documents and codes are written by now (in the import's open transaction)...
        assert len(q.documents(self.tx.session, copy.project.id)) == 4
        assert len(q.codes(self.tx.session, copy.project.id)) == 5
        codings(self, keys)
        assert self.tx.emitted == 0  # one event, written at the end
        raise RuntimeError("the disk is full")  # ...and then the import fails

    monkeypatch.setattr(exchange._Importer, "codings", fail_after_codings)
    with pytest.raises(RuntimeError, match="the disk is full"):
        exchange.import_qdpx(copy, path)
    assert project_state(copy) == before  # no document, code, coder or event left behind
    assert history.verify(copy).ok
    assert cli_verify(copy).startswith("1 events checked: the trail is intact")

    monkeypatch.setattr(exchange._Importer, "codings", codings)
    summary = exchange.import_qdpx(copy, path)
    assert (summary.documents, summary.codes, summary.codings, summary.memos) == (4, 5, 8, 1)
    after = project_state(copy)
    assert after["events"] == before["events"] + [
        (2, "carol", "qdpx.import", f"golden.qdpx: {summary.counts()}"),
    ]  # one event for the whole import, the importer's
    assert summary.counts().startswith("4 documents, 5 codes")
    with copy.read() as session:
        by_coder = Counter(c.coder for c in q.codings(session, copy.project.id))
        memo_writers = [m.coder for m in q.memos(session, copy.project.id) if m.kind == "journal"]
    assert by_coder == {"alice": 6, "bob": 2}  # each coding under its own coder
    assert sorted(memo_writers) == ["alice", "carol"]
    assert after["import_seqs"] == [2]  # the documents point at their import event
    assert (after["documents"], after["codes"], after["codings"]) == (4, 5, 8)
    assert history.verify(copy).ok
    assert cli_verify(copy).startswith("2 events checked: the trail is intact")


def test_import_from_another_tool_maps_positions_users_and_notes(sqlite_ws, tmp_path):
    summary = exchange.import_qdpx(sqlite_ws, foreign(tmp_path))
    assert summary.documents == 2 and summary.codes == 2 and summary.codings == 1
    assert summary.coders == ["Maria"] and summary.skipped == [
        "1 picture source: coder imports text only (e.g. 'photo.jpg')"
    ]
    with sqlite_ws.read() as s:
        (coding,) = q.codings(s, sqlite_ws.project.id)
        memos = {(m.target_type, m.text) for m in q.memos(s, sqlite_ws.project.id)}
        codes = [(c.name, c.parent) for c in q.codes(s, sqlite_ws.project.id)]
    assert (coding.text, coding.code, coding.coder) == ("The café was loud.", "Child", "Maria")
    assert codes == [("Parent", None), ("Child", "Parent")]
    assert memos == {("project", "Research Plan\n\nPlan."), ("code", "About parent\n\nP.")}
    assert history.verify(sqlite_ws).ok  # every imported row is in the audit trail


def test_import_of_the_spec_example(sqlite_ws):
    summary = exchange.import_qdpx(sqlite_ws, shared_file("refi", "spec-example-atlasti-8.4.qdpx"))
    assert (summary.documents, summary.codes, summary.codings) == (0, 14, 0)
    assert summary.themes == 5 and summary.coders == ["Friedrich Markgraf"]
    assert any("6 text sources without their text (7 codings)" in s for s in summary.skipped)
    with sqlite_ws.read() as s:
        names = {c.name for c in q.codes(s, sqlite_ws.project.id)}
    assert {"Coke::diet Coke", '"rushed"'} <= names


def test_a_bad_file_changes_nothing(sqlite_ws, tmp_path):
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("project.qde", "<Project")
    with pytest.raises(FormatError, match=r"^bad.qdpx/project.qde:\d+:\d+: broken XML"):
        exchange.import_qdpx(sqlite_ws, bad)
    with sqlite_ws.read() as s:
        assert q.audit_events(s, sqlite_ws.project.id) == []
