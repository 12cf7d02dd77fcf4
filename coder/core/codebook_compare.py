"""Compare and merge two coders' codebooks.

Codes are paired in passes, each over what the previous ones left unpaired:

1. by ``uid`` (the stable id kept across renames; REFI-QDA GUIDs compared without braces
   and case, since tools write them differently);
2. by exact name, then by a ``renamed_from`` entry (a code saying "I used to be X"), then by
   name ignoring case, spacing and punctuation;
3. by a fuzzy score over name, definition and keywords, computed for the whole remainder
   at once with :func:`rapidfuzz.process.cdist` and assigned one-to-one greedily by score
   (best pair first, ties broken by file order, so the result is deterministic).

Every pair is then checked for a rename, a move (different parent, after mapping parent
names through the pairing so that a renamed parent is not a move) and a changed definition,
shown as a word diff. Definitions are compared with whitespace collapsed so that a re-wrapped
YAML block is not a change.

``rapidfuzz.process.cdist`` returns a NumPy array, so NumPy (which rapidfuzz's cdist needs
anyway) is used here to weigh the scores, gather candidate pairs and sort them. Only pairs
whose names could still reach the threshold get their definitions and keywords scored, so
even two codebooks of 2,000 codes with no name in common compare in a fraction of a second.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from rapidfuzz import fuzz, process, utils

from coder.core.codebook_sync import normalise_name
from coder.core.model import Code, Codebook, Theme

DEFAULT_THRESHOLD = 80.0
# Weights of the fuzzy score; a field empty on either side drops out and the rest are
# renormalised, so two codes without definitions are judged on name (and keywords) alone.
NAME_WEIGHT, DEFINITION_WEIGHT, KEYWORDS_WEIGHT = 0.5, 0.35, 0.15

Chunk = tuple[str, tuple[str, ...]]  # ("=" | "-" | "+", words)

__all__ = [
    "DEFAULT_THRESHOLD",
    "CodePair",
    "CompareResult",
    "DefinitionChange",
    "Move",
    "compare_codebooks",
    "describe",
    "merge_codebooks",
    "similarity",
    "to_json",
    "word_diff",
]


@dataclass(frozen=True)
class CodePair:
    """A code of A paired with a code of B. ``method`` is the pass that paired them: "uid",
    "name", "renamed_from" or "fuzzy"; ``score`` is the 0-100 similarity of
    :func:`similarity` (100 when the names are identical)."""

    a: Code
    b: Code
    method: str
    score: float

    @property
    def renamed(self) -> bool:
        return self.a.name != self.b.name


@dataclass(frozen=True)
class Move:
    """A paired code whose parent differs (parent names as each codebook spells them)."""

    pair: CodePair
    parent_a: str | None
    parent_b: str | None


@dataclass(frozen=True)
class DefinitionChange:
    """A paired code whose definition differs, with a word diff from A's to B's."""

    pair: CodePair
    chunks: tuple[Chunk, ...]
    rendered: str


@dataclass
class CompareResult:
    """The outcome of :func:`compare_codebooks`.

    ``pairs`` holds every pairing in A's order; ``matched`` those with the same name and the
    same definition; ``renamed`` those whose names differ. A pair may also be in ``moved``
    and, unless it is in ``matched``, in ``definition_changed``."""

    pairs: list[CodePair] = field(default_factory=list)
    matched: list[CodePair] = field(default_factory=list)
    renamed: list[CodePair] = field(default_factory=list)
    moved: list[Move] = field(default_factory=list)
    definition_changed: list[DefinitionChange] = field(default_factory=list)
    only_a: list[Code] = field(default_factory=list)
    only_b: list[Code] = field(default_factory=list)
    threshold: float = DEFAULT_THRESHOLD


# ------------------------------------------------------------------------ helpers


def _codes(book: Codebook | Sequence[Code], label: str) -> list[Code]:
    """The codes of a codebook, refusing duplicate names or uids that make pairing ambiguous."""
    codes = list(book.codes if isinstance(book, Codebook) else book)
    names: set[str] = set()
    uids: set[str] = set()
    for number, code in enumerate(codes, start=1):
        if not code.name or not code.name.strip():
            raise ValueError(f"codebook {label}, code {number}: empty name")
        if code.name in names:
            raise ValueError(f"codebook {label}: code name {code.name!r} appears twice")
        names.add(code.name)
        uid = _uid(code)
        if uid is not None:
            if uid in uids:
                raise ValueError(f"codebook {label}: uid {code.uid!r} appears twice")
            uids.add(uid)
    return codes


def _uid(code: Code) -> str | None:
    """A GUID as "{ABC-...}" and "abc-..." are the same id."""
    if not code.uid:
        return None
    return code.uid.strip().strip("{}").lower() or None


KeyFn = Callable[[Code], list[str]]


def _uid_keys(code: Code) -> list[str]:
    uid = _uid(code)
    return [uid] if uid else []


def _name_keys(code: Code) -> list[str]:
    return [code.name]


def _history_keys(code: Code) -> list[str]:
    return [name for name in code.renamed_from if name]


def _loose_name_keys(code: Code) -> list[str]:
    """Names compared without case, spacing or punctuation ("Us and them" = "us-and-them"):
    the codebook's own rule, so a diff and a load agree on what counts as the same name."""
    key = normalise_name(code.name)
    return [key] if any(ch.isalnum() for ch in key) else []


def _same_text(a: str, b: str) -> bool:
    return a.split() == b.split()


def _keywords_text(code: Code) -> str:
    return " ".join(sorted(k.strip() for k in code.keywords if k.strip()))


def word_diff(old: str, new: str) -> tuple[tuple[Chunk, ...], str]:
    """Word-level diff: chunks ("=", "-", "+", words) and a "[-old-]{+new+}" rendering,
    as ``git diff --word-diff=plain`` shows it."""
    a, b = old.split(), new.split()
    chunks: list[Chunk] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            chunks.append(("=", tuple(a[i1:i2])))
            continue
        if i2 > i1:
            chunks.append(("-", tuple(a[i1:i2])))
        if j2 > j1:
            chunks.append(("+", tuple(b[j1:j2])))
    marks = {"=": ("", ""), "-": ("[-", "-]"), "+": ("{+", "+}")}
    rendered = " ".join(
        marks[op][0] + " ".join(words) + marks[op][1] for op, words in chunks if words
    )
    return tuple(chunks), rendered


def similarity(a: Code, b: Code) -> float:
    """The fuzzy score of one pair (0-100), by the formula :func:`compare_codebooks` uses,
    for callers that want to explain a pairing."""
    first = np.zeros(1, dtype=np.intp)
    return float(_pair_scores(_Fields.of([a]), first, _Fields.of([b]), first)[0])


@dataclass(frozen=True)
class _Fields:
    """Name, definition and keyword texts of some codes as NumPy object arrays, so that
    the texts of thousands of candidate pairs are gathered by fancy indexing, not a loop."""

    texts: tuple[np.ndarray, ...]
    present: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, codes: Sequence[Code]) -> _Fields:
        columns = (
            [c.name for c in codes],
            [c.definition for c in codes],
            [_keywords_text(c) for c in codes],
        )
        texts = []
        for column in columns:
            array = np.empty(len(column), dtype=object)
            array[:] = column
            texts.append(array)
        present = [np.ones(len(codes), dtype=bool)]  # the name always counts
        present += [
            np.array([bool(t.strip()) for t in column], dtype=bool) for column in columns[1:]
        ]
        return cls(tuple(texts), tuple(present))


_SCORERS = (
    (NAME_WEIGHT, fuzz.ratio),
    (DEFINITION_WEIGHT, fuzz.ratio),
    (KEYWORDS_WEIGHT, fuzz.token_set_ratio),
)


def _pair_scores(fa: _Fields, ia: np.ndarray, fb: _Fields, ib: np.ndarray) -> np.ndarray:
    """Weighted score of each pair (a[ia[k]], b[ib[k]]), each field scored by ``cpdist``
    over just the pairs where both codes have it."""
    total = np.zeros(len(ia))
    weight = np.zeros(len(ia))
    for field_index, (weight_of, scorer) in enumerate(_SCORERS):
        both = np.nonzero(fa.present[field_index][ia] & fb.present[field_index][ib])[0]
        if len(both) == 0:
            continue
        scores = process.cpdist(
            fa.texts[field_index][ia[both]],
            fb.texts[field_index][ib[both]],
            scorer=scorer,
            processor=utils.default_process,
            workers=-1,
        )
        total[both] += weight_of * scores
        weight[both] += weight_of
    return total / weight


def _fuzzy_pairs(a: list[Code], b: list[Code], threshold: float) -> list[CodePair]:
    """One-to-one pairs scoring >= threshold, greedily by score, then by file order.

    Names are compared all against all with ``cdist``. With every field present the name
    carries half the weight, so a pair can only reach ``threshold`` if its name scores at
    least ``2 * threshold - 100`` (fewer fields give the name more weight and a higher
    bar); only those candidates get their definitions and keywords scored."""
    if not a or not b:
        return []
    fa, fb = _Fields.of(a), _Fields.of(b)
    bound = max(0.0, 2 * threshold - 100)
    names = process.cdist(
        fa.texts[0], fb.texts[0], scorer=fuzz.ratio, processor=utils.default_process, workers=-1
    )
    rows, cols = np.nonzero(names >= bound)
    scores = _pair_scores(fa, rows, fb, cols)
    keep = scores >= threshold
    rows, cols, scores = rows[keep], cols[keep], scores[keep]
    order = np.lexsort((cols, rows, -scores))
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for i, j, score in zip(
        rows[order].tolist(), cols[order].tolist(), scores[order].tolist(), strict=True
    ):
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        pairs.append(CodePair(a[i], b[j], "fuzzy", round(score, 1)))
    return pairs


# ------------------------------------------------------------------------ compare


def compare_codebooks(
    a: Codebook | Sequence[Code],
    b: Codebook | Sequence[Code],
    threshold: float = DEFAULT_THRESHOLD,
) -> CompareResult:
    """Pair the codes of ``a`` and ``b`` and report matched, renamed, moved, changed
    definitions and codes only in one side.

    Passes, each over the codes still unpaired: uid; exact name; a ``renamed_from`` entry
    of either side naming the other's code; names equal once case, spacing and punctuation
    are ignored; fuzzy score >= ``threshold``. Raises ValueError when a codebook has two
    codes with the same name or uid."""
    codes_a, codes_b = _codes(a, "A"), _codes(b, "B")
    found: dict[str, tuple[Code, str]] = {}  # A's name -> (B's code, method)
    taken_b: set[str] = set()

    def claim(method: str, keys_a: KeyFn, keys_b: KeyFn) -> None:
        index: dict[str, Code] = {}
        for code in codes_b:
            if code.name not in taken_b:
                for key in keys_b(code):
                    index.setdefault(key, code)
        for code in codes_a:
            if code.name in found:
                continue
            for key in keys_a(code):
                match = index.get(key)
                if match is not None and match.name not in taken_b:
                    found[code.name] = (match, method)
                    taken_b.add(match.name)
                    break

    claim("uid", _uid_keys, _uid_keys)
    claim("name", _name_keys, _name_keys)
    claim("renamed_from", _name_keys, _history_keys)
    claim("renamed_from", _history_keys, _name_keys)
    claim("name", _loose_name_keys, _loose_name_keys)

    paired: dict[str, CodePair] = {}
    by_id = [(c, *found[c.name]) for c in codes_a if c.name in found]
    differ = [(x, y) for x, y, _ in by_id if x.name != y.name]
    scores = iter([])
    if differ:
        index = np.arange(len(differ))
        fields_a = _Fields.of([x for x, _ in differ])
        fields_b = _Fields.of([y for _, y in differ])
        scores = iter(_pair_scores(fields_a, index, fields_b, index).tolist())
    for code_a, code_b, method in by_id:
        score = 100.0 if code_a.name == code_b.name else round(next(scores), 1)
        paired[code_a.name] = CodePair(code_a, code_b, method, score)
    rest_a = [c for c in codes_a if c.name not in paired]
    rest_b = [c for c in codes_b if c.name not in taken_b]
    for pair in _fuzzy_pairs(rest_a, rest_b, threshold):
        paired[pair.a.name] = pair
        taken_b.add(pair.b.name)

    result = CompareResult(threshold=threshold)
    result.pairs = [paired[c.name] for c in codes_a if c.name in paired]
    result.only_a = [c for c in codes_a if c.name not in paired]
    result.only_b = [c for c in codes_b if c.name not in taken_b]
    a_to_b = {p.a.name: p.b.name for p in result.pairs}
    for p in result.pairs:
        same_definition = _same_text(p.a.definition, p.b.definition)
        if p.renamed:
            result.renamed.append(p)
        elif same_definition:
            result.matched.append(p)
        if not same_definition:
            chunks, rendered = word_diff(p.a.definition, p.b.definition)
            result.definition_changed.append(DefinitionChange(p, chunks, rendered))
        parent_a, parent_b = p.a.parent or None, p.b.parent or None
        if (a_to_b.get(parent_a, parent_a) if parent_a else None) != parent_b:
            result.moved.append(Move(p, parent_a, parent_b))
    return result


# -------------------------------------------------------------------------- merge


def _union(first: list[str], second: list[str]) -> list[str]:
    return first + [x for x in second if x not in first]


def _merge_pair(p: CodePair, conflicts: list[str]) -> Code:
    """A's code enriched from B: A wins every disagreement, each one listed."""
    a, b = p.a, p.b
    merged = replace(
        copy.deepcopy(a),
        keywords=_union(a.keywords, b.keywords),
        examples=_union(a.examples, b.examples),
        colour=a.colour or b.colour,
        uid=a.uid or b.uid,
        renamed_from=[n for n in _union(a.renamed_from, b.renamed_from) if n != a.name],
    )
    if p.renamed:
        conflicts.append(
            f"{a.name!r} in A is {b.name!r} in B (renamed, {p.method} match, score "
            f"{p.score:.0f}): kept {a.name!r}"
        )
    if not _same_text(a.definition, b.definition):
        if a.definition.strip():
            conflicts.append(f"definition of {a.name!r} differs: kept A's")
        else:
            merged.definition = b.definition
    for label in ("include", "exclude"):
        mine, theirs = getattr(a, label), getattr(b, label)
        if not mine.strip():
            setattr(merged, label, theirs)
        elif theirs.strip() and not _same_text(mine, theirs):
            conflicts.append(f"{label} criteria of {a.name!r} differ: kept A's")
    if (a.status, a.merged_into) != (b.status, b.merged_into):
        conflicts.append(
            f"status of {a.name!r} is {a.status.value} in A and {b.status.value} in B: kept A's"
        )
    return merged


def merge_codebooks(
    a: Codebook, b: Codebook, *, threshold: float = DEFAULT_THRESHOLD
) -> tuple[Codebook, list[str]]:
    """Merge B into A: A's codes in A's order, enriched from their B counterparts (keywords
    and examples joined, empty fields filled), then B's unpaired codes with parents renamed
    to A's names. Where the two disagree A's version is kept and a conflict line says so:
    renamed pairs, differing definitions/criteria/status, different parents, name clashes
    and themes of the same name with different codes. Neither input is modified."""
    result = compare_codebooks(a, b, threshold)
    conflicts: list[str] = []
    by_a = {p.a.name: p for p in result.pairs}
    merged_codes = [
        _merge_pair(by_a[c.name], conflicts) if c.name in by_a else copy.deepcopy(c)
        for c in a.codes
    ]
    for move in result.moved:
        conflicts.append(
            f"{move.pair.a.name!r} has parent {move.parent_a!r} in A and {move.parent_b!r} "
            f"in B: kept A's"
        )
    b_to_merged = {p.b.name: p.a.name for p in result.pairs}
    taken = {c.name for c in merged_codes}
    for code in result.only_b:
        name = code.name
        if name in taken:
            name = _free_name(f"{code.name} (B)", taken)
            conflicts.append(
                f"{code.name!r} from B clashes with a different code of A: added as {name!r}"
            )
        b_to_merged[code.name] = name
        taken.add(name)
    for code in result.only_b:
        parent = b_to_merged.get(code.parent, code.parent) if code.parent else code.parent
        merged_codes.append(
            replace(copy.deepcopy(code), name=b_to_merged[code.name], parent=parent, id=None)
        )
    themes = _merge_themes(a.themes, b.themes, b_to_merged, conflicts)
    merged = Codebook(
        title=a.title,
        version=a.version,
        description=a.description,
        codes=merged_codes,
        themes=themes,
    )
    return merged, conflicts


def _free_name(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name} {n}", n + 1
    return candidate


def _merge_themes(
    a: list[Theme], b: list[Theme], b_to_merged: dict[str, str], conflicts: list[str]
) -> list[Theme]:
    """A's themes, then B's themes A lacks, with B's code names mapped to merged names."""
    themes = [copy.deepcopy(t) for t in a]
    by_name = {t.name: t for t in themes}
    for theme in b:
        codes = [b_to_merged.get(c, c) for c in theme.codes]
        mine = by_name.get(theme.name)
        if mine is None:
            themes.append(replace(copy.deepcopy(theme), codes=codes, id=None))
        elif sorted(mine.codes) != sorted(codes):
            conflicts.append(f"theme {theme.name!r} groups different codes in B: kept A's")
    return themes


# ------------------------------------------------------------------------ output


def _names(p: CodePair) -> dict[str, str]:
    return {"a": p.a.name, "b": p.b.name}


def to_json(result: CompareResult) -> dict:
    """Plain JSON-ready data for ``--json`` output: names, scores and diffs, no objects."""
    return {
        "threshold": result.threshold,
        "summary": {
            "pairs": len(result.pairs),
            "matched": len(result.matched),
            "renamed": len(result.renamed),
            "moved": len(result.moved),
            "definition_changed": len(result.definition_changed),
            "only_a": len(result.only_a),
            "only_b": len(result.only_b),
        },
        "matched": [_names(p) for p in result.matched],
        "renamed": [{**_names(p), "method": p.method, "score": p.score} for p in result.renamed],
        "moved": [
            {**_names(m.pair), "parent_a": m.parent_a, "parent_b": m.parent_b} for m in result.moved
        ],
        "definition_changed": [
            {
                **_names(d.pair),
                "old": d.pair.a.definition,
                "new": d.pair.b.definition,
                "diff": [[op, list(words)] for op, words in d.chunks],
                "rendered": d.rendered,
            }
            for d in result.definition_changed
        ],
        "only_a": [c.name for c in result.only_a],
        "only_b": [c.name for c in result.only_b],
    }


def describe(result: CompareResult) -> list[str]:
    """Human lines: a summary, then each rename, move, changed definition and lone code
    (identical codes are only counted, so a large codebook gives a readable list)."""
    lines = [
        f"{len(result.pairs)} codes paired: {len(result.matched)} unchanged, "
        f"{len(result.renamed)} renamed, {len(result.moved)} moved, "
        f"{len(result.definition_changed)} with a changed definition; "
        f"{len(result.only_a)} only in A, {len(result.only_b)} only in B"
    ]
    for p in result.renamed:
        lines.append(f"renamed: {p.a.name!r} -> {p.b.name!r} ({p.method}, score {p.score:.0f})")
    for m in result.moved:
        lines.append(f"moved: {m.pair.a.name!r} from {m.parent_a!r} to {m.parent_b!r}")
    for d in result.definition_changed:
        lines.append(f"definition changed: {d.pair.a.name!r}: {d.rendered}")
    lines += [f"only in A: {c.name!r}" for c in result.only_a]
    lines += [f"only in B: {c.name!r}" for c in result.only_b]
    return lines
