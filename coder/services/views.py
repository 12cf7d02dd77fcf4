"""The read models the UIs show: plain objects read in one session each.

The TUI never opens a session or sees a table row: each screen asks one function here for
what it shows (a document with its units and codings, a page of the document list, a
theme's extracts, a page of the audit trail, the stepper's counts) and gets dataclasses and
core objects back. Every function reads only, so it is safe in a thread worker; pages are
cut in SQL, so a 100,000-document project costs one page per call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coder.core.extracts import ThemeExtract
from coder.core.model import AuditEvent, Code, Coding, Document, Memo, Segment, SegmentKind, Theme
from coder.services.paging import Key, PageKeys
from coder.services.workspace import Workspace
from coder.store import queries as q
from coder.store.audit import VerifyResult
from coder.store.queries import CodeCount, DocumentListItem, ThemeStats

__all__ = [
    "AuditPage",
    "CodeCount",
    "DocView",
    "DocumentListItem",
    "ExtractPage",
    "PageKeys",
    "PhaseCounts",
    "ThemeStats",
    "Totals",
    "VerifyResult",
]

# ---- the phase stepper ----------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """The corpus size: documents and reading units. They change only on import, and
    counting 800,000 units takes a while, so the app counts them on start and on phase
    switches, not after every coding."""

    documents: int
    segments: int


@dataclass(frozen=True)
class PhaseCounts:
    """The figures behind each phase's progress line (one COUNT query each)."""

    read: int
    coded: int
    theme_statuses: dict[str, int]
    unassigned_codes: int
    marked: dict[int, str]  # phase number -> the status the coder set ("in progress", "done")


def count_totals(ws: Workspace) -> Totals:
    with ws.read() as session:
        return Totals(
            q.count_documents(session, ws.project.id), q.count_segments(session, ws.project.id)
        )


def phase_counts(ws: Workspace, coder_id: int | None) -> PhaseCounts:
    pid = ws.project.id
    with ws.read() as session:
        # Three statements, each an aggregate in SQL: the per-coder counts in one, then
        # the themes by status and the phases' marks (grouped; a few rows each).
        counts = q.progress_counts(session, pid, coder_id)
        return PhaseCounts(
            read=counts.read,
            coded=counts.coded,
            theme_statuses=q.theme_status_counts(session, pid),
            unassigned_codes=counts.unassigned,
            marked=q.phase_statuses(session, pid),
        )


# ---- documents: the list, one document, reading order ---------------------------------


@dataclass
class DocView:
    """One document as the reading and coding phases need it, read in one session."""

    doc: Document
    ordinal: int  # the document's place in reading order (for next_uncoded)
    units: list[Segment]
    kinds: dict[int, SegmentKind]
    codings: list[Coding] = field(default_factory=list)

    def unit_index(self, ordinal: int) -> int:
        for index, unit in enumerate(self.units):
            if unit.ordinal == ordinal:
                return index
        return 0


def document_view(ws: Workspace, key: str) -> DocView | None:
    """The document ``key`` with its units, segment kinds and every coder's codings."""
    with ws.read() as session:
        row = q.document_row(session, ws.project.id, key)
        if row is None or row.id is None:
            return None
        segments = q.segments_of(session, row.id, ("unit", "span", "document"))
        view = DocView(
            doc=q.to_document(row),
            ordinal=row.ordinal,
            units=sorted(
                (s for s in segments if s.kind == SegmentKind.UNIT), key=lambda s: s.ordinal or 0
            ),
            kinds={s.id: s.kind for s in segments},
        )
        view.codings = q.codings(session, ws.project.id, document_id=row.id)
    return view


def document_with_note(
    ws: Workspace, key: str, coder_id: int | None, kind: str
) -> tuple[Document, str | None] | None:
    """The document ``key`` and the coder's note of ``kind`` on it (None: no note yet)."""
    with ws.read() as session:
        row = q.document_row(session, ws.project.id, key)
        if row is None:
            return None
        memo = (
            q.memo_row(session, ws.project.id, coder_id, "document", row.id, kind)
            if coder_id is not None
            else None
        )
        return q.to_document(row), memo.text if memo is not None else None


def document_page(
    ws: Workspace,
    coder_id: int | None,
    offset: int,
    limit: int,
    unread_only: bool = False,
    search: str | None = None,
    keys: PageKeys | None = None,
) -> tuple[int, list[DocumentListItem]]:
    """(total matching, the ``limit`` rows from row ``offset``): what the virtual document
    list shows. The rows are found by keyset from the boundaries ``keys`` remembers (pass
    the same ``PageKeys`` for every page of one list), so a deep page costs what the first
    does."""
    keys = keys if keys is not None else PageKeys()
    where = q.DocumentFilter(coder_id, unread_only, search or None)
    pid = ws.project.id
    with ws.read() as session:
        keys.check((where, q.last_seq(session, pid)))
        if keys.total is None:  # a search over 100,000 abstracts is counted once, not per page
            keys.total = q.count_document_list(session, pid, where)
        total = keys.total

        def walk(
            after: Key | None, n: int, descending: bool, every: int, phase: int
        ) -> list[tuple[int, Key]]:
            return q.document_list_keys(session, pid, where, after, n, descending, every, phase)

        start = keys.seek(offset, total, walk, limit)
        items = q.document_list_page(session, pid, where, start, limit)
    if items:
        keys.remember(offset + len(items), items[-1].cursor)
    return total, items


def document_index(ws: Workspace, key: str) -> int | None:
    """The document's row in the unfiltered list (to reopen where the coder left off)."""
    with ws.read() as session:
        return q.document_index(session, ws.project.id, key)


def first_document(ws: Workspace) -> str | None:
    with ws.read() as session:
        return q.end_document_key(session, ws.project.id)


def neighbour_document(ws: Workspace, key: str, step: int) -> str | None:
    """The key ``step`` documents on in reading order (None past either end)."""
    with ws.read() as session:
        return q.document_neighbour(session, ws.project.id, key, step)


def next_uncoded(
    ws: Workspace, coder_id: int, doc_ordinal: int, doc_id: int, after_unit: int
) -> tuple[str, int] | None:
    """(document key, unit ordinal) of the next unit the coder has not coded, wrapping
    round to the start of the project."""
    pid = ws.project.id
    with ws.read() as session:
        found = q.next_uncoded(session, pid, coder_id, doc_ordinal, doc_id, after_unit)
        if found is None:
            found = q.next_uncoded(session, pid, coder_id, -1, -1, 0)
    return found


# ---- codes and themes -----------------------------------------------------------------


def codes(ws: Workspace) -> list[Code]:
    """The active codes."""
    with ws.read() as session:
        return q.codes(session, ws.project.id)


def code_counts(ws: Workspace, coder_ids: list[int] | None = None) -> list[CodeCount]:
    """Active codes with how much data they hold (of ``coder_ids`` only, if given)."""
    with ws.read() as session:
        return q.code_counts(session, ws.project.id, coder_ids=coder_ids)


def coded_segments_of(ws: Workspace, code: str, coder_ids: list[int] | None = None) -> int:
    """The segments coded with ``code`` (of ``coder_ids`` only, if given), as
    ``code_counts`` counts them: what phase 2 shows after an apply or a removal."""
    with ws.read() as session:
        return q.coded_segments_of(session, ws.project.id, code, coder_ids=coder_ids)


def coded_texts(ws: Workspace, coder_ids: list[int] | None = None) -> list[tuple[str, str]]:
    """(code, coded text) of the codings of ``coder_ids`` (everyone's if None): what the
    coding phase's learned suggestions start from."""
    with ws.read() as session:
        return q.coded_texts(session, ws.project.id, coder_ids=coder_ids)


def codes_and_themes(ws: Workspace) -> tuple[list[CodeCount], list[Theme]]:
    """Phase 3's board: code counts and the live themes, in one session."""
    with ws.read() as session:
        return q.code_counts(session, ws.project.id), q.themes(session, ws.project.id)


def themes_with_stats(ws: Workspace) -> tuple[list[Theme], dict[int, ThemeStats]]:
    """Phase 4's list: the themes and the counts over each one's codes (by theme id)."""
    with ws.read() as session:
        return q.themes(session, ws.project.id), q.theme_stats(session, ws.project.id)


def themes_with_exemplar_counts(ws: Workspace) -> tuple[list[Theme], dict[int, int]]:
    """Phase 5's list: the themes in report order and how many exemplars each has."""
    with ws.read() as session:
        themes = q.themes(session, ws.project.id)
        exemplars = {t.id: len(q.exemplar_rows(session, t.id)) for t in themes if t.id is not None}
    return themes, exemplars


@dataclass
class ExtractPage:
    """One page of a theme's extracts (one row per coded span, whoever coded it: see
    ``coder.core.extracts``), with the reviewer's marks on them."""

    total: int
    page: int  # the page read: the one asked for, kept within the pages there are
    extracts: list[ThemeExtract]
    exemplars: set[int]  # coding ids
    misfits: set[int]

    @property
    def codings(self) -> list[Coding]:
        """The representative coding of each extract."""
        return [e.coding for e in self.extracts]


def theme_extracts(
    ws: Workspace,
    theme_id: int,
    page: int,
    page_size: int,
    coder: str | None = None,
    keys: PageKeys | None = None,
) -> ExtractPage:
    """A page of a theme's extracts, of one coder's codings only if ``coder`` is given;
    found by keyset from the page boundaries ``keys`` remembers (one per list)."""
    keys = keys if keys is not None else PageKeys()
    pid = ws.project.id
    with ws.read() as session:
        coder_ids = None
        if coder is not None:
            found = q.coder_id(session, coder)
            coder_ids = [found] if found is not None else []
        keys.check((theme_id, coder, q.last_seq(session, pid)))
        total = q.count_theme_extracts(session, pid, theme_id, coder_ids=coder_ids)
        page = max(0, min(page, max(1, -(-total // page_size)) - 1))

        def walk(
            after: Key | None, n: int, descending: bool, every: int, phase: int
        ) -> list[tuple[int, Key]]:
            assert not descending  # pages are turned one at a time from the first
            return q.theme_extract_keys(session, pid, theme_id, after, n, coder_ids, every, phase)

        offset = page * page_size
        start = keys.seek(offset, total, walk, page_size, backwards=False)
        extracts, last = q.theme_extract_page(session, pid, theme_id, start, page_size, coder_ids)
        if last is not None:
            keys.remember(offset + len(extracts), last)
        return ExtractPage(
            total=total,
            page=page,
            extracts=extracts,
            exemplars=q.exemplar_coding_ids(session, theme_id),
            misfits=q.misfit_coding_ids(session, theme_id),
        )


def project_coders(ws: Workspace) -> list[str]:
    """The coders who coded something in this project (the choices of a coder filter)."""
    with ws.read() as session:
        return q.project_coder_names(session, ws.project.id)


# ---- memos, coders, the audit trail ---------------------------------------------------


def journal_entries(ws: Workspace, limit: int) -> list[Memo]:
    """The newest ``limit`` entries of the project's reflexive journal."""
    with ws.read() as session:
        return q.memos(session, ws.project.id, target_type="project", kind="journal", limit=limit)


def coder_names(ws: Workspace) -> list[str]:
    with ws.read() as session:
        return q.coder_names(session)


def audit_filter_choices(ws: Workspace) -> tuple[list[str], list[str]]:
    """(coder names, actions) the audit trail can be filtered by."""
    with ws.read() as session:
        return q.coder_names(session), q.audit_actions(session, ws.project.id)


@dataclass
class AuditPage:
    """One page of the audit trail, newest first."""

    total: int
    page: int  # the page read: the one asked for, kept within the pages there are
    events: list[AuditEvent]


def audit_page(
    ws: Workspace,
    page: int,
    page_size: int,
    coder: str | None = None,
    action: str | None = None,
    target: str | None = None,
    keys: PageKeys | None = None,
) -> AuditPage:
    """A page of the trail, newest first, found by keyset (the seq of the event before
    it) from the page boundaries ``keys`` remembers (one per view)."""
    keys = keys if keys is not None else PageKeys()
    pid = ws.project.id
    filters = {"coder": coder, "action": action, "target": target}
    with ws.read() as session:
        keys.check((coder, action, target, q.last_seq(session, pid)))
        total = q.count_audit_events(session, pid, **filters)
        page = max(0, min(page, max(1, -(-total // page_size)) - 1))

        def walk(
            after: Key | None, n: int, descending: bool, every: int, phase: int
        ) -> list[tuple[int, Key]]:
            return q.audit_seqs(
                session, pid, after, n, newest_first=not descending, every=every, phase=phase,
                **filters,
            )  # fmt: skip

        offset = page * page_size
        start = keys.seek(offset, total, walk, page_size)
        events = q.audit_events(session, pid, limit=page_size, after_seq=start, **filters)
    if events:
        keys.remember(offset + len(events), events[-1].seq)
    return AuditPage(total, page, events)


def count_audit_events(ws: Workspace) -> int:
    with ws.read() as session:
        return q.count_audit_events(session, ws.project.id)
