"""Phase 1: setting records aside with the reason picker (e), in bulk by search (E), and
bringing them back; the stepper stops counting them."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from coder.services import screening
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.widgets.exclude_dialog import ExcludeScreen
from coder.tui.widgets.virtual_list import VirtualList
from tests.tui.conftest import drive, notices, press, screen_text


def keys_in_order(ws) -> list[str]:
    with ws.read() as session:
        return [d.key for d in q.documents(session, ws.project.id)]


def test_e_sets_a_document_aside_with_a_reason_and_brings_it_back(demo_ws):
    screening.add_reason(demo_ws, "not empirical")
    screening.add_reason(demo_ws, "not about peer support")
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "down", "e")
        assert isinstance(pilot.app.screen, ExcludeScreen)
        assert pilot.app.focused is pilot.app.screen.query_one(OptionList)
        await press(pilot, "down", "enter")  # the second reason; Enter moves to the note
        note = pilot.app.screen.query_one("#exclude-note", Input)
        assert pilot.app.focused is note
        note.value = "about staff training"
        await press(pilot, "enter")
        assert not isinstance(pilot.app.screen, ExcludeScreen)
        [item] = screening.excluded(demo_ws)
        assert (item.key, item.reason, item.note) == (
            keys[1],
            "not about peer support",
            "about staff training",
        )
        text = screen_text(pilot.app)
        assert f"⊘ {keys[1]}" in text and "0/19 read" in text  # the stepper counts 19
        assert pilot.app.query_one("#fam-list", VirtualList).current.excluded
        await press(pilot, "e")  # brings it back, no dialog
        assert screening.excluded(demo_ws) == []
        assert "0/20 read" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)


def test_the_picker_asks_why_and_takes_a_new_reason(demo_ws):
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "e")
        await press(pilot, "ctrl+s")  # no reason, no note: refused, nothing written
        assert isinstance(pilot.app.screen, ExcludeScreen)
        assert "Say why" in screen_text(pilot.app)
        assert screening.excluded(demo_ws) == []
        pilot.app.screen.query_one("#exclude-new", Input).value = "conference abstract"
        await press(pilot, "ctrl+s")
        assert screening.reasons(demo_ws) == ["conference abstract"]
        assert [(e.key, e.reason) for e in screening.excluded(demo_ws)] == [
            (keys[0], "conference abstract")
        ]
        await press(pilot, "e")
        await press(pilot, "escape")  # bringing back needs no dialog; escape does nothing
        assert screening.excluded(demo_ws) == []

    drive(make_app(demo_ws), steps)


def test_shift_e_sets_aside_every_match_of_the_search_as_one_action(demo_ws):
    with demo_ws.read() as session:
        total, items = q.document_page(session, demo_ws.project.id, None, search="recovery")
    assert 1 < total < 20

    async def steps(pilot) -> None:
        await press(pilot, "E")
        assert any("Search first" in n for n in notices(pilot.app))
        await press(pilot, "slash")
        pilot.app.query_one("#fam-search", Input).value = "recovery"
        await press(pilot, "enter", "E")
        assert isinstance(pilot.app.screen, ExcludeScreen)
        assert f"Set aside {total} documents matching 'recovery'" in screen_text(pilot.app)
        pilot.app.screen.query_one("#exclude-note", Input).value = "about a different concept"
        await press(pilot, "tab", "tab", "enter")
        assert {e.key for e in screening.excluded(demo_ws)} == {i.key for i in items}
        assert any(f"set aside {total} documents" in n for n in notices(pilot.app))
        await press(pilot, "ctrl+z")
        assert screening.excluded(demo_ws) == []

    drive(make_app(demo_ws), steps)
