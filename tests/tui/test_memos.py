"""The memo browser (F10): every memo and note, filtered, searched, edited in place, and
a jump to the passage a memo is about."""

from __future__ import annotations

from textual.widgets import DataTable, Input, TextArea

from coder.services.coding import apply_code
from coder.services.notes import add_memo, list_memos, set_note
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.memos import MemoScreen
from coder.tui.phases.code import CodePhase
from tests.conftest import as_coder
from tests.tui.conftest import drive, press, screen_text, settle


def memo_texts(screen: MemoScreen) -> list[str]:
    return [m.text for m in screen.memos]


def test_browse_filter_search_edit_and_jump(demo_ws):
    apply_code(demo_ws, "gray2024:3", "us and them")
    with demo_ws.read() as session:
        coding = q.codings(session, demo_ws.project.id)[0]
    add_memo(demo_ws, "journal: my own ward years shape this", "project", None, "journal")
    set_note(demo_ws, "document", "faulkner2012", "familiarisation", "service users as experts")
    add_memo(demo_ws, "a sharp divide here", "coding", coding.id)
    add_memo(as_coder(demo_ws, "bob"), "bob thinks the code is too broad", "code", "us and them")

    async def steps(pilot) -> None:
        await press(pilot, "f10")
        screen = pilot.app.screen
        assert isinstance(screen, MemoScreen) and len(screen.memos) == 4
        table = screen.query_one("#memo-table", DataTable)
        places = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert {"journal, no phase", "document: faulkner2012", "coded passage: gray2024:3",
                "code: us and them"} == places  # fmt: skip
        await press(pilot, "o")  # alice
        assert "bob thinks the code is too broad" not in memo_texts(screen)
        await press(pilot, "o")  # bob
        assert memo_texts(screen) == ["bob thinks the code is too broad"]
        await press(pilot, "o", "t", "t")  # all coders; on documents only
        assert memo_texts(screen) == ["service users as experts"]
        await press(pilot, "t", "t", "t", "t")  # back to everything
        assert len(screen.memos) == 4
        await press(pilot, "slash")
        screen.query_one("#memo-search", Input).value = "DIVIDE"
        await settle(pilot)
        assert memo_texts(screen) == ["a sharp divide here"]
        await press(pilot, "enter")  # back to the table
        await press(pilot, "e")
        area = screen.query_one("#memo-edit", TextArea)
        area.load_text("a sharp divide here, staff and patients")
        await press(pilot, "escape")  # saves
        assert memo_texts(screen) == ["a sharp divide here, staff and patients"]
        await press(pilot, "escape")  # clears the search
        assert len(screen.memos) == 4
        table.move_cursor(row=[m.target_type for m in screen.memos].index("coding"))
        await press(pilot, "enter")  # to the coded passage
        code = pilot.app.query_one(CodePhase)
        assert code.view.doc.key == "gray2024" and code.current.ordinal == 3

    drive(make_app(demo_ws), steps)
    assert "a sharp divide here, staff and patients" in [m.text for m in list_memos(demo_ws)]


def test_coding_memos_are_listed_filtered_by_phase_and_edited(demo_ws):
    apply_code(demo_ws, "gray2024:3", "us and them", memo="the divide, in their words")
    set_note(demo_ws, "document", "faulkner2012", "familiarisation", "service users as experts")
    add_memo(demo_ws, "is this one theme or two?", "theme", "Bridging the us-and-them divide")
    add_memo(demo_ws, "journal: my own ward years shape this", "project", None, "journal")

    async def steps(pilot) -> None:
        await press(pilot, "f10")
        screen = pilot.app.screen
        assert isinstance(screen, MemoScreen) and len(screen.memos) == 4
        table = screen.query_one("#memo-table", DataTable)
        places = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert "coded passage: gray2024:3 (us and them)" in places
        await press(pilot, "p")  # phase 1: the familiarisation note
        assert memo_texts(screen) == ["service users as experts"]
        assert "phase 1 Familiarise" in str(screen.query_one("#memo-title").render())
        await press(pilot, "p")  # phase 2: the coding memo
        assert memo_texts(screen) == ["the divide, in their words"]
        await press(pilot, "p")  # phase 3: the theme memo
        assert memo_texts(screen) == ["is this one theme or two?"]
        await press(pilot, "p")  # all again
        assert len(screen.memos) == 4
        await press(pilot, "p", "p")
        await press(pilot, "e")
        screen.query_one("#memo-edit", TextArea).load_text("the divide, staff and patients")
        await press(pilot, "escape")  # saves, on the coding
        assert memo_texts(screen) == ["the divide, staff and patients"]

    drive(make_app(demo_ws), steps)
    with demo_ws.read() as session:
        (coding,) = q.codings(session, demo_ws.project.id)
    assert coding.memo == "the divide, staff and patients"
    assert [m.text for m in list_memos(demo_ws, kind="coding")] == [coding.memo]


def test_palette_offers_the_memo_browser(demo_ws):
    async def steps(pilot) -> None:
        commands = [c[0] for c in pilot.app.palette_commands_for(pilot.app.screen)]
        assert "memos: browse" in commands

    drive(make_app(demo_ws), steps)


def test_the_memo_text_fills_the_table_width(demo_ws):
    text = "a long memo about the divide between staff and patients on the ward, " * 3
    add_memo(demo_ws, text, "project", None, "journal")

    async def steps(pilot) -> None:
        await press(pilot, "f10")
        row = [line for line in screen_text(pilot.app).splitlines() if "journal" in line][0]
        assert "a long memo about the divide between staff and patients" in row

    drive(make_app(demo_ws), steps, size=(140, 45))
