"""Selecting a span in phase 2: keyboard motions that move either end (word, sentence,
clause, segment ends; the start may pass the end), the selection and its length shown
live, a code picker on Enter, and the mouse (drag, shift+click) snapped to words."""

from __future__ import annotations

import pytest

from coder.core.model import SegmentKind
from coder.tui.app import make_app
from coder.tui.widgets.code_picker import CodePickScreen
from coder.tui.widgets.reader import Mark, SegmentReader
from tests.tui.conftest import SIZE, drive, press, screen_text, steady
from tests.tui.test_coding import FIRST, codings, phase, units

CLAUSE = "possible challenges encountered in such interactions."


def selected(app) -> str:
    code = phase(app)
    span = code._selection_span()
    assert span is not None
    return code.view.doc.text[span[0] : span[1]]


def test_a_clause_is_selected_in_a_few_keys_and_coded_with_the_code_picked(demo_ws):
    third = units(demo_ws, FIRST)[2]

    async def steps(pilot) -> None:
        await press(pilot, "f3", "j", "j", "v", "dollar_sign")  # the end to the segment end
        assert selected(pilot.app) == third.text
        await press(pilot, "o", "right_square_bracket", "L")  # the start: next clause, a word on
        assert selected(pilot.app) == CLAUSE
        text = screen_text(pilot.app)
        assert f"Selected 6 words, {len(CLAUSE)} characters" in text
        assert "SELECTING" in text
        await press(pilot, "enter")
        picker = pilot.app.screen
        assert isinstance(picker, CodePickScreen)
        assert picker.shown[0] in {r[0] for r in phase(pilot.app).suggestion_reasons()}
        await press(pilot, "escape")  # no code picked: nothing applied, still selecting
        assert codings(demo_ws) == []
        assert selected(pilot.app) == CLAUSE
        await press(pilot, "enter", *"relational tens", "enter")
        assert phase(pilot.app).selection is None

    drive(make_app(demo_ws), steps)
    start = third.start + third.text.index(CLAUSE)
    assert codings(demo_ws) == [
        ("relational tensions on the ward", None, start, start + len(CLAUSE), SegmentKind.SPAN)
    ]


def test_sentence_motions_and_the_start_passing_the_end(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3", "v", "l")
        assert selected(pilot.app) == "Research on"
        await press(pilot, "L", "L", "L")  # the start passes the end: the span is normalised
        assert selected(pilot.app) == "on peer support"
        await press(pilot, "0")  # the active end (the start handle) to the segment start
        assert selected(pilot.app) == "Research on"
        await press(pilot, "right_parenthesis")  # the start: past the only sentence
        first = units(demo_ws, FIRST)[0].text
        assert selected(pilot.app) == first[first.index("on peer") :]
        await press(pilot, "escape")
        assert phase(pilot.app).selection is None
        assert "SELECTING" not in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)


def _cell_of(reader: SegmentReader, offset: int) -> tuple[int, int]:
    """Widget cell (x, y) that shows document ``offset`` (the reader pads one cell left)."""
    line = reader.line_of(offset)
    assert line is not None
    block, start, _end = reader._lines[line]
    base = reader._blocks[block].offset
    return 1 + offset - (base + start), line - reader.scroll_offset.y


def test_a_mouse_drag_selects_whole_words_and_shift_click_moves_the_end(demo_ws):
    third = units(demo_ws, FIRST)[2]

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        reader = pilot.app.query_one(SegmentReader)
        inside_study = third.start + third.text.index("study") + 2
        inside_detailed = third.start + third.text.index("detailed") + 3
        await pilot.mouse_down(reader, offset=_cell_of(reader, inside_study))
        await pilot.hover(reader, offset=_cell_of(reader, inside_detailed))
        await pilot.mouse_up(reader, offset=_cell_of(reader, inside_detailed))
        await steady(pilot)
        code = phase(pilot.app)
        assert code.current.ordinal == 3  # the segment where the drag began is current
        assert selected(pilot.app) == "study aimed to provide a detailed"
        span = code._selection_span()
        assert Mark(span[0], span[1], "selection") in code.reader.marks
        picture = third.start + third.text.index("picture")
        await pilot.click(reader, offset=_cell_of(reader, picture), shift=True)
        await steady(pilot)
        assert selected(pilot.app) == "study aimed to provide a detailed picture"

    drive(make_app(demo_ws), steps)


@pytest.mark.parametrize("colour", ["colour", "no-colour"])
def test_snapshot_of_a_live_selection(snap_compare, demo_ws, monkeypatch, colour) -> None:
    if colour == "no-colour":
        monkeypatch.setenv("NO_COLOR", "1")

    async def run_before(pilot) -> None:
        await steady(pilot)
        await press(pilot, "f3", "j", "j", "v", "dollar_sign", "o", "right_square_bracket", "L")

    assert snap_compare(make_app(demo_ws), terminal_size=SIZE, run_before=run_before)
