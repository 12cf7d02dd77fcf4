"""Inter-coder agreement for nominal codings: percent agreement, Cohen's kappa,
Krippendorff's alpha and Fleiss' kappa, each returned with the counts behind it.

Braun & Clarke hold that inter-coder reliability does not fit reflexive thematic analysis;
these figures exist to open a discussion between coders, so every result carries the counts
it came from and a ``note`` saying why a value is undefined, rather than a bare number.

Two ways in:

* the general nominal API over a reliability matrix, ``matrix[coder][unit]`` being any
  hashable value or ``None`` for a missing value (:func:`percent_agreement`,
  :func:`cohen_kappa`, :func:`krippendorff_alpha_nominal`, :func:`fleiss_kappa`);
* the coding API where each code is a binary variable over units ("applied" or not):
  :func:`code_agreement`, :func:`agreement_table`, :func:`disagreements` and, with characters
  as units as NVivo counts them, :func:`character_agreement`.

The coding API never walks every unit in Python: a :class:`BinaryTally` counts units by the
pattern of which coders applied the code and which did not see the unit, touching only the
units some coder applied the code to or missed. Unapplied units are counted by subtraction,
so 100 codes over 100,000 segments cost the number of codings, not codes x segments.

Edge cases (tested): when every value is the same category (e.g. no coder applied a code),
percent agreement is 100 but kappa and alpha are 0/0 and reported as ``None`` with the note
"no variation: kappa undefined" / "no variation: alpha undefined". A code only one coder used
gets kappa <= 0 and a note naming that coder. Cohen's and Fleiss' kappa use only units every
coder has a value for; alpha uses every unit with at least two values and is undefined with
fewer than two pairable values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

Unit = Hashable
Coder = Hashable
CodeKey = Hashable
ReliabilityMatrix = Sequence[Sequence[Hashable | None]]

NOT_APPLIED, APPLIED = 0, 1
BINARY_CATEGORIES: tuple[int, int] = (NOT_APPLIED, APPLIED)

__all__ = [
    "APPLIED",
    "BINARY_CATEGORIES",
    "NOT_APPLIED",
    "AlphaResult",
    "BinaryTally",
    "CodeAgreement",
    "Disagreement",
    "FleissResult",
    "KappaResult",
    "PercentResult",
    "agreement_table",
    "character_agreement",
    "code_agreement",
    "cohen_kappa",
    "cohen_kappa_from_confusion",
    "disagreements",
    "fleiss_kappa",
    "krippendorff_alpha_nominal",
    "percent_agreement",
]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PercentResult:
    """Share of units on which all coders who gave a value agree, in percent (0-100).

    Only units with values from at least two coders count (``n_units``); ``n_agree`` of them
    have a single value among their coders."""

    value: float | None
    n_units: int
    n_agree: int
    note: str = ""


@dataclass(frozen=True)
class KappaResult:
    """Cohen's (1960) kappa: (p_o - p_e) / (1 - p_e).

    ``confusion[i][j]`` counts units the first coder put in ``categories[i]`` and the second
    in ``categories[j]``; ``observed`` is p_o and ``expected`` p_e, the sum over categories
    of the product of the two coders' marginal proportions."""

    value: float | None
    n_units: int
    observed: float | None
    expected: float | None
    categories: tuple[Hashable, ...]
    confusion: tuple[tuple[int, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha for nominal data: 1 - D_o / D_e from the coincidence matrix.

    ``n_units`` counts pairable units (two or more values), ``n_values`` the pairable values
    (Krippendorff's n..); ``coincidences[c][k]`` is o_ck, whose row sums are n_c."""

    value: float | None
    n_units: int
    n_values: int
    observed_disagreement: float | None
    expected_disagreement: float | None
    categories: tuple[Hashable, ...]
    coincidences: tuple[tuple[float, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class FleissResult:
    """Fleiss' (1971) kappa for a fixed number of raters per unit: (P - P_e) / (1 - P_e).

    ``observed`` is P (mean per-unit agreement), ``expected`` P_e (sum of squared category
    proportions), ``totals[j]`` the number of assignments to ``categories[j]``."""

    value: float | None
    n_units: int
    n_raters: int
    observed: float | None
    expected: float | None
    categories: tuple[Hashable, ...]
    totals: tuple[int, ...]
    note: str = ""


@dataclass(frozen=True)
class CodeAgreement:
    """Agreement on one code (``code``) or on all codes pooled (``code is None``).

    Pooled treats every (unit, code) decision as one binary unit, so its counts are the sums
    of the per-code counts. ``applied[c]`` is how many units coder ``c`` applied the code to;
    ``kappa`` is set for exactly two coders, ``fleiss`` for three or more."""

    code: CodeKey | None
    coders: tuple[Coder, ...]
    n_units: int
    applied: dict[Coder, int]
    percent: PercentResult
    alpha: AlphaResult
    kappa: KappaResult | None = None
    fleiss: FleissResult | None = None
    note: str = ""

    @property
    def pooled(self) -> bool:
        return self.code is None


@dataclass(frozen=True)
class Disagreement:
    """A unit where, among the coders who saw it, some applied the code and some did not."""

    unit: Unit
    code: CodeKey
    applied_by: tuple[Coder, ...]
    not_applied_by: tuple[Coder, ...]


# ------------------------------------------------------------------ shared formulas


def _ordered(values: Iterable[Hashable]) -> tuple[Hashable, ...]:
    """Categories in a stable order: sorted when comparable, else by type name and repr."""
    unique = set(values)
    try:
        return tuple(sorted(unique))  # type: ignore[type-var]
    except TypeError:
        return tuple(sorted(unique, key=lambda v: (type(v).__name__, repr(v))))


def _percent(n_units: int, n_agree: int) -> PercentResult:
    if n_units == 0:
        return PercentResult(
            None, 0, 0, "no unit has values from 2 coders: percent agreement undefined"
        )
    return PercentResult(100.0 * n_agree / n_units, n_units, n_agree)


def _kappa(categories: tuple[Hashable, ...], confusion: Sequence[Sequence[int]]) -> KappaResult:
    """Cohen's kappa in exact integer arithmetic until the final division."""
    table = tuple(tuple(int(x) for x in row) for row in confusion)
    n = sum(map(sum, table))
    if n == 0:
        return KappaResult(
            None, 0, None, None, categories, table, "no units coded by both coders: kappa undefined"
        )
    rows = [sum(row) for row in table]
    cols = [sum(col) for col in zip(*table, strict=True)]
    agree = sum(table[i][i] for i in range(len(table)))
    chance = sum(r * c for r, c in zip(rows, cols, strict=True))  # n^2 * p_e
    observed, expected = agree / n, chance / (n * n)
    if chance == n * n:
        return KappaResult(
            None, n, observed, expected, categories, table, "no variation: kappa undefined"
        )
    value = (agree * n - chance) / (n * n - chance)
    return KappaResult(value, n, observed, expected, categories, table)


def _alpha(
    categories: tuple[Hashable, ...], coincidences: Sequence[Sequence[float]], n_units: int
) -> AlphaResult:
    """Nominal alpha = 1 - (n-1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k (Krippendorff 2011)."""
    o = tuple(tuple(float(x) for x in row) for row in coincidences)
    n_c = [sum(row) for row in o]
    n = sum(n_c)
    n_values = round(n)
    if n_values < 2:
        return AlphaResult(
            None,
            n_units,
            n_values,
            None,
            None,
            categories,
            o,
            "fewer than 2 pairable values: alpha undefined",
        )
    disagree = n - sum(o[i][i] for i in range(len(o)))
    chance = n * n - sum(x * x for x in n_c)
    observed = disagree / n
    expected = chance / (n * (n - 1))
    if chance <= 1e-12 * n * n:
        return AlphaResult(
            None,
            n_units,
            n_values,
            observed,
            expected,
            categories,
            o,
            "no variation: alpha undefined",
        )
    return AlphaResult(
        1.0 - (n - 1) * disagree / chance, n_units, n_values, observed, expected, categories, o
    )


def _fleiss(
    categories: tuple[Hashable, ...],
    n_units: int,
    n_raters: int,
    sum_squares: int,
    totals: Sequence[int],
    note: str = "",
) -> FleissResult:
    """Fleiss' kappa from N, n, sum_i sum_j n_ij^2 and the category totals (Fleiss 1971)."""
    totals = tuple(int(t) for t in totals)
    if n_units == 0:
        why = "no unit has values from every coder: Fleiss' kappa undefined"
        return FleissResult(None, 0, n_raters, None, None, categories, totals, _join(note, why))
    assignments = n_units * n_raters
    observed = (sum_squares - assignments) / (assignments * (n_raters - 1))
    expected = sum(t * t for t in totals) / (assignments * assignments)
    if sum(t * t for t in totals) == assignments * assignments:
        why = "no variation: Fleiss' kappa undefined"
        return FleissResult(
            None, n_units, n_raters, observed, expected, categories, totals, _join(note, why)
        )
    value = (observed - expected) / (1.0 - expected)
    return FleissResult(value, n_units, n_raters, observed, expected, categories, totals, note)


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


# ------------------------------------------------------------ general nominal API


def _columns(matrix: ReliabilityMatrix, min_coders: int = 2) -> list[tuple[Hashable | None, ...]]:
    """The matrix's units (columns), after checking its shape."""
    rows = [list(row) for row in matrix]
    if len(rows) < min_coders:
        raise ValueError(f"reliability matrix needs at least {min_coders} coders, got {len(rows)}")
    for i, row in enumerate(rows[1:], start=1):
        if len(row) != len(rows[0]):
            raise ValueError(
                f"reliability matrix rows differ in length: coder 0 has {len(rows[0])} units, "
                f"coder {i} has {len(row)}"
            )
    return list(zip(*rows, strict=True))


def percent_agreement(matrix: ReliabilityMatrix) -> PercentResult:
    """Percent of units on which every coder who gave a value gave the same one.

    Units with fewer than two values are left out, since nobody could disagree on them."""
    n_units = n_agree = 0
    for column in _columns(matrix):
        values = {v for v in column if v is not None}
        if sum(v is not None for v in column) >= 2:
            n_units += 1
            n_agree += len(values) == 1
    return _percent(n_units, n_agree)


def cohen_kappa(matrix: ReliabilityMatrix) -> KappaResult:
    """Cohen's (1960) kappa for exactly two coders over the units both coded.

    Chance agreement is the standard sum over categories of the product of each coder's
    marginal proportion (not QualCoder's variant). Undefined (``None``) when no unit was
    coded by both, or when both coders used one and the same category throughout."""
    if len(matrix) != 2:
        raise ValueError(f"Cohen's kappa needs exactly 2 coders, got {len(matrix)}")
    pairs = [(a, b) for a, b in _columns(matrix) if a is not None and b is not None]
    categories = _ordered(v for pair in pairs for v in pair)
    index = {c: i for i, c in enumerate(categories)}
    confusion = [[0] * len(categories) for _ in categories]
    for a, b in pairs:
        confusion[index[a]][index[b]] += 1
    return _kappa(categories, confusion)


def cohen_kappa_from_confusion(
    confusion: Sequence[Sequence[int]], categories: Sequence[Hashable] | None = None
) -> KappaResult:
    """Cohen's kappa from a square table (rows: first coder, columns: second), as published
    tables give it. ``categories`` default to 0..k-1."""
    k = len(confusion)
    if any(len(row) != k for row in confusion):
        raise ValueError("confusion table must be square")
    if any(x < 0 for row in confusion for x in row):
        raise ValueError("confusion table has a negative count")
    labels = tuple(categories) if categories is not None else tuple(range(k))
    if len(labels) != k:
        raise ValueError(f"{len(labels)} categories for a {k}x{k} table")
    return _kappa(labels, confusion)


def krippendorff_alpha_nominal(matrix: ReliabilityMatrix) -> AlphaResult:
    """Krippendorff's alpha for nominal data, any number of coders, missing values allowed.

    Coincidence-matrix method of Krippendorff (2011): each unit with m_u >= 2 values adds
    n_uc * (n_uk - [c == k]) / (m_u - 1) to o_ck; units with fewer values are not pairable."""
    columns = _columns(matrix)
    cells: dict[tuple[Hashable, Hashable], float] = {}
    seen: set[Hashable] = set()
    n_units = 0
    for column in columns:
        counts = Counter(v for v in column if v is not None)
        m = sum(counts.values())
        if m < 2:
            continue
        n_units += 1
        seen.update(counts)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                cells[c, k] = cells.get((c, k), 0.0) + n_c * (n_k - (c == k)) / (m - 1)
    categories = _ordered(seen)
    o = [[cells.get((c, k), 0.0) for k in categories] for c in categories]
    return _alpha(categories, o, n_units)


def fleiss_kappa(matrix: ReliabilityMatrix) -> FleissResult:
    """Fleiss' (1971) kappa for a fixed number of raters per unit (meant for 3 or more).

    Fleiss' formula needs complete data: units where some coder has no value are left out,
    and the note says how many. Raters need not be the same people across units; with two
    raters the value equals Scott's pi."""
    columns = _columns(matrix)
    n_raters = len(matrix)
    complete = [c for c in columns if all(v is not None for v in c)]
    dropped = len(columns) - len(complete)
    note = f"{dropped} unit(s) with missing values left out" if dropped else ""
    totals: Counter[Hashable] = Counter()
    sum_squares = 0
    for column in complete:
        counts = Counter(column)
        totals.update(counts)
        sum_squares += sum(x * x for x in counts.values())
    categories = _ordered(totals)
    return _fleiss(
        categories, len(complete), n_raters, sum_squares, [totals[c] for c in categories], note
    )


# ---------------------------------------------------------------- binary codings


def _popcount(mask: int) -> int:
    return bin(mask).count("1")


@dataclass(frozen=True)
class BinaryTally:
    """Units of one binary variable counted by pattern.

    ``counts[(applied_mask, missing_mask)]`` is the number of units where bit i of
    ``applied_mask`` says coder ``coders[i]`` applied the code and bit i of ``missing_mask``
    says that coder did not see the unit. Tallies over the same coders add up, which is how
    codes are pooled and how character counts of several documents are combined."""

    coders: tuple[Coder, ...]
    counts: Mapping[tuple[int, int], int] = field(default_factory=dict)

    def __add__(self, other: BinaryTally) -> BinaryTally:
        if other.coders != self.coders:
            raise ValueError(f"cannot add tallies of coders {self.coders} and {other.coders}")
        total: Counter[tuple[int, int]] = Counter(self.counts)
        total.update(other.counts)
        return BinaryTally(self.coders, dict(total))

    @property
    def n_units(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def from_sets(
        cls,
        units: Iterable[Unit],
        applied: Mapping[Coder, AbstractSet[Unit]],
        missing: Mapping[Coder, AbstractSet[Unit]] | None = None,
        coders: Sequence[Coder] | None = None,
    ) -> BinaryTally:
        """Tally one code: ``applied[c]`` are the units coder c applied it to, ``missing[c]``
        the units c did not see. Units outside ``units`` are ignored, so a caller may restrict
        a comparison to some documents; every other unit counts as seen and not applied."""
        unit_set = units if isinstance(units, AbstractSet) else set(units)
        order = tuple(coders) if coders is not None else tuple(applied)
        missing_masks = _missing_masks(unit_set, order, missing or {})
        return _tally(unit_set, order, applied, missing_masks)

    @classmethod
    def from_spans(
        cls, text_length: int, spans: Mapping[Coder, Sequence[tuple[int, int]]]
    ) -> BinaryTally:
        """Tally characters of a text of ``text_length`` code points as units (NVivo's way).

        ``spans[c]`` are coder c's (start, end) spans, end exclusive; overlapping spans of one
        coder count once. Computed by a sweep over span boundaries, never per character."""
        if text_length < 0:
            raise ValueError(f"text length is negative: {text_length}")
        coders = tuple(spans)
        events: list[tuple[int, int]] = []  # (position, +bit at a start / -bit at an end)
        for i, coder in enumerate(coders):
            for start, end in _merge_spans(coder, spans[coder], text_length):
                events += [(start, 1 << i), (end, -(1 << i))]
        events.sort()
        counts: Counter[tuple[int, int]] = Counter()
        mask = covered_from = 0
        for position, delta in events:
            if mask and position > covered_from:
                counts[mask, 0] += position - covered_from
            mask += delta
            covered_from = position
        covered = sum(counts.values())
        if text_length - covered:
            counts[0, 0] += text_length - covered
        return cls(coders, dict(counts))

    def summarise(self, code: CodeKey | None = None) -> CodeAgreement:
        """Percent agreement, alpha, and Cohen's kappa (2 coders) or Fleiss' kappa (3+)."""
        n_coders = len(self.coders)
        if n_coders < 2:
            raise ValueError(f"agreement needs at least 2 coders, got {n_coders}")
        applied = dict.fromkeys(self.coders, 0)
        pct_units = pct_agree = alpha_units = 0
        o = [[0.0, 0.0], [0.0, 0.0]]
        confusion = [[0, 0], [0, 0]]
        fl_units = fl_squares = fl_ones = 0
        for (amask, mmask), count in self.counts.items():
            for i, coder in enumerate(self.coders):
                if amask >> i & 1:
                    applied[coder] += count
            seen, ones = n_coders - _popcount(mmask), _popcount(amask)
            if seen >= 2:
                zeros = seen - ones
                pct_units += count
                pct_agree += count if ones in (0, seen) else 0
                alpha_units += count
                o[1][1] += count * ones * (ones - 1) / (seen - 1)
                o[0][0] += count * zeros * (zeros - 1) / (seen - 1)
                o[0][1] += count * ones * zeros / (seen - 1)
                o[1][0] += count * ones * zeros / (seen - 1)
            if mmask == 0:
                confusion[amask & 1][amask >> 1 & 1] += count
                fl_units += count
                fl_squares += count * (ones * ones + (n_coders - ones) ** 2)
                fl_ones += count * ones
        kappa = fleiss = None
        if n_coders == 2:
            kappa = _kappa(BINARY_CATEGORIES, confusion)
        else:
            dropped = self.n_units - fl_units
            note = f"{dropped} unit(s) not seen by every coder left out" if dropped else ""
            totals = (fl_units * n_coders - fl_ones, fl_ones)
            fleiss = _fleiss(BINARY_CATEGORIES, fl_units, n_coders, fl_squares, totals, note)
        users = [c for c in self.coders if applied[c]]
        note = ""
        if not users:
            note = "no coder applied this code"
        elif len(users) == 1:
            note = f"only {users[0]} applied this code"
        return CodeAgreement(
            code=code,
            coders=self.coders,
            n_units=self.n_units,
            applied=applied,
            percent=_percent(pct_units, pct_agree),
            alpha=_alpha(BINARY_CATEGORIES, o, alpha_units),
            kappa=kappa,
            fleiss=fleiss,
            note=note,
        )


def _merge_spans(
    coder: Coder, spans: Sequence[tuple[int, int]], text_length: int
) -> list[tuple[int, int]]:
    """One coder's spans checked, sorted and merged into disjoint non-empty intervals."""
    for number, (start, end) in enumerate(spans, start=1):
        if not 0 <= start <= end <= text_length:
            raise ValueError(
                f"coder {coder}, span {number}: ({start}, {end}) is outside 0..{text_length} "
                "or ends before it starts"
            )
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if start == end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _missing_masks(
    unit_set: AbstractSet[Unit], coders: Sequence[Coder], missing: Mapping[Coder, AbstractSet[Unit]]
) -> dict[Unit, int]:
    """Per unit not seen by some coder, the bit mask of those coders."""
    unknown = [c for c in missing if c not in coders]
    if unknown:
        raise ValueError(f"missing units given for unknown coder(s): {unknown}")
    masks: dict[Unit, int] = {}
    for i, coder in enumerate(coders):
        for unit in missing.get(coder, ()):
            if unit in unit_set:
                masks[unit] = masks.get(unit, 0) | 1 << i
    return masks


def _applied_masks(
    unit_set: AbstractSet[Unit],
    coders: Sequence[Coder],
    applied: Mapping[Coder, AbstractSet[Unit]],
    missing_masks: Mapping[Unit, int],
) -> dict[Unit, int]:
    """Per unit some coder applied the code to, the bit mask of those coders.

    Applying a code to a unit marked as not seen is a contradiction in the caller's data,
    so it is refused rather than silently resolved one way or the other."""
    unknown = [c for c in applied if c not in coders]
    if unknown:
        raise ValueError(f"codings given for unknown coder(s): {unknown}")
    masks: dict[Unit, int] = {}
    for i, coder in enumerate(coders):
        bit = 1 << i
        for unit in applied.get(coder, frozenset()) & unit_set:
            if missing_masks.get(unit, 0) & bit:
                raise ValueError(
                    f"coder {coder} applied the code to unit {unit!r} they did not see"
                )
            masks[unit] = masks.get(unit, 0) | bit
    return masks


def _tally(
    unit_set: AbstractSet[Unit],
    coders: Sequence[Coder],
    applied: Mapping[Coder, AbstractSet[Unit]],
    missing_masks: Mapping[Unit, int],
    missing_counts: Mapping[int, int] | None = None,
) -> BinaryTally:
    """Tally one code touching only applied units; the rest are counted by subtraction."""
    if len(coders) < 2:
        raise ValueError(f"agreement needs at least 2 coders, got {len(coders)}")
    if missing_counts is None:
        missing_counts = _missing_counts(len(unit_set), missing_masks)
    counts: Counter[tuple[int, int]] = Counter()
    for unit, amask in _applied_masks(unit_set, coders, applied, missing_masks).items():
        counts[amask, missing_masks.get(unit, 0)] += 1
    untouched: Counter[int] = Counter(missing_counts)
    for (_, mmask), count in counts.items():
        untouched[mmask] -= count
    for mmask, count in untouched.items():
        if count:
            counts[0, mmask] += count
    return BinaryTally(tuple(coders), dict(counts))


def _missing_counts(n_units: int, missing_masks: Mapping[Unit, int]) -> dict[int, int]:
    """Number of units per missing mask, mask 0 (seen by all) included."""
    counts = Counter(missing_masks.values())
    counts[0] = n_units - len(missing_masks)
    return dict(counts)


def _unit_set(units: Sequence[Unit]) -> set[Unit]:
    unit_set = set(units)
    if len(unit_set) != len(units):
        dupes = [u for u, n in Counter(units).items() if n > 1][:3]
        raise ValueError(f"units listed more than once: {dupes}")
    return unit_set


def code_agreement(
    units: Sequence[Unit],
    applied: Mapping[Coder, AbstractSet[Unit]],
    missing: Mapping[Coder, AbstractSet[Unit]] | None = None,
    code: CodeKey | None = None,
) -> CodeAgreement:
    """Agreement on one code over ``units`` (segments, documents...).

    ``applied[c]``: units coder c applied the code to; every other unit in ``units`` counts
    as "not applied" unless it is in ``missing[c]`` (units c did not see), which alpha skips
    for that coder and kappa skips altogether."""
    return BinaryTally.from_sets(_unit_set(units), applied, missing).summarise(code)


def agreement_table(
    units: Sequence[Unit],
    codings: Mapping[Coder, Mapping[CodeKey, AbstractSet[Unit]]],
    codes: Sequence[CodeKey] | None = None,
    missing: Mapping[Coder, AbstractSet[Unit]] | None = None,
    done: Callable[[int], None] | None = None,
) -> list[CodeAgreement]:
    """One :class:`CodeAgreement` per code in ``codes`` (default: every code any coder used,
    sorted), then the pooled row (``code=None``) over all code x unit decisions.
    ``done(n)``: called after each code (n codes done), for a progress bar.

    ``codings[coder][code]`` is the set of units the coder applied the code to; a code absent
    from a coder's mapping was applied to no unit. Cost is proportional to the number of
    codings plus the number of units, not codes x units."""
    coders = tuple(codings)
    unit_set = _unit_set(units)
    if codes is None:
        codes = _ordered(code for per_code in codings.values() for code in per_code)
    masks = _missing_masks(unit_set, coders, missing or {})
    missing_counts = _missing_counts(len(unit_set), masks)
    rows: list[CodeAgreement] = []
    pooled = BinaryTally(coders, {})
    for code in codes:
        applied = {c: codings[c].get(code, frozenset()) for c in coders}
        tally = _tally(unit_set, coders, applied, masks, missing_counts)
        pooled = pooled + tally
        rows.append(tally.summarise(code))
        if done is not None:
            done(len(rows))
    rows.append(pooled.summarise(None))
    return rows


def disagreements(
    units: Sequence[Unit],
    codings: Mapping[Coder, Mapping[CodeKey, AbstractSet[Unit]]],
    codes: Sequence[CodeKey] | None = None,
    missing: Mapping[Coder, AbstractSet[Unit]] | None = None,
    done: Callable[[int], None] | None = None,
) -> list[Disagreement]:
    """Every (unit, code) where the coders who saw the unit split between applying the code
    and not, in the order of ``units`` then ``codes``: the list to discuss together.
    ``done(n)``: called after each code (n codes done), for a progress bar.

    A unit only one coder saw is never a disagreement: there is nobody to disagree with."""
    coders = tuple(codings)
    if len(coders) < 2:
        raise ValueError(f"agreement needs at least 2 coders, got {len(coders)}")
    unit_set = _unit_set(units)
    position = {u: i for i, u in enumerate(units)}
    if codes is None:
        codes = _ordered(code for per_code in codings.values() for code in per_code)
    missing_masks = _missing_masks(unit_set, coders, missing or {})
    everyone = (1 << len(coders)) - 1
    found: list[tuple[int, int, Disagreement]] = []
    for code_index, code in enumerate(codes):
        applied = {c: codings[c].get(code, frozenset()) for c in coders}
        for unit, amask in _applied_masks(unit_set, coders, applied, missing_masks).items():
            seen = everyone & ~missing_masks.get(unit, 0)
            if not seen & ~amask:
                continue  # everyone who saw the unit applied the code
            by = tuple(c for i, c in enumerate(coders) if amask >> i & 1)
            not_by = tuple(c for i, c in enumerate(coders) if (seen & ~amask) >> i & 1)
            found.append((position[unit], code_index, Disagreement(unit, code, by, not_by)))
        if done is not None:
            done(code_index + 1)
    found.sort(key=lambda item: (item[0], item[1]))
    return [d for _, _, d in found]


def character_agreement(
    text_length: int, spans: Mapping[Coder, Sequence[tuple[int, int]]], code: CodeKey | None = None
) -> CodeAgreement:
    """Agreement with characters as units, as NVivo's coding comparison counts them.

    ``spans[c]`` lists coder c's (start, end) spans of one code on a text of ``text_length``
    code points. Add :meth:`BinaryTally.from_spans` tallies to pool several documents."""
    return BinaryTally.from_spans(text_length, spans).summarise(code)
