"""A team in the workbench: other coders' codings appear live (without moving the
cursor), blind mode keeps them out, and the header says who else is here. Two apps on
one project, on an SQLite file and on the real PostgreSQL server."""

from __future__ import annotations

import asyncio

import pytest

from coder.services import presence
from coder.services.coding import apply_code
from coder.services.databases import copy_database
from coder.services.workspace import Workspace
from coder.tui.app import make_app
from coder.tui.live import LiveChanged
from coder.tui.phases.code import CodePhase
from coder.tui.shell import ShellHeader
from tests.tui.conftest import SIZE, press, settle

WAIT_STEPS = 200  # x 0.05 s: far beyond the 2 s the live view needs (benchmarks/ time it)


def code_phase(app) -> CodePhase:
    return app.query_one("#phase-2", CodePhase)


async def wait_until(pilot, condition) -> bool:
    for _ in range(WAIT_STEPS):
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


def _seen_live(app) -> list[LiveChanged]:
    seen: list[LiveChanged] = []
    original = app.post_message

    def spy(message):  # the app's own message queue, recorded
        if isinstance(message, LiveChanged):
            seen.append(message)
        return original(message)

    app.post_message = spy
    return seen


def _two_coders(url: str) -> None:
    alice = Workspace.open(url, "alice")
    bob = Workspace.open(url, "bob")

    async def run() -> None:
        app = make_app(alice)
        other = make_app(bob)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await press(pilot, "f3")
            phase = code_phase(app)
            await press(pilot, "j", "j")
            where = (phase.view.doc.key, phase.index)
            ref = f"{where[0]}:{phase.current.ordinal}"
            code = phase.codes[0].name
            live = _seen_live(app)

            async def bob_codes() -> None:
                async with other.run_test(size=SIZE) as bob_pilot:
                    await settle(bob_pilot)
                    apply_code(bob, ref, code)  # bob codes through the service
                    other.team.beat()
                    await settle(bob_pilot)
                    assert await wait_until(
                        bob_pilot, lambda: "also here: alice (code: " in header(other)
                    )

            await bob_codes()
            assert await wait_until(
                pilot, lambda: any(c.coder == "bob" and c.code == code for c in phase._here())
            )
            assert (phase.view.doc.key, phase.index) == where  # the cursor did not move
            assert phase.counts[code] >= 1
            assert live and live[-1].changes.events[-1].coder == "bob"
            # Blind: bob's next coding reaches nothing alice sees.
            await press(pilot, "b")
            before = (list(phase._here()), dict(phase.counts), list(phase.suggestions))
            count = len(live)
            second = phase.codes[1].name
            apply_code(bob, ref, second)
            await pilot.pause(1.5)  # several feed polls: none may show it
            await settle(pilot)
            assert len(live) == count
            assert all(c.coder == "alice" for c in phase._here())
            assert (list(phase._here()), dict(phase.counts)) == before[:2]
            assert second not in {s.name for s in phase.suggestions} - {s.name for s in before[2]}
            # Presence: bob's workbench announced where it is; alice's header says so.
            presence.announce(bob, "bob-laptop", "themes")
            app.team.beat()
            assert await wait_until(pilot, lambda: "also here: bob (themes)" in header(app))

    try:
        asyncio.run(run())
    finally:
        alice.close()
        bob.close()


def header(app) -> str:
    return str(app.query_one(ShellHeader).query_one("#shell-title").render())


def test_two_workbenches_on_one_sqlite_file(demo_db):
    _two_coders(str(demo_db))


@pytest.mark.postgres
def test_two_workbenches_on_postgres(demo_db, pg_url):
    copy_database(str(demo_db), pg_url)
    _two_coders(pg_url)
