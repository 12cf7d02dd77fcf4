"""Keyboard span selection: motions by word, clause, sentence and segment ends, handles
that pass each other, and mouse ranges snapped to words."""

from __future__ import annotations

from coder.core.selection import Motion, Selection, snap_to_words, unit_ranges, words_of

TEXT = "Peers help, often quietly. They listen; they wait — and then act! End"
WORDS = words_of(TEXT)


def words(sel: Selection) -> str:
    start, end = sel.span(WORDS)
    return TEXT[start:end]


def test_units_split_at_sentence_and_clause_ends():
    sentences = unit_ranges(TEXT, WORDS, Motion.SENTENCE)
    assert [TEXT[WORDS[a][0] : WORDS[b][1]] for a, b in sentences] == [
        "Peers help, often quietly.",
        "They listen; they wait — and then act!",
        "End",
    ]
    clauses = unit_ranges(TEXT, WORDS, Motion.CLAUSE)
    assert [TEXT[WORDS[a][0] : WORDS[b][1]] for a, b in clauses][:4] == [
        "Peers help,",
        "often quietly.",
        "They listen;",
        "they wait —",
    ]


def test_the_end_moves_by_word_sentence_and_to_the_segment_end():
    sel = Selection(0, 0)
    sel = sel.move(1, Motion.WORD, 1, TEXT, WORDS)
    assert words(sel) == "Peers help,"
    sel = sel.move(1, Motion.SENTENCE, 1, TEXT, WORDS)
    assert words(sel) == "Peers help, often quietly."
    sel = sel.move(1, Motion.SENTENCE, 1, TEXT, WORDS)
    assert words(sel) == "Peers help, often quietly. They listen; they wait — and then act!"
    sel = sel.move(1, Motion.SEGMENT, 1, TEXT, WORDS)
    assert words(sel) == TEXT
    sel = sel.move(0, Motion.CLAUSE, 1, TEXT, WORDS)
    assert words(sel).startswith("often quietly.")


def test_the_start_may_pass_the_end_and_the_span_is_normalised():
    sel = Selection(0, 1)  # "Peers help,"
    for _ in range(4):
        sel = sel.move(0, Motion.WORD, 1, TEXT, WORDS)
    assert (sel.start, sel.end) == (4, 1)  # each handle keeps moving as it did
    assert words(sel) == "help, often quietly. They"
    sel = sel.move(0, Motion.WORD, 1, TEXT, WORDS)
    assert words(sel) == "help, often quietly. They listen;"


def test_motions_stop_at_the_segment_ends():
    sel = Selection(0, 0).move(0, Motion.WORD, -1, TEXT, WORDS)
    assert (sel.start, sel.end) == (0, 0)
    end = len(WORDS) - 1
    sel = Selection(end, end).move(1, Motion.SENTENCE, 1, TEXT, WORDS)
    assert (sel.start, sel.end) == (end, end)


def test_a_mouse_range_snaps_outward_to_whole_words():
    start = TEXT.index("elp")
    sel = snap_to_words(WORDS, start, TEXT.index("ten") + 1)
    assert sel is not None and words(sel) == "help, often"
    click = snap_to_words(WORDS, TEXT.index(" often"), TEXT.index(" often"))
    assert click is not None and words(click) == "often"


def test_offsets_are_in_document_coordinates():
    offset = 100
    shifted = words_of(TEXT, offset)
    sel = Selection(0, 0).move(1, Motion.SENTENCE, 1, TEXT, shifted, offset)
    assert sel.span(shifted) == (100, 100 + len("Peers help, often quietly."))
