"""The footer: the keys that matter first, as many as fit, and ``?`` for the rest.

Textual's own footer lists every shown binding in the order of the focus chain and cuts
the line at the terminal's edge, so on an 80-column terminal the keys a researcher needs
most (phase 2's memo) fell off the end. This one orders the keys by their rank (``Key.rank``
of a phase, ``FOOTER_RANKS`` of any other node that declares them; lower first, then the
order they are declared in), shows only whole keys that fit, and always ends with the help
key, which lists every key of the screen. It is re-laid out when the terminal is resized.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

DEFAULT_RANK = 5
HELP_ACTION = "help"
PALETTE_WIDTH = 14  # " ^p Palette " with its border and padding, docked on the right


@dataclass
class Shown:
    """One action in the footer: its binding, every key bound to it, its rank."""

    binding: Binding
    keys: list[str]
    enabled: bool
    tooltip: str
    rank: int
    order: int


def rank_of(node: DOMNode, binding: Binding) -> int:
    """A binding's footer rank, from the node that declares it (phases: from ``KEYS``)."""
    ranks: dict[str, int] = getattr(node, "FOOTER_RANKS", {})
    return ranks.get(binding.id or "", DEFAULT_RANK)


def key_width(display: str, description: str) -> int:
    """Cells a FooterKey takes: padded key, description and its trailing space."""
    return cell_len(display) + cell_len(description) + 3


class KeyFooter(Footer):
    """Textual's footer, ranked and cut at whole keys; the help key always shows."""

    def shown_actions(self) -> tuple[list[Shown], Shown | None]:
        """The screen's shown actions in footer order, and the help action apart."""
        actions: dict[str, Shown] = {}
        for order, (node, binding, enabled, tooltip) in enumerate(
            self.screen.active_bindings.values()
        ):
            if not binding.show:
                continue
            entry = actions.get(binding.action)
            if entry is None:
                actions[binding.action] = Shown(
                    binding, [binding.key], enabled, tooltip, rank_of(node, binding), order
                )
            else:
                entry.keys.append(binding.key)
        help_entry = actions.pop(HELP_ACTION, None)
        ranked = sorted(actions.values(), key=lambda s: (s.rank, s.order))
        return ranked, help_entry

    def display_of(self, entry: Shown) -> str:
        if entry.binding.action == HELP_ACTION and "question_mark" in entry.keys:
            return "?"
        return self.app.get_key_display(entry.binding)

    def fitting(self, width: int) -> tuple[list[Shown], Shown | None, bool]:
        """The actions that fit in ``width`` cells (whole keys, in rank order), the help
        action, and whether any action was left out."""
        ranked, help_entry = self.shown_actions()
        budget = width - PALETTE_WIDTH
        if help_entry is not None:
            budget -= key_width(self.display_of(help_entry), "More keys")
        chosen: list[Shown] = []
        for entry in ranked:
            cells = key_width(self.display_of(entry), entry.binding.description)
            if cells > budget:
                break
            chosen.append(entry)
            budget -= cells
        return chosen, help_entry, len(chosen) < len(ranked)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        chosen, help_entry, cut = self.fitting(width)
        for entry in chosen:
            yield self._key(entry, entry.binding.description)
        if help_entry is not None:
            yield self._key(help_entry, "More keys" if cut else entry_help(help_entry))
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            palette = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                _node, binding, enabled, _tooltip = palette
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )

    def _key(self, entry: Shown, description: str) -> FooterKey:
        return FooterKey(
            entry.keys[0],
            self.display_of(entry),
            description,
            entry.binding.action,
            disabled=not entry.enabled,
            tooltip=entry.tooltip or entry.binding.description,
        ).data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready:
            self.call_after_refresh(self.recompose)

    def text(self) -> str:
        """The footer as shown, for tests: "key description" pairs."""
        return "  ".join(
            f"{key.key_display} {key.description}".strip() for key in self.query(FooterKey)
        )


def entry_help(entry: Shown) -> str:
    return entry.binding.description or "Help"
