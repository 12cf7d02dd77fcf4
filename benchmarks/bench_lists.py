"""Paged lists at depth: a page of the document list far down a 100,000-document project
must cost what the first page costs (keyset paging), not grow with its depth (OFFSET).

Figures (each against the first page read the same way, in the same run):
- store: the page after the cursor of row N-100 (the last page), by keyset;
- the same page by OFFSET, the way lists were read before, for comparison;
- views: the last page as the TUI's list asks for it (row index N-100) with no page
  boundary known yet (End pressed first: the cursors are walked back from the end);
- views: page-up from there (each page's boundary is then known: one keyset query);
- views: a cold jump to the middle (cursors walked from the nearest known boundary: the
  one place depth still costs, in cursor-only index reads).
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path

from sqlmodel import select

from benchmarks.common import Result, best_of, report
from coder.core.model import DocumentRecord, Section
from coder.services import views
from coder.services.importing import add_records
from coder.services.workspace import Workspace
from coder.store import queries as q
from coder.store.queries.documents import READING_ORDER
from coder.store.tables import DocumentRow

CODER = "bench"
PAGE = 100
BATCH = 10_000


def project(documents: int) -> Path:
    """A cached project of short one-sentence documents (built on first use)."""
    path = Path(f"/tmp/coder-bench-lists-{documents}.db")
    if path.exists():
        return path
    partial = path.with_name(path.name + ".building")
    for stale in partial.parent.glob(partial.name + "*"):
        stale.unlink()
    print(f"  building a {documents:,}-document project at {path} (cached)", flush=True)
    ws = Workspace.init(str(partial), "list benchmark", CODER)
    try:
        for start in range(0, documents, BATCH):
            records = [
                DocumentRecord(
                    sections=[Section(None, f"Abstract {n} on peer support and recovery.")],
                    title=f"Study {n:06d}",
                    year=1990 + n % 35,
                )
                for n in range(start, min(documents, start + BATCH))
            ]
            add_records(ws, records, source=f"generated-{start // BATCH}.txt")
    finally:
        ws.close()
    partial.rename(path)
    return path


def main(quick: bool) -> list[Result]:
    documents = 10_000 if quick else 100_000
    cached = project(documents)
    path = cached.with_name(f"coder-bench-lists-run-{documents}.db")
    shutil.copyfile(cached, path)
    ws = Workspace.open(str(path), CODER)
    pid = ws.project.id
    where = q.DocumentFilter()
    last = documents - PAGE
    results: list[Result] = []
    try:
        with ws.read() as session:
            cursor = q.document_list_keys(session, pid, where, None, PAGE + 1, descending=True)[-1][
                1
            ]

            def first() -> object:
                return q.document_list_page(session, pid, where, None, PAGE)

            def deep() -> object:
                return q.document_list_page(session, pid, where, cursor, PAGE)

            def by_offset(offset: int) -> object:
                return session.exec(
                    select(DocumentRow.id, DocumentRow.key, DocumentRow.title)
                    .where(DocumentRow.project_id == pid)
                    .order_by(*READING_ORDER)
                    .offset(offset)  # the old way, measured for comparison only
                    .limit(PAGE)
                ).all()

            first(), deep()  # warm the page cache for both ends alike
            base = best_of(first, 5)
            results.append(report(Result(
                f"store: last page of {documents:,} by keyset", best_of(deep, 5) * 1000, "ms",
                base * 1000, target_ratio=3.0)))  # fmt: skip
            offset_base = best_of(lambda: by_offset(0), 5)
            results.append(report(Result(
                f"store: last page of {documents:,} by OFFSET (old)",
                best_of(lambda: by_offset(last), 5) * 1000, "ms", offset_base * 1000)))  # fmt: skip

        coder_id = ws.coder_id()
        views.document_page(ws, coder_id, 0, PAGE)
        view_base = best_of(lambda: views.document_page(ws, coder_id, 0, PAGE), 5)

        def end_cold() -> object:
            return views.document_page(ws, coder_id, last, PAGE, keys=views.PageKeys())

        results.append(report(Result(
            "views: End, no boundary known (walk back)", best_of(end_cold, 3) * 1000, "ms",
            view_base * 1000, target_ratio=3.0)))  # fmt: skip
        keys = views.PageKeys()
        views.document_page(ws, coder_id, last, PAGE, keys=keys)
        ups = []
        for n in range(1, 21):
            offset = last - n * PAGE
            ups.append(
                best_of(lambda o=offset: views.document_page(ws, coder_id, o, PAGE, keys=keys), 1)
            )
        results.append(report(Result(
            "views: page-up from the end, median", statistics.median(ups) * 1000, "ms",
            view_base * 1000, target_ratio=3.0)))  # fmt: skip

        def middle_cold() -> object:
            return views.document_page(ws, coder_id, documents // 2, PAGE, keys=views.PageKeys())

        results.append(report(Result(
            "views: cold jump to the middle (walk cursors)", best_of(middle_cold, 3) * 1000,
            "ms", view_base * 1000)))  # fmt: skip
    finally:
        ws.close()
        path.unlink(missing_ok=True)
    return results
