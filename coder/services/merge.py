"""``coder merge OTHER``: bring another coder's project file into this project.

Two coders may each code on their own laptop, in their own SQLite file, from the same
corpus and codebook. A merge brings the other file's codings, memos, read marks, new codes
and audit trail into this project, matching:

* documents by content hash (the import's hash of text and bibliographic core), so keys
  may differ between the two files;
* reading units by (document, ordinal) when both files cut the text at the same offsets;
  spans, whole-document segments and units whose offsets moved by their offsets, checked
  against the hash of the text they cover;
* codes by uid, then exact name, then name ignoring case, spacing and punctuation; a code
  merged into another here takes the codings on behalf of the code it went into;
* coders by exact name. A name that differs from one here only by case or spacing is
  reported, never silently folded (QualCoder loses codings that way); ``coder_map`` joins
  two spellings on purpose.

Nothing is duplicated and nothing is deleted: a coding that exists (same segment, code and
coder) or a memo that exists (same target, coder, kind and creation time) is skipped, so
merging twice changes nothing. Codings on documents this project lacks are listed, and the
merge refuses to run unless ``allow_missing`` says to merge the rest.

The other file's audit trail is checked first (a tampered source is refused). Every row
the merge writes goes through ``Tx.insert``/``Tx.update``, so ``coder audit verify`` keeps
replaying this project's trail; the merge is one transaction split by checkpoints into a
few events, all with action "merge" (not undoable). The last one carries the other trail's
events that this project did not hold yet (exact stored texts, so their hashes can be
recomputed: :func:`verify_merged_trails`). Events both trails share, as when one file
started as a copy of the other, are not copied twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from coder.core.codebook_sync import normalise_name
from coder.core.model import Code, CodeStatus, text_hash
from coder.services.coding import CONTEXT_CHARS
from coder.services.workspace import ServiceError, Workspace
from coder.store import audit, merging
from coder.store import queries as q
from coder.store.db import Database, ProjectRef, Tx
from coder.store.engine import StoreError
from coder.store.merging import CodingInfo, DocBrief, MemoInfo, SegmentInfo, TrailEvent

ACTION = "merge"

__all__ = [
    "MergeReport",
    "MissingDocuments",
    "TrailCheck",
    "Unmerged",
    "merge_project",
    "parse_coder_map",
    "verify_merged_trails",
]


# ------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Unmerged:
    """A coding of the other file that cannot be placed here, and why."""

    where: str  # "key:3" (unit), "key@10-42" (span) or "key" (whole document)
    code: str
    coder: str
    reason: str

    def line(self) -> str:
        return f"{self.where}: {self.code!r} by {self.coder}: {self.reason}"


@dataclass
class MergeReport:
    """What a merge did (or, in a dry run, would do)."""

    source: str
    source_project: str
    head_seq: int = 0
    dry_run: bool = False
    already_merged: bool = False
    documents_matched: int = 0
    documents_absent: int = 0
    codes_added: list[str] = field(default_factory=list)
    codes_matched: int = 0
    codes_renamed: list[tuple[str, str]] = field(default_factory=list)  # (there, here)
    codes_loose: list[tuple[str, str]] = field(default_factory=list)  # (there, here)
    codes_followed: list[tuple[str, str]] = field(default_factory=list)  # (merged, into)
    coders_added: list[str] = field(default_factory=list)
    coder_warnings: list[str] = field(default_factory=list)
    codings_added: int = 0
    codings_present: int = 0
    coding_memos_filled: int = 0
    memos_added: int = 0
    memos_updated: int = 0
    memos_present: int = 0
    memos_unplaced: list[str] = field(default_factory=list)
    read_marks_added: int = 0
    events_copied: int = 0
    missing: list[Unmerged] = field(default_factory=list)  # document not in this project
    unplaced: list[Unmerged] = field(default_factory=list)  # document here, text differs

    @property
    def changed(self) -> bool:
        return bool(
            self.codes_added
            or self.codings_added
            or self.coding_memos_filled
            or self.memos_added
            or self.memos_updated
            or self.read_marks_added
            or self.events_copied
        )

    def lines(self) -> list[str]:
        """A short account for the terminal: counts first, then each thing to look at."""
        where = f"{self.source} ({self.source_project!r}, trail to #{self.head_seq})"
        if self.already_merged:
            return [f"{where}: already merged, nothing new", *self._problems()]
        verb = "would merge" if self.dry_run else "merged"
        out = [
            f"{verb} {where}:",
            f"  documents: {self.documents_matched} matched by content hash, "
            f"{self.documents_absent} not in this project",
            f"  codes: {self.codes_matched} matched, {len(self.codes_added)} new"
            + (f" ({', '.join(map(repr, self.codes_added))})" if self.codes_added else ""),
            f"  codings: {self.codings_added} added, {self.codings_present} already here"
            + (f", {self.coding_memos_filled} memos filled in" if self.coding_memos_filled else ""),
            f"  memos: {self.memos_added} added, {self.memos_updated} updated, "
            f"{self.memos_present} already here",
            f"  read marks: {self.read_marks_added} added",
            f"  audit events kept from the other trail: {self.events_copied}",
        ]
        out += [f"  code {a!r} there is {b!r} here (same uid)" for a, b in self.codes_renamed]
        out += [
            f"  code {a!r} there matched {b!r} here by name ignoring case and spacing"
            for a, b in self.codes_loose
        ]
        out += [
            f"  code {a!r} was merged into {b!r} here: its codings go to {b!r}"
            for a, b in self.codes_followed
        ]
        out += [f"  new coder here: {name}" for name in self.coders_added]
        out += [f"  warning: {w}" for w in self.coder_warnings]
        return out + self._problems()

    def _problems(self) -> list[str]:
        out = [f"  memo not placed: {m}" for m in self.memos_unplaced]
        if self.unplaced:
            out.append(f"  {len(self.unplaced)} coding(s) not placed (the text differs here):")
            out += [f"    {u.line()}" for u in self.unplaced]
        if self.missing:
            out.append(f"  {len(self.missing)} coding(s) on documents not in this project:")
            out += [f"    {u.line()}" for u in self.missing]
        return out


class MissingDocuments(ServiceError):
    """The other file has codings on documents this project lacks; the report lists them."""

    def __init__(self, report: MergeReport) -> None:
        self.report = report
        n = len(report.missing)
        super().__init__(
            f"{n} coding{'s' if n != 1 else ''} from {report.source} "
            f"{'are' if n != 1 else 'is'} on documents not in this project: import those "
            "documents first, or pass --allow-missing to merge the rest"
        )


@dataclass(frozen=True)
class TrailCheck:
    """The check of one merge event's copy of another project's trail."""

    seq: int  # the merge event here
    source: str
    events: int
    ok: bool
    message: str


# ------------------------------------------------------------------------ helpers


def parse_coder_map(pairs: Iterable[str]) -> dict[str, str]:
    """``["Bob=bob", ...]`` (name there = name here) as a dict; one-line errors."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        there, sep, here = pair.partition("=")
        there, here = " ".join(there.split()), " ".join(here.split())
        if not sep or not there or not here:
            raise ServiceError(f"--map-coder takes THERE=HERE (two coder names), not {pair!r}")
        mapping[there] = here
    return mapping


def _loose(name: str) -> str:
    return " ".join(name.split()).casefold()


def _uid(uid: str | None) -> str | None:
    """GUIDs compared without braces and case, as the codebook comparison does."""
    return (uid or "").strip().strip("{}").lower() or None


def _where(doc_key: str, seg: SegmentInfo) -> str:
    if seg.kind == "unit":
        return f"{doc_key}:{seg.ordinal}"
    if seg.kind == "span":
        return f"{doc_key}@{seg.start}-{seg.end}"
    return doc_key


def _open_source(ws: Workspace, source: str, project: str | None) -> tuple[Database, ProjectRef]:
    if "://" not in source and not Path(source).expanduser().is_file():
        raise ServiceError(f"{source}: no such project file")
    try:
        db = Database.open(source)
    except StoreError as exc:
        raise ServiceError(f"cannot merge {source}: {exc}") from exc
    try:
        ref = db.project(project)
    except StoreError as exc:
        db.close()
        message = str(exc).replace("--project", "--other-project")
        raise ServiceError(f"cannot merge {source}: {message}") from exc
    if db.url == ws.db.url and ref.id == ws.project.id:
        db.close()
        raise ServiceError("cannot merge a project into itself")
    return db, ref


# ----------------------------------------------------------------- the other file


@dataclass
class _Source:
    """Everything the merge needs from the other file, read in a few set queries."""

    label: str
    project: str
    docs: dict[int, DocBrief]
    segments: dict[int, SegmentInfo]
    codes: list[Code]
    code_origin: dict[int, tuple[str, str]]  # code id -> (created_at, created_by)
    themes: dict[int, tuple[str | None, str]]  # theme id -> (uid, name)
    codings: list[CodingInfo]
    memos: list[MemoInfo]
    reads: list[merging.ReadInfo]
    trail: list[TrailEvent]


def _read_source(db: Database, ref: ProjectRef) -> _Source:
    result = db.verify(ref.id)
    if not result.ok:
        raise ServiceError(
            f"{db.label}: refusing to merge: its audit trail does not check out: {result.message}"
        )
    with db.read() as s:
        return _Source(
            label=db.label,
            project=ref.name,
            docs={d.id: d for d in merging.documents_brief(s, ref.id)},
            segments={g.id: g for g in merging.coded_segments(s, ref.id)},
            codes=q.codes(s, ref.id, include_inactive=True),
            code_origin=merging.code_created_by(s, ref.id),
            themes={
                t.id: (t.uid, t.name)
                for t in q.theme_rows(s, ref.id, include_discarded=True)
                if t.id is not None
            },
            codings=merging.codings_with_coders(s, ref.id),
            memos=merging.memos_with_coders(s, ref.id),
            reads=merging.read_marks_with_coders(s, ref.id),
            trail=merging.trail(s, ref.id),
        )


# ------------------------------------------------------------------- the planner

NewKey = tuple[str, Any]  # ("code", source id) | ("coder", name) | ("segment", spec)
Ref = int | NewKey  # an id here, or a row the merge will insert


@dataclass(frozen=True)
class _NewSegment:
    document_id: int
    kind: str
    start: int
    end: int
    heading: str | None
    text_hash: str
    context_before: str
    context_after: str


class _Plan:
    """Matches the other file against this project inside the write transaction, then
    writes what is new. Planning reads only; ``apply`` is the only part that writes."""

    def __init__(
        self, tx: Tx, ws: Workspace, src: _Source, coder_map: dict[str, str], report: MergeReport
    ) -> None:
        self.tx, self.session, self.pid = tx, tx.session, ws.project.id
        self.src, self.coder_map, self.report = src, coder_map, report
        self.doc_map: dict[int, DocBrief] = {}
        self.code_map: dict[int, Ref] = {}
        self.new_codes: list[Code] = []
        self.new_code_names: dict[int, str] = {}
        self.coder_refs: dict[str, Ref] = {}
        self.segment_refs: dict[int, Ref] = {}
        self.new_segments: dict[NewKey, _NewSegment] = {}
        self.coding_adds: list[tuple[CodingInfo, Ref, Ref, Ref]] = []
        self.coding_fills: list[tuple[int, str]] = []  # (coding id here, memo)
        self.coding_here: dict[int, int] = {}  # source coding id -> coding id here
        self.coding_pending: dict[int, tuple[Ref, Ref, Ref]] = {}
        self.memo_adds: list[tuple[MemoInfo, Ref | None, Ref]] = []
        self.memo_updates: list[tuple[int, str, str]] = []  # (memo id, text, updated)
        self.read_adds: list[tuple[int, Ref, str]] = []
        self.events: list[TrailEvent] = []
        self.units: dict[tuple[int, int | None], SegmentInfo] = {}
        self.by_span: dict[tuple[int, str, int, int], int] = {}
        self.units_of: dict[int, list[SegmentInfo]] = {}
        self.themes_here: dict[tuple[str, str | None], int | None] = {}

    # ---- matching ----------------------------------------------------------------

    def match_documents(self) -> None:
        here: dict[str, list[DocBrief]] = {}
        for doc in merging.documents_brief(self.session, self.pid):
            here.setdefault(doc.content_hash, []).append(doc)
        taken: set[int] = set()
        for doc in self.src.docs.values():
            candidates = [d for d in here.get(doc.content_hash, []) if d.id not in taken]
            if not candidates:
                continue
            same_key = [d for d in candidates if d.key == doc.key]
            chosen = (same_key or candidates)[0]
            taken.add(chosen.id)
            self.doc_map[doc.id] = chosen
        self.report.documents_matched = len(self.doc_map)
        self.report.documents_absent = len(self.src.docs) - len(self.doc_map)

    def match_codes(self) -> None:
        """Pair codes in passes, each over what the earlier ones left: uid, exact name,
        name ignoring case, spacing and punctuation. The rest are new codes here, renamed
        only if their name clashes with a code here that was paired with another."""
        rows = q.codes(self.session, self.pid, include_inactive=True)
        by_name = {c.name: c for c in rows}
        found: dict[int, Code] = {}  # source code id -> code here
        claimed: set[int] = set()

        def claim(key, index: dict, note: list[tuple[str, str]] | None) -> None:
            for code in self.src.codes:
                if code.id in found:
                    continue
                match = index.get(key(code))
                if match is not None and match.id not in claimed:
                    found[code.id or 0] = match
                    claimed.add(match.id)
                    if note is not None and match.name != code.name:
                        note.append((code.name, match.name))

        by_uid = {_uid(c.uid): c for c in rows if _uid(c.uid)}
        by_loose: dict[str, Code] = {}
        for c in rows:
            by_loose.setdefault(normalise_name(c.name), c)
        claim(lambda c: _uid(c.uid), by_uid, self.report.codes_renamed)
        claim(lambda c: c.name, by_name, None)
        claim(lambda c: normalise_name(c.name), by_loose, self.report.codes_loose)
        taken = {normalise_name(c.name) for c in rows}
        for code in self.src.codes:
            assert code.id is not None
            if code.id in found:
                self.code_map[code.id] = self._follow(found[code.id], by_name)
                continue
            name, n = code.name, 1
            while normalise_name(name) in taken:
                name = f"{code.name} (merged{'' if n == 1 else f' {n}'})"
                n += 1
            taken.add(normalise_name(name))
            self.new_code_names[code.id] = name
            self.new_codes.append(code)
            self.code_map[code.id] = ("code", code.id)
        self.report.codes_matched = len(found)
        self.report.codes_added = [self.new_code_names[c.id or 0] for c in self.new_codes]

    def _follow(self, code: Code, by_name: dict[str, Code]) -> int:
        """A code merged into another here: its codings belong to the code it went into."""
        seen = {code.name}
        current = code
        while current.status == CodeStatus.MERGED and current.merged_into:
            nxt = by_name.get(current.merged_into)
            if nxt is None or nxt.name in seen:
                break
            seen.add(nxt.name)
            current = nxt
        if current is not code:
            self.report.codes_followed.append((code.name, current.name))
        assert current.id is not None
        return current.id

    def match_coders(self) -> None:
        here = merging.coder_ids(self.session)
        loose_here: dict[str, list[str]] = {}
        for name in here:
            loose_here.setdefault(_loose(name), []).append(name)
        names = {c.coder for c in self.src.codings}
        names |= {m.coder for m in self.src.memos} | {r.coder for r in self.src.reads}
        for there in sorted(names):
            name = self.coder_map.get(there, there)
            if name in here:
                self.coder_refs[there] = here[name]
                continue
            self.coder_refs[there] = ("coder", name)
            self.report.coders_added.append(name)
            for similar in loose_here.get(_loose(name), []):
                self.report.coder_warnings.append(
                    f"coder {name!r} in {self.src.label} differs from {similar!r} here only "
                    f"by case or spacing: kept apart; to join them merge again with "
                    f"--map-coder '{there}={similar}'"
                )

    # ---- segments and codings ----------------------------------------------------

    def place_segments(self) -> None:
        """Find (or plan) the segment here for every coded segment there."""
        mapped = [
            (seg, self.doc_map[seg.document_id])
            for seg in self.src.segments.values()
            if seg.document_id in self.doc_map
        ]
        existing = merging.segments_of_documents(self.session, sorted({d.id for _, d in mapped}))
        self.units = {(g.document_id, g.ordinal): g for g in existing if g.kind == "unit"}
        self.by_span = {(g.document_id, g.kind, g.start, g.end): g.id for g in existing}
        for unit in self.units.values():
            self.units_of.setdefault(unit.document_id, []).append(unit)
        need_text = {d.id for seg, d in mapped if seg.kind != "document" and not self._unit(seg, d)}
        texts = merging.document_texts(self.session, sorted(need_text))
        for seg, doc in mapped:
            ref = self._place(seg, doc, texts.get(doc.id, ""))
            if ref is not None:
                self.segment_refs[seg.id] = ref

    def _unit(self, seg: SegmentInfo, doc: DocBrief) -> SegmentInfo | None:
        """The unit here with the same number and the same offsets, if there is one."""
        unit = self.units.get((doc.id, seg.ordinal)) if seg.kind == "unit" else None
        return unit if unit and (unit.start, unit.end) == (seg.start, seg.end) else None

    def _place(self, seg: SegmentInfo, doc: DocBrief, text: str) -> Ref | None:
        """A unit by number, a whole document as a whole document, anything else by
        offsets if the text there is the same (None: it cannot be placed)."""
        if seg.kind == "document":
            found = self.by_span.get((doc.id, "document", 0, doc.length))
            return found or self._new_segment(doc, "document", 0, doc.length, None, "")
        unit = self._unit(seg, doc)
        if unit is not None:
            return unit.id
        if not (0 <= seg.start < seg.end <= len(text)):
            return None
        if seg.text_hash and text_hash(text[seg.start : seg.end]) != seg.text_hash:
            return None
        for kind in ("unit", "span"):
            found = self.by_span.get((doc.id, kind, seg.start, seg.end))
            if found is not None:
                return found
        units = self.units_of.get(doc.id, [])
        heading = next((u.heading for u in units if u.start <= seg.start < u.end), None)
        return self._new_segment(doc, "span", seg.start, seg.end, heading, text)

    def _new_segment(
        self, doc: DocBrief, kind: str, start: int, end: int, heading: str | None, text: str
    ) -> NewKey:
        key: NewKey = ("segment", (doc.id, kind, start, end))
        if key not in self.new_segments:
            if kind == "document":
                text = merging.document_texts(self.session, [doc.id]).get(doc.id, "")
            self.new_segments[key] = _NewSegment(
                document_id=doc.id,
                kind=kind,
                start=start,
                end=end,
                heading=heading,
                text_hash=text_hash(text[start:end]),
                context_before=text[max(0, start - CONTEXT_CHARS) : start],
                context_after=text[end : end + CONTEXT_CHARS],
            )
        return key

    def plan_codings(self) -> None:
        existing = merging.coding_keys(self.session, self.pid)
        code_names = {c.id: c.name for c in self.src.codes}
        planned: set[tuple[Ref, Ref, Ref]] = set()
        for coding in self.src.codings:
            seg = self.src.segments[coding.segment_id]
            seg_ref = self.segment_refs.get(coding.segment_id)
            if seg_ref is None:
                doc = self.src.docs[seg.document_id]
                missing = seg.document_id not in self.doc_map
                item = Unmerged(
                    _where(doc.key, seg),
                    code_names.get(coding.code_id, "?"),
                    coding.coder,
                    "document not in this project"
                    if missing
                    else "the text at these offsets differs here",
                )
                (self.report.missing if missing else self.report.unplaced).append(item)
                continue
            code_ref = self.code_map[coding.code_id]
            coder_ref = self.coder_refs[coding.coder]
            key = (seg_ref, code_ref, coder_ref)
            if all(isinstance(r, int) for r in key) and key in existing:
                here_id, memo = existing[key]  # type: ignore[index]
                self.coding_here[coding.id] = here_id
                self.report.codings_present += 1
                if coding.memo and not memo:
                    self.coding_fills.append((here_id, coding.memo))
                continue
            self.coding_pending[coding.id] = key
            if key in planned:
                continue  # two codings there land on one here (e.g. a code merged here)
            planned.add(key)
            self.coding_adds.append((coding, seg_ref, code_ref, coder_ref))
        self.report.codings_added = len(self.coding_adds)
        self.report.coding_memos_filled = len(self.coding_fills)

    # ---- memos and read marks ----------------------------------------------------

    def _memo_target(self, memo: MemoInfo) -> tuple[bool, Ref | None]:
        """(placed, target here) for a memo of the other file."""
        if memo.target_type == "project":
            return True, None
        tid = memo.target_id
        if memo.target_type == "document":
            doc = self.doc_map.get(tid or 0)
            return (doc is not None), (doc.id if doc else None)
        if memo.target_type == "code":
            ref = self.code_map.get(tid or 0)
            return ref is not None, ref
        if memo.target_type == "coding":
            if tid in self.coding_here:
                return True, self.coding_here[tid or 0]
            if tid in self.coding_pending:
                return True, ("coding", self.coding_pending[tid or 0])
            return False, None
        if memo.target_type == "theme":
            uid, name = self.src.themes.get(tid or 0, (None, ""))
            found = self.themes_here.get(("uid", _uid(uid))) or self.themes_here.get(("name", name))
            return found is not None, found
        return False, None

    def plan_memos(self) -> None:
        existing = merging.memo_keys(self.session, self.pid)
        for row in q.theme_rows(self.session, self.pid, include_discarded=True):
            if row.uid:
                self.themes_here.setdefault(("uid", _uid(row.uid)), row.id)
            self.themes_here.setdefault(("name", row.name), row.id)
        for memo in self.src.memos:
            placed, target = self._memo_target(memo)
            if not placed:
                self.report.memos_unplaced.append(
                    f"{memo.kind} memo by {memo.coder} on {memo.target_type} "
                    f"{memo.target_id}: its {memo.target_type} is not in this project"
                )
                continue
            coder = self.coder_refs[memo.coder]
            key = (memo.target_type, target, coder, memo.kind, memo.created_at)
            found = existing.get(key) if isinstance(coder, int) else None  # type: ignore[arg-type]
            if found is None:
                self.memo_adds.append((memo, target, coder))
                continue
            memo_id, text, updated = found
            if text == memo.text:
                self.report.memos_present += 1
            elif memo.updated_at > updated:
                self.memo_updates.append((memo_id, memo.text, memo.updated_at))
            else:
                self.report.memos_present += 1  # edited here later: this project's wins
        self.report.memos_added = len(self.memo_adds)
        self.report.memos_updated = len(self.memo_updates)

    def plan_reads(self) -> None:
        existing = merging.read_mark_keys(self.session, self.pid)
        seen: set[tuple[int, Ref]] = set()
        for mark in self.src.reads:
            doc = self.doc_map.get(mark.document_id)
            if doc is None:
                continue
            coder = self.coder_refs[mark.coder]
            if (doc.id, coder) in existing or (doc.id, coder) in seen:
                continue
            seen.add((doc.id, coder))
            self.read_adds.append((doc.id, coder, mark.read_at))
        self.report.read_marks_added = len(self.read_adds)

    def plan_trail(self) -> None:
        """The other trail's events this project holds neither as its own nor from an
        earlier merge (their hashes chain, so one hash stands for its whole prefix)."""
        known = merging.trail_hashes(self.session, self.pid)
        for _seq, after in merging.merge_events_after(self.session, self.pid):
            kept = json.loads(after).get("info", {}).get("source_trail", {})
            known |= {e["hash"] for e in kept.get("events", [])}
        self.events = [e for e in self.src.trail if e.hash not in known]
        self.report.events_copied = len(self.events)

    # ---- writing -----------------------------------------------------------------

    def apply(self) -> None:
        tx, label = self.tx, self.src.label
        tx.checkpoint(ACTION, f"codes from {label}")
        self._write_codes()
        tx.checkpoint(ACTION, f"codings from {label}")
        coders = self._write_coders()
        segments = self._write_segments()
        codings = self._write_codings(coders, segments)
        tx.checkpoint(ACTION, f"memos and read marks from {label}")
        self._write_memos(coders, codings)
        for doc_id, coder, read_at in self.read_adds:
            tx.insert(
                "document_read",
                document_id=doc_id,
                coder_id=self._id(coder, coders),
                read_at=read_at,
            )
        tx.checkpoint(ACTION, f"{label}: trail to #{self.report.head_seq}")
        tx.info["source_trail"] = {
            "database": label,
            "project": self.src.project,
            "head": {
                "seq": self.report.head_seq,
                "hash": self.src.trail[-1].hash if self.src.trail else audit.GENESIS,
            },
            "events": [asdict(e) for e in self.events],
        }
        tx.info["summary"] = {
            "codes_added": self.report.codes_added,
            "codings_added": self.report.codings_added,
            "memos_added": self.report.memos_added,
            "memos_updated": self.report.memos_updated,
            "read_marks_added": self.report.read_marks_added,
            "missing": len(self.report.missing),
            "unplaced": len(self.report.unplaced),
        }

    def _write_codes(self) -> None:
        tx = self.tx
        order = q.next_code_order(self.session, self.pid)
        inserted: dict[int, int] = {}
        for code in self.new_codes:
            assert code.id is not None
            created_at, created_by = self.src.code_origin.get(code.id, (tx.time, tx.coder))
            row = tx.insert(
                "code",
                project_id=self.pid,
                uid=code.uid or f"merged-{code.id}",
                name=self.new_code_names[code.id],
                definition=code.definition,
                include=code.include,
                exclude=code.exclude,
                examples=json.dumps(code.examples, ensure_ascii=False),
                keywords=json.dumps(code.keywords, ensure_ascii=False),
                colour=code.colour,
                parent_id=None,
                status=code.status.value,
                merged_into_id=None,
                order=order,
                created_at=created_at,
                created_by=created_by,
            )
            order += 1
            inserted[code.id] = row.id
        for code_id, here_id in inserted.items():
            self.code_map[code_id] = here_id
        by_name = {c.name: c.id for c in self.src.codes}
        for code in self.new_codes:
            parent = self.code_map.get(by_name.get(code.parent, -1)) if code.parent else None
            into = (
                self.code_map.get(by_name.get(code.merged_into, -1)) if code.merged_into else None
            )
            if parent is not None or into is not None:
                row = tx.get("code", inserted[code.id or 0])
                tx.update("code", row, parent_id=parent, merged_into_id=into)

    def _write_coders(self) -> dict[str, int]:
        return {
            name: merging.ensure_coder(self.session, name, self.tx.time)
            for ref in self.coder_refs.values()
            if not isinstance(ref, int)
            for name in [ref[1]]
        }

    def _id(self, ref: Ref, coders: dict[str, int]) -> int:
        if isinstance(ref, int):
            return ref
        kind, value = ref
        if kind == "coder":
            return coders[value]
        if kind == "code":
            resolved = self.code_map[value]
            assert isinstance(resolved, int)
            return resolved
        raise AssertionError(f"unresolved reference {ref!r}")

    def _write_segments(self) -> dict[NewKey, int]:
        ids: dict[NewKey, int] = {}
        for key, seg in self.new_segments.items():
            row = self.tx.insert(
                "segment",
                document_id=seg.document_id,
                kind=seg.kind,
                ordinal=None,
                heading=seg.heading,
                start=seg.start,
                end=seg.end,
                text_hash=seg.text_hash,
                context_before=seg.context_before,
                context_after=seg.context_after,
            )
            ids[key] = row.id
        return ids

    def _write_codings(
        self, coders: dict[str, int], segments: dict[NewKey, int]
    ) -> dict[tuple[Ref, Ref, Ref], int]:
        for coding_id, memo in self.coding_fills:
            self.tx.update("coding", self.tx.get("coding", coding_id), memo=memo)
        written: dict[tuple[Ref, Ref, Ref], int] = {}
        for coding, seg_ref, code_ref, coder_ref in self.coding_adds:
            seg_id = seg_ref if isinstance(seg_ref, int) else segments[seg_ref]  # type: ignore[index]
            row = self.tx.insert(
                "coding",
                project_id=self.pid,
                segment_id=seg_id,
                code_id=self._id(code_ref, coders),
                coder_id=self._id(coder_ref, coders),
                created_at=coding.created_at,
                memo=coding.memo,
            )
            written[(seg_ref, code_ref, coder_ref)] = row.id
        return written

    def _write_memos(
        self, coders: dict[str, int], codings: dict[tuple[Ref, Ref, Ref], int]
    ) -> None:
        for memo_id, text, updated in self.memo_updates:
            self.tx.update("memo", self.tx.get("memo", memo_id), text=text, updated_at=updated)
        for memo, target, coder in self.memo_adds:
            if isinstance(target, tuple) and target[0] == "coding":
                target_id: int | None = codings[target[1]]
            elif target is None or isinstance(target, int):
                target_id = target
            else:
                target_id = self._id(target, coders)
            self.tx.insert(
                "memo",
                project_id=self.pid,
                coder_id=self._id(coder, coders),
                target_type=memo.target_type,
                target_id=target_id,
                kind=memo.kind,
                text=memo.text,
                created_at=memo.created_at,
                updated_at=memo.updated_at,
            )


# ------------------------------------------------------------------------ the service


def merge_project(
    ws: Workspace,
    source: str,
    *,
    project: str | None = None,
    allow_missing: bool = False,
    dry_run: bool = False,
    coder_map: dict[str, str] | None = None,
) -> MergeReport:
    """Merge the project in ``source`` (a file path or database URL) into ``ws``.

    Raises ServiceError for a source that cannot be opened or whose trail does not check
    out, and :class:`MissingDocuments` (a ServiceError carrying the report) when codings
    sit on documents this project lacks and ``allow_missing`` is false. Nothing is written
    in a dry run, or when everything is already here."""
    db, ref = _open_source(ws, source, project)
    try:
        src = _read_source(db, ref)
    finally:
        db.close()
    report = MergeReport(src.label, src.project, head_seq=src.trail[-1].seq if src.trail else 0)
    report.dry_run = dry_run
    with ws.write(ACTION, f"from {src.label}") as tx:
        plan = _Plan(tx, ws, src, coder_map or {}, report)
        plan.match_documents()
        plan.match_codes()
        plan.match_coders()
        plan.place_segments()
        plan.plan_codings()
        plan.plan_memos()
        plan.plan_reads()
        plan.plan_trail()
        if report.missing and not allow_missing:
            raise MissingDocuments(report)
        if not report.changed:
            report.already_merged = True
            report.coders_added.clear()
            return report
        if dry_run:
            return report
        plan.apply()
    return report


# ------------------------------------------------------------------ the kept trails


def verify_merged_trails(ws: Workspace) -> list[TrailCheck]:
    """Re-check every trail a merge kept: each copied event's hash is recomputed from its
    stored fields, the copies chain one to the next, and the first copy of each merge
    continues a chain this project already holds (its own, or one kept earlier), or
    starts at the beginning. One result per merge event that kept events."""
    with ws.read() as session:
        known = merging.trail_hashes(session, ws.project.id)
        merges = merging.merge_events_after(session, ws.project.id)
    checks: list[TrailCheck] = []
    for seq, after in merges:
        kept = json.loads(after).get("info", {}).get("source_trail")
        if not kept:
            continue
        events = [TrailEvent(**e) for e in kept.get("events", [])]
        message = _check_copied(events, known)
        label = f"{kept.get('database', '?')} ({kept.get('project', '?')})"
        checks.append(TrailCheck(seq, label, len(events), message is None, message or "intact"))
        known |= {e.hash for e in events}
    return checks


def _check_copied(events: list[TrailEvent], known: set[str]) -> str | None:
    """None if the copied events are a sound piece of a hash chain, else what is wrong."""
    previous: TrailEvent | None = None
    for event in events:
        recomputed = audit.event_hash(
            event.prev_hash, event.seq, event.time, event.coder, event.action, event.target,
            event.before, event.after,
        )  # fmt: skip
        if recomputed != event.hash:
            return f"kept event #{event.seq} ({event.action} {event.target}) was altered"
        if previous is None:
            if event.prev_hash != audit.GENESIS and event.prev_hash not in known:
                return f"kept event #{event.seq} does not continue any trail held here"
        elif event.seq != previous.seq + 1 or event.prev_hash != previous.hash:
            return f"kept events #{previous.seq} and #{event.seq} do not chain"
        previous = event
    return None
