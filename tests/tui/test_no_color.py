"""The workbench under NO_COLOR=1 (Textual then draws through its monochrome filter, which
reads the style of every segment), and what happens when the app meets an unexpected error.

Textual takes NO_COLOR out of the environment when an app is made, so each test sets it
again just before making its app.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Text

from coder.services.coding import apply_code
from coder.tui.app import make_app
from coder.tui.widgets.text import text_strip
from tests.conftest import ROOT, as_coder
from tests.tui.conftest import SIZE, drive, press, screen_text, steady

# Each walk: the keys from the shell, and a phrase that must then be on the screen.
WALKS = [
    pytest.param((), "documents", id="familiarise"),
    pytest.param(("down", "space"), "documents", id="familiarise-read"),
    pytest.param(("slash", *"peer", "enter"), "documents", id="familiarise-search"),
    pytest.param(("n",), "Familiarisation note", id="familiarise-note"),
    pytest.param(("f3",), "segment", id="code"),
    pytest.param(("f3", "enter"), "segment", id="code-applied"),
    pytest.param(("f3", "v", "l", "l"), "SELECTING", id="code-selecting"),
    pytest.param(("f3", "n"), "code", id="code-new-code-dialog"),
    pytest.param(("f3", "s"), "earch", id="code-search-and-code"),
    pytest.param(("f3", "enter", "m"), "emo", id="code-memo-editor"),
    pytest.param(("f3", "b"), "segment", id="code-blind"),
    pytest.param(("f4",), "Themes", id="themes"),
    pytest.param(("f4", "n"), "heme", id="themes-new-theme-dialog"),
    pytest.param(("f5",), "Review", id="review"),
    pytest.param(("f6",), "Define", id="define"),
    pytest.param(("f7",), "Report", id="report"),
    pytest.param(("f1",), "Keys", id="help"),
    pytest.param(("ctrl+p",), "", id="palette"),
    pytest.param(("f8",), "ournal", id="journal"),
    pytest.param(("f9",), "udit", id="audit-view"),
]


@pytest.fixture
def no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")


def test_every_segment_of_a_text_line_has_a_style() -> None:
    """Rich renders a line without spans (a blank line) with a None style; the monochrome
    filter would crash on it."""
    console = Console(width=40)
    base = Style(bold=True)
    for text in (Text("", end=""), Text("plain", end=""), Text.assemble("a", ("b", "red"))):
        strip = text_strip(text, console, base)
        assert all(segment.style is not None for segment in strip)
    assert text_strip(Text("plain", end=""), console, base).text == "plain"


@pytest.mark.parametrize("size", [(80, 24), SIZE], ids=["80x24", "140x45"])
@pytest.mark.parametrize(("keys", "phrase"), WALKS)
def test_every_screen_draws_without_colour(demo_ws, no_color, size, keys, phrase) -> None:
    app = make_app(demo_ws)
    assert app.no_color

    async def steps(pilot) -> None:
        await press(pilot, *keys)
        text = screen_text(app)
        assert phrase in text
        await press(pilot, "escape")
        assert app.is_running

    drive(app, steps, size=size)


def test_the_disagreement_queue_without_colour(demo_ws, no_color) -> None:
    with demo_ws.read() as s:
        from coder.store import queries as q

        first = q.documents(s, demo_ws.project.id, limit=1)[0].key
    apply_code(demo_ws, f"{first}:1", "forms of peer support")
    apply_code(as_coder(demo_ws, "bob"), f"{first}:1", "wounded healer")
    from coder.tui.disagreements import DisagreementScreen

    app = make_app(demo_ws)

    async def steps(pilot) -> None:
        app.push_screen(DisagreementScreen(demo_ws, "alice", "bob"))
        await steady(pilot)
        assert "wounded healer" in screen_text(app)

    drive(app, steps, size=(80, 24))


def found_cells(app, term: str) -> list[tuple[str, bool]]:
    """Each on-screen occurrence of ``term`` (any case) in the reader, as (text, drawn in
    reverse): read from the strips the screen draws, after the monochrome filter."""
    reader = app.query_one("#fam-reader")
    found = []
    for y in range(reader.region.y, reader.region.bottom):
        strip = app.screen._compositor.render_strips()[y]
        x = 0
        cells: list[tuple[int, str, bool]] = []
        for segment in strip:
            for char in segment.text:
                reverse = bool(segment.style and segment.style.reverse)
                cells.append((x, char, reverse))
                x += 1
        line = "".join(c for _x, c, _r in cells)
        start = line.lower().find(term)
        while start != -1 and reader.region.x <= start < reader.region.right:
            span = cells[start : start + len(term)]
            found.append(("".join(c for _x, c, _r in span), all(r for _x, _c, r in span)))
            start = line.lower().find(term, start + 1)
    return found


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
def test_the_search_term_is_highlighted_in_the_reader(demo_ws, no_color, size) -> None:
    """A search in phase 1 marks every match in the reader (title and abstract), in
    reverse video without colour; clearing the search clears the marks."""
    app = make_app(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "slash", *"peer", "enter")
        await steady(pilot)
        found = found_cells(app, "peer")
        assert found and all(reverse for _text, reverse in found), found
        assert {text.lower() for text, _r in found} == {"peer"}
        await press(pilot, "escape")
        await steady(pilot)
        assert found_cells(app, "peer") and not any(r for _t, r in found_cells(app, "peer"))

    drive(app, steps, size=size)


def test_current_segment_and_selection_are_marked_by_text_style(demo_ws, no_color) -> None:
    """Without colour, grey shades alone are faint: the current segment is bold and a live
    selection underlined, so both stay visible on a monochrome terminal."""
    app = make_app(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "f3", "v", "l")
        reader = app.screen.query_one("SegmentReader")
        highlight = reader.get_component_rich_style("reader--highlight")
        selection = reader.get_component_rich_style("reader--selection")
        assert highlight.bold
        assert selection.underline

    drive(app, steps)


def test_no_color_snapshot_of_the_coding_phase(snap_compare, demo_ws, no_color) -> None:
    async def run_before(pilot) -> None:
        await steady(pilot)
        await press(pilot, "f3", "J", "v", "l", "l")

    assert snap_compare(make_app(demo_ws), terminal_size=SIZE, run_before=run_before)


def test_no_color_snapshot_of_the_familiarise_phase(snap_compare, demo_ws, no_color) -> None:
    async def run_before(pilot) -> None:
        await steady(pilot)
        await press(pilot, "down", "down")

    assert snap_compare(make_app(demo_ws), terminal_size=(80, 24), run_before=run_before)


CRASHING = """
import sys
from coder.services.workspace import Workspace
from coder.tui.app import CoderApp, run_app

class Crashing(CoderApp):
    CSS_PATH = CoderApp.CSS_PATH

    def on_ready(self) -> None:
        self.set_timer(0.2, self.fail)

    def fail(self) -> None:
        raise RuntimeError("an error nobody expected")

ws = Workspace.open(sys.argv[1], "alice")
run_app(ws, Crashing(ws), headless=True)
"""


def test_a_crash_exits_non_zero_and_names_the_log(demo_db: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(ROOT)}
    script = tmp_path / "crash.py"
    script.write_text(CRASHING.replace("CoderApp.CSS_PATH", repr(str(ROOT / "coder/tui/app.tcss"))))
    done = subprocess.run(
        [sys.executable, str(script), str(demo_db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode != 0
    logs = list((tmp_path / "state" / "coder").glob("crash-*.log"))
    assert len(logs) == 1
    assert "RuntimeError: an error nobody expected" in logs[0].read_text()
    output = " ".join((done.stdout + done.stderr).split())
    assert "an error nobody expected" in output and "Traceback" not in output
    # The message names the log (Rich may wrap a long path anywhere: compare without spaces).
    assert str(logs[0]) in "".join(output.split())
    # The project is still whole.
    from coder.services.history import verify
    from coder.services.workspace import Workspace

    ws = Workspace.open(str(demo_db), "alice")
    try:
        assert verify(ws).ok
    finally:
        ws.close()
