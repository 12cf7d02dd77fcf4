"""Look-ups in bulk for bulk actions (autocode, batch coding from a file): a few queries
for thousands of references, chunked, returning plain tuples, never a query per row."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, col

from coder.core.model import AuditEvent, Coding
from coder.store.rows import chunks, driver_rows, scratch_table
from coder.store.tables import AuditEventRow, CodeRow, CoderRow, CodingRow, DocumentRow


@dataclass(frozen=True)
class DocInfo:
    id: int
    length: int  # of the text, in code points


# (id, document_id, kind, ordinal, heading, start, end)
SegInfo = tuple[int, int, str, int | None, str | None, int, int]


# (key, unit number, start, end) as the user gave them; None where not given
Ref = tuple[str, int | None, int | None, int | None]

_LOCATE = """
SELECT r.i, d.id,
  CASE WHEN r.ordinal IS NOT NULL THEN (
    SELECT min(s.id) FROM segment s
    WHERE s.document_id = d.id AND s.ordinal = r.ordinal AND s.kind = 'unit') END,
  CASE WHEN r.start IS NOT NULL THEN (
    SELECT s.id FROM segment s
    WHERE s.document_id = d.id AND s.start = r.start AND s."end" = r.stop
      AND s.kind IN ('unit', 'span')
    ORDER BY s.kind DESC, s.id LIMIT 1) END
FROM coder_ref r LEFT JOIN document d ON d.project_id = ? AND d.key = r.key
ORDER BY r.i
"""


def locate(
    session: Session, project_id: int, refs: Sequence[Ref]
) -> list[tuple[int | None, int | None]]:
    """(document id, segment id) for each reference, in order, by one join in the
    database: the unit with that number, or the unit (else the first span) with exactly
    that start and end. None where there is no such document or segment (a span that
    is new, a whole document, a unit number out of range: the caller says which).
    Reading every segment of the documents instead costs 135,000 rows at 10k abstracts."""
    conn = session.connection()
    rows = [(i, *ref) for i, ref in enumerate(refs)]
    columns = (
        "i INTEGER PRIMARY KEY, key TEXT NOT NULL, ordinal INTEGER, start INTEGER, stop INTEGER"
    )
    with scratch_table(conn, "coder_ref", columns, rows):
        found = driver_rows(conn, _LOCATE, (project_id,))
    return [(doc, unit if unit is not None else span) for _i, doc, unit, span in found]


def document_lengths(session: Session, document_ids: Iterable[int]) -> dict[int, int]:
    """Length of each document's text, in code points (as Python counts them)."""
    return dict(
        driver_rows(  # type: ignore[arg-type]
            session.connection(),
            "SELECT id, length(text) FROM document WHERE id IN {ids}",
            (),
            sorted(set(document_ids)),
        )
    )


def units_of(session: Session, document_ids: Iterable[int]) -> list[SegInfo]:
    """The reading units of the documents (a new span takes its unit's heading)."""
    return driver_rows(  # type: ignore[return-value]
        session.connection(),
        'SELECT id, document_id, kind, ordinal, heading, start, "end" FROM segment '
        "WHERE kind = 'unit' AND document_id IN {ids}",
        (),
        sorted(set(document_ids)),
    )


def whole_document_segments(session: Session, lengths: dict[int, int]) -> dict[int, int]:
    """document id -> the first of its whole-document segments (0 to its ``lengths``)."""
    rows = driver_rows(
        session.connection(),
        'SELECT id, document_id, start, "end" FROM segment '
        "WHERE kind = 'document' AND document_id IN {ids} ORDER BY id",
        (),
        sorted(lengths),
    )
    found: dict[int, int] = {}
    for seg_id, doc_id, start, end in rows:
        if start == 0 and end == lengths[doc_id]:
            found.setdefault(doc_id, seg_id)
    return found


def unit_count(session: Session, document_id: int) -> int:
    """How many reading units the document has (for "it has N" in a message)."""
    rows = driver_rows(
        session.connection(),
        "SELECT count(*) FROM segment WHERE kind = 'unit' AND document_id = ?",
        (document_id,),
    )
    return int(rows[0][0])


def document_texts(session: Session, document_ids: Iterable[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in chunks(sorted(set(document_ids))):
        for doc_id, text in session.execute(
            select(DocumentRow.id, DocumentRow.text).where(col(DocumentRow.id).in_(chunk))
        ):
            found[doc_id] = text
    return found


def project_units(
    session: Session, project_id: int, segment_ids: Iterable[int]
) -> dict[int, tuple[str, int]]:
    """segment id -> (document key, unit number) for those of these ids that are reading
    units of the project's documents. (Two plain look-ups: a join here makes SQLite scan
    every segment of the project.)"""
    conn = session.connection()
    keys = dict(
        driver_rows(conn, "SELECT id, key FROM document WHERE project_id = ?", (project_id,))
    )
    rows = driver_rows(
        conn,
        "SELECT id, document_id, ordinal FROM segment WHERE kind = 'unit' AND id IN {ids}",
        (),
        sorted(set(segment_ids)),
    )
    return {seg: (keys[doc], ordinal) for seg, doc, ordinal in rows if doc in keys}


def codes_by_name(session: Session, project_id: int) -> dict[str, tuple[int, str, int | None]]:
    """name -> (id, status, merged_into_id) for every code of the project."""
    return {
        name: (code_id, status, merged)
        for name, code_id, status, merged in session.execute(
            select(CodeRow.name, CodeRow.id, CodeRow.status, CodeRow.merged_into_id).where(
                CodeRow.project_id == project_id
            )
        )
    }


def coders_by_name(session: Session, names: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(set(names))):
        for name, coder_id in session.execute(
            select(CoderRow.name, CoderRow.id).where(col(CoderRow.name).in_(chunk))
        ):
            found[name] = coder_id
    return found


def existing_codings(
    session: Session, project_id: int, code_ids: Iterable[int], coder_ids: Iterable[int]
) -> set[tuple[int, int, int]]:
    """(segment_id, code_id, coder_id) of the codings these codes and coders already have."""
    coders = sorted(set(coder_ids))
    if not coders:
        return set()
    marks = ", ".join(["?"] * len(coders))
    rows = driver_rows(
        session.connection(),
        f"SELECT segment_id, code_id, coder_id FROM coding WHERE project_id = ? "
        f"AND coder_id IN ({marks}) AND code_id IN {{ids}}",
        (project_id, *coders),
        sorted(set(code_ids)),
    )
    return set(rows)  # type: ignore[arg-type]


# One page of codings with only the coded span of each text (substr in SQL), as the
# driver's tuples; the last two columns are the reading order, to sort the chunks' rows.
ITER_CODINGS_SQL = (
    'SELECT g.id, s.id, d.key, c.name, u.name, s.start, s."end", s.heading, '
    'substr(d.text, s.start + 1, s."end" - s.start), g.created_at, g.memo, s.ordinal, '
    "d.ordinal, d.id "
    "FROM coding g JOIN segment s ON s.id = g.segment_id "
    "JOIN document d ON d.id = s.document_id JOIN code c ON c.id = g.code_id "
    "JOIN coder u ON u.id = g.coder_id "
    "WHERE g.project_id = ? AND s.document_id IN {ids}"
)


def iter_codings(
    session: Session, project_id: int, documents_per_page: int = 500
) -> Iterator[list[Coding]]:
    """Every coding in reading order, a page of documents at a time (keyset on the reading
    order index, never OFFSET), with only the coded span of each text (substr in SQL), not
    the whole abstract per coding: what exports stream."""
    last_ordinal, last_id = -1, -1
    while True:
        docs = session.execute(
            select(DocumentRow.id, DocumentRow.ordinal)
            .where(
                DocumentRow.project_id == project_id,
                or_(
                    DocumentRow.ordinal > last_ordinal,
                    and_(DocumentRow.ordinal == last_ordinal, DocumentRow.id > last_id),
                ),
            )
            .order_by(DocumentRow.ordinal, DocumentRow.id)
            .limit(documents_per_page)
        ).all()
        if not docs:
            return
        page = driver_rows(
            session.connection(),
            ITER_CODINGS_SQL,
            (project_id,),
            [d[0] for d in docs],
        )
        page.sort(key=lambda r: (r[12], r[13], r[5], r[0]))
        if page:
            yield [Coding(*row[:12]) for row in page]
        last_ordinal, last_id = docs[-1][1], docs[-1][0]


def count_codings(session: Session, project_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(CodingRow).where(CodingRow.project_id == project_id)
    ).scalar_one()


def audit_page(session: Session, project_id: int, after_seq: int, limit: int) -> list[AuditEvent]:
    """Events after ``after_seq``, oldest first: keyset paging for exports of the trail."""
    from coder.store.queries import to_event

    rows = session.execute(
        select(AuditEventRow)
        .where(AuditEventRow.project_id == project_id, AuditEventRow.seq > after_seq)
        .order_by(AuditEventRow.seq)
        .limit(limit)
    ).scalars()
    return [to_event(r) for r in rows]
