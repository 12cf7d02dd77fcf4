"""Many codings as one action: autocode, search-and-code in the TUI, and batch coding from
a file (``coder code apply --from FILE.csv``).

The whole batch is one transaction and one audit event that lists every row it added, so
a mistaken autocode of 16,000 hits is taken back by one ``coder undo``. References are
resolved with a few bulk look-ups and the rows go in with executemany; nothing here runs
a query per coding. A batch with bad rows changes nothing unless the caller asks to skip
them, and then the report says which rows were skipped and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

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


class BatchItem(NamedTuple):
    """One coding to make: where, which code, and optionally a memo and another coder.
    (A named tuple: cheap to make by the ten thousand.)"""

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
        for index, item in enumerate(items):
            try:
                seg = resolver.segment(index, item.ref)
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
    """Turns references into segment ids with a few bulk queries (one join for all of
    them), and remembers the span and whole-document segments that must be created."""

    def __init__(self, tx: Tx, project_id: int, default_coder: str) -> None:
        self.tx, self.project_id, self.default_coder = tx, project_id, default_coder
        self.located: list[tuple[int | None, int | None]] | None = None
        self.lengths: dict[int, int] = {}
        self.wholes: dict[int, int] = {}  # document id -> its whole-document segment
        self.new: dict[tuple[int, str, int, int], None] = {}
        self.codes: dict[str, tuple[int, str, int | None]] | None = None
        self.coders: dict[str, int] = {}
        self.all_keys: list[str] | None = None
        self.given: dict[int, tuple[str, int]] = {}

    def prepare(self, items: Sequence[BatchItem]) -> None:
        """Read what resolving ``items`` needs: a search hit that carries its unit's id
        is checked with the others in one query; the rest are located in one join."""
        session = self.tx.session
        given = {item.ref.segment for item in items if item.ref.segment is not None}
        self.given = lookup.project_units(session, self.project_id, given) if given else {}
        refs = [
            (r.key, r.ordinal, r.start, r.end)
            for r in (item.ref for item in items)
            if not self._given(r)
        ]
        located = iter(lookup.locate(session, self.project_id, refs) if refs else [])
        self.located = [
            (None, item.ref.segment) if self._given(item.ref) else next(located) for item in items
        ]
        # Only a reference that found no segment needs its document's length: a new
        # span is checked against it, a whole document is the span 0..length.
        open_docs = {
            doc
            for item, (doc, seg) in zip(items, self.located, strict=True)
            if doc is not None and seg is None and item.ref.ordinal is None
        }
        if open_docs:
            self.lengths = lookup.document_lengths(session, open_docs)
            self.wholes = lookup.whole_document_segments(session, self.lengths)
        self.codes = lookup.codes_by_name(session, self.project_id)

    def _given(self, ref: UnitRef) -> bool:
        """The reference carries its unit's id, and the id is the unit it names."""
        return ref.segment is not None and self.given.get(ref.segment) == (ref.key, ref.ordinal)

    def segment(self, index: int, ref: UnitRef) -> int | tuple[int, str, int, int]:
        """The segment of item ``index`` (``ref``): its id, or the spot of a new one."""
        if self.located is None:
            raise RuntimeError("prepare() first")
        doc, seg = self.located[index]
        if seg is not None:
            return seg
        if doc is None:
            if self.all_keys is None:
                self.all_keys = q.document_keys(self.tx.session, self.project_id)
            raise ServiceError(
                f"unknown document {ref.key!r}{did_you_mean(ref.key, self.all_keys)}"
            )
        if ref.ordinal is not None:
            count = lookup.unit_count(self.tx.session, doc)
            raise ServiceError(
                f"document {ref.key!r} has no segment {ref.ordinal} (it has {count})"
            )
        length = self.lengths[doc]
        if ref.start is None:
            whole = self.wholes.get(doc)
            if whole is not None:
                return whole
            spot = (doc, "document", 0, length)
        else:
            start, end = ref.start, ref.end or 0
            if not (0 <= start < end <= length):
                raise ServiceError(
                    f"span {start}-{end} is outside document {ref.key!r} (0-{length})"
                )
            spot = (doc, "span", start, end)
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
        docs = {spot[0] for spot in self.new}
        texts = lookup.document_texts(self.tx.session, docs)
        headings: dict[int, list[tuple[int, int, str | None]]] = {}
        for _id, doc_id, _kind, _ordinal, heading, start, end in lookup.units_of(
            self.tx.session, docs
        ):
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
