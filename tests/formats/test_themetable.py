"""The theme table: citations, references, counts and every writer, without a database."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook

from coder.core.model import Code, Coding, Document, Theme
from coder.core.report import Bibliography, apa_author, apa_authors, build_theme_table
from coder.formats.themetable import THEME_FORMATS, tex, write_theme_table

GRAY = ["Benjamin Thomas Gray", "Matthew Sisto", "Renee Conley"]
DOCS = [
    Document(key="gray2024", text="", title="Zeta study", authors=GRAY, year=2024, journal="MHSI",
             volume="28", issue="3", pages="81-95", doi="doi:10.1108/X_1"),
    Document(key="gray2024a", text="", title="Alpha study", authors=GRAY, year=2024),
    Document(key="doe2019", text="", authors=["Doe, Jane"], year=2019),
    Document(key="anon", text="", title="An untold story of the ward", journal="Ward News"),
    Document(key="many", text="", authors=[f"Ann Author{i}" for i in range(5)], year=2020),
]  # fmt: skip


def test_citations_disambiguate_same_authors_and_year_by_title():
    bib = Bibliography(DOCS)
    # "Alpha study" sorts before "Zeta study": APA orders the letters by title.
    assert bib.citation("gray2024a") == "Gray, Sisto & Conley (2024a)"
    assert bib.citation("gray2024") == "Gray, Sisto & Conley (2024b)"
    assert bib.citation("doe2019") == "Doe (2019)"
    assert bib.citation("many") == "Author0 et al. (2020)"
    assert bib.citation("anon") == "“An untold story of the…” (n.d.)"
    assert bib.citation("missing") == "missing"


def test_references_are_apa_like_and_use_what_metadata_exists():
    bib = Bibliography(DOCS)
    assert bib.reference("gray2024").text == (
        "Gray, B. T., Sisto, M., & Conley, R. (2024b). Zeta study. MHSI, 28(3), 81–95. "
        "https://doi.org/10.1108/X_1"
    )
    italic = [run.text for run in bib.reference("gray2024").runs if run.italic]
    assert italic == ["MHSI", "28"]
    # No journal: the title stands alone and is italic; no title: nothing invented.
    assert [r.italic for r in bib.reference("gray2024a").runs] == [False, True]
    assert bib.reference("doe2019").text == "Doe, J. (2019)."
    assert bib.reference("anon").text == "An untold story of the ward. (n.d.). Ward News."
    order = [r.key for r in bib.references(["gray2024", "doe2019", "gray2024a", "anon"])]
    assert order == ["anon", "doe2019", "gray2024a", "gray2024"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Benjamin Thomas Gray", "Gray, B. T."),
        ("Gray, Benjamin Thomas", "Gray, B. T."),
        ("Jean-Paul Sartre", "Sartre, J.-P."),
        ("Gray, B.T.", "Gray, B. T."),
        ("Plato", "Plato"),
    ],
)
def test_apa_author(name, expected):
    assert apa_author(name) == expected


def test_apa_authors_lists():
    assert apa_authors(["A B"]) == "B, A."
    assert apa_authors(["A B", "C D"]) == "B, A., & D, C."
    many = apa_authors([f"X Name{i}" for i in range(25)])
    assert many.startswith("Name0, X., Name1, X.") and many.endswith(", . . . Name24, X.")
    assert "Name19," not in many


def coding(
    cid: int, seg: int, key: str, code: str, coder: str = "alice", heading: str | None = None
) -> Coding:
    return Coding(cid, seg, key, code, coder, seg * 10, seg * 10 + 5, heading, f"text {seg}", "t")


THEMES = [
    Theme("Divide", "A & B", codes=["us"], order=1),
    Theme("Sub", "Under divide", codes=["power"], parent="Divide", order=2),
    Theme("Care", "", codes=["careful"], order=3),
]
CODES = [Code("us"), Code("power"), Code("careful"), Code("spare")]
CODINGS = [
    coding(1, 1, "gray2024", "us", heading="Findings"),
    coding(2, 1, "gray2024", "us", coder="bob"),  # same span, second coder: one extract
    coding(3, 2, "doe2019", "power"),
    coding(4, 3, "gray2024", "careful"),
    coding(5, 4, "gray2024", "careful"),
    coding(6, 5, "doe2019", "careful"),
    coding(7, 6, "gray2024a", "careful"),
]


def table(exemplars=None, misfits=None, fallback=2):
    return build_theme_table(
        "p", THEMES, CODES, CODINGS, exemplars or {}, misfits or {}, Bibliography(DOCS), fallback
    )


def test_counts_cover_subthemes_count_spans_once_and_leave_out_misfits():
    t = table(misfits={"Care": {7}})
    divide, sub, care = t.themes
    assert [x.number for x in t.themes] == ["1", "1.1", "2"]
    assert (divide.documents, divide.extracts, divide.subthemes) == (2, 2, ["Sub"])
    assert (sub.documents, sub.extracts, sub.level, sub.parent) == (1, 1, 1, "Divide")
    assert (care.documents, care.extracts) == (2, 3)
    assert t.unassigned_codes == ["spare"]
    assert [(c.name, c.codings, c.extracts, c.themes) for c in t.codes][:2] == [
        ("us", 2, 1, ["Divide"]),
        ("power", 1, 1, ["Sub"]),
    ]


def test_chosen_exemplars_come_first_else_fallback_prefers_other_documents():
    t = table(exemplars={"Divide": [3, 1]})
    divide, _sub, care = t.themes
    assert divide.exemplars_chosen and [e.key for e in divide.exemplars] == ["doe2019", "gray2024"]
    assert (
        divide.exemplars[1].coders == ["alice", "bob"] and divide.exemplars[1].section == "Findings"
    )
    assert not care.exemplars_chosen
    assert [(e.key, e.chosen) for e in care.exemplars] == [("gray2024", False), ("doe2019", False)]
    assert [r.key for r in t.references] == ["doe2019", "gray2024"]


NASTY = "50% & $5 #1 under_score {x} ~y ^z back\\slash [note] <b>|pipe|</b> *star*"


def nasty_table():
    themes = [Theme(NASTY, NASTY, codes=["c&d"])]
    codings = [
        Coding(1, 1, "gray2024", "c&d", "alice", 0, 5, "Find_ings", NASTY + "\nnext line", "t")
    ]
    return build_theme_table(
        NASTY, themes, [Code("c&d")], codings, {NASTY: [1]}, {}, Bibliography(DOCS)
    )


def render(fmt: str) -> bytes:
    out = io.BytesIO()
    write_theme_table(nasty_table(), fmt, out)
    return out.getvalue()


def test_latex_escapes_every_special_character():
    assert tex("& % $ # _ { } ~ ^ \\") == (
        r"\& \% \$ \# \_ \{ \} \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    body = render("latex").decode()
    assert r"\begin{longtable}" in body and r"\end{longtable}" in body
    # Outside the commands we emit, no special character is left bare.
    stripped = re.sub(
        r"\\(?:textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar)\{\}",
        "",
        body,
    )
    stripped = re.sub(r"\\[&%$#_{}]|\{\[\}|\{\]\}", "", stripped)
    stripped = re.sub(r"\\[a-zA-Z]+(\{[^{}]*\})?|[{}]|&|\\\\", "", stripped)
    assert not re.search(
        r"[%$#_~^\\]", "\n".join(line for line in stripped.splitlines() if not line.startswith("%"))
    )


def test_markdown_escapes_and_keeps_table_cells_on_one_line():
    body = render("md").decode()
    row = next(line for line in body.splitlines() if line.startswith("| 1. "))
    assert row.count(" | ") == 4  # the pipes of the name are escaped, not new cells
    assert r"\|pipe\|" in row and r"\*star\*" in row and r"\<b\>" in row
    assert "next line" in body and "\nnext line" not in body


def test_html_is_standalone_and_escaped():
    body = render("html").decode()
    assert (
        body.startswith("<!DOCTYPE html>")
        and "<style>" in body
        and body.rstrip().endswith("</html>")
    )
    assert "<b>|pipe|</b>" not in body and "&lt;b&gt;|pipe|&lt;/b&gt;" in body


def test_csv_and_json_read_back():
    rows = list(csv.reader(io.StringIO(render("csv").decode())))
    assert rows[0][:3] == ["number", "theme", "level"] and rows[1][1] == NASTY
    assert "— Gray, Sisto & Conley (2024b), Find_ings [gray2024]" in rows[1][-1]
    data = json.loads(render("json"))
    assert data["themes"][0]["exemplars"][0]["text"] == NASTY + "\nnext line"
    assert data["references"][0]["key"] == "gray2024"


def test_xlsx_has_three_tables_frozen_wrapped_and_no_formulas():
    themes = [Theme("=SUM(A1:A2)", "definition", codes=["c"])]
    t = build_theme_table("p", themes, [Code("c")], [], {}, {}, Bibliography([]))
    out = io.BytesIO()
    write_theme_table(t, "xlsx", out)
    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames[:3] == ["themes", "codes", "extracts"]
    sheet = book["themes"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet["B2"].value == "=SUM(A1:A2)" and sheet["B2"].data_type == "s"
    assert sheet["B2"].alignment.wrap_text and sheet.column_dimensions["F"].width >= 40


def test_docx_uses_word_tables_and_headings():
    doc = WordDocument(io.BytesIO(render("docx")))
    assert len(doc.tables) == 2  # the summary, and the theme's extracts
    assert doc.tables[0].rows[0].cells[0].text == "Theme"
    assert doc.tables[0].rows[1].cells[0].text == f"1. {NASTY}"
    styles = [p.style.name for p in doc.paragraphs]
    assert "Title" in styles and "Heading 1" in styles
    reference = next(p for p in doc.paragraphs if p.text.startswith("Gray, B. T."))
    assert [r.text for r in reference.runs if r.italic] == ["MHSI", "28"]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown theme table format 'pdf'"):
        write_theme_table(nasty_table(), "pdf", io.BytesIO())
    assert set(THEME_FORMATS) == {"md", "csv", "xlsx", "docx", "html", "latex", "json"}
