"""The audit trail as CSV or JSON Lines, oldest first, for a methods appendix.

Each event keeps everything needed to check it later: sequence, time, coder, action,
target, the rows before and after (as canonical JSON, the form that was hashed) and the
hash chain. Written for a list of events so the service can stream pages of them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import BinaryIO

from coder.core.canonical import canonical
from coder.core.model import AuditEvent
from coder.formats import csvsafe

AUDIT_FORMATS = ("csv", "jsonl")
COLUMNS = ("seq", "time", "coder", "action", "target", "before", "after", "prev_hash", "hash")


def write_csv_header(out: BinaryIO) -> None:
    _write_rows(out, [COLUMNS])


def write_csv_events(events: Iterable[AuditEvent], out: BinaryIO) -> None:
    rows = (
        (e.seq, e.time, e.coder, e.action, e.target, canonical(e.before), canonical(e.after),
         e.prev_hash, e.hash)
        for e in events
    )  # fmt: skip
    _write_rows(out, rows)


def _write_rows(out: BinaryIO, rows: Iterable[Iterable[object]]) -> None:
    buffer = io.StringIO(newline="")
    csvsafe.writer(buffer, lineterminator="\n").writerows(rows)
    out.write(buffer.getvalue().encode("utf-8"))


def write_jsonl_events(events: Iterable[AuditEvent], out: BinaryIO) -> None:
    for e in events:
        record = {name: getattr(e, name) for name in COLUMNS}
        out.write((json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8"))


def write_audit(events: Iterable[AuditEvent], fmt: str, out: BinaryIO) -> None:
    """The whole trail in one call (the service pages through long trails itself)."""
    if fmt == "csv":
        write_csv_header(out)
        write_csv_events(events, out)
    elif fmt == "jsonl":
        write_jsonl_events(events, out)
    else:
        raise ValueError(f"unknown audit format {fmt!r}: use {', '.join(AUDIT_FORMATS)}")
