"""No typed text is ever lost: Esc in every editor keeps what was typed (through the
services), and throwing it away is its own key (ctrl+g) that asks first."""

from __future__ import annotations

from textual.widgets import DataTable, Input, TextArea

from coder.core.model import SegmentKind
from coder.services.coding import apply_code
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.widgets.dialogs import DiscardScreen, NewCodeScreen, TextScreen
from coder.tui.widgets.theme_dialogs import PromptDialog
from tests.tui.conftest import drive, press, screen_text, settle
from tests.tui.test_coding import FIRST, active_codes, codings

BRIDGING = "Bridging the us-and-them divide"


def coding_memo(ws) -> str | None:
    with ws.read() as session:
        (coding,) = q.codings(session, ws.project.id)
    return coding.memo


def themes_by_name(ws) -> dict:
    with ws.read() as session:
        return {t.name: t for t in q.themes(session, ws.project.id)}


def test_esc_in_the_coding_memo_saves_it(demo_ws):
    apply_code(demo_ws, f"{FIRST}:1", "us and them")

    async def steps(pilot) -> None:
        await press(pilot, "f3", "m")
        assert isinstance(pilot.app.screen, TextScreen)
        await press(pilot, *"typed then esc", "escape")
        assert not isinstance(pilot.app.screen, TextScreen)
        assert "✎ typed then esc" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)
    assert coding_memo(demo_ws) == "typed then esc"


def test_discarding_a_coding_memo_is_ctrl_g_and_asks_first(demo_ws):
    apply_code(demo_ws, f"{FIRST}:1", "us and them")

    async def steps(pilot) -> None:
        await press(pilot, "f3", "m", *"draft", "ctrl+g")
        assert isinstance(pilot.app.screen, DiscardScreen)
        await press(pilot, "escape")  # Esc on the question goes back to the text
        assert isinstance(pilot.app.screen, TextScreen)
        assert pilot.app.screen.query_one(TextArea).text == "draft"
        await press(pilot, "ctrl+g", "y")
        assert not isinstance(pilot.app.screen, (TextScreen, DiscardScreen))

    drive(make_app(demo_ws), steps)
    assert coding_memo(demo_ws) is None


def test_esc_in_the_familiarisation_note_saves_it(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "n", *"a note", "escape")

    drive(make_app(demo_ws), steps)
    with demo_ws.read() as session:
        notes = q.memos(session, demo_ws.project.id, "document")
    assert [m.text for m in notes] == ["a note"]


def test_esc_in_the_journal_adds_the_entry(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f8", *"journal line", "escape")

    drive(make_app(demo_ws), steps)
    with demo_ws.read() as session:
        entries = q.memos(session, demo_ws.project.id, target_type="project", kind="journal")
    assert [m.text for m in entries] == ["journal line"]


def test_esc_in_a_theme_definition_saves_it(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f6")
        table = pilot.app.query_one("#define-themes", DataTable)
        table.focus()
        phase = pilot.app.query_one("#phase-5")
        table.move_cursor(row=[t.name for t in phase.themes].index(BRIDGING))
        await settle(pilot)
        area = pilot.app.query_one("#definition", TextArea)
        area.focus()
        area.select_all()
        await press(pilot, "backspace", *"Typed then Esc", "escape")

    drive(make_app(demo_ws), steps)
    assert themes_by_name(demo_ws)[BRIDGING].definition == "Typed then Esc"


def test_esc_in_the_theme_name_prompt_keeps_the_name(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f4", "n")
        assert isinstance(pilot.app.screen, PromptDialog)
        await press(pilot, *"Named then Esc", "escape")
        assert not isinstance(pilot.app.screen, PromptDialog)

    drive(make_app(demo_ws), steps)
    assert "Named then Esc" in themes_by_name(demo_ws)


def test_discarding_a_theme_name_asks_first(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f4", "n", *"Thrown away", "ctrl+g")
        assert isinstance(pilot.app.screen, DiscardScreen)
        await press(pilot, "y")
        assert not isinstance(pilot.app.screen, (PromptDialog, DiscardScreen))

    drive(make_app(demo_ws), steps)
    assert "Thrown away" not in themes_by_name(demo_ws)


def test_esc_in_the_new_code_dialog_creates_the_named_code_without_applying(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3", "n", *"kept by esc", "tab", *"its definition", "escape")
        assert not isinstance(pilot.app.screen, NewCodeScreen)

    drive(make_app(demo_ws), steps)
    (code,) = [c for c in active_codes(demo_ws) if c.name == "kept by esc"]
    assert (code.parent, code.definition) == (None, "its definition")
    assert codings(demo_ws) == []


def test_esc_in_the_discussion_memo_saves_it(demo_ws):
    """The disagreement queue's memo is the same editor (TextScreen): Esc returns the text."""
    from textual.app import App

    results: list[str | None] = []

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(TextScreen("memo", "old"), results.append)

    async def steps(pilot) -> None:
        await press(pilot, "end", *" new", "escape")

    drive(Host(), steps)
    assert results == ["old new"]


def test_new_code_is_top_level_by_default_and_enter_creates_and_applies(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3", "slash", *"tread", "escape", "n")
        dialog = pilot.app.screen
        assert isinstance(dialog, NewCodeScreen)
        assert dialog.query_one("#new-code-parent", Input).value == ""
        await press(pilot, *"top level one", "enter")
        assert not isinstance(pilot.app.screen, NewCodeScreen)
        assert "■ top level one — alice" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)
    (code,) = [c for c in active_codes(demo_ws) if c.name == "top level one"]
    assert code.parent is None
    assert codings(demo_ws) == [("top level one", 1, 0, 99, SegmentKind.UNIT)]


def test_new_code_parent_is_chosen_explicitly_and_ctrl_s_creates_only(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3", "slash", *"tread", "escape", "n")
        dialog = pilot.app.screen
        await press(pilot, *"under tread", "ctrl+t")
        assert dialog.query_one("#new-code-parent", Input).value == "tread carefully"
        await press(pilot, "ctrl+s")
        assert not isinstance(pilot.app.screen, NewCodeScreen)
        await press(pilot, "n", *"typed parent", "tab", "tab", *"us and", "right", "ctrl+s")

    drive(make_app(demo_ws), steps)
    parents = {c.name: c.parent for c in active_codes(demo_ws)}
    assert parents["under tread"] == "tread carefully"
    assert parents["typed parent"] == "us and them"
    assert codings(demo_ws) == []
