"""RIS exports (Zotero, EndNote, Scopus, Embase, Ovid, ProQuest, Rayyan, WoS-as-RIS).

rispy knows the tag zoo; this module adds what a reviewer's import needs on top: the
file is cut into records at each ``TY  -`` line first, so that every record knows its
line, a record missing its ``ER`` does not swallow the next one, and one broken record
can be skipped instead of losing the file. Text outside records (Ovid's "1." numbering,
"Record #1 of 2" banners) is ignored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from rispy.config import DELIMITED_TAG_MAPPING, LIST_TYPE_TAGS, TAG_KEY_MAPPING

from coder.core.model import DocumentRecord
from coder.formats.errors import FormatError, skipped
from coder.formats.records import (
    OnError,
    abstract_sections,
    clean_authors,
    normalise_doi,
    normalise_issn,
    page_range,
    parse_date,
    squash,
    type_name,
)

# rispy's tag table, as its RisParser reads it (see ``_parse_record``).
_TAG_KEYS: dict[str, str] = TAG_KEY_MAPPING
_TYPE_KEY = TAG_KEY_MAPPING["TY"]
_UNKNOWN_KEY = TAG_KEY_MAPPING["UK"]
_LIST_TAGS = frozenset(LIST_TYPE_TAGS)
_DELIMITERS: dict[str, str] = DELIMITED_TAG_MAPPING
_TYPES = {
    "JOUR": "article",
    "JFULL": "article",
    "EJOUR": "article",
    "INPR": "article",
    "MGZN": "magazine article",
    "NEWS": "newspaper article",
    "ABST": "abstract",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "book part",
    "ECHAP": "book part",
    "CONF": "conference paper",
    "CPAPER": "conference paper",
    "THES": "thesis",
    "RPRT": "report",
    "GOVDOC": "report",
    "GEN": "generic",
    "UNPB": "unpublished",
    "ELEC": "web page",
    "BLOG": "blog post",
    "DATA": "dataset",
    "DBASE": "dataset",
    "COMP": "software",
    "PAT": "patent",
    "STAND": "standard",
    "DICT": "dictionary entry",
    "ENCYC": "encyclopedia entry",
    "SER": "serial",
    "CASE": "legal case",
    "PCOMM": "personal communication",
}
_JOURNAL_KEYS = (
    "secondary_title",
    "alternate_title3",
    "journal_name",
    "alternate_title2",
    "alternate_title1",
)


def read_ris(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Records of a RIS file, in file order. A last record with no ``ER`` line means the
    file was cut off (a truncated download or copy): that record is bad, not guessed at."""
    for line, lines in _chunks(text):
        if lines is None:
            on_error(
                FormatError(
                    file, "truncated RIS record: the file ends before its 'ER  -' line", line
                )
            )
            continue
        try:
            entry = _parse_record(lines)
        except Exception as exc:  # rispy's rules raise bare Python errors on odd input
            on_error(FormatError(file, f"unreadable RIS record ({exc})", line))
            continue
        record = _record(entry, line)
        if record.title or record.authors or record.doi or record.has_abstract:
            yield record
        else:  # nothing to import; left out and reported, the file reads on
            on_error(skipped(file, "empty RIS record (no title, authors, DOI or abstract)", line))


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time, without a copy of the whole (``split`` builds a
    list of every line; ``io.StringIO`` widens the text to four bytes a character)."""
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start:end]
        start = end + 1


def _chunks(text: str) -> Iterator[tuple[int, list[str] | None]]:
    """``(first line, lines)`` per record, from each ``TY`` to its ``ER`` (an ``ER`` line
    is added when the next ``TY`` comes first); ``None`` as the lines of a record the end
    of the file cuts off. Lines are read lazily so a 100,000-record file is never held
    twice as a list of lines."""
    start: int | None = None
    record: list[str] = []
    for i, line in enumerate(_lines(text)):
        if line.startswith("TY  -"):
            if start is not None:
                record.append("ER  - ")
                yield start + 1, record
            start, record = i, [line]
        elif start is not None:
            record.append(line)
            if line.startswith("ER  -"):
                yield start + 1, record
                start, record = None, []
    if start is not None:
        yield start + 1, None


def _parse_record(lines: list[str]) -> dict[str, Any]:
    """``rispy.loads("\n".join(lines))[0]`` for one record's lines (``TY`` first, ``ER``
    last): rispy's own rules for tags, continuation lines, list, delimited and unknown
    tags, with its parser's method calls per line inlined, which made it a good part of
    the time a large import took. tests/formats/test_ris_parser.py holds it to rispy."""
    record: dict[str, Any] = {_TYPE_KEY: lines[0][6:].strip()}
    last_tag: str | None = None
    for line in lines[1:-1]:
        if line[2:5] == "  -" and line[:2].isupper() and line[:1].isalpha():
            tag: str | None = line[:2]
            content: Any = line[6:].strip()
            multi = False
        else:
            tag, content, multi = last_tag, line.strip(), True
        name = _TAG_KEYS.get(tag)  # type: ignore[arg-type]
        if name is None:
            if _UNKNOWN_KEY not in record:
                record[_UNKNOWN_KEY] = defaultdict(list)
            record[_UNKNOWN_KEY][tag].append(content)
        else:
            delimiter = _DELIMITERS.get(tag)  # type: ignore[arg-type]
            if delimiter:
                content = [i.strip() for i in content.split(delimiter)]
            if tag in _LIST_TAGS:
                values = content if isinstance(content, list) else [content]
                try:
                    record[name].extend(values)
                except KeyError:
                    record[name] = values
                except AttributeError:
                    record[name] = [record[name], *values]
            elif not multi:
                record.setdefault(name, content)
            elif isinstance(content, list):
                record[name].extend(content)
            else:
                record[name] = " ".join((record[name], content))
        if not multi:
            last_tag = tag
    return record


def _first(entry: dict[str, Any], *keys: str) -> str | None:
    """The first non-blank value among ``keys`` (list values: their first non-blank item)."""
    for key in keys:
        value = entry.get(key)
        for item in value if isinstance(value, list) else [value]:
            tidy = squash(item) if isinstance(item, str) else ""
            if tidy:
                return tidy
    return None


def _record(entry: dict[str, Any], line: int) -> DocumentRecord:
    unknown = entry.get("unknown_tag") or {}
    ty = squash(entry.get("type_of_reference"))
    year, date = None, None
    for key in ("year", "publication_year", "date"):
        year, date = parse_date(entry.get(key))
        if year is not None:
            break
    if date is None and year is not None:
        date_year, date = parse_date(entry.get("date"))
        date = date if date_year == year else None
    kind = _TYPES.get(ty.upper()) or type_name(ty)
    return DocumentRecord(
        sections=abstract_sections(_first(entry, "abstract", "notes_abstract")),
        title=_first(entry, "title", "primary_title", "short_title"),
        authors=clean_authors([*entry.get("authors", []), *entry.get("first_authors", [])]),
        year=year,
        date=date,
        type="article" if kind == "journal article" else kind,
        journal=_first(entry, *_JOURNAL_KEYS),
        volume=_first(entry, "volume") or _first(unknown, "VO"),
        issue=_first(entry, "number"),
        pages=page_range(entry.get("start_page"), entry.get("end_page")),
        issn=normalise_issn(_first(entry, "issn")),
        doi=normalise_doi(_first(entry, "doi")),
        keywords=[k for k in (squash(x) for x in entry.get("keywords", [])) if k],
        line=line,
    )
