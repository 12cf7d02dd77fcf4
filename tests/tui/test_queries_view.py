"""The matrix, words and attributes screens through the Pilot, on the hand-counted
interview project of tests/analysis_project.py."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, Select

from coder.services.attributes import attributes_of
from coder.tui.app import make_app
from coder.tui.queries_view import AttributesScreen, MatrixScreen, WordsScreen
from tests import analysis_project
from tests.tui.conftest import drive, press, settle


@pytest.fixture
def project(sqlite_ws, tmp_path):
    analysis_project.build(sqlite_ws, tmp_path / "in")
    return sqlite_ws


def cells(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def test_matrix_by_group_and_drill_down_to_a_cell(project):
    async def steps(pilot):
        pilot.app.action_matrix()  # the palette's "query: matrix"
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, MatrixScreen)
        screen.query_one("#cols", Select).value = "group"
        await settle(pilot)
        table = screen.query_one("#matrix", DataTable)
        assert cells(table) == [
            ["pay", "0", "1", "2", "1", "4"],
            ["trust", "1", "1", "1", "0", "3"],
        ]
        table.focus()
        table.move_cursor(row=0, column=3)  # pay x peer worker
        await press(pilot, "enter")
        extracts = screen.query_one("#extracts", DataTable)
        assert [row[2] for row in cells(extracts)] == [
            "The pay is poor.",
            "I trust them. Pay aside.",
        ]
        await press(pilot, "p")  # row percentages
        assert cells(table)[0][1:5] == ["0.0", "25.0", "50.0", "25.0"]
        await press(pilot, "escape")
        assert not isinstance(pilot.app.screen, MatrixScreen)

    drive(make_app(project), steps)


def test_words_then_keyword_in_context(project):
    async def steps(pilot):
        pilot.app.action_words()  # the palette's "query: words"
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, WordsScreen)
        words = screen.query_one("#words", DataTable)
        assert cells(words)[0] == ["pay", "3", "3"]
        words.focus()
        await press(pilot, "enter")
        kwic = screen.query_one("#kwic", DataTable)
        assert [row[1] for row in cells(kwic)] == ["pay", "Pay", "pay"]
        term = screen.query_one("#term", Input)
        term.focus()
        term.value = "trust*"
        await press(pilot, "enter")
        assert [row[3] for row in cells(kwic)] == ["interview_a (P1)", "interview_b (P2)"]

    drive(make_app(project), steps)


def test_attributes_shown_and_set(project):
    async def steps(pilot):
        pilot.app.action_attributes()  # the palette's "attributes: view"
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AttributesScreen)
        rows = cells(screen.query_one("#attributes", DataTable))
        assert ["speaker", "P1", "group", "peer worker"] in rows
        field = screen.query_one("#set", Input)
        field.focus()
        field.value = "speaker P1 group = peer lead"
        await press(pilot, "enter")
        assert ["speaker", "P1", "group", "peer lead"] in cells(
            screen.query_one("#attributes", DataTable)
        )

    drive(make_app(project), steps)
    assert [(a.name, a.value) for a in attributes_of(project, "speaker", "P1")] == [
        ("group", "peer lead")
    ]
