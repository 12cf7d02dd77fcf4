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

from coder.core.methods import MethodsDraft, build_draft
from coder.core.quality import Finding, Verdict
from coder.core.report import ThemeEntry, ThemeTable, no_exemplars_note
from coder.services import exports, history
from coder.services.history import Head
from coder.services.methods import methods_facts
from coder.services.quality import quality_check
from coder.services.workspace import Workspace
from coder.tui.phases.base import Key, PaletteCommand, Phase, read_then_show
from coder.tui.widgets.extract_table import clip
from coder.tui.widgets.text import one_line
from coder.tui.widgets.theme_dialogs import ConfirmDialog

PREVIEW_EXEMPLAR_CHARS = 240
_SCROLLS = {
    "tab-table": "#preview-scroll",
    "tab-quality": "#quality-scroll",
    "tab-methods": "#methods-scroll",
}
VERDICT_STYLE = {
    Verdict.OK: ("✓ ok", "green"),
    Verdict.CHECK: ("! check", "bold yellow"),
    Verdict.QUESTION: ("? ask", "cyan"),
    Verdict.NO_DATA: ("– no data", "dim"),
}


def extension(fmt: str) -> str:
    return exports.EXTENSIONS.get(fmt, fmt)


def default_path(fmt: str, kind: str = "themes") -> Path:
    """``themes.<ext>`` (or ``methods.<ext>``), relative: it lands in the folder coder runs in."""
    return Path(exports.default_filename(kind, fmt))


def render_methods(draft: MethodsDraft) -> RenderableType:
    """The methods draft and appendix as the exporters write them, from Text only."""
    parts: list[RenderableType] = [Text(draft.title, "bold underline")]
    for section in draft.sections:
        parts.append(Text(f"\n{section.heading}", "bold"))
        parts += [Text(paragraph + "\n") for paragraph in section.paragraphs]
        for table in section.tables:
            grid = Table(expand=True, title=table.title, title_justify="left")
            for i, column in enumerate(table.header):
                grid.add_column(column, justify="right" if i in table.numeric else "left")
            for row in table.rows:
                grid.add_row(*(Text(cell) for cell in row))
            if not table.rows:
                grid.add_row(*(Text("—", "dim") for _ in table.header))
            parts.append(grid)
    parts += [Text(note, "dim italic") for note in draft.notes]
    return Group(*parts)


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


def render_head(head: Head) -> Text:
    """The trail's head, for a methods appendix: quoted there, it anchors the trail."""
    line = Text("Audit trail head ", "bold")
    line.append(str(head))
    line.append(
        f"\nQuote it in the methods appendix: 'coder audit verify --head {head}' then shows the "
        "trail was neither cut nor extended since.",
        "dim",
    )
    return line


def render_quality(findings: list[Finding], head: Head | None = None) -> Group:
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
    if head is None:
        return Group(summary, table)
    return Group(summary, table, render_head(head))


def write_export(ws: Workspace, fmt: str, path: Path, kind: str = "themes") -> str | None:
    """Write the theme table (or the methods draft, or the record flow) to ``path``; None
    when written, else why not (one line). Exports into memory first, so a failed export
    never leaves half a file."""
    if path.is_dir():
        return f"{path} is a folder: give a file name such as {default_path(fmt, kind).name}"
    if not path.parent.is_dir():
        return f"cannot write {path}: folder {path.parent} does not exist"
    writer = {
        "themes": exports.export_themes,
        "methods": exports.export_methods,
        "flow": exports.export_flow,
    }[kind]
    try:
        buffer = io.BytesIO()
        writer(ws, fmt, buffer)
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
        Key("m", "show_methods", "Methods", "report.methods",
            "The methods draft and appendix, drawn from the audit trail"),
    )  # fmt: skip

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(ws, id=id, classes=classes)
        self.format = exports.THEME_FORMATS[0]
        self.last_written: Path | None = None
        self.findings: list[Finding] = []
        self.table: ThemeTable | None = None
        self.methods: MethodsDraft | None = None
        self.kind = "themes"  # what the export bar writes: the theme table or the methods

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="tab-table"):
            with TabPane("Theme table", id="tab-table"), VerticalScroll(id="preview-scroll"):
                yield Static(Text("Building the theme table …", "dim"), id="preview")
            with TabPane("Quality check", id="tab-quality"), VerticalScroll(id="quality-scroll"):
                yield Static(Text("Computing the quality check …", "dim"), id="quality")
            with TabPane("Methods", id="tab-methods"), VerticalScroll(id="methods-scroll"):
                yield Static(Text("Drafting the methods …", "dim"), id="methods")
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
            "e: export   f: format   /: edit path   v: table / quality check   m: methods",
            classes="status-line",
            id="export-result",
        )

    def on_mount(self) -> None:
        self.refresh_data()

    def focus_target(self) -> Widget:
        """What the shell focuses when it opens this phase: the visible tab's content,
        so e/f/v work at once."""
        return self.query_one(_SCROLLS[self.query_one(TabbedContent).active], VerticalScroll)

    def read_data(self) -> ThemeTable:
        """The theme table exactly as the exporters will write it."""
        return exports.theme_table(self.ws)

    def show_data(self, table: ThemeTable) -> None:
        self.table = table
        self.query_one("#preview", Static).update(render_preview(table))
        self._compute_quality()
        self._compute_methods()

    def _compute_methods(self) -> None:
        """The methods draft reads the whole trail: a thread, as the checklist does."""
        ws = self.ws
        read_then_show(
            self, lambda: build_draft(methods_facts(ws)), self._show_methods, group="methods"
        )

    def _show_methods(self, draft: MethodsDraft) -> None:
        self.methods = draft
        self.query_one("#methods", Static).update(render_methods(draft))

    def _compute_quality(self) -> None:
        """The checklist reads the whole trail and every document's coverage: a thread."""
        ws = self.ws
        read_then_show(
            self,
            lambda: (quality_check(ws), history.head(ws)),
            lambda found: self._show_quality(*found),
            group="quality",
        )

    def _show_quality(self, findings: list[Finding], head: Head | None = None) -> None:
        self.findings = findings
        self.query_one("#quality", Static).update(render_quality(findings, head))

    # ---- export ---------------------------------------------------------------------

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "export-format" and isinstance(event.value, str):
            self._set_format(event.value)

    def _set_format(self, fmt: str) -> None:
        """Switch format; a path still ending in the old format's extension follows."""
        path_input = self.query_one("#export-path", Input)
        old_suffix = "." + extension(self.format)
        path = Path(path_input.value.strip() or default_path(fmt, self.kind))
        if path.suffix == old_suffix or not path.suffix:
            path_input.value = str(path.with_suffix("." + extension(fmt)))
        self.format = fmt
        select = self.query_one("#export-format", Select)
        if select.value != fmt:
            select.value = fmt

    def _set_kind(self, kind: str) -> None:
        """The export bar follows the tab: the methods tab writes the methods draft, the
        others the theme table; the format list and a default path follow too."""
        if kind == self.kind:
            return
        path_input = self.query_one("#export-path", Input)
        was_default = path_input.value.strip() == str(default_path(self.format, self.kind))
        self.kind = kind
        formats = exports.KINDS[kind]
        self.format = formats[0]
        select = self.query_one("#export-format", Select)
        select.set_options([(f, f) for f in formats])
        select.value = self.format
        if was_default:
            path_input.value = str(default_path(self.format, kind))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._set_kind("methods" if event.pane.id == "tab-methods" else "themes")

    def action_show_methods(self) -> None:
        active = self.query_one(TabbedContent).active
        self._show_tab("tab-table" if active == "tab-methods" else "tab-methods")

    def action_next_format(self) -> None:
        formats = list(exports.KINDS[self.kind])
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
        self._set_kind("methods" if tab == "tab-methods" else "themes")
        self.query_one(_SCROLLS[tab], VerticalScroll).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "export-path":
            self.action_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export-button":
            self.action_export()

    def action_export(self, fmt: str | None = None) -> None:
        if fmt is not None and fmt not in exports.KINDS[self.kind]:
            self._show_tab("tab-table")  # the palette's theme-table exports
        if fmt is not None and fmt != self.format:
            self._set_format(fmt)
        raw = self.query_one("#export-path", Input).value.strip()
        path = Path(raw).expanduser() if raw else default_path(self.format, self.kind)
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.is_file() and path != self.last_written:
            # Never overwrite silently: last week's table may be the one the paper cites.
            self.app.push_screen(
                ConfirmDialog(f"{path} exists. Overwrite it?"),
                lambda yes: (
                    self._write_current(path)
                    if yes
                    else self._export_failed(f"kept {path}: nothing written (edit the path with /)")
                ),
            )
            return
        self._write_current(path)

    def _write_current(self, path: Path) -> None:
        """Write what the export bar shows (its format and kind) to ``path``."""
        self.query_one("#export-result", Label).update(Text(f"writing {path} …", "dim"))
        self._write(self.format, path, self.kind)

    def _write(self, fmt: str, path: Path, kind: str) -> None:
        ws = self.ws
        read_then_show(
            self,
            lambda: write_export(ws, fmt, path, kind),
            lambda problem: (
                self._exported(fmt, path, kind) if problem is None else self._export_failed(problem)
            ),
            group="export",
            on_error=lambda error: self._export_failed(str(error)),
        )

    def _exported(self, fmt: str, path: Path, kind: str = "themes") -> None:
        self.last_written = path
        what = {
            "themes": "the theme table",
            "methods": "the methods draft",
            "flow": "the record flow",
        }
        text = Text(f"wrote {what[kind]} ({fmt}) to ", "green")
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
        commands.append(
            ("report: methods draft", self._show_methods_tab, "The methods draft and appendix")
        )
        commands += [
            (
                f"report: export methods {fmt}",
                lambda fmt=fmt: self._write(
                    fmt, Path.cwd() / default_path(fmt, "methods"), "methods"
                ),
                f"Write the methods draft and appendix as {fmt}",
            )
            for fmt in exports.KINDS["methods"]
        ]
        commands += [
            (
                f"report: export record flow {fmt}",
                lambda fmt=fmt: self._write(fmt, Path.cwd() / default_path(fmt, "flow"), "flow"),
                f"Write the PRISMA-style record-flow diagram as {fmt}",
            )
            for fmt in exports.KINDS["flow"]
        ]
        return commands

    def _show_methods_tab(self) -> None:
        self._show_tab("tab-methods")

    def _show_check_tab(self) -> None:
        self._show_tab("tab-quality")
