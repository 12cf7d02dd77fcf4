"""SIGKILL a coding session at random points: the SQLite file stays sound, the trail
verifies, and every acknowledged action is there. Only the one action in flight at the
kill may be there or not (it committed, or it did not), never half of it."""

from __future__ import annotations

import random
import signal
import sqlite3
import time

import pytest

from coder.services import history
from coder.services.workspace import Workspace
from tests.reliability.sessions import CODE_NAMES, seeded, start, stored
from tests.reliability.worker import plan, simulate

RUNS = 4
ACTIONS = 400  # more than any run lives to finish


@pytest.mark.parametrize("run", range(RUNS))
def test_sigkill_while_coding_loses_no_acknowledged_action(tmp_path, run):
    db = str(tmp_path / "crash.db")
    ws, refs = seeded(db)
    ws.close()
    rng = random.Random(run)
    kill_after = rng.randint(3, 60)  # acknowledged actions before the kill
    proc = start(db, "crasher", run, ACTIONS, refs)
    acked = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        assert line.startswith("ack "), line
        acked = int(line.split()[1])
        if acked >= kill_after:
            break
    time.sleep(rng.random() * 0.05)  # somewhere inside the next action (or the one after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    acked = max(acked, *(int(x.split()[1]) for x in proc.stdout.read().splitlines() or ["ack 0"]))
    assert proc.returncode == -signal.SIGKILL and acked >= kill_after

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()

    ws = Workspace.open(db, "alice")
    try:
        result = history.verify(ws)
        assert result.ok, result.message
        actions = plan(run, ACTIONS, refs, CODE_NAMES)
        have = stored(ws, "crasher")
        # exactly the acknowledged actions, or those and the one in flight (acks read
        # after the kill count too: they were printed before it)
        assert have in (simulate(actions[:acked]), simulate(actions[: acked + 1]))
        in_flight = have == simulate(actions[: acked + 1]) != simulate(actions[:acked])
        print(
            f"crash run {run}: {acked} acknowledged actions kept, in-flight committed: {in_flight}"
        )
    finally:
        ws.close()
