"""Bulk actions on the shared 10k corpus (``../shared/tools/gen_corpus.py``), each beside a
raw sqlite3 floor measured in the same run (issue 14):

- batch apply of the corpus's 30,000 codings (``coder code apply --from``, one action) and
  its undo, against sqlite3 inserting / deleting the same rows (target <= 5x each);
- autocode of ~16,000 codings (``--query staff`` on the first 5,000 records, as measured
  beside qc and Taguette): target under 2 s;
- export codings csv, against a plain SQL join written with csv (target <= 3x);
- audit verify at 30,000 and 300,000 events, time beside sqlite3 reading and hashing the
  same trail, and peak RSS in a child process (target < 120 MB, flat);
- ``coder codes --json`` as a process, beside a python process running the same query
  with sqlite3 (target < 0.35 s).

``CODER_BENCH_BULK=verify`` (or a comma list of batch, export, autocode, verify, codes)
runs only those steps; the batch is always applied, undone and redone, since the verify
trail holds it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import CHILD_PEAK, Result, report, timer

GEN = Path(__file__).resolve().parents[1].parent / "shared" / "tools" / "gen_corpus.py"
if not GEN.exists():
    GEN = Path("/work/shared/tools/gen_corpus.py")


def corpus(n: int, work: Path) -> Path:
    out = work / f"corpus-{n}"
    subprocess.run(
        [sys.executable, str(GEN), "-n", str(n), "--out", str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


def project(db: Path, ris: Path, codes: list[dict]):
    from coder.core.model import Code
    from coder.services.codes import create_code
    from coder.services.importing import import_files
    from coder.services.workspace import Workspace

    ws = Workspace.init(str(db), "bench", coder="alice")
    import_files(ws, [ris], keep_duplicates=True)
    for c in codes:
        create_code(ws, Code(name=c["name"], definition=c.get("description", "")))
    return ws


def settle(db: Path) -> None:
    """Fold the WAL into the file, so a copy of the file holds every change."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def copy(db: Path, target: Path) -> Path:
    settle(db)
    shutil.copy(db, target)
    return target


def doc_keys(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT key FROM document ORDER BY ordinal, id")]


def batch_csv(corpus_dir: Path, db: Path, out: Path) -> int:
    """The corpus's codings as a coder batch file: document key, start, end, code. The
    corpus gives offsets into its own text; coder lifts inline headings ("Methods:") out
    of the text, so each coded sentence is found again in coder's text."""
    with sqlite3.connect(db) as conn:
        texts = conn.execute("SELECT key, text FROM document ORDER BY ordinal, id").fetchall()
    source = [
        json.loads(line)["text"] for line in (corpus_dir / "abstracts.jsonl").open(encoding="utf-8")
    ]
    rows = list(csv.DictReader((corpus_dir / "codings.csv").open(encoding="utf-8")))
    written = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["document", "start", "end", "code"])
        for r in rows:
            i = int(r["doc"][3:]) - 1
            key, text = texts[i]
            sentence = source[i][int(r["start"]) : int(r["end"])]
            pos = text.find(sentence)
            if pos < 0 and ": " in sentence[:20]:
                sentence = sentence.split(": ", 1)[1]
                pos = text.find(sentence)
            if pos >= 0:
                writer.writerow([key, pos, pos + len(sentence), r["code"]])
                written += 1
    return written


def floor_insert(db: Path, seq_after: int) -> tuple[float, float]:
    """sqlite3 deleting and re-inserting exactly the coding rows the batch made."""
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT id, project_id, segment_id, code_id, coder_id, created_at, memo FROM coding"
    ).fetchall()
    with timer() as delete_time:
        conn.executemany("DELETE FROM coding WHERE id = ?", [(r[0],) for r in rows])
        conn.commit()
    with timer() as insert_time:
        conn.executemany("INSERT INTO coding VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        conn.commit()
    conn.close()
    return insert_time(), delete_time()


EXPORT_FLOOR_SQL = """
SELECT d.key, s.heading, s.ordinal, s.start, s."end", substr(d.text, s.start + 1, s."end" - s.start),
       c.name, u.name, g.created_at, g.memo
FROM coding g JOIN segment s ON s.id = g.segment_id JOIN document d ON d.id = s.document_id
JOIN code c ON c.id = g.code_id JOIN coder u ON u.id = g.coder_id
ORDER BY d.ordinal, d.id, s.start, g.id
"""


def export_floor(db: Path) -> None:
    conn = sqlite3.connect(db)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["key", "section", "unit", "start", "end", "text", "code", "coder", "time", "memo"]
    )
    writer.writerows(conn.execute(EXPORT_FLOOR_SQL))
    conn.close()


def add_events(db: Path, count: int) -> None:
    """Append ``count`` valid single-memo events (a long team trail) straight with sqlite3,
    chained exactly as coder chains them."""
    from coder.store.audit import canonical, event_hash

    conn = sqlite3.connect(db)
    pid, seq, prev = conn.execute("SELECT id, last_seq, last_hash FROM project").fetchone()
    coder_id = conn.execute("SELECT id FROM coder WHERE name = 'alice'").fetchone()[0]
    next_id = (conn.execute("SELECT max(id) FROM memo").fetchone()[0] or 0) + 1
    memos, events = [], []
    for i in range(count):
        seq += 1
        time = f"2026-01-01T00:00:00.{i % 1000000:06d}+00:00"
        row = {
            "id": next_id + i, "project_id": pid, "coder_id": coder_id, "target_type": "project",
            "target_id": None, "kind": "journal", "text": f"journal entry {i} " * 4,
            "created_at": time, "updated_at": time,
        }  # fmt: skip
        key = f"memo:{row['id']}"
        before = canonical({"rows": {key: None}})
        after = canonical({"rows": {key: row}})
        digest = event_hash(prev, seq, time, "alice", "memo.add", "journal", before, after)
        memos.append(tuple(row.values()))
        events.append((pid, seq, time, "alice", "memo.add", "journal", before, after, prev, digest))
        prev = digest
    conn.executemany(
        "INSERT INTO memo (id, project_id, coder_id, target_type, target_id, kind, text, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        memos,
    )
    conn.executemany(
        "INSERT INTO audit_event (project_id, seq, time, coder, action, target, before, after, "
        "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events,
    )
    conn.execute("UPDATE project SET last_seq = ?, last_hash = ?", (seq, prev))
    conn.commit()
    conn.close()


VERIFY_CHILD = (
    CHILD_PEAK
    + """
import json, sys, time
from coder.services.workspace import Workspace
from coder.services.history import verify
ws = Workspace.open(sys.argv[1])
t = time.perf_counter()
result = verify(ws)
elapsed = time.perf_counter() - t
print(json.dumps([result.ok, result.checked, elapsed, peak_mb()]))
"""
)


def verify_in_child(db: Path) -> tuple[bool, int, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", VERIFY_CHILD, str(db)], check=True, capture_output=True, text=True
    ).stdout
    ok, checked, elapsed, rss = json.loads(out)
    return ok, checked, elapsed, rss


def verify_floor(db: Path) -> float:
    """sqlite3 reading every event and hashing it: the least a chain check costs."""
    conn = sqlite3.connect(db)
    with timer() as elapsed:
        prev = "0" * 64
        for row in conn.execute(
            "SELECT prev_hash, seq, time, coder, action, target, before, after, hash "
            "FROM audit_event ORDER BY seq"
        ):
            payload = json.dumps(list(row[:8]), separators=(",", ":"), ensure_ascii=False)
            hashlib.sha256(payload.encode()).hexdigest()
            json.loads(row[7])
            prev = row[8]
    conn.close()
    assert prev
    return elapsed()


def process_time(args: list[str], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        with timer() as elapsed:
            subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        best = min(best, elapsed())
    return best


CODES_FLOOR = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute("SELECT c.name, count(g.id) FROM code c LEFT JOIN coding g ON g.code_id = c.id GROUP BY c.id ORDER BY c.\\"order\\"").fetchall()
print(json.dumps([{"name": n, "codings": k} for n, k in rows], indent=2))
"""


def main(quick: bool = False, steps: set[str] | None = None) -> list[Result]:
    """``steps`` (``--steps``, else $CODER_BENCH_BULK): which steps to measure."""
    from coder.services import history
    from coder.services.batch import apply_batch, read_batch_file

    n = 1000 if quick else 10000
    if steps is None:
        steps = set(
            os.environ.get("CODER_BENCH_BULK", "batch,export,autocode,verify,codes").split(",")
        )
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="coder-bulk-") as tmp:
        work = Path(tmp)
        data = corpus(n, work)
        codes = json.loads((data / "codes.json").read_text(encoding="utf-8"))
        db = work / "bulk.db"
        ws = project(db, data / "corpus.ris", codes)
        batch = work / "batch.csv"
        rows = batch_csv(data, db, batch)

        # ---- batch apply and its undo ------------------------------------------------
        with timer() as apply_time:
            items, problems = read_batch_file(batch)
            result = apply_batch(ws, items, "code.apply", batch.name, True, str(batch))
        print(
            f"  batch: {rows:,} rows, {result.added:,} codings added, "
            f"{len(result.skipped):,} skipped"
        )
        with timer() as undo_time:
            history.undo(ws)
        history.redo(ws)
        ws.close()
        if "batch" in steps:
            floor_db = copy(db, work / "floor.db")
            floor_in, floor_out = floor_insert(floor_db, 0)
            results.append(
                report(
                    Result(
                        f"batch apply {result.added:,} codings", apply_time(), "s", floor_in, 5.0
                    )
                )
            )
            results.append(report(Result("undo of the batch", undo_time(), "s", floor_out, 5.0)))

        if "export" in steps:
            _export(db, results)
        if "autocode" in steps:
            _autocode(n, work, codes, results)
        if "verify" in steps:
            _verify(db, work, quick, results)
        if "codes" in steps:
            _codes(db, results)
    return results


def _export(db: Path, results: list[Result]) -> None:
    from coder.services import exports
    from coder.services.workspace import Workspace

    ws = Workspace.open(str(db), coder="alice")
    with timer() as export_time:
        exports.export_codings(ws, "csv", io.BytesIO())
    with timer() as floor_export:
        export_floor(db)
    results.append(report(Result("export codings csv", export_time(), "s", floor_export(), 3.0)))
    ws.close()


def _autocode(n: int, work: Path, codes: list[dict], results: list[Result]) -> None:
    from coder.services.coding import apply_code_many
    from coder.services.search import search_segments

    half = corpus(n // 2, work)
    auto_db = work / "auto.db"
    ws = project(auto_db, half / "corpus.ris", codes)
    with timer() as auto_time:
        hits = search_segments(ws, "staff")
        added = apply_code_many(ws, [h.ref for h in hits], codes[0]["name"], "autocode")
    ws.close()
    settle(auto_db)
    floor_auto = floor_insert(auto_db, 0)[0]
    results.append(
        report(Result(f"autocode 'staff': {added:,} codings", auto_time(), "s", floor_auto))
    )
    results.append(report(Result("autocode against its 2 s target", auto_time(), "s", 2.0, 1.0)))


def _verify(db: Path, work: Path, quick: bool, results: list[Result]) -> None:
    """audit verify at 30k and 300k events: time beside the floor, peak RSS in a child."""
    rss: list[float] = []
    for events in (30_000, 300_000) if not quick else (3_000, 30_000):
        trail = copy(db, work / f"trail-{events}.db")
        with sqlite3.connect(trail) as conn:
            have = conn.execute("SELECT last_seq FROM project").fetchone()[0]
        add_events(trail, max(0, events - have))
        ok, checked, elapsed, peak = verify_in_child(trail)
        assert ok, f"verify failed on the generated trail of {events} events"
        results.append(
            report(Result(f"audit verify {checked:,} events", elapsed, "s", verify_floor(trail)))
        )
        results.append(
            report(Result(f"audit verify {checked:,} events peak RSS", peak, "MiB", 120.0, 1.0))
        )
        rss.append(peak)
        trail.unlink()
    results.append(
        report(Result("verify peak RSS, 10x the events vs 1x", rss[1], "MiB", rss[0], 1.25))
    )


def _codes(db: Path, results: list[Result]) -> None:
    coder_bin = Path(sys.executable).with_name("coder")
    codes_time = process_time([str(coder_bin), "codes", "--json", "--db", str(db)])
    floor_codes = process_time([sys.executable, "-c", CODES_FLOOR, str(db)])
    results.append(report(Result("coder codes --json (process)", codes_time, "s", floor_codes)))
    results.append(report(Result("coder codes --json against 0.35 s", codes_time, "s", 0.35, 1.0)))
