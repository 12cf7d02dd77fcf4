"""One truth: the same two-coder project gives the same counts on every screen and export.

An extract is a coded span, whoever coded it (coder.core.extracts). Alice and Bob code
the same sentences; Review's list and columns, the report, the checklist and every export
must agree on each theme's extracts and documents.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from coder.core.extracts import ThemeExtract
from coder.services import exports
from coder.services.coding import UnitRef, apply_code
from coder.services.demo import build_demo
from coder.services.quality import gather
from coder.services.themes import toggle_misfit
from coder.store import queries as q
from tests.conftest import as_coder

THEME = "Bridging the us-and-them divide"
SUB = "The peer worker in the middle"


@pytest.fixture
def two_coders(tmp_path):
    alice, _ = build_demo(str(tmp_path / "demo.db"), "alice")
    bob = as_coder(alice, "bob")
    with alice.read() as session:
        keys = [d.key for d in q.documents(session, alice.project.id, limit=3)]
    a, b, c = keys
    for ws, ref, code in [
        (alice, UnitRef(a, 1), "us and them"),
        (bob, UnitRef(a, 1), "us and them"),  # the same extract, a second coder
        (bob, UnitRef(a, 1), "tread carefully"),  # the same extract, a second code
        (alice, UnitRef(a, 2), "staff emphasis on risk"),
        (bob, UnitRef(b, 1), "power imbalance"),  # a sub-theme's code
        (alice, UnitRef(b, 2), "tread carefully"),
        (bob, UnitRef(b, 2), "tread carefully"),
        (alice, UnitRef(c, 1), "us and them"),  # to be marked a misfit (by bob's mark)
        (bob, UnitRef(c, 1), "us and them"),
    ]:
        apply_code(ws, ref, code)
    with alice.read() as session:
        theme = q.theme_row(session, alice.project.id, THEME)
        extracts = q.theme_extracts(session, alice.project.id, theme.id)
    misfit = next(e for e in extracts if e.coding.document_key == c)
    toggle_misfit(bob, THEME, max(misfit.coding_ids))  # bob's coding: the span is out
    yield alice
    alice.close()


def test_one_count_everywhere(two_coders):
    ws = two_coders
    pid = ws.project.id
    expected = {THEME: (4, 2), SUB: (1, 1)}  # (extracts, documents)
    with ws.read() as session:
        ids = {t.name: t.id for t in q.themes(session, pid)}
        stats = q.theme_stats(session, pid)
        listed = {name: q.theme_extracts(session, pid, ids[name]) for name in expected}
        misfits = {name: q.misfit_coding_ids(session, ids[name]) for name in expected}
    for name, (n_extracts, n_docs) in expected.items():
        s = stats[ids[name]]
        assert (s.extracts, s.documents) == (n_extracts, n_docs), name
        # the extract list: one row per span; misfits are listed (marked) but not counted
        rows: list[ThemeExtract] = listed[name]
        counted = [e for e in rows if not set(e.coding_ids) & misfits[name]]
        assert len({e.coding.segment_id for e in rows}) == len(rows)
        assert len(counted) == n_extracts, name
        assert len({e.coding.document_key for e in counted}) == n_docs
    first = listed[THEME][0]
    assert first.coders == ["alice", "bob"] and first.codes == ["us and them", "tread carefully"]

    table = {t.name: t for t in exports.theme_table(ws).themes}
    facts = {f.name: f for f in gather(ws).themes}
    out = io.BytesIO()
    exports.export_themes(ws, "json", out)
    as_json = {t["name"]: t for t in json.loads(out.getvalue())["themes"]}
    out = io.BytesIO()
    exports.export_themes(ws, "csv", out)
    as_csv = {r["theme"]: r for r in csv.DictReader(io.StringIO(out.getvalue().decode()))}
    out = io.BytesIO()
    exports.export_themes(ws, "md", out)
    markdown = out.getvalue().decode()
    for name, (n_extracts, n_docs) in expected.items():
        assert (table[name].extracts, table[name].documents) == (n_extracts, n_docs)
        assert (facts[name].extracts, facts[name].documents) == (n_extracts, n_docs)
        assert (as_json[name]["extracts"], as_json[name]["documents"]) == (n_extracts, n_docs)
        assert (int(as_csv[name]["extracts"]), int(as_csv[name]["documents"])) == (
            n_extracts,
            n_docs,
        )
        assert f"**Documents:** {n_docs} · **Extracts:** {n_extracts}" in markdown


def test_counts_of_one_coder(two_coders):
    """Filtered by coder, a list and its counts hold only that coder's extracts."""
    ws = two_coders
    pid = ws.project.id
    with ws.read() as session:
        bob = q.coder_id(session, "bob")
        theme = q.theme_row(session, pid, THEME)
        stats = q.theme_stats(session, pid, coder_ids=[bob])[theme.id]
        rows = q.theme_extracts(session, pid, theme.id, coder_ids=[bob])
        total = q.count_theme_extracts(session, pid, theme.id, coder_ids=[bob])
    assert all(e.coders == ["bob"] for e in rows)
    assert total == len(rows) == 4  # a:1, b:1, b:2 and the misfit c:1
    assert (stats.extracts, stats.documents) == (3, 2)


def test_audit_names_the_unit_not_the_coding_id(two_coders):
    from coder.services import history
    from coder.services.themes import toggle_exemplar

    ws = two_coders
    with ws.read() as session:
        theme = q.theme_row(session, ws.project.id, THEME)
        first = q.theme_extracts(session, ws.project.id, theme.id)[0]
    toggle_exemplar(ws, THEME, first.id)
    event = history.log(ws, limit=1)[0]
    unit = f"{first.coding.document_key}:{first.coding.ordinal}"
    assert event.target == f"{THEME}: {unit}" and "coding" not in event.target


def test_memo_lists_name_targets_as_the_user_sees_them(two_coders):
    from typer.testing import CliRunner

    from coder.cli import app
    from coder.services.notes import add_memo, list_memos

    ws = two_coders
    with ws.read() as session:
        theme = q.theme_row(session, ws.project.id, THEME)
        first = q.theme_extracts(session, ws.project.id, theme.id)[0]
    key = first.coding.document_key
    add_memo(ws, "on the document", "document", key)
    add_memo(ws, "on the coding", "coding", first.id)
    add_memo(ws, "on the code", "code", "us and them")
    labels = {m.text: m.label for m in list_memos(ws)}
    assert labels["on the document"] == key
    assert labels["on the coding"] == f"{key}:{first.coding.ordinal}"
    assert labels["on the code"] == "us and them"
    out = CliRunner().invoke(app, ["memo", "list", "--db", ws.db.url]).output
    assert f"note on coding {key}:{first.coding.ordinal}: on the coding" in out
    assert f"on document {key}: on the document" in out


def test_memo_events_name_the_unit(two_coders):
    from coder.services import history
    from coder.services.notes import add_memo, edit_memo

    ws = two_coders
    with ws.read() as session:
        theme = q.theme_row(session, ws.project.id, THEME)
        first = q.theme_extracts(session, ws.project.id, theme.id)[0]
    unit = f"{first.coding.document_key}:{first.coding.ordinal}"
    memo_id = add_memo(ws, "why this fits", "coding", first.id)
    assert history.log(ws, limit=1)[0].target == f"note on coding {unit}"
    edit_memo(ws, memo_id, "why this fits, on reflection")
    assert history.log(ws, limit=1)[0].target == f"note on coding {unit}"
