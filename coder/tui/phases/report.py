"""Phase 6, writing up: the theme table previewed live, exported, and checked.

The preview shows what the report will hold: each theme in report order with its
definition, codes, how many documents and extracts support it, and its exemplar
extracts with citations. The export bar writes the same table in any of the exporters'
formats to a file (default ``themes.<ext>`` in the current folder; the path is editable)
and shows where it went. The second tab is Braun & Clarke's 15-point check with the
evidence the project holds; what only the researcher can judge is asked, not scored.
"""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TabbedContent, TabPane

from coder.core.quality import Finding, Verdict
from coder.core.report import ThemeEntry, ThemeTable, no_exemplars_note
from coder.services import exports
from coder.services.quality import quality_check
from coder.services.workspace import Workspace
from coder.tui.phases.base import Key, PaletteCommand, Phase, read_then_show
from coder.tui.widgets.extract_table import clip
from coder.tui.widgets.text import one_line
from coder.tui.widgets.theme_dialogs import ConfirmDialog

PREVIEW_EXEMPLAR_CHARS = 240
VERDICT_STYLE = {
    Verdict.OK: ("✓ ok", "green"),
    Verdict.CHECK: ("! check", "bold yellow"),
    Verdict.QUESTION: ("? ask", "cyan"),
    Verdict.NO_DATA: ("– no data", "dim"),
}


def extension(fmt: str) -> str:
    return exports.EXTENSIONS.get(fmt, fmt)


def default_path(fmt: str) -> Path:
    """``themes.<ext>``, relative: it lands in the folder coder runs in."""
    return Path(exports.default_filename("themes", fmt))


def render_preview(table: ThemeTable) -> RenderableType:
    """The theme table as the exports write it (they share ``theme_table``), as Rich
    renderables built from Text only: imported extracts are never read as markup."""
    if not table.themes:
        return Text("No themes yet: build candidate themes in phase 3.", "dim")
    grid = Table(
        expand=True, show_lines=True, title="Theme table (report order)", title_justify="left"
    )
    grid.add_column("#", width=4)
    grid.add_column("Theme", ratio=2)
    grid.add_column("Definition and scope", ratio=4)
    grid.add_column("Codes", ratio=2)
    grid.add_column("Docs", justify="right", width=4)
    grid.add_column("Extr.", justify="right", width=5)
    grid.add_column("Exemplar extracts", ratio=5)
    for entry in table.themes:
        name = Text("  " * entry.level)
        name.append_text(one_line(entry.name, "bold"))
        name.append(f"\n{entry.status}", "dim")
        definition = (
            one_line(entry.definition)
            if entry.definition
            else Text("(no definition yet)", "dim italic")
        )
        if entry.scope:
            definition.append("\nScope: ", "italic")
            definition.append_text(one_line(entry.scope))
        grid.add_row(
            Text(entry.number),
            name,
            definition,
            one_line(", ".join(entry.codes)) if entry.codes else Text("—", "dim"),
            Text(str(entry.documents)),
            Text(str(entry.extracts)),
            _exemplars(entry),
        )
    parts: list[RenderableType] = [grid]
    if table.unassigned_codes:
        line = Text("Codes in no theme: ", "bold")
        line.append_text(one_line(", ".join(table.unassigned_codes)))
        parts.append(line)
    if table.references:
        refs = Text("References\n", "bold")
        for ref in table.references:
            refs.append_text(one_line(ref.text))
            refs.append("\n")
        parts.append(refs)
    parts += [Text(note, "dim italic") for note in table.notes]
    return Group(*parts)


def _exemplars(entry: ThemeEntry) -> Text:
    if not entry.exemplars:
        return Text(no_exemplars_note(0), "dim italic")
    out = Text()
    for i, extract in enumerate(entry.exemplars):
        if i:
            out.append("\n")
        out.append("“")
        out.append_text(clip(one_line(extract.text), PREVIEW_EXEMPLAR_CHARS))
        out.append("” ")
        where = f"{extract.citation}" + (f", {extract.section}" if extract.section else "")
        out.append_text(one_line(f"({where})", "dim"))
    if not entry.exemplars_chosen:
        out.append("\n")
        out.append(no_exemplars_note(len(entry.exemplars)), "yellow italic")
    return out


def render_quality(findings: list[Finding]) -> Group:
    table = Table(expand=True, show_lines=True)
    table.add_column("#", justify="right", width=3)
    table.add_column("Criterion", ratio=3)
    table.add_column("", width=10)
    table.add_column("Evidence from this project, and the question to ask", ratio=5)
    area = None
    for finding in findings:
        criterion = finding.criterion
        if criterion.area != area:
            area = criterion.area
            table.add_row(Text(""), Text(area, "bold underline"), Text(""), Text(""))
        label, style = VERDICT_STYLE[finding.verdict]
        body = Text("\n".join(finding.evidence))
        if finding.evidence:
            body.append("\n")
        body.append(finding.question, "italic dim")
        table.add_row(Text(str(criterion.number)), Text(criterion.text), Text(label, style), body)
    scored = [f for f in findings if f.verdict in (Verdict.OK, Verdict.CHECK)]
    to_check = sum(1 for f in scored if f.verdict == Verdict.CHECK)
    summary = Text(
        f"Braun & Clarke (2006), 15-point checklist: {len(scored) - to_check} of {len(scored)} points the data "
        f"can speak to look fine, {to_check} to check; the rest are questions only you can answer.",
        "bold",
    )
    return Group(summary, table)


def write_export(ws: Workspace, fmt: str, path: Path) -> str | None:
    """Write the theme table to ``path``; None when written, else why not (one line).
    Exports into memory first, so a failed export never leaves half a file."""
    if path.is_dir():
        return f"{path} is a folder: give a file name such as {default_path(fmt).name}"
    if not path.parent.is_dir():
        return f"cannot write {path}: folder {path.parent} does not exist"
    try:
        buffer = io.BytesIO()
        exports.export_themes(ws, fmt, buffer)
        path.write_bytes(buffer.getvalue())
    except OSError as error:
        return f"cannot write {path}: {error.strerror or error}"
    return None


class ReportPhase(Phase):
    """Phase 6: the theme table preview, exports to every format, the quality check."""

    NUMBER = 6
    KEYS = (
        Key("e", "export", "Export", "report.export", "Write the theme table to the file in the path box"),
        Key("f", "next_format", "Format", "report.format", "Cycle the export format"),
        Key("v", "switch_view", "Table/Check", "report.view", "Switch between preview and quality check"),
        Key("slash", "edit_path", "Path", "report.path", "Edit the export path"),
    )  # fmt: skip

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(ws, id=id, classes=classes)
        self.format = exports.THEME_FORMATS[0]
        self.last_written: Path | None = None
        self.findings: list[Finding] = []
        self.table: ThemeTable | None = None

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="tab-table"):
            with TabPane("Theme table", id="tab-table"), VerticalScroll(id="preview-scroll"):
                yield Static(Text("Building the theme table …", "dim"), id="preview")
            with TabPane("Quality check", id="tab-quality"), VerticalScroll(id="quality-scroll"):
                yield Static(Text("Computing the quality check …", "dim"), id="quality")
        with Horizontal(id="export-bar"):
            yield Select(
                [(f, f) for f in exports.THEME_FORMATS],
                value=self.format,
                allow_blank=False,
                id="export-format",
            )
            yield Input(str(default_path(self.format)), id="export-path")
            yield Button("Export", id="export-button", variant="primary")
        yield Label(
            "e: export   f: format   /: edit path   v: table / quality check",
            classes="status-line",
            id="export-result",
        )

    def on_mount(self) -> None:
        self.refresh_data()

    def focus_target(self) -> Widget:
        """What the shell focuses when it opens this phase: the visible tab's content,
        so e/f/v work at once."""
        quality = self.query_one(TabbedContent).active == "tab-quality"
        return self.query_one("#quality-scroll" if quality else "#preview-scroll", VerticalScroll)

    def read_data(self) -> ThemeTable:
        """The theme table exactly as the exporters will write it."""
        return exports.theme_table(self.ws)

    def show_data(self, table: ThemeTable) -> None:
        self.table = table
        self.query_one("#preview", Static).update(render_preview(table))
        self._compute_quality()

    def _compute_quality(self) -> None:
        """The checklist reads the whole trail and every document's coverage: a thread."""
        ws = self.ws
        read_then_show(self, lambda: quality_check(ws), self._show_quality, group="quality")

    def _show_quality(self, findings: list[Finding]) -> None:
        self.findings = findings
        self.query_one("#quality", Static).update(render_quality(findings))

    # ---- export ---------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "export-format" and isinstance(event.value, str):
            self._set_format(event.value)

    def _set_format(self, fmt: str) -> None:
        """Switch format; a path still ending in the old format's extension follows."""
        path_input = self.query_one("#export-path", Input)
        old_suffix = "." + extension(self.format)
        path = Path(path_input.value.strip() or default_path(fmt))
        if path.suffix == old_suffix or not path.suffix:
            path_input.value = str(path.with_suffix("." + extension(fmt)))
        self.format = fmt
        select = self.query_one("#export-format", Select)
        if select.value != fmt:
            select.value = fmt

    def action_next_format(self) -> None:
        formats = list(exports.THEME_FORMATS)
        self._set_format(formats[(formats.index(self.format) + 1) % len(formats)])

    def action_edit_path(self) -> None:
        self.query_one("#export-path", Input).focus()

    def action_switch_view(self) -> None:
        tabs = self.query_one(TabbedContent)
        self._show_tab("tab-quality" if tabs.active == "tab-table" else "tab-table")

    def _show_tab(self, tab: str) -> None:
        """Show a tab and focus its content: focus left in the hidden tab would be lost,
        and with it this phase's keys."""
        self.query_one(TabbedContent).active = tab
        self.query_one(
            "#quality-scroll" if tab == "tab-quality" else "#preview-scroll", VerticalScroll
        ).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "export-path":
            self.action_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-button":
            self.action_export()

    def action_export(self, fmt: str | None = None) -> None:
        if fmt is not None and fmt != self.format:
            self._set_format(fmt)
        raw = self.query_one("#export-path", Input).value.strip()
        path = Path(raw).expanduser() if raw else default_path(self.format)
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.is_file() and path != self.last_written:
            # Never overwrite silently: last week's table may be the one the paper cites.
            self.app.push_screen(
                ConfirmDialog(f"{path} exists. Overwrite it?"),
                lambda yes: (
                    self._write(path)
                    if yes
                    else self._export_failed(f"kept {path}: nothing written (edit the path with /)")
                ),
            )
            return
        self._write(path)

    def _write(self, path: Path) -> None:
        self.query_one("#export-result", Label).update(Text(f"writing {path} …", "dim"))
        ws, fmt = self.ws, self.format
        read_then_show(
            self,
            lambda: write_export(ws, fmt, path),
            lambda problem: (
                self._exported(fmt, path) if problem is None else self._export_failed(problem)
            ),
            group="export",
            on_error=lambda error: self._export_failed(str(error)),
        )

    def _exported(self, fmt: str, path: Path) -> None:
        self.last_written = path
        text = Text(f"wrote the theme table ({fmt}) to ", "green")
        text.append(str(path), "bold")
        self.query_one("#export-result", Label).update(text)
        self.app.notify(f"wrote {path}", markup=False)

    def _export_failed(self, message: str) -> None:
        self.query_one("#export-result", Label).update(Text(message, "bold red"))
        self.app.notify(message, severity="error", markup=False)

    def extra_palette_commands(self) -> list[PaletteCommand]:
        commands: list[PaletteCommand] = [
            (
                f"report: export {fmt}",
                lambda fmt=fmt: self.action_export(fmt),
                f"Write the theme table as {fmt}",
            )
            for fmt in exports.THEME_FORMATS
        ]
        commands.append(
            ("report: quality check", self._show_check_tab, "Braun & Clarke's 15-point checklist")
        )
        return commands

    def _show_check_tab(self) -> None:
        self._show_tab("tab-quality")
