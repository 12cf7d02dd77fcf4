"""The codings export: one row per coding with citation and themes, in CSV, Excel and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from coder.core.model import Coding, Document, Theme
from coder.core.report import Bibliography, coding_lines
from coder.formats.codings import COLUMNS, write_codings

BIB = Bibliography([Document(key="gray2024", text="", authors=["B Gray", "M Sisto"], year=2024)])
THEMES = [
    Theme("Later", codes=["us"], order=2),
    Theme("First", codes=["us", "risk"], order=1),
]
CODINGS = [
    Coding(1, 10, "gray2024", "us", "alice", 5, 20, "Findings", "a, \"quoted\"\nline", "2024-05-01T10:00:00+00:00",
           memo="=cmd()", ordinal=2),
    Coding(2, 11, "gray2024", "risk", "bob", 30, 41, None, "risk talk", "2024-05-01T11:00:00+00:00"),
]  # fmt: skip


def lines():
    return coding_lines(CODINGS, THEMES, BIB)


def written(fmt: str) -> bytes:
    out = io.BytesIO()
    write_codings(lines(), fmt, out)
    return out.getvalue()


def test_lines_carry_citation_and_themes_in_report_order():
    first, second = lines()
    assert first.citation == "Gray & Sisto (2024)"
    assert first.themes == ["First", "Later"] and second.themes == ["First"]
    assert (first.section, first.unit, first.start, first.end) == ("Findings", 2, 5, 20)


def test_csv_round_trips_quotes_newlines_and_empty_fields():
    body = written("csv").decode("utf-8")
    assert "\r" not in body
    rows = list(csv.DictReader(io.StringIO(body)))
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0]["text"] == 'a, "quoted"\nline' and rows[0]["themes"] == "First; Later"
    assert rows[1]["section"] == "" and rows[1]["unit"] == "" and rows[1]["memo"] == ""
    assert rows[1]["coder"] == "bob" and rows[1]["time"] == "2024-05-01T11:00:00+00:00"


def test_json_is_structured():
    data = json.loads(written("json"))
    assert data[0]["themes"] == ["First", "Later"] and data[0]["unit"] == 2
    assert data[1]["section"] is None and data[1]["memo"] is None


def test_xlsx_reads_back_with_frozen_header_and_text_not_formulas():
    book = load_workbook(io.BytesIO(written("xlsx")))
    sheet = book["codings"]
    assert [c.value for c in sheet[1]] == list(COLUMNS)
    assert sheet.freeze_panes == "A2"
    assert sheet.cell(2, COLUMNS.index("memo") + 1).value == "=cmd()"
    assert sheet.cell(2, COLUMNS.index("memo") + 1).data_type == "s"
    assert sheet.cell(2, COLUMNS.index("start") + 1).value == 5
    assert sheet.max_row == 3


def test_unknown_format():
    with pytest.raises(ValueError, match="use csv, xlsx, json"):
        write_codings(lines(), "ods", io.BytesIO())
