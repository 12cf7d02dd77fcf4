"""Agreement of two coders over 100,000 segments and 100 codes (issue 8).

The figure is ``agreement_table`` (percent, Cohen's kappa and Krippendorff's alpha for each
code plus the pooled row), starting from the per-coder sets of coded segments the services
hold. The baseline, measured in the same run, is the reference ``krippendorff`` package
computing nominal alpha alone, per code, on ready-made 2 x 100,000 NumPy reliability
matrices (building those matrices is not timed, which favours the baseline). Pooled alpha
through the package would need a 2 x 10,000,000 matrix, so the baseline is per code.
"""

from __future__ import annotations

import random

import krippendorff
import numpy as np

from benchmarks.common import Result, best_of, report
from coder.core.agreement import agreement_table, disagreements

SEED = 8
APPLIED_SHARE = 0.02  # coder A applies each code to ~2% of segments
KEPT_SHARE = 0.8  # coder B applies it to 80% of those ...
EXTRA_SHARE = 0.004  # ... and to a few segments A left uncoded


def make_codings(
    n_units: int, n_codes: int
) -> tuple[list[int], list[str], dict[str, dict[str, set[int]]]]:
    """Seeded codings with realistic sparsity and roughly kappa 0.8 agreement."""
    rng = random.Random(SEED)
    units = list(range(n_units))
    codes = [f"code {k:03d}" for k in range(n_codes)]
    codings: dict[str, dict[str, set[int]]] = {"alice": {}, "bob": {}}
    for code in codes:
        first = rng.sample(units, int(n_units * APPLIED_SHARE))
        second = first[: int(len(first) * KEPT_SHARE)] + rng.sample(
            units, int(n_units * EXTRA_SHARE)
        )
        codings["alice"][code] = set(first)
        codings["bob"][code] = set(second)
    return units, codes, codings


def reliability_matrix(n_units: int, applied: list[set[int]]) -> np.ndarray:
    matrix = np.zeros((len(applied), n_units))
    for row, units in enumerate(applied):
        matrix[row, list(units)] = 1.0
    return matrix


def main(quick: bool) -> list[Result]:
    n_units, n_codes = (10_000, 10) if quick else (100_000, 100)
    units, codes, codings = make_codings(n_units, n_codes)
    rows: list = []

    def ours() -> None:
        rows[:] = agreement_table(units, codings, codes)

    seconds = best_of(ours)
    matrices = [reliability_matrix(n_units, [codings[c][code] for c in codings]) for code in codes]
    reference: list[float] = []

    def baseline() -> None:
        reference[:] = [krippendorff.alpha(m, level_of_measurement="nominal") for m in matrices]

    baseline_seconds = best_of(baseline)
    worst = max(abs(r.alpha.value - ref) for r, ref in zip(rows, reference, strict=False))
    if worst > 1e-9:
        raise AssertionError(f"alpha differs from the krippendorff package by {worst:g}")
    pooled = rows[-1]
    print(
        f"  {n_codes} codes x {n_units:,} segments, 2 coders; pooled kappa "
        f"{pooled.kappa.value:.3f}, alpha {pooled.alpha.value:.3f}; per-code alpha equals "
        f"the krippendorff package (max difference {worst:.1e})"
    )
    label = f"{n_codes} codes x {n_units // 1000}k segments"
    results = [
        report(
            Result(
                f"agreement_table ({label})",
                seconds,
                "s",
                baseline=baseline_seconds,
                target_ratio=1.0,
            )
        ),
        report(
            Result(
                f"disagreements ({label})",
                best_of(lambda: disagreements(units, codings, codes)),
                "s",
                baseline=baseline_seconds,
            )
        ),
    ]
    return results
