"""Themes: rows, links to codes, exemplars and misfits, extracts, stats, the unassigned pile."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from coder.core.extracts import ThemeExtract
from coder.core.model import (
    Coding,
    Theme,
    ThemeStatus,
)
from coder.store.queries.codes import code_rows
from coder.store.queries.convert import to_coding
from coder.store.queries.keyset import Key, after, sparse
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


THEME_CODING_ORDER = (  # grouped by code (codebook order), then reading order
    CodeRow.order,
    CodeRow.name,
    DocumentRow.ordinal,
    DocumentRow.id,
    SegmentRow.start,
    CodingRow.id,
)


def theme_codings(
    session: Session,
    project_id: int,
    theme_id: int,
    after_key: Key | None = None,
    limit: int | None = None,
) -> list[Coding]:
    """A theme's coded extracts grouped by code (codebook order), then in reading order,
    after the cursor ``after_key`` (see ``theme_coding_pages``)."""
    query = (
        _theme_codings_query(project_id, theme_id)
        .where(after(THEME_CODING_ORDER, after_key))
        .order_by(*THEME_CODING_ORDER)
    )
    if limit is not None:
        query = query.limit(limit)
    return [to_coding(*row) for row in session.exec(query)]


def theme_coding_pages(
    session: Session, project_id: int, theme_id: int, batch: int = 2000
) -> Iterator[list[Coding]]:
    """All of a theme's codings in ``theme_codings`` order, a page at a time."""
    cursor: Key | None = None
    while True:
        page = theme_codings(session, project_id, theme_id, after_key=cursor, limit=batch)
        if not page:
            return
        yield page
        if len(page) < batch:
            return
        last = page[-1]
        cursor = session.exec(
            select(*THEME_CODING_ORDER)
            .select_from(CodingRow)
            .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
            .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
            .join(CodeRow, CodeRow.id == CodingRow.code_id)
            .where(CodingRow.id == last.id)
        ).one()


def _family_of(session: Session, project_id: int, theme_id: int) -> list[int]:
    return theme_families(session, project_id).get(theme_id, [theme_id])


def _extract_clauses(project_id: int, family: Sequence[int], coder_ids: Sequence[int] | None):
    """The codings behind a theme family's extracts, misfits included (lists mark them)."""
    codes = select(ThemeCodeRow.code_id).where(col(ThemeCodeRow.theme_id).in_(list(family)))
    clauses = [CodingRow.project_id == project_id, col(CodingRow.code_id).in_(codes)]
    if coder_ids is not None:
        clauses.append(col(CodingRow.coder_id).in_(list(coder_ids)))
    return clauses


def count_theme_extracts(
    session: Session, project_id: int, theme_id: int, coder_ids: Sequence[int] | None = None
) -> int:
    """A theme's extracts (spans, once whoever coded them), misfits included."""
    family = _family_of(session, project_id, theme_id)
    return session.exec(
        select(func.count(func.distinct(CodingRow.segment_id))).where(
            *_extract_clauses(project_id, family, coder_ids)
        )
    ).one()


def _extract_spans(clauses: list[Any]) -> Any:
    """One row per extract (coded span) with its order keys: the first code's place in
    the codebook and the earliest coding (the representative one)."""
    return (
        select(
            CodingRow.segment_id.label("segment_id"),
            func.min(CodeRow.order).label("code_order"),
            func.min(CodingRow.id).label("first_id"),
        )
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .where(*clauses)
        .group_by(CodingRow.segment_id)
        .subquery()
    )


def _extracts_in_order(spans: Any, after_key: Key | None, *leading: Any) -> Any:
    """SELECT ``leading`` columns and the order keys of the extracts after ``after_key``:
    grouped by their first code (codebook order), then in reading order; the span's id
    makes the keys unique, so they are the extract list's keyset cursor."""
    order = (
        spans.c.code_order,
        DocumentRow.ordinal,
        DocumentRow.id,
        SegmentRow.start,
        spans.c.segment_id,
    )
    return (
        select(*leading, *order)
        .join(SegmentRow, SegmentRow.id == spans.c.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .where(after(order, after_key))
        .order_by(*order)
    )


def theme_extract_keys(
    session: Session,
    project_id: int,
    theme_id: int,
    after_key: Key | None,
    limit: int,
    coder_ids: Sequence[int] | None = None,
    every: int = 1,
    phase: int = 0,
) -> list[tuple[int, Key]]:
    """(n, cursor) of the n-th extracts after ``after_key``, up to the ``limit``-th (with
    ``every``: as ``keyset.sparse`` keeps them): how a page far down the list is found
    without reading the codings of the extracts before it."""
    family = _family_of(session, project_id, theme_id)
    spans = _extract_spans(_extract_clauses(project_id, family, coder_ids))
    query = _extracts_in_order(spans, after_key)
    rows = session.exec(sparse(query, limit, False, every, phase)).all()
    return [(r[0], tuple(r[1:])) for r in rows]


def theme_extracts(
    session: Session, project_id: int, theme_id: int, coder_ids: Sequence[int] | None = None
) -> list[ThemeExtract]:
    """All of a theme's extracts, in list order (see ``theme_extract_page``)."""
    return theme_extract_page(session, project_id, theme_id, coder_ids=coder_ids)[0]


def theme_extract_page(
    session: Session,
    project_id: int,
    theme_id: int,
    after_key: Key | None = None,
    limit: int | None = None,
    coder_ids: Sequence[int] | None = None,
) -> tuple[list[ThemeExtract], Key | None]:
    """(extracts, the cursor of the last one): a page of a theme's extracts after the
    cursor ``after_key`` (an extract's ``theme_extract_keys`` tuple), one row per span
    with its codes and coders, grouped by their first code (codebook order) and then in
    reading order. Two queries a page."""
    family = _family_of(session, project_id, theme_id)
    clauses = _extract_clauses(project_id, family, coder_ids)
    spans = _extract_spans(clauses)
    page = _extracts_in_order(spans, after_key, spans.c.segment_id, spans.c.first_id)
    if limit is not None:
        page = page.limit(limit)
    picked = session.exec(page).all()
    if not picked:
        return [], None
    firsts = {r[0]: r[1] for r in picked}
    rows = session.exec(
        select(CodingRow, SegmentRow, DocumentRow, CodeRow.name, CoderRow.name)
        .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
        .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
        .join(CodeRow, CodeRow.id == CodingRow.code_id)
        .join(CoderRow, CoderRow.id == CodingRow.coder_id)
        .where(*clauses, col(CodingRow.segment_id).in_(list(firsts)))
        .order_by(CodeRow.order, CodeRow.name, CodingRow.id)
    ).all()
    found: dict[int, ThemeExtract] = {}
    for row in rows:
        coding = to_coding(*row)
        extract = found.get(coding.segment_id)
        if extract is None:
            extract = found[coding.segment_id] = ThemeExtract(coding=coding)
        if coding.id == firsts[coding.segment_id]:
            extract.coding = coding
        if coding.code not in extract.codes:
            extract.codes.append(coding.code)
        if coding.coder not in extract.coders:
            extract.coders.append(coding.coder)
        extract.coding_ids.append(coding.id)
    out = [found[segment_id] for segment_id in firsts if segment_id in found]
    for extract in out:
        extract.coders.sort()
    return out, tuple(picked[-1][2:])


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
    """A theme's figures by the one definition in ``coder.core.extracts``: extracts (coded
    spans, once whoever coded them) and documents over its family's codes, misfit spans left
    out; ``codings`` are the rows behind those extracts; ``codes`` are its own codes."""

    codes: int = 0
    codings: int = 0
    extracts: int = 0
    documents: int = 0
    exemplars: int = 0
    misfits: int = 0
    segments: int = 0  # coded segments of its OWN codes, misfits in: what overlap is measured on


def theme_families(session: Session, project_id: int) -> dict[int, list[int]]:
    """Each live theme's id with those of its sub-themes, at any depth (cycles cut)."""
    rows = theme_rows(session, project_id)
    live = {r.id for r in rows}
    children: dict[int, list[int]] = {}
    for r in rows:
        if r.parent_id in live and r.parent_id != r.id:
            children.setdefault(r.parent_id, []).append(r.id)
    families: dict[int, list[int]] = {}
    for r in rows:
        out, stack = [r.id], list(children.get(r.id, []))
        while stack:
            child = stack.pop(0)
            if child not in out:
                out.append(child)
                stack.extend(children.get(child, []))
        families[r.id] = out
    return families


def _counted_codings(project_id: int, family: Sequence[int], coder_ids: Sequence[int] | None):
    """WHERE clauses of the codings that count for a theme family (core.extracts rules)."""
    codes = select(ThemeCodeRow.code_id).where(col(ThemeCodeRow.theme_id).in_(list(family)))
    misfit_spans = (
        select(CodingRow.segment_id)
        .join(MisfitRow, MisfitRow.coding_id == CodingRow.id)
        .where(col(MisfitRow.theme_id).in_(list(family)))
    )
    clauses = [
        CodingRow.project_id == project_id,
        col(CodingRow.code_id).in_(codes),
        col(CodingRow.segment_id).not_in(misfit_spans),
    ]
    if coder_ids is not None:
        clauses.append(col(CodingRow.coder_id).in_(list(coder_ids)))
    return clauses


def theme_stats(
    session: Session, project_id: int, coder_ids: Sequence[int] | None = None
) -> dict[int, ThemeStats]:
    """Per live theme: a few grouped queries plus one per theme (themes are few)."""
    families = theme_families(session, project_id)
    live = list(families)
    stats: dict[int, ThemeStats] = {tid: ThemeStats() for tid in live}
    for tid, n in session.exec(
        select(ThemeCodeRow.theme_id, func.count())
        .where(col(ThemeCodeRow.theme_id).in_(live))
        .group_by(ThemeCodeRow.theme_id)
    ):
        stats[tid].codes = n
    for tid, n in session.exec(
        select(ThemeCodeRow.theme_id, func.count(func.distinct(CodingRow.segment_id)))
        .join(CodingRow, CodingRow.code_id == ThemeCodeRow.code_id)
        .where(col(ThemeCodeRow.theme_id).in_(live), CodingRow.project_id == project_id)
        .group_by(ThemeCodeRow.theme_id)
    ):
        stats[tid].segments = n
    for tid, family in families.items():
        codings_n, extracts_n, documents_n = session.exec(
            select(
                func.count(CodingRow.id),
                func.count(func.distinct(CodingRow.segment_id)),
                func.count(func.distinct(SegmentRow.document_id)),
            )
            .join(SegmentRow, SegmentRow.id == CodingRow.segment_id)
            .where(*_counted_codings(project_id, family, coder_ids))
        ).one()
        s = stats[tid]
        s.codings, s.extracts, s.documents = codings_n, extracts_n, documents_n
    for tid, n in session.exec(
        select(ExemplarRow.theme_id, func.count())
        .where(col(ExemplarRow.theme_id).in_(live))
        .group_by(ExemplarRow.theme_id)
    ):
        stats[tid].exemplars = n
    for tid, n in session.exec(  # misfit extracts: marked spans, once each
        select(MisfitRow.theme_id, func.count(func.distinct(CodingRow.segment_id)))
        .join(CodingRow, CodingRow.id == MisfitRow.coding_id)
        .where(col(MisfitRow.theme_id).in_(live))
        .group_by(MisfitRow.theme_id)
    ):
        stats[tid].misfits = n
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
    return session.exec(unassigned_codes_query(project_id)).one()


def unassigned_codes_query(project_id: int) -> Any:
    """``count_unassigned_codes`` as a statement (the stepper runs it inside
    ``progress_counts``)."""
    linked = (
        select(ThemeCodeRow.code_id)
        .join(ThemeRow, ThemeRow.id == ThemeCodeRow.theme_id)
        .where(ThemeRow.project_id == project_id, ThemeRow.status != "discarded")
    )
    return (
        select(func.count())
        .select_from(CodeRow)
        .where(
            CodeRow.project_id == project_id,
            CodeRow.status == "active",
            col(CodeRow.id).not_in(linked),
        )
    )
