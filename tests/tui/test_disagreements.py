"""The disagreement queue through Textual's Pilot (a small harness app that pushes the
screen, plus the shell's palette entry), asserting on the store and on the screen."""

from __future__ import annotations

import pytest
from textual.app import App

from coder.core.model import DocumentRecord, Section
from coder.services.codes import retire_code
from coder.services.coding import apply_code
from coder.services.importing import add_records
from coder.store import queries as q
from coder.tui.disagreements import DisagreementScreen
from coder.tui.widgets.dialogs import ChoiceScreen
from tests.conftest import as_coder
from tests.tui.conftest import SIZE, drive, notices, press, screen_text, steady

FORMS, INTENTIONAL, NATURAL, HEALER = (
    "forms of peer support",
    "intentional peer support",
    "naturally occurring peer support",
    "wounded healer",
)
MARKUP = DocumentRecord(
    sections=[
        Section(
            None,
            "Staff said [bold]risk[/] and \x1b[31mred\x1b[0m flags [link=https://x.org]here[/link].",
        )
    ],
    title="Markup in an abstract",
    authors=["Eve Literal"],
    year=2020,
)


class Harness(App[None]):
    """Just the screen, as the shell would push it."""

    def __init__(self, ws, coder_a: str | None = "alice", coder_b: str | None = "bob") -> None:
        super().__init__()
        self.ws, self.coder_a, self.coder_b = ws, coder_a, coder_b

    def on_mount(self) -> None:
        self.push_screen(DisagreementScreen(self.ws, self.coder_a, self.coder_b))


@pytest.fixture
def two_coders(demo_ws):
    """alice and bob on the demo: four units where they differ, the last one full of markup."""
    with demo_ws.read() as s:
        first, second = (d.key for d in q.documents(s, demo_ws.project.id, limit=2))
    _summary, (odd,) = add_records(demo_ws, [MARKUP])
    bob = as_coder(demo_ws, "bob")
    apply_code(demo_ws, f"{first}:1", FORMS)
    apply_code(bob, f"{first}:1", FORMS)
    apply_code(bob, f"{first}:1", INTENTIONAL, memo="planned [i]programmes[/i]")
    apply_code(bob, f"{first}:2", NATURAL)
    apply_code(demo_ws, f"{second}:1", HEALER)
    apply_code(demo_ws, f"{odd}:1", FORMS)
    return demo_ws, (first, second, odd)


def consensus_codings(ws) -> list[tuple]:
    with ws.read() as s:
        cid = q.coder_id(s, "consensus")
        if cid is None:
            return []
        return [
            (c.document_key, c.ordinal, c.code)
            for c in q.codings(s, ws.project.id, coder_ids=[cid])
        ]


def test_stepping_through_and_recording_a_consensus(two_coders):
    ws, (first, _second, odd) = two_coders

    async def steps(pilot) -> None:
        text = screen_text(pilot.app)
        assert "alice vs bob" in text and "resolved 0 of 4" in text
        assert f"Disagreement 1 of 4 · {first}:1" in text
        assert "≠ intentional peer support" in text and "= forms of peer support" in text
        assert "coding memo on intentional peer support: planned" in text
        assert "[i]programmes[/i]" in text  # bob's memo shown literally, not as markup
        assert "not a quality score" in text

        await press(pilot, "a")  # the consensus takes alice's codes on first:1
        assert consensus_codings(ws) == [(first, 1, FORMS)]
        text = screen_text(pilot.app)
        assert "resolved 1 of 4" in text and f"Disagreement 2 of 4 · {first}:2" in text
        assert "took alice's codes on 1" in text

        await press(pilot, "n")  # neither: no code on first:2, and the decision is kept
        assert consensus_codings(ws) == [(first, 1, FORMS)]
        assert "resolved 2 of 4" in screen_text(pilot.app)

        await press(pilot, "right")  # skip second:1 for now, to the markup abstract
        text = screen_text(pilot.app)
        assert f"Disagreement 4 of 4 · {odd}:1" in text
        assert "[bold]risk[/]" in text and "␛[31mred␛[0m" in text and "[link=https://x.org]" in text

        await press(pilot, "m")
        assert pilot.app.screen.__class__.__name__ == "TextScreen"
        await press(pilot, *"we [b]differ[/b]", "ctrl+s")
        assert "segment 1: we [b]differ[/b]" in screen_text(pilot.app)

        await press(pilot, "k", "k", "k")
        assert f"Disagreement 1 of 4 · {first}:1 (Background) · resolved" in screen_text(pilot.app)

    drive(Harness(ws), steps)
    with ws.read() as s:
        memos = q.memos(s, ws.project.id, "document")
        events = q.audit_events(s, ws.project.id, coder="consensus")
    assert ("alice", "discussion", "segment 1: we [b]differ[/b]") in {
        (m.coder, m.kind, m.text) for m in memos
    }
    assert sorted(e.action for e in events) == ["code.apply", "memo.add", "memo.add"]
    assert ws.db.verify(ws.project.id).ok


def test_a_service_error_is_a_notification_and_the_queue_reloads(two_coders):
    ws, (_first, second, _odd) = two_coders

    async def steps(pilot) -> None:
        retire_code(ws, HEALER)  # after the queue was read: "accept A" now fails
        await press(pilot, "j", "j")
        assert f"{second}:1" in screen_text(pilot.app)
        await press(pilot, "a")
        assert any("'wounded healer' is retired" in n for n in notices(pilot.app))
        assert pilot.app.is_running
        assert f"{second}:1" in screen_text(pilot.app) and "resolved 0 of 4" in screen_text(
            pilot.app
        )

    drive(Harness(ws), steps)
    assert consensus_codings(ws) == []


def test_asks_which_two_coders_when_not_given(two_coders):
    ws, _keys = two_coders

    async def steps(pilot) -> None:
        assert isinstance(pilot.app.screen, ChoiceScreen)
        assert "Compare which coder (A)?" in screen_text(pilot.app)
        assert "consensus" not in screen_text(pilot.app)
        await press(pilot, "down", "enter")  # bob
        assert "Compare bob with which coder (B)?" in screen_text(pilot.app)
        await press(pilot, "enter")  # alice
        assert "bob vs alice" in screen_text(pilot.app)

    drive(Harness(ws, None, None), steps)


def test_cancelling_the_choice_closes_the_queue(two_coders):
    ws, _keys = two_coders

    async def steps(pilot) -> None:
        await press(pilot, "escape")
        assert not isinstance(pilot.app.screen, (ChoiceScreen, DisagreementScreen))

    drive(Harness(ws, None, None), steps)


def test_no_disagreements_says_so(demo_ws):
    apply_code(as_coder(demo_ws, "bob"), _first_unit(demo_ws), FORMS)
    apply_code(demo_ws, _first_unit(demo_ws), FORMS)

    async def steps(pilot) -> None:
        text = screen_text(pilot.app)
        assert "No disagreements between alice and bob." in text and "agreement 100.0%" in text
        await press(pilot, "a", "right")  # nothing to act on: no error, no change
        assert consensus_codings(demo_ws) == [] and pilot.app.is_running

    drive(Harness(demo_ws), steps)


def _first_unit(ws) -> str:
    with ws.read() as s:
        return f"{q.documents(s, ws.project.id, limit=1)[0].key}:1"


def test_the_shell_palette_opens_the_queue(two_coders):
    from coder.tui.app import make_app

    ws, _keys = two_coders

    async def steps(pilot) -> None:
        app = pilot.app
        commands = {name: cb for name, cb, _help in app.palette_commands_for(app.screen)}
        commands["agreement: disagreement queue"]()
        await press(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await press(pilot, "enter", "enter")
        assert isinstance(app.screen, DisagreementScreen)
        assert "alice vs bob" in screen_text(app)
        await press(pilot, "escape")
        assert not isinstance(app.screen, DisagreementScreen)

    drive(make_app(ws), steps)


def test_snapshot_of_the_queue(two_coders, snap_compare):
    ws, _keys = two_coders
    # wait for the counting thread, or a slow machine shows "counting agreement..."
    assert snap_compare(Harness(ws), terminal_size=SIZE, run_before=steady)
