"""Messages that travel across the whole app.

Defined here, apart from the app, so a phase or a screen can post them without importing
the app module (which imports every phase): the import graph of coder.tui has no cycle.
"""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """A service wrote to the store: the stepper and the visible phase must re-read it.

    Every phase posts this after its writes. ``refresh_phase=False`` says the poster has
    already updated what it shows, so only the stepper is refreshed (keeps a key press
    that applies a code at one service call and one small read).
    """

    def __init__(self, refresh_phase: bool = True) -> None:
        super().__init__()
        self.refresh_phase = refresh_phase
