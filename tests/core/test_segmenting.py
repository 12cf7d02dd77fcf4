"""Sentence splitting, reading units and inline section headings."""

from __future__ import annotations

from pathlib import Path

import pytest

from coder.core.model import DocumentRecord, Section, SegmentSpan
from coder.core.segmenting import segment_text, split_inline_sections, split_sentences

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_plain_sentences_and_trimming() -> None:
    text = "  First sentence here. Second one?  Third one!\n"
    assert sentences(text) == ["First sentence here.", "Second one?", "Third one!"]
    assert split_sentences(text)[0] == (2, 22)


@pytest.mark.parametrize(
    "text",
    [
        "Peers helped, e.g. by listening. Staff agreed.",
        "Peers helped, i.e. they listened. Staff agreed.",
        "As Smith et al. (2019) found, peers help. Staff agreed.",
        "As Smith et al. Reported in 2019, peers help. Staff agreed.",
        "Ward A vs. Ward B differed in culture. Staff agreed.",
        "Compare the policy (cf. Table 2) with practice. Staff agreed.",
        "The work of J. Smith shaped the field. Staff agreed.",
        "Interviews by John Q. Hodges were coded. Staff agreed.",
        "Scores rose by 3.5 points on average. Staff agreed.",
        "Dr. Watson led the University College London Hospital (UCLH) team. Staff agreed.",
        "See vol. 7, No. 2 of the journal for details. Staff agreed.",
        "Scores were approx. 20 per cent higher. Staff agreed.",
        "Mrs. Brown and Prof. Green agreed on this point. Staff agreed.",
    ],
)
def test_no_break_inside_abbreviations(text: str) -> None:
    assert sentences(text) == [text[: text.index(" Staff agreed.")], "Staff agreed."]


def test_quotes_and_brackets_stay_with_their_sentence() -> None:
    text = "They said “one of us.” Peers agreed. (This was rare.) Staff did not."
    assert sentences(text) == [
        "They said “one of us.”",
        "Peers agreed.",
        "(This was rare.)",
        "Staff did not.",
    ]


def test_breaks_before_numbers_and_at_line_breaks_but_not_before_lower_case() -> None:
    text = "We ran it for 30 min. Results were clear. 83 clients took part\nNew line here. the end"
    assert sentences(text) == [
        "We ran it for 30 min.",
        "Results were clear.",
        "83 clients took part",
        "New line here. the end",
    ]


def test_seed_abstract_sentences() -> None:
    text = (
        "Peer support workers must bridge this gap and strive to be “one of us” with both these "
        "groups, which is no easy task. A good ward manager or peer team leader can smooth over "
        "interprofessional differences."
    )
    assert len(split_sentences(text)) == 2


# --- inline sections ---------------------------------------------------------------------


def test_inline_colon_headings_also_without_space_after_full_stop() -> None:
    sections = split_inline_sections(
        "Abstract Background: Hearts and minds.Methods: Thirteen patients. Results: Barriers. "
        "Conclusions: Follow-up."
    )
    assert sections == [
        Section("Background", "Hearts and minds."),
        Section("Methods", "Thirteen patients."),
        Section("Results", "Barriers."),
        Section("Conclusions", "Follow-up."),
    ]


def test_inline_dash_headings_even_without_full_stop_before() -> None:
    sections = split_inline_sections(
        "Purpose – To review. Design/methodology/approach – A review was done and themes were "
        "identified Findings – Wounded healers. Research limitations/implications – Few. "
        "Originality/value – New."
    )
    assert [s.heading for s in sections] == [
        "Purpose",
        "Design/methodology/approach",
        "Findings",
        "Research limitations/implications",
        "Originality/value",
    ]
    assert sections[1].text == "A review was done and themes were identified"


def test_all_caps_medline_headings_become_sentence_case() -> None:
    sections = split_inline_sections(
        "BACKGROUND: Why. MATERIALS AND METHODS: How. RESULTS AND DISCUSSION: What. CONCLUSIONS: So."
    )
    assert [s.heading for s in sections] == [
        "Background",
        "Materials and methods",
        "Results and discussion",
        "Conclusions",
    ]


def test_bare_headings_need_two_and_the_start() -> None:
    structured = (
        "Background The goal was clear. Methods We interviewed staff. Conclusions Peers help."
    )
    assert [s.heading for s in split_inline_sections(structured)] == [
        "Background",
        "Methods",
        "Conclusions",
    ]
    plain = "Peer support matters. Results These were mixed across wards."
    assert split_inline_sections(plain) == [Section(None, plain)]


def test_text_without_real_headings_stays_whole() -> None:
    for text in (
        "These include: shared identity and confidence. They also note: stigma.",
        "We report the results: peers help. The aim: to describe wards.",
        "Peer workers were valued. Results: mixed.",  # one heading, not at the start
    ):
        assert split_inline_sections(text) == [Section(None, text)]
    assert split_inline_sections("Purpose: to explore peer work.") == [
        Section("Purpose", "to explore peer work.")
    ]
    assert split_inline_sections("   ") == []


# --- segment_text ------------------------------------------------------------------------

SECTIONS = [
    Section("Purpose", "To describe peer work. It is hard."),
    Section("Findings", ""),
    Section("Findings", "Peers bridge gaps.\nManagers help."),
    Section(None, "A closing note."),
]


def spans_text(text: str, spans: list[SegmentSpan]) -> list[tuple[str | None, str]]:
    return [(s.heading, text[s.start : s.end]) for s in spans]


def test_document_text_is_the_record_text() -> None:
    record = DocumentRecord(sections=SECTIONS)
    for mode in ("sentence", "section", "paragraph", "whole"):
        text, _ = segment_text(SECTIONS, mode)
        assert text == record.text == "\n\n".join(s.text for s in SECTIONS if s.text)


def test_modes() -> None:
    text, spans = segment_text(SECTIONS, "sentence")
    assert spans_text(text, spans) == [
        ("Purpose", "To describe peer work."),
        ("Purpose", "It is hard."),
        ("Findings", "Peers bridge gaps."),
        ("Findings", "Managers help."),
        (None, "A closing note."),
    ]
    text, spans = segment_text(SECTIONS, "section")
    assert spans_text(text, spans) == [
        ("Purpose", "To describe peer work. It is hard."),
        ("Findings", "Peers bridge gaps.\nManagers help."),
        (None, "A closing note."),
    ]
    text, spans = segment_text(SECTIONS, "paragraph")
    assert [t for _, t in spans_text(text, spans)] == [
        "To describe peer work. It is hard.",
        "Peers bridge gaps.",
        "Managers help.",
        "A closing note.",
    ]
    text, spans = segment_text(SECTIONS, "whole")
    assert spans == [SegmentSpan(0, len(text), None)]
    text, spans = segment_text([Section("Purpose", "Only one.")], "whole")
    assert spans == [SegmentSpan(0, 9, "Purpose")]


def test_empty_and_unknown_mode() -> None:
    assert segment_text([], "sentence") == ("", [])
    assert segment_text([Section(None, "")], "whole") == ("", [])
    with pytest.raises(ValueError, match="unknown segmenting mode"):
        segment_text(SECTIONS, "word")


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seeds missing")
@pytest.mark.parametrize("mode", ["sentence", "section", "paragraph", "whole"])
def test_seed_spans_are_ordered_non_empty_and_inside_one_section(mode: str) -> None:
    from coder.formats.records import iter_records

    for path in sorted(SEEDS.glob("*.txt")):
        for record in iter_records(path).records:
            text, spans = segment_text(record.sections, mode)
            assert text == record.text
            bounds, offset = [], 0
            for section in record.sections:
                bounds.append((offset, offset + len(section.text), section.heading))
                offset += len(section.text) + 2
            previous_end = 0
            for span in spans:
                piece = text[span.start : span.end]
                assert piece and piece == piece.strip()
                assert span.start >= previous_end
                previous_end = span.end
                if mode != "whole":
                    assert any(
                        a <= span.start and span.end <= b and h == span.heading
                        for a, b, h in bounds
                    )
            assert bool(spans) == record.has_abstract


def _separated_by_full_search(text: str) -> list:
    """The inline-heading scan as it was before the word lookup: every separator found by
    a regex, the whole heading alternation searched before each one."""
    import re

    from coder.core import segmenting as s

    hits = []
    floor = 0
    for sep in re.finditer(r"[:\u2013\u2014-]", text):
        start, end = sep.start(), sep.end()
        while start > floor and text[start - 1] in " \t":
            start -= 1
        if sep.group() != ":" and (
            start == sep.start() or end >= len(text) or text[end] not in " \t"
        ):
            continue
        while end < len(text) and text[end] in " \t":
            end += 1
        if end >= len(text) or text[end].isspace():
            continue
        m = s._HEADING_BEFORE.search(text, max(floor, start - s._LONGEST_HEADING), start)
        if m:
            hits.append(s._Hit(m.start(), end, m.group("h"), text[start:end]))
            floor = end
    return hits


def test_inline_heading_scan_finds_what_the_full_search_finds() -> None:
    import random

    from coder.core.segmenting import _separated

    rng = random.Random(8)
    words = ["Background", "BACKGROUND", "Results", "results", "Aim of the study", "value",
             "Design/ methodology /approach", "Originality/value", "KEY FINDINGS", "Claims",
             "Design, setting, and participants", "METHODS & RESULTS", "ſummary", "Kelvin",
             "Conclusıon", "İmpact", "résumé", "one-to-one", "2019", "e.g.", "(see", "”Findings",
             "AB", "X", "Trial registration", "\n", "x" * 70]  # fmt: skip
    seps = [": ", ":", " – ", " — ", " - ", "-", ". ", " ", "\t:", ":\t", "\n: ", ") ", ""]
    for _ in range(20000):
        text = "".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(1, 10)))
        assert _separated(text) == _separated_by_full_search(text), repr(text)
