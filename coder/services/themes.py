"""Themes as first-class objects (phases 3 to 5): create, rename, define, assign codes,
move, merge, split, discard, exemplars, misfits and report order.

A code may belong to several themes. Discarding a theme keeps its row (status
"discarded") so the trail and any memo on it stay meaningful; its codes return to the
unassigned pile simply because no live theme holds them any more.
"""

from __future__ import annotations

from coder.core.matching import did_you_mean
from coder.core.model import Theme, ThemeStatus
from coder.services.codes import new_uid
from coder.services.coding import find_code
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.db import Tx
from coder.store.tables import CodeRow, ThemeRow

STATUSES = [s.value for s in ThemeStatus]


def find_theme(tx_or_session, project_id: int, name: str) -> ThemeRow:
    session = getattr(tx_or_session, "session", tx_or_session)
    row = q.theme_row(session, project_id, name)
    if row is None:
        names = [t.name for t in q.theme_rows(session, project_id)]
        raise ServiceError(f"unknown theme {name!r}{did_you_mean(name, names)}")
    return row


def _clean_name(tx: Tx, project_id: int, name: str, own_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ServiceError("a theme needs a name")
    existing = q.theme_row(tx.session, project_id, name)
    if existing is not None and existing.id != own_id:
        raise ServiceError(f"a theme named {name!r} already exists")
    return name


def insert_theme(
    tx: Tx,
    project_id: int,
    name: str,
    definition: str = "",
    parent_id: int | None = None,
    uid: str | None = None,
) -> ThemeRow:
    return tx.insert(
        "theme",
        project_id=project_id,
        uid=uid or new_uid(),
        name=_clean_name(tx, project_id, name),
        definition=definition.strip(),
        scope="",
        parent_id=parent_id,
        order=q.next_theme_order(tx.session, project_id),
        status="candidate",
        created_at=tx.time,
    )


def create_theme(
    ws: Workspace,
    name: str,
    definition: str = "",
    parent: str | None = None,
    codes: list[str] | None = None,
) -> None:
    with ws.write("theme.create", name) as tx:
        parent_id = find_theme(tx, ws.project.id, parent).id if parent else None
        theme = insert_theme(tx, ws.project.id, name, definition, parent_id)
        for code in codes or []:
            tx.insert(
                "theme_code", theme_id=theme.id, code_id=find_code(tx, ws.project.id, code).id
            )


def rename_theme(ws: Workspace, old: str, new: str) -> None:
    with ws.write("theme.rename", f"{old} -> {new}") as tx:
        row = find_theme(tx, ws.project.id, old)
        tx.update("theme", row, name=_clean_name(tx, ws.project.id, new, own_id=row.id))


def define_theme(
    ws: Workspace, name: str, definition: str | None = None, scope: str | None = None
) -> None:
    """Write a theme's definition (its central organising concept) and scope."""
    with ws.write("theme.define", name) as tx:
        row = find_theme(tx, ws.project.id, name)
        values = {}
        if definition is not None:
            values["definition"] = definition.strip()
        if scope is not None:
            values["scope"] = scope.strip()
        tx.update("theme", row, **values)


def set_theme_status(ws: Workspace, name: str, status: str) -> None:
    if status not in STATUSES:
        raise ServiceError(f"unknown theme status {status!r}: use {', '.join(STATUSES)}")
    with ws.write("theme.status", f"{name}: {status}") as tx:
        tx.update("theme", find_theme(tx, ws.project.id, name), status=status)


def set_theme_parent(ws: Workspace, name: str, parent: str | None) -> None:
    with ws.write("theme.parent", f"{name} -> {parent or '(top level)'}") as tx:
        row = find_theme(tx, ws.project.id, name)
        parent_id = None
        if parent:
            cursor: ThemeRow | None = find_theme(tx, ws.project.id, parent)
            parent_id = cursor.id
            while cursor is not None:
                if cursor.id == row.id:
                    raise ServiceError(
                        f"{parent!r} is inside {name!r}: a theme cannot contain itself"
                    )
                cursor = tx.get("theme", cursor.parent_id) if cursor.parent_id else None
        tx.update("theme", row, parent_id=parent_id)


def assign_codes(ws: Workspace, theme: str, codes: list[str]) -> int:
    """Put codes in a theme (they may stay in others). Returns how many were added."""
    with ws.write("theme.assign", f"{', '.join(codes)} -> {theme}") as tx:
        row = find_theme(tx, ws.project.id, theme)
        added = 0
        for name in codes:
            code = find_code(tx, ws.project.id, name)
            if q.theme_code_row(tx.session, row.id, code.id) is None:
                tx.insert("theme_code", theme_id=row.id, code_id=code.id)
                added += 1
        return added


def _unlink(tx: Tx, project_id: int, theme: ThemeRow, name: str) -> CodeRow:
    """Take the code ``name`` (retired ones too) out of ``theme``; an error if it is not in."""
    code = find_code(tx, project_id, name, active=False)
    link = q.theme_code_row(tx.session, theme.id, code.id)
    if link is None:
        raise ServiceError(f"code {name!r} is not in theme {theme.name!r}")
    tx.delete("theme_code", link)
    return code


def unassign_codes(ws: Workspace, theme: str, codes: list[str]) -> None:
    with ws.write("theme.unassign", f"{', '.join(codes)} <- {theme}") as tx:
        row = find_theme(tx, ws.project.id, theme)
        for name in codes:
            _unlink(tx, ws.project.id, row, name)


def move_codes(ws: Workspace, codes: list[str], source: str, target: str) -> None:
    with ws.write("theme.move", f"{', '.join(codes)}: {source} -> {target}") as tx:
        src = find_theme(tx, ws.project.id, source)
        dst = find_theme(tx, ws.project.id, target)
        for name in codes:
            code = _unlink(tx, ws.project.id, src, name)
            if q.theme_code_row(tx.session, dst.id, code.id) is None:
                tx.insert("theme_code", theme_id=dst.id, code_id=code.id)


def merge_themes(ws: Workspace, source: str, target: str) -> None:
    """Fold ``source`` into ``target``: its codes, sub-themes, exemplars and misfit marks
    move over; ``source`` is discarded."""
    if source == target:
        raise ServiceError("cannot merge a theme into itself")
    with ws.write("theme.merge", f"{source} -> {target}") as tx:
        src = find_theme(tx, ws.project.id, source)
        dst = find_theme(tx, ws.project.id, target)
        for link in q.theme_code_rows(tx.session, src.id):
            if q.theme_code_row(tx.session, dst.id, link.code_id) is None:
                tx.insert("theme_code", theme_id=dst.id, code_id=link.code_id)
            tx.delete("theme_code", link)
        for child in q.theme_rows(tx.session, ws.project.id):
            if child.parent_id == src.id:
                tx.update("theme", child, parent_id=dst.id)
        _move_marks(tx, src.id, dst.id)
        tx.update("theme", src, status="discarded", parent_id=None)


def _move_marks(tx: Tx, src_id: int, dst_id: int, coding_ids: set[int] | None = None) -> None:
    for ex in q.exemplar_rows(tx.session, src_id):
        if coding_ids is not None and ex.coding_id not in coding_ids:
            continue
        if q.exemplar_row(tx.session, dst_id, ex.coding_id) is None:
            tx.insert("theme_exemplar", theme_id=dst_id, coding_id=ex.coding_id, order=ex.order)
        tx.delete("theme_exemplar", ex)


def split_theme(
    ws: Workspace, source: str, codes: list[str], new_name: str, definition: str = ""
) -> None:
    """Move the named codes of a theme into a new theme (a sibling of the source)."""
    if not codes:
        raise ServiceError("choose the codes that go into the new theme")
    with ws.write("theme.split", f"{source} -> {new_name}") as tx:
        src = find_theme(tx, ws.project.id, source)
        new = insert_theme(tx, ws.project.id, new_name, definition, src.parent_id)
        moved_codes = set()
        for name in codes:
            code = find_code(tx, ws.project.id, name, active=False)
            link = q.theme_code_row(tx.session, src.id, code.id)
            if link is None:
                raise ServiceError(f"code {name!r} is not in theme {source!r}")
            tx.delete("theme_code", link)
            tx.insert("theme_code", theme_id=new.id, code_id=code.id)
            moved_codes.add(code.id)
        coding_ids = {c.id for cid in moved_codes for c in q.codings_of_code(tx.session, cid)}
        _move_marks(tx, src.id, new.id, coding_ids)


def discard_theme(ws: Workspace, name: str) -> None:
    """Discard a theme; its codes go back to the unassigned pile (if in no other theme)."""
    with ws.write("theme.discard", name) as tx:
        row = find_theme(tx, ws.project.id, name)
        for link in q.theme_code_rows(tx.session, row.id):
            tx.delete("theme_code", link)
        for child in q.theme_rows(tx.session, ws.project.id):
            if child.parent_id == row.id:
                tx.update("theme", child, parent_id=row.parent_id)
        tx.update("theme", row, status="discarded", parent_id=None)


def reorder_theme(ws: Workspace, name: str, delta: int) -> None:
    """Move a theme up (delta < 0) or down in the report order."""
    with ws.write("theme.reorder", f"{name} {'up' if delta < 0 else 'down'}") as tx:
        rows = q.theme_rows(tx.session, ws.project.id)
        row = find_theme(tx, ws.project.id, name)
        index = next(i for i, r in enumerate(rows) if r.id == row.id)
        other = index + (1 if delta > 0 else -1)
        if not 0 <= other < len(rows):
            return
        rows[index], rows[other] = rows[other], rows[index]
        for order, r in enumerate(rows, start=1):
            if r.order != order:
                tx.update("theme", r, order=order)


def _marked_theme(tx: Tx, project_id: int, theme: str, coding_id: int) -> ThemeRow:
    """The theme an exemplar or misfit mark goes on, once the coding is known to exist;
    the event names the extract as the user sees it ("key:3"), not by its row id."""
    row = find_theme(tx, project_id, theme)
    if tx.get("coding", coding_id) is None:
        raise ServiceError(f"no coding {coding_id}")
    tx.target = f"{theme}: {q.coding_unit_label(tx.session, coding_id)}"
    return row


def toggle_exemplar(ws: Workspace, theme: str, coding_id: int) -> bool:
    """Mark or unmark a coded extract as an exemplar of a theme; True if now marked."""
    with ws.write("theme.exemplar", f"{theme}: coding {coding_id}") as tx:
        row = _marked_theme(tx, ws.project.id, theme, coding_id)
        existing = q.exemplar_row(tx.session, row.id, coding_id)
        if existing is not None:
            tx.delete("theme_exemplar", existing)
            return False
        order = len(q.exemplar_rows(tx.session, row.id)) + 1
        tx.insert("theme_exemplar", theme_id=row.id, coding_id=coding_id, order=order)
        return True


def toggle_misfit(ws: Workspace, theme: str, coding_id: int, note: str = "") -> bool:
    """Mark or unmark an extract as not fitting a theme (phase 4); True if now marked."""
    with ws.write("theme.misfit", f"{theme}: coding {coding_id}") as tx:
        row = _marked_theme(tx, ws.project.id, theme, coding_id)
        existing = q.misfit_row(tx.session, row.id, coding_id)
        if existing is not None:
            tx.delete("theme_misfit", existing)
            return False
        tx.insert("theme_misfit", theme_id=row.id, coding_id=coding_id, note=note)
        return True


def list_themes(ws: Workspace) -> list[Theme]:
    """The project's themes with their codes, in the analyst's order."""
    with ws.read() as session:
        return q.themes(session, ws.project.id)
