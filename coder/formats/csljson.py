"""CSL-JSON, the item format of citation processors: Zotero, Mendeley and Better BibTeX
export it, and it is what pandoc reads.

A file is a JSON list of items (stdlib ``json`` reads it; it has no grammar left for a
library to add). Dates are ``{"date-parts": [[y, m, d]]}`` or a ``raw``/``literal``
string; names are ``{"family", "given"}`` or ``{"literal"}``. Items are numbered in the
report by their place in the list, with the line where each begins.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from coder.core.model import DocumentRecord
from coder.formats.errors import FormatError, skipped, warning
from coder.formats.records import (
    OnError,
    abstract_sections,
    clean_authors,
    iso_date,
    normalise_doi,
    normalise_issn,
    parse_date,
    split_list,
    squash,
)

_TYPES = {
    "article-journal": "article",
    "article": "article",
    "article-magazine": "magazine article",
    "article-newspaper": "newspaper article",
    "paper-conference": "conference paper",
    "chapter": "book part",
    "book": "book",
    "thesis": "thesis",
    "report": "report",
    "webpage": "web page",
    "post-weblog": "blog post",
    "dataset": "dataset",
    "entry-encyclopedia": "encyclopedia entry",
    "entry-dictionary": "dictionary entry",
    "manuscript": "manuscript",
    "patent": "patent",
    "review": "review",
}
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def read_csl_json(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Records of a CSL-JSON file, in list order.

    The list is decoded one item at a time (``raw_decode`` from where the last item
    ended), so a 500 MB export never exists as one list of parsed items: memory holds the
    text and the item being read. An item that is broken JSON is reported with its line,
    with the items after it, which cannot be found again without knowing where it ended."""
    at = _SPACE.match(text).end()  # type: ignore[union-attr]
    if text.startswith("{", at):
        yield from _wrapped(text, file, on_error)
        return
    if not text.startswith("[", at):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormatError(file, f"broken JSON: {exc.msg}", exc.lineno, exc.colno) from None
        raise FormatError(file, "CSL-JSON is a list of items; this JSON is not a list", 1)
    line = 1 + text.count("\n", 0, at)
    counted = at  # ``line`` is the line of ``counted``
    pos = _SPACE.match(text, at + 1).end()  # type: ignore[union-attr]
    if text.startswith("]", pos):
        return
    n = 0
    while True:
        n += 1
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            item, end = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if n == 1:  # nothing read: the file is broken, not one item
                raise FormatError(file, f"broken JSON: {exc.msg}", exc.lineno, exc.colno) from None
            message = f"broken JSON in item {n}: {exc.msg}; the rest of the file is not read"
            on_error(FormatError(file, message, exc.lineno, exc.colno))
            return
        yield from _item(item, n, line, file, on_error)
        pos = _SPACE.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", pos):
            pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
            continue
        line += text.count("\n", counted, pos)
        counted = pos
        if not text.startswith("]", pos):
            found = "the end of the file" if pos >= len(text) else repr(text[pos])
            on_error(
                FormatError(
                    file, f"broken JSON after item {n}: expected ',' or ']', found {found}", line
                )
            )
        return


def _wrapped(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """CSL-JSON wrapped in an object (``{"items": [...]}``), as some tools write it: rare
    and small, read whole."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(file, f"broken JSON: {exc.msg}", exc.lineno, exc.colno) from None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise FormatError(file, "CSL-JSON is a list of items; this JSON is not a list", 1)
    lines = _item_lines(text, len(items))
    for n, item in enumerate(items, start=1):
        yield from _item(item, n, lines[n - 1] if n <= len(lines) else None, file, on_error)


def _item(
    item: Any, n: int, line: int | None, file: str, on_error: OnError
) -> Iterator[DocumentRecord]:
    if not isinstance(item, dict):
        on_error(FormatError(file, f"item {n} is not a JSON object", line))
        return
    record = _record(item, line, file, on_error)
    if record.title or record.authors or record.doi or record.has_abstract:
        yield record
    else:
        on_error(skipped(file, f"empty item {n} (no title, authors, DOI or abstract)", line))


def _item_lines(text: str, count: int) -> list[int]:
    """The line each item of the wrapped list starts on (a scan of bracket depth outside
    strings)."""
    lines: list[int] = []
    depth, in_string, escaped, line = 0, False, False, 1
    for ch in text:
        if ch == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth == 3 and ch == "{":
                lines.append(line)
                if len(lines) == count:
                    break
        elif ch in "]}":
            depth -= 1
    return lines


def _string(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return squash(str(value)) or None
    if isinstance(value, list):  # some exporters give one-element lists
        return next((s for s in (_string(v) for v in value) if s), None)
    return None


def _name(value: Any) -> str:
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    if value.get("literal"):
        return str(value["literal"])
    family = " ".join(
        str(p) for p in (value.get("non-dropping-particle"), value.get("family")) if p
    )
    given = " ".join(str(p) for p in (value.get("given"), value.get("dropping-particle")) if p)
    suffix = value.get("suffix")
    name = f"{family}, {given}" if family and given else family or given
    return f"{name}, {suffix}" if suffix and name else name


def _date(value: Any) -> tuple[int | None, str | None]:
    if isinstance(value, dict):
        parts = value.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            first = parts[0]
            try:
                year = int(first[0])
            except (TypeError, ValueError):
                year = None
            if year is not None:
                month = first[1] if len(first) > 1 else None
                day = first[2] if len(first) > 2 else None
                return year, iso_date(year, month, day)
        return parse_date(_string(value.get("raw") or value.get("literal")))
    return parse_date(_string(value))


def _record(item: dict[str, Any], line: int | None, file: str, on_error: OnError) -> DocumentRecord:
    authors = item.get("author") or []
    if not isinstance(authors, list):
        on_error(warning(file, "'author' is not a list of names: read as one name", line))
        authors = [authors]
    year, date = _date(item.get("issued"))
    kind = _string(item.get("type"))
    keywords = item.get("keyword")
    return DocumentRecord(
        sections=abstract_sections(
            item["abstract"] if isinstance(item.get("abstract"), str) else None
        ),
        title=_string(item.get("title")),
        authors=clean_authors([_name(a) for a in authors]),
        year=year,
        date=date,
        type=_TYPES.get(kind or "", kind),
        journal=_string(item.get("container-title")) or _string(item.get("collection-title")),
        volume=_string(item.get("volume")),
        issue=_string(item.get("issue")) or _string(item.get("number")),
        pages=_string(item.get("page")),
        issn=normalise_issn(_string(item.get("ISSN"))),
        doi=normalise_doi(_string(item.get("DOI"))),
        keywords=split_list(keywords, ";,") if isinstance(keywords, str) else [],
        line=line,
    )
