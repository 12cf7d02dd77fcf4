"""The replay store behind ``audit verify``: the replayed state lives in a temporary SQLite
file, not in Python, and bulk events are read a row at a time."""

from __future__ import annotations

import json

import pytest

from coder.core.canonical import canonical
from coder.store import audit
from coder.store.replay import FLUSH, NotCompact, ReplayStore, event_members, fingerprint


def _event_text(rows: int) -> str:
    return canonical(
        {
            "coders": {"1": "alice"},
            "info": {"count": rows, "note": 'quote " and \\ and ü'},
            "rows": {
                f"coding:{i}": (
                    None if i % 7 == 0 else {"id": i, "memo": None, "code_id": 3, "coder_id": 1}
                )
                for i in range(1, rows + 1)
            },
        }
    )


def test_event_members_give_what_json_loads_gives() -> None:
    text = _event_text(50)
    decoded = json.loads(text)
    members = list(event_members(text))
    rows = {key: row for part, key, row in members if part == "rows"}
    others = {part: value for part, key, value in members if part != "rows"}
    assert rows == decoded["rows"]
    assert others == {"coders": decoded["coders"], "info": decoded["info"]}
    assert list(event_members("{}")) == []
    assert list(event_members('{"rows":{}}')) == []


@pytest.mark.parametrize(
    "text",
    ['{"rows": {}}', '{"rows":[]}', "[]", '{"rows":{"a:1":{}}} ', '{"rows":{"a:1":{}}', ""],
)
def test_event_members_refuse_what_coder_does_not_write(text: str) -> None:
    with pytest.raises(NotCompact):
        list(event_members(text))


def test_a_big_column_is_walked_and_checked_like_a_small_one() -> None:
    text = _event_text(2000)
    assert len(text) >= audit.BIG_COLUMN
    walked = list(audit._members(text, "here", "after", 5))
    assert sum(1 for part, _k, _v in walked if part == "rows") == 2000
    bad = text.replace('"coding:3":', '"nothing:3":')
    with pytest.raises(audit.Malformed, match="here: column 'after' holds malformed rows"):
        list(audit._members(bad, "here", "after", 5))
    # not compact: parsed whole after what was walked (replaying a member twice is harmless)
    spaced = text.replace('"rows":{', '"rows": {')
    got = list(audit._members(spaced, "here", "after", 5))
    assert got[-len(walked) :] == walked and len(got) == len(walked) + 2


def test_replayed_rows_go_to_the_file_not_to_python() -> None:
    store = ReplayStore(["memo", "coding"])
    try:
        for i in range(1, 3 * FLUSH + 2):
            store.set("memo", i, i, {"id": i, "text": f"memo {i}"})
            # what Python holds stays under one flush, however many rows were replayed
            assert len(store._set) < FLUSH
        store.set("coding", 9, 1, {"id": 9})
        rows = list(store.rows_of("memo"))
        assert [r[0] for r in rows] == list(range(1, 3 * FLUSH + 2))
        assert rows[4] == (5, 5, fingerprint({"id": 5, "text": "memo 5"}))
        assert list(store.rows_of("coding")) == [(9, 1, fingerprint({"id": 9}))]
    finally:
        store.close()


def test_a_before_names_a_row_only_if_no_event_set_it() -> None:
    store = ReplayStore(["memo"])
    try:
        store.set("memo", 1, 4, {"id": 1})
        store.touch("memo", 1, 5)  # a later before: the row stays as event 4 left it
        store.touch("memo", 2, 6)  # only named in a before: blamed on event 6, no row
        store.set("memo", 2, 7, None)  # then deleted by event 7
        store.touch("memo", 3, 8)
        assert list(store.rows_of("memo")) == [
            (1, 4, fingerprint({"id": 1})),
            (2, 7, None),
            (3, 8, None),
        ]
        assert store.seq_of("memo", 3) == 8 and store.seq_of("memo", 4) is None
    finally:
        store.close()


def test_fingerprint_ignores_values_a_later_column_leaves_none() -> None:
    assert fingerprint({"id": 1, "note": None}) == fingerprint({"id": 1})
    assert fingerprint({"id": 1, "note": ""}) != fingerprint({"id": 1})
