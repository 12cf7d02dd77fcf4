"""Many codings as one action: autocode, search-and-code in the TUI, and batch coding from
a file (``coder code apply --from FILE.csv``).

The whole batch is one transaction and one audit event that lists every row it added, so
a mistaken autocode of 16,000 hits is taken back by one ``coder undo``. References are
resolved with a few bulk look-ups and the rows go in with executemany; nothing here runs
a query per coding. A batch with bad rows changes nothing unless the caller asks to skip
them, and then the report says which rows were skipped and why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coder.core.matching import did_you_mean
from coder.core.model import text_hash
from coder.formats.coding_batch import read_coding_batch
from coder.services.coding import CONTEXT_CHARS, UnitRef
from coder.services.workspace import ServiceError, Workspace
from coder.store import lookup
from coder.store import queries as q
from coder.store.db import Tx, coder_row_id

Progress = Callable[[int, int], None]
INSERT_BATCH = 5000  # rows per executemany, so progress can move during a long insert


@dataclass(frozen=True)
class BatchItem:
    """One coding to make: where, which code, and optionally a memo and another coder."""

    ref: UnitRef
    code: str
    memo: str | None = None
    coder: str | None = None
    line: int | None = None  # where it came from in the user's file


@dataclass
class BatchResult:
    added: int = 0
    already: int = 0  # codings that were there before: unchanged
    skipped: list[tuple[int | None, str]] = field(default_factory=list)  # bad rows (--skip-bad)


class BatchError(ServiceError):
    """Bad rows in a batch: each with its line, so the user can fix them all at once."""

    def __init__(self, source: str, problems: list[tuple[int | None, str]]) -> None:
        self.source = source
        self.problems = problems
        where = f"{source}:{problems[0][0]}" if problems[0][0] else source
        more = f" (and {len(problems) - 1} more bad rows)" if len(problems) > 1 else ""
        super().__init__(f"{where}: {problems[0][1]}{more}")

    def lines(self) -> list[str]:
        return [f"{self.source}:{line}: {msg}" if line else msg for line, msg in self.problems]


def apply_batch(
    ws: Workspace,
    items: Sequence[BatchItem],
    action: str,
    label: str,
    skip_bad: bool = False,
    source: str = "",
    progress: Progress | None = None,
    problems: Sequence[tuple[int | None, str]] = (),
) -> BatchResult:
    """Apply every item in one audited action ("{label}: N codings" in the log). Raises
    BatchError naming every bad row, with nothing applied, unless ``skip_bad``.
    ``problems``: rows already found bad while reading the file, reported with the rest."""
    result = BatchResult(skipped=list(problems))
    with ws.write(action, label) as tx:
        resolver = _Resolver(tx, ws.project.id, ws.coder)
        resolver.prepare(items)
        wanted: list[tuple[object, int, int, str | None]] = []
        for item in items:
            try:
                seg = resolver.segment(item.ref)
                code_id = resolver.code(item.code)
                coder_id = resolver.coder(item.coder)
            except ServiceError as exc:
                result.skipped.append((item.line, str(exc)))
                continue
            wanted.append((seg, code_id, coder_id, (item.memo or "").strip() or None))
        result.skipped.sort(key=lambda p: p[0] or 0)
        if result.skipped and not skip_bad:
            raise BatchError(source or label, result.skipped)
        seg_ids = resolver.insert_new_segments()
        existing = lookup.existing_codings(
            tx.session,
            ws.project.id,
            {w[1] for w in wanted},
            {w[2] for w in wanted},
        )
        rows: list[dict[str, object]] = []
        for seg, code_id, coder_id, memo in wanted:
            triple = (seg if isinstance(seg, int) else seg_ids[seg], code_id, coder_id)
            if triple in existing:
                result.already += 1
                continue
            existing.add(triple)
            rows.append(
                {
                    "project_id": ws.project.id,
                    "segment_id": triple[0],
                    "code_id": code_id,
                    "coder_id": coder_id,
                    "created_at": tx.time,
                    "memo": memo,
                }
            )
        for start in range(0, len(rows), INSERT_BATCH):
            tx.insert_many("coding", rows[start : start + INSERT_BATCH])
            if progress is not None:
                progress(min(start + INSERT_BATCH, len(rows)), len(rows))
        result.added = len(rows)
        tx.target = f"{label}: {result.added:,} coding{'s' if result.added != 1 else ''}"
    return result


class _Resolver:
    """Turns references into segment ids with a few bulk queries, and remembers the span
    and whole-document segments that must be created first."""

    def __init__(self, tx: Tx, project_id: int, default_coder: str) -> None:
        self.tx, self.project_id, self.default_coder = tx, project_id, default_coder
        self.docs: dict[str, lookup.DocInfo] | None = None
        self.units: dict[tuple[int, int], int] = {}
        self.unit_count: dict[int, int] = {}
        self.spans: dict[tuple[int, str, int, int], int] = {}
        self.unit_spans: list[lookup.SegInfo] = []
        self.new: dict[tuple[int, str, int, int], None] = {}
        self.codes: dict[str, tuple[int, str, int | None]] | None = None
        self.coders: dict[str, int] = {}
        self.all_keys: list[str] | None = None
        self.given: dict[int, tuple[str, int]] = {}

    def prepare(self, items: Sequence[BatchItem]) -> None:
        """Read what resolving ``items`` needs: a search hit that carries its unit's id
        is checked with the others in one query; the rest are looked up by document."""
        session = self.tx.session
        given = {item.ref.segment for item in items if item.ref.segment is not None}
        self.given = lookup.project_units(session, self.project_id, given) if given else {}
        keys = {item.ref.key for item in items if not self._given(item.ref)}
        self.docs = lookup.documents_by_key(session, self.project_id, keys)
        segs = lookup.segments_of_documents(session, [d.id for d in self.docs.values()])
        # comprehensions, not one loop with branches: a 10k-document batch reads 135k
        self.unit_spans = [seg for seg in segs if seg[2] == "unit"]
        self.units = {(seg[1], seg[3] or 0): seg[0] for seg in self.unit_spans}
        self.unit_count = Counter(seg[1] for seg in self.unit_spans)
        # setdefault's first-wins, as reversed dict building keeps the first id
        self.spans = {(seg[1], seg[2], seg[5], seg[6]): seg[0] for seg in reversed(segs)}
        self.codes = lookup.codes_by_name(session, self.project_id)

    def _given(self, ref: UnitRef) -> bool:
        """The reference carries its unit's id, and the id is the unit it names."""
        return ref.segment is not None and self.given.get(ref.segment) == (ref.key, ref.ordinal)

    def segment(self, ref: UnitRef) -> int | tuple[int, str, int, int]:
        if self.docs is None:
            raise RuntimeError("prepare() first")
        if self._given(ref):
            return ref.segment  # type: ignore[return-value]
        doc = self.docs.get(ref.key)
        if doc is None:
            if self.all_keys is None:
                self.all_keys = q.document_keys(self.tx.session, self.project_id)
            raise ServiceError(
                f"unknown document {ref.key!r}{did_you_mean(ref.key, self.all_keys)}"
            )
        if ref.ordinal is not None:
            seg_id = self.units.get((doc.id, ref.ordinal))
            if seg_id is None:
                count = self.unit_count.get(doc.id, 0)
                raise ServiceError(
                    f"document {ref.key!r} has no segment {ref.ordinal} (it has {count})"
                )
            return seg_id
        if ref.start is None:
            spot = (doc.id, "document", 0, doc.length)
        else:
            start, end = ref.start, ref.end or 0
            if not (0 <= start < end <= doc.length):
                raise ServiceError(
                    f"span {start}-{end} is outside document {ref.key!r} (0-{doc.length})"
                )
            unit = self.spans.get((doc.id, "unit", start, end))
            if unit is not None:
                return unit
            spot = (doc.id, "span", start, end)
        seg_id = self.spans.get(spot)
        if seg_id is not None:
            return seg_id
        self.new[spot] = None
        return spot

    def code(self, name: str) -> int:
        assert self.codes is not None
        found = self.codes.get(name)
        if found is None:
            names = [n for n, (_i, status, _m) in self.codes.items() if status == "active"]
            raise ServiceError(f"unknown code {name!r}{did_you_mean(name, names)}")
        code_id, status, merged = found
        if status != "active":
            into = next((n for n, v in self.codes.items() if v[0] == merged), None)
            where = f" into {into!r}" if into else ""
            raise ServiceError(f"code {name!r} is {status}{where}: it can no longer be applied")
        return code_id

    def coder(self, name: str | None) -> int:
        name = (name or "").strip() or self.default_coder
        if name == self.tx.coder:
            return self.tx.coder_id
        if name not in self.coders:
            self.coders[name] = coder_row_id(self.tx.session, name)
        return self.coders[name]

    def insert_new_segments(self) -> dict[tuple[int, str, int, int], int]:
        """Create the span and whole-document segments the batch needs (their context
        words and text hash, as a single coding makes them)."""
        if not self.new:
            return {}
        texts = lookup.document_texts(self.tx.session, {spot[0] for spot in self.new})
        headings: dict[int, list[tuple[int, int, str | None]]] = {}
        for _id, doc_id, _kind, _ordinal, heading, start, end in self.unit_spans:
            headings.setdefault(doc_id, []).append((start, end, heading))
        rows = []
        for doc_id, kind, start, end in self.new:
            text = texts[doc_id]
            heading = next((h for a, b, h in headings.get(doc_id, []) if a <= start < b), None)
            rows.append(
                {
                    "document_id": doc_id,
                    "kind": kind,
                    "ordinal": None,
                    "heading": heading,
                    "start": start,
                    "end": end,
                    "text_hash": text_hash(text[start:end]),
                    "context_before": text[max(0, start - CONTEXT_CHARS) : start],
                    "context_after": text[end : end + CONTEXT_CHARS],
                }
            )
        done = self.tx.insert_many("segment", rows)
        return {
            (r["document_id"], r["kind"], r["start"], r["end"]): r["id"]
            for r in done  # type: ignore[misc]
        }


def read_batch_file(path: Path) -> tuple[list[BatchItem], list[tuple[int | None, str]]]:
    """The codings of a batch CSV (``coder code apply --from``) and (line, message) for
    each row whose shape is wrong. FormatError for an unusable file."""
    specs, problems = read_coding_batch(path)
    items = [
        BatchItem(UnitRef(s.document, s.unit, s.start, s.end), s.code, s.memo, s.coder, line=s.line)
        for s in specs
    ]
    return items, [(p.line, p.message) for p in problems]
