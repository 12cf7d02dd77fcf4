"""Domain objects shared by every layer.

These are plain dataclasses: the store converts its table rows to and from them, the
formats read and write them, and the TUI and CLI show them. Keeping them free of SQL and
Textual is what lets the same exporter run from the CLI, the TUI and the tests.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum


def nfc(text: str) -> str:
    """All stored text is NFC so that offsets mean the same code points everywhere."""
    return unicodedata.normalize("NFC", text)


def collapse_spaces(text: str) -> str:
    """``" ".join(text.split())``: whitespace runs to single spaces, ends trimmed.

    Most text reaching this (abstracts already tidied by a reader) has nothing to
    collapse. For ASCII text a handful of ``in`` scans (each a C ``memchr``) prove that,
    where splitting two kilobytes into words and joining them again costs several times
    more. Besides the space, ``str.split`` splits ASCII at \\t \\n \\v \\f \\r and \\x1c-\\x1f."""
    if (
        len(text) > 64  # shorter ones (names, titles) split and join faster than the scans
        and text.isascii()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
        and "\n" not in text
        and "\t" not in text
        and "\r" not in text
        and "\x0b" not in text
        and "\x0c" not in text
        and "\x1c" not in text
        and "\x1d" not in text
        and "\x1e" not in text
        and "\x1f" not in text
    ):
        return text
    return " ".join(text.split())


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Section:
    """A headed part of an abstract ("Purpose", "Findings", ...); heading None if unheaded.

    In a transcript each turn is a section with its ``speaker`` and times (milliseconds
    from the start of the recording, where the source gives them). The turn's text opens
    with the speaker's label (``speaker_label``) so that the stored document reads as a
    transcript everywhere (reader, exports, REFI-QDA), while the reading units cut from it
    start after the label: a coder codes what was said, not who said it.
    """

    heading: str | None
    text: str
    speaker: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None

    @property
    def label_length(self) -> int:
        """How many leading characters of ``text`` are the speaker's label."""
        if self.speaker is None:
            return 0
        label = speaker_label(self.speaker)
        return len(label) if self.text.startswith(label) else 0


def speaker_label(speaker: str) -> str:
    """How a turn opens in the document text: ``"P1: "``."""
    return f"{speaker}: "


@dataclass
class DocumentRecord:
    """One bibliographic record as read from a file, before it gets a key and segments.

    ``line`` is the 1-based line of the input file where the record starts, so that an
    error or a duplicate report can point the user at it.
    """

    sections: list[Section] = field(default_factory=list)
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    date: str | None = None  # ISO date, e.g. "2024-08-22"
    type: str | None = None  # lower case: "article", "book part", ...
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    issn: str | None = None
    doi: str | None = None
    keywords: list[str] = field(default_factory=list)
    line: int | None = None
    # A key the source suggests (a document's file name): the importer makes it unique.
    key: str | None = None

    @property
    def text(self) -> str:
        """The document text: section texts joined by blank lines (headings kept apart)."""
        return "\n\n".join(s.text for s in self.sections if s.text)

    @property
    def has_abstract(self) -> bool:
        return bool(self.text.strip())


class SegmentKind(StrEnum):
    UNIT = "unit"  # a numbered reading unit: sentence, section, paragraph or whole text
    SPAN = "span"  # a sub-span a coder selected by hand
    DOCUMENT = "document"  # the whole document as one unit


@dataclass(frozen=True)
class SegmentSpan:
    """A span of a document's text in Unicode code points, end exclusive."""

    start: int
    end: int
    heading: str | None = None


@dataclass
class Document:
    """A stored document as the services and UIs see it."""

    key: str
    text: str
    sections: list[Section] = field(default_factory=list)
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    date: str | None = None
    type: str | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    issn: str | None = None
    doi: str | None = None
    keywords: list[str] = field(default_factory=list)
    source_file: str | None = None
    source_format: str | None = None
    content_hash: str = ""
    id: int | None = None

    @property
    def label(self) -> str:
        """What a list shows: the title, else "Authors (year)", else the key."""
        if self.title:
            return self.title
        if self.authors:
            return f"{citation_authors(self.authors)} ({self.year or 'n.d.'})"
        words = self.text.split()
        if words:  # an abstract with no title or authors: its opening words say what it is
            return " ".join(words[:8]) + ("…" if len(words) > 8 else "")
        return self.key


def surname(author: str) -> str:
    """Surname of "Given Surname" or "Surname, Given"."""
    author = author.strip()
    if "," in author:
        return author.split(",", 1)[0].strip()
    parts = author.split()
    return parts[-1] if parts else author


def citation_authors(authors: list[str]) -> str:
    """APA-like author part of a citation: "Gray", "Gray & Sisto", "Gray, Sisto & Conley",
    "Gray et al." for more than three."""
    names = [surname(a) for a in authors if a.strip()]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) <= 3:
        return ", ".join(names[:-1]) + " & " + names[-1]
    return names[0] + " et al."


@dataclass
class Segment:
    id: int
    document_key: str
    ordinal: int | None  # 1-based within the document for UNIT, None otherwise
    kind: SegmentKind
    start: int
    end: int
    heading: str | None
    text: str
    speaker: str | None = None
    start_ms: int | None = None
    end_ms: int | None = None


class CodeStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"
    RETIRED = "retired"


@dataclass
class Code:
    """A code of the codebook. ``parent`` is the parent's name; ``uid`` is the stable id
    kept across renames (the codebook's ``id`` and the REFI-QDA guid)."""

    name: str
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    colour: str | None = None
    parent: str | None = None
    uid: str | None = None
    status: CodeStatus = CodeStatus.ACTIVE
    merged_into: str | None = None
    id: int | None = None
    # Earlier names of this code, from the codebook's ``renamed_from``: lets a codebook
    # load match a renamed code to the project's old one instead of retiring it.
    renamed_from: list[str] = field(default_factory=list)


class ThemeStatus(StrEnum):
    CANDIDATE = "candidate"
    REVIEWED = "reviewed"
    DEFINED = "defined"


@dataclass
class Theme:
    """An analytic theme: a pattern of shared meaning organised around a central concept."""

    name: str
    definition: str = ""
    scope: str = ""
    codes: list[str] = field(default_factory=list)
    parent: str | None = None
    order: int = 0
    status: ThemeStatus = ThemeStatus.CANDIDATE
    uid: str | None = None
    id: int | None = None


@dataclass
class Codebook:
    """A codebook as held in a YAML or .qdc file: codes flat, in file order, with parents."""

    title: str = "Codebook"
    version: str = "1"
    description: str = ""
    codes: list[Code] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)


@dataclass
class Coding:
    """One code applied by one coder to one segment."""

    id: int
    segment_id: int
    document_key: str
    code: str
    coder: str
    start: int
    end: int
    heading: str | None
    text: str
    created_at: str
    memo: str | None = None
    ordinal: int | None = None
    speaker: str | None = None  # who said it, in a transcript


@dataclass
class Memo:
    id: int
    target_type: str  # project | document | code | theme | coding
    target: str | None  # key, name or id of the target
    kind: str  # journal | familiarisation | note | discussion
    text: str
    coder: str
    created_at: str
    updated_at: str
    label: str | None = None  # the target as the user sees it: key, name, "key:3"
    code: str | None = None  # a coding memo's code (kind "coding": the memo on a coding row)
    phase: int | None = None  # the phase stored with it (journal entries); see memo_phase


@dataclass
class AuditEvent:
    seq: int
    time: str
    coder: str
    action: str
    target: str
    before: dict
    after: dict
    prev_hash: str
    hash: str
