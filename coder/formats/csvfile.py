"""CSV and TSV exports with a header row (Scopus, Zotero, Rayyan, hand-made sheets).

Every tool names its columns differently ("Abstract", "Abstract Note", "AB"; "Source
title", "Publication Title", "journal"), so columns are matched on a normalised name
against a list of known spellings. A sheet without any abstract-like column is refused
outright: importing titles alone would give coders nothing to code.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

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
    split_list,
    squash,
    type_name,
)

# Canonical field -> accepted column names (lower case, letters and digits only), best first.
_ALIASES: dict[str, tuple[str, ...]] = {
    "abstract": ("abstract", "abstractnote", "ab", "abstracttext", "summary"),
    "title": ("title", "articletitle", "documenttitle", "ti", "primarytitle", "itemtitle"),
    "authors": ("authorfullnames", "authors", "author", "au", "af", "creators", "authorlist"),
    "year": ("publicationyear", "year", "py", "pubyear", "yearpublished"),
    "date": ("date", "publicationdate", "pubdate", "datepublished", "coverdate"),
    "journal": (
        "sourcetitle",
        "journal",
        "publicationtitle",
        "journaltitle",
        "journalname",
        "secondarytitle",
        "source",
        "so",
    ),
    "volume": ("volume", "vol", "vl"),
    "issue": ("issue", "number", "no", "is"),
    "pages": ("pages", "pagerange", "pp"),
    "page_start": ("pagestart", "startpage", "firstpage", "bp"),
    "page_end": ("pageend", "endpage", "lastpage", "ep"),
    "issn": ("issn", "eissn", "sn"),
    "doi": ("doi", "di"),
    "keywords": ("authorkeywords", "keywords", "keyword", "manualtags", "de", "kw"),
    "type": ("documenttype", "itemtype", "publicationtype", "referencetype", "type", "dt"),
}
_TYPES = {
    "journal article": "article",
    "book section": "book part",
    "book chapter": "book part",
    "chapter": "book part",
    "conference paper": "conference paper",
    "j": "article",
}
_AUTHOR_ID = re.compile(r"\s*\(\d+\)\s*$")
# Abstracts beyond the default 128 KiB cell limit exist (pasted full texts); allow them.
csv.field_size_limit(2**31 - 1)


def read_csv(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Records of a CSV/TSV file, one per data row."""
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise FormatError(file, f"no CSV header row ({exc})", 1) from None
    columns = _match_columns(header)
    if "abstract" not in columns:
        names = ", ".join(repr(h.strip()) for h in header if h.strip())
        raise FormatError(file, f"no abstract column (columns are: {names})", 1)
    previous = reader.line_num
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            on_error(FormatError(file, f"unreadable CSV row ({exc})", previous + 1))
            previous = reader.line_num
            continue
        line, previous = previous + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        extra = [c for c in row[len(header) :] if c.strip()]
        if extra:
            on_error(
                FormatError(
                    file,
                    f"row has {len(row)} fields but the header has {len(header)} "
                    "(an unquoted delimiter inside a value?)",
                    line,
                )
            )
            continue
        yield _record({key: row[i] if i < len(row) else "" for key, i in columns.items()}, line)


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: len(next(csv.reader([first], delimiter=d))) for d in (",", "\t", ";", "|")}
    return max(counts, key=lambda d: counts[d])


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _match_columns(header: list[str]) -> dict[str, int]:
    """Canonical field -> column index. Exact alias matches win; an abstract column may
    also be found by containing the word ("Abstract (English)")."""
    names = [_normalise(h) for h in header]
    columns: dict[str, int] = {}
    for key, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in names:
                columns[key] = names.index(alias)
                break
    if "abstract" not in columns:
        loose = [i for i, n in enumerate(names) if "abstract" in n]
        if loose:
            columns["abstract"] = loose[0]
    return columns


def _authors(value: str) -> list[str]:
    names = split_list(value, ";")
    if len(names) == 1 and " and " in names[0]:
        names = [n for n in re.split(r"\s+and\s+", names[0]) if n]
    return clean_authors([_AUTHOR_ID.sub("", n) for n in names])


def _record(cells: dict[str, str], line: int) -> DocumentRecord:
    year, date = parse_date(cells.get("date"))
    from_year, _ = parse_date(cells.get("year"))
    kind = type_name(cells.get("type"))
    return DocumentRecord(
        sections=abstract_sections(cells.get("abstract"), newline_is_paragraph=True),
        title=squash(cells.get("title")) or None,
        authors=_authors(cells.get("authors", "")),
        year=from_year or year,
        date=date if (from_year is None or from_year == year) else None,
        type=_TYPES.get(kind or "", kind),
        journal=squash(cells.get("journal")) or None,
        volume=squash(cells.get("volume")) or None,
        issue=squash(cells.get("issue")) or None,
        pages=squash(cells.get("pages"))
        or page_range(cells.get("page_start"), cells.get("page_end")),
        issn=normalise_issn(cells.get("issn")),
        doi=normalise_doi(cells.get("doi")),
        keywords=split_list(cells.get("keywords"), ";"),
        line=line,
    )


def read_wos_tab(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Records of a Web of Science tab-delimited export: a header row of the same two-letter
    tags as the plain-text export, so each row is read as a tagged record and mapped by the
    same rules (``medline._wos_record``). Windows exports end each row with an extra tab."""
    from coder.formats.medline import _Tagged, _wos_record

    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FormatError(file, "no header row", 1) from None
    previous = reader.line_num
    for row in reader:
        line, previous = previous + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        tagged = _Tagged(line)
        for tag, value in zip(header, row, strict=False):
            if tag and value.strip():
                tagged.add(tag, value.strip())
        record = _wos_record(tagged, list_separator="; ")
        if record.title or record.authors or record.doi or record.has_abstract:
            yield record
        else:
            on_error(skipped(file, "empty row (no title, authors, DOI or abstract)", line))
