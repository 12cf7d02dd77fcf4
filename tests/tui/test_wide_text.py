"""Wide characters (CJK, fullwidth forms) and combining marks wrap by cells: no line wider
than the reader, no character cut or dropped, a combining mark kept with its letter, and a
CJK line broken between ideographs (issue 16). The speed against plain ASCII text is
benchmarks/bench_reader.py's "wrap" figures."""

from __future__ import annotations

import random

import pytest
from rich.cells import cell_len

from coder.core.model import DocumentRecord, Section
from coder.services.importing import add_records
from coder.tui.app import make_app
from coder.tui.widgets.reader import TextReader
from coder.tui.widgets.text import wrap_offsets
from tests.tui.conftest import drive, screen_text

PIECES = [
    "同伴", "支援病房", "工作人员康复经验", "。", "ｶﾀｶﾅ", "한국어", "研" * 50, "\u3000",
    "peer", "support", "café", "e\u0301tude", "x" * 30, " ", "  ", "\n", "👍", "👨\u200d👩",
]  # fmt: skip
CJK = "同伴支援在住院病房中的作用：工作人员与服务使用者的经验。" * 12


def _blank_free(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("width", [1, 2, 3, 5, 8, 13, 40, 79])
def test_wide_text_wraps_by_cells_and_loses_nothing(width):
    rng = random.Random(width)
    for _ in range(300):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 30)))
        lines = wrap_offsets(text, width)
        for a, b in lines:
            # Only a lone character wider than the line may overflow it.
            assert cell_len(text[a:b]) <= width or b - a == 1, (text, width, text[a:b])
            assert not text[a:b].startswith("\u0301"), (text, width)  # mark kept with its e
        assert all(lines[i][1] <= lines[i + 1][0] for i in range(len(lines) - 1))
        assert _blank_free("".join(text[a:b] for a, b in lines)) == _blank_free(text)


def test_cjk_breaks_between_ideographs_and_fills_the_line():
    lines = wrap_offsets(CJK, 10)
    assert all(cell_len(CJK[a:b]) == 10 for a, b in lines[:-1])  # five ideographs a line
    assert wrap_offsets("peer 同伴支援病房 support", 10) == [(0, 7), (7, 11), (12, 19)]
    assert wrap_offsets("  indented 研究 words", 12) == [(0, 10), (11, 19)]


def test_accented_text_wraps_as_ascii_does():
    accented = "café naïve señora über " * 20
    plain = "cafe naive senora uber " * 20
    assert wrap_offsets(accented, 17) == wrap_offsets(plain, 17)


def test_a_cjk_record_reads_at_80x24(sqlite_ws):
    record = DocumentRecord(
        sections=[Section("背景", CJK), Section("Methods", "Mixed 混合 text, café.")],
        title="同伴支援：一项定性研究",
        year=2024,
    )
    add_records(sqlite_ws, [record], source="cjk.txt")

    async def steps(pilot) -> None:
        reader = pilot.app.query_one("#phase-1").query_one(TextReader)
        width = reader.scrollable_content_region.width
        lines = reader.plain_lines
        assert lines and all(cell_len(line) <= width for line in lines)
        shown = [line for line in lines if line and line[0] in CJK]
        assert _blank_free("".join(shown)).startswith(_blank_free(CJK))
        text = screen_text(pilot.app)
        assert "同伴支援：一项定性研究" in text
        assert shown[0] in text  # the first CJK line drawn whole, no cell cut

    drive(make_app(sqlite_ws), steps, size=(80, 24))
