"""REFI-QDA codebooks (.qdc): the exchange format of ATLAS.ti, MAXQDA, NVivo, Taguette...

A .qdc holds codes (nested, each with a GUID, a name, a colour and a free-text
Description) and Sets of codes. We map Sets to themes. Our codes carry more than a
description (include/exclude rules, examples, keywords), so `write_qdc` folds them into
the Description under plain labels that other tools show as readable text and that
`read_qdc` unfolds again; a Description without those labels is all definition.

Reading uses defusedxml's SAX parser: entity tricks are refused, and the locator gives
the line of each element so a bad file is reported as "file:line: what is wrong".
"""

from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET
import xml.sax
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import defusedxml.sax
from defusedxml.common import DefusedXmlException

from coder.core.codebook_sync import is_guid, normalise_name, normalise_uid
from coder.core.model import Code, Codebook, Theme
from coder.formats.codebook_yaml import colour_to_hex, exported_codes
from coder.formats.errors import FormatError

NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "coder"
# Namespace for the uuid5 GUIDs of codes and themes without a GUID of their own. Fixed
# forever: the same name must give the same GUID in every export, or re-imports duplicate.
GUID_NAMESPACE = uuid.UUID("6f1c2d0e-5b7a-5e43-9a61-3c0de0b00c01")
MAX_DEPTH = 100  # element nesting; real codebooks nest codes a handful of levels

_CODE_LABELS = ("Include", "Exclude", "Examples", "Keywords")
_THEME_LABELS = ("Scope", "Subtheme of")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_RGB = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


# ---- GUIDs and descriptions ------------------------------------------------------------


def code_guid(code: Code) -> str:
    """The code's GUID: its uid when that is a GUID, else a uuid5 that never changes.

    A non-GUID uid (e.g. "ps-01" in a YAML file) is hashed rather than the name, so the
    GUID survives renames just as the uid does.
    """
    if code.uid and is_guid(code.uid):
        return normalise_uid(code.uid) or ""
    seed = f"code-id:{code.uid}" if code.uid else f"code:{code.name}"
    return str(uuid.uuid5(GUID_NAMESPACE, seed))


def theme_guid(theme: Theme) -> str:
    """A theme's Set GUID, by the same rule as `code_guid`."""
    if theme.uid and is_guid(theme.uid):
        return normalise_uid(theme.uid) or ""
    seed = f"theme-id:{theme.uid}" if theme.uid else f"theme:{theme.name}"
    return str(uuid.uuid5(GUID_NAMESPACE, seed))


PATH_SEPARATOR = "/"


def path_name(parent: str, name: str) -> str:
    """How coder names a code whose name another code in the tree also has."""
    return f"{parent}{PATH_SEPARATOR}{name}"


def file_name(code: Code) -> str:
    """The name a code has in a REFI-QDA file: its own, without the parent path that
    coder adds when the name alone is ambiguous (``path_name``)."""
    prefix = f"{code.parent}{PATH_SEPARATOR}" if code.parent else ""
    if prefix and code.name.startswith(prefix) and len(code.name) > len(prefix):
        return code.name[len(prefix) :]
    return code.name


def fold_code_description(code: Code) -> str:
    """Definition, then "Include:", "Exclude:", "Examples:" and "Keywords:" paragraphs."""
    parts = [code.definition] if code.definition else []
    if code.include:
        parts.append(f"Include: {code.include}")
    if code.exclude:
        parts.append(f"Exclude: {code.exclude}")
    if code.examples:
        items = ["- " + example.replace("\n", "\n  ") for example in code.examples]
        parts.append("Examples:\n" + "\n".join(items))
    if code.keywords:
        parts.append("Keywords: " + "; ".join(code.keywords))
    return "\n\n".join(parts)


def fold_theme_description(theme: Theme) -> str:
    """Definition, then "Scope:" and "Subtheme of:" (Sets are flat in REFI-QDA)."""
    parts = [theme.definition] if theme.definition else []
    if theme.scope:
        parts.append(f"Scope: {theme.scope}")
    if theme.parent:
        parts.append(f"Subtheme of: {theme.parent}")
    return "\n\n".join(parts)


def unfold_description(text: str, labels: tuple[str, ...]) -> dict[str, str]:
    """Split a folded Description back into {"definition": ..., label: ...}.

    A label counts only at the start of the text or after a blank line, so a definition
    that merely mentions "include:" mid-paragraph stays whole.
    """
    pattern = re.compile(r"^(" + "|".join(map(re.escape, labels)) + r"):[ \t]?(.*)$")
    sections: dict[str, list[str]] = {"definition": []}
    current = "definition"
    previous_blank = True
    for line in text.replace("\r\n", "\n").split("\n"):
        match = pattern.match(line) if previous_blank else None
        if match and match.group(1) not in sections:
            current = match.group(1)
            sections[current] = [match.group(2)] if match.group(2) else []
        else:
            sections[current].append(line)
        previous_blank = not line.strip()
    return {key: "\n".join(lines).strip() for key, lines in sections.items()}


def _examples(text: str) -> list[str]:
    """Items of an "Examples:" section: "- " starts one, indented lines continue it."""
    items: list[list[str]] = []
    for line in text.split("\n"):
        if line.startswith("- ") or line == "-":
            items.append([line[2:]])
        elif line.strip() and items:
            items[-1].append(line[2:] if line.startswith("  ") else line.strip())
        elif line.strip():
            items.append([line.strip()])
    return [text for text in ("\n".join(item).strip() for item in items) if text]


# ---- writing ------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Drop characters XML 1.0 cannot hold (control characters, lone surrogates)."""
    return _XML_ILLEGAL.sub("", text)


def _hex_colour(colour: str | None) -> str | None:
    """The colour as REFI-QDA's "#RRGGBB": hex kept as written, names converted."""
    if colour and re.fullmatch(r"#[0-9a-fA-F]{6}", colour.strip()):
        return colour.strip()
    return colour_to_hex(colour)


def write_qdc(cb: Codebook, fileobj: IO[bytes] | IO[str]) -> None:
    """Write the active codes (nested) and the themes (as Sets) as a REFI-QDA codebook.

    The output validates against Codebook.xsd: every code has a GUID, a name and
    isCodable, and <Sets> is written only when there is a theme (an empty <Sets/> is
    invalid). Raises ValueError for a codebook without active codes, which the schema
    cannot express.
    """
    codes = exported_codes(cb)
    if not codes:
        raise ValueError("a REFI-QDA codebook needs at least one active code")
    # Plain tags with a literal xmlns: ElementTree's default_namespace option refuses the
    # schema's unqualified attributes.
    root = ET.Element("CodeBook", {"xmlns": NS, "origin": ORIGIN})
    codes_el = ET.SubElement(root, "Codes")
    elements: dict[str, ET.Element] = {}
    guids: dict[str, str] = {}
    for code, parent, _ in codes:
        guid = code_guid(code)
        if guid in guids.values():  # two codes sharing a uid: keep the file consistent
            guid = str(uuid.uuid5(GUID_NAMESPACE, f"code:{code.name}"))
        guids[code.name] = guid
        attrs = {"guid": guid, "name": _clean(file_name(code)), "isCodable": "true"}
        colour = _hex_colour(code.colour)
        if colour:
            attrs["color"] = colour
        container = elements[parent] if parent is not None else codes_el
        element = ET.SubElement(container, "Code", attrs)
        description = fold_code_description(code)
        if description:
            # Description must come before nested codes; children are added later.
            ET.SubElement(element, "Description").text = _clean(description)
        elements[code.name] = element
    if cb.themes:
        sets_el = ET.SubElement(root, "Sets")
        for theme in cb.themes:
            set_el = ET.SubElement(
                sets_el, "Set", {"guid": theme_guid(theme), "name": _clean(theme.name)}
            )
            description = fold_theme_description(theme)
            if description:
                ET.SubElement(set_el, "Description").text = _clean(description)
            for name in theme.codes:
                if name in guids:
                    ET.SubElement(set_el, "MemberCode", {"guid": guids[name]})
    tree = ET.ElementTree(root)
    ET.indent(tree)
    if isinstance(fileobj, io.TextIOBase):
        fileobj.write('<?xml version="1.0" encoding="utf-8"?>\n')
        tree.write(fileobj, encoding="unicode")
    else:
        tree.write(fileobj, encoding="utf-8", xml_declaration=True)
    fileobj.write("\n" if isinstance(fileobj, io.TextIOBase) else b"\n")  # type: ignore[arg-type]


# ---- reading ------------------------------------------------------------------------


@dataclass
class _Element:
    """An XML element with the position the SAX locator gave for its start tag."""

    ns: str | None
    tag: str
    attrs: dict[str, str]
    line: int
    column: int
    children: list[_Element] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.text_parts)

    def find(self, tag: str) -> _Element | None:
        return next((c for c in self.children if c.tag == tag and c.ns == self.ns), None)

    def findall(self, tag: str) -> list[_Element]:
        return [c for c in self.children if c.tag == tag and c.ns == self.ns]


class _TreeBuilder(xml.sax.handler.ContentHandler):
    """Builds _Element trees from namespaced SAX events, keeping line numbers."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file
        self.root: _Element | None = None
        self.stack: list[_Element] = []
        self.locator: xml.sax.xmlreader.Locator | None = None

    def setDocumentLocator(self, locator: xml.sax.xmlreader.Locator) -> None:  # noqa: N802
        self.locator = locator

    def position(self) -> tuple[int, int]:
        if self.locator is None:
            return 0, 0
        return self.locator.getLineNumber(), self.locator.getColumnNumber() + 1

    def startElementNS(self, name: tuple[str | None, str], qname: str | None, attrs) -> None:  # noqa: N802
        line, column = self.position()
        if len(self.stack) >= MAX_DEPTH:
            raise FormatError(self.file, f"elements nested deeper than {MAX_DEPTH}", line, column)
        values = {local: value for (_, local), value in attrs.items()}
        element = _Element(name[0], name[1], values, line, column)
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def endElementNS(self, name: tuple[str | None, str], qname: str | None) -> None:  # noqa: N802
        self.stack.pop()

    def characters(self, content: str) -> None:
        if self.stack:
            self.stack[-1].text_parts.append(content)


def _parse(data: bytes, file: str) -> _Element:
    builder = _TreeBuilder(file)
    parser = defusedxml.sax.make_parser()
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setContentHandler(builder)
    source = xml.sax.xmlreader.InputSource()
    source.setByteStream(io.BytesIO(data))
    try:
        parser.parse(source)
    except xml.sax.SAXParseException as exc:
        message = exc.getMessage()
        raise FormatError(
            file, f"broken XML: {message}", exc.getLineNumber(), exc.getColumnNumber() + 1
        ) from None
    except DefusedXmlException as exc:
        line, column = builder.position()
        what = type(exc).__name__.removesuffix("Forbidden").lower() or "construct"
        raise FormatError(
            file, f"XML {what} declarations are refused for safety", line or None, column or None
        ) from None
    if builder.root is None:
        raise FormatError(file, "no XML element found")
    return builder.root


def _is_refi(ns: str | None) -> bool:
    """REFI-QDA namespaces vary in their version suffix (codebook:0:4, codebook:1.0...)."""
    return ns is None or ns.startswith("urn:QDA-XML:")


class _QdcReader:
    """Turns the parsed tree into a Codebook, raising FormatError at the first problem."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.codes: list[Code] = []
        self.by_guid: dict[str, tuple[str, int]] = {}
        self.siblings: dict[tuple[int | None, str], tuple[str, int]] = {}
        self.parents: list[int | None] = []  # index of each code's parent in ``codes``
        self.renamed: list[tuple[str, str]] = []  # (code, why its name changed)

    def fail(self, element: _Element, message: str) -> FormatError:
        return FormatError(self.file, message, element.line, element.column)

    def guid(self, element: _Element, what: str, attr: str = "guid") -> str:
        raw = element.attrs.get(attr, "").strip()
        if not raw:
            raise self.fail(element, f"{what} has no guid")
        if not is_guid(raw):
            raise self.fail(element, f"{what} has an invalid guid {raw!r}")
        return normalise_uid(raw) or raw

    def name(self, element: _Element, what: str) -> str:
        name = element.attrs.get("name", "").strip()
        if not name:
            raise self.fail(element, f"<{what}> without a name")
        return name

    def code(self, element: _Element, parent: int | None) -> None:
        """Read a code and its children; names are settled by ``name_codes`` afterwards."""
        name = self.name(element, "Code")
        guid = self.guid(element, f"code {name!r}")
        if guid in self.by_guid:
            other, line = self.by_guid[guid]
            raise self.fail(element, f"code {name!r} repeats the guid of {other!r} (line {line})")
        # REFI-QDA keeps names unique among siblings only; a tool that lets two siblings
        # share a name gets the second one numbered, and the read says so.
        key = (parent, normalise_name(name))
        if key in self.siblings:
            other, line = self.siblings[key]
            base, n = name, 2
            while key in self.siblings:
                name, n = f"{base} ({n})", n + 1
                key = (parent, normalise_name(name))
            self.renamed.append((
                f"code {base!r} (line {element.line})",
                f"its sibling {other!r} (line {line}) has the same name: named {name!r}",
            ))  # fmt: skip
        self.by_guid[guid] = (name, element.line)
        self.siblings[key] = (name, element.line)
        description = element.find("Description")
        parts = unfold_description(description.text if description else "", _CODE_LABELS)
        colour = element.attrs.get("color", "").strip()
        index = len(self.codes)
        self.parents.append(parent)
        self.codes.append(
            Code(
                name=name,
                definition=parts["definition"],
                include=parts.get("Include", ""),
                exclude=parts.get("Exclude", ""),
                examples=_examples(parts.get("Examples", "")),
                keywords=[k.strip() for k in parts.get("Keywords", "").split(";") if k.strip()],
                colour=colour if _RGB.match(colour) else None,
                parent=None,
                uid=guid,
            )
        )
        for child in element.findall("Code"):
            self.code(child, index)

    def name_codes(self) -> None:
        """Give each code its name in coder: the file's name where no other code in the
        tree shares it, else its path ``parent/name`` (see docs/codebook.md)."""
        counts = Counter(normalise_name(c.name) for c in self.codes)
        taken: set[str] = set()
        for code, parent in zip(self.codes, self.parents, strict=True):
            parent_name = self.codes[parent].name if parent is not None else None
            name = code.name
            if counts[normalise_name(name)] > 1 and parent_name is not None:
                name = path_name(parent_name, name)
            base, n = name, 2
            while normalise_name(name) in taken:
                name, n = f"{base} ({n})", n + 1
            if name != base:
                self.renamed.append(
                    (f"code {base!r}", f"another code has that name: named {name!r}")
                )
            taken.add(normalise_name(name))
            code.name, code.parent = name, parent_name
            self.by_guid[code.uid or ""] = (name, self.by_guid[code.uid or ""][1])

    def themes(self, sets: _Element | None) -> list[Theme]:
        if sets is None:
            return []
        themes: list[Theme] = []
        code_names = {guid: name for guid, (name, _) in self.by_guid.items()}
        seen: dict[str, int] = {}
        parents: dict[str, str] = {}
        for element in sets.findall("Set"):
            if not element.findall("MemberCode") and (
                element.findall("MemberSource") or element.findall("MemberNote")
            ):
                continue  # a project's set of documents or notes, not of codes
            name = self.name(element, "Set")
            guid = self.guid(element, f"set {name!r}")
            if normalise_name(name) in seen:
                raise self.fail(
                    element, f"duplicate set {name!r} (first at line {seen[normalise_name(name)]})"
                )
            seen[normalise_name(name)] = element.line
            description = element.find("Description")
            parts = unfold_description(description.text if description else "", _THEME_LABELS)
            members: list[str] = []
            for member in element.findall("MemberCode"):
                # The codebook schema says guid=, the project schema targetGUID=.
                attr = "targetGUID" if "targetGUID" in member.attrs else "guid"
                ref = self.guid(member, f"a MemberCode of set {name!r}", attr)
                if ref not in code_names:
                    raise self.fail(member, f"set {name!r} refers to unknown code guid {ref!r}")
                if code_names[ref] not in members:
                    members.append(code_names[ref])
            if parts.get("Subtheme of"):
                parents[name] = parts["Subtheme of"]
            themes.append(
                Theme(
                    name=name,
                    definition=parts["definition"],
                    scope=parts.get("Scope", ""),
                    codes=members,
                    order=len(themes),
                    uid=guid,
                )
            )
        names = {t.name for t in themes}
        for theme in themes:
            parent = parents.get(theme.name)
            theme.parent = parent if parent in names and parent != theme.name else None
        return themes


def read_qdc(data: bytes, file: str, renamed: list[tuple[str, str]] | None = None) -> Codebook:
    """A Codebook from a .qdc file's bytes (or the CodeBook inside a .qde project).

    GUIDs become lower-case bare uids, nested codes get their parent's name, Sets become
    themes. Raises FormatError naming the file and line for broken or unexpected XML.
    """
    root = _parse(data, file)
    origin = root.attrs.get("origin", "").strip()
    project: _Element | None = None
    if root.tag == "Project" and _is_refi(root.ns):
        # A .qde project holds the codebook inside, and its Sets beside it.
        project, book = root, root.find("CodeBook")
        if book is None:
            raise FormatError(file, "the project has no <CodeBook>", root.line, root.column)
        root = book
    if root.tag != "CodeBook" or not _is_refi(root.ns):
        where = f" in namespace {root.ns!r}" if root.ns else ""
        raise FormatError(
            file,
            f"not a REFI-QDA codebook: the root element is <{root.tag}>{where}",
            root.line,
            root.column,
        )
    codes_el = root.find("Codes")
    if codes_el is None:
        raise FormatError(file, "the codebook has no <Codes> element", root.line, root.column)
    reader = _QdcReader(file)
    for element in codes_el.findall("Code"):
        reader.code(element, None)
    reader.name_codes()
    if renamed is not None:
        renamed += reader.renamed
    sets = root.find("Sets")
    if sets is None and project is not None:
        sets = project.find("Sets")
    themes = reader.themes(sets)
    return Codebook(
        title=Path(file).stem or "Codebook",
        description=f"Imported from {origin}." if origin and origin != ORIGIN else "",
        codes=reader.codes,
        themes=themes,
    )
