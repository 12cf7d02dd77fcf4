"""Phase 6: the methods draft tab (m), exported from the export bar and the palette."""

from __future__ import annotations

import json

from textual.widgets import Select, Static, TabbedContent

from coder.services import screening
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.phases.report import ReportPhase
from tests.tui.conftest import drive, press, settle
from tests.tui.test_phase_report import plain


def test_m_shows_the_methods_draft_and_the_export_bar_follows(demo_ws, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    screening.add_reason(demo_ws, "not empirical")
    with demo_ws.read() as session:
        first = q.documents(session, demo_ws.project.id, limit=1)[0].key
    screening.exclude(demo_ws, [first], "not empirical")

    async def steps(pilot):
        await press(pilot, "f7")
        phase = pilot.app.query_one(ReportPhase)
        await press(pilot, "m")
        assert phase.query_one(TabbedContent).active == "tab-methods"
        assert phase.query_one("#methods-scroll").has_focus
        assert phase.methods is not None
        text = plain(phase.query_one("#methods", Static).content)
        assert "Methods (draft)" in text and "Appendix A. Records" in text
        assert "set 1 record aside (not empirical: 1)" in " ".join(text.split())
        assert (phase.kind, phase.format) == ("methods", "md")
        assert phase.query_one("#export-format", Select).value == "md"
        await press(pilot, "e")
        assert phase.last_written == tmp_path / "methods.md"
        await press(pilot, "f", "e")  # md -> docx
        assert phase.last_written == tmp_path / "methods.docx"
        await press(pilot, "f", "f", "e")  # docx -> html -> json
        data = json.loads((tmp_path / "methods.json").read_text(encoding="utf-8"))
        assert data["facts"]["figures"]["excluded"] == 1
        await press(pilot, "m")
        assert phase.query_one(TabbedContent).active == "tab-table"
        assert (phase.kind, phase.format) == ("themes", "md")
        commands = {name: callback for name, callback, _help in phase.palette_commands()}
        commands["report: export record flow mermaid"]()
        await settle(pilot)
        assert (tmp_path / "flow.mmd").read_text(encoding="utf-8").startswith("flowchart TD")

    drive(make_app(demo_ws), steps)
    assert (tmp_path / "methods.md").read_text(encoding="utf-8").startswith("# Methods: ")
