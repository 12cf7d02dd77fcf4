"""The methods appendix and record-flow diagram, on the golden project with a fixed clock.

Golden files hold every text format (the clock is fixed, so dates and the audit head are
too); a separate test recounts every figure of the draft straight from the tables with
plain SQL and checks that the draft states no number it did not take from them.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document as WordDocument
from sqlalchemy import text

from coder.core.model import DocumentRecord, Section
from coder.formats import thematic_map
from coder.services import codebooks, codes, history, methods, notes, screening, themes
from coder.services.importing import add_records
from coder.services.workspace import ServiceError
from coder.store import db as db_module
from tests import golden

CODEBOOK = """\
codebook: Peer support
version: "2"
codes:
  - name: us & them
    definition: A divide | between staff and patients.
  - name: tread carefully
    definition: Caution in giving *support*.
  - name: hope
    definition: Talk of recovery and hope.
"""


@pytest.fixture
def fixed_clock(monkeypatch):
    """Every write one minute after the last (with a day's break half-way), from a fixed
    start: the trail, its hashes and the dates in the draft no longer depend on the run."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    ticks = iter(range(10_000))

    def now() -> str:
        i = next(ticks)
        moment = start + timedelta(minutes=i) + (timedelta(days=1) if i >= 40 else timedelta())
        return moment.isoformat(timespec="microseconds")

    monkeypatch.setattr(db_module, "now", now)


@pytest.fixture
def project(ws, fixed_clock, tmp_path: Path):
    """The golden project, then what a methods appendix must report: a second import
    with an exact duplicate and a record without abstract, a codebook load, records set
    aside, codebook and theme changes, and an undone action."""
    keys = golden.build(ws)
    extra = [
        golden.RECORDS[0],  # an exact duplicate
        DocumentRecord(
            sections=[], title="Peer support: an editorial", authors=["Ann Lee"], year=2021
        ),
        DocumentRecord(
            sections=[Section(None, "Peer workers on wards described hope and fear.")],
            title="Hope on the ward",
            authors=["Kim Park"],
            year=2022,
        ),
    ]
    add_records(ws, extra, source="update.ris", fmt="ris")
    codes.rename_code(ws, "risk_talk", "talk of risk")
    codes.merge_codes(ws, "costs", "talk of risk")
    path = tmp_path / "peer-support.yaml"
    path.write_text(CODEBOOK, encoding="utf-8")
    codebooks.load_codebook(ws, path)
    screening.add_reason(ws, "not empirical")
    screening.add_reason(ws, "not about peer support")
    screening.exclude_matching(ws, "editorial", "not empirical")
    screening.exclude(ws, [keys[3]], "not about peer support", note="about ward budgets")
    screening.exclude(ws, [keys[2]], note="a conference abstract")
    screening.include(ws, [keys[2]])
    themes.create_theme(ws, "Scratch", "to be dropped")
    themes.discard_theme(ws, "Scratch")
    themes.create_theme(ws, "Undone theme")
    history.undo(ws)
    themes.split_theme(ws, "Bridging the <divide>", ["talk of risk"], "Risk on the ward")
    notes.mark_read(ws, keys[0])
    notes.mark_read(ws, keys[1])
    return ws


def export(fn, ws, fmt: str) -> bytes:
    out = io.BytesIO()
    fn(ws, fmt, out)
    return out.getvalue()


def blank_head(ws, data: bytes) -> bytes:
    """The draft with the audit head's hash replaced: codes and themes get random uids, so
    the hash differs from run to run even with the clock fixed (its event number does not)."""
    _seq, digest = methods.audit_head(ws)
    assert digest.encode() in data
    return data.replace(digest.encode(), b"<audit head hash>")


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_methods_golden(project, fmt):
    data = export(methods.export_methods, project, fmt)
    golden.check(f"methods.{fmt}", blank_head(project, data))
    assert export(methods.export_methods, project, fmt) == data


@pytest.mark.parametrize("fmt,name", [("mermaid", "flow.mmd"), ("dot", "flow.dot")])
def test_flow_golden(project, fmt, name):
    golden.check(name, export(methods.export_flow, project, fmt))


@pytest.mark.skipif(not thematic_map.dot_available(), reason="Graphviz is not installed")
def test_flow_svg(project):
    svg = export(methods.export_flow, project, "svg").decode("utf-8")
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE"))
    assert "Records screened: n = 6" in svg and "Records excluded: n = 2" in svg


def test_flow_svg_without_graphviz(project, monkeypatch):
    monkeypatch.setattr(thematic_map.shutil, "which", lambda name: None)
    with pytest.raises(ServiceError, match="Graphviz is not installed, so the record flow"):
        export(methods.export_flow, project, "svg")


def test_docx_holds_the_draft_and_the_flow_table(project):
    doc = WordDocument(io.BytesIO(export(methods.export_methods, project, "docx")))
    paragraphs = [p.text for p in doc.paragraphs]
    assert any(
        p.startswith("Records were identified from 2 search-result files") for p in paragraphs
    )
    flow = doc.tables[0]
    rows = [[c.text for c in row.cells] for row in flow.rows]
    assert rows[0] == ["Stage", "Records", "n"]
    assert ["Screening", "Records excluded", "2"] in rows
    assert ["Included", "Records included in the analysis", "4"] in rows


def _sql(ws, query: str) -> int:
    with ws.db.engine.connect() as conn:
        return conn.execute(text(query), {"p": ws.project.id}).scalar_one()


def test_every_number_in_the_draft_is_counted_from_the_tables(project):
    ws = project
    facts = methods.methods_facts(ws)
    fig = facts.figures()
    events = [
        (row.seq, row.action, row.target, json.loads(row.after))
        for row in ws.db.engine.connect().execute(
            text(
                "SELECT seq, action, target, after FROM audit_event WHERE project_id = :p ORDER BY seq"
            ),
            {"p": ws.project.id},
        )
    ]
    undone = set()
    for _seq, action, target, _after in events:
        if action == "undo":
            undone.add(int(target.split()[0][1:]))
    files = [f for _s, a, _t, after in events if a == "import" for f in after["info"]["files"]]

    def changes(action: str) -> int:
        alone = sum(1 for s, a, _t, _ in events if a == action and s not in undone)
        in_loads = sum(
            after["info"].get("changes", {}).get(action, 0)
            for s, a, _t, after in events
            if a == "codebook.load" and s not in undone
        )
        return alone + in_loads

    expected = {
        "source_files": len(files),
        "identified": sum(
            f["added"] + f["duplicates"] + f["possible_duplicates"] + f["skipped"] for f in files
        ),
        "exact_duplicates": sum(f["duplicates"] for f in files),
        "possible_duplicates": sum(f["possible_duplicates"] for f in files),
        "skipped": sum(f["skipped"] for f in files),
        "documents": _sql(ws, "SELECT count(*) FROM document WHERE project_id = :p"),
        "without_abstract": _sql(
            ws, "SELECT count(*) FROM document WHERE project_id = :p AND NOT has_abstract"
        ),
        "excluded": _sql(ws, "SELECT count(*) FROM document_exclusion WHERE project_id = :p"),
        "included": _sql(
            ws,
            "SELECT count(*) FROM document WHERE project_id = :p AND id NOT IN "
            "(SELECT document_id FROM document_exclusion)",
        ),
        "coded": _sql(
            ws,
            "SELECT count(DISTINCT s.document_id) FROM coding c JOIN segment s ON s.id = c.segment_id "
            "WHERE c.project_id = :p AND s.document_id NOT IN (SELECT document_id FROM document_exclusion)",
        ),
        "codings": _sql(
            ws,
            "SELECT count(*) FROM coding c JOIN segment s ON s.id = c.segment_id "
            "WHERE c.project_id = :p AND s.document_id NOT IN (SELECT document_id FROM document_exclusion)",
        ),
        "coders": _sql(ws, "SELECT count(DISTINCT coder) FROM audit_event WHERE project_id = :p"),
        "codebook_loads": changes("codebook.load"),
        "codes_created": changes("code.create"),
        "codes_renamed": changes("code.rename"),
        "codes_merged": changes("code.merge"),
        "codes_retired": changes("code.retire"),
        "codes_active": _sql(
            ws, "SELECT count(*) FROM code WHERE project_id = :p AND status = 'active'"
        ),
        "themes_created": changes("theme.create"),
        "themes_merged": changes("theme.merge"),
        "themes_split": changes("theme.split"),
        "themes_discarded": changes("theme.discard"),
        "themes_final": _sql(
            ws, "SELECT count(*) FROM theme WHERE project_id = :p AND status != 'discarded'"
        ),
        "head_seq": _sql(ws, "SELECT max(seq) FROM audit_event WHERE project_id = :p"),
        "excluded_1": _sql(
            ws,
            "SELECT count(*) FROM document_exclusion e JOIN exclusion_reason r ON r.id = e.reason_id "
            "WHERE e.project_id = :p AND r.name = 'not empirical'",
        ),
        "excluded_2": _sql(
            ws,
            "SELECT count(*) FROM document_exclusion e JOIN exclusion_reason r ON r.id = e.reason_id "
            "WHERE e.project_id = :p AND r.name = 'not about peer support'",
        ),
    }
    assert fig == expected
    # the project exercises every figure: none of the interesting ones is zero
    assert all(fig[k] for k in ("exact_duplicates", "without_abstract", "excluded", "codes_renamed",
                                "codes_merged", "codes_retired", "themes_split", "themes_discarded"))  # fmt: skip

    # the draft's paragraphs state these numbers and no others
    draft = methods.build_draft(facts)
    prose = " ".join(draft.sections[0].paragraphs)
    assert facts.agreement is not None  # alice and bob both coded
    a = facts.agreement
    for value in (f"{a.percent:.1f}%", f"{a.kappa:.2f}", f"{a.alpha:.2f}"):
        assert value in prose
        prose = prose.replace(value, " ")
    prose = prose.replace(facts.head_hash, " ").replace("SHA-256", " ")
    prose = re.sub(r"\d{4}-\d\d-\d\d", " ", prose)  # dates of events
    for load in facts.codebook_loads:
        prose = prose.replace(f"{load.file}, version {load.version}", " ")
    stated = [int(n) for n in re.findall(r"\d+", prose)]
    assert stated and set(stated) <= set(fig.values()) | {a.units, a.documents}
    assert {fig["identified"], fig["documents"], fig["excluded"], fig["included"], fig["coded"],
            fig["head_seq"]} <= set(stated)  # fmt: skip


def test_wording_is_reflexive(project):
    draft = methods.build_draft(methods.methods_facts(project))
    prose = " ".join(p for s in draft.sections for p in s.paragraphs).lower()
    assert "emerge" not in prose
    assert "we constructed candidate themes" in prose
    assert "not a quality score" in prose or "are not a quality score" in prose


def test_an_empty_project_still_drafts(ws):
    data = export(methods.export_methods, ws, "md").decode("utf-8")
    assert "Records were identified from 0 search-result files, 0 records in all" in data
    assert methods.audit_head(ws) == (0, "0" * 64)
