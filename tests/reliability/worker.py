"""A coding session in its own process, for the crash and concurrency tests.

``python -m tests.reliability.worker DB CODER SEED COUNT REFS CODES`` runs COUNT actions
(apply a code, remove one, write a memo) planned from SEED, and prints ``ack N`` after
action N returned: an acknowledged action, which must survive anything that follows.
The tests plan the same actions with ``plan`` and ``simulate`` the state they must leave.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field

Action = tuple[str, str, str]  # (kind, unit ref or "", code name or memo text)


def plan(seed: int, count: int, refs: list[str], codes: list[str]) -> list[Action]:
    rng = random.Random(seed)
    actions: list[Action] = []
    for n in range(count):
        kind = rng.choices(["apply", "remove", "memo"], weights=[6, 3, 1])[0]
        if kind == "memo":
            actions.append(("memo", "", f"memo {seed}-{n}"))
        else:
            actions.append((kind, rng.choice(refs), rng.choice(codes)))
    return actions


@dataclass
class Expected:
    codings: set[tuple[str, str]] = field(default_factory=set)
    memos: set[str] = field(default_factory=set)
    events: int = 0  # audit events the actions write (an action that changes nothing writes none)


def simulate(actions: list[Action]) -> Expected:
    state = Expected()
    for kind, ref, arg in actions:
        if kind == "apply" and (ref, arg) not in state.codings:
            state.codings.add((ref, arg))
            state.events += 1
        elif kind == "remove" and (ref, arg) in state.codings:
            state.codings.discard((ref, arg))
            state.events += 1
        elif kind == "memo":
            state.memos.add(arg)
            state.events += 1
    return state


def run(db: str, coder: str, actions: list[Action]) -> None:
    from coder.services.coding import apply_code, remove_code
    from coder.services.notes import add_memo
    from coder.services.workspace import Workspace

    ws = Workspace.open(db, coder)
    held: set[tuple[str, str]] = set()
    for n, (kind, ref, arg) in enumerate(actions, start=1):
        if kind == "apply":
            apply_code(ws, ref, arg)
            held.add((ref, arg))
        elif kind == "remove":
            if (ref, arg) in held:  # removing what is not there is a user error
                remove_code(ws, ref, arg)
                held.discard((ref, arg))
        else:
            add_memo(ws, arg, kind="journal")
        print(f"ack {n}", flush=True)
    ws.close()


def main() -> None:
    db, coder, seed, count, refs, codes = sys.argv[1:7]
    actions = plan(int(seed), int(count), json.loads(refs), json.loads(codes))
    run(db, coder, actions)


if __name__ == "__main__":
    main()
