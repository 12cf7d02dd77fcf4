"""JSON strings are written by hand for speed (the content hash); they must be the very
bytes json writes, since hashes are compared with ones computed long ago."""

import hashlib
import json
import random

from coder.store import audit

ODD = [
    'a "quote"',
    "back\\slash",
    "tab\t",
    "nl\n",
    "\x00\x1f\x7f",
    "é ✓ 中",
    "\u2028\u2029",
    "",
    " ",
]


def test_json_string_is_json_dumps() -> None:
    rng = random.Random(9)
    cases = ODD + ["".join(rng.choice(ODD + ["plain", "x"]) for _ in range(4)) for _ in range(2000)]
    for text in cases:
        assert audit.json_string(text) == json.dumps(text, ensure_ascii=False), repr(text)


def test_digest_values_is_the_canonical_digest() -> None:
    class Level(int):
        pass

    docs = [
        ["key", None, 2019, True, False, *ODD],
        ["key", 1.5, Level(3)],
    ]
    segments = [(2, "Findings", 10, 20, "ab"), (1, None, 0, 9, "cd"), (3, 'q"', 21, 30, "ef")]
    for doc in docs:
        expected = hashlib.sha256(
            audit.canonical([doc, sorted(segments)]).encode("utf-8")
        ).hexdigest()
        assert audit.digest_values(doc, segments) == expected
        assert audit.digest_values(doc, [list(s) for s in segments]) == expected
    assert audit.digest_values([], []) == hashlib.sha256(b"[[],[]]").hexdigest()


def test_rows_are_written_as_canonical_writes_them() -> None:
    """The audit event of a bulk action is written the fast way (orjson); the exported
    trail re-writes it with json, and the two must be the same bytes."""
    rng = random.Random(11)
    odd = [*ODD, "😀 astral", "\ufeffbom", "\x08\x0c\r", "K\u00e4se", "zz", "Zz", "ä"]
    for n in range(500):
        rows = {
            f"coding:{rng.randint(1, 10**9)}": {
                "id": n,
                "memo": "".join(rng.choice(odd) for _ in range(rng.randint(0, 5))),
                "coder_id": -n,
                "flag": rng.random() < 0.5,
                "gone": None,
                rng.choice(odd): 2**62,
            }
            for _ in range(rng.randint(0, 4))
        }
        rows[f"memo:{n}"] = None
        assert audit.canonical_rows({"rows": rows}) == audit.canonical({"rows": rows})


def test_what_orjson_refuses_goes_the_json_way() -> None:
    for value in ({"big": 2**70}, {"lone": "\ud800"}):
        assert audit.canonical_rows(value) == audit.canonical(value)


def test_an_event_after_is_its_canonical_json() -> None:
    from coder.store.db import _after_text

    rows = {"coding:2": {"id": 2, "memo": "é"}, "coding:1": None}
    for coders, info in (({}, {}), ({"1": "alice"}, {}), ({"1": "bo"}, {"n": [1, "x"]})):
        whole: dict = {"rows": rows}
        if coders:
            whole["coders"] = coders
        if info:
            whole["info"] = info
        assert _after_text(coders, info, rows) == audit.canonical(whole)
