"""The command palette's provider: "category: verb" commands, offered by context.

The app contributes the commands that work everywhere (phases, journal, history, audit,
help); the visible phase contributes its own through ``palette_commands()``, so the
palette never offers a coding command while the coder is reviewing themes.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

Command = tuple[str, Callable[[], object], str]


class CoderCommands(Provider):
    """Commands from the app (and its visible phase) for the screen the palette opened on."""

    def _commands(self) -> list[Command]:
        source = getattr(self.app, "palette_commands_for", None)
        return list(source(self.screen)) if source is not None else []

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
