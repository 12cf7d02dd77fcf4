"""Importing search results and reference files into the project.

One ``import_files`` call is one transaction and one audit event. A record that cannot be
read is left out and reported with its file and line, and the rest imports; under
``strict`` it stops the import and leaves the project exactly as it was. Records stream
from the readers through a spool file and go to the store in batches, so memory stays
flat on 100,000-record files; parsing and duplicate checks happen before the write lock
is taken, which is held only to insert.

A folder given to the import stands for every file under it (hidden ones aside): those
are files the user did not name one by one, so a file of which nothing can be read (a
README, a PDF) is reported as refused and the others import; a file named on its own is
still refused with the import.
"""

from __future__ import annotations

import json
import pickle
import re
import tempfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from coder.core.citekeys import ascii_fold, base_key, unique_key
from coder.core.dedup import DedupEntry, DuplicateIndex, entry_for, first_author
from coder.core.model import DocumentRecord
from coder.core.segmenting import span_turns
from coder.formats.errors import FormatError
from coder.formats.prepared import (
    Prepared,
    ReadOptions,
    document_text,
    prepare_record,
    read_prepared,
)
from coder.formats.records import MAX_RECORD_SIZE
from coder.services.coding import CONTEXT_CHARS
from coder.services.workspace import ServiceError, Workspace
from coder.store import audit, bulk
from coder.store.audit import json_string as _js
from coder.store.db import Session, Tx

SEGMENT_MODES = ("sentence", "section", "paragraph", "whole", "turn")
BATCH = 250
# A unit tuple (``bulk.SEGMENT_COLUMNS``) opens with the fields its digest covers.
_DIGESTED = len(audit.DIGEST_SEG_FIELDS)
# A document's values in ``audit.DIGEST_DOC_FIELDS_V2`` order (a tuple: the same JSON array).
_digest_fields = itemgetter(*audit.DIGEST_DOC_FIELDS_V2)


@dataclass
class FileSummary:
    file: str
    format: str = ""
    added: int = 0
    exact_duplicates: int = 0
    possible_duplicates: list[tuple[int | None, str, float, str]] = field(default_factory=list)
    without_abstract: int = 0
    # Records left out (unreadable, empty or oversized ones), as "file:line: why" lines.
    skipped: list[str] = field(default_factory=list)
    # Records read despite something odd, and notes on the file (bytes replaced, an
    # encoding guessed): the FormatErrors, so that --json can give file and line apart.
    warnings: list[FormatError] = field(default_factory=list)
    problems: list[FormatError] = field(default_factory=list)  # the skipped, as errors
    note: str = ""  # why the format was chosen, when it was detected
    refused: str = ""  # why nothing of the file was read (a file found in a folder)

    def line(self) -> str:
        if self.refused:
            return f"{self.file}: refused: {self.refused}"
        parts = [
            f"{self.added} added",
            f"{self.exact_duplicates} exact duplicates skipped",
            f"{len(self.possible_duplicates)} possible duplicates",
            f"{self.without_abstract} without abstract",
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} records left out")
        parts.append(f"{len(self.warnings)} warnings")
        return f"{self.file} ({self.format}): " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """The summary for ``--json``: warnings and left-out records with file:line."""

        def notes(errors: list[FormatError]) -> list[dict[str, Any]]:
            return [
                {"where": e.where(), "file": e.file, "line": e.line, "message": e.message}
                for e in errors
            ]

        return {
            "file": self.file,
            "format": self.format,
            "detected": self.note or None,
            "refused": self.refused or None,
            "added": self.added,
            "duplicates": self.exact_duplicates,
            "possible_duplicates": [
                {"line": line, "key": key, "score": round(score, 1), "reason": reason}
                for line, key, score, reason in self.possible_duplicates
            ],
            "without_abstract": self.without_abstract,
            "left_out": notes(self.problems),
            "warnings": notes(self.warnings),
        }


def _json_list(items: list[str]) -> str:
    """``json.dumps(items, ensure_ascii=False)`` for a list of strings (authors,
    keywords), the same bytes without an encoder per call."""
    if all(type(item) is str for item in items):
        return f"[{', '.join(map(_js, items))}]"
    return _json(items)


def _json_sections(sections: list[tuple[str | None, int, int]]) -> str:
    """``json.dumps([{"heading": h, "start": a, "end": b}, ...], ensure_ascii=False)``."""
    return (
        "["
        + ", ".join(
            f'{{"heading": {"null" if h is None else _js(h)}, "start": {a}, "end": {b}}}'
            for h, a, b in sections
        )
        + "]"
    )


def _json_turns(record: DocumentRecord) -> str:
    """The sections of a transcript, each with its speaker and times where it has them."""
    out, offset = [], 0
    for section in record.sections:
        if not section.text:
            continue
        item: dict[str, Any] = {
            "heading": section.heading,
            "start": offset,
            "end": offset + len(section.text),
        }
        for name in ("speaker", "start_ms", "end_ms"):
            if getattr(section, name) is not None:
                item[name] = getattr(section, name)
        out.append(item)
        offset += len(section.text) + 2
    return _json(out)


# ``json.dumps(value, ensure_ascii=False)`` without building an encoder per call.
_json = json.JSONEncoder(ensure_ascii=False).encode


def _units(text: str, prepared: Prepared) -> list[tuple]:
    """The reading units as rows in ``bulk.SEGMENT_COLUMNS`` order (without the document
    id): a sentence is a few words, so a dict or an object per unit would cost more than
    the unit. Units of a transcript carry their turn's speaker and times (three more
    columns, ``bulk.TURN_COLUMNS``); other units leave them out, as NULL."""
    turns = span_turns(prepared.record.sections, prepared.spans)
    if turns is not None:
        return [
            (
                i,
                heading,
                start,
                end,
                unit_hash,
                text[max(0, start - CONTEXT_CHARS) : start],
                text[end : end + CONTEXT_CHARS],
                *turn,
            )
            for i, ((start, end, heading), unit_hash, turn) in enumerate(
                zip(prepared.spans, prepared.hashes, turns, strict=True), start=1
            )
        ]
    return [
        (
            i,
            heading,
            start,
            end,
            unit_hash,
            text[max(0, start - CONTEXT_CHARS) : start],
            text[end : end + CONTEXT_CHARS],
        )
        for i, ((start, end, heading), unit_hash) in enumerate(
            zip(prepared.spans, prepared.hashes, strict=True), start=1
        )
    ]


def _file_key(name: str) -> str:
    """A document key from a file name: "Interview P3 (final).docx" -> "interview_p3_final"."""
    return re.sub(r"[^a-z0-9]+", "_", ascii_fold(name).lower()).strip("_") or "document"


def _document_rows(
    record: DocumentRecord, key: str, source: str, fmt: str, text: str, ordinal: int, digest: str
) -> dict[str, Any]:
    """The document row (``text``: ``formats.prepared.document_text`` of the record)."""
    sections = []
    offset = 0
    turns = False
    for section in record.sections:
        if not section.text:
            continue
        sections.append((section.heading, offset, offset + len(section.text)))
        offset += len(section.text) + 2
        turns = turns or section.speaker is not None or section.start_ms is not None
    return {
        "key": key,
        "source_file": source,
        "source_format": fmt,
        "type": record.type,
        "title": record.title,
        "authors": _json_list(record.authors),
        "year": record.year,
        "date": record.date,
        "journal": record.journal,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "issn": record.issn,
        "doi": record.doi,
        "keywords": _json_list(record.keywords),
        "sections": _json_turns(record) if turns else _json_sections(sections),
        "text": text,
        "has_abstract": bool(text.strip()),
        "content_hash": digest,
        "ordinal": ordinal,
    }


class _Importer:
    """The record loop shared by file imports and programmatic ones: exact duplicates by
    content hash, near duplicates by the blocking index, keys, rows, batches, digest."""

    def __init__(
        self,
        session: Session,
        project_id: int,
        segment: str,
        keep_duplicates: bool,
        sink: Callable[[list[dict[str, Any]], list[list[tuple]]], None],
    ) -> None:
        """``session``: where the project's documents are read (the write transaction's,
        or a read before it); ``sink(docs, units)`` takes each batch of rows."""
        if segment not in SEGMENT_MODES:
            raise ServiceError(f"unknown segmentation {segment!r}: use {', '.join(SEGMENT_MODES)}")
        self.project_id, self.sink = project_id, sink
        self.segment, self.keep_duplicates = segment, keep_duplicates
        existing = bulk.existing_documents(session, project_id)
        self.taken = {row[0] for row in existing}
        self.hashes = {row[1] for row in existing}
        self.index = DuplicateIndex()
        for key, _hash, title, doi, authors, year, text in existing:
            self.index.add(
                DedupEntry(key, title, doi, first_author(json.loads(authors)), year, text)
            )
        self.ordinal = bulk.max_ordinal(session, project_id)
        self.digests: list[str] = []
        self.docs: list[dict[str, Any]] = []
        self.segs: list[list[tuple]] = []
        self.keys: list[str] = []
        self.batches = 0  # handed to the sink

    def add(
        self,
        record: DocumentRecord,
        source: str,
        summary: FileSummary,
        prepared: Prepared | None = None,
    ) -> str | None:
        """Queue one record; returns its key, or None when it was a duplicate.
        ``prepared``: ``prepare_record`` of it, when a reading process already made it."""
        if prepared is None:
            prepared = prepare_record(record, self.segment)
        digest = prepared.digest
        if digest in self.hashes:
            summary.exact_duplicates += 1
            return None
        entry = entry_for(record)
        # A whole document (an interview) is its own file: two interviews that open with
        # the same introduction and are named "Interview P1" and "Interview P2" are not
        # duplicates, so only an identical text (above) counts for them.
        matches = None if record.key else self.index.find(entry, prepared.fingerprint)
        if matches and not self.keep_duplicates:
            match_key, score, reason = matches[0]
            summary.possible_duplicates.append((record.line, match_key, score, reason))
            return None
        base = (
            _file_key(record.key)
            if record.key
            else base_key(record.authors, record.year, record.text, record.title)
        )
        key = unique_key(base, self.taken)
        self.taken.add(key)
        self.hashes.add(digest)
        entry.key = key
        self.index.add(entry)
        self.ordinal += 1
        text = document_text(record)
        units = _units(text, prepared)
        doc = _document_rows(record, key, source, summary.format, text, self.ordinal, digest)
        doc["import_seq"] = None  # stamped with the event number at the end
        self.docs.append(doc)
        self.segs.append(units)
        self.digests.append(
            audit.digest_values(_digest_fields(doc), [unit[:_DIGESTED] for unit in units])
        )
        self.keys.append(key)
        summary.added += 1
        summary.without_abstract += not doc["has_abstract"]
        if len(self.docs) >= BATCH:
            self.flush()
        return key

    def flush(self) -> None:
        if self.docs:
            self.sink(self.docs, self.segs)
            self.batches += 1
        self.docs, self.segs = [], []

    def finish(self, tx: Tx, summaries: list[FileSummary]) -> None:
        """Describe the import in its audit event (``flush`` first: every row written)."""
        if not self.digests:
            return  # nothing imported: no event
        tx.info.update(
            {
                "files": [
                    {"file": s.file, "format": s.format, "added": s.added, "duplicates": s.exact_duplicates,
                     "possible_duplicates": len(s.possible_duplicates), "skipped": len(s.skipped),
                     "warnings": len(s.warnings)} | ({"refused": s.refused} if s.refused else {})
                    for s in summaries
                ],
                "documents": len(self.digests),
                "digest": audit.combine_digests(self.digests),
                "digest_version": audit.DIGEST_VERSION,
                "context_chars": CONTEXT_CHARS,
            }
        )  # fmt: skip
        bulk.stamp_import(tx, self.project_id)


def _into(tx: Tx, project_id: int) -> Callable[[list[dict[str, Any]], list[list[tuple]]], None]:
    """A sink that inserts each batch in the transaction."""
    return lambda docs, segs: bulk.insert_documents(tx, project_id, docs, segs)


def files_under(paths: Iterable[Path], skip: Collection[Path] = ()) -> list[tuple[Path, str, bool]]:
    """``(file, name to report, found in a folder)`` for the paths given: a file as it is,
    a folder as every file under it (recursively, in name order, hidden files and folders
    skipped), named by its path from the folder. Files in ``skip`` (REFI-QDA projects the
    caller imports on their own) are left out."""
    found: list[tuple[Path, str, bool]] = []
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*")):
                relative = file.relative_to(path)
                if any(part.startswith(".") for part in relative.parts) or not file.is_file():
                    continue
                if file in skip:
                    continue
                found.append((file, (Path(path.name) / relative).as_posix(), True))
        elif path.is_file():
            if path not in skip:
                found.append((path, path.name, False))
        else:
            raise ServiceError(f"{path}: no such file or folder")
    return found


def import_files(
    ws: Workspace,
    paths: Iterable[Path],
    fmt: str = "auto",
    segment: str = "sentence",
    keep_duplicates: bool = False,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    parallel: bool | None = None,
    max_record_size: int = MAX_RECORD_SIZE,
    encoding: str | None = None,
    file_progress: Callable[[int, int, str], None] | None = None,
    skip: Collection[Path] = (),
) -> list[FileSummary]:
    """Import files (and every file under a folder) in one transaction; raises
    FormatError (nothing written) on bad input. ``parallel``: read and segment in a
    second process (default: for large files, see ``formats.prepared``).
    ``file_progress(done, total, name)`` is told as each file begins; ``skip``: files
    (under a folder given) to leave out.

    The files are read, segmented, checked for duplicates and made into rows first, into
    a spool file on disk (memory stays at a batch, whatever the size of the files), while
    a second process parses; the project's write lock is then held only to insert, so a
    long import does not keep a colleague from coding for the minutes its parsing takes.
    If documents came or went meanwhile, the checks are made again under the lock."""
    files = files_under(list(paths), skip)
    if not files:
        raise ServiceError("no files to import (the folders given hold none)")
    if segment not in SEGMENT_MODES:
        raise ServiceError(f"unknown segmentation {segment!r}: use {', '.join(SEGMENT_MODES)}")
    options = ReadOptions(strict, max_record_size, encoding)
    what = ", ".join(name for _, name, _ in files[:20])
    if len(files) > 20:
        what += f", ... ({len(files)} files)"
    reading = _Reading(files, fmt, segment, parallel, options, progress, file_progress)
    with tempfile.TemporaryFile(prefix="coder-import-") as rows:
        # Read, check for duplicates and build every row before the write lock, against
        # the project as it is now; the parsing process and this one work side by side.
        with ws.read() as session:
            state = bulk.documents_state(session, ws.project.id)
            importer = _Importer(
                session, ws.project.id, segment, keep_duplicates, _spool_into(rows)
            )
        summaries = reading.run(importer)
        importer.flush()
        rows.seek(0)
        with ws.write("import", what) as tx:
            if bulk.documents_state(tx.session, ws.project.id) == state:
                for _ in range(importer.batches):
                    bulk.insert_documents(tx, ws.project.id, *pickle.load(rows))
                importer.finish(tx, summaries)
                return summaries
    # Documents came or went while the files were read (a colleague's import): the
    # duplicate checks and keys are made again against the project as it is, this time
    # inside the transaction.
    with ws.write("import", what) as tx:
        importer = _Importer(
            tx.session, ws.project.id, segment, keep_duplicates, _into(tx, ws.project.id)
        )
        summaries = reading.run(importer)
        importer.flush()
        importer.finish(tx, summaries)
    return summaries


def _spool_into(spool: BinaryIO) -> Callable[[list[dict[str, Any]], list[list[tuple]]], None]:
    """A sink that pickles each batch of rows into ``spool`` (to insert under the lock)."""

    def sink(docs: list[dict[str, Any]], segs: list[list[tuple]]) -> None:
        pickle.dump((docs, segs), spool, protocol=pickle.HIGHEST_PROTOCOL)

    return sink


@dataclass
class _Reading:
    """The files of one import and how to read them; ``run`` feeds their records to an
    importer and returns each file's summary."""

    files: list[tuple[Path, str, bool]]
    fmt: str
    segment: str
    parallel: bool | None
    options: ReadOptions
    progress: Callable[[int], None] | None
    file_progress: Callable[[int, int, str], None] | None
    seen: int = 0  # records read so far, for ``progress``

    def run(self, importer: _Importer) -> list[FileSummary]:
        """A file named on its own goes straight to the importer, record by record, as the
        reading process makes them (a bad file raises: nothing is written). A file found in
        a folder is read whole first, into a spool file: one of which nothing can be read
        (a README, broken XML, a strict import's bad record) is refused and none of its
        records reach the importer."""
        summaries: list[FileSummary] = []
        self.seen = 0
        with tempfile.TemporaryFile(prefix="coder-read-") as held:
            for done, (path, name, in_folder) in enumerate(self.files):
                if self.file_progress:
                    self.file_progress(done, len(self.files), name)
                try:
                    summaries.append(self._file(path, name, importer, held if in_folder else None))
                except FormatError as exc:
                    if not in_folder:
                        raise
                    summaries.append(FileSummary(name, refused=_refusal(exc)))
        if self.file_progress:
            self.file_progress(len(self.files), len(self.files), "")
        return summaries

    def _file(
        self, path: Path, name: str, importer: _Importer, held: BinaryIO | None
    ) -> FileSummary:
        """One file's records to the importer: straight away, or (``held``: a file from a
        folder) only once the whole file has been read, from ``held``."""
        result = read_prepared(
            path, self.fmt, self.options.strict, self.segment, self.parallel, self.options
        )
        summary = FileSummary(name, result.format, note=result.note)
        if held is not None:
            held.seek(0)
            held.truncate()
        batches = 0
        batch: list[Prepared] = []
        for item in result.records:
            self.seen += 1
            if self.progress and self.seen % 500 == 0:
                self.progress(self.seen)
            if held is None:
                importer.add(item.record, name, summary, item)
            else:
                batch.append(item)
                if len(batch) >= BATCH:
                    pickle.dump(batch, held, protocol=pickle.HIGHEST_PROTOCOL)
                    batches, batch = batches + 1, []
        if held is not None:
            pickle.dump(batch, held, protocol=pickle.HIGHEST_PROTOCOL)
            held.seek(0)
            for _ in range(batches + 1):
                for item in pickle.load(held):
                    importer.add(item.record, name, summary, item)
        summary.problems = list(result.problems)
        summary.skipped = [str(p) for p in result.problems]
        summary.warnings = list(result.warnings)
        return summary


def _refusal(error: FormatError) -> str:
    where = f"line {error.line}: " if error.line is not None else ""
    return where + error.message


def add_records_in(
    tx: Tx,
    project_id: int,
    records: Iterable[DocumentRecord],
    source: str = "(added)",
    fmt: str = "records",
    segment: str = "sentence",
    keep_duplicates: bool = False,
) -> tuple[FileSummary, list[str]]:
    """``add_records`` inside an open transaction. The documents are stamped with the
    number of the next audit event, so this must be the transaction's first change set
    and the caller must close it as the "import" event (``tx.checkpoint``, or the end of
    the ``write`` block) before writing anything else."""
    if tx.changed:
        raise RuntimeError("add_records_in must begin its own change set: checkpoint first")
    summary = FileSummary(source, fmt)
    importer = _Importer(tx.session, project_id, segment, keep_duplicates, _into(tx, project_id))
    for record in records:
        importer.add(record, source, summary)
    importer.flush()
    importer.finish(tx, [summary])
    return summary, importer.keys


def add_records(
    ws: Workspace,
    records: Iterable[DocumentRecord],
    source: str = "(added)",
    fmt: str = "records",
    segment: str = "sentence",
    keep_duplicates: bool = False,
) -> tuple[FileSummary, list[str]]:
    """Import records that are already parsed (REFI-QDA sources, merges, tests): the same
    checks and one audited event as a file import. Returns the summary and the new keys."""
    with ws.write("import", source) as tx:
        return add_records_in(tx, ws.project.id, records, source, fmt, segment, keep_duplicates)


__all__ = [
    "FormatError",
    "FileSummary",
    "add_records",
    "add_records_in",
    "files_under",
    "import_files",
    "SEGMENT_MODES",
]
