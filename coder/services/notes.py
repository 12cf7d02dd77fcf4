"""Memos, read marks and phase status: the researcher's own record of the analysis."""

from __future__ import annotations

from coder.core.model import Memo
from coder.core.phases import CODING_MEMO, PHASE_STATUSES, PHASES, memo_phase
from coder.services.coding import find_code, find_document
from coder.services.themes import find_theme
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.db import Tx
from coder.store.tables import MemoRow

TARGETS = ("project", "document", "code", "theme", "coding")


def _target_id(tx: Tx, project_id: int, target_type: str, target: str | int | None) -> int | None:
    if target_type not in TARGETS:
        raise ServiceError(f"a memo attaches to one of {', '.join(TARGETS)}, not {target_type!r}")
    if target_type == "project":
        return None
    if target is None:
        raise ServiceError(f"say which {target_type} the memo is about")
    if target_type == "document":
        return find_document(tx, project_id, str(target)).id
    if target_type == "code":
        return find_code(tx, project_id, str(target), active=False).id
    if target_type == "theme":
        return find_theme(tx, project_id, str(target)).id
    coding = tx.get("coding", int(target))
    if coding is None:
        raise ServiceError(f"no coding {target}")
    return coding.id


def memo_target(kind: str, target_type: str, target: str | int | None) -> str:
    """How a memo event names what it is about, e.g. "note on code Parent"."""
    return f"{kind} on {target_type}{' ' + str(target) if target else ''}"


def add_memo_in(
    tx: Tx,
    project_id: int,
    text: str,
    target_type: str = "project",
    target: str | int | None = None,
    kind: str = "note",
    phase: int | None = None,
) -> int:
    """``add_memo`` inside an open transaction, as ``tx.coder``."""
    text = text.strip()
    if not text:
        raise ServiceError("the memo is empty")
    _check_phase(phase)
    target_id = _target_id(tx, project_id, target_type, target)
    return _insert_memo(tx, project_id, target_type, target_id, kind, text, phase).id


def _check_phase(phase: int | None) -> None:
    if phase is not None and phase not in PHASES:
        raise ServiceError(f"phases are numbered 1 to 6, not {phase}")


def _insert_memo(
    tx: Tx,
    project_id: int,
    target_type: str,
    target_id: int | None,
    kind: str,
    text: str,
    phase: int | None = None,
) -> MemoRow:
    return tx.insert(
        "memo",
        project_id=project_id,
        coder_id=tx.coder_id,
        target_type=target_type,
        target_id=target_id,
        kind=kind,
        text=text,
        created_at=tx.time,
        updated_at=tx.time,
        phase=phase,
    )


def add_memo(
    ws: Workspace,
    text: str,
    target_type: str = "project",
    target: str | int | None = None,
    kind: str = "note",
    phase: int | None = None,
) -> int:
    """Append a new memo (the reflexive journal is kind "journal" on the project).
    ``phase``: the phase the researcher is in (the journal keeps it, so an entry can be
    placed in a phase; other memos are placed by what they are on)."""
    if not text.strip():
        raise ServiceError("the memo is empty")
    _check_phase(phase)
    with ws.write("memo.add", memo_target(kind, target_type, target)) as tx:
        memo_id = add_memo_in(tx, ws.project.id, text, target_type, target, kind, phase)
        if target_type == "coding":  # "note on coding gray2024:3", not the internal id
            row = tx.get("memo", memo_id)
            label = q.target_label(tx.session, "coding", row.target_id)
            tx.target = memo_target(kind, target_type, label or target)
        return memo_id


def set_note_in(
    tx: Tx, project_id: int, target_type: str, target: str | int | None, kind: str, text: str
) -> None:
    """``set_note`` inside an open transaction, as ``tx.coder``."""
    target_id = _target_id(tx, project_id, target_type, target)
    row: MemoRow | None = q.memo_row(
        tx.session, project_id, tx.coder_id, target_type, target_id, kind
    )
    text = text.rstrip()
    if row is None and text:
        _insert_memo(tx, project_id, target_type, target_id, kind, text)
    elif row is not None and not text:
        tx.delete("memo", row)
    elif row is not None and row.text != text:
        tx.update("memo", row, text=text, updated_at=tx.time)


def set_note(
    ws: Workspace, target_type: str, target: str | int | None, kind: str, text: str
) -> None:
    """The coder's one note of a kind on a target (e.g. a familiarisation note per
    document): created, replaced, or removed when emptied."""
    with ws.write("memo.set", memo_target(kind, target_type, target)) as tx:
        set_note_in(tx, ws.project.id, target_type, target, kind, text)


def edit_memo(ws: Workspace, memo_id: int, text: str) -> None:
    with ws.write("memo.edit", f"memo {memo_id}") as tx:
        row = tx.get("memo", memo_id)
        if row is None:
            raise ServiceError(f"no memo {memo_id}")
        label = q.target_label(tx.session, row.target_type, row.target_id)
        tx.target = memo_target(row.kind, row.target_type, label)
        tx.update("memo", row, text=text.strip(), updated_at=tx.time)


def mark_read(ws: Workspace, key: str, read: bool = True) -> None:
    with ws.write("document.read" if read else "document.unread", key) as tx:
        doc = find_document(tx, ws.project.id, key)
        mark = q.read_mark(tx.session, doc.id, tx.coder_id)
        if read and mark is None:
            tx.insert("document_read", document_id=doc.id, coder_id=tx.coder_id, read_at=tx.time)
        elif not read and mark is not None:
            tx.delete("document_read", mark)


def set_phase_status(ws: Workspace, phase: int, status: str, note: str = "") -> None:
    if phase not in PHASES:
        raise ServiceError(f"phases are numbered 1 to 6, not {phase}")
    if status not in PHASE_STATUSES:
        raise ServiceError(f"unknown phase status {status!r}: use {', '.join(PHASE_STATUSES)}")
    with ws.write("phase.status", f"{phase} {PHASES[phase]}: {status}") as tx:
        row = q.phase_status_row(tx.session, ws.project.id, phase)
        if row is None:
            tx.insert(
                "phase_status", project_id=ws.project.id, phase=phase, status=status, note=note
            )
        else:
            tx.update("phase_status", row, status=status, note=note or row.note)


MEMO_KINDS = ("journal", "familiarisation", "note", "discussion", CODING_MEMO)


def list_memos(
    ws: Workspace,
    kind: str | None = None,
    target_type: str | None = None,
    coder: str | None = None,
    phase: int | None = None,
    search: str = "",
    limit: int | None = None,
) -> list[Memo]:
    """Every memo and note of the project, newest first: those in the memo table and the
    memos written on codings (kind "coding", kept on the coding row), filtered by kind,
    by what they are on (the journal is on the project), by coder, by phase
    (``coder.core.phases.memo_phase``) and by words in their text. The CLI's ``memo list``
    and the TUI's memo browser both read through here, so they list the same memos."""
    if kind is not None and kind not in MEMO_KINDS:
        raise ServiceError(f"unknown memo kind {kind!r}: use {', '.join(MEMO_KINDS)}")
    if target_type is not None and target_type not in TARGETS:
        raise ServiceError(f"a memo is on one of {', '.join(TARGETS)}, not {target_type!r}")
    if phase is not None and phase not in PHASES:
        raise ServiceError(f"phases are numbered 1 to 6, not {phase}")
    # Phases are a mapping of kind and target, not a column: filter after reading, and
    # read everything then (memos are written by hand: hundreds, not millions).
    cap = None if phase is not None else limit
    found: list[Memo] = []
    with ws.read() as session:
        if kind != CODING_MEMO:
            found += q.memos(
                session, ws.project.id, target_type=target_type, kind=kind, coder=coder,
                search=search, limit=cap,
            )  # fmt: skip
        if kind in (None, CODING_MEMO) and target_type in (None, "coding"):
            found += q.coding_memos(session, ws.project.id, limit=cap, search=search, coder=coder)
    if phase is not None:
        found = [m for m in found if memo_phase(m.kind, m.target_type, m.phase) == phase]
    found.sort(key=lambda m: (m.created_at, m.kind != CODING_MEMO, m.id), reverse=True)
    return found if limit is None else found[:limit]


def memo_coders(ws: Workspace) -> list[str]:
    """The coders who wrote a memo or note (coding memos too), for a coder filter."""
    return sorted({m.coder for m in list_memos(ws)})


def memo_phases(ws: Workspace) -> list[int]:
    """The phases the project's memos belong to, for a phase filter."""
    phases = {memo_phase(m.kind, m.target_type, m.phase) for m in list_memos(ws)}
    return sorted(p for p in phases if p is not None)
