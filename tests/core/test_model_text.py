"""``collapse_spaces`` is ``" ".join(text.split())``, only faster on tidy text."""

import random

from coder.core.model import collapse_spaces


def test_collapse_spaces_is_split_and_join() -> None:
    rng = random.Random(5)
    pieces = [
        "a",
        "Bc",
        " ",
        "  ",
        "\t",
        "\n",
        "\r",
        "\x0b",
        "\x0c",
        "\x1c",
        "\x1f",
        "\xa0",
        "\u2003",
        "é",
        "",
    ]
    cases = ["", " ", "tidy text here", " lead", "trail ", "x\x1dy"]
    cases += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    # Longer than 64 characters: the scans, not split and join, decide these.
    cases += ["tidy words " * 8 + case for case in cases] + [case + " tidy" * 20 for case in cases]
    for text in cases:
        assert collapse_spaces(text) == " ".join(text.split()), repr(text)
