"""Learned suggestions: codes ranked by likeness to their coded extracts, kept current
by adding and removing one extract at a time."""

from __future__ import annotations

from coder.core.similarity import ExampleIndex, tokens

PAIRS = [
    ("tread carefully", "Patients had to tread carefully around personal difficulties."),
    ("tread carefully", "They were careful not to upset others with personal difficulties."),
    ("staff emphasis on risk", "Staff emphasised the risks of peer support on the ward."),
]


def test_a_segment_like_a_codes_extracts_ranks_it_first_with_the_reason():
    index = ExampleIndex.build(PAIRS)
    found = index.rank("Service users spoke of personal difficulties and being careful.")
    assert found[0].code == "tread carefully"
    assert found[0].reason == "like 2 extracts coded 'tread carefully'"
    assert all(item.code != "staff emphasis on risk" for item in found[:1])


def test_removing_an_extract_updates_the_profile_incrementally():
    index = ExampleIndex.build(PAIRS)
    index.remove("staff emphasis on risk", PAIRS[2][1])
    assert "staff emphasis on risk" not in index.profiles
    assert index.rank("Staff emphasised the risks on the ward.") == []
    index.add("staff emphasis on risk", PAIRS[2][1])
    assert index.rank("Staff emphasised the risks on the ward.")[0].code == "staff emphasis on risk"
    assert index.extracts == 3


def test_words_are_content_words_only():
    assert tokens("The staff and the ward, 2024!") == {"staff": 1, "ward": 1}
    assert ExampleIndex().rank("anything at all") == []
