"""Every phase at 80x24 (the default of many SSH sessions) and at 200x60 (a big terminal),
on the coded demo of test_snapshots_part2: an SVG snapshot each, and the checks that
matter at the small size (Themes shows many code rows, Define shows extract rows to pick
an exemplar from).

Update with ``pytest tests/tui/test_snapshots_small.py --snapshot-update`` and look at
the files (``rsvg-convert``) before committing them.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from coder.tui.app import make_app
from coder.tui.widgets.extract_table import ExtractTable
from tests.tui.conftest import drive, press, screen_text, steady
from tests.tui.test_snapshots_part2 import coded_demo  # noqa: F401  (a fixture)

SMALL = (80, 24)
LARGE = (200, 60)


@pytest.mark.parametrize("key", ["f2", "f3", "f4", "f5", "f6", "f7"])
def test_every_phase_at_80x24(snap_compare, coded_demo, key):  # noqa: F811
    async def open_phase(pilot) -> None:
        await press(pilot, key)
        await steady(pilot)

    assert snap_compare(make_app(coded_demo), terminal_size=SMALL, run_before=open_phase)


@pytest.mark.parametrize("key", ["f2", "f3", "f4", "f5", "f6", "f7"])
def test_every_phase_at_200x60(snap_compare, coded_demo, key):  # noqa: F811
    async def open_phase(pilot) -> None:
        await press(pilot, key)
        await steady(pilot)

    assert snap_compare(make_app(coded_demo), terminal_size=LARGE, run_before=open_phase)


def test_small_terminal_keeps_rows_to_work_with(coded_demo):  # noqa: F811
    async def steps(pilot) -> None:
        assert pilot.app.has_class("-short") and pilot.app.has_class("-narrow")
        await press(pilot, "f4")
        codes = pilot.app.query_one("#codes", DataTable)
        assert codes.size.height >= 8  # header and at least seven codes, not one
        await press(pilot, "f6")
        extracts = pilot.app.query_one("#define-extracts", ExtractTable)
        assert extracts.size.height >= 4 and extracts.row_count > 1
        await press(pilot, "f5")
        assert pilot.app.query_one("#review-detail").size.height >= 3  # the extract's text

    drive(make_app(coded_demo), steps, size=SMALL)


def test_80x24_shows_the_codebook_and_whole_theme_names(coded_demo):  # noqa: F811
    """Phase 2 keeps ten rows of codebook tree (it had three beside the suggestions), and
    Review's theme list takes the whole width over the extracts, so names are whole."""

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        tree = pilot.app.query_one("#codebook CodeTree")
        assert tree.size.height >= 10
        assert "Suggestions (1-9)" in screen_text(pilot.app)
        await press(pilot, "f5")
        await steady(pilot)
        text = screen_text(pilot.app)
        for name in ("Bridging the us-and-them divide", "The peer worker in the middle"):
            assert name in text
        assert pilot.app.query_one("#review-extracts", ExtractTable).size.height >= 5

    drive(make_app(coded_demo), steps, size=SMALL)


def test_a_big_terminal_has_no_size_classes(coded_demo):  # noqa: F811
    async def steps(pilot) -> None:
        assert not pilot.app.has_class("-short") and not pilot.app.has_class("-narrow")
        await press(pilot, "f4")
        assert pilot.app.query_one("#cooccurrence").display

    drive(make_app(coded_demo), steps, size=(140, 45))


def test_resizing_the_terminal_changes_the_layout_both_ways(coded_demo):  # noqa: F811
    """Growing an 80x24 terminal to 200x60 gives the big layout (the size classes were
    computed from the size before the resize, so the small layout stayed), and back."""

    async def steps(pilot) -> None:
        await press(pilot, "f5")
        await pilot.resize_terminal(*LARGE)
        await steady(pilot)
        assert not pilot.app.has_class("-short") and not pilot.app.has_class("-narrow")
        assert pilot.app.query_one("#review-themes-pane").size.height > 40  # side by side
        await pilot.resize_terminal(*SMALL)
        await steady(pilot)
        assert pilot.app.has_class("-short") and pilot.app.has_class("-narrow")

    drive(make_app(coded_demo), steps, size=SMALL)


def test_w_gives_review_one_pane(coded_demo):  # noqa: F811
    """At 80 columns the theme list sits over the extracts; w gives them its rows."""

    async def steps(pilot) -> None:
        await press(pilot, "f5")
        pane = pilot.app.query_one("#review-themes-pane")
        extracts = pilot.app.query_one("#review-extracts", ExtractTable)
        short = extracts.size.height
        pilot.app.query_one("#review-themes").focus()
        await press(pilot, "w")
        assert not pane.display and extracts.size.height >= short + 6
        assert pilot.app.focused is extracts
        await press(pilot, "w")
        assert pane.display

    drive(make_app(coded_demo), steps, size=SMALL)


def test_theme_names_take_the_width_a_big_terminal_has(coded_demo):  # noqa: F811
    """At 200x60 the theme lists of Review and Define show whole names instead of cutting
    them at the width they have at 80 columns and leaving the pane empty beside them."""

    async def steps(pilot) -> None:
        for key, table_id in (("f5", "#review-themes"), ("f6", "#define-themes")):
            await press(pilot, key)
            await steady(pilot)
            table = pilot.app.query_one(table_id, DataTable)
            names = [str(table.get_row_at(i)[1 if key == "f6" else 0]) for i in range(3)]
            text = screen_text(pilot.app)
            assert "Bridging the us-and-them divide" in text, key
            assert any("The peer worker in the middle" in n for n in names)
            assert "The peer worker in the middle" in text, key

    drive(make_app(coded_demo), steps, size=LARGE)


def test_phase_1_reader_keeps_its_rows_at_80x24(demo_ws):
    """The familiarisation note folds to four rows on a short terminal (eight while it is
    being written), so the reader shows more of the abstract than the note box."""

    async def steps(pilot) -> None:
        reader = pilot.app.query_one("#fam-reader")
        note = pilot.app.query_one("#fam-note")
        assert reader.outer_size.height >= 12 and note.outer_size.height == 4
        await press(pilot, "n")
        assert pilot.app.focused is note and note.outer_size.height == 8

    drive(make_app(demo_ws), steps, size=SMALL)


def test_extract_units_are_never_cut(coded_demo):  # noqa: F811
    """The extract table's unit column fits the longest unit of the page (at 80 columns
    too): 'researchpeer_nd:8' whole, with its unit number."""

    async def steps(pilot) -> None:
        await press(pilot, "f5")
        await steady(pilot)
        table = pilot.app.query_one("#review-extracts", ExtractTable)
        table.focus()
        await press(pilot, "w")  # one pane
        assert "researchpeer_nd:8" in screen_text(pilot.app)
        assert "staff emphasis on risk" in screen_text(pilot.app)

    drive(make_app(coded_demo), steps, size=SMALL)
