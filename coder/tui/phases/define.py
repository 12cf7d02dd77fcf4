"""Phase 5, refining, defining and naming themes.

For each theme: its name (r renames), its definition (the central organising concept)
and its scope and boundaries, written in two text areas and saved through the themes
service (ctrl+s, or on leaving a field or the theme), its exemplar extracts chosen from
its coded data (e marks one), and its place in the report (ctrl+up / ctrl+down).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.events import DescendantBlur
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static, TextArea

from coder.core.model import Theme
from coder.services import themes as theme_service
from coder.services import views
from coder.services.workspace import Workspace
from coder.tui.phases.base import FAILED, Key
from coder.tui.phases.theme_panes import ThemePanesPhase, next_status
from coder.tui.widgets.extract_table import ExtractTable, extract_detail, unit_label
from coder.tui.widgets.row_table import RowTable
from coder.tui.widgets.text import one_line
from coder.tui.widgets.theme_dialogs import PromptDialog


class DefinePhase(ThemePanesPhase):
    """Phase 5: name, definition, scope, exemplars and report order of each theme."""

    PANES = "define"
    NUMBER = 5
    KEYS = (
        Key("ctrl+s", "save", "Save", "define.save", "Save the definition and scope",
            palette="define: save definition", palette_help="Save the theme's definition and scope"),
        Key("r", "rename", "Rename", "define.rename", "Rename the theme",
            palette="define: rename theme", palette_help="Give the theme a new name"),
        Key("e", "exemplar", "Exemplar", "define.exemplar", "Mark or unmark the extract as an exemplar",
            palette="define: toggle exemplar", palette_help="Mark the extract as an exemplar"),
        Key("ctrl+up,less_than_sign", "reorder(-1)", "Move up", "define.move_up", "Move the theme up in the report",
            palette="define: move theme up", palette_help="Earlier in the report"),
        Key("ctrl+down,greater_than_sign", "reorder(1)", "Move down", "define.move_down",
            "Move the theme down in the report", palette="define: move theme down", palette_help="Later in the report"),
        Key("w", "toggle_pane", "One pane", "define.one_pane", "Hide or show the theme list (one wide pane on a small terminal)",
            show=False, palette="define: one pane", palette_help="Hide or show the theme list"),
        Key("o", "cycle_coder", "Coder", "define.coder", "Show one coder's extracts, then the next, then all",
            show=False, palette="define: filter extracts by coder", palette_help="One coder's extracts, or all coders'"),
        Key("s", "cycle_status", "Status", "define.status", "Candidate → reviewed → defined",
            palette="define: next theme status"),
        Key("right_square_bracket", "page(1)", "Next page", "define.next_page", "Next page of extracts"),
        Key("left_square_bracket", "page(-1)", "Prev page", "define.prev_page", "Previous page of extracts"),
    )  # fmt: skip

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(ws, id=id, classes=classes)
        self.themes: list[Theme] = []
        self.exemplar_counts: dict[int, int] = {}
        self.theme_name: str | None = None
        self.loaded: tuple[str, str] = ("", "")  # definition and scope as last read or saved

    def compose(self) -> ComposeResult:
        with Horizontal(id="define-body"):
            with Vertical(id="define-themes-pane"):
                yield Label("Themes in report order", classes="pane-title")
                yield RowTable(id="define-themes", cursor_type="row", zebra_stripes=True)
            with Vertical(id="define-form"):
                yield Label("", id="theme-name")
                yield Label(
                    "Definition: the theme's central organising concept", classes="pane-title"
                )
                yield TextArea(id="definition", soft_wrap=True)
                yield Label("Scope and boundaries: what the theme is not", classes="pane-title")
                yield TextArea(id="scope", soft_wrap=True)
                yield Label("Extracts", classes="pane-title", id="define-extracts-title")
                yield ExtractTable(self.ws, id="define-extracts")
                yield Static(classes="detail", id="define-detail")

    def on_mount(self) -> None:
        table = self.query_one("#define-themes", RowTable)
        for label, width in (("#", 3), ("theme", 30), ("status", 9), ("★", 3)):
            table.add_column(label, width=width)
        table.grow(1)  # whole theme names where the pane is wide
        self.refresh_data()
        table.focus()

    # ---- loading --------------------------------------------------------------------

    def focus_target(self) -> Widget:
        """What the shell focuses when it opens this phase."""
        return self.query_one("#define-themes", DataTable)

    def save_pending(self) -> None:
        """The shell calls this on quit: a definition being typed is saved, not lost."""
        self.save()

    def read_data(self) -> tuple[list[Theme], dict[int, int]]:
        return views.themes_with_exemplar_counts(self.ws)

    def show_data(self, data: tuple[list[Theme], dict[int, int]]) -> None:
        self.themes, self.exemplar_counts = data
        names = [t.name for t in self.themes]
        if self.theme_name not in names:
            table = self.query_one("#define-themes", DataTable)
            row = min(table.cursor_row, len(names) - 1) if names else -1
            self.theme_name = names[row] if row >= 0 else None
        self._fill_themes()
        self._load_form()
        extracts = self.query_one("#define-extracts", ExtractTable)
        same = self.theme is not None and extracts.theme_id == self.theme.id
        self._show_extracts(extracts.page if same else 0, keep_cursor=same)

    def _fill_themes(self) -> None:
        table = self.query_one("#define-themes", DataTable)
        table.clear()
        for position, t in enumerate(self.themes, start=1):
            name = Text("  " if t.parent else "")
            name.append_text(one_line(t.name))
            table.add_row(
                Text(str(position), justify="right"),
                name,
                Text(t.status.value),
                Text(str(self.exemplar_counts.get(t.id or -1, 0) or ""), justify="right"),
                key=t.name,
            )
        names = [t.name for t in self.themes]
        if self.theme_name in names:
            table.move_cursor(row=names.index(self.theme_name), animate=False)

    def _load_form(self) -> None:
        """Show the highlighted theme's name, definition and scope (unless the user is
        in the middle of editing this same theme)."""
        theme = self.theme
        title = self.query_one("#theme-name", Label)
        definition = self.query_one("#definition", TextArea)
        scope = self.query_one("#scope", TextArea)
        if theme is None:
            title.update("No themes yet: create candidate themes in phase 3.")
            self.loaded = ("", "")
            definition.load_text("")
            scope.load_text("")
            return
        label = one_line(theme.name, "bold")
        label.append(f"  ({theme.status.value}; r renames, ctrl+s saves)", "dim")
        title.update(label)
        if self.dirty:
            return
        self.loaded = (theme.definition, theme.scope)
        for area, text in ((definition, theme.definition), (scope, theme.scope)):
            if area.text.strip() != text.strip():  # reloading the same text would move the cursor
                area.load_text(text)

    @property
    def dirty(self) -> bool:
        return tuple(s.strip() for s in self._texts()) != tuple(s.strip() for s in self.loaded)

    def _show_extracts(self, page: int = 0, keep_cursor: bool = False) -> None:
        extracts = self.query_one("#define-extracts", ExtractTable)
        theme = self.theme
        extracts.show_theme(theme.id if theme else None, page, keep_cursor=keep_cursor)
        self.query_one("#define-extracts-title", Label).update(
            Text(f"Extracts — {extracts.position()}  (e: exemplar ★, [ ] pages)")
        )
        self._show_detail()

    def _show_detail(self) -> None:
        extracts = self.query_one("#define-extracts", ExtractTable)
        coding = extracts.current()
        detail = self.query_one("#define-detail", Static)
        if coding is None:
            detail.update(Text("No coded extract in this theme yet.", "dim"))
            return
        detail.update(
            extract_detail(
                coding,
                "★ exemplar" if extracts.is_marked(extracts.exemplars) else "",
                extracts.current_extract(),
            )
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row != event.data_table.cursor_row:
            return  # stale: the table was refilled and the cursor has moved on
        if event.data_table.id == "define-themes":
            key = event.row_key.value if event.row_key is not None else None
            if key is not None and key != self.theme_name:
                self._switch_to(key)
        elif event.data_table.id == "define-extracts":
            self._show_detail()

    def _switch_to(self, name: str) -> None:
        """Highlight another theme, saving what was typed for the previous one."""
        previous, dirty = self.theme, self.dirty
        texts = self._texts()
        self.theme_name = name
        self.loaded = ("", "")
        self.query_one("#definition", TextArea).load_text("")
        self.query_one("#scope", TextArea).load_text("")
        if previous is not None and dirty:
            self._save(previous, *texts)
        # Show the new theme at once from what was read last (only the previous theme
        # changed): the form is never left empty for typing while the reload runs.
        self._load_form()
        self._show_extracts()

    def _texts(self) -> tuple[str, str]:
        return self.query_one("#definition", TextArea).text, self.query_one("#scope", TextArea).text

    def on_descendant_blur(self, event: DescendantBlur) -> None:
        """Leaving a text area saves it: nothing typed is lost by moving on."""
        if isinstance(event.widget, TextArea):
            self.save()

    # ---- writes ---------------------------------------------------------------------

    def save(self) -> bool:
        """Save the definition and scope if they changed; True if saved or unchanged."""
        theme = self.theme
        if theme is None or not self.dirty:
            return True
        return self._save(theme, *self._texts())

    def _save(self, theme: Theme, definition: str, scope: str) -> bool:
        if theme.name == self.theme_name:
            self.loaded = (definition, scope)  # what the store will hold, so the reload keeps it
        result = self.service(
            theme_service.define_theme, theme.name, definition=definition, scope=scope
        )
        if result is FAILED:
            if theme.name == self.theme_name:
                self.loaded = (theme.definition, theme.scope)
            return False
        return True

    def action_save(self) -> None:
        if self.theme is None:
            return
        if not self.dirty:
            self.app.notify("Nothing to save.")
        elif self.save():
            self.app.notify(f"saved the definition and scope of {self.theme_name}", markup=False)

    def action_rename(self) -> None:
        theme = self.theme
        if theme is None:
            return
        self.save()

        def named(name: str | None) -> None:
            if not name or name == theme.name:
                return
            self.theme_name = name  # so the reload after the rename keeps it highlighted

            def kept() -> None:
                self.theme_name = theme.name

            self.write(theme_service.rename_theme, theme.name, name, failed=kept)

        self.app.push_screen(PromptDialog(f"Rename {theme.name}", value=theme.name), named)

    def action_exemplar(self) -> None:
        theme = self.theme
        table = self.query_one("#define-extracts", ExtractTable)
        coding = table.current()
        if theme is None or coding is None:
            self.app.notify("Highlight an extract of the theme first.", severity="warning")
            return
        target = table.target_id(table.exemplars)

        def marked(now: bool) -> None:
            what = "is now an exemplar of" if now else "is no longer an exemplar of"
            self.app.notify(f"{unit_label(coding)}: {what} {theme.name}", markup=False)

        self.write(theme_service.toggle_exemplar, theme.name, target, then=marked)

    def action_reorder(self, delta: int) -> None:
        theme = self.theme
        if theme is None:
            return
        self.save()
        self.write(theme_service.reorder_theme, theme.name, delta)

    def action_cycle_status(self) -> None:
        theme = self.theme
        if theme is None:
            return
        status = next_status(theme)
        self.write(
            theme_service.set_theme_status, theme.name, status, done=f"{theme.name}: {status}"
        )
