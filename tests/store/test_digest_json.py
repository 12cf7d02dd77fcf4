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
