"""Bringing the project's codebook to a file's state, and reading it back out.

A load is planned by the pure ``plan_sync`` and applied here in one transaction: every
change is its own audit event (so each can be read and undone), yet an error half-way
leaves the project as it was. Codes missing from the file are retired, never deleted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from coder.core.codebook_sync import SyncPlan, plan_sync
from coder.core.model import Code, Codebook
from coder.formats.errors import FormatError
from coder.services.codes import insert_code
from coder.services.coding import find_code
from coder.services.themes import find_theme, insert_theme
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.db import Tx


@dataclass
class LoadResult:
    plan: SyncPlan
    applied: bool
    retired_codings: dict[str, int] = field(default_factory=dict)  # retired code -> codings kept

    def lines(self) -> list[str]:
        out = self.plan.describe() or ["the project's codebook already matches the file"]
        for name, count in self.retired_codings.items():
            if count:
                out.append(
                    f"  retired {name!r} keeps its {count} coding{'s' if count != 1 else ''}"
                )
        return out


def read_codebook_file(path: Path) -> Codebook:
    """A YAML or .qdc codebook, by content; raises FormatError naming the file and line."""
    from coder.formats.codebook_yaml import validate_codebook
    from coder.formats.qdc import read_qdc

    if not path.is_file():
        raise ServiceError(f"{path}: no such file")
    data = path.read_bytes()
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return read_qdc(data, str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(str(path), "not UTF-8 text: a codebook is a YAML or .qdc file") from exc
    codebook, problems = validate_codebook(text, str(path))
    if problems or codebook is None:
        raise problems[0] if problems else FormatError(str(path), "not a codebook")
    return codebook


def current_codebook(ws: Workspace, title: str | None = None) -> Codebook:
    """The project's codebook as it stands: active codes (including those created while
    coding) in codebook order, and the live themes."""
    with ws.read() as session:
        codes = q.codes(session, ws.project.id)
        themes = q.themes(session, ws.project.id)
    return Codebook(title=title or ws.project.name, version="1", codes=codes, themes=themes)


def plan_load(ws: Workspace, codebook: Codebook) -> SyncPlan:
    with ws.read() as session:
        current = q.codes(session, ws.project.id, include_inactive=True)
        themes = q.themes(session, ws.project.id)
    return plan_sync(current, codebook, current_themes=themes)


def load_codebook(ws: Workspace, path: Path, dry_run: bool = False) -> LoadResult:
    codebook = read_codebook_file(path)
    plan = plan_load(ws, codebook)
    if plan.conflicts:
        raise ServiceError(f"{path}: cannot load: {plan.conflicts[0]}")
    if dry_run or plan.is_empty:
        return LoadResult(plan, applied=False)
    result = LoadResult(plan, applied=True)
    # One action, one event listing every row it changed: one undo takes the load back.
    with ws.write("codebook.load", path.name) as tx:
        # The event names the file and its version (the methods appendix cites them).
        tx.info.update(
            {"file": path.name, "title": codebook.title, "version": str(codebook.version),
             "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        )  # fmt: skip
        _apply(tx, ws.project.id, plan, codebook, result)
        tx.target = f"{path.name}: {_describe(plan)}"
        # The codebook changes inside this one event, by the action each would have been on
        # its own: the methods appendix counts codes created, renamed and retired from them.
        tx.info["changes"] = {
            action: n
            for action, n in (
                ("code.create", len(plan.added)), ("code.rename", len(plan.renamed)),
                ("code.reactivate", len(plan.reactivated)), ("code.retire", len(plan.retired)),
                ("theme.create", len(plan.themes_added)),
                ("theme.rename", len(plan.themes_renamed)),
            )
            if n
        }  # fmt: skip
    return result


def _describe(plan: SyncPlan) -> str:
    """The load in a few words for the audit log: "3 codes added, 1 renamed"."""
    parts = [
        (len(plan.added), "code{s} added"),
        (len(plan.renamed), "renamed"),
        (len(plan.reactivated), "reactivated"),
        (len(plan.updated), "change{s} to codes"),
        (len(plan.retired), "retired"),
        (len(plan.themes_added), "theme{s} added"),
        (len(plan.themes_renamed), "theme{s} renamed"),
        (len(plan.themes_updated), "change{s} to themes"),
    ]
    text = ", ".join(f"{n:,} {label.format(s='s' if n != 1 else '')}" for n, label in parts if n)
    return text or "codebook order"


def _apply(tx: Tx, pid: int, plan: SyncPlan, codebook: Codebook, result: LoadResult) -> None:
    targets = {c.name: c for c in codebook.codes}
    # Renames first: later steps name codes by their new names.
    for rename in plan.renamed:
        row = find_code(tx, pid, rename.old, active=False)
        tx.update("code", row, name=rename.new)
    for name in plan.reactivated:
        tx.update(
            "code", find_code(tx, pid, name, active=False), status="active", merged_into_id=None
        )
    order = {c.name: i for i, c in enumerate(codebook.codes, start=1)}
    for code in plan.added:
        parent_id = find_code(tx, pid, code.parent, active=False).id if code.parent else None
        insert_code(tx, pid, code, parent_id, order=order[code.name], pick_colour=False)
    for change in plan.updated:
        row = find_code(tx, pid, change.name, active=False)
        tx.update("code", row, **_code_values(tx, pid, change.field, change.new))
    for name in plan.retired:
        row = find_code(tx, pid, name, active=False)
        tx.update("code", row, status="retired")
        result.retired_codings[name] = len(q.codings_of_code(tx.session, row.id))
    # Codebook order follows the file.
    for name, position in order.items():
        row = find_code(tx, pid, name, active=False)
        if row.order != position:
            tx.update("code", row, order=position)
    _apply_themes(tx, pid, plan, targets)


def _code_values(tx: Tx, pid: int, field_name: str, value: object) -> dict[str, object]:
    if field_name in ("examples", "keywords"):
        return {field_name: json.dumps(list(value or []), ensure_ascii=False)}  # type: ignore[call-overload]
    if field_name == "parent":
        return {"parent_id": find_code(tx, pid, str(value), active=False).id if value else None}
    if field_name == "uid":
        return {"uid": value}
    return {field_name: value if value is not None else ("" if field_name != "colour" else None)}


def _apply_themes(tx: Tx, pid: int, plan: SyncPlan, targets: dict[str, Code]) -> None:
    for rename in plan.themes_renamed:
        tx.update("theme", find_theme(tx, pid, rename.old), name=rename.new)
    for theme in plan.themes_added:  # parents come before their sub-themes in the file
        parent_id = find_theme(tx, pid, theme.parent).id if theme.parent else None
        row = insert_theme(tx, pid, theme.name, theme.definition, parent_id, uid=theme.uid)
        if theme.scope:
            tx.update("theme", row, scope=theme.scope)
        for name in theme.codes:
            tx.insert("theme_code", theme_id=row.id, code_id=find_code(tx, pid, name).id)
    for change in plan.themes_updated:
        row = find_theme(tx, pid, change.name)
        if change.field == "codes":
            wanted = {find_code(tx, pid, n, active=False).id for n in change.new}  # type: ignore[attr-defined]
            for link in q.theme_code_rows(tx.session, row.id):
                if link.code_id not in wanted:
                    tx.delete("theme_code", link)
                wanted.discard(link.code_id)
            for code_id in sorted(wanted):
                tx.insert("theme_code", theme_id=row.id, code_id=code_id)
        elif change.field == "parent":
            tx.update(
                "theme",
                row,
                parent_id=find_theme(tx, pid, str(change.new)).id if change.new else None,
            )
        else:
            tx.update("theme", row, **{change.field: change.new or ""})
