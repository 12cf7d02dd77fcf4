"""The database going away mid-action: all of the action is stored, or none of it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from coder.core.model import Code
from coder.services.codes import create_code, insert_code
from coder.services.coding import apply_code
from coder.services.errors import ConnectionLost
from coder.services.workspace import Workspace
from coder.store.tables import CodeRow, Project
from tests.services.helpers import seed

pytestmark = pytest.mark.postgres


def _terminate(url: str, pid: int) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    finally:
        engine.dispose()


def test_a_backend_terminated_mid_transaction_stores_nothing(pg_url):
    ws = Workspace.init(pg_url, "ward study", "alice")
    try:
        seed(ws)
        head = ws.db.projects()[0]
        with ws.read() as session:
            last_seq = session.get(Project, head.id).last_seq
        with (
            pytest.raises(ConnectionLost, match="not stored"),
            ws.write("code.create", "two codes") as tx,
        ):
            insert_code(tx, ws.project.id, Code(name="first"), None)
            pid = tx.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _terminate(pg_url, pid)
            insert_code(tx, ws.project.id, Code(name="second"), None)
        # The connection is replaced on the next action; nothing of the cut one landed.
        with ws.read() as session:
            assert session.get(Project, head.id).last_seq == last_seq
            names = {c.name for c in session.exec(select(CodeRow))}
        assert "first" not in names and "second" not in names
        create_code(ws, Code(name="first"))
        apply_code(ws, "gray2024:1", "first")
        assert ws.db.verify(ws.project.id).ok
    finally:
        ws.close()


def test_a_read_on_a_lost_connection_is_one_line(pg_url):
    ws = Workspace.init(pg_url, "ward study", "alice")
    try:
        with (
            pytest.raises(ConnectionLost, match="cannot read from .*connection .*lost"),
            ws.read() as session,
        ):
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            _terminate(pg_url, pid)
            session.execute(text("SELECT 1"))
        assert ws.db.verify(ws.project.id).ok
    finally:
        ws.close()
