"""Agreement between coders end to end, on SQLite and PostgreSQL, with numbers worked out
by hand from the three small abstracts of ``helpers.seed``:

gray2024 has units 1-3 (0-76, 78-138, 139-173), doe2019 units 1-3 (0-48, 49-93, 94-121),
hodges2007 no text: six reading units, three documents, 294 characters.
"""

from __future__ import annotations

import json

import pytest

from coder.services.agreement import (
    HEADER,
    agreement,
    disagreement_queue,
    resolve,
    unit_detail,
)
from coder.services.coding import UnitRef, apply_code
from coder.services.notes import add_memo
from coder.services.workspace import ServiceError
from coder.store import queries as q
from tests.conftest import as_coder
from tests.services.helpers import seed

US, TREAD, RISK = "us and them", "tread carefully", "risk"


@pytest.fixture
def coded(ws):
    """alice: us-and-them on gray:2 and gray:3, risk on doe:3.
    bob: us-and-them on gray:2, risk on doe:3, tread-carefully on doe:2."""
    seed(ws)
    bob = as_coder(ws, "bob")
    apply_code(ws, "gray2024:2", US)
    apply_code(ws, "gray2024:3", US)
    apply_code(ws, "doe2019:3", RISK)
    apply_code(bob, "gray2024:2", US, memo="the fissure")
    apply_code(bob, "doe2019:3", RISK)
    apply_code(bob, "doe2019:2", TREAD)
    return ws


def by_code(report):
    return {row.code: row for row in report.rows}


def test_segment_agreement_by_hand(coded):
    report = agreement(coded, ["alice", "bob"])
    rows = by_code(report)
    assert report.n_units == 6 and report.documents == 3
    assert [r.code for r in report.rows] == [US, TREAD, RISK, None]  # codebook order, pooled
    # us and them: both 1, alice only 1, neither 4
    us = rows[US]
    assert us.kappa.confusion == ((4, 0), (1, 1))
    assert us.percent.n_agree == 5 and us.percent.value == pytest.approx(500 / 6)
    assert us.kappa.value == pytest.approx(8 / 14)  # p_o 30/36, p_e 22/36
    assert us.alpha.value == pytest.approx(1 - 11 * 2 / 54)
    # tread carefully: only bob, once: p_o = p_e = 5/6, kappa 0 and a note
    assert rows[TREAD].kappa.value == pytest.approx(0.0)
    assert rows[TREAD].note == "only bob applied this code"
    assert rows[RISK].kappa.value == pytest.approx(1.0)
    # pooled over 18 decisions: both 2, one each alone, neither 14
    pooled = report.pooled
    assert pooled.kappa.confusion == ((14, 1), (1, 2))
    assert pooled.kappa.value == pytest.approx(0.6)
    assert pooled.alpha.value == pytest.approx(1 - 35 * 4 / 360)
    assert [d.line() for d in report.disagreements] == [
        "gray2024:3: 'us and them': applied by alice, not by bob",
        "doe2019:2: 'tread carefully': applied by bob, not by alice",
    ]


def test_report_text_and_json(coded):
    report = agreement(coded, ["alice", "bob"])
    text = "\n".join(report.lines())
    assert "Braun & Clarke" in text and "not a quality score" in text
    assert "all codes (pooled)" in text and "alice only" in text and "0.571" in text
    data = json.loads(json.dumps(report.to_json()))
    assert data["note"] == HEADER
    assert data["pooled"]["kappa"]["confusion"] == [[14, 1], [1, 2]]
    assert data["codes"][0]["code"] == US and data["codes"][0]["applied"] == {"alice": 2, "bob": 1}
    assert data["disagreements"][0]["unit"] == "gray2024:3"


@pytest.mark.parametrize("unit", ["segment", "character"])
def test_progress_counts_each_code_up_to_the_total(coded, unit):
    ticks: list[tuple[int, int]] = []
    report = agreement(
        coded, ["alice", "bob"], unit=unit, progress=lambda d, t: ticks.append((d, t))
    )
    codes = len(report.rows) - 1  # the pooled row is not a step
    total = 1 + (codes if unit == "character" else 2 * codes)
    assert ticks[0] == (0, 1) and ticks[-1] == (total, total)
    steps = [d for d, t in ticks[1:]]
    assert steps == sorted(steps) and all(t == total for _, t in ticks[1:])


def test_document_units(coded):
    report = agreement(coded, ["alice", "bob"], unit="document")
    rows = by_code(report)
    assert report.n_units == 3
    assert rows[US].percent.value == pytest.approx(100.0)
    assert rows[US].kappa.value == pytest.approx(1.0)
    assert rows[TREAD].percent.n_agree == 2
    assert [d.unit for d in report.disagreements] == ["doe2019"]


def test_spans_and_whole_documents_count_for_the_units_they_overlap(coded):
    carol = as_coder(coded, "carol")
    apply_code(carol, UnitRef("doe2019", start=40, end=60), TREAD)  # ends unit 1, starts 2
    apply_code(carol, "gray2024", US)  # the whole document: all three units
    report = agreement(coded, ["bob", "carol"], codes=[TREAD, US])
    assert [d.line() for d in report.disagreements] == [
        "gray2024:1: 'us and them': applied by carol, not by bob",
        "gray2024:3: 'us and them': applied by carol, not by bob",
        "doe2019:1: 'tread carefully': applied by carol, not by bob",
    ]
    assert [r.code for r in report.rows] == [TREAD, US, None]


def test_character_units_as_nvivo_counts(coded):
    dave = as_coder(coded, "dave")
    apply_code(dave, UnitRef("gray2024", start=78, end=88), US)  # 10 characters of unit 2
    report = agreement(coded, ["bob", "dave"], unit="character", codes=[US])
    us = by_code(report)[US]
    assert report.n_units == 173 + 121 == us.n_units
    # bob covers 78-138 (60 chars); dave 10 of them
    assert us.kappa.confusion == ((294 - 60, 0), (50, 10))
    assert us.percent.value == pytest.approx(100 * (294 - 50) / 294)
    (split,) = report.disagreements
    assert split.unit == "gray2024" and split.characters == 50


def test_three_coders_get_fleiss_kappa(coded):
    apply_code(as_coder(coded, "carol"), "gray2024:2", US)
    report = agreement(coded, ["alice", "bob", "carol"], codes=[US])
    us = by_code(report)[US]
    assert us.kappa is None and us.fleiss is not None
    # units: gray:2 all three, gray:3 alice only, four units nobody
    assert us.fleiss.n_units == 6 and us.fleiss.totals == (18 - 4, 4)
    assert us.percent.n_agree == 5
    assert "Fleiss" in "\n".join(report.lines())


def test_only_documents_every_coder_coded(coded):
    apply_code(as_coder(coded, "carol"), "gray2024:1", RISK)
    report = agreement(coded, ["alice", "carol"], only_shared=True)
    assert report.documents == 1 and report.n_units == 3  # gray2024 only


def test_a_code_nobody_applied_is_undefined_not_zero(coded):
    report = agreement(coded, ["alice", "bob"], codes=["us and them", "risk"])
    assert [r.code for r in report.rows] == [US, RISK, None]
    apply_code(as_coder(coded, "carol"), "gray2024:2", US)
    none = agreement(coded, ["bob", "carol"], codes=[RISK, US])
    risk = by_code(none)[RISK]
    assert risk.applied == {"bob": 1, "carol": 0}
    empty = agreement(coded, ["alice", "carol"], codes=[TREAD])
    tread = by_code(empty)[TREAD]
    assert tread.percent.value == 100.0 and tread.kappa.value is None
    assert "no variation" in tread.kappa.note and "n/a" in "\n".join(empty.lines())


def test_user_errors_are_one_line(coded):
    with pytest.raises(ServiceError, match="unknown coder 'bobb' \\(did you mean 'bob'\\?\\)"):
        agreement(coded, ["alice", "bobb"])
    with pytest.raises(ServiceError, match="at least two coders"):
        agreement(coded, ["alice"])
    with pytest.raises(ServiceError, match="unknown unit 'word'"):
        agreement(coded, ["alice", "bob"], unit="word")
    with pytest.raises(ServiceError, match="unknown code 'riks'"):
        agreement(coded, ["alice", "bob"], codes=["riks"])


def test_disagreement_queue_and_consensus(coded):
    queue = disagreement_queue(coded, "alice", "bob")
    assert [(i.ref, i.a_codes, i.b_codes, i.resolved) for i in queue.items] == [
        ("gray2024:3", (US,), (), False),
        ("doe2019:2", (), (TREAD,), False),
    ]
    detail = unit_detail(coded, queue.items[0], ("alice", "bob"))
    assert detail.text[detail.start : detail.end].startswith("Peer workers")

    assert resolve(coded, queue.items[0], "a", ("alice", "bob")) == (US,)
    assert resolve(coded, queue.items[1], "neither", ("alice", "bob")) == ()
    add_memo(coded, "segment 2: we read caution differently", "document", "doe2019", "discussion")

    after = disagreement_queue(coded, "alice", "bob")
    assert [(i.ref, i.consensus, i.resolved) for i in after.items] == [
        ("gray2024:3", (US,), True),
        ("doe2019:2", (), True),  # "neither" leaves no coding, only the recorded decision
    ]
    assert after.resolved == 2 and after.sides() == (2, 0)
    with coded.read() as s:
        consensus = q.codings(s, coded.project.id, coder_ids=[q.coder_id(s, "consensus")])
        actions = [e.action for e in q.audit_events(s, coded.project.id, coder="consensus")]
    assert [(c.document_key, c.ordinal, c.code) for c in consensus] == [("gray2024", 3, US)]
    assert sorted(actions) == ["code.apply", "memo.add", "memo.add"]
    memos = unit_detail(coded, after.items[1], ("alice", "bob")).memos
    assert ("alice", "discussion", "segment 2: we read caution differently") in memos

    # changing one's mind takes the code off again, through the same services
    resolve(coded, after.items[0], "b", ("alice", "bob"))
    final = disagreement_queue(coded, "alice", "bob")
    assert final.items[0].consensus == () and final.items[0].resolved
    assert coded.db.verify(coded.project.id).ok

    with pytest.raises(ServiceError, match="someone else"):
        disagreement_queue(coded, "alice", "bob", consensus="bob")
