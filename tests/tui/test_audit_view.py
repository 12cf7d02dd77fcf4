"""The audit view: newest first, paged, filtered by coder, action and target, the
highlighted event's before and after shown literally, and verify in a worker."""

from __future__ import annotations

import sqlite3

from textual.app import App
from textual.widgets import DataTable, Input, Select

from coder.core.model import Code
from coder.services import codes as code_service
from coder.services.coding import apply_code
from coder.tui import audit_view
from coder.tui.app import make_app
from coder.tui.audit_view import AuditScreen
from tests.conftest import as_coder
from tests.tui.conftest import drive, press, screen_text, settle


class Harness(App):
    def __init__(self, ws) -> None:
        super().__init__()
        self.ws = ws

    def on_mount(self) -> None:
        self.push_screen(AuditScreen(self.ws))


def seqs(screen: AuditScreen) -> list[int]:
    return [e.seq for e in screen.events]


def test_newest_first_with_the_highlighted_events_before_and_after(demo_ws):
    code_service.create_code(demo_ws, Code(name="[bold]loud[/]"))
    apply_code(demo_ws, "gray2024:1", "[bold]loud[/]")

    async def steps(pilot):
        screen = pilot.app.screen
        assert isinstance(screen, AuditScreen)
        assert seqs(screen) == sorted(seqs(screen), reverse=True)
        assert screen.events[0].action == "code.apply"
        assert screen.total == screen.events[0].seq
        await press(pilot, "down")  # the code.create event
        before = str(screen.query_one("#audit-before").render())
        after = str(screen.query_one("#audit-after").render())
        assert '"code:' in before and "null" in before
        assert '"name": "[bold]loud[/]"' in after  # literal, never markup
        assert "[bold]loud[/] @ gray2024:1" in screen_text(pilot.app)

    drive(Harness(demo_ws), steps)


def test_filters_by_coder_action_and_target(demo_ws):
    apply_code(demo_ws, "gray2024:1", "us and them")
    bob = as_coder(demo_ws, "bob")
    apply_code(bob, "gray2024:2", "tread carefully")

    async def steps(pilot):
        screen = pilot.app.screen
        screen.query_one("#audit-coder", Select).value = "bob"
        await settle(pilot)
        assert [(e.coder, e.action) for e in screen.events] == [("bob", "code.apply")]
        screen.query_one("#audit-coder", Select).clear()
        # The codebook load is one action: one event.
        screen.query_one("#audit-action", Select).value = "codebook.load"
        await settle(pilot)
        assert screen.total == 1 and {e.action for e in screen.events} == {"codebook.load"}
        screen.query_one("#audit-action", Select).clear()
        await press(pilot, "slash", *"tread")
        assert screen.query_one("#audit-target", Input).has_focus
        assert [e.target for e in screen.events] == ["tread carefully @ gray2024:2"]
        assert "events 1-1 of 1" in screen_text(pilot.app)

    drive(Harness(demo_ws), steps)


def test_pages_of_the_trail(demo_ws, monkeypatch):
    monkeypatch.setattr(audit_view, "PAGE_SIZE", 10)
    for n in range(25):
        code_service.create_code(demo_ws, Code(name=f"code {n}"))

    async def steps(pilot):
        screen = pilot.app.screen
        total = screen.total
        assert len(screen.events) == 10 and screen.events[0].seq == total
        await press(pilot, "right_square_bracket")
        assert screen.page == 1 and screen.events[0].seq == total - 10
        await press(pilot, "left_square_bracket", "left_square_bracket")
        assert screen.page == 0

    drive(Harness(demo_ws), steps)


def test_verify_intact_then_find_a_tampered_event(demo_ws, demo_db):
    apply_code(demo_ws, "gray2024:1", "us and them")  # event 3

    async def intact(pilot):
        await press(pilot, "v")
        screen = pilot.app.screen
        assert screen.result is not None and screen.result.ok
        assert "the trail is intact" in screen_text(pilot.app)
        assert screen.query_one("#audit-verify").has_class("ok")

    drive(Harness(demo_ws), intact)

    with sqlite3.connect(demo_db) as conn:
        conn.execute("UPDATE audit_event SET target = 'edited by hand' WHERE seq = 3")

    async def tampered(pilot):
        screen = pilot.app.screen
        await press(pilot, "v")
        assert screen.result is not None and not screen.result.ok and screen.result.seq == 3
        assert screen.query_one("#audit-verify").has_class("failed")
        await press(pilot, "j")
        table = screen.query_one("#audit-table", DataTable)
        assert screen.events[table.cursor_row].seq == 3
        assert "was altered" in screen_text(pilot.app)

    drive(Harness(demo_ws), tampered)


def test_the_shell_opens_and_closes_it(demo_ws):
    async def steps(pilot):
        await press(pilot, "ctrl+t")
        assert isinstance(pilot.app.screen, AuditScreen)
        assert pilot.app.screen.query_one("#audit-table", DataTable).has_focus
        await press(pilot, "escape")
        assert not isinstance(pilot.app.screen, AuditScreen)

    drive(make_app(demo_ws), steps)


def test_at_80x24_the_list_keeps_rows_and_the_footer_its_help_key(demo_ws):
    for n in range(1, 6):
        apply_code(demo_ws, f"gray2024:{n}", "us and them")

    async def steps(pilot):
        await press(pilot, "f9")
        table = pilot.app.screen.query_one("#audit-table", DataTable)
        assert table.size.height >= 8  # header and seven events, not one
        assert "? " in screen_text(pilot.app).splitlines()[-1]

    drive(make_app(demo_ws), steps, size=(80, 24))
