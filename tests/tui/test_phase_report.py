"""Phase 6 (writing up): the live theme-table preview, exports to every format written to
files, and the Braun & Clarke quality check with evidence gathered from the store."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Input, Static, TabbedContent

from coder.core.quality import Verdict
from coder.services import history
from coder.services import themes as theme_service
from coder.services.coding import apply_code
from coder.services.exports import THEME_FORMATS
from coder.services.notes import add_memo
from coder.services.quality import gather, quality_check
from coder.tui.app import make_app
from coder.tui.phases.report import ReportPhase, render_preview
from coder.tui.widgets.theme_dialogs import ConfirmDialog
from tests.services.helpers import seed
from tests.tui.conftest import drive, notices, press, settle

BRIDGING = "Bridging the us-and-them divide"
MIDDLE = "The peer worker in the middle"


class Harness(App):
    def __init__(self, ws) -> None:
        super().__init__()
        self.ws = ws

    def compose(self) -> ComposeResult:
        yield ReportPhase(self.ws)


def plain(renderable, width: int = 400) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def code_and_choose(ws) -> None:
    apply_code(ws, "gray2024:3", "us and them")
    apply_code(ws, "researchpeer_nd:8", "tread carefully")
    apply_code(ws, "gray2024a:3", "power imbalance")
    theme_service.toggle_exemplar(ws, BRIDGING, 1)


# ---- evidence gathered from the store, on both backends --------------------------------


def test_gather_counts_like_the_report_and_reads_the_trail(ws):
    keys = seed(ws)
    theme_service.create_theme(ws, "Divide", codes=["us and them"])
    theme_service.create_theme(ws, "Caution", parent="Divide", codes=["tread carefully"])
    theme_service.create_theme(ws, "Twin", codes=["us and them"])
    apply_code(ws, f"{keys[0]}:3", "us and them")
    apply_code(ws, f"{keys[1]}:2", "tread carefully")
    apply_code(ws, f"{keys[1]}:2", "us and them")
    add_memo(ws, "I came to this as a peer worker.", kind="journal")
    data = gather(ws)
    facts = {t.name: t for t in data.themes}
    assert (facts["Divide"].extracts, facts["Divide"].documents) == (2, 2)  # with its sub-theme
    assert (facts["Caution"].extracts, facts["Caution"].documents) == (1, 1)
    assert data.shared_segments[("Divide", "Twin")] == 2
    assert data.shared_segments[("Divide", "Caution")] == 1
    assert data.unthemed_codes == [("risk", 0)]
    assert data.memos == {("project", "journal"): 1}
    coverage = {d.key: d for d in data.coverage}
    assert coverage[keys[1]].coded_units == 1 and coverage[keys[2]].units == 0
    assert set(data.phase_seconds) >= {2, 3}
    found = {f.criterion.number: f for f in quality_check(ws)}
    assert found[6].verdict == Verdict.CHECK  # Divide and Twin are the same theme
    assert found[15].verdict == Verdict.OK


# ---- the preview ---------------------------------------------------------------------------


def test_preview_shows_the_theme_table_with_exemplar_citations(demo_ws):
    code_and_choose(demo_ws)

    async def steps(pilot):
        phase = pilot.app.query_one(ReportPhase)
        assert phase.table is not None
        text = plain(render_preview(phase.table))
        assert "Theme table (report order)" in text
        assert BRIDGING in text and "1.1" in text and MIDDLE in text
        assert "Gray, Sisto & Conley (2024)" in text  # the chosen exemplar's citation
        assert "not chosen" in text  # a theme without exemplars shows fallback extracts
        assert "References" in text
        assert BRIDGING in plain(phase.query_one("#preview", Static).content)

    drive(Harness(demo_ws), steps)


def test_markup_in_a_definition_is_shown_literally(demo_ws):
    theme_service.define_theme(demo_ws, BRIDGING, definition="[red]not red[/] \x1b[1mbold")

    async def steps(pilot):
        phase = pilot.app.query_one(ReportPhase)
        assert "[red]not red[/] ␛[1mbold" in plain(render_preview(phase.table))

    drive(Harness(demo_ws), steps)


# ---- exports ---------------------------------------------------------------------------------


def test_export_every_format_to_the_current_folder(demo_ws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code_and_choose(demo_ws)

    async def steps(pilot):
        phase = pilot.app.query_one(ReportPhase)
        phase.focus_target().focus()
        for fmt in THEME_FORMATS:
            assert phase.format == fmt
            await press(pilot, "e")
            assert phase.last_written == tmp_path / phase.last_written.name
            assert str(phase.last_written) in str(phase.query_one("#export-result").render())
            await press(pilot, "f")
        assert phase.format == THEME_FORMATS[0]

    drive(Harness(demo_ws), steps)
    names = sorted(p.name for p in tmp_path.glob("themes.*"))
    assert names == sorted(
        [
            "themes.md",
            "themes.csv",
            "themes.xlsx",
            "themes.docx",
            "themes.html",
            "themes.tex",
            "themes.json",
        ]
    )
    assert BRIDGING in (tmp_path / "themes.md").read_text(encoding="utf-8")
    table = json.loads((tmp_path / "themes.json").read_text(encoding="utf-8"))
    assert table["themes"][0]["name"] == BRIDGING
    assert zipfile.is_zipfile(tmp_path / "themes.docx") and zipfile.is_zipfile(
        tmp_path / "themes.xlsx"
    )


def test_export_to_an_edited_path_and_a_bad_one(demo_ws, tmp_path):
    target = tmp_path / "out" / "table.html"
    target.parent.mkdir()

    async def steps(pilot):
        phase = pilot.app.query_one(ReportPhase)
        path_input = phase.query_one("#export-path", Input)
        phase.focus_target().focus()
        await press(pilot, "slash")
        assert path_input.has_focus
        path_input.value = str(tmp_path / "out" / "table.md")
        await press(pilot, "f", "f", "f", "f")  # typing in the path box: these are letters
        path_input.value = str(tmp_path / "out" / "table.md")
        phase.focus_target().focus()
        await press(pilot, "f", "f", "f", "f")  # md -> csv -> xlsx -> docx -> html
        assert path_input.value == str(target)
        path_input.focus()
        await press(pilot, "enter")
        assert phase.last_written == target
        path_input.value = str(tmp_path / "missing" / "x.html")
        await press(pilot, "enter")
        assert any("does not exist" in n for n in notices(pilot.app))
        assert "does not exist" in str(phase.query_one("#export-result").render())

    drive(Harness(demo_ws), steps)
    assert target.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert not (tmp_path / "missing").exists()


# ---- the quality check ------------------------------------------------------------------------


def test_quality_check_tab_through_the_app(demo_ws, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code_and_choose(demo_ws)

    async def steps(pilot):
        await press(pilot, "f7")
        phase = pilot.app.query_one(ReportPhase)
        assert phase.query_one("#preview-scroll").has_focus
        await press(pilot, "v")
        assert phase.query_one(TabbedContent).active == "tab-quality"
        findings = {f.criterion.number: f for f in phase.findings}
        assert len(findings) == 15
        assert findings[2].verdict == Verdict.CHECK
        assert any("never coded" in line for line in findings[2].evidence)
        assert findings[14].verdict == Verdict.QUESTION
        text = plain(phase.query_one("#quality", Static).content)
        assert "Braun & Clarke (2006), 15-point checklist" in text
        assert "Written report" in text and "? ask" in text
        head = history.head(demo_ws)
        assert f"Audit trail head {head}" in text
        assert f"coder audit verify --head {head}" in text
        await press(pilot, "e")
        assert phase.query_one("#quality-scroll").has_focus
        assert (tmp_path / "themes.md").exists()

    drive(make_app(demo_ws), steps)


@pytest.mark.parametrize("fmt", ["docx"])
def test_palette_offers_an_export_per_format(demo_ws, tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)

    async def steps(pilot):
        phase = pilot.app.query_one(ReportPhase)
        commands = {name: callback for name, callback, _help in phase.palette_commands()}
        assert {f"report: export {f}" for f in THEME_FORMATS} <= set(commands)
        commands[f"report: export {fmt}"]()
        await settle(pilot)
        assert phase.last_written == Path(tmp_path / f"themes.{fmt}")

    drive(Harness(demo_ws), steps)


def test_export_never_overwrites_an_existing_file_silently(demo_ws, tmp_path, monkeypatch):
    """./themes.md from last week: e asks first; n keeps it, y overwrites it."""
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "themes.md"
    old.write_text("last week's table", encoding="utf-8")

    async def steps(pilot):
        phase = pilot.app.query_one(ReportPhase)
        phase.focus_target().focus()
        await press(pilot, "e")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, "n")
        assert old.read_text(encoding="utf-8") == "last week's table"
        assert "kept" in str(phase.query_one("#export-result").render())
        await press(pilot, "e")
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await press(pilot, "y")
        assert BRIDGING in old.read_text(encoding="utf-8")
        await press(pilot, "e")  # the file it just wrote: no question this time
        assert not isinstance(pilot.app.screen, ConfirmDialog)

    drive(Harness(demo_ws), steps)
