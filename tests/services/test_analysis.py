"""Attributes, the code/theme x attribute matrix (checked against counts made by hand),
words and keyword-in-context, and theme tables split by an attribute."""

from __future__ import annotations

import io
import json

import pytest

from coder.core.matrix import NONE_LABEL
from coder.services import analysis, history
from coder.services.attributes import attributes_of, load_attributes, set_attribute
from coder.services.exports import export_themes
from coder.services.workspace import ServiceError
from tests import analysis_project


@pytest.fixture
def project(ws, tmp_path):
    analysis_project.build(ws, tmp_path / "in")
    return ws


def cells(matrix) -> dict[str, dict[str, object]]:
    return {
        row: {
            (c if c is not None else NONE_LABEL): matrix.shown(row, c)
            for c in matrix.cols
            if matrix.value(row, c)
        }
        for row in matrix.rows
    }


def test_codes_by_group_extracts_counted_by_hand(project):
    # pay: a:2 and a:4 by P1 (peer worker; a:2 coded by two coders counts once), b:4 by P2
    # (nurse), a:1 by the interviewer of a (no group of their own, none on document a).
    # trust: a:4 (P1), b:2 (P2), b:3 by the interviewer of b, whose document says "mixed".
    m = analysis.matrix(project, "codes", "group")
    assert m.cols == ["mixed", "nurse", "peer worker", None]
    assert cells(m) == {
        "pay": {"nurse": 1, "peer worker": 2, NONE_LABEL: 1},
        "trust": {"mixed": 1, "nurse": 1, "peer worker": 1},
    }
    assert [m.row_total(r) for r in m.rows] == [4, 3]


def test_documents_and_percentages_counted_by_hand(project):
    docs = analysis.matrix(project, "codes", "site", count="documents")
    assert cells(docs) == {"pay": {"north": 1, "south": 1}, "trust": {"north": 1, "south": 1}}
    extracts = analysis.matrix(project, "codes", "site")
    assert cells(extracts) == {"pay": {"north": 3, "south": 1}, "trust": {"north": 1, "south": 2}}
    row = analysis.matrix(project, "codes", "group", percent="row")
    assert cells(row)["pay"] == {"nurse": 25.0, "peer worker": 50.0, NONE_LABEL: 25.0}
    col = analysis.matrix(project, "codes", "group", percent="col")
    assert col.shown("pay", "nurse") == col.shown("trust", "nurse") == 50.0
    assert col.shown("pay", "peer worker") == 66.7


def test_themes_by_speaker_and_drill_down(project):
    m = analysis.matrix(project, "themes", "speaker")
    # the theme's extracts: a:1 (Interviewer), a:2 + a:4 (P1), b:2 + b:4 (P2), b:3 (Interviewer)
    assert cells(m) == {"Working conditions": {"Interviewer": 2, "P1": 2, "P2": 2}}
    behind = analysis.cell_extracts(project, "themes", "Working conditions", "speaker", "P1")
    assert [(key, text, speaker) for key, _s, _e, text, speaker, _h in behind] == [
        ("interview_a", "The pay is poor.", "P1"),
        ("interview_a", "I trust them. Pay aside.", "P1"),
    ]
    none = analysis.cell_extracts(project, "codes", "pay", "group", None)
    assert [text for _k, _s, _e, text, _sp, _h in none] == ["How is the work?"]


def test_attributes_are_audited_shown_and_refused_when_wrong(project, tmp_path):
    assert [(a.name, a.value) for a in attributes_of(project, "speaker", "P1")] == [
        ("group", "peer worker")
    ]
    assert set_attribute(project, "document", "interview_a", "site", "east") == "changed"
    assert set_attribute(project, "document", "interview_a", "site", "") == "cleared"
    history.undo(project)
    assert [(a.name, a.value) for a in attributes_of(project, "document", "interview_a")] == [
        ("site", "east")
    ]
    assert history.verify(project).ok
    bad = tmp_path / "bad.csv"
    bad.write_text("speaker,group\nP1,x\nP9,y\n", encoding="utf-8")
    with pytest.raises(ServiceError, match=r"bad.csv:3: no speaker 'P9'"):
        load_attributes(project, bad)
    assert attributes_of(project, "speaker", "P1")[0].value == "peer worker"  # untouched
    with pytest.raises(ServiceError, match="comes from the documents"):
        set_attribute(project, "document", "interview_a", "year", "2020")
    with pytest.raises(ServiceError, match="no attribute 'colour'"):
        analysis.matrix(project, "codes", "colour")


def test_words_and_kwic(project):
    top = {w.word: w.count for w in analysis.words(project)}
    assert top["pay"] == 3 and top["trust"] == 2
    assert "the" not in top and "interviewer" not in top  # stop word; speaker labels left out
    theme_words = analysis.words(project, theme="Working conditions", top=3)
    assert theme_words[0].word == "pay"
    lines = analysis.kwic(project, "pay")
    assert [(c.source, c.left, c.match, c.right) for c in lines] == [
        ("interview_a (P1)", "The", "pay", "is poor."),
        ("interview_a (P1)", "I trust them.", "Pay", "aside."),
        ("interview_b (P2)", "The", "pay", "."),
    ]
    assert [c.match for c in analysis.kwic(project, "trust*")] == ["trust", "Trust"]


def test_user_stopwords(project, tmp_path):
    path = analysis.ensure_stopwords_file()
    path.write_text(path.read_text(encoding="utf-8") + "pay\n", encoding="utf-8")
    assert "pay" not in {w.word for w in analysis.words(project)}
    mine = tmp_path / "mine.txt"
    mine.write_text("# nothing but\ntrust\n", encoding="utf-8")
    found = {w.word for w in analysis.words(project, stopwords=mine)}
    assert "pay" in found and "trust" not in found and "the" in found


@pytest.mark.parametrize("fmt", ["md", "csv", "json", "html", "latex", "xlsx", "docx"])
def test_theme_table_split_by_attribute_in_every_format(project, fmt):
    out = io.BytesIO()
    export_themes(project, fmt, out, by="site")
    data = out.getvalue()
    assert data
    if fmt == "json":
        themes = json.loads(data)["themes"]
        assert [(t["group"], t["extracts"], t["documents"]) for t in themes] == [
            ("north", 3, 1),
            ("south", 3, 1),
        ]
    elif fmt == "csv":
        lines = data.decode().splitlines()
        assert lines[0].startswith("site,number,theme")
        assert lines[1].startswith("north,1,Working conditions [site: north]")
    elif fmt in ("md", "html", "latex"):
        text = data.decode()
        assert "site: north" in text and "site: south" in text  # brackets escaped per format


def test_a_span_in_one_turn_is_said_by_its_speaker(project):
    from coder.services.coding import UnitRef, apply_code

    # "I trust them." inside P1's last turn of interview a; then a span across two turns.
    with project.read() as s:
        from coder.store import queries as q

        text = q.document_row(s, project.project.id, "interview_a").text
    start = text.index("I trust them.")
    apply_code(project, UnitRef("interview_a", start=start, end=start + 13), "trust")
    across = text.index("poor.")
    apply_code(project, UnitRef("interview_a", start=across, end=across + 25), "trust")
    m = analysis.matrix(project, "codes", "speaker")
    assert cells(m)["trust"] == {"Interviewer": 1, "P1": 2, "P2": 1, NONE_LABEL: 1}
