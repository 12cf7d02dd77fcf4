"""The quality check and the coverage check: evidence gathered from the store.

``coder.core.quality`` holds the rules; this module only asks the database (with grouped
queries, so a large project costs a handful of round trips) and hands plain values over.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from coder.core.quality import (
    DocumentCoverage,
    Finding,
    QualityInputs,
    Resemblance,
    ThemeFacts,
    assess,
    phase_seconds,
    rank_resembling,
)
from coder.services.coding import UnitRef
from coder.services.themes import find_theme
from coder.services.workspace import Workspace
from coder.store import queries as q

# Bounds of the check against the data set: how many of the theme's extracts serve as
# cues, and how many reading units are scanned at most (in reading order).
MAX_CUE_EXTRACTS = 40
MAX_SCANNED_UNITS = 20000


def gather(ws: Workspace) -> QualityInputs:
    """Everything the checklist needs, read in one session.

    A theme's extracts and documents are counted as the report counts them: its own
    codes and its sub-themes', each coded segment once, misfits left out. Overlap between
    themes (distinctiveness) uses each theme's own codes, so that a theme and its
    sub-theme do not look alike merely by containing one another."""
    pid = ws.project.id
    with ws.read() as session:
        themes = q.themes(session, pid)
        stats = q.theme_stats(session, pid)
        names = {t.id: t.name for t in themes}
        facts = []
        for t in themes:
            s = stats.get(t.id) or q.ThemeStats()
            facts.append(
                ThemeFacts(
                    name=t.name,
                    status=t.status.value,
                    codes=len(t.codes),
                    extracts=s.extracts,
                    segments=s.segments,
                    documents=s.documents,
                    exemplars=s.exemplars,
                    misfits=s.misfits,
                    definition=t.definition,
                )
            )
        shared = {
            (names[a], names[b]): n
            for (a, b), n in q.theme_shared_segments(session, pid).items()
            if a in names and b in names
        }
        return QualityInputs(
            coverage=[DocumentCoverage(k, u, c) for k, u, c in q.document_coverage(session, pid)],
            themes=facts,
            shared_segments=shared,
            unthemed_codes=q.unthemed_codes(session, pid),
            memos=q.memo_counts(session, pid),
            phase_seconds=phase_seconds(q.iter_audit_times(session, pid)),
            phase_statuses=q.phase_statuses(session, pid),
        )


def quality_check(ws: Workspace) -> list[Finding]:
    """Braun & Clarke's 15 points with the project's evidence, in checklist order."""
    return assess(gather(ws))


@dataclass
class MissedHit:
    """A reading unit outside a theme that resembles the theme's data."""

    ref: UnitRef
    heading: str | None
    text: str
    score: float
    cue: str  # the keyword or extract it resembles
    coded: bool  # it carries other codes (False: nothing coded it at all)


@dataclass
class MissedData:
    """The result of checking a theme against the data set."""

    hits: list[MissedHit]
    scanned: int  # reading units compared
    complete: bool  # False: the scan stopped at its bound before the end of the data


def missed_data(
    ws: Workspace,
    theme: str,
    limit: int = 20,
    max_units: int = MAX_SCANNED_UNITS,
    cutoff: float = 50.0,
) -> MissedData:
    """Units that carry none of a theme's codes but resemble its extracts or its codes'
    keywords: data the coding may have missed. Bounded in cues, in units scanned (in
    reading order) and in hits, and says whether it reached the end of the data."""
    pid = ws.project.id
    with ws.read() as session:
        row = find_theme(session, pid, theme)
        code_ids = [link.code_id for link in q.theme_code_rows(session, row.id)]
        if not code_ids:
            return MissedData([], 0, True)
        keywords = sorted(
            {
                kw
                for c in q.codes(session, pid, include_inactive=True)
                if c.id in code_ids
                for kw in c.keywords
            }
        )
        extracts = [c.text for c in q.theme_codings(session, pid, row.id, limit=MAX_CUE_EXTRACTS)]
        scanned = 0
        complete = True

        def units() -> Iterator[tuple[q.UnitText, str]]:
            nonlocal scanned, complete
            for unit in q.iter_units_outside(session, pid, code_ids):
                if scanned >= max_units:
                    complete = False
                    return
                scanned += 1
                yield unit, unit.text

        ranked: list[tuple[Resemblance, q.UnitText]] = rank_resembling(
            units(), keywords, extracts, limit=limit, cutoff=cutoff
        )
    hits = [
        MissedHit(UnitRef(u.key, u.ordinal), u.heading, u.text, r.score, r.cue, u.coded)
        for r, u in ranked
    ]
    return MissedData(hits, scanned, complete)
