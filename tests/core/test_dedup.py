"""Near-duplicate detection: same paper from two sources matches, different papers do not."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from pathlib import Path

import pytest

from coder.core.dedup import DedupEntry, DuplicateIndex, normalise

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

ABSTRACT = (
    "Purpose – The purpose of this service user narrative and viewpoint article is to describe "
    "interprofessional and interpersonal barriers to peer support on a men’s mental health ward "
    "over the course of a year from a lived experience perspective. Findings – There is sometimes "
    "a fissure and binary of “Us” and “Them” on the ward."
)
TITLE = "Barriers to peer support on a men's mental health ward: a lived experience viewpoint"


def entry(key: str, **changes: object) -> DedupEntry:
    base = DedupEntry(key, TITLE, None, "Benjamin Thomas Gray", 2024, ABSTRACT)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_normalise() -> None:
    assert normalise("Peer-Support: “One of Us”!  Café") == "peer support one of us cafe"


def test_same_doi_matches_whatever_the_text() -> None:
    index = DuplicateIndex()
    index.add(entry("a", doi="10.1108/MHSI-01-2024-0001"))
    found = index.find(
        entry("b", doi="https://doi.org/10.1108/mhsi-01-2024-0001", title="Other", text="x")
    )
    assert found == [("a", 100.0, "doi")]


def test_different_dois_never_match() -> None:
    index = DuplicateIndex()
    index.add(entry("a", doi="10.1/one"))
    assert index.find(entry("b", doi="10.1/two")) == []


def test_same_paper_from_another_database() -> None:
    index = DuplicateIndex()
    index.add(entry("scopus"))
    other = entry(
        "pubmed",
        title=TITLE.upper().replace(":", " -"),
        first_author="Gray, B. T.",
        text="Abstract " + ABSTRACT.replace("–", ":").replace("  ", " ").lower(),
    )
    ((key, score, reason),) = index.find(other)
    assert key == "scopus" and score >= 90 and reason in {"title", "abstract"}
    no_title = replace(other, title=None)
    ((key, score, reason),) = index.find(no_title)
    assert (key, reason) == ("scopus", "abstract") and score >= 92


def test_small_typo_in_title_without_abstract() -> None:
    index = DuplicateIndex()
    index.add(entry("a", text=""))
    found = index.find(entry("b", text="", title=TITLE.replace("experience", "experiance")))
    assert [(k, r) for k, _, r in found] == [("a", "title")]


def test_same_authors_same_year_different_papers_do_not_match() -> None:
    index = DuplicateIndex()
    index.add(entry("gray2024", title=None))
    other = entry(
        "gray2024a",
        title=None,
        text=(
            "Purpose – The purpose of this service user paper and narrative is to highlight that peer "
            "support is not a continuous, easy or uniform process but given to disruption."
        ),
    )
    assert index.find(other) == []


def test_generic_short_title_needs_same_author_and_year() -> None:
    index = DuplicateIndex()
    index.add(DedupEntry("a", "Editorial", None, "Ann Lee", 2020, ""))
    assert index.find(DedupEntry("b", "Editorial", None, "Bo Chan", 2020, "")) == []
    assert index.find(DedupEntry("c", "Editorial", None, "Ann Lee", 2021, "")) == []
    assert [
        k for k, _, _ in index.find(DedupEntry("d", "Editorial", None, "Ann Lee", 2020, ""))
    ] == ["a"]


def test_years_far_apart_do_not_match() -> None:
    index = DuplicateIndex()
    index.add(entry("a", year=2010))
    assert index.find(entry("b", year=2015)) == []
    assert [k for k, _, _ in index.find(entry("c", year=2011))] == ["a"]


def test_best_match_first_and_own_key_ignored() -> None:
    index = DuplicateIndex()
    index.add(entry("exact"))
    index.add(entry("close", text=ABSTRACT.replace("a year", "one year"), title=None))
    found = index.find(entry("exact"))
    assert [k for k, _, _ in found] == ["close"]
    found = index.find(entry("new"))
    assert [k for k, _, _ in found] == ["exact", "close"]
    assert found[0][1] >= found[1][1]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seeds missing")
def test_no_two_seed_records_match_each_other() -> None:
    from coder.formats.records import iter_records

    index = DuplicateIndex()
    for path in sorted(SEEDS.glob("*.txt")):
        for n, r in enumerate(iter_records(path).records):
            e = DedupEntry(
                f"{path.name}:{n}",
                r.title,
                r.doi,
                r.authors[0] if r.authors else None,
                r.year,
                r.text,
            )
            assert index.find(e) == [], e.key
            index.add(e)
    assert len(index) == 20


def test_blocking_keeps_large_imports_fast() -> None:
    rng = random.Random(7)
    words = [f"w{i}" for i in range(3000)]
    index = DuplicateIndex()
    for i in range(5000):
        text = " ".join(rng.choice(words) for _ in range(120))
        index.add(
            DedupEntry(
                f"k{i}",
                " ".join(rng.choice(words) for _ in range(8)),
                None,
                f"Author{i % 400}",
                2000 + i % 20,
                text,
            )
        )
    probe = DedupEntry(
        "new", "a title", None, "Author7", 2007, " ".join(rng.choice(words) for _ in range(120))
    )
    start = time.perf_counter()
    for _ in range(200):
        index.find(probe)
    assert time.perf_counter() - start < 2.0


def test_normalise_is_the_word_regex_on_folded_text() -> None:
    """normalise has a bytes fast path for ASCII; it must find the words the regex finds."""
    import random
    import re

    from coder.core.citekeys import ascii_fold
    from coder.core.dedup import normalise

    rng = random.Random(4)
    pieces = ["Abc", "déf", "Ω", "ß", "K", "x1", " ", "\t", "-", "_", "'", "中", "ﬁ", "²", "9"]
    cases = ["", "  ", "A-B c_d", "The (2019) study: 'peer' support!"]
    cases += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    for text in cases:
        expected = " ".join(re.findall(r"[a-z0-9]+", ascii_fold(text).lower()))
        assert normalise(text) == expected, repr(text)
    assert normalise(None) == ""


OTHER_ABSTRACT = (
    "Older inpatients struggled with crisis situations using thematic analysis, and peer "
    "support workers welcomed the role of peer workers in semi-structured interviews as staff "
    "adjusted their expectations on the ward during the first year of the programme."
)


def test_a_shared_title_with_different_abstracts_is_two_papers() -> None:
    # A generated corpus (and a journal series) repeats titles over different studies:
    # the abstracts tell them apart, so the title alone must not decide.
    index = DuplicateIndex()
    index.add(entry("a", first_author=None, year=None))
    assert index.find(entry("b", first_author=None, year=None, text=OTHER_ABSTRACT)) == []


def test_a_shared_title_with_a_cut_abstract_is_one_paper() -> None:
    index = DuplicateIndex()
    index.add(entry("a"))
    (found,) = index.find(entry("b", text=ABSTRACT[:120]))
    assert found[0] == "a" and found[2] == "title"
