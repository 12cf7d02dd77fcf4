"""Case attributes of documents and speakers: set one, load a sheet, list them.

Each change is one audited event (undo works on it like on any other). The reference
metadata a document came with (year, journal, type) and the speakers of transcripts are
attributes too, but read-only ones: they are part of the imported document, which its
import event vouches for, so an attribute of the same name is refused rather than
silently shadowing the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coder.formats.attributes_csv import read_attribute_sheet
from coder.services.workspace import ServiceError, Workspace
from coder.store import attributes as qa
from coder.store import queries as q
from coder.store.db import Tx

TARGET_TYPES = ("document", "speaker")
BUILT_IN = qa.BUILT_IN


@dataclass
class AttributeValue:
    name: str
    value: str | None
    editable: bool  # False for reference metadata


@dataclass
class LoadSummary:
    file: str
    rows: int = 0
    set: int = 0
    changed: int = 0
    unchanged: int = 0
    names: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.file}: {self.rows} rows, {self.set} values set, {self.changed} changed, "
            f"{self.unchanged} unchanged ({', '.join(self.names)})"
        )


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ServiceError("an attribute needs a name")
    if name.lower() in BUILT_IN:
        raise ServiceError(
            f"{name!r} comes from the documents themselves ({', '.join(BUILT_IN)}) and "
            "cannot be set; choose another name"
        )
    return name


def _check_target(tx_or_session, ws: Workspace, target_type: str, target: str) -> None:
    session = getattr(tx_or_session, "session", tx_or_session)
    if target_type not in TARGET_TYPES:
        raise ServiceError(f"attributes belong to a document or a speaker, not {target_type!r}")
    if target_type == "document":
        if q.document_row(session, ws.project.id, target) is None:
            raise ServiceError(f"no document with key {target!r}")
    elif target not in qa.speakers(session, ws.project.id):
        raise ServiceError(f"no speaker named {target!r} in the project's transcripts")


def put_attribute(
    tx: Tx, project_id: int, target_type: str, target: str, name: str, value: str
) -> str:
    """Set (or with an empty value, clear) one value: "set", "changed", "cleared" or
    "unchanged"."""
    row = qa.attribute_row(tx.session, project_id, target_type, target, name)
    value = value.strip()
    if row is None:
        if not value:
            return "unchanged"
        tx.insert(
            "attribute",
            project_id=project_id,
            target_type=target_type,
            target=target,
            name=name,
            value=value,
        )
        return "set"
    if not value:
        tx.delete("attribute", row)
        return "cleared"
    if row.value == value:
        return "unchanged"
    tx.update("attribute", row, value=value)
    return "changed"


def set_attribute(ws: Workspace, target_type: str, target: str, name: str, value: str) -> str:
    """Set one attribute of a document or speaker; an empty value clears it."""
    name = _clean_name(name)
    with ws.write("attribute.set", f"{target_type} {target}: {name}") as tx:
        _check_target(tx, ws, target_type, target)
        return put_attribute(tx, ws.project.id, target_type, target, name, value)


def load_attributes(ws: Workspace, path: Path) -> LoadSummary:
    """Load an attribute sheet (see ``formats.attributes_csv``) in one event. Every row
    must name a document or speaker of the project, else nothing is loaded and the error
    names the line."""
    rows = read_attribute_sheet(path)
    summary = LoadSummary(path.name, rows=len(rows))
    names: list[str] = []
    for row in rows:
        for name in row.values:
            if name not in names:
                names.append(name)
    try:
        cleaned = {name: _clean_name(name) for name in names}
    except ServiceError as exc:
        raise ServiceError(f"{path}:1: {exc}") from None
    summary.names = list(cleaned.values())
    with ws.write("attributes.load", path.name) as tx:
        known_docs: set[str] | None = None
        known_speakers: set[str] | None = None
        for row in rows:
            if row.target_type == "document":
                if known_docs is None:
                    known_docs = set(q.document_keys(tx.session, ws.project.id))
                known = known_docs
            else:
                if known_speakers is None:
                    known_speakers = set(qa.speakers(tx.session, ws.project.id))
                known = known_speakers
            if row.target not in known:
                raise ServiceError(
                    f"{path}:{row.line}: no {row.target_type} {row.target!r} in the project"
                )
            for name, value in row.values.items():
                outcome = put_attribute(
                    tx, ws.project.id, row.target_type, row.target, cleaned[name], value
                )
                if outcome == "set":
                    summary.set += 1
                elif outcome == "changed":
                    summary.changed += 1
                else:
                    summary.unchanged += 1
    return summary


def attributes_of(ws: Workspace, target_type: str, target: str) -> list[AttributeValue]:
    """A document's or speaker's attributes: the metadata first (documents), then the
    user's, by name."""
    out: list[AttributeValue] = []
    with ws.read() as s:
        if target_type == "document":
            doc = q.document_row(s, ws.project.id, target)
            if doc is None:
                raise ServiceError(f"no document with key {target!r}")
            for name in qa.METADATA:
                value = getattr(doc, name)
                if value is not None:
                    out.append(AttributeValue(name, str(value), False))
        for row in qa.attribute_rows(s, ws.project.id, target_type, target):
            out.append(AttributeValue(row.name, row.value, True))
    return out


def all_attributes(
    ws: Workspace, target_type: str | None = None
) -> list[tuple[str, str, str, str]]:
    """Every value the user gave: ``(target type, target, name, value)``."""
    with ws.read() as s:
        return [
            (r.target_type, r.target, r.name, r.value)
            for r in qa.attribute_rows(s, ws.project.id, target_type)
        ]


def attribute_names(ws: Workspace) -> list[str]:
    """What a matrix or a split table can use: the metadata, speaker, then the user's."""
    with ws.read() as s:
        return [*BUILT_IN, *qa.attribute_names(s, ws.project.id)]


def speakers(ws: Workspace) -> list[str]:
    with ws.read() as s:
        return qa.speakers(s, ws.project.id)
