"""The pure half of ``coder merge``: matching another coder's project against this one
and planning what comes across, with no database in sight.

The service (``coder.services.merge``) reads both projects into the plain records below,
hands them to :class:`MergePlan`, and writes the plan in one audited transaction. Keeping
the matching here means its rules (documents by content hash, codes by uid then name then
loose name, coders by exact name, segments by number or checked offsets) can be read and
tested without a store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from coder.core.codebook_sync import normalise_name
from coder.core.model import Code, CodeStatus, text_hash

# ------------------------------------------------------------------------ records


@dataclass(frozen=True)
class DocBrief:
    """A document without its text: what matching by content hash needs."""

    id: int
    key: str
    content_hash: str
    length: int  # in code points


@dataclass(frozen=True)
class SegmentInfo:
    id: int
    document_id: int
    kind: str
    ordinal: int | None
    heading: str | None
    start: int
    end: int
    text_hash: str
    context_before: str
    context_after: str


@dataclass(frozen=True)
class CodingInfo:
    id: int
    segment_id: int
    code_id: int
    coder: str
    created_at: str
    memo: str | None


@dataclass(frozen=True)
class MemoInfo:
    id: int
    coder: str
    target_type: str
    target_id: int | None
    kind: str
    text: str
    created_at: str
    updated_at: str
    phase: int | None = None  # a journal entry's phase when written


@dataclass(frozen=True)
class ReadInfo:
    document_id: int
    coder: str
    read_at: str


@dataclass(frozen=True)
class TrailEvent:
    """An audit event exactly as stored: ``before``/``after`` are the canonical JSON texts
    its hash covers, so a copy of it can be re-hashed and checked anywhere."""

    seq: int
    time: str
    coder: str
    action: str
    target: str
    before: str
    after: str
    prev_hash: str
    hash: str


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


@dataclass(frozen=True)
class TrailCheck:
    """The check of one merge event's copy of another project's trail."""

    seq: int  # the merge event here
    source: str
    events: int
    ok: bool
    message: str


# ------------------------------------------------------------------------ helpers


def loose_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def uid_key(uid: str | None) -> str | None:
    """GUIDs compared without braces and case, as the codebook comparison does."""
    return (uid or "").strip().strip("{}").lower() or None


def where(doc_key: str, seg: SegmentInfo) -> str:
    if seg.kind == "unit":
        return f"{doc_key}:{seg.ordinal}"
    if seg.kind == "span":
        return f"{doc_key}@{seg.start}-{seg.end}"
    return doc_key


# ----------------------------------------------------------------- the other file


@dataclass
class MergeSource:
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
    reads: list[ReadInfo]
    trail: list[TrailEvent]


# ------------------------------------------------------------------- the planner

NewKey = tuple[str, Any]  # ("code", source id) | ("coder", name) | ("segment", spec)
Ref = int | NewKey  # an id here, or a row the merge will insert


@dataclass(frozen=True)
class NewSegment:
    document_id: int
    kind: str
    start: int
    end: int
    heading: str | None
    text_hash: str
    context_before: str
    context_after: str


class MergePlan:
    """Matches the other file against this project and plans what is new. It is handed
    what it needs of this project (read by the service inside its write transaction) and
    never writes; the service's subclass adds the writing."""

    def __init__(
        self,
        src: MergeSource,
        coder_map: dict[str, str],
        report: MergeReport,
        context_chars: int,
    ) -> None:
        self.src, self.coder_map, self.report = src, coder_map, report
        self.context_chars = context_chars
        self.document_texts: Callable[[Sequence[int]], dict[int, str]] = lambda ids: {}
        self.doc_map: dict[int, DocBrief] = {}
        self.code_map: dict[int, Ref] = {}
        self.new_codes: list[Code] = []
        self.new_code_names: dict[int, str] = {}
        self.coder_refs: dict[str, Ref] = {}
        self.segment_refs: dict[int, Ref] = {}
        self.new_segments: dict[NewKey, NewSegment] = {}
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

    def match_documents(self, docs_here: Sequence[DocBrief]) -> None:
        here: dict[str, list[DocBrief]] = {}
        for doc in docs_here:
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

    def match_codes(self, rows: list[Code]) -> None:
        """Pair codes in passes, each over what the earlier ones left: uid, exact name,
        name ignoring case, spacing and punctuation. The rest are new codes here, renamed
        only if their name clashes with a code here that was paired with another."""
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

        by_uid = {uid_key(c.uid): c for c in rows if uid_key(c.uid)}
        by_loose: dict[str, Code] = {}
        for c in rows:
            by_loose.setdefault(normalise_name(c.name), c)
        claim(lambda c: uid_key(c.uid), by_uid, self.report.codes_renamed)
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

    def match_coders(self, here: dict[str, int]) -> None:
        loose_here: dict[str, list[str]] = {}
        for name in here:
            loose_here.setdefault(loose_name(name), []).append(name)
        names = {c.coder for c in self.src.codings}
        names |= {m.coder for m in self.src.memos} | {r.coder for r in self.src.reads}
        for there in sorted(names):
            name = self.coder_map.get(there, there)
            if name in here:
                self.coder_refs[there] = here[name]
                continue
            self.coder_refs[there] = ("coder", name)
            self.report.coders_added.append(name)
            for similar in loose_here.get(loose_name(name), []):
                self.report.coder_warnings.append(
                    f"coder {name!r} in {self.src.label} differs from {similar!r} here only "
                    f"by case or spacing: kept apart; to join them merge again with "
                    f"--map-coder '{there}={similar}'"
                )

    # ---- segments and codings ----------------------------------------------------

    def place_segments(
        self,
        segments_of_documents: Callable[[Sequence[int]], list[SegmentInfo]],
        document_texts: Callable[[Sequence[int]], dict[int, str]],
    ) -> None:
        """Find (or plan) the segment here for every coded segment there; the two
        callables read this project's segments and texts for the documents that need them."""
        self.document_texts = document_texts
        mapped = [
            (seg, self.doc_map[seg.document_id])
            for seg in self.src.segments.values()
            if seg.document_id in self.doc_map
        ]
        existing = segments_of_documents(sorted({d.id for _, d in mapped}))
        self.units = {(g.document_id, g.ordinal): g for g in existing if g.kind == "unit"}
        self.by_span = {(g.document_id, g.kind, g.start, g.end): g.id for g in existing}
        for unit in self.units.values():
            self.units_of.setdefault(unit.document_id, []).append(unit)
        need_text = {d.id for seg, d in mapped if seg.kind != "document" and not self._unit(seg, d)}
        texts = document_texts(sorted(need_text))
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
                text = self.document_texts([doc.id]).get(doc.id, "")
            self.new_segments[key] = NewSegment(
                document_id=doc.id,
                kind=kind,
                start=start,
                end=end,
                heading=heading,
                text_hash=text_hash(text[start:end]),
                context_before=text[max(0, start - self.context_chars) : start],
                context_after=text[end : end + self.context_chars],
            )
        return key

    def plan_codings(self, existing: dict[tuple[int, int, int], tuple[int, str | None]]) -> None:
        code_names = {c.id: c.name for c in self.src.codes}
        planned: set[tuple[Ref, Ref, Ref]] = set()
        for coding in self.src.codings:
            seg = self.src.segments[coding.segment_id]
            seg_ref = self.segment_refs.get(coding.segment_id)
            if seg_ref is None:
                doc = self.src.docs[seg.document_id]
                missing = seg.document_id not in self.doc_map
                item = Unmerged(
                    where(doc.key, seg),
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
            found = self.themes_here.get(("uid", uid_key(uid))) or self.themes_here.get(
                ("name", name)
            )
            return found is not None, found
        return False, None

    def plan_memos(
        self,
        existing: dict[tuple, tuple[int, str, str]],
        themes_here: Sequence[tuple[int | None, str | None, str]],
    ) -> None:
        """``existing``: memos here by (target type, target, coder, kind, created);
        ``themes_here``: (id, uid, name) of every theme here, discarded ones too."""
        for theme_id, uid, name in themes_here:
            if uid:
                self.themes_here.setdefault(("uid", uid_key(uid)), theme_id)
            self.themes_here.setdefault(("name", name), theme_id)
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

    def plan_reads(self, existing: set[tuple[int, int]]) -> None:
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

    def plan_trail(self, known: set[str]) -> None:
        """The other trail's events this project holds neither as its own nor from an
        earlier merge (``known``: their hashes; they chain, so one stands for its prefix)."""
        self.events = [e for e in self.src.trail if e.hash not in known]
        self.report.events_copied = len(self.events)
