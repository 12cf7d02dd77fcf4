"""Imported text shown literally, and wrapped with its offsets kept.

Abstracts come from other people's files: they may hold Rich/Textual markup ("[bold]") or
terminal escape sequences. Nothing here parses markup (only ``rich.text.Text`` objects are
built), and every control character is swapped one-for-one for its visible "control
picture", so code-point offsets into the stored text stay valid for highlighting spans.
"""

from __future__ import annotations

import re
from functools import cache

from rich.cells import cell_len, get_character_cell_size, load_cell_table
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
_WORD = re.compile(r"\S+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff\u200d\ufe0f]")  # emoji and their joiners


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
    find the line of a highlighted segment. A line breaks at a blank, or beside a wide
    (two-cell) character, as CJK text breaks between ideographs; trailing blanks are left
    off a line; a word wider than the line is cut by cells, never inside a character.
    """
    width = max(1, width)
    lines: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n"):
        base = pos
        pos += len(para) + 1
        if not para.strip():
            lines.append((base, base))
        elif para.isascii() and not para.startswith(" "):
            _wrap_ascii(text, base, base + len(para), width, lines)
        else:
            _wrap_cells(para, base, width, lines)
    return lines


@cache
def _width_classes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Regexes of the characters below U+10000 that rich draws two cells wide and zero
    cells wide (its own table, so the wrap agrees with the drawing), and the tokens of a
    paragraph: blanks, runs of wide characters, words; and any character that is not one
    cell or is a blank other than the space (one search tells plain text apart). Built
    on the first paragraph that needs them, not at import (the shell paints first)."""
    ranges: dict[int, list[str]] = {0: ["\x01-\x1f\x7f-\x9f"], 2: []}
    for first, last, cells in load_cell_table("auto").widths:
        if first and cells in ranges and first < 0x10000:
            ranges[cells].append(f"{re.escape(chr(first))}-{re.escape(chr(min(last, 0xFFFF)))}")
    wide = "".join(ranges[2])
    tokens = rf"(\s+)|([{wide}]+)|([^\s{wide}]+)"
    zero = "".join(ranges[0])
    blanks = "\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"  # the rest are in zero, wide
    special = re.compile(f"[{wide}{zero}{blanks}]")
    return re.compile(f"[{wide}]"), re.compile(f"[{zero}]"), re.compile(tokens), special


def _wrap_cells(para: str, base: int, width: int, lines: list[tuple[int, int]]) -> None:
    """Wrap a paragraph with characters of other widths (accents, CJK, combining marks)
    at the speed of the ASCII path: one pass of a C-speed tokenizer splits it into
    blanks, runs of wide characters and words, and a run of wide characters (where a
    line may break between any two, as in CJK text) is cut by arithmetic, one step per
    line: never a step per character. Emoji sequences take the exact path."""
    wide, zero, tokens, special = _width_classes()
    if _ASTRAL.search(para):
        _wrap_by_character(para, base, width, lines)
        return
    if not para.startswith(" ") and not special.search(para):
        # one cell a character, blanks are spaces
        _wrap_ascii(para, 0, len(para), width, found := [])
        lines.extend((base + a, base + b) for a, b in found)
        return
    start = end = -1  # the line being filled: para[start:end], -1 while it is empty
    used = gap = 0  # its cells, and the cells of the blanks after it

    def emit(a: int, b: int) -> None:
        lines.append((base + a, base + b))

    for match in tokens.finditer(para):
        a, b = match.span()
        run = match.group()
        if match.lastindex == 1:  # blanks: a break; an indent counts if a word fits after it
            cells = len(run) if run.count(" ") == len(run) else _cells(run, wide, zero)
            if start == -1 and a == 0:
                start = end = 0
            gap += cells
        elif match.lastindex == 2:  # wide characters, two cells each: break anywhere
            if start != -1:
                room = max(0, (width - used - gap) // 2) if end > start or used else 0
                if end == start and not used:  # only an indent so far
                    room = max(0, (width - gap) // 2)
                    if not room:
                        start = end = -1
                if start != -1:
                    take = min(room, b - a)
                    if take:
                        end, used, gap, a = a + take, used + gap + 2 * take, 0, a + take
                    if a < b:
                        emit(start, end)
                        start = end = -1
            per = max(1, width // 2)
            while b - a > per:
                emit(a, a + per)
                a += per
            if a < b:
                start, end, used, gap = a, b, 2 * (b - a), 0
        else:  # a word: breaks only at its ends
            cells = len(run) if run.isascii() else len(run) - len(zero.findall(run))
            if start != -1 and (end > start or used) and used + gap + cells <= width:
                end, used, gap = b, used + gap + cells, 0
                continue
            if start != -1 and end == start and not used and gap + cells <= width:
                end, used, gap = b, gap + cells, 0  # the indent and the word fit
                continue
            if start != -1 and end > start:
                emit(start, end)
            narrow = cells == b - a  # no zero-width mark in it: a character a cell
            while cells > width:  # a word wider than the line: cut by cells
                cut = a + width if narrow else min(b - 1, _fit(para, a, width))
                emit(a, cut)
                cells -= cut - a if narrow else _cells(para[a:cut], wide, zero)
                a = cut
            start, end, used, gap = a, b, cells, 0
    if start != -1 and end > start:
        emit(start, end)
    elif not lines or lines[-1][0] < base:
        emit(0, 0)


def _cells(text: str, wide: re.Pattern[str], zero: re.Pattern[str]) -> int:
    return len(text) + len(wide.findall(text)) - len(zero.findall(text))


def _fit(para: str, start: int, width: int) -> int:
    """The end of the longest ``para[start:end]`` within ``width`` cells (at least one
    character, and the zero-width marks after it)."""
    used, end = 0, start
    while end < len(para):
        more = get_character_cell_size(para[end])
        if used + more > width and end > start:
            break
        used, end = used + more, end + 1
    return end


def _wrap_by_character(para: str, base: int, width: int, lines: list[tuple[int, int]]) -> None:
    """The exact wrap for a paragraph with emoji (rich measures a sequence joined by
    U+200D or widened by U+FE0F as a whole): each line grown one character at a time,
    measured with rich, broken at its last blank or else where it fills."""
    start, n = 0, len(para)
    while start < n:
        end = start + 1
        while end < n and cell_len(para[start : end + 1]) <= width:
            end += 1
        if end < n:
            blank = max(para.rfind(c, start + 1, end + 1) for c in (" ", "\t", "\u3000"))
            if blank > start:
                end = blank
        stop = end
        while stop > start and para[stop - 1].isspace():
            stop -= 1
        if stop > start:
            lines.append((base + start, base + stop))
        start = end
        while start < n and para[start].isspace():
            start += 1


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
