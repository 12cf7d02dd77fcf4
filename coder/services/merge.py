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
the merge writes goes through the audited ``Tx`` helpers (``insert_many`` for the bulk
of it), so ``coder audit verify`` keeps replaying this project's trail. The merge is one
action: one transaction and ONE "merge" event listing every row it wrote, shown in the
log as "merge bob.db: 12 codes, 340 codings, 3 memos" and undone (and redone) as one by
``coder undo``. The event also carries the other trail's events that this project did not
hold yet (exact stored texts, so their hashes can be recomputed:
:func:`verify_merged_trails`); an undo leaves them in the trail, as it leaves the event. Events both trails share, as when one file
started as a copy of the other, are not copied twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

from coder.core.merge_plan import (
    MergePlan,
    MergeReport,
    MergeSource,
    NewKey,
    Ref,
    TrailCheck,
    TrailEvent,
    Unmerged,
)
from coder.services.coding import CONTEXT_CHARS
from coder.services.workspace import ServiceError, Workspace
from coder.store import audit, merging
from coder.store import queries as q
from coder.store.db import Database, ProjectRef, Tx
from coder.store.engine import StoreError

ACTION = "merge"
Progress = Callable[[int, int], None]
WRITE_STEPS = 5  # codes, segments, codings, memos and read marks, the event

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
# MergeReport, Unmerged and TrailCheck live in coder.core.merge_plan.


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


def _read_source(db: Database, ref: ProjectRef, progress: Progress | None = None) -> MergeSource:
    result = db.verify(ref.id, progress=progress)
    if not result.ok:
        raise ServiceError(
            f"{db.label}: refusing to merge: its audit trail does not check out: {result.message}"
        )
    with db.read() as s:
        return MergeSource(
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


class _Plan(MergePlan):
    """The core's plan, fed from this project inside the write transaction; ``apply`` is
    the only part that writes."""

    def __init__(
        self,
        tx: Tx,
        ws: Workspace,
        src: MergeSource,
        coder_map: dict[str, str],
        report: MergeReport,
    ) -> None:
        super().__init__(src, coder_map, report, CONTEXT_CHARS)
        self.tx, self.session, self.pid = tx, tx.session, ws.project.id

    def plan(self) -> None:
        """Match and plan, in this order, each step reading what it needs here."""
        s, pid = self.session, self.pid
        self.match_documents(merging.documents_brief(s, pid))
        self.match_codes(q.codes(s, pid, include_inactive=True))
        self.match_coders(merging.coder_ids(s))
        self.place_segments(
            lambda ids: merging.segments_of_documents(s, ids),
            lambda ids: merging.document_texts(s, ids),
        )
        self.plan_codings(merging.coding_keys(s, pid))
        self.plan_memos(
            merging.memo_keys(s, pid),
            [(t.id, t.uid, t.name) for t in q.theme_rows(s, pid, include_discarded=True)],
        )
        self.plan_reads(merging.read_mark_keys(s, pid))
        known = merging.trail_hashes(s, pid)
        for _seq, after in merging.merge_events_after(s, pid):
            kept = json.loads(after).get("info", {}).get("source_trail", {})
            known |= {e["hash"] for e in kept.get("events", [])}
        self.plan_trail(known)

    # ---- writing -----------------------------------------------------------------

    def apply(self, progress: Progress | None = None) -> None:
        """Write the plan into the open transaction: ONE event, whose rows are everything
        the merge changed, so one ``coder undo`` takes it all back (coders it created
        stay: they are not audited rows). ``progress``: (steps done, steps) per table."""
        tx, label = self.tx, self.src.label
        steps = WRITE_STEPS
        tick = progress or (lambda done, total: None)
        tick(0, steps)
        self._write_codes()
        tick(1, steps)
        coders = self._write_coders()
        segments = self._write_segments()
        tick(2, steps)
        codings = self._write_codings(coders, segments)
        tick(3, steps)
        self._write_memos(coders, codings)
        tx.insert_many(
            "document_read",
            [
                {"document_id": doc_id, "coder_id": self._id(coder, coders), "read_at": read_at}
                for doc_id, coder, read_at in self.read_adds
            ],
        )
        tick(4, steps)
        # the log names a file by its name ("merge bob.db: ..."); the info keeps the path
        short = label if "://" in label else Path(label).name
        tx.target = f"{short}: {self._counts()}"
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
        tick(steps, steps)

    def _counts(self) -> str:
        """What the audit log line says the merge brought: "12 codes, 340 codings, ..."."""
        r = self.report
        parts = [
            _count(len(r.codes_added), "code"),
            _count(r.codings_added, "coding"),
            _count(r.memos_added, "memo"),
        ]
        if r.memos_updated:
            parts.append(f"{r.memos_updated:,} memos updated")
        if r.read_marks_added:
            parts.append(_count(r.read_marks_added, "read mark"))
        if self.events:
            parts.append(f"trail to #{r.head_seq}")
        return ", ".join(parts)

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
        keys = list(self.new_segments)
        rows = self.tx.insert_many(
            "segment",
            [
                {
                    "document_id": seg.document_id,
                    "kind": seg.kind,
                    "ordinal": None,
                    "heading": seg.heading,
                    "start": seg.start,
                    "end": seg.end,
                    "text_hash": seg.text_hash,
                    "context_before": seg.context_before,
                    "context_after": seg.context_after,
                }
                for seg in self.new_segments.values()
            ],
        )
        return {key: row["id"] for key, row in zip(keys, rows, strict=True)}

    def _write_codings(
        self, coders: dict[str, int], segments: dict[NewKey, int]
    ) -> dict[tuple[Ref, Ref, Ref], int]:
        for coding_id, memo in self.coding_fills:
            self.tx.update("coding", self.tx.get("coding", coding_id), memo=memo)
        keys: list[tuple[Ref, Ref, Ref]] = []
        values: list[dict[str, object]] = []
        for coding, seg_ref, code_ref, coder_ref in self.coding_adds:
            seg_id = seg_ref if isinstance(seg_ref, int) else segments[seg_ref]  # type: ignore[index]
            keys.append((seg_ref, code_ref, coder_ref))
            values.append(
                {
                    "project_id": self.pid,
                    "segment_id": seg_id,
                    "code_id": self._id(code_ref, coders),
                    "coder_id": self._id(coder_ref, coders),
                    "created_at": coding.created_at,
                    "memo": coding.memo,
                }
            )
        rows = self.tx.insert_many("coding", values)
        return {key: row["id"] for key, row in zip(keys, rows, strict=True)}

    def _write_memos(
        self, coders: dict[str, int], codings: dict[tuple[Ref, Ref, Ref], int]
    ) -> None:
        for memo_id, text, updated in self.memo_updates:
            self.tx.update("memo", self.tx.get("memo", memo_id), text=text, updated_at=updated)
        values: list[dict[str, object]] = []
        for memo, target, coder in self.memo_adds:
            if isinstance(target, tuple) and target[0] == "coding":
                target_id: int | None = codings[target[1]]
            elif target is None or isinstance(target, int):
                target_id = target
            else:
                target_id = self._id(target, coders)
            values.append(
                {
                    "project_id": self.pid,
                    "coder_id": self._id(coder, coders),
                    "target_type": memo.target_type,
                    "target_id": target_id,
                    "kind": memo.kind,
                    "text": memo.text,
                    "created_at": memo.created_at,
                    "updated_at": memo.updated_at,
                    "phase": memo.phase,
                }
            )
        self.tx.insert_many("memo", values)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# ------------------------------------------------------------------------ the service


def merge_project(
    ws: Workspace,
    source: str,
    *,
    project: str | None = None,
    allow_missing: bool = False,
    dry_run: bool = False,
    coder_map: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> MergeReport:
    """Merge the project in ``source`` (a file path or database URL) into ``ws``.

    Raises ServiceError for a source that cannot be opened or whose trail does not check
    out, and :class:`MissingDocuments` (a ServiceError carrying the report) when codings
    sit on documents this project lacks and ``allow_missing`` is false. Nothing is written
    in a dry run, or when everything is already here. ``progress``: (done, total) as the
    merge writes, for a progress bar."""
    db, ref = _open_source(ws, source, project)
    # One scale for the bar: the other trail's events checked, then the writing steps.
    events = db.head(ref.id).seq
    tick = progress or (lambda done, total: None)
    total = events + WRITE_STEPS
    tick(0, total)
    try:
        src = _read_source(db, ref, lambda done, _n: tick(done, total))
    finally:
        db.close()
    tick(events, total)
    report = MergeReport(src.label, src.project, head_seq=src.trail[-1].seq if src.trail else 0)
    report.dry_run = dry_run
    with ws.write(ACTION, f"from {src.label}") as tx:
        plan = _Plan(tx, ws, src, coder_map or {}, report)
        plan.plan()
        if report.missing and not allow_missing:
            raise MissingDocuments(report)
        if not report.changed:
            report.already_merged = True
            report.coders_added.clear()
            return report
        if dry_run:
            return report
        plan.apply(lambda done, _n: tick(events + done, total))
    return report


# ------------------------------------------------------------------ the kept trails


def verify_merged_trails(ws: Workspace) -> list[TrailCheck]:
    """Re-check every trail a merge kept: each copied event's hash is recomputed from its
    stored fields, the copies chain one to the next, and the first copy of each merge
    continues a chain this project already holds (its own, or one kept earlier), or
    starts at the beginning. One result per merge event that kept events."""
    with ws.read() as session:
        merges = merging.merge_events_after(session, ws.project.id)
        # every hash of the trail, only when a merge kept events to check against them
        kept_any = any('"source_trail"' in after for _seq, after in merges)
        known = merging.trail_hashes(session, ws.project.id) if kept_any else set()
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
