"""Reading and segmenting a large file in a second process.

An import does two kinds of work per record: parsing, sentence splitting and hashing
(pure CPU, about half the time: ``prepare_record``), and the checks and writes that need
the open transaction (near duplicates, keys, rows, inserts, the audit digest). The first
kind is done before the transaction opens (``services.importing`` spools it to disk so
that the project's write lock is held only for the second). On a machine with a second
core it runs in a child process, one file at a time, and comes back in order in batches
while the importer spools the previous ones. The in-process path runs the very same
``prepare_record``.

What the importer sees is exactly what reading in-process gives: the same records with
the same segments, bad records reported at the same point of the stream (collected, or
raised under ``strict``), the same file-level errors. Small files are read
in-process: starting a child costs more than they take.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl  # widening the pipe is a Linux nicety
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from coder.core.dedup import Fingerprint, content_hash, entry_for, fingerprint
from coder.core.model import DocumentRecord, nfc, text_hash
from coder.core.segmenting import segment_spans
from coder.formats.errors import FormatError
from coder.formats.records import MAX_RECORD_SIZE, ReadResult, iter_records

PARALLEL_BYTES = 8_000_000  # smaller files are read in-process (about 4,000 abstracts)
BATCH = 250  # records per message from the child
PIPE_BYTES = 1 << 20  # the child may run this far ahead (about one batch)


Spans = list[tuple[int, int, str | None]]


@dataclass
class Prepared:
    """One record and the costly parts of importing it: its content hash, its reading
    units (``segment_spans``) with the hash of each unit's text, and its duplicate-index
    fingerprint. The importer rebuilds the text and the unit rows from these, which
    costs less than carrying them between processes."""

    record: DocumentRecord
    digest: str
    spans: Spans
    hashes: list[str]
    fingerprint: Fingerprint


def document_text(record: DocumentRecord) -> str:
    """The document's stored text: its sections as ``segment_spans`` joins them, NFC."""
    return nfc("\n\n".join(s.text for s in record.sections if s.text))


def prepare_record(record: DocumentRecord, segment: str) -> Prepared:
    """What the importer needs of one record besides the open transaction."""
    text = document_text(record)
    spans = segment_spans(record.sections, segment)[1]
    hashes = [text_hash(text[start:end]) for start, end, _ in spans]
    return Prepared(record, content_hash(record), spans, hashes, fingerprint(entry_for(record)))


@dataclass
class PreparedFile:
    """Like ``formats.records.ReadResult``: ``problems`` is complete once ``records`` is
    exhausted."""

    format: str
    records: Iterator[Prepared]
    problems: list[FormatError] = field(default_factory=list)
    warnings: list[FormatError] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file, beyond its format: handed to the child as they are."""

    strict: bool = False
    max_record_size: int = MAX_RECORD_SIZE
    encoding: str | None = None


def read_prepared(
    path: Path,
    fmt: str,
    strict: bool,
    segment: str,
    parallel: bool | None = None,
    options: ReadOptions | None = None,
) -> PreparedFile:
    """Records of ``path`` with their segments; in a child process when ``parallel`` (by
    default: a large file on a machine with more than one core)."""
    options = options or ReadOptions(strict)
    if parallel is None:
        parallel = (os.cpu_count() or 1) > 1 and path.stat().st_size >= PARALLEL_BYTES
    if not parallel:
        result = _read(path, fmt, options)
        return PreparedFile(
            result.format,
            _prepare(result.records, segment),
            result.problems,
            result.warnings,
            result.note,
        )
    return _in_child(path, fmt, options, segment)


def _read(path: Path, fmt: str, options: ReadOptions) -> ReadResult:
    return iter_records(path, fmt, options.strict, options.max_record_size, options.encoding)


def _prepare(records: Iterator[DocumentRecord], segment: str) -> Iterator[Prepared]:
    for record in records:
        yield prepare_record(record, segment)


# ---- the child ------------------------------------------------------------------------
# A plain ``python -m coder.formats.prepared`` process (not multiprocessing, which would
# re-run the caller's main script in the child); it imports only the readers and the
# core, not the store. It writes pickled messages to a pipe, in order: ("format", (name,
# note)) once; ("records", [Prepared, ...]) any number of times; then ("done", (problems,
# warnings)) or ("error", FormatError | other exception). The pipe's buffer is the back pressure: the
# child waits while the importer is busy writing.


def _child(path: Path, fmt: str, options: ReadOptions, segment: str, out: BinaryIO) -> None:
    def send(kind: str, value: object) -> None:
        pickle.dump((kind, value), out, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        result = _read(path, fmt, options)
        send("format", (result.format, result.note))
        batch: list[Prepared] = []
        for item in _prepare(result.records, segment):
            batch.append(item)
            if len(batch) >= BATCH:
                send("records", batch)
                batch = []
        if batch:
            send("records", batch)
        send("done", (result.problems, result.warnings))
    except Exception as exc:  # sent to the parent, which raises it where reading would
        send("error", exc)
    out.flush()


class _Child:
    """The reading process and the pipe its messages come through, read by the importer's
    own thread: a reader thread would wait for the interpreter lock on every chunk of the
    pipe, and the child with it. On Linux the pipe is widened to hold a whole batch."""

    def __init__(self, path: Path, fmt: str, options: ReadOptions, segment: str) -> None:
        argv = [sys.executable, "-m", "coder.formats.prepared", str(path), fmt]
        argv += ["1" if options.strict else "", segment, str(options.max_record_size)]
        argv += [options.encoding or ""]
        # The child's stderr, read if it fails; closed in stop().
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115
        # The child finds this copy of coder however the parent found it.
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=self.errors, bufsize=PIPE_BYTES, env=env
        )
        assert self.process.stdout is not None
        self.stdout = self.process.stdout
        if fcntl is not None and hasattr(fcntl, "F_SETPIPE_SZ"):
            with contextlib.suppress(OSError):  # capped by /proc/sys/fs/pipe-max-size
                fcntl.fcntl(self.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)

    def next(self) -> tuple[str, object]:
        try:
            return pickle.load(self.stdout)
        except Exception:  # EOF or a broken stream: the child has ended
            self.process.wait()
            self.errors.seek(0)
            lines = self.errors.read().decode(errors="replace").strip().splitlines()
            last = lines[-1] if lines else f"exit code {self.process.returncode}"
            raise RuntimeError(f"the reading process ended unexpectedly: {last}") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.stdout.close()
        self.errors.close()


def _in_child(path: Path, fmt: str, options: ReadOptions, segment: str) -> PreparedFile:
    child = _Child(path, fmt, options, segment)
    try:
        kind, value = child.next()
        if kind == "error":
            raise value  # type: ignore[misc]
    except BaseException:
        child.stop()
        raise
    problems: list[FormatError] = []
    warnings: list[FormatError] = []
    name, note = value  # type: ignore[misc]
    return PreparedFile(name, _stream(child, problems, warnings), problems, warnings, note)


def _stream(
    child: _Child, problems: list[FormatError], warnings: list[FormatError]
) -> Iterator[Prepared]:
    try:
        while True:
            kind, value = child.next()
            if kind == "records":
                yield from value  # type: ignore[misc]
            elif kind == "done":
                problems.extend(value[0])  # type: ignore[index]
                warnings.extend(value[1])  # type: ignore[index]
                return
            else:
                raise value  # type: ignore[misc]
    finally:
        child.stop()  # also when the importer stops early (an error, a duplicate abort)


def child_main(argv: list[str]) -> None:
    """The child's entry: our messages get fd 1 to themselves; anything else printed goes
    to stderr."""
    out = os.fdopen(os.dup(1), "wb", buffering=PIPE_BYTES)
    os.dup2(2, 1)
    path, fmt, strict, segment, limit, encoding = argv
    options = ReadOptions(bool(strict), int(limit), encoding or None)
    _child(Path(path), fmt, options, segment, out)
    out.close()


if __name__ == "__main__":
    # Through the module's own name, so what is pickled names coder.services.reading
    # classes, not this __main__ copy of them.
    from coder.formats.prepared import child_main as _main

    _main(sys.argv[1:7])
