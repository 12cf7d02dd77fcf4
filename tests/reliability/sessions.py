"""Shared by the crash and concurrency tests: a seeded project, worker processes, and the
state a coder's session left, read back from the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import text

from coder.services.workspace import Workspace
from tests.conftest import ROOT
from tests.reliability.worker import Expected
from tests.services.helpers import CODES, seed

CODE_NAMES = [c.name for c in CODES]


def seeded(db: str) -> tuple[Workspace, list[str]]:
    """A project with documents and codes; returns it and every unit ref."""
    ws = Workspace.init(db, "reliability", "alice")
    keys = seed(ws)
    with ws.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.key, s.ordinal FROM segment s JOIN document d ON d.id = s.document_id "
                "WHERE s.kind = 'unit' ORDER BY d.key, s.ordinal"
            )
        ).all()
    assert keys
    return ws, [f"{key}:{ordinal}" for key, ordinal in rows]


def start(db: str, coder: str, seed_: int, count: int, refs: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.worker", db, coder, str(seed_), str(count),
         json.dumps(refs), json.dumps(CODE_NAMES)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def stored(ws: Workspace, coder: str) -> Expected:
    """What the database holds for one coder, in the shape ``simulate`` predicts."""
    with ws.db.engine.connect() as conn:
        codings = conn.execute(
            text(
                "SELECT d.key, s.ordinal, c.name FROM coding g JOIN segment s ON s.id = g.segment_id "
                "JOIN document d ON d.id = s.document_id JOIN code c ON c.id = g.code_id "
                "JOIN coder w ON w.id = g.coder_id WHERE w.name = :n"
            ),
            {"n": coder},
        ).all()
        memos = conn.execute(
            text("SELECT m.text FROM memo m JOIN coder w ON w.id = m.coder_id WHERE w.name = :n"),
            {"n": coder},
        ).all()
        events = conn.execute(
            text("SELECT COUNT(*) FROM audit_event WHERE coder = :n"), {"n": coder}
        ).scalar()
    return Expected({(f"{k}:{o}", c) for k, o, c in codings}, {m for (m,) in memos}, events or 0)
