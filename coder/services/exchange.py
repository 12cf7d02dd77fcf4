"""REFI-QDA project exchange: export the project as .qdpx, import .qdpx from other tools.

Export reads only. Import checks the whole file first (coder.formats.qdpx raises one
FormatError for anything unusable, and the code and user mapping is settled here) and
only then writes, in ONE transaction (a failure half-way leaves the project as it was)
and ONE audit event, "qdpx.import FILE: 3 documents, 12 codes, 340 codings, 5 memos",
that lists every row it wrote, so ``coder undo`` takes the import back as one action (and
``coder redo`` brings it back). Through the same building blocks the other services use:

1. documents: ``add_records_in`` (exact duplicates of documents already in the project are
   matched by content hash and reused); they are stamped with the event's number and
   vouched for by the digest the event carries, like any import, so an undo leaves them
   in place (as it would a plain import) and takes back everything else;
2. codes: ``insert_code``; codes already in the project are matched by GUID, then by
   name, and reused;
3. themes (the file's Sets of codes);
4. codings, each stored as the file's user who made it (like ``apply_code`` but
   batched), with the original coding time;
5. memos (the file's Notes), through ``add_memo_in`` / ``set_note_in``, as their writers.

Users become coders by coding or writing memos as themselves.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from coder.core.dedup import content_hash
from coder.core.model import Code, CodeStatus, Coding, Document, Memo, Theme
from coder.core.report import Bibliography
from coder.formats.qdc import code_guid, file_name, path_name, theme_guid
from coder.formats.qdpx import (
    ORIGIN,
    VARIABLES,
    QdpxCoding,
    QdpxNote,
    QdpxProblem,
    QdpxProject,
    QdpxSelection,
    QdpxSource,
    QdpxUser,
    document_variables,
    guid_for,
    is_qdpx,
    read_qdpx,
    source_record,
    write_qdpx,
)
from coder.services.codes import insert_code
from coder.services.coding import UnitRef, find_code, find_document, resolve_segment
from coder.services.exchange_cases import add_attributes, import_attributes
from coder.services.importing import add_records_in
from coder.services.notes import add_memo_in, set_note_in
from coder.services.reports import all_codings, all_documents
from coder.services.themes import insert_theme
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.db import Tx, coder_row_id

MEMO_KINDS = ("journal", "familiarisation", "note", "discussion")
CODING_MEMO = "coding memo"  # the name of a Note that is a coding's own memo

__all__ = ["QdpxSummary", "ReportRow", "export_qdpx", "import_qdpx", "is_qdpx", "build_project"]


# ---- export ---------------------------------------------------------------------------------


def _tree_order(codes: list[Code]) -> list[Code]:
    """Codes parent-first; a code whose parent is not exported (or is itself) goes to the top."""
    names = {c.name for c in codes}
    children: dict[str | None, list[Code]] = {}
    for code in codes:
        parent = code.parent if code.parent in names and code.parent != code.name else None
        children.setdefault(parent, []).append(code)
    out: list[Code] = []
    placed: set[str] = set()

    def walk(parent: str | None) -> None:
        for code in children.get(parent, []):
            if code.name not in placed:
                placed.add(code.name)
                out.append(Code(**{**code.__dict__, "parent": parent}))
                walk(code.name)

    walk(None)
    for code in codes:  # codes in a parent cycle are unreachable from the top
        if code.name not in placed:
            placed.add(code.name)
            out.append(Code(**{**code.__dict__, "parent": None}))
            walk(code.name)
    return out


class _Builder:
    """Turns the stored project into a QdpxProject with stable GUIDs."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.users: dict[str, QdpxUser] = {}

    def user(self, name: str) -> str:
        if name not in self.users:
            self.users[name] = QdpxUser(guid_for("user", name), name)
        return self.users[name].guid

    def build(self) -> QdpxProject:
        ws = self.ws
        documents = all_documents(ws)
        codings = all_codings(ws)
        with ws.read() as session:
            codes = [
                c
                for c in q.codes(session, ws.project.id, include_inactive=True)
                if c.status != CodeStatus.MERGED
            ]
            themes = q.themes(session, ws.project.id)
            memos = sorted(q.memos(session, ws.project.id), key=lambda m: m.id)
        project = QdpxProject(name=ws.project.name)
        guids: dict[str, str] = {}
        for code in _tree_order(codes):
            guid = code_guid(code)
            if guid in guids.values():  # two codes sharing a uid: keep the file consistent
                guid = guid_for("code", code.name)
            guids[code.name] = guid
            project.codes.append(Code(**{**code.__dict__, "uid": guid}))
        project.themes = [Theme(**{**t.__dict__, "uid": theme_guid(t)}) for t in themes]
        bibliography = Bibliography(documents)
        sources = {d.key: self.source(d, bibliography) for d in documents}
        coding_guids = self.selections(codings, sources, guids)
        project.sources = list(sources.values())
        add_attributes(ws, project, sources)  # issue 20: Variables and Cases
        targets = {
            "document": {str(d.id): sources[d.key].notes for d in documents},
            "code": {str(c.id): project.code_notes.setdefault(guids[c.name], []) for c in codes},
            "theme": {
                str(t.id): project.theme_notes.setdefault(t.uid or "", []) for t in project.themes
            },
            "coding": {str(cid): refs for cid, refs in coding_guids.items()},
        }
        for memo in memos:
            note = self.note(memo)
            refs = (
                project.project_notes
                if memo.target_type == "project"
                else targets.get(memo.target_type, {}).get(memo.target or "")
            )
            if refs is None:
                continue  # its target is gone (e.g. a merged code): nothing to hang it on
            project.notes.append(note)
            refs.append(note.guid)
        project.notes += self.coding_memo_notes
        project.code_notes = {k: v for k, v in project.code_notes.items() if v}
        project.theme_notes = {k: v for k, v in project.theme_notes.items() if v}
        project.users = sorted(self.users.values(), key=lambda u: u.name)
        return project

    def source(self, doc: Document, bibliography: Bibliography) -> QdpxSource:
        return QdpxSource(
            guid=guid_for("document", doc.key, doc.content_hash),
            name=doc.key,
            text=doc.text,
            variables=document_variables(doc),
            description=bibliography.reference(doc.key).text,
        )

    def selections(
        self, codings: list[Coding], sources: dict[str, QdpxSource], guids: dict[str, str]
    ) -> dict[int, list[str]]:
        """Codings grouped into one selection per span; returns each coding's NoteRef list."""
        self.coding_memo_notes: list[QdpxNote] = []
        spans: dict[tuple[str, int, int], QdpxSelection] = {}
        refs: dict[int, list[str]] = {}
        for coding in codings:
            if coding.code not in guids:
                continue  # a merged code holds no codings; anything else is not exportable
            source = sources[coding.document_key]
            key = (coding.document_key, coding.start, coding.end)
            if key not in spans:
                text = " ".join(coding.text.split())
                spans[key] = QdpxSelection(
                    guid=guid_for("selection", source.guid, coding.start, coding.end),
                    start=coding.start, end=coding.end,
                    name=text if len(text) <= 80 else text[:79] + "…",
                    user_guid=self.user(coding.coder), created=coding.created_at,
                )  # fmt: skip
                source.selections.append(spans[key])
            selection = spans[key]
            user = self.user(coding.coder)
            item = QdpxCoding(
                guid=guid_for("coding", selection.guid, guids[coding.code], user),
                code_guid=guids[coding.code], user_guid=user, created=coding.created_at,
            )  # fmt: skip
            if coding.memo:
                note = QdpxNote(
                    guid_for("coding-memo", item.guid),
                    CODING_MEMO,
                    coding.memo,
                    user,
                    coding.created_at,
                )
                self.coding_memo_notes.append(note)
                item.notes.append(note.guid)
            selection.codings.append(item)
            refs[coding.id] = item.notes
        return refs

    def note(self, memo: Memo) -> QdpxNote:
        return QdpxNote(
            guid=guid_for("memo", memo.id, memo.created_at),
            name=memo.kind,
            text=memo.text,
            user_guid=self.user(memo.coder),
            created=memo.created_at,
            modified=memo.updated_at if memo.updated_at != memo.created_at else None,
        )


def build_project(ws: Workspace) -> QdpxProject:
    """The project as REFI-QDA data (what export_qdpx writes)."""
    return _Builder(ws).build()


def export_qdpx(ws: Workspace, path: Path) -> None:
    """Write the project as a .qdpx: to a temporary file beside ``path``, then renamed."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ServiceError(f"cannot write {path}: folder {path.parent} does not exist")
    project = build_project(ws)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write_qdpx(project, fh)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ServiceError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---- import ---------------------------------------------------------------------------------


# The import report's rows, in this order; a kind the file does not have is left out.
REPORT_KINDS = (
    "users", "codes", "sets", "text sources", "picture sources", "PDF sources",
    "audio sources", "video sources", "codings", "notes", "variables", "cases",
)  # fmt: skip


@dataclass
class ReportRow:
    """One element kind: how many the file has, how many were added, found already in
    the project, or left out (each left-out one has a line in ``problems``)."""

    kind: str
    in_file: int = 0
    added: int = 0
    existing: int = 0
    left_out: int = 0


@dataclass
class QdpxSummary:
    file: str
    documents: int = 0
    reused_documents: int = 0
    codes: int = 0
    themes: int = 0
    codings: int = 0
    memos: int = 0
    coders: list[str] = field(default_factory=list)  # coders new to the database
    skipped: list[str] = field(default_factory=list)
    origin: str = ""
    positions: str = ""  # how the file's positions were read, and how well they fit
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[QdpxProblem] = field(default_factory=list)  # left out or doubted, and why
    attributes: int = 0  # attribute values set (issue 20)

    def counts(self) -> str:
        """The audit log's line for the import: what it added, by kind."""
        parts = [
            _count(self.documents, "document"),
            _count(self.codes, "code"),
            _count(self.themes, "theme"),
            _count(self.codings, "coding"),
            _count(self.memos, "memo"),
        ]
        if self.attributes:
            parts.append(_count(self.attributes, "attribute value"))
        return ", ".join(parts)

    def line(self) -> str:
        parts = [
            _count(self.documents, "document")
            + " added"
            + (f" ({self.reused_documents} already there)" if self.reused_documents else ""),
            _count(self.codes, "code"),
            _count(self.themes, "theme"),
            _count(self.codings, "coding"),
            _count(self.memos, "memo"),
            _count(self.attributes, "attribute value"),
            _count(len(self.coders), "coder")
            + " added"
            + (f" ({', '.join(self.coders)})" if self.coders else ""),
        ]
        line = f"{self.file} (qdpx): " + ", ".join(parts)
        if self.skipped:
            line += f"; {len(self.skipped)} left out (listed below)"
        return line

    def report(self) -> list[str]:
        """The import report: one row per element kind, then every left-out or doubtful
        element with the reason, so nothing is dropped without a line saying so."""
        width = max([len(r.kind) for r in self.rows] + [4])
        head = f"{'kind':<{width}}  {'in file':>7}  {'added':>5}  {'already there':>13}  {'left out':>8}"
        out = [f"{self.file}" + (f" (from {self.origin})" if self.origin else "") + ":", head]
        for r in self.rows:
            out.append(
                f"{r.kind:<{width}}  {r.in_file:>7}  {r.added:>5}  {r.existing:>13}  {r.left_out:>8}"
            )
        if self.positions:
            out.append(self.positions)
        if self.coders:
            out.append(f"new coders: {', '.join(self.coders)}")
        for problem in self.problems:
            out.append(f"  {'checked' if problem.kept else 'left out'}: {problem.kind}: {problem}")
        return out

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "format": "qdpx",
            "origin": self.origin,
            "positions": self.positions,
            "kinds": [asdict(r) for r in self.rows],
            "new_coders": self.coders,
            "problems": [
                {"kind": p.kind, "what": p.what, "reason": p.reason, "kept": p.kept, "line": p.line}
                for p in self.problems
            ],
        }


ACTION = "qdpx.import"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _time(value: str | None) -> str | None:
    """A tool's xsd:dateTime in our stored form (UTC, ISO, microseconds); None if unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class _Plan:
    """What the import will write, settled before anything is written."""

    users: dict[str, str]  # user GUID -> coder name
    sources: list[QdpxSource]  # with text, in file order
    code_names: dict[str, str]  # code GUID -> project code name (existing or new)
    new_codes: list[Code]
    new_themes: list[Theme]


class _Importer:
    tx: Tx  # the import's one transaction, open while ``run`` writes

    def __init__(self, ws: Workspace, project: QdpxProject, file: str, segment: str) -> None:
        self.ws, self.project, self.file, self.segment = ws, project, file, segment
        self.summary = QdpxSummary(file, skipped=list(project.skipped), origin=project.origin)
        self.doc_ids: dict[str, int] = {}
        self.same_twice = 0
        self.notes_added = self.notes_existing = 0
        self.notes_there: set[str] = set()  # notes of codings already in the project
        self.missing_reason = ""

    def user_name(self, guid: str | None) -> str:
        """The coder for a user GUID; the importing coder when the file names nobody."""
        if not guid:
            return self.ws.coder
        return self.plan.users.get(guid) or f"user {guid[:8]}"

    def project_code(self, file_name: str) -> str:
        """The project's name for a code the file calls ``file_name``."""
        return self.file_codes.get(file_name, file_name)

    def make_plan(self) -> _Plan:
        users = {}
        taken: set[str] = set()
        for user in self.project.users:
            name = " ".join(user.name.split()) or f"user {user.guid[:8]}"
            while name in taken:
                name += "'"
            taken.add(name)
            users[user.guid] = name
        sources = [s for s in self.project.sources if s.text is not None]
        missing = [s for s in self.project.sources if s.text is None]
        if missing:
            codings = sum(len(sel.codings) for s in missing for sel in s.selections)
            self.missing_reason = f"without their text ({_count(codings, 'coding')} left out), e.g. {missing[0].missing}"
            self.summary.skipped.append(
                f"{_count(len(missing), 'text source')} without their text "
                f"({_count(codings, 'coding')}), e.g. {missing[0].missing}"
            )
        with self.ws.read() as session:
            existing = q.codes(session, self.ws.project.id, include_inactive=True)
            theme_names = {t.name for t in q.themes(session, self.ws.project.id)}
        by_uid = {c.uid: c for c in existing if c.uid}
        by_name = {c.name: c for c in existing}
        file_uids = {c.name: c.uid or "" for c in self.project.codes}
        code_names: dict[str, str] = {}
        new_codes: list[Code] = []
        used = {c.code_guid for s in sources for sel in s.selections for c in sel.codings}
        for code in self.project.codes:  # parents before children
            parent = code_names.get(file_uids.get(code.parent or "", "")) if code.parent else None
            match = by_uid.get(code.uid)
            name = code.name
            if match is None:
                # The same name is the same code only under the same parent: names are
                # unique among siblings. Elsewhere in the tree it is named by its path.
                other = by_name.get(name)
                if other is not None and other.parent != parent and parent is not None:
                    name = path_name(parent, file_name(code))
                    other = by_name.get(name)
                match = other if other is not None and other.parent == parent else None
                base, n = name, 2
                while match is None and name in by_name:
                    name, n = f"{base} ({n})", n + 1
            if match is None:
                added = Code(**{**code.__dict__, "name": name, "parent": parent})
                new_codes.append(added)
                by_name[name] = added
                code_names[code.uid or ""] = name
                continue
            code_names[code.uid or ""] = match.name
            if code.uid in used and match.status != CodeStatus.ACTIVE:
                raise ServiceError(
                    f"{self.file}: code {code.name!r} matches the project's {match.status} code "
                    f"{match.name!r}; reactivate it before importing codings to it"
                )
        new_themes = [t for t in self.project.themes if t.name not in theme_names]
        return _Plan(users, sources, code_names, new_codes, new_themes)

    def run(self) -> QdpxSummary:
        self.plan = self.make_plan()
        self.file_codes = {c.name: self.plan.code_names[c.uid or ""] for c in self.project.codes}
        with self.ws.read() as session:
            coders_before = set(q.coder_names(session))
        # One transaction and ONE event listing every row it wrote (undone and redone as
        # one): the documents first (they are stamped with the number of this event and
        # vouched for by the digest it carries), then codes, themes, codings and memos,
        # each coding and memo as the file's user who made it.
        with self.ws.write(ACTION, self.file) as tx:
            self.tx, self.importer_id = tx, tx.coder_id
            keys = self.documents()
            self.codes()
            self.themes()
            self.codings(keys)
            self.memos(keys)
            self.summary.attributes, skipped = import_attributes(  # issue 20
                tx, self.ws.project.id, self.project, keys
            )
            self.summary.skipped += skipped
            tx.target = f"{self.file}: {self.summary.counts()}"
        with self.ws.read() as session:
            added = set(q.coder_names(session)) - coders_before
        if self.ws.coder not in self.plan.users.values():
            added.discard(self.ws.coder)  # the person importing is not one of the file's users
        self.summary.coders = sorted(added)
        self.report(coders_before)
        return self.summary

    def report(self, coders_before: set[str]) -> None:
        """The per-kind table and the list of what was left out or doubted."""
        project, summary = self.project, self.summary
        found = project.found
        summary.positions = project.counting_note
        problems = list(project.problems)
        missing = len(project.sources) - len(self.plan.sources)
        if missing:
            problems.append(
                QdpxProblem("text sources", _count(missing, "text source"), self.missing_reason)
            )
        rows = {kind: ReportRow(kind, found.get(kind, 0)) for kind in REPORT_KINDS}
        names = set(self.plan.users.values())
        rows["users"].added = len(names & set(summary.coders))
        rows["users"].existing = len(names & coders_before)
        for name in self.plan.users.values():
            if name not in coders_before and name not in summary.coders:
                problems.append(QdpxProblem(
                    "users", f"user {name!r}", "made no coding or note here: no coder added", True,
                ))  # fmt: skip
        rows["codes"].added, rows["codes"].existing = (
            summary.codes,
            len(project.codes) - summary.codes,
        )
        rows["sets"].added = summary.themes
        rows["sets"].existing = len(project.themes) - summary.themes
        rows["text sources"].added = summary.documents
        rows["text sources"].existing = summary.reused_documents + self.same_twice
        rows["codings"].added, rows["codings"].existing = summary.codings, self.existing_codings
        rows["notes"].added, rows["notes"].existing = self.notes_added, self.notes_existing
        ours = {name for name, _ in VARIABLES}
        for name in project.variables:
            if name in ours:  # document metadata: new with new documents
                if summary.documents:
                    rows["variables"].added += 1
                else:
                    rows["variables"].existing += 1
            else:
                problems.append(QdpxProblem(
                    "variables", f"variable {name!r}", "coder's documents have no field for it",
                ))  # fmt: skip
        for row in rows.values():
            row.left_out = max(row.in_file - row.added - row.existing, 0)
        rows["users"].left_out = 0  # a user who wrote nothing is listed, not left out
        summary.rows = [r for r in rows.values() if r.in_file]
        summary.problems = problems

    def documents(self) -> dict[str, str]:
        """Add the text sources as documents; returns {source GUID: document key}."""
        ours = self.project.origin == ORIGIN
        records = [source_record(s, name_as_title=not ours) for s in self.plan.sources]
        if ours:  # our own export names each source by its key: keep it (issue 20)
            for source, record in zip(self.plan.sources, records, strict=True):
                record.key = source.name
        hashes = [content_hash(r) for r in records]
        known = q.document_keys_by_hash(self.tx.session, self.ws.project.id, hashes)
        new, new_guids, seen = [], [], {}
        for source, record, digest in zip(self.plan.sources, records, hashes, strict=True):
            if digest in known:
                self.summary.reused_documents += 1
            elif digest in seen:
                self.same_twice += 1  # the same document twice in one file: one document
            else:
                seen[digest] = source.guid
                new.append(record)
                new_guids.append(source.guid)
        keys: dict[str, str] = {}
        if new:
            summary, added = add_records_in(
                self.tx,
                self.ws.project.id,
                new,
                source=self.file,
                fmt="qdpx",
                segment=self.segment,
                keep_duplicates=True,
            )
            if len(added) != len(new):
                raise ServiceError(
                    f"{self.file}: {len(new) - len(added)} sources could not be added as documents"
                )
            keys.update(zip(new_guids, added, strict=True))
            self.summary.documents = summary.added
        for source, digest in zip(self.plan.sources, hashes, strict=True):
            if source.guid not in keys:
                keys[source.guid] = known.get(digest) or keys[seen[digest]]
        return keys

    def codes(self) -> None:
        """Add the new codes; their names and parents are already the project's own."""
        tx = self.tx
        ids: dict[str, int] = {}
        for code in self.plan.new_codes:
            parent = code.parent
            parent_id = ids.get(parent) if parent else None
            if parent and parent_id is None:
                parent_id = find_code(tx, self.ws.project.id, parent, active=False).id
            row = insert_code(tx, self.ws.project.id, code, parent_id)
            ids[code.name] = row.id
        self.summary.codes = len(ids)

    def themes(self) -> None:
        tx = self.tx
        rows = {}
        for theme in self.plan.new_themes:
            row = insert_theme(tx, self.ws.project.id, theme.name, theme.definition, uid=theme.uid)
            if theme.scope:
                tx.update("theme", row, scope=theme.scope)
            for name in theme.codes:
                code = find_code(tx, self.ws.project.id, self.project_code(name), active=False)
                if q.theme_code_row(tx.session, row.id, code.id) is None:
                    tx.insert("theme_code", theme_id=row.id, code_id=code.id)
            rows[theme.name] = row
        for theme in self.plan.new_themes:
            parent = rows.get(theme.parent or "")
            if parent is not None:
                tx.update("theme", rows[theme.name], parent_id=parent.id)
        self.summary.themes = len(rows)

    def codings(self, keys: dict[str, str]) -> None:
        by_user: dict[str, list[tuple[str, QdpxSelection, QdpxCoding]]] = {}
        for source in self.plan.sources:
            for selection in source.selections:
                for coding in selection.codings:
                    user = self.user_name(coding.user_guid or selection.user_guid)
                    by_user.setdefault(user, []).append((keys[source.guid], selection, coding))
        notes = {n.guid: n for n in self.project.notes}
        self.used_notes: set[str] = set()
        self.coding_memos: list[tuple[int, QdpxNote]] = []  # (coding id, note)
        tx, pid = self.tx, self.ws.project.id
        code_ids: dict[str, int] = {}
        lengths: dict[str, int] = {}
        self.existing_codings = 0
        # New codings go in with one executemany at the end; ``made`` holds the ones on
        # their way, so a coding the file gives twice is found like one already stored.
        rows: list[dict[str, object]] = []
        memos: list[list[QdpxNote]] = []
        made: set[tuple[int, int, int]] = set()
        for user, items in by_user.items():
            tx.coder_id = coder_row_id(tx.session, user)
            for key, selection, coding in items:
                name = self.plan.code_names[coding.code_guid]
                if name not in code_ids:
                    code_ids[name] = find_code(tx, pid, name, active=False).id
                code_id = code_ids[name]
                seg = resolve_segment(tx, pid, self.unit_ref(key, selection, lengths))
                self.used_notes.update(coding.notes)
                triple = (seg.id, code_id, tx.coder_id)
                if triple in made or q.coding_row(tx.session, *triple) is not None:
                    self.existing_codings += 1
                    self.notes_there.update(coding.notes)
                    continue  # already there (an earlier import of the same file)
                made.add(triple)
                attached = [notes[g] for g in coding.notes if g in notes and notes[g].text.strip()]
                memo = "\n\n".join(n.text for n in attached if n.name not in MEMO_KINDS)
                rows.append(
                    {"project_id": pid, "segment_id": seg.id, "code_id": code_id,
                     "coder_id": tx.coder_id, "created_at": _time(coding.created) or tx.time,
                     "memo": memo or None}
                )  # fmt: skip
                memos.append([n for n in attached if n.name in MEMO_KINDS])
        for row, kinds in zip(tx.insert_many("coding", rows), memos, strict=True):
            self.coding_memos += [(row["id"], n) for n in kinds]  # type: ignore[misc]
        self.summary.codings += len(rows)
        tx.coder_id = self.importer_id

    def unit_ref(self, key: str, selection: QdpxSelection, lengths: dict[str, int]) -> UnitRef:
        """Where a selection's codings go. A selection of the whole text is a coding of
        the whole document (what our export writes for one), unless one reading unit
        is the whole text, which the span finds by itself."""
        if key not in lengths:
            doc = find_document(self.tx, self.ws.project.id, key)
            lengths[key] = len(doc.text)
            self.doc_ids[key] = doc.id or 0
        if selection.start == 0 and selection.end == lengths[key]:
            unit = q.span_segment(self.tx.session, self.doc_ids[key], "unit", 0, lengths[key])
            if unit is None:
                return UnitRef(key)
        return UnitRef(key, start=selection.start, end=selection.end)

    def memos(self, keys: dict[str, str]) -> None:
        """Notes become memos on what refers to them (a document, code or theme), else on
        the project; a Note's name is its kind when it is one of ours."""
        targets: dict[str, tuple[str, str | None]] = {}
        for guid in self.project.project_notes:
            targets.setdefault(guid, ("project", None))
        for source in self.plan.sources:
            for guid in source.notes:
                targets.setdefault(guid, ("document", keys[source.guid]))
        codes = {c.uid: self.project_code(c.name) for c in self.project.codes}
        for code_guid_, guids in self.project.code_notes.items():
            for guid in guids:
                targets.setdefault(guid, ("code", codes.get(code_guid_)))
        themes = {t.uid: t.name for t in self.project.themes}
        for set_guid, guids in self.project.theme_notes.items():
            for guid in guids:
                if set_guid in themes:
                    targets.setdefault(guid, ("theme", themes[set_guid]))
        tx, pid = self.tx, self.ws.project.id
        for coding_id, note in self.coding_memos:
            tx.coder_id = coder_row_id(tx.session, self.user_name(note.user_guid))
            add_memo_in(tx, pid, note.text, "coding", coding_id, note.name)
            self.summary.memos += 1
        existing = self.existing_memos()
        for note in self.project.notes:
            if note.guid in self.used_notes:  # a coding's memo, written with the coding
                if note.guid in self.notes_there:
                    self.notes_existing += 1
                else:
                    self.notes_added += 1
                continue
            if not note.text.strip():
                self.project.problems.append(
                    QdpxProblem("notes", f"note {note.name or note.guid!r}", "empty")
                )
                continue
            target_type, target = targets.get(note.guid, ("project", None))
            kind = note.name if note.name in MEMO_KINDS else "note"
            text = (
                note.text
                if note.name in MEMO_KINDS or not note.name
                else f"{note.name}\n\n{note.text}"
            )
            writer = self.user_name(note.user_guid)
            if (
                writer,
                target_type,
                self.target_id(target_type, target),
                kind,
                text.strip(),
            ) in existing:
                self.notes_existing += 1
                continue  # imported before
            tx.coder_id = coder_row_id(tx.session, writer)
            if kind == "familiarisation" and target_type == "document":
                set_note_in(tx, pid, target_type, target, kind, text)
            else:
                add_memo_in(tx, pid, text, target_type, target, kind)
            self.summary.memos += 1
            self.notes_added += 1
        tx.coder_id = self.importer_id  # the event is the importer's

    def existing_memos(self) -> set[tuple[str, str, str | None, str, str]]:
        memos = q.memos(self.tx.session, self.ws.project.id)
        return {(m.coder, m.target_type, m.target, m.kind, m.text.strip()) for m in memos}

    def target_id(self, target_type: str, target: str | None) -> str | None:
        """The stored id of a memo's target, as ``q.memos`` reports it."""
        pid, session = self.ws.project.id, self.tx.session
        if target_type == "document" and target:
            row = q.document_row(session, pid, target)
        elif target_type == "code" and target:
            row = q.code_row(session, pid, target)
        elif target_type == "theme" and target:
            row = q.theme_row(session, pid, target)
        else:
            return None
        return str(row.id) if row is not None and row.id else None


def import_qdpx(ws: Workspace, path: Path, segment: str = "sentence") -> QdpxSummary:
    """Import a REFI-QDA project: its text sources, codes, themes, codings and notes."""
    path = Path(path)
    if not path.is_file():
        raise ServiceError(f"{path}: no such file")
    project = read_qdpx(path)
    return _Importer(ws, project, path.name, segment).run()
