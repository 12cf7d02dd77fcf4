"""Read-side views the CLI prints and the exporters write: plain dicts and rows."""

from __future__ import annotations

from typing import Any

from coder.core.model import Coding, Document
from coder.services.workspace import Workspace
from coder.store import queries as q
from coder.store.queries import screening as sq
from coder.store.tables import ExclusionRow

PAGE = 2000


def all_codings(ws: Workspace) -> list[Coding]:
    """Every coding in reading order, fetched a page at a time (for whole-project exports)."""
    out: list[Coding] = []
    with ws.read() as session:
        for page in q.coding_pages(session, ws.project.id, PAGE):
            out += page
    return out


def all_documents(ws: Workspace) -> list[Document]:
    """Every document in reading order, fetched a page at a time."""
    out: list[Document] = []
    with ws.read() as session:
        for page in q.document_pages(session, ws.project.id, PAGE):
            out += page
    return out


def document_dicts(ws: Workspace, excluded: bool | None = False) -> list[dict[str, Any]]:
    """``coder documents --json``: one object per document with the documented keys.
    ``excluded``: False (default) the documents in the analysis, True those set aside in
    familiarisation, None all of them; ``"excluded"`` says why one was set aside."""
    out: list[dict[str, Any]] = []
    with ws.read() as session:
        reasons = {r.id: r.name for r in sq.reason_rows(session, ws.project.id)}
        for docs in q.document_pages(session, ws.project.id, PAGE, excluded=excluded):
            counts = q.unit_counts(session, [d.id for d in docs if d.id is not None])
            aside = sq.exclusions_for(session, [d.id for d in docs if d.id is not None])
            for d in docs:
                out.append(
                    {
                        "key": d.key,
                        "title": d.title,
                        "authors": d.authors,
                        "year": d.year,
                        "date": d.date,
                        "type": d.type,
                        "journal": d.journal,
                        "volume": d.volume,
                        "issue": d.issue,
                        "pages": d.pages,
                        "issn": d.issn,
                        "doi": d.doi,
                        "abstract": d.text or None,
                        "sections": [{"heading": s.heading, "text": s.text} for s in d.sections],
                        "segments": counts.get(d.id, 0),
                        "source": d.source_file,
                        "format": d.source_format,
                        "excluded": _exclusion(aside.get(d.id), reasons),  # type: ignore[arg-type]
                    }
                )
    return out


def _exclusion(row: ExclusionRow | None, reasons: dict[int, str]) -> dict[str, str | None] | None:
    if row is None:
        return None
    reason = reasons.get(row.reason_id) if row.reason_id is not None else None
    return {"reason": reason, "note": row.note or None, "time": row.excluded_at}
