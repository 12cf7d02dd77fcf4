"""Phase 5 (refining, defining and naming): definition and scope saved through the
service, rename, exemplars, and the report order, by keys."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, TextArea

from coder.services import history
from coder.services.coding import apply_code
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.phases.define import DefinePhase
from coder.tui.widgets.extract_table import ExtractTable
from coder.tui.widgets.theme_dialogs import PromptDialog
from tests.tui.conftest import drive, press, settle

BRIDGING = "Bridging the us-and-them divide"
MIDDLE = "The peer worker in the middle"
LIVED = "Lived experience as the ground of the relationship"


class Harness(App):
    def __init__(self, ws) -> None:
        super().__init__()
        self.ws = ws

    def compose(self) -> ComposeResult:
        yield DefinePhase(self.ws)


def themes_by_name(ws) -> dict:
    with ws.read() as session:
        return {t.name: t for t in q.themes(session, ws.project.id)}


def last_event(ws):
    return history.log(ws, limit=1)[0]


async def choose_theme(pilot, name: str) -> DefinePhase:
    phase = pilot.app.query_one(DefinePhase)
    table = phase.query_one("#define-themes", DataTable)
    table.focus()
    table.move_cursor(row=[t.name for t in phase.themes].index(name))
    await settle(pilot)
    assert phase.theme_name == name
    return phase


async def replace_text(pilot, area: TextArea, text: str) -> None:
    """Focus a text area, clear it and type ``text`` as a user would."""
    area.focus()
    area.select_all()
    await press(pilot, "backspace", *text)


def test_definition_and_scope_are_saved_literally_with_ctrl_s(demo_ws):
    definition = "Belonging [bold]earned[/] on both sides"

    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        await replace_text(pilot, phase.query_one("#definition", TextArea), definition)
        assert phase.dirty
        await press(pilot, "ctrl+s")
        assert not phase.dirty
        assert phase.query_one("#definition", TextArea).text == definition

    drive(Harness(demo_ws), steps)
    assert themes_by_name(demo_ws)[BRIDGING].definition == definition
    event = last_event(demo_ws)
    assert (event.action, event.target) == ("theme.define", BRIDGING)


def test_leaving_a_field_or_a_theme_saves_what_was_typed(demo_ws):
    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        await replace_text(pilot, phase.query_one("#scope", TextArea), "Not about")
        await press(pilot, "shift+tab")  # leaving the scope saves it
        assert themes_by_name(demo_ws)[BRIDGING].scope == "Not about"
        await replace_text(pilot, phase.query_one("#definition", TextArea), "Typed then moved on")
        phase.query_one("#define-themes", DataTable).move_cursor(
            row=2
        )  # another theme, no blur first
        await settle(pilot)
        assert phase.theme_name != BRIDGING
        assert phase.query_one("#definition", TextArea).text == phase.theme.definition

    drive(Harness(demo_ws), steps)
    assert themes_by_name(demo_ws)[BRIDGING].definition == "Typed then moved on"


def test_rename_exemplar_and_report_order(demo_ws):
    apply_code(demo_ws, "gray2024:1", "us and them")
    apply_code(demo_ws, "gray2024:3", "us and them")

    async def steps(pilot):
        phase = await choose_theme(pilot, LIVED)
        await press(pilot, "less_than_sign")  # up, above "The peer worker in the middle"
        await press(pilot, "ctrl+up")
        assert [t.name for t in phase.themes][0] == LIVED
        assert phase.theme_name == LIVED
        await choose_theme(pilot, BRIDGING)
        await press(pilot, "r")
        assert isinstance(pilot.app.screen, PromptDialog)
        prompt = pilot.app.screen.query_one("#prompt-input")
        prompt.value = ""
        await press(pilot, *"Divide", "enter")
        assert phase.theme_name == "Divide"
        extracts = phase.query_one("#define-extracts", ExtractTable)
        extracts.focus()
        await press(pilot, "down", "e")
        assert extracts.exemplars == {extracts.codings[1].id}
        assert "★ exemplar" in str(phase.query_one("#define-detail").render())

    drive(Harness(demo_ws), steps)
    themes = themes_by_name(demo_ws)
    assert [t.name for t in themes.values()][:2] == [LIVED, "Divide"]
    with demo_ws.read() as session:
        exemplars = q.exemplar_codings(session, demo_ws.project.id, themes["Divide"].id)
    assert [(c.document_key, c.ordinal) for c in exemplars] == [("gray2024", 3)]
    actions = [e.action for e in history.log(demo_ws, limit=4)]
    assert actions == ["theme.exemplar", "theme.rename", "theme.reorder", "theme.reorder"]


def test_status_and_an_unsaved_definition_survives_quitting_through_the_app(demo_ws):
    async def steps(pilot):
        await press(pilot, "f6")
        phase = pilot.app.query_one(DefinePhase)
        assert phase.query_one("#define-themes", DataTable).has_focus
        await press(pilot, "s", "s")  # candidate -> reviewed -> defined
        assert "1/6 defined" in "".join(
            s.text for s in pilot.app.screen._compositor.render_strips()
        )
        area = phase.query_one("#definition", TextArea)
        area.focus()
        area.load_text("Written, never saved by hand")
        await press(pilot, "ctrl+q")

    drive(make_app(demo_ws), steps)
    theme = themes_by_name(demo_ws)[BRIDGING]
    assert theme.status.value == "defined"
    assert theme.definition == "Written, never saved by hand"


def test_home_and_end_in_the_theme_list(demo_ws):
    async def steps(pilot):
        table = pilot.app.query_one("#define-themes", DataTable)
        table.focus()
        await press(pilot, "end")
        assert table.cursor_row == table.row_count - 1 > 0
        await press(pilot, "home")
        assert table.cursor_row == 0

    drive(Harness(demo_ws), steps)
