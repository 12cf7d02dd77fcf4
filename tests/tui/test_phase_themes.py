"""Phase 3 (generating initial themes): co-occurrence counts, and every board operation
driven by keys, checked in the store and in the audit trail."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Static, Tree

from coder.core.model import Code
from coder.services import codes as code_service
from coder.services import history
from coder.services.coding import apply_code
from coder.services.cooccurrence import cooccurring
from coder.store import queries as q
from coder.tui.app import binding_classes, make_app
from coder.tui.audit_view import AuditScreen
from coder.tui.keymap import binding_ids
from coder.tui.phases.define import DefinePhase
from coder.tui.phases.report import ReportPhase
from coder.tui.phases.review import ReviewPhase
from coder.tui.phases.themes import MISCELLANEOUS, ThemesPhase
from coder.tui.widgets.theme_dialogs import ConfirmDialog, LaterDialog, PickDialog, PromptDialog
from tests.services.helpers import seed
from tests.tui.conftest import drive, press, screen_text, settle

BRIDGING = "Bridging the us-and-them divide"


def themes_by_name(ws) -> dict:
    with ws.read() as session:
        return {t.name: t for t in q.themes(session, ws.project.id)}


def last_event(ws):
    return history.log(ws, limit=1)[0]


def code_some(ws) -> None:
    """A small coding session: two codes share a segment, a third shares a document."""
    apply_code(ws, "gray2024:1", "us and them")
    apply_code(ws, "gray2024:1", "tread carefully")
    apply_code(ws, "gray2024:3", "power imbalance")
    apply_code(ws, "researchpeer_nd:8", "tread carefully")


async def open_themes(pilot) -> ThemesPhase:
    """The phase: opened with the shell's key (F4) in the app, already there in a harness."""
    if not pilot.app.query(ThemesPhase):
        await press(pilot, "f4")
    return pilot.app.query_one(ThemesPhase)


async def highlight_code(pilot, phase: ThemesPhase, name: str) -> None:
    table = phase.query_one("#codes", DataTable)
    table.focus()
    table.move_cursor(row=phase.shown.index(name))
    await settle(pilot)


async def highlight_board(pilot, phase: ThemesPhase, data: tuple) -> None:
    tree = phase.query_one("#board", Tree)
    tree.focus()
    node = next(n for n in _walk(tree.root) if n.data == data)
    tree.move_cursor(node)
    await settle(pilot)


def _walk(node):
    for child in node.children:
        yield child
        yield from _walk(child)


# ---- co-occurrence, counted in SQL on both backends -----------------------------------


def test_cooccurrence_counts_same_segment_and_same_document(ws):
    keys = seed(ws)
    apply_code(ws, f"{keys[0]}:1", "us and them")
    apply_code(ws, f"{keys[0]}:1", "risk")
    apply_code(ws, f"{keys[0]}:3", "tread carefully")
    apply_code(ws, f"{keys[1]}:1", "us and them")
    apply_code(ws, f"{keys[1]}:1", "risk")
    apply_code(ws, f"{keys[1]}:2", "risk")
    found = cooccurring(ws, "us and them")
    assert found.segment == [("risk", 2)]
    assert found.document == [("risk", 2), ("tread carefully", 1)]
    assert cooccurring(ws, "tread carefully").segment == []
    assert cooccurring(ws, "tread carefully").document == [("risk", 1), ("us and them", 1)]


# ---- the phase on its own ------------------------------------------------------------


class Harness(App):
    def __init__(self, ws) -> None:
        super().__init__()
        self.ws = ws

    def compose(self) -> ComposeResult:
        yield ThemesPhase(self.ws)


def test_phase_mounts_on_its_own_with_counts_and_cooccurrence(demo_ws):
    code_some(demo_ws)

    async def steps(pilot):
        phase = pilot.app.query_one(ThemesPhase)
        await highlight_code(pilot, phase, "us and them")
        row = phase.query_one("#codes", DataTable).get_row("us and them")
        assert [str(cell) for cell in row[2:4]] == ["1", "1"]
        assert BRIDGING in str(row[4])
        panel = str(phase.query_one("#cooccurrence", Static).render())
        text = screen_text(pilot.app)
        assert "Co-occurs with us and them" in text
        assert "tread carefully" in text and panel

    drive(Harness(demo_ws), steps)


# ---- board operations through the app --------------------------------------------------


def test_new_theme_from_marked_codes(demo_ws):
    async def steps(pilot):
        phase = await open_themes(pilot)
        await highlight_code(pilot, phase, "wounded healer")
        await press(pilot, "space", "space")  # marks "wounded healer" and the next code
        assert phase.marked == {"wounded healer", "practical and emotional support"}
        await press(pilot, "n")
        assert isinstance(pilot.app.screen, PromptDialog)
        await press(pilot, *"Healing", "enter")
        assert phase.marked == set()
        assert "Healing" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)
    theme = themes_by_name(demo_ws)["Healing"]
    assert theme.codes == ["wounded healer", "practical and emotional support"]
    assert theme.status.value == "candidate"
    event = last_event(demo_ws)
    assert (event.action, event.target) == ("theme.create", "Healing")


def test_assign_marked_codes_with_the_fuzzy_theme_picker(demo_ws):
    async def steps(pilot):
        phase = await open_themes(pilot)
        await highlight_code(pilot, phase, "ward culture")
        await press(pilot, "space")
        await press(pilot, "t")
        dialog = pilot.app.screen
        assert isinstance(dialog, PickDialog)
        await press(pilot, *"brdging")  # a typo still finds the theme
        assert dialog.shown[0] == BRIDGING
        await press(pilot, "enter")
        assert set(phase.themes_of("ward culture")) == {
            "Making room for peer support on the ward",
            BRIDGING,
        }

    drive(Harness(demo_ws), steps)
    assert "ward culture" in themes_by_name(demo_ws)[BRIDGING].codes  # a code may sit in several
    assert last_event(demo_ws).action == "theme.assign"


def test_add_codes_to_the_highlighted_theme_with_multi_select(demo_ws):
    async def steps(pilot):
        phase = await open_themes(pilot)
        await highlight_board(pilot, phase, ("theme", BRIDGING, None))
        await press(pilot, "a")
        await press(pilot, *"power")
        await press(pilot, "tab")  # mark the best match
        dialog = pilot.app.screen
        assert dialog.marked == {"power imbalance"}
        dialog.query_one("#pick-filter").value = ""
        await settle(pilot)
        dialog.query_one("#pick-list").highlighted = dialog.shown.index("ward culture")
        await press(pilot, "tab", "enter")

    drive(Harness(demo_ws), steps)
    codes = themes_by_name(demo_ws)[BRIDGING].codes
    assert {"power imbalance", "ward culture"} <= set(codes)
    event = last_event(demo_ws)
    assert event.action == "theme.assign" and event.target.endswith(f"-> {BRIDGING}")


def test_miscellaneous_is_created_on_demand_then_reused(demo_ws):
    async def steps(pilot):
        phase = await open_themes(pilot)
        await highlight_code(pilot, phase, "forms of peer support")
        await press(pilot, "m")
        assert MISCELLANEOUS in phase.themes_of("forms of peer support")
        await highlight_code(pilot, phase, "what peers bring")
        await press(pilot, "space", "m")

    drive(Harness(demo_ws), steps)
    misc = themes_by_name(demo_ws)[MISCELLANEOUS]
    assert misc.codes == ["forms of peer support", "what peers bring"]
    actions = [e.action for e in history.log(demo_ws, limit=2)]
    assert actions == ["theme.assign", "theme.create"]


def test_sub_theme_and_unassign_from_the_board(demo_ws):
    async def steps(pilot):
        phase = await open_themes(pilot)
        await highlight_board(pilot, phase, ("theme", BRIDGING, None))
        await press(pilot, "s", *"Staff gaze", "enter")
        await highlight_board(pilot, phase, ("code", BRIDGING, "tread carefully"))
        await press(pilot, "x")

    drive(Harness(demo_ws), steps)
    themes = themes_by_name(demo_ws)
    assert themes["Staff gaze"].parent == BRIDGING
    assert "tread carefully" not in themes[BRIDGING].codes
    event = last_event(demo_ws)
    assert (event.action, event.target) == ("theme.unassign", f"tread carefully <- {BRIDGING}")


def test_unassigned_only_and_fuzzy_filter(demo_ws):
    async def steps(pilot):
        phase = await open_themes(pilot)
        await press(pilot, "u")
        pile = {"forms of peer support", "what peers bring", "relational tensions on the ward"}
        assert pile <= set(phase.shown)
        assert all(not phase.themes_of(name) for name in phase.shown)
        await press(pilot, "u", "slash")
        phase.query_one("#code-filter").value = "tred carfuly"
        await settle(pilot)
        assert phase.shown[0] == "tread carefully"
        await press(pilot, "escape")
        assert len(phase.shown) == len(phase.codes)

    drive(Harness(demo_ws), steps)


def test_a_refused_name_is_one_notification_and_no_event(demo_ws):
    before = last_event(demo_ws).seq

    async def steps(pilot):
        await open_themes(pilot)
        await press(pilot, "n")
        pilot.app.screen.query_one("#prompt-input").value = BRIDGING
        await press(pilot, "enter")
        messages = [n.message for n in pilot.app._notifications]
        assert any("already exists" in m for m in messages)

    drive(make_app(demo_ws), steps)
    assert last_event(demo_ws).seq == before


def test_markup_in_a_code_name_is_shown_literally(demo_ws):
    code_service.create_code(demo_ws, Code(name="[bold]loud[/] \x1b[31mred"))

    async def steps(pilot):
        await open_themes(pilot)
        await press(pilot, "slash", *"loud")
        text = screen_text(pilot.app)
        assert "[bold]loud[/] ␛[31mred" in text

    drive(Harness(demo_ws), steps)


def test_every_binding_of_phases_3_to_6_has_an_id_and_a_tooltip():
    part2 = [
        ThemesPhase,
        ReviewPhase,
        DefinePhase,
        ReportPhase,
        AuditScreen,
        LaterDialog,
        PromptDialog,
        ConfirmDialog,
        PickDialog,
    ]
    ids: dict[str, str] = {}
    for cls in part2:
        for binding in cls.__dict__.get("BINDINGS", []):
            assert binding.id and binding.tooltip, (cls.__name__, binding.key)
            assert ids.setdefault(binding.id, binding.action) == binding.action, binding.id
    shell = binding_ids([c for c in binding_classes() if c not in part2])
    clashes = {i for i in ids if i in shell and shell[i].action != ids[i]}
    assert clashes == set()
    assert {ThemesPhase, ReviewPhase, DefinePhase, ReportPhase, AuditScreen} <= set(
        binding_classes()
    )


def test_a_new_sub_code_is_listed_under_its_real_parent(demo_ws):
    """Created last, a sub-code is last in codebook order: the table is a tree anyway,
    and the unassigned pile too."""
    code_service.create_code(demo_ws, Code(name="zz late child", parent="forms of peer support"))

    async def steps(pilot):
        phase = await open_themes(pilot)
        for unassigned in (False, True):
            if unassigned:
                await press(pilot, "u")
            shown = phase.shown
            at = shown.index("forms of peer support")
            children = [
                c.name
                for c in phase.codes
                if c.parent == "forms of peer support" and c.name in shown
            ]
            assert set(shown[at + 1 : at + 1 + len(children)]) == set(children)
            assert "zz late child" in shown[at + 1 : at + 1 + len(children)]
            label = phase.query_one("#codes", DataTable).get_row("zz late child")[1]
            assert str(label).startswith("  zz late child")

    drive(Harness(demo_ws), steps)
