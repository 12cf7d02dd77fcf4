"""REFI-QDA projects (.qdpx): the exchange format of ATLAS.ti, MAXQDA, NVivo, QualCoder...

A .qdpx is a zip holding ``project.qde`` (QDA-XML, urn:QDA-XML:project:1.0) and the
source texts under ``sources/``. We write: users, the codebook (nested codes with GUIDs,
colours and folded descriptions, as in .qdc files), one TextSource per document
(``internal://<guid>.txt``, name = citation key, bibliographic metadata as Variables),
codings as PlainTextSelections (code points, end exclusive) holding Coding/CodeRef with
the creating user, themes as Sets of codes, and memos as Notes with NoteRefs.

Reading is defensive, because a .qdpx is a file from elsewhere: defusedxml, no entry
name with ".." or an absolute path, limits on entry count, total and per-entry size and
compression ratio checked before anything is decompressed, and reads capped in bytes.
What real tools do differently is absorbed: ``Project.qde`` and ``Sources/`` in any
case, GUIDs in braces or upper case, a bare file name as plainTextPath (qc), a BOM in
the text files. Positions are counted as the tool counts them (NVivo: UTF-16 code units
over the CRLF text), decided from ``origin`` and checked on every selection; texts are
normalised to LF and NFC and positions mapped onto them (see ``_place_selections``).
What the read leaves out or doubts is a ``QdpxProblem`` for the import report; anything
that makes the project unusable is one FormatError naming the file and line.
"""

from __future__ import annotations

import bisect
import io
import json
import re
import unicodedata
import uuid
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from coder.core.codebook_sync import is_guid, normalise_uid
from coder.core.model import Code, Codebook, Document, DocumentRecord, Section, Theme
from coder.formats.codebook_yaml import colour_to_hex
from coder.formats.errors import FormatError
from coder.formats.qdc import (
    GUID_NAMESPACE,
    _Element,
    _is_refi,
    _parse,
    file_name,
    fold_code_description,
    fold_theme_description,
    read_qdc,
)

NS = "urn:QDA-XML:project:1.0"
ORIGIN = "coder"
PROJECT_FILE = "project.qde"
SOURCES_DIR = "sources"

# Limits for reading archives from elsewhere. A 100,000-abstract project is ~100,000
# small entries and a few hundred MB; anything past these is refused before decompressing.
MAX_ENTRIES = 250_000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_ENTRY_BYTES = 512 * 1024**2
MAX_RATIO = 200  # uncompressed / compressed, for entries over RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1024**2

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 units each (emoji, ...)
_DOC_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf", ".md", ".html", ".htm")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same project gives the same archive


# ---- the project as data ------------------------------------------------------------------


@dataclass
class QdpxUser:
    guid: str
    name: str


@dataclass
class QdpxCoding:
    guid: str
    code_guid: str
    user_guid: str | None = None
    created: str | None = None
    notes: list[str] = field(default_factory=list)  # Note GUIDs (our coding memos)


@dataclass
class QdpxSelection:
    guid: str
    start: int
    end: int
    codings: list[QdpxCoding] = field(default_factory=list)
    user_guid: str | None = None
    created: str | None = None
    name: str = ""
    line: int | None = None  # where in project.qde, for error messages


@dataclass
class QdpxSource:
    guid: str
    name: str
    text: str | None  # None when the text is not in the archive (see ``missing``)
    variables: dict[str, str] = field(default_factory=dict)
    description: str = ""
    selections: list[QdpxSelection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    user_guid: str | None = None
    missing: str | None = None
    line: int | None = None


@dataclass
class QdpxNote:
    guid: str
    name: str
    text: str
    user_guid: str | None = None
    created: str | None = None
    modified: str | None = None


@dataclass
class QdpxProblem:
    """An element the read left out (``kept`` False) or kept but doubts, and why."""

    kind: str  # element kind as the import report counts it: "codings", "sets", ...
    what: str  # what the file calls it, with its source where that helps
    reason: str
    kept: bool = False
    line: int | None = None  # in project.qde

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.what}{where}: {self.reason}"


@dataclass
class QdpxCase:
    """A case (a participant, a site) with its attribute values and the sources it is in:
    coder writes one per speaker; other tools' cases are read back as attributes."""

    guid: str
    name: str
    variables: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # TextSource GUIDs
    line: int | None = None


@dataclass
class QdpxProject:
    """Everything coder exchanges. GUIDs are lower case without braces after reading."""

    name: str
    origin: str = ORIGIN
    users: list[QdpxUser] = field(default_factory=list)
    codes: list[Code] = field(default_factory=list)  # uid = GUID; tree order, parent by name
    themes: list[Theme] = field(default_factory=list)  # uid = GUID; codes by name
    sources: list[QdpxSource] = field(default_factory=list)
    notes: list[QdpxNote] = field(default_factory=list)
    code_notes: dict[str, list[str]] = field(default_factory=dict)  # code GUID -> note GUIDs
    theme_notes: dict[str, list[str]] = field(default_factory=dict)  # set GUID -> note GUIDs
    project_notes: list[str] = field(default_factory=list)
    # What the read found per element kind, and what it left out or doubts, each saying why.
    found: dict[str, int] = field(default_factory=dict)
    problems: list[QdpxProblem] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)  # names the project declares
    counting: Counting | None = None  # how the file's selections count positions
    counting_note: str = ""  # why that counting, in words

    @property
    def skipped(self) -> list[str]:
        """One line per element left out of the read."""
        return [str(p) for p in self.problems if not p.kept]

    cases: list[QdpxCase] = field(default_factory=list)


def guid_for(*parts: object) -> str:
    """A GUID that is the same for the same parts in every export."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(str(p) for p in parts)))


# ---- bibliographic metadata as Variables ---------------------------------------------------

# (variable name, Document attribute). "Year" is an Integer variable, the rest Text.
VARIABLES = (
    ("Title", "title"), ("Authors", "authors"), ("Year", "year"), ("Date", "date"),
    ("Type", "type"), ("Journal", "journal"), ("Volume", "volume"), ("Issue", "issue"),
    ("Pages", "pages"), ("ISSN", "issn"), ("DOI", "doi"), ("Keywords", "keywords"),
    ("Sections (coder)", "sections"),
)  # fmt: skip
_LIST_SEPARATOR = "; "


def document_variables(doc: Document) -> dict[str, str]:
    """A document's metadata as Variable values (only what is set)."""
    values: dict[str, str] = {}
    for name, attr in VARIABLES:
        if attr == "sections":
            spans, offset = [], 0
            for section in doc.sections:
                if not section.text:
                    continue
                span = {
                    "heading": section.heading,
                    "start": offset,
                    "end": offset + len(section.text),
                }
                span |= _turn_of(section)
                spans.append(span)
                offset += len(section.text) + 2
            if any(s["heading"] or "speaker" in s or "start_ms" in s for s in spans):
                values[name] = json.dumps(spans, ensure_ascii=False, separators=(",", ":"))
            continue
        value = getattr(doc, attr)
        if isinstance(value, list):
            value = _LIST_SEPARATOR.join(v for v in value if v.strip())
        if value not in (None, ""):
            values[name] = str(value)
    return values


def _sections(text: str, raw: str | None) -> list[Section]:
    """Headed sections from our own "Sections" variable, when they fit the text exactly."""
    if raw:
        try:
            spans = json.loads(raw)
            sections = [
                Section(
                    s.get("heading"),
                    text[int(s["start"]) : int(s["end"])],
                    *(_turn_field(s, k) for k in ("speaker", "start_ms", "end_ms")),
                )
                for s in spans
            ]
        except (ValueError, TypeError, KeyError, AttributeError):
            sections = []
        if sections and "\n\n".join(s.text for s in sections if s.text) == text:
            return sections
    return [Section(None, text)] if text else []


def _turn_of(section: Section) -> dict[str, object]:
    """A transcript turn's speaker and times, for the sections variable (issue 20)."""
    values = {"speaker": section.speaker, "start_ms": section.start_ms, "end_ms": section.end_ms}
    return {k: v for k, v in values.items() if v is not None}


def _turn_field(span: dict, name: str) -> object:
    value = span.get(name)
    if name == "speaker":
        return value if isinstance(value, str) and value.strip() else None
    return value if isinstance(value, int) and value >= 0 else None


def source_record(source: QdpxSource, name_as_title: bool = True) -> DocumentRecord:
    """A document record for a text source, from our Variables where present.

    Other tools name a source after its file ("Interview 3.docx"), which is the best
    title there is; our own exports name it by citation key, which is not a title.
    """
    v = source.variables
    year = v.get("Year", "").strip()
    title = v.get("Title") or (_title_from_name(source.name) if name_as_title else "")
    return DocumentRecord(
        sections=_sections(source.text or "", v.get("Sections (coder)")),
        title=title or None,
        authors=[a.strip() for a in v.get("Authors", "").split(";") if a.strip()],
        year=int(year) if year.isdigit() else None,
        date=v.get("Date") or None,
        type=v.get("Type") or None,
        journal=v.get("Journal") or None,
        volume=v.get("Volume") or None,
        issue=v.get("Issue") or None,
        pages=v.get("Pages") or None,
        issn=v.get("ISSN") or None,
        doi=v.get("DOI") or None,
        keywords=[k.strip() for k in v.get("Keywords", "").split(";") if k.strip()],
        line=source.line,
    )


def _title_from_name(name: str) -> str:
    name = name.strip()
    lower = name.lower()
    for suffix in _DOC_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)].strip()
    return name


# ---- writing ----------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters, lone surrogates)."""
    return _XML_ILLEGAL.sub("", text)


def _attrs(**values: str | None) -> dict[str, str]:
    return {k: _clean(v) for k, v in values.items() if v is not None and v != ""}


def _note_refs(parent: ET.Element, guids: list[str], tag: str = "NoteRef") -> None:
    for guid in guids:
        ET.SubElement(parent, tag, {"targetGUID": guid})


def _write_codes(root: ET.Element, project: QdpxProject) -> None:
    if not project.codes:
        return
    codes_el = ET.SubElement(ET.SubElement(root, "CodeBook"), "Codes")
    elements: dict[str, ET.Element] = {}
    for code in project.codes:
        colour = colour_to_hex(code.colour)
        attrs = _attrs(guid=code.uid, name=file_name(code), isCodable="true", color=colour)
        parent = elements.get(code.parent) if code.parent else None
        element = ET.SubElement(parent if parent is not None else codes_el, "Code", attrs)
        description = fold_code_description(code)
        if description:
            ET.SubElement(element, "Description").text = _clean(description)
        _note_refs(element, project.code_notes.get(code.uid or "", []))
        elements[code.name] = element


def _write_variables(root: ET.Element, project: QdpxProject) -> dict[str, str]:
    used = {name for s in project.sources for name in s.variables}
    used |= {name for c in project.cases for name in c.variables}
    names = [name for name, _ in VARIABLES if name in used]
    names += sorted(used - set(names))
    if not names:
        return {}
    variables_el = ET.SubElement(root, "Variables")
    guids = {}
    for name in names:
        guids[name] = guid_for("variable", name)
        kind = "Integer" if name == "Year" else "Text"
        ET.SubElement(
            variables_el, "Variable", _attrs(guid=guids[name], name=name, typeOfVariable=kind)
        )
    return guids


def _write_source(parent: ET.Element, source: QdpxSource, variable_guids: dict[str, str]) -> None:
    element = ET.SubElement(
        parent,
        "TextSource",
        _attrs(guid=source.guid, name=source.name, plainTextPath=f"internal://{source.guid}.txt",
               creatingUser=source.user_guid),
    )  # fmt: skip
    if source.description:
        ET.SubElement(element, "Description").text = _clean(source.description)
    for sel in sorted(source.selections, key=lambda s: (s.start, s.end, s.guid)):
        sel_el = ET.SubElement(
            element,
            "PlainTextSelection",
            _attrs(guid=sel.guid, name=sel.name, startPosition=str(sel.start), endPosition=str(sel.end),
                   creatingUser=sel.user_guid, creationDateTime=sel.created),
        )  # fmt: skip
        for coding in sel.codings:
            coding_el = ET.SubElement(
                sel_el,
                "Coding",
                _attrs(
                    guid=coding.guid, creatingUser=coding.user_guid, creationDateTime=coding.created
                ),
            )
            ET.SubElement(coding_el, "CodeRef", {"targetGUID": coding.code_guid})
            _note_refs(coding_el, coding.notes)
    _note_refs(element, source.notes)
    _write_values(element, source.variables, variable_guids)


def _write_values(
    element: ET.Element, values: dict[str, str], variable_guids: dict[str, str]
) -> None:
    for name, value in values.items():
        value_el = ET.SubElement(element, "VariableValue")
        ET.SubElement(value_el, "VariableRef", {"targetGUID": variable_guids[name]})
        if name == "Year" and value.isdigit():
            ET.SubElement(value_el, "IntegerValue").text = value
        else:
            ET.SubElement(value_el, "TextValue").text = _clean(value)


def _write_cases(root: ET.Element, project: QdpxProject, variable_guids: dict[str, str]) -> None:
    """Cases: a speaker with their attribute values and the sources they speak in."""
    if not project.cases:
        return
    cases_el = ET.SubElement(root, "Cases")
    for case in project.cases:
        case_el = ET.SubElement(cases_el, "Case", _attrs(guid=case.guid, name=case.name))
        _write_values(case_el, case.variables, variable_guids)
        for guid in case.sources:
            ET.SubElement(case_el, "SourceRef", {"targetGUID": guid})


def project_xml(project: QdpxProject) -> bytes:
    """project.qde for the project; it validates against the REFI-QDA Project.xsd."""
    root = ET.Element(
        "Project",
        {"xmlns": NS, **_attrs(name=project.name or "coder project", origin=project.origin)},
    )
    if project.users:
        users_el = ET.SubElement(root, "Users")
        for user in project.users:
            ET.SubElement(users_el, "User", _attrs(guid=user.guid, name=user.name))
    _write_codes(root, project)
    variable_guids = _write_variables(root, project)
    _write_cases(root, project, variable_guids)
    if project.sources:
        sources_el = ET.SubElement(root, "Sources")
        for source in project.sources:
            _write_source(sources_el, source, variable_guids)
    if project.notes:
        notes_el = ET.SubElement(root, "Notes")
        for note in project.notes:
            note_el = ET.SubElement(
                notes_el,
                "Note",
                _attrs(guid=note.guid, name=note.name, creatingUser=note.user_guid,
                       creationDateTime=note.created, modifyingUser=note.user_guid if note.modified else None,
                       modifiedDateTime=note.modified),
            )  # fmt: skip
            ET.SubElement(note_el, "PlainTextContent").text = _clean(note.text)
    code_guids = {c.name: c.uid for c in project.codes}
    if project.themes:
        sets_el = ET.SubElement(root, "Sets")
        for theme in project.themes:
            set_el = ET.SubElement(sets_el, "Set", _attrs(guid=theme.uid, name=theme.name))
            description = fold_theme_description(theme)
            if description:
                ET.SubElement(set_el, "Description").text = _clean(description)
            for name in theme.codes:
                if code_guids.get(name):
                    ET.SubElement(set_el, "MemberCode", {"targetGUID": code_guids[name]})
            _note_refs(set_el, project.theme_notes.get(theme.uid or "", []), "MemberNote")
    _note_refs(root, project.project_notes)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    buffer = io.BytesIO()
    tree.write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue() + b"\n"


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_qdpx(project: QdpxProject, out: BinaryIO) -> None:
    """The .qdpx archive: project.qde, then sources/<guid>.txt (UTF-8, LF) per source."""
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(_entry(PROJECT_FILE), project_xml(project))
        for source in project.sources:
            text = source.text or ""
            archive.writestr(_entry(f"{SOURCES_DIR}/{source.guid}.txt"), text.encode("utf-8"))


# ---- positions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counting:
    """How a tool counts positions in a source text.

    The standard says Unicode code points over the text as stored. NVivo for Windows
    counts UTF-16 code units (a character outside the Basic Multilingual Plane counts
    two); some tools count a CRLF line end as one position although they store two
    characters, and some count a leading BOM.
    """

    utf16: bool = False  # UTF-16 code units instead of code points
    crlf_as_one: bool = False  # a stored CRLF counts one position
    bom: bool = False  # a leading BOM counts one position

    def describe(self) -> str:
        unit = "UTF-16 code units" if self.utf16 else "code points"
        lines = "a CRLF counted as one" if self.crlf_as_one else "line ends counted as stored"
        return f"{unit}, {lines}" + (", the BOM counted" if self.bom else "")


CODE_POINTS = Counting()
UTF16 = Counting(utf16=True)
COUNTINGS = tuple(
    Counting(u, c, b) for u in (False, True) for c in (False, True) for b in (False, True)
)


def origin_counting(origin: str) -> Counting:
    """What a tool's ``origin`` attribute says about how it counts, before looking.

    NVivo (Windows and Mac, both built on UTF-16 strings) counts UTF-16 code units;
    everything else is taken at the standard's word until its selections say otherwise.
    """
    return UTF16 if "nvivo" in origin.lower() else CODE_POINTS


class _Stretch:
    """A map from one counting of a text to another that is linear between a few spots.

    A source of a million characters has only a handful of places where a tool counts
    differently (a CRLF, an emoji, a decomposed accent), so the map keeps those places
    (sorted by where they start) and the shift after each, instead of one entry per
    character: building it is one regex pass, looking up a position one bisect.
    """

    __slots__ = ("starts", "ends", "targets", "shifts", "first_shift")

    def __init__(self, first_shift: int) -> None:
        self.starts: list[int] = []  # first position of each spot, in the source counting
        self.ends: list[int] = []  # first position after it
        self.targets: list[int] = []  # where the spot's first position lands
        self.shifts: list[int] = []  # target - source for positions after the spot
        self.first_shift = first_shift  # target - source before the first spot

    def add(self, start: int, end: int, target: int, target_end: int) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.targets.append(target)
        self.shifts.append(target_end - end)

    def spot(self, position: int) -> int:
        """The index of the last spot starting at or before ``position``, or -1."""
        return bisect.bisect_right(self.starts, position) - 1

    def at(self, position: int) -> tuple[int, bool]:
        """Where a position lands, and whether it is a spot's first position or outside all."""
        k = self.spot(position)
        if k < 0:
            return position + self.first_shift, True
        if position < self.ends[k]:
            return self.targets[k], position == self.starts[k]
        return position + self.shifts[k], True


class TextMap:
    """A source text normalised (BOM gone, LF line ends, NFC) with a tool's positions mapped.

    Tools count positions in the text as stored, so "\\r\\n" is two positions there and
    one here; a decomposed "é" is two there and one here; under ``Counting.utf16`` an
    emoji is two there and one here. A start inside such a unit moves to its beginning,
    an end inside it to its end; ``inside`` tells whether a position falls inside one.
    """

    def __init__(self, raw: str, counting: Counting = CODE_POINTS) -> None:
        self.has_bom = raw.startswith("\ufeff")
        raw = raw.removeprefix("\ufeff")
        self.raw = raw
        self.counting = counting
        shift = 1 if counting.bom and self.has_bom else 0
        self._units = _tool_units(raw, counting, shift)
        self.raw_length = len(raw) - (self._units.shifts[-1] if self._units.shifts else -shift)
        self.text, self._map = _normalised(raw)

    def _raw(self, position: int) -> tuple[int, bool]:
        if position < -self._units.first_shift:  # the counted BOM: before the first character
            return 0, True
        return self._units.at(position)

    def inside(self, position: int) -> bool:
        """True when a tool position falls inside one character or line break here."""
        raw, first = self._raw(position)
        if not first:
            return True
        return self._map is not None and not self._map.at(raw)[1]

    def start(self, position: int) -> int:
        raw = self._raw(position)[0]
        return raw if self._map is None else self._map.at(raw)[0]

    def end(self, position: int) -> int:
        raw, first = self._raw(position)
        if not first:  # inside a surrogate pair: the character ends after it
            raw += 1
        if self._map is None:
            return raw
        k = self._map.spot(raw)
        if k >= 0 and raw < self._map.ends[k] and raw != self._map.starts[k]:
            raw = self._map.ends[k]
        return self._map.at(raw)[0]


_TOOL_SPOTS = {
    (True, True): re.compile("\r\n|[\U00010000-\U0010ffff]"),
    (True, False): _ASTRAL,
    (False, True): re.compile("\r\n"),
}


def _tool_units(raw: str, counting: Counting, shift: int) -> _Stretch:
    """Tool positions to positions in ``raw``: an emoji is two tool units under UTF-16,
    a CRLF one under ``crlf_as_one``; a counted BOM shifts everything by one."""
    # Positions are mapped from the tool's counting to raw, so the stretch runs backwards:
    # "target" is raw, "source" the tool's position.
    units = _Stretch(-shift)
    pattern = _TOOL_SPOTS.get((counting.utf16, counting.crlf_as_one))
    if pattern is None:
        return units
    delta = shift  # tool - raw before the next spot
    for match in pattern.finditer(raw):
        i = match.start()
        tool = i + delta
        if match.group() == "\r\n":  # one tool unit for two raw characters
            units.add(tool, tool + 1, i, i + 2)
            delta -= 1
        else:  # two tool units (the surrogates) for one raw character
            units.add(tool, tool + 2, i, i + 1)
            delta += 1
    return units


_CLUSTER_CANDIDATE = re.compile("[\r\u0300-\U0010ffff]")


def _normalised(raw: str) -> tuple[str, _Stretch | None]:
    """The text as coder stores it (LF line ends, NFC), and raw positions mapped into it.

    A line break ("\\r\\n" or "\\r") and a character with its combining marks are each one
    unit: a position inside one is not a boundary. Between such units the text is copied,
    so the map is linear there.
    """
    if "\r" not in raw and unicodedata.is_normalized("NFC", raw):
        return raw, None
    spots = _Stretch(0)
    parts: list[str] = []
    copied = 0  # raw position up to which the text has been copied into parts
    pos = 0  # position in the joined text
    n = len(raw)
    for match in _CLUSTER_CANDIDATE.finditer(raw):
        i = match.start()
        if i < copied:
            continue
        if raw[i] == "\r":
            start, j, unit = i, i + 2 if raw[i + 1 : i + 2] == "\n" else i + 1, "\n"
        else:
            if not (unicodedata.combining(raw[i]) or "\u1160" <= raw[i] <= "\u11ff"):
                if unicodedata.is_normalized("NFC", raw[i]):
                    continue
                start = i  # a character NFC changes on its own
            else:
                start = i - 1 if i > copied else i  # the base the marks sit on
            j = i + 1
            while j < n and (unicodedata.combining(raw[j]) or "\u1160" <= raw[j] <= "\u11ff"):
                j += 1
            unit = unicodedata.normalize("NFC", raw[start:j])
        plain = raw[copied:start]
        parts.append(unicodedata.normalize("NFC", plain))
        pos += len(parts[-1])
        spots.add(start, j, pos, pos + len(unit))
        parts.append(unit)
        pos += len(unit)
        copied = j
    parts.append(unicodedata.normalize("NFC", raw[copied:]))
    return unicodedata.normalize("NFC", "".join(parts)), spots


def _inside_word(text: str, position: int) -> bool:
    return 0 < position < len(text) and text[position - 1].isalnum() and text[position].isalnum()


def span_problem(textmap: TextMap, start: int, end: int) -> str | None:
    """Why a selection does not sit on the passage a reader would have chosen, or None.

    A person selects whole words (or whole lines, cells, paragraphs); a selection that
    starts or ends inside a word, or inside one character, is the sign of positions
    counted differently from how we read them.
    """
    if not 0 <= start < end <= textmap.raw_length:
        return f"positions {start}-{end} are outside the text (0-{textmap.raw_length})"
    if textmap.inside(start) or textmap.inside(end):
        return f"positions {start}-{end} fall inside a character or line break"
    text, a, b = textmap.text, textmap.start(start), textmap.end(end)
    where = [w for w, p in (("starts", a), ("ends", b)) if _inside_word(text, p)]
    if where:
        return f"{' and '.join(where)} inside a word: {_excerpt(text, a, b)}"
    return None


def _excerpt(text: str, start: int, end: int) -> str:
    """The passage with a few characters of context, the selection in [brackets]."""
    inner = " ".join(text[start:end].split())
    if len(inner) > 40:
        inner = inner[:18] + "…" + inner[-18:]
    before = " ".join(text[max(0, start - 12) : start].split())
    after = " ".join(text[end : end + 12].split())
    return f"“{before}[{inner}]{after}”"


def decode_text(data: bytes, file: str) -> str:
    """Source text bytes to str: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8")  # a BOM stays: some tools count it (TextMap drops it)
    except UnicodeDecodeError as exc:
        raise FormatError(file, f"not UTF-8 text (byte {exc.start})") from None


# ---- reading the archive safely ---------------------------------------------------------


def _unsafe_name(name: str) -> bool:
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return True
    return ".." in PurePosixPath(name).parts


def is_qdpx(path: Path) -> bool:
    """True for a zip holding project.qde at its top level (any case): a REFI-QDA project."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
                return False
        with zipfile.ZipFile(path) as archive:
            return any(n.lower() == PROJECT_FILE for n in archive.namelist())
    except (OSError, zipfile.BadZipFile):
        return False


class _Archive:
    """A checked zip: names vetted, sizes and ratios within limits, reads capped."""

    def __init__(self, path: Path) -> None:
        self.label = path.name
        try:
            self.zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise FormatError(
                self.label, "not a REFI-QDA project (.qdpx): not a zip archive"
            ) from None
        except OSError as exc:
            raise FormatError(self.label, f"cannot read: {exc.strerror or exc}") from None
        try:
            self._check()
        except BaseException:
            self.zip.close()
            raise

    def _check(self) -> None:
        infos = self.zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise FormatError(
                self.label, f"too many entries in the archive ({len(infos)} > {MAX_ENTRIES})"
            )
        total = 0
        for info in infos:
            if _unsafe_name(info.filename):
                raise FormatError(
                    self.label, f"unsafe entry name {info.filename!r} (absolute or with '..')"
                )
            total += info.file_size
            if info.file_size > MAX_ENTRY_BYTES:
                raise FormatError(
                    self.label, f"entry {info.filename!r} is too large ({info.file_size} bytes)"
                )
            if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise FormatError(
                    self.label, f"entry {info.filename!r} expands {info.file_size // max(info.compress_size, 1)}"
                    " times: refused as a possible zip bomb",
                )  # fmt: skip
        if total > MAX_TOTAL_BYTES:
            raise FormatError(
                self.label, f"the archive expands to {total} bytes (limit {MAX_TOTAL_BYTES})"
            )
        self.files = {i.filename.replace("\\", "/"): i for i in infos if not i.is_dir()}
        self.lower = {name.lower(): info for name, info in self.files.items()}

    def close(self) -> None:
        self.zip.close()

    def project_entry(self) -> zipfile.ZipInfo:
        info = self.lower.get(PROJECT_FILE)
        if info is None:
            raise FormatError(self.label, "not a REFI-QDA project: no project.qde in the archive")
        return info

    def source_entry(self, file_name: str) -> zipfile.ZipInfo | None:
        return self.lower.get(f"{SOURCES_DIR}/{file_name}".lower())

    def read(self, info: zipfile.ZipInfo) -> bytes:
        cap = min(info.file_size, MAX_ENTRY_BYTES)
        try:
            with self.zip.open(info) as fh:
                data = fh.read(cap + 1)
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise FormatError(self.label, f"cannot read {info.filename!r}: {exc}") from None
        if len(data) > cap:
            raise FormatError(self.label, f"entry {info.filename!r} is larger than its header says")
        return data


# ---- reading project.qde ----------------------------------------------------------------


@dataclass
class _PendingSource:
    """A source as read, before its positions are mapped onto the normalised text."""

    source: QdpxSource
    raw: str | None
    selections: list[QdpxSelection] = field(default_factory=list)


class _ProjectReader:
    def __init__(self, archive: _Archive, file: str) -> None:
        self.archive, self.file = archive, file

    def fail(self, element: _Element, message: str) -> FormatError:
        return FormatError(self.file, message, element.line, element.column)

    def guid(
        self, element: _Element, what: str, attr: str = "guid", required: bool = True
    ) -> str | None:
        raw = element.attrs.get(attr, "").strip()
        if not raw:
            if required:
                raise self.fail(element, f"{what} has no {attr}")
            return None
        if not is_guid(raw):
            raise self.fail(element, f"{what} has an invalid {attr} {raw!r}")
        return normalise_uid(raw)

    def position(self, element: _Element, attr: str) -> int:
        raw = element.attrs.get(attr, "").strip()
        if not re.fullmatch(r"[0-9]+", raw):
            raise self.fail(element, f"selection has an invalid {attr} {raw!r}")
        return int(raw)

    def text_of(self, element: _Element, what: str) -> tuple[str | None, str | None]:
        """(raw text, reason it is missing) from PlainTextContent or plainTextPath.

        The standard writes ``internal://NAME`` for a file under sources/; qc writes the
        bare file name, which means the same.
        """
        content = element.find("PlainTextContent")
        if content is not None:
            return content.text, None
        path = element.attrs.get("plainTextPath", "").strip()
        if not path:
            return None, f"{what} has no text"
        if path.lower().startswith("internal://"):
            name = path[len("internal://") :].lstrip("/")
        elif "://" in path or path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
            return None, f"{what}: its text {path} is outside the archive"
        else:
            name = path.replace("\\", "/").removeprefix("./")
            if name.lower().startswith(f"{SOURCES_DIR}/"):
                name = name[len(SOURCES_DIR) + 1 :]
        if _unsafe_name(name) or "/" in name:
            raise self.fail(element, f"{what} has an unsafe plainTextPath {path!r}")
        info = self.archive.source_entry(name)
        if info is None:
            return None, f"{what}: its text sources/{name} is not in the archive"
        return decode_text(self.archive.read(info), f"{self.archive.label}/{info.filename}"), None

    def source(self, element: _Element, code_guids: set[str]) -> _PendingSource:
        """A text source with its selections at the file's own positions (mapped later,
        once the whole project says how its tool counts)."""
        guid = self.guid(element, "a TextSource") or ""
        path_name = element.attrs.get("plainTextPath", "").replace("\\", "/").rsplit("/", 1)[-1]
        name = element.attrs.get("name", "").strip() or path_name.strip() or guid
        what = f"source {name!r}"
        raw, missing = self.text_of(element, what)
        description = element.find("Description")
        source = QdpxSource(
            guid=guid, name=name, text=None,
            description=description.text.strip() if description is not None else "",
            notes=self.note_refs(element), user_guid=self.guid(element, what, "creatingUser", False),
            missing=missing, line=element.line,
        )  # fmt: skip
        pending = _PendingSource(source, raw)
        for sel_el in element.findall("PlainTextSelection"):
            sel_guid = self.guid(sel_el, f"a selection in {what}") or ""
            start, end = (
                self.position(sel_el, "startPosition"),
                self.position(sel_el, "endPosition"),
            )
            selection = QdpxSelection(
                guid=sel_guid, start=start, end=end, name=sel_el.attrs.get("name", ""),
                user_guid=self.guid(sel_el, "a selection", "creatingUser", False),
                created=sel_el.attrs.get("creationDateTime") or None, line=sel_el.line,
            )  # fmt: skip
            for coding_el in sel_el.findall("Coding"):
                selection.codings.append(self.coding(coding_el, code_guids))
            pending.selections.append(selection)
        return pending

    def coding(self, element: _Element, code_guids: set[str]) -> QdpxCoding:
        ref = element.find("CodeRef")
        if ref is None:
            raise self.fail(element, "a Coding without a CodeRef")
        code = self.guid(ref, "a CodeRef", "targetGUID") or ""
        if code not in code_guids:
            raise self.fail(
                ref, f"a coding refers to code {code!r}, which the codebook does not have"
            )
        return QdpxCoding(
            guid=self.guid(element, "a Coding") or "",
            code_guid=code,
            user_guid=self.guid(element, "a Coding", "creatingUser", False),
            created=element.attrs.get("creationDateTime") or None,
            notes=self.note_refs(element),
        )

    def note_refs(self, element: _Element, tag: str = "NoteRef") -> list[str]:
        return [self.guid(ref, f"a {tag}", "targetGUID") or "" for ref in element.findall(tag)]

    def note(self, element: _Element) -> QdpxNote:
        guid = self.guid(element, "a Note") or ""
        name = element.attrs.get("name", "").strip()
        raw, _missing = self.text_of(element, f"note {name or guid!r}")
        return QdpxNote(
            guid=guid,
            name=name,
            text=TextMap(raw).text if raw else "",
            user_guid=self.guid(element, "a Note", "creatingUser", False),
            created=element.attrs.get("creationDateTime") or None,
            modified=element.attrs.get("modifiedDateTime") or None,
        )


def _walk_codes(element: _Element | None) -> list[_Element]:
    out: list[_Element] = []
    for code in element.findall("Code") if element is not None else []:
        out.append(code)
        out += _walk_codes(code)
    return out


def _walk_all(element: _Element) -> list[_Element]:
    out: list[_Element] = []
    for child in element.children:
        out.append(child)
        out += _walk_all(child)
    return out


def _all_guids(element: _Element, out: set[str]) -> set[str]:
    raw = element.attrs.get("guid")
    if raw and is_guid(raw):
        out.add(normalise_uid(raw) or raw)
    for child in element.children:
        _all_guids(child, out)
    return out


_NON_TEXT = {
    "PictureSource": "picture",
    "PDFSource": "PDF",
    "AudioSource": "audio",
    "VideoSource": "video",
}


def read_qdpx(path: Path) -> QdpxProject:
    """Read a .qdpx archive; FormatError (one line, file and line) when it is not usable."""
    archive = _Archive(path)
    try:
        info = archive.project_entry()
        file = f"{archive.label}/{info.filename}"
        data = archive.read(info)
        root = _parse(data, file)
        if root.tag != "Project" or not _is_refi(root.ns):
            raise FormatError(
                file, f"not a REFI-QDA project: the root element is <{root.tag}>", root.line
            )
        return _read_project(root, _ProjectReader(archive, file), file, data)
    finally:
        archive.close()


def _read_project(root: _Element, reader: _ProjectReader, file: str, data: bytes) -> QdpxProject:
    project = QdpxProject(
        name=root.attrs.get("name", "").strip(), origin=root.attrs.get("origin", "").strip()
    )
    users_el = root.find("Users")
    for user_el in users_el.findall("User") if users_el is not None else []:
        guid = reader.guid(user_el, "a User") or ""
        project.users.append(QdpxUser(guid, user_el.attrs.get("name", "").strip()))
    book_el = root.find("CodeBook")
    renamed: list[tuple[str, str]] = []
    codebook = read_qdc(data, file, renamed) if book_el is not None else Codebook()
    for what, why in renamed:
        project.problems.append(QdpxProblem("codes", what, why, kept=True))
    project.codes, project.themes = codebook.codes, codebook.themes
    code_guids = {c.uid for c in project.codes if c.uid}
    codes_el = book_el.find("Codes") if book_el is not None else None
    for code_el in _walk_codes(codes_el):
        refs = reader.note_refs(code_el)
        if refs:
            project.code_notes[reader.guid(code_el, "a Code") or ""] = refs
    variables = _variables(root, reader)
    project.variables = list(variables.values())
    sources_el = root.find("Sources")
    pending: list[_PendingSource] = []
    other: dict[str, list[str]] = {}
    other_codings = 0
    for element in sources_el.children if sources_el is not None else []:
        if element.tag == "TextSource":
            item = reader.source(element, code_guids)
            item.source.variables = _variable_values(element, variables, reader)
            pending.append(item)
            project.sources.append(item.source)
        elif element.tag.endswith("Source"):
            kind = _NON_TEXT.get(element.tag, element.tag.removesuffix("Source"))
            other.setdefault(kind, []).append(element.attrs.get("name", "") or element.tag)
            other_codings += sum(
                len(sel.findall("Coding"))
                for sel in _walk_all(element)
                if sel.tag.endswith("Selection")
            )
    _place_selections(project, pending)
    for kind, names in other.items():
        project.problems.append(QdpxProblem(
            f"{kind} sources", _count_of(len(names), f"{kind} source"),
            "coder imports text only" + (f" (e.g. {names[0]!r})" if names[0] else ""),
        ))  # fmt: skip
    notes_el = root.find("Notes")
    project.notes = (
        [reader.note(n) for n in notes_el.findall("Note")] if notes_el is not None else []
    )
    project.project_notes = reader.note_refs(root)
    sets_el = root.find("Sets")
    set_names = {t.uid: t.name for t in project.themes}
    all_sets = sets_el.findall("Set") if sets_el is not None else []
    for set_el in all_sets:
        guid = reader.guid(set_el, "a Set")
        if guid in set_names:
            refs = reader.note_refs(set_el, "MemberNote")
            if refs:
                project.theme_notes[guid or ""] = refs
            if set_el.findall("MemberSource"):
                project.problems.append(QdpxProblem(
                    "sets", f"set {set_el.attrs.get('name', '')!r}",
                    "its member sources are left out: a theme holds codes", kept=True,
                    line=set_el.line,
                ))  # fmt: skip
        else:
            project.problems.append(QdpxProblem(
                "sets", f"set {set_el.attrs.get('name', '')!r}",
                "a set of sources or notes, not of codes: coder's themes hold codes",
                line=set_el.line,
            ))  # fmt: skip
    cases_el = root.find("Cases")
    cases = cases_el.findall("Case") if cases_el is not None else []
    if cases:
        project.problems.append(QdpxProblem(
            "cases", _count_of(len(cases), "case"),
            "coder has no cases (the sources' variables are kept as document metadata)",
        ))  # fmt: skip
    if other_codings:
        project.problems.append(QdpxProblem(
            "codings", _count_of(other_codings, "coding") + " on picture, PDF, audio or video sources",
            "left out with their sources",
        ))  # fmt: skip
    project.found = {
        "users": len(project.users),
        "codes": len(project.codes),
        "sets": len(all_sets),
        "text sources": len(project.sources),
        **{f"{kind} sources": len(names) for kind, names in other.items()},
        "codings": sum(len(sel.codings) for p in pending for sel in p.selections) + other_codings,
        "notes": len(project.notes),
        "variables": len(variables),
        "cases": len(cases),
    }
    _check_references(root, reader, project)
    project.cases = _read_cases(root, variables, reader)
    return project


def _count_of(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _place_selections(project: QdpxProject, pending: list[_PendingSource]) -> None:
    """Decide how the file counts positions, then put every selection on our text.

    The tool's habit (``origin``) is the first guess; each way of counting is then tried
    on every selection, and one that puts strictly more selections on whole words wins.
    A selection outside its text is left out, one inside a word is kept as the file
    says; both are listed, so nothing shifts or drops without a line saying so.
    """
    guess = origin_counting(project.origin)
    scores = dict.fromkeys(COUNTINGS, 0)
    total = 0
    maps: list[dict[Counting, TextMap]] = []
    for item in pending:
        cache: dict[Counting, TextMap] = {}
        maps.append(cache)
        if item.raw is None or not item.selections:
            continue
        total += len(item.selections)
        raw = item.raw
        has = (_ASTRAL.search(raw) is not None, "\r\n" in raw, raw.startswith("\ufeff"))
        for counting in COUNTINGS:
            effective = Counting(
                counting.utf16 and has[0], counting.crlf_as_one and has[1], counting.bom and has[2]
            )
            if effective not in cache:
                cache[effective] = TextMap(raw, effective)
            textmap = cache[effective]
            scores[counting] += sum(
                span_problem(textmap, sel.start, sel.end) is None for sel in item.selections
            )
    order = [guess, CODE_POINTS, *COUNTINGS]
    best = max(order, key=lambda c: (scores[c], -order.index(c)))
    project.counting = best
    if total:
        why = (
            f"{scores[best]} of {total} selections on whole words"
            + (f"; as {guess.describe()} ({project.origin or 'no origin'}): {scores[guess]}"
               if best != guess else f" (the habit of {project.origin or 'a tool without origin'})")
        )  # fmt: skip
        project.counting_note = f"positions read as {best.describe()}: {why}"
    for item, cache in zip(pending, maps, strict=True):
        source = item.source
        if item.raw is None:
            source.selections = item.selections
            continue
        raw = item.raw
        effective = Counting(
            best.utf16 and _ASTRAL.search(raw) is not None,
            best.crlf_as_one and "\r\n" in raw,
            best.bom and raw.startswith("\ufeff"),
        )
        textmap = cache.get(effective) or TextMap(raw, effective)
        source.text = textmap.text
        for sel in item.selections:
            problem = span_problem(textmap, sel.start, sel.end)
            what = f"selection {sel.name or sel.guid} in source {source.name!r}"
            codes = len(sel.codings)
            if problem is not None and not 0 <= sel.start < sel.end <= textmap.raw_length:
                project.problems.append(QdpxProblem(
                    "codings", what, f"{problem}; its {_count_of(codes, 'coding')} left out",
                    line=sel.line,
                ))  # fmt: skip
                continue
            if problem is not None:
                project.problems.append(
                    QdpxProblem(
                        "codings", what, f"{problem}; kept as the file says", True, sel.line
                    )
                )
            sel.start, sel.end = textmap.start(sel.start), textmap.end(sel.end)
            source.selections.append(sel)


def _read_cases(
    root: _Element, variables: dict[str, str], reader: _ProjectReader
) -> list[QdpxCase]:
    cases_el = root.find("Cases")
    out = []
    for case in cases_el.findall("Case") if cases_el is not None else []:
        guid = reader.guid(case, "a Case") or ""
        out.append(
            QdpxCase(
                guid=guid,
                name=case.attrs.get("name", "").strip() or guid,
                variables=_variable_values(case, variables, reader),
                sources=[
                    reader.guid(ref, "a SourceRef", "targetGUID") or ""
                    for ref in case.findall("SourceRef")
                ],
                line=case.line,
            )
        )
    return out


def _variables(root: _Element, reader: _ProjectReader) -> dict[str, str]:
    variables_el = root.find("Variables")
    names = {}
    for element in variables_el.findall("Variable") if variables_el is not None else []:
        names[reader.guid(element, "a Variable") or ""] = element.attrs.get("name", "").strip()
    return names


def _variable_values(
    element: _Element, names: dict[str, str], reader: _ProjectReader
) -> dict[str, str]:
    values = {}
    for value_el in element.findall("VariableValue"):
        ref = value_el.find("VariableRef")
        if ref is None:
            continue
        name = names.get(reader.guid(ref, "a VariableRef", "targetGUID") or "")
        if not name:
            raise reader.fail(
                ref, "a variable value refers to a variable the project does not declare"
            )
        value = next((c.text for c in value_el.children if c.tag.endswith("Value")), "")
        values[name] = value.strip()
    return values


def _check_references(root: _Element, reader: _ProjectReader, project: QdpxProject) -> None:
    """Every reference to a source or note must point at one the project has."""
    sources_el = root.find("Sources")
    source_guids = _all_guids(sources_el, set()) if sources_el is not None else set()
    note_guids = {n.guid for n in project.notes}
    sets_el = root.find("Sets")
    for set_el in sets_el.findall("Set") if sets_el is not None else []:
        for member in set_el.findall("MemberSource"):
            if reader.guid(member, "a MemberSource", "targetGUID") not in source_guids:
                raise reader.fail(
                    member, f"set {set_el.attrs.get('name', '')!r} refers to a missing source"
                )
    cases_el = root.find("Cases")
    for case in cases_el.findall("Case") if cases_el is not None else []:
        for ref in case.findall("SourceRef"):
            if reader.guid(ref, "a SourceRef", "targetGUID") not in source_guids:
                raise reader.fail(
                    ref, f"case {case.attrs.get('name', '')!r} refers to a missing source"
                )
    refs = list(project.project_notes)
    refs += [g for s in project.sources for g in s.notes]
    refs += [
        g for s in project.sources for sel in s.selections for c in sel.codings for g in c.notes
    ]
    refs += [g for gs in project.code_notes.values() for g in gs]
    refs += [g for gs in project.theme_notes.values() for g in gs]
    missing = sorted(set(refs) - note_guids)
    if missing:
        raise FormatError(
            reader.file, f"a NoteRef points to note {missing[0]!r}, which the project does not have"
        )
