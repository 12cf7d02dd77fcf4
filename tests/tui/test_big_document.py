"""A 1,000,000-character record opens and scrolls: in the reader of phase 1 and in the
coding phase, with and without colour (no timing here: benchmarks/bench_reader.py times
the keys against a short record)."""

from __future__ import annotations

import random

import pytest

from coder.core.model import DocumentRecord, Section
from coder.services.importing import add_records
from coder.tui.app import make_app
from coder.tui.widgets.reader import SegmentReader, TextReader
from tests.tui.conftest import drive, press, screen_text, shows

SIZE = 1_000_000
WORDS = ["peer", "support", "ward", "staff", "recovery", "lived", "experience", "tread"]


def huge_text(size: int = SIZE, seed: int = 16) -> str:
    """``size`` characters of words with no sentence end: one segment of the whole text
    (the worst case for the coding phase), ending in a word the test can look for."""
    rng = random.Random(seed)
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS)
        words.append(word)
        length += len(word) + 1
    return (" ".join(words)[: size - 8] + " THE-END")[:size]


def add_huge(ws) -> None:
    record = DocumentRecord(
        sections=[Section("Background", huge_text())],
        title="Huge " + huge_text(200_000, seed=1),
        year=2024,
    )
    add_records(ws, [record], source="huge.txt")


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "no-colour"])
def test_a_million_character_record_opens_and_end_and_home_scroll(demo_ws, monkeypatch, no_color):
    add_huge(demo_ws)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        phase = pilot.app.query_one("#phase-2")
        for _ in range(40):  # J to the huge record, imported last
            if (phase.view.doc.title or "").startswith("Huge"):
                break
            await press(pilot, "J")
        reader = pilot.app.query_one(SegmentReader)
        assert len(phase.view.doc.text) >= SIZE
        await press(pilot, "end")
        assert reader.scroll_offset.y > 10_000
        assert await shows(pilot, "THE-END")
        await press(pilot, "home")
        assert reader.scroll_offset.y == 0
        assert "Background" in screen_text(pilot.app)
        await press(pilot, "v", "dollar_sign")  # a selection of the whole huge segment
        assert "SELECTING" in screen_text(pilot.app)
        await press(pilot, "escape", "f2")
        familiar = pilot.app.query_one("#phase-1")
        familiar.query_one("#fam-list").focus()
        await press(pilot, "end")  # the last document in the list: the huge one
        text_reader = familiar.query_one(TextReader)
        text_reader.focus()
        await press(pilot, "end")
        assert await shows(pilot, "THE-END")
        await press(pilot, "home")
        assert text_reader.scroll_offset.y == 0

    drive(make_app(demo_ws), steps)
