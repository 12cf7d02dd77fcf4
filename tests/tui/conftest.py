"""TUI test fixtures: the demo project (seeds + peer-support codebook) on SQLite, copied
fresh for each test from one build per session, and helpers to drive the app.

pytest-asyncio is not a dependency, so TUI tests are plain functions that run a
coroutine with ``drive(app, steps)``; ``settle`` waits for thread workers (list pages, the
stepper's counts) so assertions see what the user would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual.worker import WorkerCancelled

DEMO_CODER = "alice"
SIZE = (140, 45)


@pytest.fixture(autouse=True)
def _count_progress_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app recounts the stepper a moment after changes (so key presses draw first);
    tests read the stepper straight after, so the count runs at once here."""
    from coder.tui import app

    monkeypatch.setattr(app, "PROGRESS_DELAY", 0.0)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project built once per test session (closed, so the file is complete)."""
    from coder.services.demo import build_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.db"
    ws, _lines = build_demo(str(path), DEMO_CODER)
    ws.close()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project (named demo.db: the header shows the name)."""
    target = tmp_path / "demo" / "demo.db"
    target.parent.mkdir()
    shutil.copy(demo_template, target)
    return target


@pytest.fixture
def demo_ws(demo_db: Path) -> Iterator:
    from coder.services.workspace import Workspace

    ws = Workspace.open(str(demo_db), DEMO_CODER)
    yield ws
    ws.close()


async def settle(pilot) -> None:
    """Let messages and thread workers finish: a worker's result may start another (a
    page load announces a highlight, which loads a document), so wait until none runs."""
    await pilot.pause()
    for _ in range(10):
        if all(worker.is_finished for worker in pilot.app.workers):
            return
        # An exclusive worker replaced by a newer one ends cancelled: that is expected,
        # and the loop looks again at what still runs.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def steady(pilot) -> None:
    """For snapshots: settle, wait out the stepper's debounce timer, and settle the worker
    it starts, so the screen no longer changes on its own."""
    from coder.tui.app import PROGRESS_DELAY

    await settle(pilot)
    await pilot.pause(PROGRESS_DELAY + 0.25)
    await settle(pilot)


def screen_text(app) -> str:
    """The screen as plain text, row by row (what a user reads, without colours)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def shows(pilot, text: str, within: float = 5.0) -> bool:
    """Whether ``text`` is on the screen within ``within`` seconds: a huge document is
    drawn a little after the key that scrolled it, later still on a busy machine."""
    deadline = time.monotonic() + within
    while text not in screen_text(pilot.app):
        if time.monotonic() > deadline:
            return False
        await pilot.pause(0.05)
    return True


def hold_the_project(path) -> sqlite3.Connection:
    """Another connection that takes the project's write lock, as a colleague's long
    import would, until the test lets go (``ROLLBACK``)."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def writing(app) -> bool:
    """Whether a write worker is still on its way (waiting for the lock, say)."""
    return any(w.name.startswith("write ") and not w.is_finished for w in app.workers)


def notices(app) -> list[str]:
    """The notifications raised so far (toasts wrap long lines; these do not)."""
    return [n.message for n in app._notifications]


def drive(app, steps: Callable[[object], Awaitable[None]], size: tuple[int, int] = SIZE) -> None:
    """Run ``app`` headless and await ``steps(pilot)`` once it has settled."""

    async def run() -> None:
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(pilot)
            await steps(pilot)

    asyncio.run(run())


async def press(pilot, *keys: str) -> None:
    """Press keys, then settle."""
    await pilot.press(*keys)
    await settle(pilot)
