"""Themes: rows, links to codes, exemplars and misfits, extracts, stats, the unassigned pile."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from coder.core.model import (
    Coding,
    Theme,
    ThemeStatus,
)
from coder.store.queries.codes import code_rows
from coder.store.queries.convert import to_coding
from coder.store.tables import (
    CodeRow,
    CoderRow,
    CodingRow,
    DocumentRow,
    ExemplarRow,
    MisfitRow,
    SegmentRow,
    ThemeCodeRow,
    ThemeRow,
)


def theme_rows(
    session: Session, project_id: int, include_discarded: bool = False
) -> list[ThemeRow]:
    query = select(ThemeRow).where(ThemeRow.project_id == project_id)
    if not include_discarded:
        query = query.where(ThemeRow.status != "discarded")
    return list(session.exec(query.order_by(ThemeRow.order, ThemeRow.id)))


def theme_row(session: Session, project_id: int, name: str) -> ThemeRow | None:
    return session.exec(
        select(ThemeRow).where(
            ThemeRow.project_id == project_id, ThemeRow.name == name, ThemeRow.status != "discarded"
        )
    ).first()


def theme_code_row(session: Session, theme_id: int, code_id: int) -> ThemeCodeRow | None:
    return session.exec(
        select(ThemeCodeRow).where(
            ThemeCodeRow.theme_id == theme_id, ThemeCodeRow.code_id == code_id
        )
    ).first()


def theme_code_rows(session: Session, theme_id: int) -> list[ThemeCodeRow]:
    return list(session.exec(select(ThemeCodeRow).where(ThemeCodeRow.theme_id == theme_id)))


def themes(session: Session, project_id: int) -> list[Theme]:
    rows = theme_rows(session, project_id)
    names = {r.id: r.name for r in rows}
    code_names = {r.id: r.name for r in code_rows(session, project_id)}
    links: dict[int, list[str]] = {}
    for link in session.exec(
        select(ThemeCodeRow)
        .where(col(ThemeCodeRow.theme_id).in_(list(names)))
        .order_by(ThemeCodeRow.id)
    ):
        links.setdefault(link.theme_id, []).append(code_names[link.code_id])
    return [
        Theme(
            name=r.name,
            definition=r.definition,
            scope=r.scope,
            codes=links.get(r.id, []),
            parent=names.get(r.parent_id) if r.parent_id else None,
            order=r.order,
            status=ThemeStatus(r.status),
            uid=r.uid,
            id=r.id,
        )
        for r in rows
    ]


def exemplar_rows(session: Session, theme_id: int) -> list[ExemplarRow]:
    return list(
        session.exec(
            select(ExemplarRow).where(ExemplarRow.theme_id == theme_id).order_by(ExemplarRow.order)
        )
    )


def exemplar_row(session: Session, theme_id: int, coding_id: int) -> ExemplarRow | None:
    return session.exec(
        select(ExemplarRow).where(
            ExemplarRow.theme_id == theme_id, ExemplarRow.coding_id == coding_id
        )
    ).first()


def misfit_row(session: Session, theme_id: int, coding_id: int) -> MisfitRow | None:
    return session.exec(
        select(MisfitRow).where(MisfitRow.theme_id == theme_id, MisfitRow.coding_id == coding_id)
    ).first()


def misfit_coding_ids(session: Session, theme_id: int) -> set[int]:
    return set(session.exec(select(MisfitRow.coding_id).where(MisfitRow.theme_id == theme_id)))


def theme_links_of_code(session: Session, code_id: int) -> list[ThemeCodeRow]:
    return list(session.exec(select(ThemeCodeRow).where(ThemeCodeRow.code_id == code_id)))


def next_theme_order(session: Session, project_id: int) -> int:
    value = session.exec(
        select(func.max(ThemeRow.order)).where(ThemeRow.project_id == project_id)
    ).one()
    return (value or 0) + 1


def _live_theme_ids(project_id: int):
    return select(ThemeRow.id).where(
        ThemeRow.project_id == project_id, ThemeRow.status != "discarded"
    )


def _theme_codings_query(project_id: int, theme_id: int):
    codes_of_theme = select(ThemeCodeRow.code_id).where(ThemeCodeRow.theme_id == theme_id)
    return (
        select(CodingRow, SegmentRow, DocumentRow, CodeRow.name, CoderRow.name)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(CoderRow, CoderRow.id == CodingRow.coder_id)
        .where(CodingRow.project_id == project_id, col(CodingRow.code_id).in_(codes_of_theme))
    )


def count_theme_codings(session: Session, project_id: int, theme_id: int) -> int:
    codes_of_theme = select(ThemeCodeRow.code_id).where(ThemeCodeRow.theme_id == theme_id)
    return session.exec(
        select(func.count(CodingRow.id)).where(
            CodingRow.project_id == project_id, col(CodingRow.code_id).in_(codes_of_theme)
        )
    ).one()


def theme_codings(
    session: Session, project_id: int, theme_id: int, offset: int = 0, limit: int | None = None
) -> list[Coding]:
    """A theme's coded extracts grouped by code (codebook order), then in reading order."""
    query = _theme_codings_query(project_id, theme_id).order_by(
        CodeRow.order,
        CodeRow.name,
        DocumentRow.ordinal,
        DocumentRow.id,
        SegmentRow.start,
        CodingRow.id,
    )
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return [to_coding(*row) for row in session.exec(query)]


def exemplar_codings(session: Session, project_id: int, theme_id: int) -> list[Coding]:
    """A theme's exemplar extracts in their chosen order."""
    query = (
        _theme_codings_query(project_id, theme_id)
        .join(
            ExemplarRow,
            and_(ExemplarRow.coding_id == CodingRow.id, ExemplarRow.theme_id == theme_id),
        )
        .order_by(ExemplarRow.order, ExemplarRow.id)
    )
    return [to_coding(*row) for row in session.exec(query)]


def exemplar_coding_ids(session: Session, theme_id: int) -> set[int]:
    return set(session.exec(select(ExemplarRow.coding_id).where(ExemplarRow.theme_id == theme_id)))


@dataclass
class ThemeStats:
    """Counts over a theme's codes: codings, distinct segments and documents, marks."""

    codes: int = 0
    codings: int = 0
    segments: int = 0
    documents: int = 0
    exemplars: int = 0
    misfits: int = 0


def theme_stats(session: Session, project_id: int) -> dict[int, ThemeStats]:
    """Per live theme, in a handful of grouped queries whatever the project's size."""
    live = _live_theme_ids(project_id)
    stats: dict[int, ThemeStats] = {tid: ThemeStats() for tid in session.exec(live)}
    for tid, n in session.exec(
        select(ThemeCodeRow.theme_id, func.count())
        .where(col(ThemeCodeRow.theme_id).in_(live))
        .group_by(ThemeCodeRow.theme_id)
    ):
        stats[tid].codes = n
    for tid, codings_n, segments_n, documents_n in session.exec(
        select(
            ThemeCodeRow.theme_id,
            func.count(CodingRow.id),
            func.count(func.distinct(CodingRow.segment_id)),
            func.count(func.distinct(SegmentRow.document_id)),
        )
        .join(CodingRow, CodingRow.code_id == ThemeCodeRow.code_id)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .where(col(ThemeCodeRow.theme_id).in_(live), CodingRow.project_id == project_id)
        .group_by(ThemeCodeRow.theme_id)
    ):
        s = stats[tid]
        s.codings, s.segments, s.documents = codings_n, segments_n, documents_n
    for model, name in ((ExemplarRow, "exemplars"), (MisfitRow, "misfits")):
        for tid, n in session.exec(
            select(model.theme_id, func.count())
            .where(col(model.theme_id).in_(live))
            .group_by(model.theme_id)
        ):
            setattr(stats[tid], name, n)
    return stats


def theme_shared_segments(session: Session, project_id: int) -> dict[tuple[int, int], int]:
    """Coded segments each pair of live themes has in common (theme ids a < b)."""
    from sqlalchemy.orm import aliased

    pairs = (
        select(ThemeCodeRow.theme_id.label("theme_id"), CodingRow.segment_id.label("segment_id"))
        .join(CodingRow, CodingRow.code_id == ThemeCodeRow.code_id)
        .where(
            col(ThemeCodeRow.theme_id).in_(_live_theme_ids(project_id)),
            CodingRow.project_id == project_id,
        )
        .distinct()
        .subquery()
    )
    a, b = aliased(pairs), aliased(pairs)
    rows = session.exec(
        select(a.c.theme_id, b.c.theme_id, func.count())
        .select_from(a)
        .join(b, and_(a.c.segment_id == b.c.segment_id, a.c.theme_id < b.c.theme_id))
        .group_by(a.c.theme_id, b.c.theme_id)
    ).all()
    return {(x, y): n for x, y, n in rows}


def unthemed_codes(session: Session, project_id: int) -> list[tuple[str, int]]:
    """Active codes in no live theme (the unassigned pile), with their number of codings."""
    themed = select(ThemeCodeRow.code_id).where(
        col(ThemeCodeRow.theme_id).in_(_live_theme_ids(project_id))
    )
    rows = session.exec(
        select(CodeRow.name, func.count(CodingRow.id))
        .outerjoin(CodingRow, CodingRow.code_id == CodeRow.id)
        .where(
            CodeRow.project_id == project_id,
            CodeRow.status == "active",
            col(CodeRow.id).not_in(themed),
        )
        .group_by(CodeRow.id, CodeRow.name, CodeRow.order)
        .order_by(CodeRow.order, CodeRow.id)
    ).all()
    return [(name, n) for name, n in rows]


def theme_status_counts(session: Session, project_id: int) -> dict[str, int]:
    """Themes (not discarded) per status, in one grouped COUNT: the stepper's phases 3-5."""
    return dict(
        session.exec(
            select(ThemeRow.status, func.count())
            .where(ThemeRow.project_id == project_id, ThemeRow.status != "discarded")
            .group_by(ThemeRow.status)
        ).all()
    )


def count_unassigned_codes(session: Session, project_id: int) -> int:
    """Active codes in no live theme: the unassigned pile of phase 3."""
    linked = (
        select(ThemeCodeRow.code_id)
        .join(ThemeRow, ThemeRow.id == ThemeCodeRow.theme_id)
        .where(ThemeRow.project_id == project_id, ThemeRow.status != "discarded")
    )
    return session.exec(
        select(func.count())
        .select_from(CodeRow)
        .where(
            CodeRow.project_id == project_id,
            CodeRow.status == "active",
            col(CodeRow.id).not_in(linked),
        )
    ).one()
