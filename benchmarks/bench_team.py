"""A team coding one project at once (issue 19), on SQLite and on PostgreSQL.

Figures per backend, for 1, 4 and 16 coders, each coder its own process with its own
connection (as a lab's workbenches are): codings per second sustained over the run, and
the p95 latency of one action (apply a code: one transaction, one audit event). The
baseline is the same backend's one-coder throughput measured in the same run, so the
ratio says how writing scales (the audit chain serialises writers: each write takes the
project row's lock to append the next event).

Also the delay before another coder sees a new coding: from the writer's commit to the
moment a ``live.Watcher`` (what the workbench's live view waits on) wakes up with it:
LISTEN/NOTIFY on PostgreSQL, a 0.25 s poll of the audit sequence on SQLite.

PostgreSQL runs when CODER_TEST_DATABASE_URL names a server (a scratch database is made
and dropped).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

from benchmarks.common import Result, report
from coder.core.model import Code, DocumentRecord, Section

DOCS = 200
CODES = 10
VOCAB = [
    "peer",
    "support",
    "ward",
    "staff",
    "risk",
    "trust",
    "recovery",
    "stigma",
    "carer",
    "nurse",
    "discharge",
    "group",
    "listening",
    "power",
    "hope",
    "boundary",
    "distress",
    "safety",
    "choice",
    "voice",
    "respect",
    "training",
    "team",
    "family",
    "crisis",
    "medication",
    "routine",
    "visit",
    "shift",
    "night",
    "meeting",
    "story",
    "identity",
    "role",
    "friendship",
    "conflict",
    "advice",
    "distance",
    "humour",
    "waiting",
]


def _records() -> list[DocumentRecord]:
    """Texts random enough that the importer's duplicate check keeps every one."""
    rng = random.Random(19)
    out = []
    for i in range(DOCS):
        sentences = [
            " ".join(rng.choice(VOCAB) for _ in range(12)).capitalize() + "." for _k in range(5)
        ]
        out.append(
            DocumentRecord(
                sections=[Section("Findings", " ".join(sentences))],
                title=f"Study {i} of {rng.choice(VOCAB)} and {rng.choice(VOCAB)}",
                authors=[f"Author{i} Person{i}"],
                year=2000 + i % 25,
            )
        )
    return out


def _build(url: str) -> list[str]:
    from coder.services.codes import create_code
    from coder.services.importing import add_records
    from coder.services.workspace import Workspace

    ws = Workspace.init(url, "team bench", "setup")
    try:
        _summary, keys = add_records(ws, _records(), source="bench.txt")
        assert len(keys) == DOCS, "the generated records must not look like duplicates"
        for c in range(CODES):
            create_code(ws, Code(name=f"code {c}"))
    finally:
        ws.close()
    return keys


def _coder(args: tuple[str, str, list[str], float, int]) -> list[float]:
    """One coder's process: apply codes for ``seconds``; the latency of each action."""
    from coder.services.coding import apply_code
    from coder.services.workspace import Workspace

    url, name, keys, seconds, offset = args
    ws = Workspace.open(url, name)
    latencies: list[float] = []
    try:
        end = time.perf_counter() + seconds
        i = offset
        while time.perf_counter() < end:
            key = keys[i % len(keys)]
            unit = 1 + (i // len(keys)) % 5
            code = f"code {(i // (len(keys) * 5)) % CODES}"
            t0 = time.perf_counter()
            apply_code(ws, f"{key}:{unit}", code)
            latencies.append(time.perf_counter() - t0)
            i += 1
    finally:
        ws.close()
    return latencies


def _load(url: str, keys: list[str], coders: int, seconds: float) -> tuple[float, float]:
    ctx = multiprocessing.get_context("fork")
    jobs = [(url, f"coder{coders}_{n}", keys, seconds, n * 37) for n in range(coders)]
    with ctx.Pool(coders) as pool:
        t0 = time.perf_counter()
        results = pool.map(_coder, jobs)
        wall = time.perf_counter() - t0
    latencies = sorted(x for r in results for x in r)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return len(latencies) / wall, p95


def _visibility(url: str, keys: list[str], samples: int) -> list[float]:
    """Seconds from a coding's commit to a watcher (another coder's view) waking with it."""
    from coder.services import live
    from coder.services.coding import apply_code
    from coder.services.workspace import Workspace

    viewer = Workspace.open(url, "viewer")
    writer = Workspace.open(url, "writer")
    watcher = live.Watcher(viewer)
    delays: list[float] = []
    try:
        for n in range(samples):
            start = live.head(viewer)
            committed: list[float] = []

            def write(n: int = n, committed: list[float] = committed) -> None:
                time.sleep(0.05 + (n % 7) * 0.03)  # not in step with the poll
                apply_code(writer, f"{keys[n]}:1", "code 0")
                committed.append(time.perf_counter())

            thread = threading.Thread(target=write)
            thread.start()
            while watcher.wait(start, timeout=5.0) <= start:
                pass
            woke = time.perf_counter()
            thread.join()
            delays.append(max(0.0, woke - committed[0]))
    finally:
        watcher.close()
        viewer.close()
        writer.close()
    return delays


def _backend(label: str, url: str, quick: bool) -> list[Result]:
    keys = _build(url)
    seconds = 2.0 if quick else 6.0
    results = []
    base = None
    for coders in (1, 4, 16):
        rate, p95 = _load(url, keys, coders, seconds)
        base = base or rate
        results.append(
            report(Result(f"{label}: {coders} coders, codings/s", rate, "/s", baseline=base))
        )
        results.append(
            report(Result(f"{label}: {coders} coders, p95 per action", p95 * 1000, "ms"))
        )
    delays = sorted(_visibility(url, keys, 10 if quick else 30))
    results.append(
        report(
            Result(
                f"{label}: seen by another coder, median", statistics.median(delays) * 1000, "ms"
            )
        )
    )
    results.append(report(Result(f"{label}: seen by another coder, max", delays[-1] * 1000, "ms")))
    return results


def main(quick: bool = False) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += _backend("sqlite", str(Path(tmp) / "team.db"), quick)
    admin = os.environ.get("CODER_TEST_DATABASE_URL")
    if not admin:
        print("PostgreSQL skipped: set CODER_TEST_DATABASE_URL")
        return results
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"coder_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        results += _backend("postgres", url, quick)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    return results
