"""Undo everything, then redo everything, after a run of random actions: the project
returns to exactly the state before the actions, then exactly the state after them (every
audited row, ids included), and the trail still verifies."""

from __future__ import annotations

import random

import pytest

from coder.services import codes as codes_svc
from coder.services import history, notes, themes
from coder.services.coding import apply_code, remove_code, set_coding_memo
from coder.services.workspace import ServiceError
from coder.store.audit import row_dict
from coder.store.tables import AUDITED_TABLES
from tests.reliability.sessions import CODE_NAMES
from tests.services.helpers import seed

ACTIONS = 40


def snapshot(ws) -> dict[str, list[dict]]:
    from sqlmodel import select

    with ws.read() as session:
        return {
            table: sorted((row_dict(r) for r in session.exec(select(model))), key=lambda r: r["id"])
            for table, model in AUDITED_TABLES.items()
        }


def refs(ws) -> list[str]:
    from sqlalchemy import text

    with ws.db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.key, s.ordinal FROM segment s JOIN document d ON d.id = s.document_id "
                "WHERE s.kind = 'unit'"
            )
        ).all()
    return sorted(f"{k}:{o}" for k, o in rows)


def random_actions(ws, rng: random.Random, count: int) -> int:
    """Run ``count`` attempts; returns how many changed something (one undoable event each)."""
    units, done = refs(ws), 0
    names = list(CODE_NAMES)
    theme_names: list[str] = []
    for n in range(count):
        kind = rng.choice(
            ["apply", "apply", "remove", "memo", "coding_memo", "rename", "define", "theme",
             "assign", "read"]
        )  # fmt: skip
        ref, code = rng.choice(units), rng.choice(names)
        try:
            if kind == "apply":
                done += apply_code(ws, ref, code)
                continue
            if kind == "remove":
                remove_code(ws, ref, code)
            elif kind == "memo":
                notes.add_memo(ws, f"note {n}", kind="journal")
            elif kind == "coding_memo":
                set_coding_memo(ws, ref, code, f"memo {n}")
            elif kind == "rename":
                new = f"{code} v{n}"
                codes_svc.rename_code(ws, code, new)
                names[names.index(code)] = new
            elif kind == "define":
                codes_svc.update_code(ws, code, definition=f"definition {n}")
            elif kind == "theme":
                theme_names.append(f"theme {n}")
                themes.create_theme(ws, theme_names[-1], f"organising concept {n}")
            elif kind == "assign" and theme_names:
                if themes.assign_codes(ws, rng.choice(theme_names), [code]) == 0:
                    continue
            elif kind == "read":
                notes.mark_read(ws, ref.split(":")[0], read=rng.random() < 0.7)
            else:
                continue
            done += 1
        except ServiceError:
            continue  # e.g. removing a coding that is not there: nothing written
    return done


@pytest.mark.parametrize("run", [1, 2])
def test_undo_all_redo_all_returns_the_exact_state(ws, run):
    seed(ws)
    start = snapshot(ws)
    with ws.read() as session:
        from coder.store import queries as q

        first = len(q.audit_events(session, ws.project.id, newest_first=False))
    random_actions(ws, random.Random(run), ACTIONS)
    end = snapshot(ws)
    assert end != start
    undone = 0
    while len(history.stacks(ws).done) > 0:
        history.undo(ws)
        undone += 1
    # the seed's code.create events are alice's too: they were undone last
    seeded_codes = len(CODE_NAMES)
    assert undone >= seeded_codes
    for _ in range(seeded_codes):
        history.redo(ws)
    assert snapshot(ws) == start
    while history.stacks(ws).undone:
        history.redo(ws)
    assert snapshot(ws) == end
    result = history.verify(ws)
    assert result.ok, result.message
    assert result.checked == first + 2 * undone + (undone - seeded_codes)
    print(f"undo/redo run {run}: {undone - seeded_codes} actions, {undone} undone and redone")
