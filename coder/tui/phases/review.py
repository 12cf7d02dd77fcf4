"""Phase 4, developing and reviewing themes: read every extract, then reshape.

Left, the live themes with their status and how much data they hold. Right, every coded
extract of the highlighted theme, grouped by code, one page at a time, with the whole
extract and its citation under the table. From here the reviewer marks extracts that do
not fit (x), merges (g), splits (p), moves codes between themes (v), discards (d),
merges two codes (c), sets the theme's status (s), and checks the theme against the
whole data set (k): uncoded units that resemble its extracts or keywords, from which a
hit can be coded with one of the theme's codes (a or enter).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from coder.core.matching import suggest_codes
from coder.core.model import Theme
from coder.services import codes as code_service
from coder.services import themes as theme_service
from coder.services import views
from coder.services.coding import apply_code
from coder.services.quality import MissedData, MissedHit, missed_data
from coder.services.views import ThemeStats
from coder.services.workspace import Workspace
from coder.tui.phases.base import Key, read_then_show
from coder.tui.phases.theme_panes import ThemePanesPhase, next_status
from coder.tui.widgets.extract_table import ExtractTable, clip, extract_detail, unit_label
from coder.tui.widgets.row_table import RowTable
from coder.tui.widgets.text import literal, one_line
from coder.tui.widgets.theme_dialogs import (
    ConfirmDialog,
    PickDialog,
    PromptDialog,
    rank_codes,
    rank_names,
)

MISSED_LIMIT = 25


class ReviewPhase(ThemePanesPhase):
    """Phase 4: each theme's extracts, misfit marks, reshaping and the data-set check."""

    PANES = "review"
    NUMBER = 4
    KEYS = (
        Key("x", "misfit", "Not fitting", "review.misfit", "Mark the extract as not fitting the theme",
            palette="review: mark extract as not fitting", palette_help="Toggle the misfit mark of the extract"),
        Key("s", "cycle_status", "Status", "review.status", "Candidate → reviewed → defined",
            palette="review: next theme status"),
        Key("g", "merge_themes", "Merge", "review.merge", "Merge this theme into another",
            palette="review: merge themes", palette_help="Merge the highlighted theme into another"),
        Key("p", "split_theme", "Split", "review.split", "Move some of its codes into a new theme",
            palette="review: split theme", palette_help="Move some codes of the theme into a new theme"),
        Key("v", "move_codes", "Move codes", "review.move", "Move some of its codes to another theme",
            palette="review: move codes", palette_help="Move codes from this theme to another"),
        Key("d", "discard", "Discard", "review.discard", "Discard the theme; its codes return to the pile",
            palette="review: discard theme"),
        Key("c", "merge_codes", "Merge codes", "review.merge_codes", "Merge one code into another",
            palette="review: merge codes"),
        Key("w", "toggle_pane", "One pane", "review.one_pane", "Hide or show the theme list (one wide pane on a small terminal)",
            show=False, palette="review: one pane", palette_help="Hide or show the theme list"),
        Key("o", "cycle_coder", "Coder", "review.coder", "Show one coder's extracts, then the next, then all",
            show=False, palette="review: filter extracts by coder", palette_help="One coder's extracts, or all coders'"),
        Key("k", "check", "Check data", "review.check", "Find uncoded units resembling this theme",
            palette="review: check against the data set", palette_help="Uncoded units resembling the theme"),
        Key("a", "apply_hit", "Code hit", "review.apply", "Apply one of the theme's codes to the hit"),
        Key("right_square_bracket", "page(1)", "Next page", "review.next_page", "Next page of extracts"),
        Key("left_square_bracket", "page(-1)", "Prev page", "review.prev_page", "Previous page of extracts"),
    )  # fmt: skip

    def __init__(self, ws: Workspace, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(ws, id=id, classes=classes)
        self.themes: list[Theme] = []
        self.stats: dict[int, ThemeStats] = {}
        self.theme_name: str | None = None
        self.hits: list[MissedHit] = []
        self.hits_theme: str | None = None
        self.scan: MissedData | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="review-body"):
            with Vertical(id="review-themes-pane"):
                yield Label("Themes", classes="pane-title")
                yield RowTable(id="review-themes", cursor_type="row", zebra_stripes=True)
            with Vertical(id="review-extracts-pane"):
                yield Label("Extracts", classes="pane-title", id="review-extracts-title")
                yield ExtractTable(self.ws, id="review-extracts")
                yield Static(classes="detail", id="review-detail")
                with Vertical(id="missed-pane"):
                    yield Label(
                        "Check against the data set", classes="pane-title", id="missed-title"
                    )
                    yield DataTable(id="missed", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        themes = self.query_one("#review-themes", RowTable)
        # Counts size their own columns (None): 16084 extracts must never show as 1608.
        for label, width in (
            ("theme", 24),
            ("status", 9),
            ("ext.", None),
            ("docs", None),
            ("✗", 2),
        ):
            themes.add_column(label, width=width)
        themes.grow(0)  # whole theme names where the pane is wide
        missed = self.query_one("#missed", DataTable)
        for label, width in (
            ("score", 5),
            ("unit", 18),
            ("section", 12),
            ("text", None),
            ("like", 24),
            ("coded", 5),
        ):
            missed.add_column(label, width=width)
        self.refresh_data()
        self.query_one("#review-themes", DataTable).focus()

    # ---- loading --------------------------------------------------------------------

    def focus_target(self) -> Widget:
        """What the shell focuses when it opens this phase."""
        return self.query_one("#review-themes", DataTable)

    def read_data(self) -> tuple[list[Theme], dict[int, ThemeStats]]:
        return views.themes_with_stats(self.ws)

    def show_data(self, data: tuple[list[Theme], dict[int, ThemeStats]]) -> None:
        self.themes, self.stats = data
        names = [t.name for t in self.themes]
        if self.theme_name not in names:
            table = self.query_one("#review-themes", DataTable)
            row = min(table.cursor_row, len(names) - 1) if names else -1
            self.theme_name = names[row] if row >= 0 else None
        self._fill_themes()
        extracts = self.query_one("#review-extracts", ExtractTable)
        same = extracts.theme_id == (self.theme.id if self.theme else None)
        self._show_extracts(page=extracts.page if same else 0, keep_cursor=same)

    def _fill_themes(self) -> None:
        table = self.query_one("#review-themes", DataTable)
        table.clear()
        depth = {t.name: 0 for t in self.themes}
        parents = {t.name: t.parent for t in self.themes}
        for t in self.themes:
            cursor, seen = t.parent, {t.name}
            while cursor and cursor in parents and cursor not in seen:
                seen.add(cursor)
                depth[t.name] += 1
                cursor = parents[cursor]
        for t in self.themes:
            s = self.stats.get(t.id or -1) or ThemeStats()
            name = Text("  " * depth[t.name])
            name.append_text(one_line(t.name))
            table.add_row(
                name,
                Text(t.status.value, _status_style(t.status.value)),
                Text(str(s.extracts), justify="right"),
                Text(str(s.documents), justify="right"),
                Text(str(s.misfits or ""), justify="right"),
                key=t.name,
            )
        names = [t.name for t in self.themes]
        if self.theme_name in names:
            table.move_cursor(row=names.index(self.theme_name), animate=False)

    def _show_extracts(self, page: int = 0, keep_cursor: bool = False) -> None:
        extracts = self.query_one("#review-extracts", ExtractTable)
        theme = self.theme
        extracts.show_theme(theme.id if theme else None, page, keep_cursor=keep_cursor)
        title = self.query_one("#review-extracts-title", Label)
        if theme is None:
            title.update("Extracts: no theme yet (create candidate themes in phase 3)")
        else:
            label = one_line(theme.name, "bold")
            label.append(f" — {extracts.position()}  ([ ] pages)")
            title.update(label)
        self._show_detail()

    def _show_detail(self) -> None:
        extracts = self.query_one("#review-extracts", ExtractTable)
        coding = extracts.current()
        detail = self.query_one("#review-detail", Static)
        if coding is None:
            detail.update(Text("No coded extract in this theme yet.", "dim"))
            return
        marks = []
        if extracts.is_marked(extracts.misfits):
            marks.append("✗ does not fit")
        if extracts.is_marked(extracts.exemplars):
            marks.append("★ exemplar")
        detail.update(extract_detail(coding, ", ".join(marks), extracts.current_extract()))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table_id = event.data_table.id
        if event.cursor_row != event.data_table.cursor_row:
            return  # a stale event from refilling the table: the cursor has moved on
        if table_id == "review-themes":
            key = event.row_key.value if event.row_key is not None else None
            if key is not None and key != self.theme_name:
                self.theme_name = key
                self._hide_missed()
                self._show_extracts()
        elif table_id == "review-extracts":
            self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "missed":
            self.action_apply_hit()

    # ---- marks and status -----------------------------------------------------------

    def _need_theme(self) -> Theme | None:
        theme = self.theme
        if theme is None:
            self.app.notify("No theme highlighted.", severity="warning")
        return theme

    def action_misfit(self) -> None:
        theme = self._need_theme()
        table = self.query_one("#review-extracts", ExtractTable)
        coding = table.current()
        if theme is None:
            return
        if coding is None:
            self.app.notify("Highlight an extract first.", severity="warning")
            return
        target = table.target_id(table.misfits)

        def marked(now: bool) -> None:
            what = "marked as not fitting" if now else "fits again"
            self.app.notify(f"{unit_label(coding)}: {what} {theme.name}", markup=False)

        self.write(theme_service.toggle_misfit, theme.name, target, then=marked)

    def action_cycle_status(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return
        status = next_status(theme)
        self.write(
            theme_service.set_theme_status, theme.name, status, done=f"{theme.name}: {status}"
        )

    # ---- reshaping ------------------------------------------------------------------

    def _other_themes(self, theme: Theme) -> list[str]:
        return [t.name for t in self.themes if t.name != theme.name]

    def action_merge_themes(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return
        others = self._other_themes(theme)
        if not others:
            self.app.notify("There is no other theme to merge into.", severity="warning")
            return

        def chosen(result: list[str] | None) -> None:
            if result:
                target = result[0]
                self.theme_name = target  # the reload after the merge highlights it

                def merged(_result: object) -> None:
                    self._hide_missed()
                    self.app.notify(f"{theme.name} merged into {target}", markup=False)

                def kept() -> None:
                    self.theme_name = theme.name

                self.write(theme_service.merge_themes, theme.name, target, then=merged, failed=kept)

        self.app.push_screen(
            PickDialog(f"Merge {theme.name} into which theme?", others, rank_names(others)), chosen
        )

    def action_split_theme(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return
        if not theme.codes:
            self.app.notify("This theme has no codes to split off.", severity="warning")
            return

        def named(codes: list[str], name: str | None) -> None:
            if name:
                done = f"{len(codes)} code(s) split from {theme.name} into {name}"
                self.write(theme_service.split_theme, theme.name, codes, name, done=done)

        def picked(codes: list[str] | None) -> None:
            if codes:
                prompt = PromptDialog(
                    f"Name the new theme for {', '.join(codes)}", placeholder="new theme name"
                )
                self.app.push_screen(prompt, lambda name: named(codes, name))

        title = f"Which codes of {theme.name} go into the new theme? (tab marks)"
        self.app.push_screen(
            PickDialog(title, theme.codes, rank_names(theme.codes), multi=True), picked
        )

    def action_move_codes(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return
        others = self._other_themes(theme)
        if not theme.codes or not others:
            self.app.notify(
                "Moving needs codes in this theme and another theme.", severity="warning"
            )
            return

        def target_chosen(codes: list[str], result: list[str] | None) -> None:
            if result:
                target = result[0]
                done = f"{len(codes)} code(s) moved from {theme.name} to {target}"
                self.write(theme_service.move_codes, codes, theme.name, target, done=done)

        def picked(codes: list[str] | None) -> None:
            if codes:
                dialog = PickDialog(
                    f"Move {', '.join(codes)} to which theme?", others, rank_names(others)
                )
                self.app.push_screen(dialog, lambda result: target_chosen(codes, result))

        title = f"Which codes of {theme.name} move? (tab marks)"
        self.app.push_screen(
            PickDialog(title, theme.codes, rank_names(theme.codes), multi=True), picked
        )

    def action_discard(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                done = f"{theme.name} discarded; its codes are back on the pile unless another theme holds them"
                self.write(theme_service.discard_theme, theme.name, done=done)

        question = f"Discard the theme {theme.name!r}? Its {len(theme.codes)} code(s) leave it (undo brings it back)."
        self.app.push_screen(ConfirmDialog(question), confirmed)

    def action_merge_codes(self) -> None:
        theme = self.theme
        codes = views.codes(self.ws)
        names = [c.name for c in codes]
        if len(names) < 2:
            self.app.notify(
                "No codes to merge: merging needs two active codes"
                + (f" (there is only {names[0]!r})." if names else " (the codebook is empty)."),
                severity="warning",
                markup=False,
            )
            return
        current = self.query_one("#review-extracts", ExtractTable).current()
        first = ([current.code] if current and current.code in names else []) + (
            theme.codes if theme else []
        )
        ordered = list(dict.fromkeys([*first, *names]))

        def target_chosen(source: str, result: list[str] | None) -> None:
            if result:
                target = result[0]

                def merged(moved: int) -> None:
                    self.app.notify(
                        f"{source} merged into {target}: {moved} coding(s) moved", markup=False
                    )

                self.write(code_service.merge_codes, source, target, then=merged)

        def source_chosen(result: list[str] | None) -> None:
            if result:
                source = result[0]
                targets = [n for n in ordered if n != source]
                dialog = PickDialog(f"Merge {source} into which code?", targets, rank_codes(codes))
                self.app.push_screen(dialog, lambda r: target_chosen(source, r))

        self.app.push_screen(
            PickDialog("Merge which code?", ordered, rank_codes(codes)), source_chosen
        )

    # ---- the check against the data set ---------------------------------------------

    def action_check(self) -> None:
        theme = self._need_theme()
        if theme is None:
            return
        if not theme.codes:
            self.app.notify(
                "This theme has no codes yet: nothing to compare with.", severity="warning"
            )
            return
        self.hits, self.hits_theme, self.scan = [], theme.name, None
        pane = self.query_one("#missed-pane")
        pane.add_class("shown")
        self.query_one("#missed", DataTable).clear()
        title = Text("Checking the data set for units resembling ")
        title.append_text(one_line(theme.name, "bold"))
        title.append(" …")
        self.query_one("#missed-title", Label).update(title)
        ws, name = self.ws, theme.name
        read_then_show(
            self,
            lambda: missed_data(ws, name, limit=MISSED_LIMIT),
            lambda found: self._found(name, found),
            group="review-check",
        )

    def _found(self, theme: str, found: MissedData) -> None:
        if theme != self.hits_theme:
            return  # the reviewer moved to another theme meanwhile
        self.scan = found
        self._show_hits(theme, found.hits)
        if found.hits:
            self.query_one("#missed", DataTable).focus()

    def _show_hits(self, theme: str, hits: list[MissedHit]) -> None:
        self.hits = hits
        table = self.query_one("#missed", DataTable)
        table.clear()
        for hit in hits:
            table.add_row(
                Text(f"{hit.score:.0f}", justify="right"),
                Text(str(hit.ref)),
                one_line(hit.heading or ""),
                clip(one_line(hit.text), 80),
                clip(one_line(hit.cue, "italic"), 24),
                Text("yes" if hit.coded else "no", "dim" if hit.coded else "bold"),
            )
        title = Text(f"{len(hits)} unit(s) outside ")
        title.append_text(one_line(theme, "bold"))
        title.append(
            " resemble it" if hits else " resemble it: the coding seems to have caught its data"
        )
        if self.scan is not None:
            scope = "all" if self.scan.complete else "the first"
            title.append(f" ({scope} {self.scan.scanned} units scanned)", "dim")
        if hits:
            title.append("  a / enter: code the hit")
        self.query_one("#missed-title", Label).update(title)

    def _hide_missed(self) -> None:
        self.hits, self.hits_theme = [], None
        self.query_one("#missed-pane").remove_class("shown")

    def action_apply_hit(self) -> None:
        table = self.query_one("#missed", DataTable)
        if not self.hits or self.hits_theme is None:
            self.app.notify(
                "Press k to check the theme against the data set first.", severity="warning"
            )
            return
        row = table.cursor_row
        if not 0 <= row < len(self.hits):
            return
        hit = self.hits[row]
        theme = next((t for t in self.themes if t.name == self.hits_theme), None)
        if theme is None or not theme.codes:
            return
        codes = [c for c in views.codes(self.ws) if c.name in theme.codes]
        ranked = [
            c.name for c, _score in suggest_codes(hit.text, codes, limit=len(codes), cutoff=0)
        ]
        choices = list(dict.fromkeys([*ranked, *(c.name for c in codes)]))
        if not choices:
            self.app.notify(
                "The theme's codes are retired or merged: none can be applied.", severity="warning"
            )
            return

        def chosen(result: list[str] | None) -> None:
            if not result:
                return
            code = result[0]

            def applied(added: bool) -> None:
                if hit in self.hits:
                    self.hits.remove(hit)
                self._show_hits(theme.name, self.hits)
                self.app.notify(
                    f"{code} applied to {hit.ref}" if added else f"{hit.ref} already had {code}",
                    markup=False,
                )

            self.write(apply_code, hit.ref, code, then=applied)

        if len(choices) == 1:
            chosen(choices)
            return
        preview = literal(hit.text)
        title = f"Apply which code of {theme.name} to {hit.ref}? “{clip(preview, 60).plain}”"
        self.app.push_screen(PickDialog(title, choices, rank_codes(codes)), chosen)


def _status_style(status: str) -> str:
    return {"candidate": "yellow", "reviewed": "cyan", "defined": "green"}.get(status, "")
