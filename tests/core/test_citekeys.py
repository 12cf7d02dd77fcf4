"""Citation keys: author-year, folded to ASCII, unique and stable across re-imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.core.citekeys import ascii_fold, base_key, unique_key

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


@pytest.mark.parametrize(
    ("author", "key"),
    [
        ("Benjamin Thomas Gray", "gray2024"),
        ("Gray, Benjamin Thomas", "gray2024"),
        ("Gray BT", "gray2024"),  # MEDLINE AU: initials after the surname
        ("Gray B.T.", "gray2024"),  # Scopus
        ("Simon Lawton-Smith", "lawtonsmith2024"),
        ("Müller, Jürgen", "muller2024"),
        ("Łukasz Nowak", "nowak2024"),
        ("Søren Kierkegaard", "kierkegaard2024"),
        ("José Ñúñez", "nunez2024"),
        ("van de Schoot, Rens", "vandeschoot2024"),
        ("Shannon,Claude E.", "shannon2024"),
        ("John Q. Hodges", "hodges2024"),
    ],
)
def test_author_year(author: str, key: str) -> None:
    assert base_key([author, "Someone Else"], 2024, "text", "title") == key


def test_no_year_and_no_author() -> None:
    assert base_key(["Gray, B."], None, "", None) == "gray_nd"
    assert base_key([], 2020, "", "The Peer Support of Consumers") == "peersupport2020"
    assert (
        base_key([], None, "Background: Research on peer support in wards.", None)
        == "researchpeer_nd"
    )
    assert base_key([], 2019, "", None) == "anon2019"
    assert base_key(["凯撒"], 2013, "", "测试") == "anon2013"
    assert base_key(["", "  "], 2013, "", "Test Title") == "testtitle2013"


def test_ascii_fold() -> None:
    assert ascii_fold("Straße Æsop Œuvre ðe þing") == "Strasse AEsop OEuvre de thing"


def test_unique_key_suffixes() -> None:
    taken: set[str] = set()
    keys = []
    for _ in range(29):
        key = unique_key("gray2024", taken)
        taken.add(key)
        keys.append(key)
    assert keys[:4] == ["gray2024", "gray2024a", "gray2024b", "gray2024c"]
    assert keys[26:29] == ["gray2024z", "gray2024aa", "gray2024ab"]
    assert unique_key("gray2024", {"gray2024a"}) == "gray2024"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seeds missing")
def test_seed_keys_are_unique_and_stable_across_imports() -> None:
    from coder.formats.records import iter_records

    def keys() -> list[str]:
        taken: set[str] = set()
        out = []
        for path in sorted(SEEDS.glob("*.txt")):
            for r in iter_records(path).records:
                key = unique_key(base_key(r.authors, r.year, r.text, r.title), taken)
                taken.add(key)
                out.append(key)
        return out

    first = keys()
    assert first == keys()
    assert len(set(first)) == len(first) == 20
    assert first[3:6] == ["gray2024", "gray2024a", "lawtonsmith2013"]
    assert "faulkner2012" in first and "faulkner2012a" in first
    assert first[0] == "researchpeer_nd"  # listing: no authors, no year, no title
    assert first[13] == "hodges2007"
