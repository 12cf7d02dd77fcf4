"""Several coders writing at once, each in their own process: SQLite with 4 writers,
PostgreSQL with 16. Every action of every coder lands exactly once: each coder's codings
and memos are exactly what their planned actions leave, the trail holds exactly one event
per change, and the chain verifies."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from coder.services import history
from tests.reliability.sessions import CODE_NAMES, seeded, start, stored
from tests.reliability.worker import plan, simulate


def run_writers(db: str, writers: int, actions: int) -> None:
    ws, refs = seeded(db)
    try:
        with ws.db.engine.connect() as conn:
            base = conn.execute(text("SELECT COUNT(*) FROM audit_event")).scalar()
        coders = [f"writer{i}" for i in range(writers)]
        procs = [start(db, c, i, actions, refs) for i, c in enumerate(coders)]
        for proc in procs:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err
            assert out.split() == [w for n in range(1, actions + 1) for w in ("ack", str(n))]
        total = 0
        for i, coder in enumerate(coders):
            want = simulate(plan(i, actions, refs, CODE_NAMES))
            assert stored(ws, coder) == want, coder
            total += want.events
        with ws.db.engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM audit_event")).scalar() == base + total
            seqs = [s for (s,) in conn.execute(text("SELECT seq FROM audit_event ORDER BY seq"))]
        assert seqs == list(range(1, base + total + 1))
        result = history.verify(ws)
        assert result.ok, result.message
        print(f"{writers} writers x {actions} actions: {total} events, verify: {result.message}")
    finally:
        ws.close()


def test_four_sqlite_writers(tmp_path):
    run_writers(str(tmp_path / "shared.db"), 4, 30)


@pytest.mark.postgres
def test_sixteen_postgres_writers(pg_url):
    run_writers(pg_url, 16, 10)  # 160 actions: 16 processes share 2 cores in CI
