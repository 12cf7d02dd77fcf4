"""Applying and removing codes: the heart of phase 2.

A unit is addressed as ``DOC_KEY:N`` (the N-th reading unit, from 1) or ``DOC_KEY`` (the
whole document). Sub-spans are addressed by code-point offsets. Each call is one audited
transaction; applying a code that is already there changes nothing and writes no event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from coder.core.matching import did_you_mean
from coder.core.model import text_hash
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.db import Tx
from coder.store.tables import CodeRow, CodingRow, DocumentRow, SegmentRow

CONTEXT_CHARS = 40


@dataclass(frozen=True)
class UnitRef:
    """Where a coding goes: a document, and a unit number, or a span, or neither (whole)."""

    key: str
    ordinal: int | None = None
    start: int | None = None
    end: int | None = None
    # The unit's segment id when the caller already read it (a search hit): a bulk
    # action then checks the ids in one query instead of resolving every reference.
    segment: int | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, ref: str) -> UnitRef:
        key, sep, number = ref.rpartition(":")
        if not sep:
            return cls(ref)
        if not number.isdigit() or int(number) < 1:
            raise ServiceError(f"segment number must be a whole number from 1: {ref!r}")
        return cls(key, int(number))

    def __str__(self) -> str:
        if self.start is not None:
            return f"{self.key}@{self.start}-{self.end}"
        return f"{self.key}:{self.ordinal}" if self.ordinal else self.key


def find_document(tx_or_session, project_id: int, key: str) -> DocumentRow:
    session = getattr(tx_or_session, "session", tx_or_session)
    doc = q.document_row(session, project_id, key)
    if doc is None:
        raise ServiceError(
            f"unknown document {key!r}{did_you_mean(key, q.document_keys(session, project_id))}"
        )
    return doc


def find_code(tx_or_session, project_id: int, name: str, active: bool = True) -> CodeRow:
    session = getattr(tx_or_session, "session", tx_or_session)
    code = q.code_row(session, project_id, name)
    if code is None:
        names = [c.name for c in q.code_rows(session, project_id, include_inactive=False)]
        paths = [n for n in names if n.endswith(f"/{name}")]
        if paths:  # a name two codes share, each named by its path (docs/codebook.md)
            raise ServiceError(
                f"code {name!r} is under more than one parent: name it by its path, "
                + " or ".join(repr(p) for p in paths)
            )
        raise ServiceError(f"unknown code {name!r}{did_you_mean(name, names)}")
    if active and code.status != "active":
        where = (
            f" into {q.code_name(session, code.merged_into_id)!r}" if code.merged_into_id else ""
        )
        raise ServiceError(f"code {name!r} is {code.status}{where}: it can no longer be applied")
    return code


def check_code(ws: Workspace, name: str) -> None:
    """Fail with the usual one line (and a did-you-mean) unless ``name`` is an active code,
    before a bulk command does any work."""
    with ws.read() as session:
        find_code(session, ws.project.id, name)


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    before = text[max(0, start - CONTEXT_CHARS) : start]
    after = text[end : end + CONTEXT_CHARS]
    return before, after


def resolve_segment(tx: Tx, project_id: int, ref: UnitRef) -> SegmentRow:
    """The segment row for a reference, creating the whole-document or span row on first
    use (inside the same audited transaction)."""
    doc = find_document(tx, project_id, ref.key)
    if ref.ordinal is not None:
        seg = q.unit_by_ordinal(tx.session, doc.id, ref.ordinal)
        if seg is None:
            count = len(q.units(tx.session, doc.id))
            raise ServiceError(
                f"document {ref.key!r} has no segment {ref.ordinal} (it has {count})"
            )
        return seg
    if ref.start is None:
        kind, start, end = "document", 0, len(doc.text)
    else:
        kind, start, end = "span", ref.start, ref.end or 0
        if not (0 <= start < end <= len(doc.text)):
            raise ServiceError(
                f"span {start}-{end} is outside document {ref.key!r} (0-{len(doc.text)})"
            )
        unit = q.span_segment(tx.session, doc.id, "unit", start, end)
        if unit is not None:
            return unit
    seg = q.span_segment(tx.session, doc.id, kind, start, end)
    if seg is not None:
        return seg
    before, after = _context(doc.text, start, end)
    heading = None
    units = q.units_over(tx.session, doc.id, start, end if kind == "span" else start + 1)
    for unit in units:
        if unit.start <= start < unit.end:
            heading = unit.heading
            break
    # A span in a transcript is said by the speaker of the turns it lies in (none when it
    # runs across speakers, or covers the whole document).
    turn: tuple[str | None, int | None, int | None] = (None, None, None)
    if kind == "span":
        inside = [u for u in units if u.start < end and start < u.end]
        if inside and len({u.speaker for u in inside}) == 1 and inside[0].speaker is not None:
            turn = (inside[0].speaker, inside[0].start_ms, inside[-1].end_ms)
    return tx.insert(
        "segment",
        document_id=doc.id,
        kind=kind,
        ordinal=None,
        heading=heading,
        start=start,
        end=end,
        text_hash=text_hash(doc.text[start:end]),
        context_before=before,
        context_after=after,
        speaker=turn[0],
        start_ms=turn[1],
        end_ms=turn[2],
    )


def apply_code(ws: Workspace, ref: UnitRef | str, code_name: str, memo: str | None = None) -> bool:
    """Apply a code; True if a coding was added (False: the coder had already applied it)."""
    ref = UnitRef.parse(ref) if isinstance(ref, str) else ref
    with ws.write("code.apply", f"{code_name} @ {ref}") as tx:
        seg = resolve_segment(tx, ws.project.id, ref)
        code = find_code(tx, ws.project.id, code_name)
        if q.coding_row(tx.session, seg.id, code.id, tx.coder_id) is not None:
            return False
        tx.insert(
            "coding",
            project_id=ws.project.id,
            segment_id=seg.id,
            code_id=code.id,
            coder_id=tx.coder_id,
            created_at=tx.time,
            memo=memo or None,
        )
        return True


def apply_code_many(
    ws: Workspace,
    refs: list[UnitRef],
    code_name: str,
    action: str = "code.apply",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Apply one code to many units (autocode, search-and-code) as ONE audited action, so
    one undo takes the whole batch back. Returns how many codings were added.
    ``progress(done, total)``: codings written so far, for a progress display."""
    from coder.services.batch import BatchItem, apply_batch

    items = [BatchItem(ref, code_name) for ref in refs]
    return apply_batch(ws, items, action, repr(code_name), progress=progress).added


def remove_code(ws: Workspace, ref: UnitRef | str, code_name: str) -> None:
    ref = UnitRef.parse(ref) if isinstance(ref, str) else ref
    with ws.write("code.remove", f"{code_name} @ {ref}") as tx:
        seg, coding = _own_coding(tx, ws, ref, code_name)
        _delete_coding(tx, coding.id)
        if seg.kind != "unit" and not q.codings(tx.session, ws.project.id, segment_ids=[seg.id]):
            tx.delete("segment", seg)


def _own_coding(
    tx: Tx, ws: Workspace, ref: UnitRef, code_name: str
) -> tuple[SegmentRow, CodingRow]:
    """The segment at ``ref`` and this coder's coding of it with ``code_name`` (a retired
    code included), or the one-line error that there is none."""
    code = find_code(tx, ws.project.id, code_name, active=False)
    doc = find_document(tx, ws.project.id, ref.key)
    seg = _existing_segment(tx, doc, ref)
    coding = q.coding_row(tx.session, seg.id, code.id, tx.coder_id) if seg else None
    if seg is None or coding is None:
        raise ServiceError(f"{ws.coder} has not applied {code_name!r} to {ref}")
    return seg, coding


def _existing_segment(tx: Tx, doc: DocumentRow, ref: UnitRef) -> SegmentRow | None:
    if ref.ordinal is not None:
        return q.unit_by_ordinal(tx.session, doc.id, ref.ordinal)
    if ref.start is None:
        return q.span_segment(tx.session, doc.id, "document", 0, len(doc.text))
    return q.span_segment(tx.session, doc.id, "span", ref.start, ref.end or 0) or q.span_segment(
        tx.session, doc.id, "unit", ref.start, ref.end or 0
    )


def _delete_coding(tx: Tx, coding_id: int) -> None:
    """Delete a coding and what hangs on it (exemplar and misfit marks)."""
    for table in ("theme_exemplar", "theme_misfit"):
        for row in q.rows_for_coding(tx.session, table, coding_id):
            tx.delete(table, row)
    row = tx.get("coding", coding_id)
    if row is not None:
        tx.delete("coding", row)


def set_coding_memo(ws: Workspace, ref: UnitRef | str, code_name: str, memo: str) -> None:
    ref = UnitRef.parse(ref) if isinstance(ref, str) else ref
    with ws.write("coding.memo", f"{code_name} @ {ref}") as tx:
        _seg, coding = _own_coding(tx, ws, ref, code_name)
        tx.update("coding", coding, memo=memo.strip() or None)
