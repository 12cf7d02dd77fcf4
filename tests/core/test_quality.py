"""The Braun & Clarke checklist rules and the resemblance ranking, on plain inputs."""

from __future__ import annotations

import pytest

from coder.core.quality import (
    CRITERIA,
    GAP_CAP,
    QUESTION_ONLY,
    DocumentCoverage,
    QualityInputs,
    ThemeFacts,
    Verdict,
    action_phase,
    assess,
    format_duration,
    jaccard,
    overlapping_themes,
    phase_seconds,
    rank_resembling,
    resemblance,
)


def by_number(data: QualityInputs) -> dict:
    return {f.criterion.number: f for f in assess(data)}


def theme(name: str, **kw) -> ThemeFacts:
    values = dict(
        status="candidate",
        codes=1,
        extracts=5,
        segments=5,
        documents=4,
        exemplars=1,
        definition="d",
    )
    values.update(kw)
    return ThemeFacts(name=name, **values)


def test_fifteen_criteria_in_braun_and_clarkes_five_areas():
    assert [c.number for c in CRITERIA] == list(range(1, 16))
    areas = {c.number: c.area for c in CRITERIA}
    assert areas[1] == "Transcription"
    assert {areas[n] for n in range(2, 6)} == {"Coding"}
    assert {areas[n] for n in range(6, 11)} == {"Analysis"}
    assert areas[11] == "Overall"
    assert {areas[n] for n in range(12, 16)} == {"Written report"}
    assert all(c.text and c.question.endswith("?") for c in CRITERIA)


def test_points_only_the_researcher_can_judge_are_questions_never_scored():
    busy = QualityInputs(
        coverage=[DocumentCoverage("a", 4, 4)],
        themes=[theme("T")],
        memos={("project", "journal"): 3, ("theme", "note"): 2},
    )
    for data in (QualityInputs(), busy):
        findings = by_number(data)
        assert {n for n, f in findings.items() if f.verdict == Verdict.QUESTION} == set(
            QUESTION_ONLY
        )


def test_an_empty_project_has_no_data_rather_than_passing():
    findings = by_number(QualityInputs())
    for n in (1, 2, 3, 4, 5, 6, 8, 10, 11):
        assert findings[n].verdict == Verdict.NO_DATA, n
    assert findings[15].verdict == Verdict.CHECK  # an empty journal is worth saying


def test_equal_attention_names_documents_never_or_barely_coded():
    data = QualityInputs(
        coverage=[
            DocumentCoverage("full", 5, 5),
            DocumentCoverage("never", 4, 0),
            DocumentCoverage("barely", 10, 1),
            DocumentCoverage("empty", 0, 0),
        ]
    )
    found = by_number(data)
    assert found[2].verdict == Verdict.CHECK
    assert found[2].evidence == [
        "1 document never coded: never",
        "1 document barely coded (under 20% of units): barely",
    ]
    assert found[1].verdict == Verdict.CHECK and "empty" in found[1].evidence[0]
    assert found[3].evidence[0] == "6 of 19 units coded (32%)"

    even = by_number(
        QualityInputs(coverage=[DocumentCoverage("a", 5, 1), DocumentCoverage("b", 2, 2)])
    )
    assert even[2].verdict == Verdict.OK and even[1].verdict == Verdict.OK


def test_a_theme_resting_on_one_or_two_documents_is_flagged():
    data = QualityInputs(
        themes=[
            theme("Broad", documents=7),
            theme("Vivid", documents=1),
            theme("Pair", documents=2),
        ]
    )
    found = by_number(data)[3]
    assert found.verdict == Verdict.CHECK
    assert (
        found.evidence[-1]
        == "themes drawn from 2 documents or fewer: Vivid (1 document), Pair (2 documents)"
    )
    assert by_number(QualityInputs(themes=[theme("Broad", documents=3)]))[3].verdict == Verdict.OK


def test_codes_in_no_theme_and_themes_without_extracts_mean_collation_is_unfinished():
    data = QualityInputs(themes=[theme("A"), theme("Empty", extracts=0, segments=0, documents=0)])
    data.unthemed_codes = [("stray", 3), ("unused", 0), ("busy", 9)]
    found = by_number(data)[4]
    assert found.verdict == Verdict.CHECK
    assert found.evidence[0] == "2 codes with codings in no theme: busy (9), stray (3)"
    assert found.evidence[1] == "themes with no coded extract: Empty"
    assert found.evidence[2] == "extracts per theme: A 5 (4 docs), Empty 0 (0 docs)"
    tidy = QualityInputs(themes=[theme("A")], unthemed_codes=[("unused", 0)])
    assert by_number(tidy)[4].verdict == Verdict.OK


def test_distinctiveness_uses_jaccard_over_coded_segments():
    assert jaccard(10, 10, 10) == 1.0
    assert jaccard(6, 4, 2) == pytest.approx(2 / 8)
    assert jaccard(0, 0, 0) == 0.0
    themes = [theme("A", segments=10), theme("B", segments=8), theme("C", segments=10)]
    shared = {("A", "B"): 6, ("A", "C"): 1, ("B", "Gone"): 5}
    assert overlapping_themes(themes, shared) == [("A", "B", pytest.approx(0.5))]
    found = by_number(QualityInputs(themes=themes, shared_segments=shared))[6]
    assert found.verdict == Verdict.CHECK
    assert found.evidence == ["A and B share 50% of their coded segments"]
    apart = by_number(QualityInputs(themes=themes, shared_segments={("A", "B"): 1}))[6]
    assert apart.verdict == Verdict.OK


def test_review_status_exemplars_and_definitions():
    themes = [
        theme("Done", status="defined", exemplars=2),
        theme("Open", status="candidate", exemplars=0, definition=" "),
        theme("Heavy", status="reviewed", exemplars=9, misfits=2),
    ]
    found = by_number(QualityInputs(themes=themes))
    assert found[5].verdict == Verdict.CHECK
    assert found[5].evidence == [
        "2 of 3 themes reviewed or defined",
        "2 extracts marked as not fitting a theme",
        "still candidates: Open",
    ]
    assert found[8].evidence == ["themes with no exemplar extract: Open"]
    assert found[10].evidence == [
        "themes with more than 5 exemplars: Heavy (9)",
        "themes with no written definition: Open",
    ]
    assert found[7].evidence[0] == "2 of 3 themes have a definition"


def test_time_per_phase_and_a_report_marked_done_too_early():
    seconds = {1: 1800.0, 2: 7200.0, 3: 600.0, 4: 0.0, 5: 300.0, 0: 50.0}
    data = QualityInputs(
        themes=[theme("Open")],
        phase_seconds=seconds,
        phase_statuses={6: "done", 2: "done", 1: "in progress"},
    )
    found = by_number(data)
    assert found[11].verdict == Verdict.CHECK
    assert found[11].evidence[0] == (
        "time per phase (pauses capped at 10 min): 1 Familiarise 30 min, 2 Code 2 h 00 min, "
        "3 Themes 10 min, 4 Review <1 min, 5 Define 5 min, 6 Report <1 min"
    )
    assert found[11].evidence[1] == "no recorded work in: 4 Review"
    assert found[13].verdict == Verdict.CHECK
    assert found[13].evidence == [
        "phases marked done: 2 Code, 6 Report",
        "the report is marked done but themes are still candidates: Open",
    ]


def test_the_reflexive_journal_counts_for_the_active_researcher():
    found = by_number(QualityInputs(memos={("project", "journal"): 2}))
    assert found[15].verdict == Verdict.OK
    assert found[15].evidence == ["2 entries in the reflexive journal"]
    assert found[12].evidence == ["2 entries in the reflexive journal"]


@pytest.mark.parametrize(
    ("action", "target", "phase"),
    [
        ("import", "a.ris", 1),
        ("document.read", "gray2024", 1),
        ("memo.set", "familiarisation on document gray2024", 1),
        ("code.apply", "risk @ gray2024:3", 2),
        ("memo.add", "note on code risk", 2),
        ("theme.create", "T", 3),
        ("theme.assign", "a, b -> T", 3),
        ("theme.merge", "A -> B", 4),
        ("code.merge", "a -> b", 4),
        ("theme.status", "T: reviewed", 4),
        ("theme.status", "T: defined", 5),
        ("theme.exemplar", "T: coding 4", 5),
        ("theme.reorder", "T up", 5),
        ("phase.status", "6 Report: done", 6),
        ("undo", "#12 code.apply risk @ gray2024:3", 2),
        ("redo", "#13 theme.define T", 5),
        ("memo.add", "journal on project", 0),
        ("something.new", "", 0),
        ("undo", "", 0),
    ],
)
def test_actions_map_to_the_phase_they_belong_to(action, target, phase):
    assert action_phase(action, target) == phase


def test_phase_time_sums_each_coders_pauses_capped():
    events = [
        ("2024-01-01T09:00:00+00:00", "ann", "document.read", "a"),
        ("2024-01-01T09:00:30+00:00", "bob", "code.apply", "x @ a:1"),  # bob's first: no gap
        ("2024-01-01T09:02:00+00:00", "ann", "code.apply", "x @ a:1"),  # ann +120 s -> 2
        ("2024-01-01T09:03:00+00:00", "bob", "theme.create", "T"),  # bob +150 s -> 3
        ("2024-01-01T15:00:00+00:00", "ann", "theme.define", "T"),  # ann, hours later: capped
    ]
    assert phase_seconds(events) == {2: 120.0, 3: 150.0, 5: GAP_CAP}
    assert phase_seconds([]) == {}


def test_format_duration():
    assert format_duration(0) == "<1 min"
    assert format_duration(29) == "<1 min"
    assert format_duration(61) == "1 min"
    assert format_duration(3 * 3600 + 5 * 60) == "3 h 05 min"


def test_resemblance_prefers_a_keyword_hit_and_ignores_unrelated_text():
    hit = resemblance("Staff emphasised the RISKS of peer support.", ["risks", "ok"], [])
    assert hit is not None and hit.score == 60 and hit.cue == "risks"
    assert resemblance("Nothing to see here at all.", ["risks"], []) is None
    assert resemblance("", ["risks"], ["anything"]) is None
    like = resemblance(
        "peer workers bridge the gap between us and them",
        [],
        ["Peer workers must bridge this gap."],
    )
    assert like is not None and like.score > 60


def test_resemblance_is_graded_so_hits_rank():
    """Not 100 for every hit: more keywords, closer wording and both kinds of evidence
    score higher; a long unit sharing one word with a short extract scores low."""
    keywords = ["risk", "coercion", "restraint"]
    one = resemblance("Staff talked of risk.", keywords, [])
    two = resemblance("Staff talked of risk and restraint.", keywords, [])
    three = resemblance("Risk, restraint and coercion on the ward.", keywords, [])
    assert one and two and three and one.score < two.score < three.score < 100
    extract = ["Staff saw risk where patients saw care."]
    close = resemblance("Staff saw risk, patients saw care.", [], extract)
    far = resemblance("Patients met in the garden and talked about care and food.", [], extract)
    assert close and far and far.score < 50 < close.score
    both = resemblance("Staff saw risk, patients saw care.", keywords, extract)
    assert both and both.score > max(close.score, one.score)
    scores = {r.score for r in (one, two, three, close, far, both) if r is not None}
    assert len(scores) == 6


def test_rank_resembling_is_bounded_ordered_and_stable():
    texts = [
        (1, "The ward felt like us and them."),
        (2, "Weather report: sunny."),
        (3, "Us and them, said the staff, us and them."),
        (4, "A binary of us and them on the ward."),
        (5, "Completely different content about budgets."),
    ]
    ranked = rank_resembling(iter(texts), ["us and them"], [], limit=2)
    assert [item for _r, item in ranked] == [1, 3]  # equal scores: earlier first, bounded to 2
    everything = rank_resembling(iter(texts), ["us and them"], [], limit=10)
    assert [item for _r, item in everything] == [1, 3, 4]
    assert rank_resembling(iter(texts), [], [], limit=3) == []
