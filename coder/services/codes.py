"""Codebook changes made while analysing: create, update, rename, merge, retire.

Codes are never deleted while codings use them: retiring keeps the codings, merging moves
them to the surviving code and records where the old one went.
"""

from __future__ import annotations

import json
import uuid

from coder.core.model import Code
from coder.services.coding import _delete_coding, find_code
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.db import Tx
from coder.store.tables import CodeRow

PALETTE = [
    "#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377", "#bbbbbb",
    "#ee8866", "#44bb99", "#99ddff", "#ffaabb", "#eedd88", "#77aadd", "#aaaa00",
]  # fmt: skip


def new_uid() -> str:
    return str(uuid.uuid4())


def _check_name(tx: Tx, project_id: int, name: str, own_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ServiceError("a code needs a name")
    existing = q.code_row(tx.session, project_id, name)
    if existing is not None and existing.id != own_id:
        raise ServiceError(f"a code named {name!r} already exists ({existing.status})")
    return name


def insert_code(
    tx: Tx,
    project_id: int,
    code: Code,
    parent_id: int | None,
    order: int | None = None,
    pick_colour: bool = True,
) -> CodeRow:
    """Insert a code row inside an open transaction (used by create and codebook load).

    A code created while coding gets a colour from the palette; one loaded from a file
    keeps what the file says (no colour included), so that loading it again is a no-op."""
    name = _check_name(tx, project_id, code.name)
    order = order if order is not None else q.next_code_order(tx.session, project_id)
    return tx.insert(
        "code",
        project_id=project_id,
        uid=code.uid or new_uid(),
        name=name,
        definition=code.definition.strip(),
        include=code.include.strip(),
        exclude=code.exclude.strip(),
        examples=json.dumps(code.examples, ensure_ascii=False),
        keywords=json.dumps(code.keywords, ensure_ascii=False),
        colour=code.colour or (PALETTE[order % len(PALETTE)] if pick_colour else None),
        parent_id=parent_id,
        status="active",
        merged_into_id=None,
        order=order,
        created_at=tx.time,
        created_by=tx.coder,
    )


def create_code(ws: Workspace, code: Code) -> Code:
    with ws.write("code.create", code.name) as tx:
        parent_id = (
            find_code(tx, ws.project.id, code.parent, active=False).id if code.parent else None
        )
        row = insert_code(tx, ws.project.id, code, parent_id)
        code.uid, code.id, code.colour = row.uid, row.id, row.colour
        return code


def update_code(ws: Workspace, name: str, **fields: object) -> None:
    """Change a code's definition, rules, examples, keywords, colour or parent."""
    allowed = {"definition", "include", "exclude", "examples", "keywords", "colour", "parent"}
    unknown = set(fields) - allowed
    if unknown:
        raise ServiceError(f"cannot change {', '.join(sorted(unknown))} of a code")
    with ws.write("code.update", name) as tx:
        row = find_code(tx, ws.project.id, name, active=False)
        values: dict[str, object] = {}
        for key, value in fields.items():
            if key in ("examples", "keywords"):
                values[key] = json.dumps(list(value or []), ensure_ascii=False)  # type: ignore[call-overload]
            elif key == "parent":
                values["parent_id"] = _parent_id(tx, ws.project.id, row, value)  # type: ignore[arg-type]
            else:
                values[key] = (value or "").strip() if key != "colour" else value  # type: ignore[union-attr]
        tx.update("code", row, **values)


def _parent_id(tx: Tx, project_id: int, row: CodeRow, parent: str | None) -> int | None:
    if not parent:
        return None
    parent_row = find_code(tx, project_id, parent, active=False)
    cursor: CodeRow | None = parent_row
    while cursor is not None:
        if cursor.id == row.id:
            raise ServiceError(
                f"{parent!r} is inside {row.name!r}: a code cannot be its own ancestor"
            )
        cursor = tx.get("code", cursor.parent_id) if cursor.parent_id else None
    return parent_row.id


def rename_code(ws: Workspace, old: str, new: str) -> None:
    with ws.write("code.rename", f"{old} -> {new}") as tx:
        row = find_code(tx, ws.project.id, old, active=False)
        tx.update("code", row, name=_check_name(tx, ws.project.id, new, own_id=row.id))


def retire_code(ws: Workspace, name: str) -> int:
    """Retire a code: it leaves the active codebook, its codings stay. Returns their count."""
    with ws.write("code.retire", name) as tx:
        row = find_code(tx, ws.project.id, name)
        tx.update("code", row, status="retired")
        return len(q.codings_of_code(tx.session, row.id))


def reactivate_code(ws: Workspace, name: str) -> None:
    with ws.write("code.reactivate", name) as tx:
        row = find_code(tx, ws.project.id, name, active=False)
        tx.update("code", row, status="active", merged_into_id=None)


def merge_codes(ws: Workspace, source: str, target: str) -> int:
    """Merge ``source`` into ``target``: codings follow (duplicates collapse), theme links
    follow, children move up, and ``source`` is recorded as merged. Returns codings moved."""
    if source == target:
        raise ServiceError("cannot merge a code into itself")
    with ws.write("code.merge", f"{source} -> {target}") as tx:
        src = find_code(tx, ws.project.id, source)
        dst = find_code(tx, ws.project.id, target)
        moved = 0
        for coding in q.codings_of_code(tx.session, src.id):
            if q.coding_row(tx.session, coding.segment_id, dst.id, coding.coder_id) is not None:
                _delete_coding(tx, coding.id)
            else:
                tx.update("coding", coding, code_id=dst.id)
                moved += 1
        for link in q.theme_links_of_code(tx.session, src.id):
            if q.theme_code_row(tx.session, link.theme_id, dst.id) is None:
                tx.insert("theme_code", theme_id=link.theme_id, code_id=dst.id)
            tx.delete("theme_code", link)
        for child in q.children_of(tx.session, src.id):
            tx.update("code", child, parent_id=dst.id if child.id != dst.id else src.parent_id)
        tx.update("code", src, status="merged", merged_into_id=dst.id)
        return moved


def code_counts(ws: Workspace, include_inactive: bool = False) -> list[q.CodeCount]:
    """The codebook in order with how often each code is used (for listings)."""
    with ws.read() as session:
        return q.code_counts(session, ws.project.id, include_inactive=include_inactive)
