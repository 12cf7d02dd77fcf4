"""Paint first, then load (issue 16): started on a project it has to open, the app draws
its shell before the store is imported, then opens the project in a thread and shows the
phase where the coder left off. The time it takes is a benchmark (``python -m benchmarks
tui``); here, what is loaded when the first frame goes out, and what the user then sees."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from textual.widgets import ContentSwitcher

from coder.tui.app import CoderApp, ProjectArgs
from coder.tui.shell import PhaseStepper
from tests.tui.conftest import DEMO_CODER, drive, screen_text

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter takes the command's path (the CLI package, then the app on the
# project it names) and notes the modules loaded as the first frame goes out; then it
# waits for the project to open and notes what the screen shows.
PROBE = """
import asyncio, json, sys
import coder.cli  # what `coder tui` imports before the app
from coder.tui.app import CoderApp, ProjectArgs

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic")

def heavy():
    return sorted(m for m in sys.modules if m.split(".")[0] in HEAVY
                  or m.startswith(("coder.store", "coder.services", "coder.tui.deferred")))

async def main():
    app = CoderApp(opening=ProjectArgs(sys.argv[1], sys.argv[2], None))
    first = []
    display = app._display

    def spy(screen, renderable):
        if renderable is not None and not first:
            first.append({"heavy": heavy(), "opened": app.opened,
                          "stepper": bool(app.query("#stepper")), "footer": bool(app.query("Footer"))})
        display(screen, renderable)

    app._display = spy
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(1200):
            if app.opened and app.query("#phase-1"):
                break
            await pilot.pause(0.05)
        await pilot.pause()
        after = {"opened": app.opened, "heavy": "sqlalchemy" in heavy(),
                 "phase": app.query_one("#phases").current}
    app.close_project()
    print(json.dumps({"first": first[0], "after": after}))

asyncio.run(main())
"""


def test_the_first_frame_goes_out_before_the_store_is_imported(demo_db):
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(demo_db), DEMO_CODER],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["first"] == {"heavy": [], "opened": False, "stepper": True, "footer": True}
    assert seen["after"] == {"opened": True, "heavy": True, "phase": "phase-1"}


async def _until_open(pilot) -> None:
    app = pilot.app
    for _ in range(400):
        if app.opened and not app.query("#phase-opening") and not app.workers:
            return
        await pilot.pause(0.02)
    raise AssertionError("the project never opened")


def test_the_shell_opens_the_project_then_shows_where_the_coder_left_off(demo_db):
    app = CoderApp(opening=ProjectArgs(str(demo_db), DEMO_CODER, None))

    async def steps(pilot) -> None:
        await _until_open(pilot)
        text = screen_text(pilot.app)
        assert "peer support on inpatient wards (demo)" in text
        assert "coder alice" in text and "opening" not in text
        assert pilot.app.query_one("#phases", ContentSwitcher).current == "phase-1"
        assert pilot.app.query_one("#fam-list").loaded
        # The phases' rules, left out of the first frame, apply once the project is open.
        assert pilot.app.query_one("#phase-1").styles.layout.name == "horizontal"
        await pilot.press("f3")  # the keys work once the project is open
        await _until_open(pilot)
        assert pilot.app.query_one("#phases", ContentSwitcher).current == "phase-2"
        assert pilot.app.query_one(PhaseStepper).text_of(2).startswith("2 Code 0/")

    drive(app, steps)
    app.close_project()


def test_before_the_project_is_open_only_quit_works(demo_db):
    app = CoderApp(opening=ProjectArgs(str(demo_db), DEMO_CODER, None))
    assert not app.opened
    assert app.check_action("quit", ()) is True
    for action in ("phase", "undo", "journal", "help", "command_palette"):
        assert app.check_action(action, ()) is None  # shown disabled, not hidden


def test_a_project_that_cannot_be_opened_ends_the_app_with_its_error(tmp_path):
    app = CoderApp(opening=ProjectArgs(str(tmp_path / "none.db"), DEMO_CODER, None))

    async def steps(pilot) -> None:
        for _ in range(400):
            if app.open_error is not None:
                break
            await pilot.pause(0.02)

    drive(app, steps)
    assert "no coder project at" in str(app.open_error)
    assert not app.opened
    app.close_project()  # nothing was opened: nothing to close
