"""Imported text shown literally, and wrapped with its offsets kept.

Abstracts come from other people's files: they may hold Rich/Textual markup ("[bold]") or
terminal escape sequences. Nothing here parses markup (only ``rich.text.Text`` objects are
built), and every control character is swapped one-for-one for its visible "control
picture", so code-point offsets into the stored text stay valid for highlighting spans.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
_WORD = re.compile(r"\S+")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"  # C1 controls have no picture: the replacement character


def visible(text: str) -> str:
    """``text`` with control characters made visible; same length, so offsets still hold.

    Tabs become one space (a tab's width depends on the column, which would break the
    wrap arithmetic) and newlines are kept.
    """
    return _CONTROL.sub(_picture, text.replace("\t", " "))


def literal(text: str | None, style: Style | str = "") -> Text:
    """A Text that shows ``text`` exactly as stored: never parsed as markup."""
    return Text(visible(text or ""), style=style, no_wrap=False, end="")


def one_line(text: str | None, style: Style | str = "") -> Text:
    """Like :func:`literal`, with line breaks and runs of spaces folded (for list rows)."""
    return Text(" ".join(visible(text or "").split()), style=style, end="")


def text_strip(text: Text, console: Console, base: Style) -> Strip:
    """One line of ``text`` as a Strip in which every segment carries a style.

    Rich renders a line with no spans (a blank line, an unstyled row) as a segment whose
    style is None; Textual's line filters (the monochrome filter that NO_COLOR turns on)
    read ``style.color`` on every segment and crash on None. Every segment here gets at
    least ``base``, the widget's own style.
    """
    segments = [
        segment if segment.style is not None else Segment(segment.text, base, segment.control)
        for segment in text.render(console)
    ]
    return Strip(segments, text.cell_len)


def safe_style(colour: str | None) -> Style:
    """A foreground style for a code's colour; a colour Rich cannot parse gives no style
    rather than an exception (colours come from users' codebook files)."""
    if not colour:
        return Style()
    try:
        return Style.parse(colour)
    except Exception:  # rich raises several error types for bad colours
        return Style()


def word_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each run of non-space characters, shifted by ``offset``: the steps
    of keyboard word selection."""
    return [(m.start() + offset, m.end() + offset) for m in _WORD.finditer(text)]


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap that returns each line as a (start, end) slice of ``text``.

    Rich can wrap, but it does not say where each line starts; the reader needs that to
    find the line of a highlighted segment. Trailing spaces are left off a line; a word
    wider than the line is cut by cells.
    """
    width = max(1, width)
    lines: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n"):
        base = pos
        pos += len(para) + 1
        if not para.strip():
            lines.append((base, base))
            continue
        if para.isascii() and not para.startswith(" "):
            _wrap_ascii(text, base, base + len(para), width, lines)
            continue
        start, used = base, 0
        for match in re.finditer(r"(\s*)(\S+)", para):
            word_start = base + match.start(2)
            word = match.group(2)
            cells = cell_len(word)
            lead = cell_len(match.group(1)) if used or match.start() == 0 else 0
            if used and used + lead + cells > width:
                lines.append((start, _rstrip(text, start, word_start)))
                start, used, lead = word_start, 0, 0
            elif not used and match.start() == 0 and lead + cells > width:
                lead = 0  # an indented first word that does not fit: drop the indent's cells
            while cells > width:  # hard-cut a word longer than a line
                cut = _cut(word, width)
                if word_start > start:
                    lines.append((start, _rstrip(text, start, word_start)))
                lines.append((word_start, word_start + cut))
                word_start += cut
                word = word[cut:]
                cells = cell_len(word)
                start, used, lead = word_start, 0, 0
            used += lead + cells
        lines.append((start, _rstrip(text, start, base + len(para))))
    return lines


def _wrap_ascii(text: str, start: int, end: int, width: int, lines: list[tuple[int, int]]) -> None:
    """The same greedy wrap for a paragraph of one-cell characters whose only blank is the
    space, found with ``str.rfind`` (C speed: a 1,000,000-character abstract wraps in
    milliseconds instead of seconds, one step per line instead of per word)."""
    while True:
        if end - start <= width:
            lines.append((start, _rstrip(text, start, end)))
            return
        cut = text.rfind(" ", start + 1, start + width + 1)
        if cut == -1:  # one word wider than the line: cut it by cells
            space = text.find(" ", start, end)
            word_end = end if space == -1 else space
            if word_end - start > width:
                lines.append((start, start + width))
                start += width
                continue
            cut = word_end  # pragma: no cover - rfind would have found that space
        lines.append((start, _rstrip(text, start, cut)))
        start = cut
        while start < end and text[start] == " ":
            start += 1
        if start >= end:
            return


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] == " ":
        end -= 1
    return end


def _cut(word: str, width: int) -> int:
    """How many characters of ``word`` fit in ``width`` cells (at least one)."""
    total = 0
    for index, char in enumerate(word):
        total += cell_len(char)
        if total > width:
            return max(1, index)
    return len(word)
