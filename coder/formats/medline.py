"""Tagged-line exports: PubMed MEDLINE/.nbib and Web of Science plain text.

Both put a short tag at the start of a line and continue long values on indented lines,
so one tolerant line reader serves both; they differ in tag width, record boundaries
and field names. WoS files are *not* RIS (no ``TY  -``), which is why they get their own
path instead of confusing rispy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from coder.core.model import DocumentRecord
from coder.formats.errors import FormatError
from coder.formats.records import (
    OnError,
    abstract_sections,
    clean_authors,
    normalise_doi,
    normalise_issn,
    page_range,
    parse_date,
    parse_year,
    split_list,
    squash,
    type_name,
)

_MEDLINE_TAG = re.compile(r"^(?P<tag>[A-Z][A-Z0-9]{0,3}) {0,3}- ?(?P<value>.*)$")
_WOS_TAG = re.compile(r"^(?P<tag>[A-Z][A-Z0-9]) (?P<value>.*)$|^(?P<bare>[A-Z][A-Z0-9])$")
# Fields whose continuation lines are new values (one author per line), not wrapped text.
_WOS_LIST_TAGS = {"AU", "AF", "CR", "C1", "BE", "BA", "BF", "CA", "GP"}


@dataclass
class _Tagged:
    """One record as ``tag -> values`` in file order."""

    line: int
    fields: dict[str, list[str]] = field(default_factory=dict)

    def add(self, tag: str, value: str) -> None:
        self.fields.setdefault(tag, []).append(value)

    def extend(self, tag: str, value: str, new_value: bool) -> None:
        values = self.fields.setdefault(tag, [""])
        if new_value:
            values.append(value)
        else:
            values[-1] = f"{values[-1]} {value}".strip()

    def first(self, *tags: str) -> str | None:
        for tag in tags:
            for value in self.fields.get(tag, []):
                if squash(value):
                    return squash(value)
        return None

    def all(self, tag: str) -> list[str]:
        return [squash(v) for v in self.fields.get(tag, []) if squash(v)]


# --- MEDLINE ----------------------------------------------------------------------------


def read_medline(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Records of a MEDLINE file: blank-line separated blocks starting with ``PMID-``."""
    for tagged in _medline_blocks(text, file, on_error):
        yield _medline_record(tagged)


def _medline_blocks(text: str, file: str, on_error: OnError) -> Iterator[_Tagged]:
    current: _Tagged | None = None
    bad = False
    last_tag: str | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            if current is not None and not bad:
                yield current
            current, bad, last_tag = None, False, None
            continue
        if bad:
            continue
        m = _MEDLINE_TAG.match(line)
        if line[:1].isspace() and current is not None and last_tag:
            current.extend(last_tag, line.strip(), new_value=False)
        elif m and (current is not None or m.group("tag") == "PMID"):
            if current is None:
                current = _Tagged(number)
            last_tag = m.group("tag")
            current.add(last_tag, m.group("value").strip())
        else:
            on_error(FormatError(file, f"not a MEDLINE line: {squash(line)[:60]!r}", number))
            bad, current = True, None
    if current is not None and not bad:
        yield current


def _medline_record(r: _Tagged) -> DocumentRecord:
    year, date = parse_date(r.first("DP"))
    types = r.all("PT")
    doi = next((normalise_doi(v) for v in r.all("LID") + r.all("AID") if "[doi]" in v), None)
    return DocumentRecord(
        sections=abstract_sections(r.first("AB")),
        title=r.first("TI", "BTI"),
        authors=clean_authors(r.all("FAU") or r.all("AU")),
        year=year,
        date=date,
        type="article" if "Journal Article" in types else type_name(types[0] if types else None),
        journal=r.first("JT", "TA"),
        volume=r.first("VI"),
        issue=r.first("IP"),
        pages=r.first("PG"),
        issn=normalise_issn(r.first("IS")),
        doi=doi,
        keywords=r.all("OT") + [k.replace("*", "") for k in r.all("MH")],
        line=r.line,
    )


# --- Web of Science ---------------------------------------------------------------------


def read_wos(text: str, file: str, on_error: OnError) -> Iterator[DocumentRecord]:
    """Records of a WoS export: ``PT`` ... ``ER`` blocks after the ``FN``/``VR`` header."""
    current: _Tagged | None = None
    last_tag: str | None = None
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        if line.startswith("   ") and current is not None and last_tag:
            current.extend(last_tag, line.strip(), new_value=last_tag in _WOS_LIST_TAGS)
            continue
        m = _WOS_TAG.match(line)
        tag = (m.group("tag") or m.group("bare")) if m else None
        if tag in {"FN", "VR", "EF"} and current is None:
            continue
        if tag == "ER":
            if current is not None:
                yield _wos_record(current)
            current, last_tag = None, None
        elif tag == "PT" and current is None:
            current = _Tagged(number)
            current.add("PT", (m.group("value") or "").strip())  # type: ignore[union-attr]
            last_tag = "PT"
        elif tag and current is not None:
            current.add(tag, (m.group("value") or "").strip())  # type: ignore[union-attr]
            last_tag = tag
        else:
            on_error(FormatError(file, f"not a Web of Science line: {squash(line)[:60]!r}", number))
            current, last_tag = None, None
    if current is not None:
        yield _wos_record(current)


def _wos_record(r: _Tagged, list_separator: str | None = None) -> DocumentRecord:
    """A record from WoS tags; ``list_separator``: how one cell joins the names of a list
    field (the tab-delimited export's "Gray, B; Sisto, A"), which the plain-text export
    puts one a line."""
    year = parse_year(r.first("PY"))
    date = None
    if year is not None and r.first("PD"):
        _, date = parse_date(f"{year} {r.first('PD')}")
    kind = type_name((r.first("DT") or "").split(";")[0]) or {"J": "article", "B": "book"}.get(
        r.first("PT") or ""
    )
    return DocumentRecord(
        sections=abstract_sections(r.first("AB")),
        title=r.first("TI"),
        authors=clean_authors(_names(r.all("AF") or r.all("AU"), list_separator)),
        year=year,
        date=date,
        type=kind,
        journal=r.first("SO"),
        volume=r.first("VL"),
        issue=r.first("IS"),
        pages=page_range(r.first("BP"), r.first("EP")) or r.first("AR"),
        issn=normalise_issn(r.first("SN", "EI")),
        doi=normalise_doi(r.first("DI")),
        keywords=split_list(r.first("DE")) + split_list(r.first("ID")),
        line=r.line,
    )


def _names(values: list[str], separator: str | None) -> list[str]:
    if separator is None:
        return values
    return [n for v in values for n in split_list(v, separator.strip())]
