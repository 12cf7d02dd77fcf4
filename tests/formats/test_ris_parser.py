"""The RIS reader's record parser gives exactly what rispy gives for the same record.

``coder.formats.ris._parse_record`` inlines rispy's RisParser for speed; these tests hold
it to rispy itself, on every RIS export in ../shared/testdata, on the odd corners of
rispy's rules (continuation lines, list, delimited and unknown tags) and on random
records, including the exceptions rispy raises on malformed ones.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import rispy

from coder.formats.encoding import read_text
from coder.formats.ris import _chunks, _parse_record
from tests.conftest import TESTDATA

RIS = TESTDATA / "references" / "ris"


def _rispy(lines: list[str]) -> tuple[str, Any]:
    try:
        (entry,) = rispy.loads("\n".join(lines))
    except Exception as exc:
        return "error", (type(exc), str(exc))
    return "ok", entry


def _ours(lines: list[str]) -> tuple[str, Any]:
    try:
        return "ok", _parse_record(lines)
    except Exception as exc:
        return "error", (type(exc), str(exc))


def _same(lines: list[str]) -> None:
    assert _ours(lines) == _rispy(lines), lines


@pytest.mark.skipif(not RIS.is_dir(), reason="shared testdata not present")
@pytest.mark.parametrize("path", sorted(RIS.glob("*")) if RIS.is_dir() else [], ids=str)
def test_real_exports(path: Path) -> None:
    for _line, lines in _chunks(read_text(path)):
        if lines is not None:
            _same(lines)


@pytest.mark.parametrize(
    "body",
    [
        ["AU  - Gray, B.", "AU  - Repper, J.", "TI  - Peer support", "PY  - 2019"],
        ["continues the type line", "TI  - A title", "wrapped title"],
        ["AU  - Gray", "second author on a continuation line", "KW  - one", "two"],
        ["UR  - http://a; http://b", "http://c;http://d"],
        ["TI  - first", "TI  - second wins nothing", "T1  - other"],
        ["ZZ  - unknown", "Z9  - other unknown", "more of it", "ZZ  - again"],
        ["UK  - a string", "ZZ  - then an unknown tag"],  # rispy raises a TypeError
        ["N1  - note", "N1  - another note", "AB  - an abstract", "  that wraps", ""],
        ["ab  - lower case is no tag", "A   - too short", "1A  - digit first", "AB  -"],
        ["AU  - x", "UR  - a;b", "AU  - y"],
    ],
)
def test_rispy_rules(body: list[str]) -> None:
    _same(["TY  - JOUR", *body, "ER  - "])


def test_random_records() -> None:
    rng = random.Random(3)
    tags = ["AU", "A1", "TI", "T1", "AB", "N2", "KW", "UR", "N1", "PY", "UK", "ZZ", "DO", "SP"]
    pieces = ["x", " y ", "a;b", "; ", "", "  ", "Ünï", "TY", "ER"]
    for _ in range(3000):
        body = []
        for _ in range(rng.randint(0, 8)):
            text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 3)))
            if rng.random() < 0.7:
                body.append(f"{rng.choice(tags)}  - {text}")
            else:
                body.append(text)
        _same(
            ["TY  - " + rng.choice(["JOUR", "", " BOOK "]), *body, "ER  - " + rng.choice(["", "x"])]
        )
