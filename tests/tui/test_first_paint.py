"""Paint first, then load (issue 16): started on a project it has to open, the app draws
its shell before the store is imported, then opens the project in a thread and shows the
phase where the coder left off. The time it takes is a benchmark (``python -m benchmarks
tui``); here, what is loaded when the first frame goes out, and what the user then sees."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from pathlib import Path

from textual.widgets import ContentSwitcher

from coder.services import notes, screening, ui_state, views
from coder.tui.app import CoderApp, ProjectArgs
from coder.tui.preview import OpeningPane, read_first_frame
from coder.tui.shell import PhaseStepper
from tests.tui.conftest import DEMO_CODER, SIZE, drive, notices, screen_text, settle

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter takes the command's path (the CLI package, then the app on the
# project it names) and notes the modules loaded as the first frame goes out; then it
# waits for the project to open and notes what the screen shows.
PROBE = """
import asyncio, json, sys
import coder.cli  # what `coder tui` imports before the app
from coder.tui.app import CoderApp, ProjectArgs

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic")
# The preview's quick read (stdlib sqlite3): the one part of the store the shell loads.
QUICK = {"coder.services", "coder.services.listing", "coder.store", "coder.store.quickread",
         "coder.store.schema_head"}

def heavy():
    return sorted(m for m in sys.modules if m not in QUICK and (m.split(".")[0] in HEAVY
                  or m.startswith(("coder.store", "coder.services", "coder.tui.deferred"))))

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


# ---- the read-only preview of the first screen (sqlite3 before SQLModel) -----------------


class HeldOpen(CoderApp):
    """The app from the command, its loading thread held after the preview is drawn (as
    on a slow start) until the test lets it go."""

    def __init__(self, db: Path) -> None:
        super().__init__(opening=ProjectArgs(str(db), DEMO_CODER, None))
        self.gate = threading.Event()

    def _preview(self, frame) -> None:  # type: ignore[no-untyped-def]
        super()._preview(frame)
        self.gate.wait(30)


def run_held(app: HeldOpen, steps) -> None:  # type: ignore[no-untyped-def]
    async def run() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            try:
                await steps(pilot)
            finally:
                app.gate.set()

    asyncio.run(run())


async def _until_preview(pilot) -> None:
    for _ in range(400):
        pane = pilot.app.query(OpeningPane)
        if pane and pane.first().filled:
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError("the preview was never drawn")


def _start_in(ws, values: dict[str, str]) -> None:
    ui_state.save_ui_state(ws, ui_state.register_coder(ws), values)


def test_the_preview_shows_the_first_page_and_the_document_being_read_then_the_phase(
    demo_ws, demo_db
):
    _, items = views.document_page(demo_ws, demo_ws.coder_id(), 0, 100)
    reading = items[2]
    notes.mark_read(demo_ws, items[0].key)
    screening.exclude(demo_ws, [items[1].key], note="not primary research")
    _start_in(demo_ws, {"phase": "1", "familiarise.document": reading.key, "familiarise.row": "2"})
    doc = views.document_view(demo_ws, reading.key)
    assert doc is not None
    app = HeldOpen(demo_db)

    async def steps(pilot) -> None:
        await _until_preview(pilot)
        text = screen_text(pilot.app)
        assert not pilot.app.opened and pilot.app.loading
        rows = [line for line in text.splitlines() if items[0].key in line]
        assert rows and "✓" in rows[0]  # read marks and set-asides come with the rows
        assert "⊘" in next(line for line in text.splitlines() if items[1].key in line)
        for item in items[:10]:  # the first page in reading order, with the labels
            assert item.key in text and item.label[:15] in text
        assert f"Key       {reading.key}" in text  # the remembered document, in the reader
        assert doc.doc.text.split("\n")[0][:40] in text
        # Keys while loading: not applied (space would mark the document read), and said so.
        await pilot.press("space", "j")
        assert "not applied: space j" in screen_text(pilot.app)
        pilot.app.gate.set()
        await _until_open(pilot)
        await settle(pilot)
        phase = pilot.app.query_one("#phase-1")
        assert phase.doc.key == reading.key and not pilot.app.query("#preview-reader")
        assert pilot.app.query_one("#phases", ContentSwitcher).current == "phase-1"
        assert any("not applied" in n and "space j" in n for n in notices(pilot.app))

    run_held(app, steps)
    app.close_project()
    _, after = views.document_page(demo_ws, demo_ws.coder_id(), 0, 3)
    assert [item.read for item in after] == [True, False, False]  # space was not applied


def test_the_preview_shows_the_segment_to_code_and_never_applies_a_code(demo_ws, demo_db):
    _, items = views.document_page(demo_ws, demo_ws.coder_id(), 0, 5)
    view = views.document_view(demo_ws, items[3].key)
    assert view is not None and len(view.units) >= 2
    before = len(view.codings)
    unit = view.units[1]
    _start_in(
        demo_ws, {"phase": "2", "code.document": view.doc.key, "code.segment": str(unit.ordinal)}
    )
    app = HeldOpen(demo_db)

    async def steps(pilot) -> None:
        await _until_preview(pilot)
        text = screen_text(pilot.app)
        assert f"segment 2/{len(view.units)}" in text and view.doc.key in text
        assert " ".join(unit.text.split()[:4]) in " ".join(text.split())
        await pilot.press("enter", "1")  # apply: the tree cursor's code, a suggestion
        pilot.app.gate.set()
        await _until_open(pilot)
        await settle(pilot)
        phase = pilot.app.query_one("#phase-2")
        assert phase.view.doc.key == view.doc.key and phase.current.ordinal == unit.ordinal
        assert any("not applied" in n and "enter 1" in n for n in notices(pilot.app))

    run_held(app, steps)
    app.close_project()
    again = views.document_view(demo_ws, view.doc.key)
    assert again is not None and len(again.codings) == before  # no code applied


def test_no_preview_where_the_quick_read_is_not_sure(demo_db, tmp_path):
    assert read_first_frame("postgresql+psycopg://nobody@127.0.0.1:1/none", "a", None) is None
    assert read_first_frame(str(tmp_path / "none.db"), "a", None) is None
    assert read_first_frame(str(demo_db), DEMO_CODER, "no such project") is None
    frame = read_first_frame(str(demo_db), DEMO_CODER, None)
    assert frame is not None and frame.phase == 1 and frame.rows
