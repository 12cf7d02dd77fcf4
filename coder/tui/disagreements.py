"""The disagreement queue: two coders' differing segments, one at a time, to discuss.

Each step shows a reading unit where coder A and coder B applied different codes: the
unit highlighted in its abstract (shown literally, never as markup), both coders' codes
with the disputed ones marked, the consensus so far, and the memos written about it. One
key records the consensus (A's codes, B's, both, or only what they agree on) for a
consensus coder through the coding service, so every decision is audited; another writes
a discussion memo on the document. The figures at the top are recounted after each
decision, in a thread worker, and lead with the reminder that in reflexive TA they serve
the conversation, not a verdict.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from coder.services import views
from coder.services.agreement import (
    DEFAULT_CONSENSUS,
    Queue,
    QueueItem,
    UnitDetail,
    disagreement_queue,
    resolve,
    unit_detail,
)
from coder.services.notes import add_memo
from coder.services.workspace import Workspace
from coder.tui.messages import DataChanged
from coder.tui.widgets.dialogs import ChoiceScreen, TextScreen
from coder.tui.widgets.errors import USER_ERRORS, attempt, show_error
from coder.tui.widgets.footer import KeyFooter
from coder.tui.widgets.text import literal, one_line
from coder.tui.workers import read_then_show, report_failure, write_then_show

HIGHLIGHT = "bold reverse"
REMINDER = (
    "Reflexive TA: these figures open a discussion between coders; they are not a quality score."
)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def stats_text(queue: Queue) -> Text:
    """The header: pooled agreement with its counts, and how far the consensus has got."""
    pooled = queue.report.pooled
    kappa = pooled.kappa
    text = Text(end="")
    text.append_text(one_line(f"{queue.coder_a} vs {queue.coder_b}", style="bold"))
    text.append(
        f" · {queue.report.n_units} segments × {len(queue.report.per_code)} codes"
        f" · agreement {_fmt(pooled.percent.value, 1)}%"
        f" ({pooled.percent.n_agree}/{pooled.percent.n_units})"
        f" · Cohen's kappa {_fmt(kappa.value if kappa else None)}"
        f" · Krippendorff's alpha {_fmt(pooled.alpha.value)}\n"
    )
    with_a, with_b = queue.sides()
    text.append(
        f"resolved {queue.resolved} of {len(queue.items)} disagreeing segments"
        f" for {queue.consensus}: took {queue.coder_a}'s codes on {with_a},"
        f" {queue.coder_b}'s on {with_b}\n"
    )
    text.append(REMINDER, style="dim italic")
    return text


def codes_text(label: str, codes: tuple[str, ...], disputed: set[str]) -> Text:
    """One coder's codes on the unit; the ones the other coder did not apply are marked."""
    text = Text(end="")
    text.append_text(one_line(label, style="bold"))
    text.append("\n")
    if not codes:
        text.append("  (no code)", style="dim")
    for code in codes:
        mark = "≠ " if code in disputed else "= "
        text.append(f"  {mark}", style="bold" if code in disputed else "dim")
        text.append_text(one_line(code))
        text.append("\n")
    return text


def unit_text(detail: UnitDetail) -> Text:
    """The whole abstract, literally, with the unit highlighted."""
    text = literal(detail.text)
    text.stylize(HIGHLIGHT, detail.start, detail.end)
    return text


def memos_text(detail: UnitDetail) -> Text:
    text = Text(end="")
    text.append("Memos\n", style="bold")
    if not detail.memos:
        text.append("  (none)", style="dim")
    for coder, kind, body in detail.memos:
        text.append_text(one_line(f"{coder} · {kind}", style="dim"))
        text.append(": ", style="dim")
        text.append_text(literal(body))
        text.append("\n")
    return text


class DisagreementScreen(Screen[None]):
    """Step through A's and B's disagreements and record a consensus."""

    DEFAULT_CSS = """
    DisagreementScreen #dq-stats { height: auto; background: $panel; padding: 0 1; }
    DisagreementScreen #dq-position { height: 1; padding: 0 1; text-style: bold; }
    DisagreementScreen #dq-body { height: 1fr; }
    DisagreementScreen #dq-text-scroll { width: 3fr; border: solid $primary; padding: 0 1; }
    DisagreementScreen #dq-side { width: 2fr; padding: 0 1; }
    DisagreementScreen #dq-side > Static { margin-bottom: 1; }
    """

    BINDINGS = [
        Binding("a", "accept('a')", "Accept A", id="agreement.accept_a", tooltip="The consensus takes coder A's codes on this segment"),
        Binding("b", "accept('b')", "Accept B", id="agreement.accept_b", tooltip="The consensus takes coder B's codes on this segment"),
        Binding("u", "accept('both')", "Both", id="agreement.accept_both", tooltip="The consensus takes every code either coder applied here"),
        Binding("n", "accept('neither')", "Neither", id="agreement.accept_neither", tooltip="The consensus keeps only the codes both coders applied here"),
        Binding("m", "memo", "Memo", id="agreement.memo", tooltip="Write a discussion memo on this segment's document"),
        Binding("right,j", "step(1)", "Next", id="agreement.next", tooltip="Next disagreement"),
        Binding("left,k", "step(-1)", "Previous", id="agreement.previous", tooltip="Previous disagreement"),
        Binding("escape", "close", "Close", id="agreement.close", tooltip="Close the disagreement queue"),
    ]  # fmt: skip

    def __init__(
        self,
        ws: Workspace,
        coder_a: str | None = None,
        coder_b: str | None = None,
        consensus: str = DEFAULT_CONSENSUS,
    ) -> None:
        super().__init__()
        self.ws = ws
        self.coder_a, self.coder_b = coder_a, coder_b
        self.consensus = consensus
        self.queue: Queue | None = None
        self.index = 0
        self.deciding = False  # a decision is on its way to the store
        self.detail: UnitDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(""), id="dq-stats")
        yield Static(Text(""), id="dq-position")
        with Horizontal(id="dq-body"):
            # Not focusable: the arrows step through the queue; the unit is scrolled into
            # view, and the wheel still scrolls a long abstract.
            with VerticalScroll(id="dq-text-scroll", can_focus=False):
                yield Static(Text(""), id="dq-text")
            with Vertical(id="dq-side"):
                yield Static(Text(""), id="dq-a")
                yield Static(Text(""), id="dq-b")
                yield Static(Text(""), id="dq-consensus")
                yield Static(Text(""), id="dq-memos")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.coder_a and self.coder_b:
            self.load()
        else:
            self._ask_coders()

    # ---- choosing the coders -----------------------------------------------------

    def _candidates(self) -> list[str]:
        """Everyone who could be A or B: the coders of the database, but the consensus."""
        names = views.coder_names(self.ws)
        return [n for n in names if n != self.consensus]

    def _ask_coders(self) -> None:
        try:
            names = self._candidates()
        except USER_ERRORS as error:
            show_error(self, error)
            self.dismiss()
            return
        if len(names) < 2:
            self.app.notify("the disagreement queue needs two coders", severity="warning")
            self.dismiss()
            return

        def chose_b(index: int | None, a: str, choices: list[str]) -> None:
            if index is None:
                self.dismiss()
                return
            self.coder_a, self.coder_b = a, choices[index]
            self.load()

        def chose_a(index: int | None) -> None:
            if index is None:
                self.dismiss()
                return
            a = names[index]
            rest = [n for n in names if n != a]
            self.app.push_screen(
                ChoiceScreen(f"Compare {a} with which coder (B)?", [Text(n) for n in rest]),
                lambda i: chose_b(i, a, rest),
            )

        self.app.push_screen(
            ChoiceScreen("Compare which coder (A)?", [Text(n) for n in names]), chose_a
        )

    # ---- loading -------------------------------------------------------------------

    def load(self, keep: int | None = None) -> None:
        """Count in a thread; then show the unit ``keep`` (a segment id) if it is still a
        disagreement, else the first open one."""
        self.query_one("#dq-stats", Static).update(Text("counting agreement..."))
        assert self.coder_a and self.coder_b
        ws, a, b, consensus = self.ws, self.coder_a, self.coder_b, self.consensus
        read_then_show(
            self,
            lambda: disagreement_queue(ws, a, b, consensus),
            lambda queue: self._show_queue(queue, keep),
            group="disagreements",
        )

    def _show_queue(self, queue: Queue, keep: int | None) -> None:
        if not self.is_attached:  # closed while the thread was counting
            return
        self.queue = queue
        items = queue.items
        ids = [i.segment_id for i in items]
        if keep in ids:
            self.index = ids.index(keep)
        else:
            open_items = [n for n, i in enumerate(items) if not i.resolved]
            self.index = open_items[0] if open_items else 0
        self.query_one("#dq-stats", Static).update(stats_text(queue))
        self.show_item()

    @property
    def item(self) -> QueueItem | None:
        if self.queue is None or not self.queue.items:
            return None
        return self.queue.items[self.index]

    def show_item(self) -> None:
        item, queue = self.item, self.queue
        position = self.query_one("#dq-position", Static)
        if queue is None:
            return
        if item is None:
            position.update(
                one_line(f"No disagreements between {queue.coder_a} and {queue.coder_b}.")
            )
            for name in ("#dq-text", "#dq-a", "#dq-b", "#dq-consensus", "#dq-memos"):
                self.query_one(name, Static).update(Text(""))
            return
        ok, detail = attempt(self, unit_detail, self.ws, item, (queue.coder_a, queue.coder_b))
        if not ok or detail is None:
            return
        self.detail = detail
        state = "resolved" if item.resolved else "open"
        where = f" ({detail.heading})" if detail.heading else ""
        position.update(
            one_line(
                f"Disagreement {self.index + 1} of {len(queue.items)} · {item.ref}{where} · {state}"
            )
        )
        disputed = set(item.disputed)
        self.query_one("#dq-text", Static).update(unit_text(detail))
        self.query_one("#dq-a", Static).update(
            codes_text(f"A: {queue.coder_a}", item.a_codes, disputed)
        )
        self.query_one("#dq-b", Static).update(
            codes_text(f"B: {queue.coder_b}", item.b_codes, disputed)
        )
        consensus = codes_text(f"{queue.consensus}", item.consensus, set())
        if not item.resolved:
            consensus = Text.assemble(
                one_line(queue.consensus, style="bold"), ("\n  (not decided yet)", "dim")
            )
        self.query_one("#dq-consensus", Static).update(consensus)
        self.query_one("#dq-memos", Static).update(memos_text(detail))
        self.call_after_refresh(self._scroll_to_unit)

    def _scroll_to_unit(self) -> None:
        """Bring the highlighted unit into view (an estimate by its place in the text)."""
        if self.detail is None or not self.detail.text:
            return
        scroll = self.query_one("#dq-text-scroll", VerticalScroll)
        share = self.detail.start / len(self.detail.text)
        scroll.scroll_to(y=max(0, int(scroll.virtual_size.height * share) - 2), animate=False)

    # ---- actions -------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        if self.queue is None or not self.queue.items:
            return
        self.index = (self.index + delta) % len(self.queue.items)
        self.show_item()

    def action_accept(self, choice: str) -> None:
        """Record the consensus (in the write worker), then show the next open
        disagreement. The counts at the top change here without a recount: a decision
        changes only the consensus. One decision at a time: a key pressed while the last
        one is still being saved is answered with a line, not a second decision."""
        item, queue = self.item, self.queue
        if item is None or queue is None:
            return
        if self.deciding:
            self.notify("still saving the last decision", severity="warning")
            return
        self.deciding = True
        index = self.index

        def decided(codes: tuple[str, ...]) -> None:
            self.deciding = False
            self.notify(
                f"{item.ref}: {self.consensus} takes {', '.join(codes) or 'no code'}", markup=False
            )
            both = set(item.a_codes) | set(item.b_codes)
            kept = tuple(c for c in item.consensus if c not in both)
            queue.items[index] = replace(item, consensus=kept + codes, resolved=True)
            self.query_one("#dq-stats", Static).update(stats_text(queue))
            later = [n for n in range(index + 1, len(queue.items)) if not queue.items[n].resolved]
            earlier = [n for n in range(index) if not queue.items[n].resolved]
            self.index = (later or earlier or [index])[0]
            self._data_changed()
            self.show_item()

        def failed(error: Exception) -> None:
            self.deciding = False
            report_failure(self, f"the decision on {item.ref}", error)
            self.load(keep=item.segment_id)  # a step may have been saved before the error

        coders = (queue.coder_a, queue.coder_b)
        decide = partial(resolve, self.ws, item, choice, coders, self.consensus)
        write_then_show(self, decide, decided, what=f"the decision on {item.ref}", on_fail=failed)

    def action_memo(self) -> None:
        item = self.item
        if item is None:
            return

        def save(text: str | None) -> None:
            if not text or not text.strip():
                return
            body = f"segment {item.ordinal}: {text.strip()}"
            ok, _ = attempt(self, add_memo, self.ws, body, "document", item.key, "discussion")
            if ok:
                self.notify(f"discussion memo on {item.key}", markup=False)
                self._data_changed()
                self.show_item()

        self.app.push_screen(TextScreen(f"Discussion memo on {item.ref}"), save)

    def action_close(self) -> None:
        self.dismiss()

    def _data_changed(self) -> None:
        """Tell the shell (when there is one) that the store changed under it."""
        self.app.post_message(DataChanged())
