"""Agreement statistics against published worked examples and the `krippendorff` package."""

from __future__ import annotations

import math
import random

import krippendorff
import numpy as np
import pytest

from coder.core.agreement import (
    BinaryTally,
    agreement_table,
    character_agreement,
    code_agreement,
    cohen_kappa,
    cohen_kappa_from_confusion,
    disagreements,
    fleiss_kappa,
    krippendorff_alpha_nominal,
    percent_agreement,
)

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, section C ("nominal data, any number of
# observers, missing data"): 4 observers x 12 units, nominal alpha = 0.743.
KRIPPENDORFF_2011_C = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
# Bulletin 76(5), 378-382: 30 patients x 6 psychiatrists, 5 diagnoses. As tabulated by
# statsmodels (statsmodels/stats/tests/test_inter_rater.py, `diagnoses`), which checks
# kappa = 0.4302445 against R irr::kappam.fleiss; Fleiss reports 0.430.
FLEISS_1971_DIAGNOSES = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip


def expand_confusion(table: list[list[int]]) -> list[list[int]]:
    """A 2 x N reliability matrix whose Cohen confusion table is ``table``."""
    pairs = [(i, j) for i, row in enumerate(table) for j, n in enumerate(row) for _ in range(n)]
    return [[a for a, _ in pairs], [b for _, b in pairs]]


def from_count_table(table: list[list[int]]) -> list[list[int]]:
    """Raters x units matrix from a units x categories count table (raters exchangeable)."""
    units = [[j for j, n in enumerate(row) for _ in range(n)] for row in table]
    return [list(col) for col in zip(*units, strict=True)]


def to_nan(matrix: list[list[object]]) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)


# ------------------------------------------------------------------ Cohen's kappa


def test_cohen_1960_worked_example() -> None:
    # Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and
    # Psychological Measurement 20(1), 37-46, Table 2b (p. 45): 200 cases, 3 categories;
    # p_o = .70, p_c = .41, kappa = .29 / .59 = .492.
    table = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
    result = cohen_kappa_from_confusion(table)
    assert result.n_units == 200
    assert result.observed == pytest.approx(0.70)
    assert result.expected == pytest.approx(0.41)
    assert round(result.value, 3) == 0.492
    assert result.value == pytest.approx(0.29 / 0.59)
    from_matrix = cohen_kappa(expand_confusion(table))
    assert from_matrix.value == pytest.approx(result.value)
    assert from_matrix.confusion == tuple(map(tuple, table))


def test_wikipedia_cohen_example() -> None:
    # https://en.wikipedia.org/wiki/Cohen%27s_kappa "Simple example": 50 proposals,
    # yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o 0.7, p_e 0.5, kappa 0.4.
    result = cohen_kappa_from_confusion([[20, 5], [10, 15]], ["yes", "no"])
    assert (result.observed, result.expected) == pytest.approx((0.7, 0.5))
    assert result.value == pytest.approx(0.4)
    assert result.categories == ("yes", "no")


def test_sas_simple_kappa_example() -> None:
    # SAS PROC FREQ "Simple Kappa Coefficient" printout, as used by statsmodels'
    # test_inter_rater.py (table10 = [[0,4,1],[0,8,0],[0,1,5]]): kappa 0.4842.
    result = cohen_kappa_from_confusion([[0, 4, 1], [0, 8, 0], [0, 1, 5]])
    assert round(result.value, 4) == 0.4842


def test_cohen_kappa_uses_only_units_both_coded() -> None:
    matrix = [["a", "b", None, "a", "b"], ["a", "b", "a", None, "a"]]
    result = cohen_kappa(matrix)
    assert result.n_units == 3
    assert result.confusion == ((1, 0), (1, 1))
    # p_o = 2/3; marginals a: 1/3 vs 2/3, b: 2/3 vs 1/3 -> p_e = 4/9; kappa = (2/9)/(5/9)
    assert result.value == pytest.approx(0.4)


def test_cohen_kappa_undefined_cases() -> None:
    same = cohen_kappa([["x", "x", "x"], ["x", "x", "x"]])
    assert same.value is None and same.note == "no variation: kappa undefined"
    assert same.observed == 1.0
    disjoint = cohen_kappa([["x", None], [None, "y"]])
    assert disjoint.value is None and "no units coded by both" in disjoint.note
    with pytest.raises(ValueError, match="exactly 2 coders"):
        cohen_kappa([[1], [1], [1]])


# ------------------------------------------------------------- Krippendorff's alpha


def test_krippendorff_2011_nominal_example() -> None:
    result = krippendorff_alpha_nominal(KRIPPENDORFF_2011_C)
    assert round(result.value, 3) == 0.743
    assert result.n_values == 40  # n.. in the paper
    assert result.n_units == 11  # unit 12 has a single value: not pairable
    assert [round(sum(row), 6) for row in result.coincidences] == [9, 13, 10, 5, 3]  # n_c
    assert result.coincidences[0][:2] == pytest.approx((7.0, 4 / 3))
    reference = krippendorff.alpha(to_nan(KRIPPENDORFF_2011_C), level_of_measurement="nominal")
    assert result.value == pytest.approx(reference, abs=1e-12)


def test_krippendorff_2011_binary_example_via_sets() -> None:
    # Same source, section A (binary data, two observers, no missing data), alpha = 0.095:
    # A = 0 1 0 0 0 0 0 0 1 0, B = 1 1 1 0 0 1 0 0 0 0.
    result = code_agreement(range(1, 11), {"A": {2, 9}, "B": {1, 2, 3, 6}})
    assert round(result.alpha.value, 3) == 0.095
    assert result.alpha.coincidences == ((10.0, 4.0), (4.0, 2.0))
    assert result.percent.value == 60.0
    assert result.applied == {"A": 2, "B": 4}


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        # krippendorff package, tests/test_krippendorff.py::test_nominal_metric_reliability_data
        (
            [
                [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
                [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
                [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
            ],
            0.691358,
        ),
        # ... ::test_string_labels_nominal
        (
            [
                ["pos", "neg", "neu", None],
                ["pos", "neg", "neu", "pos"],
                ["pos", "neg", "pos", "pos"],
            ],
            0.722222,
        ),
        # ... ::test_perfect_agreement
        ([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]], 1.0),
    ],
)
def test_krippendorff_package_cases(matrix: list[list[object]], expected: float) -> None:
    assert round(krippendorff_alpha_nominal(matrix).value, 6) == expected


def test_alpha_matches_krippendorff_package_on_random_matrices() -> None:
    rng = random.Random(20240822)
    for _ in range(40):
        coders, units = rng.randint(2, 5), rng.randint(5, 40)
        values = list(range(rng.randint(2, 5)))
        matrix = [
            [rng.choice(values) if rng.random() > 0.25 else None for _ in range(units)]
            for _ in range(coders)
        ]
        ours = krippendorff_alpha_nominal(matrix)
        data = to_nan(matrix)
        pairable = (~np.isnan(data)).sum(axis=0) >= 2
        if len(np.unique(data[:, pairable][~np.isnan(data[:, pairable])])) < 2:
            assert ours.value is None
            continue
        reference = krippendorff.alpha(data, level_of_measurement="nominal")
        assert ours.value == pytest.approx(reference, abs=1e-9)


def test_alpha_undefined_cases() -> None:
    same = krippendorff_alpha_nominal([[1, 1, None], [1, 1, 2]])
    assert same.value is None and same.note == "no variation: alpha undefined"
    lonely = krippendorff_alpha_nominal([[1, None], [None, 2]])
    assert lonely.value is None and lonely.n_values == 0
    assert lonely.note == "fewer than 2 pairable values: alpha undefined"


# ------------------------------------------------------------------ Fleiss' kappa


def test_fleiss_1971_example() -> None:
    result = fleiss_kappa([list(col) for col in zip(*FLEISS_1971_DIAGNOSES, strict=True)])
    assert result.value == pytest.approx(0.4302445, abs=1e-7)
    assert (result.n_units, result.n_raters) == (30, 6)
    assert result.totals == (26, 26, 30, 55, 43)  # statsmodels test_aggregate_raters colsum


def test_wikipedia_fleiss_example() -> None:
    # https://en.wikipedia.org/wiki/Fleiss%27_kappa worked example (also statsmodels'
    # test_fleiss_kappa): 10 subjects, 14 raters, 5 categories; P = 0.378, P_e = 0.213,
    # kappa = 0.210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    result = fleiss_kappa(from_count_table(table))
    assert round(result.value, 3) == 0.210
    assert round(result.observed, 3) == 0.378
    assert round(result.expected, 3) == 0.213
    assert result.totals == (20, 28, 39, 21, 32)


def test_fleiss_leaves_out_incomplete_units() -> None:
    matrix = [[1, 2, 2, 1], [1, 2, None, 2], [1, 2, 2, 2]]
    result = fleiss_kappa(matrix)
    assert result.n_units == 3
    assert result.note == "1 unit(s) with missing values left out"
    complete = fleiss_kappa([[1, 2, 1], [1, 2, 2], [1, 2, 2]])
    assert result.value == pytest.approx(complete.value)


def test_fleiss_no_variation() -> None:
    result = fleiss_kappa([["a", "a"], ["a", "a"], ["a", "a"]])
    assert result.value is None and "no variation" in result.note


# --------------------------------------------------------------- percent agreement


def test_percent_agreement_counts_units_with_two_values() -> None:
    result = percent_agreement([[1, 1, 2, None], [1, 2, 2, 1], [None, 2, 2, None]])
    assert (result.n_units, result.n_agree) == (3, 2)
    assert result.value == pytest.approx(200 / 3)
    empty = percent_agreement([[1, None], [None, 1]])
    assert empty.value is None and "undefined" in empty.note


def test_matrix_shape_errors() -> None:
    with pytest.raises(ValueError, match="rows differ in length"):
        percent_agreement([[1, 2], [1]])
    with pytest.raises(ValueError, match="at least 2 coders"):
        krippendorff_alpha_nominal([[1, 2]])


# ------------------------------------------------------------ codes over segments


def test_no_variation_code() -> None:
    result = code_agreement(range(20), {"A": set(), "B": set()}, code="unused")
    assert result.percent.value == 100.0
    assert result.kappa.value is None
    assert result.kappa.note == "no variation: kappa undefined"
    assert result.alpha.value is None
    assert result.alpha.note == "no variation: alpha undefined"
    assert result.note == "no coder applied this code"
    everywhere = code_agreement(range(5), {"A": set(range(5)), "B": set(range(5))})
    assert everywhere.percent.value == 100.0 and everywhere.kappa.value is None


def test_code_only_one_coder_used() -> None:
    result = code_agreement(range(10), {"A": {1, 2}, "B": set()})
    assert result.note == "only A applied this code"
    assert result.kappa.value == 0.0  # p_o = p_e = 0.8: no agreement beyond chance
    assert result.kappa.confusion == ((8, 0), (2, 0))
    assert result.alpha.value < 0
    assert result.percent.value == 80.0


def test_missing_units() -> None:
    units = list(range(8))
    applied = {"A": {0, 1, 2}, "B": {0, 1, 5}}
    missing = {"A": {6, 7}, "B": {2}}
    result = code_agreement(units, applied, missing)
    # kappa: units both saw are 0,1,3,4,5 -> A applies {0,1}, B {0,1,5}
    assert result.kappa.n_units == 5
    assert result.kappa.confusion == ((2, 1), (0, 2))
    # alpha: units with two values are the same five; 2, 6, 7 have one value each
    assert result.alpha.n_units == 5
    matrix = [
        [None if u in missing[c] else int(u in applied[c]) for u in units] for c in ("A", "B")
    ]
    assert result.alpha.value == pytest.approx(
        krippendorff.alpha(to_nan(matrix), level_of_measurement="nominal")
    )
    assert result.kappa.value == pytest.approx(cohen_kappa(matrix).value)
    assert result.percent.n_units == 5 and result.percent.n_agree == 4


def test_fewer_than_two_pairable_values() -> None:
    result = code_agreement([1, 2], {"A": {1}, "B": {2}}, {"A": {2}, "B": {1}})
    assert result.alpha.value is None
    assert result.alpha.note == "fewer than 2 pairable values: alpha undefined"
    assert result.kappa.value is None and result.percent.value is None


def test_three_coders_give_fleiss_not_cohen() -> None:
    units = range(12)
    applied = {"A": {0, 1, 2, 3}, "B": {0, 1, 2, 7}, "C": {0, 1, 5}}
    result = code_agreement(units, applied)
    assert result.kappa is None
    matrix = [[int(u in applied[c]) for u in units] for c in applied]
    assert result.fleiss.value == pytest.approx(fleiss_kappa(matrix).value)
    assert result.alpha.value == pytest.approx(krippendorff_alpha_nominal(matrix).value)
    assert result.percent == percent_agreement(matrix)


def test_coding_input_errors() -> None:
    with pytest.raises(ValueError, match="did not see"):
        code_agreement([1, 2], {"A": {1}, "B": set()}, {"A": {1}})
    with pytest.raises(ValueError, match="more than once"):
        code_agreement([1, 1, 2], {"A": {1}, "B": set()})
    with pytest.raises(ValueError, match="at least 2 coders"):
        code_agreement([1, 2], {"A": {1}})
    with pytest.raises(ValueError, match="unknown coder"):
        code_agreement([1, 2], {"A": {1}, "B": set()}, {"Z": {1}})


def random_codings(
    seed: int, n_units: int, n_codes: int, coders: tuple[str, ...] = ("A", "B")
) -> dict[str, dict[str, set[int]]]:
    rng = random.Random(seed)
    codings: dict[str, dict[str, set[int]]] = {c: {} for c in coders}
    for k in range(n_codes):
        base = {u for u in range(n_units) if rng.random() < 0.2}
        for coder in coders:
            kept = {u for u in base if rng.random() < 0.8}
            extra = {u for u in range(n_units) if rng.random() < 0.05}
            codings[coder][f"code{k:02d}"] = kept | extra
    return codings


def test_agreement_table_per_code_and_pooled() -> None:
    units = list(range(60))
    codings = random_codings(7, len(units), 6)
    codes = sorted(codings["A"])
    missing = {"B": {3, 4, 5}}
    for coder in codings:  # a coder cannot code what they did not see
        for units_coded in codings[coder].values():
            units_coded -= missing.get(coder, set())
    rows = agreement_table(units, codings, codes, missing)
    assert [r.code for r in rows] == [*codes, None]
    for row, code in zip(rows, codes, strict=False):
        single = code_agreement(units, {c: codings[c][code] for c in codings}, missing, code)
        assert row == single
    pooled = rows[-1]
    assert pooled.pooled and pooled.n_units == len(units) * len(codes)
    # pooled = every (unit, code) decision as one unit of a single binary variable
    matrix = [
        [None if u in missing.get(c, ()) else int(u in codings[c][k]) for k in codes for u in units]
        for c in codings
    ]
    assert pooled.kappa.value == pytest.approx(cohen_kappa(matrix).value)
    assert pooled.percent == percent_agreement(matrix)
    assert pooled.alpha.value == pytest.approx(
        krippendorff.alpha(to_nan(matrix), level_of_measurement="nominal")
    )
    assert pooled.applied["A"] == sum(r.applied["A"] for r in rows[:-1])


def test_agreement_table_defaults_and_absent_codes() -> None:
    codings = {"A": {"trust": {1, 2}}, "B": {"cost": {2}}}
    rows = agreement_table([1, 2, 3], codings)
    assert [r.code for r in rows] == ["cost", "trust", None]
    assert rows[0].note == "only B applied this code"
    assert rows[1].kappa.confusion == ((1, 0), (2, 0))


def test_units_outside_the_list_are_ignored() -> None:
    restricted = code_agreement([1, 2, 3], {"A": {1, 99}, "B": {1, 98}})
    assert restricted.applied == {"A": 1, "B": 1}
    assert restricted.percent.value == 100.0


def test_disagreements() -> None:
    units = ["s1", "s2", "s3", "s4"]
    codings = {
        "A": {"trust": {"s1", "s2"}, "cost": {"s4"}},
        "B": {"trust": {"s2", "s3"}, "cost": {"s4"}},
        "C": {"trust": {"s2"}, "cost": {"s1"}},
    }
    found = disagreements(units, codings, ["trust", "cost"], missing={"C": {"s3"}})
    assert [(d.unit, d.code, d.applied_by, d.not_applied_by) for d in found] == [
        ("s1", "trust", ("A",), ("B", "C")),
        ("s1", "cost", ("C",), ("A", "B")),
        ("s3", "trust", ("B",), ("A",)),
        ("s4", "cost", ("A", "B"), ("C",)),
    ]
    alone = disagreements(["u"], {"A": {"k": {"u"}}, "B": {}}, missing={"B": {"u"}})
    assert alone == []


def test_disagreements_agree_with_percent() -> None:
    units = list(range(80))
    codings = random_codings(11, len(units), 5)
    rows = agreement_table(units, codings)
    found = disagreements(units, codings)
    for row in rows[:-1]:
        n_disagree = sum(d.code == row.code for d in found)
        assert n_disagree == row.percent.n_units - row.percent.n_agree


# --------------------------------------------------------------- character level


def per_character(length: int, spans: dict[str, list[tuple[int, int]]]) -> list[list[int]]:
    """The obvious per-character reliability matrix, to check the interval arithmetic."""
    rows = []
    for coder_spans in spans.values():
        row = [0] * length
        for start, end in coder_spans:
            row[start:end] = [1] * (end - start)
        rows.append(row)
    return rows


def same(a: float | None, b: float | None) -> bool:
    return a is b is None or (a is not None and b is not None and math.isclose(a, b))


def test_character_agreement_matches_per_character_count() -> None:
    rng = random.Random(3)
    for _ in range(30):
        length = rng.randint(1, 300)
        spans: dict[str, list[tuple[int, int]]] = {}
        for coder in ("A", "B", "C")[: rng.randint(2, 3)]:
            starts = [rng.randint(0, length) for _ in range(rng.randint(0, 6))]
            spans[coder] = [(s, rng.randint(s, length)) for s in starts]
        result = character_agreement(length, spans)
        matrix = per_character(length, spans)
        assert result.n_units == length
        assert result.percent == percent_agreement(matrix)
        assert same(result.alpha.value, krippendorff_alpha_nominal(matrix).value)
        if len(spans) == 2:
            assert same(result.kappa.value, cohen_kappa(matrix).value)
        else:
            assert same(result.fleiss.value, fleiss_kappa(matrix).value)


def test_character_agreement_overlaps_and_large_text() -> None:
    result = character_agreement(100, {"A": [(0, 10), (5, 20)], "B": [(10, 30)]})
    assert result.applied == {"A": 20, "B": 20}
    assert result.kappa.confusion == ((70, 10), (10, 10))
    assert result.kappa.value == pytest.approx(0.375)
    # ten million characters: interval arithmetic, so instant
    big = character_agreement(10_000_000, {"A": [(0, 6_000_000)], "B": [(3_000_000, 9_000_000)]})
    assert big.kappa.confusion == ((1_000_000, 3_000_000), (3_000_000, 3_000_000))


def test_character_tallies_add_across_documents() -> None:
    doc1 = BinaryTally.from_spans(50, {"A": [(0, 10)], "B": [(0, 12)]})
    doc2 = BinaryTally.from_spans(30, {"A": [], "B": [(5, 9)]})
    pooled = (doc1 + doc2).summarise("trust")
    assert pooled.n_units == 80
    assert pooled.kappa.confusion == ((64, 6), (0, 10))
    assert math.isclose(pooled.percent.value, 100 * 74 / 80)


def test_character_span_errors() -> None:
    with pytest.raises(ValueError, match="coder B, span 2: \\(5, 120\\)"):
        character_agreement(100, {"A": [(0, 5)], "B": [(0, 5), (5, 120)]})
    with pytest.raises(ValueError, match="ends before it starts"):
        character_agreement(100, {"A": [(9, 5)], "B": []})
