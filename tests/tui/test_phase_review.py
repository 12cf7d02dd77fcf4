"""Phase 4 (developing and reviewing themes): extracts per theme, misfits, status,
merge / split / move / discard, merging codes, and the check against the data set."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from coder.core.model import DocumentRecord, Section
from coder.services import history
from coder.services.coding import apply_code
from coder.services.importing import add_records
from coder.services.quality import missed_data
from coder.services.themes import create_theme
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.phases.review import ReviewPhase
from coder.tui.widgets import extract_table
from coder.tui.widgets.extract_table import ExtractTable
from coder.tui.widgets.theme_dialogs import ConfirmDialog, PickDialog
from tests.conftest import as_coder
from tests.services.helpers import seed
from tests.tui.conftest import drive, hold_the_project, notices, press, screen_text, settle, writing

BRIDGING = "Bridging the us-and-them divide"
MIDDLE = "The peer worker in the middle"
LIVED = "Lived experience as the ground of the relationship"


class Harness(App):
    def __init__(self, ws) -> None:
        super().__init__()
        self.ws = ws

    def compose(self) -> ComposeResult:
        yield ReviewPhase(self.ws)


def code_some(ws) -> None:
    for ref, code in [
        ("gray2024:1", "us and them"),
        ("gray2024:3", "us and them"),
        ("gray2024:3", "tread carefully"),
        ("researchpeer_nd:8", "tread carefully"),
        ("researchpeer_nd:9", "staff emphasis on risk"),
        ("gray2024a:3", "power imbalance"),
        ("gray2024a:5", "boundaries and role conflict"),
    ]:
        apply_code(ws, ref, code)


def themes_by_name(ws) -> dict:
    with ws.read() as session:
        return {t.name: t for t in q.themes(session, ws.project.id)}


def last_event(ws):
    return history.log(ws, limit=1)[0]


def phase_of(pilot) -> ReviewPhase:
    return pilot.app.query_one(ReviewPhase)


async def choose_theme(pilot, name: str) -> ReviewPhase:
    phase = phase_of(pilot)
    table = phase.query_one("#review-themes", DataTable)
    table.focus()
    table.move_cursor(row=[t.name for t in phase.themes].index(name))
    await settle(pilot)
    assert phase.theme_name == name
    return phase


async def pick(pilot, *names: str) -> None:
    """In an open picker: mark each name (multi) or choose the one name."""
    dialog = pilot.app.screen
    assert isinstance(dialog, PickDialog)
    options = dialog.query_one("#pick-list")
    if dialog.multi:
        for name in names:
            options.highlighted = dialog.shown.index(name)
            await press(pilot, "tab")
    else:
        options.highlighted = dialog.shown.index(names[0])
    await press(pilot, "enter")


# ---- the check against the data set, on both backends ----------------------------------


def test_missed_data_finds_units_resembling_the_theme_and_skips_its_own(ws):
    keys = seed(ws)
    create_theme(ws, "Divide", codes=["us and them"])
    apply_code(ws, f"{keys[0]}:3", "us and them")  # "... “Us” and “Them” on the ward."
    found = missed_data(ws, "Divide", limit=5)
    refs = [str(h.ref) for h in found.hits]
    assert f"{keys[0]}:3" not in refs  # already carries the theme's code
    assert refs and all(h.score >= 60 for h in found.hits)
    assert found.hits == sorted(found.hits, key=lambda h: -h.score)
    assert found.complete and found.scanned == 5  # the 6 units of the seed, less the coded one
    bounded = missed_data(ws, "Divide", max_units=2)
    assert (bounded.scanned, bounded.complete) == (2, False)
    create_theme(ws, "Empty")
    assert missed_data(ws, "Empty").hits == []


# ---- reading extracts ----------------------------------------------------------------


def test_extracts_grouped_by_code_with_citation_and_detail(demo_ws):
    code_some(demo_ws)

    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        extracts = phase.query_one("#review-extracts", ExtractTable)
        # one row per coded span; the sub-theme's codes are part of the theme
        assert [e.codes for e in extracts.extracts] == [
            ["us and them"], ["us and them", "tread carefully"], ["tread carefully"],
            ["staff emphasis on risk"], ["boundaries and role conflict"], ["power imbalance"],
        ]  # fmt: skip
        text = screen_text(pilot.app)
        assert "extracts 1-6 of 6" in text
        assert "researchpeer_nd:8" in text and "gray2024:3" in text
        assert "code: us and them  by alice" in text  # the detail of the highlighted extract

    drive(Harness(demo_ws), steps)


def test_extracts_are_paged(demo_ws, monkeypatch):
    code_some(demo_ws)
    monkeypatch.setattr(extract_table, "PAGE_SIZE", 2)

    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        extracts = phase.query_one("#review-extracts", ExtractTable)
        assert len(extracts.codings) == 2 and extracts.pages == 3
        phase.query_one("#review-extracts").focus()
        await press(pilot, "right_square_bracket", "right_square_bracket")
        assert extracts.page == 2 and [c.code for c in extracts.codings] == [
            "boundaries and role conflict",
            "power imbalance",
        ]
        assert "extracts 5-6 of 6 (page 3/3)" in screen_text(pilot.app)
        await press(pilot, "left_square_bracket")
        assert extracts.page == 1

    drive(Harness(demo_ws), steps)


# ---- marks and status ------------------------------------------------------------------


def test_mark_an_extract_as_not_fitting_and_cycle_the_status(demo_ws):
    code_some(demo_ws)

    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        extracts = phase.query_one("#review-extracts", ExtractTable)
        extracts.focus()
        await press(pilot, "down", "x")
        assert extracts.codings[1].id in extracts.misfits
        assert "✗ does not fit" in str(phase.query_one("#review-detail").render())
        await press(pilot, "s")

    drive(Harness(demo_ws), steps)
    themes = themes_by_name(demo_ws)
    with demo_ws.read() as session:
        assert len(q.misfit_coding_ids(session, themes[BRIDGING].id)) == 1
    assert themes[BRIDGING].status.value == "reviewed"
    actions = [e.action for e in history.log(demo_ws, limit=2)]
    assert actions == ["theme.status", "theme.misfit"]


# ---- reshaping -------------------------------------------------------------------------


def test_merge_a_theme_into_another(demo_ws):
    async def steps(pilot):
        phase = await choose_theme(pilot, MIDDLE)
        await press(pilot, "g")
        await pick(pilot, LIVED)
        assert phase.theme_name == LIVED

    drive(Harness(demo_ws), steps)
    themes = themes_by_name(demo_ws)
    assert MIDDLE not in themes
    assert {"boundaries and role conflict", "power imbalance"} <= set(themes[LIVED].codes)
    assert last_event(demo_ws).action == "theme.merge"


def test_split_a_theme_moves_chosen_codes_into_a_new_one(demo_ws):
    async def steps(pilot):
        await choose_theme(pilot, BRIDGING)
        await press(pilot, "p")
        await pick(pilot, "tread carefully", "staff emphasis on risk")
        await press(pilot, *"Caution", "enter")

    drive(Harness(demo_ws), steps)
    themes = themes_by_name(demo_ws)
    assert themes["Caution"].codes == ["tread carefully", "staff emphasis on risk"]
    assert themes[BRIDGING].codes == ["us and them"]
    event = last_event(demo_ws)
    assert (event.action, event.target) == ("theme.split", f"{BRIDGING} -> Caution")


def test_move_codes_between_themes(demo_ws):
    async def steps(pilot):
        await choose_theme(pilot, BRIDGING)
        await press(pilot, "v")
        await pick(pilot, "tread carefully")
        await pick(pilot, MIDDLE)

    drive(Harness(demo_ws), steps)
    themes = themes_by_name(demo_ws)
    assert (
        "tread carefully" in themes[MIDDLE].codes
        and "tread carefully" not in themes[BRIDGING].codes
    )
    assert last_event(demo_ws).action == "theme.move"


@pytest.mark.parametrize(("answer", "discarded"), [("y", True), ("n", False)])
def test_discard_asks_first_and_codes_return_to_the_pile(demo_ws, answer, discarded):
    async def steps(pilot):
        await choose_theme(pilot, MIDDLE)
        await press(pilot, "d")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, answer)

    before = last_event(demo_ws).seq
    drive(Harness(demo_ws), steps)
    assert (MIDDLE not in themes_by_name(demo_ws)) is discarded
    with demo_ws.read() as session:
        pile = [name for name, _n in q.unthemed_codes(session, demo_ws.project.id)]
    assert ("power imbalance" in pile) is discarded
    assert (last_event(demo_ws).action == "theme.discard") is discarded
    if not discarded:
        assert last_event(demo_ws).seq == before


def test_merge_two_codes(demo_ws):
    code_some(demo_ws)

    async def steps(pilot):
        await choose_theme(pilot, BRIDGING)
        await press(pilot, "c")
        await pick(pilot, "staff emphasis on risk")
        await pick(pilot, "tread carefully")
        assert any("1 coding(s) moved" in n for n in notices(pilot.app))

    drive(Harness(demo_ws), steps)
    with demo_ws.read() as session:
        counts = {
            c.code.name: c.codings
            for c in q.code_counts(session, demo_ws.project.id, include_inactive=True)
        }
        merged = q.code_row(session, demo_ws.project.id, "staff emphasis on risk")
    assert counts["tread carefully"] == 3 and counts["staff emphasis on risk"] == 0
    assert merged.status == "merged"
    assert last_event(demo_ws).action == "code.merge"


# ---- the check against the whole data set ------------------------------------------------


def test_check_against_the_data_set_and_code_a_hit(demo_ws):
    code_some(demo_ws)

    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        await press(pilot, "k")
        assert phase.hits, "the seeds hold units resembling the theme"
        assert phase.query_one("#missed-pane").has_class("shown")
        hit = phase.hits[0]
        assert str(hit.ref) in screen_text(pilot.app)
        table = phase.query_one("#missed", DataTable)
        assert table.row_count == len(phase.hits) and table.has_focus
        await press(pilot, "a")
        dialog = pilot.app.screen
        assert isinstance(dialog, PickDialog) and set(dialog.choices) == set(
            themes_by_name(demo_ws)[BRIDGING].codes
        )
        await pick(pilot, "us and them")
        assert hit not in phase.hits  # coded now: it left the list

    drive(Harness(demo_ws), steps)
    event = last_event(demo_ws)
    assert event.action == "code.apply" and event.target.startswith("us and them @ ")
    key, ordinal = event.target.split(" @ ")[1].split(":")
    with demo_ws.read() as session:
        doc = q.document_row(session, demo_ws.project.id, key)
        codings = q.codings(session, demo_ws.project.id, document_id=doc.id)
    assert any(c.ordinal == int(ordinal) and c.code == "us and them" for c in codings)


def test_review_through_the_app_keys(demo_ws):
    code_some(demo_ws)

    async def steps(pilot):
        await press(pilot, "f5")
        phase = phase_of(pilot)
        assert phase.theme_name == BRIDGING
        assert phase.query_one("#review-themes", DataTable).has_focus
        await press(pilot, "s")
        assert "1/6 reviewed" in screen_text(pilot.app)  # the stepper heard DataChanged
        await press(pilot, "ctrl+z")
        assert themes_by_name(demo_ws)[BRIDGING].status.value == "candidate"
        assert phase.theme.status.value == "candidate"  # the app refreshed the phase after undo

    drive(make_app(demo_ws), steps)


def test_imported_markup_and_escapes_in_extracts_show_literally(demo_ws):
    text = "Peers said [link=http://x]click[/link] and [bold]us and them[/] \x1b[2J loudly."
    _summary, keys = add_records(
        demo_ws, [DocumentRecord(sections=[Section("Results", text)], title="Odd", year=2020)]
    )
    apply_code(demo_ws, f"{keys[0]}:1", "us and them")

    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        extracts = phase.query_one("#review-extracts", ExtractTable)
        assert [c.document_key for c in extracts.codings] == [keys[0]]
        detail = str(phase.query_one("#review-detail").render())
        assert "[link=http://x]click[/link] and [bold]us and them[/] ␛[2J loudly." in detail
        assert "[bold]us and them[/]" in screen_text(pilot.app)

    drive(Harness(demo_ws), steps)


def test_two_coders_one_row_per_extract_with_coders_and_wide_counts(demo_ws):
    """Bob codes Alice's sentence too: one extract, both coders named; the ext. column
    shows the same figure as the report, never cut."""
    code_some(demo_ws)
    bob = as_coder(demo_ws, "bob")
    apply_code(bob, "gray2024:1", "us and them")

    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        extracts = phase.query_one("#review-extracts", ExtractTable)
        assert extracts.extracts[0].coders == ["alice", "bob"]
        assert len(extracts.extracts) == 6
        row = phase.query_one("#review-themes", DataTable).get_row(BRIDGING)
        assert str(row[2]) == "6"
        assert "alice, bob" in screen_text(pilot.app)
        # misfit on the shared extract: one press marks it, a second unmarks it
        extracts.focus()
        extracts.move_cursor(row=0)
        await press(pilot, "x")
        assert extracts.is_marked(extracts.misfits)
        assert str(phase.query_one("#review-themes", DataTable).get_row(BRIDGING)[2]) == "5"
        await press(pilot, "x")
        assert not extracts.is_marked(extracts.misfits)
        await press(pilot, "o")  # alice's extracts only, bob's, then all again
        assert extracts.coder == "alice" and len(extracts.extracts) == 6
        await press(pilot, "o")
        assert extracts.coder == "bob" and len(extracts.extracts) == 1
        assert "bob's codings" in screen_text(pilot.app)
        await press(pilot, "o")
        assert extracts.coder is None and len(extracts.extracts) == 6
        phase.stats[themes_by_name(demo_ws)[BRIDGING].id].extracts = 16084
        phase.show_data((phase.themes, phase.stats))
        await settle(pilot)
        assert "16084" in screen_text(pilot.app)

    drive(Harness(demo_ws), steps, size=(140, 45))


def test_merge_codes_without_codes_says_so(ws):
    """An empty codebook: c explains instead of opening an empty picker."""

    async def steps(pilot):
        await press(pilot, "c")
        assert not isinstance(pilot.app.screen, PickDialog)
        assert any("No codes to merge" in n for n in notices(pilot.app))

    drive(Harness(ws), steps)


def test_home_and_end_go_to_the_first_and_last_row(demo_ws):
    code_some(demo_ws)

    async def steps(pilot):
        phase = await choose_theme(pilot, BRIDGING)
        for table_id in ("#review-themes", "#review-extracts"):
            table = phase.query_one(table_id, DataTable)
            table.focus()
            await press(pilot, "end")
            assert table.cursor_row == table.row_count - 1 > 0
            await press(pilot, "home")
            assert table.cursor_row == 0

    drive(Harness(demo_ws), steps)


def test_a_status_change_while_the_project_is_held_waits_without_freezing(demo_ws, demo_db):
    """Review's writes run in a write worker like phase 2's codings: keys are answered
    while a colleague holds the project, and the change lands when it frees."""

    async def steps(pilot):
        await press(pilot, "f5")
        phase = phase_of(pilot)
        holder = hold_the_project(demo_db)
        try:
            await pilot.press("s")
            await pilot.press("down")  # handled while the status waits for the lock
            await pilot.pause()
            assert writing(pilot.app)
            assert phase.theme_name != BRIDGING
            assert themes_by_name(demo_ws)[BRIDGING].status.value == "candidate"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await settle(pilot)
        assert themes_by_name(demo_ws)[BRIDGING].status.value == "reviewed"
        assert f"{BRIDGING}: reviewed" in notices(pilot.app)

    drive(make_app(demo_ws), steps)
