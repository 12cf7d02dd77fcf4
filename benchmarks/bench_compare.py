"""Compare two codebooks of 2,000 codes (issue 8); target about one second.

B is A with ~10% of codes renamed by a typo, ~5% definitions changed, ~5% dropped and as
many new codes added. The baseline, measured in the same run, is one
``rapidfuzz.process.cdist`` of all 2,000 names against all 2,000 names: the least any
fuzzy name matching can cost. ``compare_codebooks`` pairs exact names first and runs its
three cdists only on the remainder, so it can beat that baseline; the worst case, where no
name survives (every code renamed), is reported too, against the same baseline.
"""

from __future__ import annotations

import copy
import random

from rapidfuzz import fuzz, process, utils

from benchmarks.common import Result, best_of, report
from coder.core.codebook_compare import compare_codebooks, merge_codebooks
from coder.core.model import Code, Codebook

SEED = 8
TARGET_SECONDS = 1.0
WORDS = [
    "access",
    "adherence",
    "affordability",
    "autonomy",
    "barrier",
    "burden",
    "care",
    "carer",
    "clinic",
    "community",
    "continuity",
    "cost",
    "culture",
    "delay",
    "dignity",
    "digital",
    "discharge",
    "distance",
    "education",
    "equity",
    "family",
    "fear",
    "funding",
    "gender",
    "health",
    "home",
    "hospital",
    "housing",
    "identity",
    "income",
    "insurance",
    "isolation",
    "language",
    "literacy",
    "loneliness",
    "mental",
    "migrant",
    "mobility",
    "nurse",
    "outcome",
    "pain",
    "patient",
    "peer",
    "pharmacy",
    "policy",
    "poverty",
    "primary",
    "privacy",
    "quality",
    "referral",
    "rural",
    "safety",
    "screening",
    "service",
    "shame",
    "skill",
    "social",
    "staff",
    "stigma",
    "support",
    "surgery",
    "telehealth",
    "training",
    "transport",
    "trust",
    "urban",
    "vaccine",
    "waiting",
    "wellbeing",
    "workforce",
    "youth",
    "elderly",
]


def typo(rng: random.Random, name: str) -> str:
    """One letter swapped, dropped or doubled, retried until the letters change."""
    while True:
        i = rng.choice([k for k in range(1, len(name) - 1) if name[k].isalpha()])
        kind = rng.choice(["swap", "drop", "double"])
        if kind == "swap":
            new = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        elif kind == "drop":
            new = name[:i] + name[i + 1 :]
        else:
            new = name[:i] + name[i] + name[i:]
        if new.replace(" ", "") != name.replace(" ", ""):
            return new


def make_codebooks(n: int) -> tuple[Codebook, Codebook]:
    rng = random.Random(SEED)
    codes: list[Code] = []
    names: set[str] = set()
    while len(codes) < n:
        name = " ".join(rng.sample(WORDS, rng.randint(2, 4)))
        if name not in names:
            names.add(name)
            definition = " ".join(rng.choices(WORDS, k=rng.randint(12, 24)))
            codes.append(Code(name, definition, keywords=rng.sample(WORDS, 3)))
    order = list(range(n))
    rng.shuffle(order)
    renamed, changed = set(order[: n // 10]), set(order[n // 10 : n // 10 + n // 20])
    dropped = set(order[n // 10 + n // 20 : n // 5])
    other: list[Code] = []
    for i, code in enumerate(codes):
        if i in dropped:
            continue
        new = copy.deepcopy(code)
        if i in renamed:
            new.name = typo(rng, code.name)
        if i in changed:
            words = new.definition.split()
            words[rng.randrange(len(words))] = "especially"
            new.definition = " ".join(words)
        other.append(new)
    other += [
        Code(f"new code {k} {rng.choice(WORDS)}", " ".join(rng.choices(WORDS, k=16)))
        for k in range(len(dropped))
    ]
    rng.shuffle(other)
    return Codebook(codes=codes), Codebook(codes=other)


def main(quick: bool) -> list[Result]:
    n = 500 if quick else 2000
    a, b = make_codebooks(n)
    names_a, names_b = [c.name for c in a.codes], [c.name for c in b.codes]
    baseline = best_of(
        lambda: process.cdist(
            names_a, names_b, scorer=fuzz.ratio, processor=utils.default_process, workers=-1
        )
    )
    result = compare_codebooks(a, b)
    print(
        f"  {n} codes: {len(result.matched)} unchanged, {len(result.renamed)} renamed "
        f"(made {n // 10}), {len(result.definition_changed)} definitions changed "
        f"(made {n // 20}), {len(result.only_a)} only in A, {len(result.only_b)} only in B"
    )
    seconds = best_of(lambda: compare_codebooks(a, b))
    all_renamed = Codebook(codes=[copy.deepcopy(c) for c in a.codes])
    for code in all_renamed.codes:
        code.name = code.name + "s"
    worst = best_of(lambda: compare_codebooks(a, all_renamed), repeat=1)
    merge = best_of(lambda: merge_codebooks(a, b))
    verdict = "ok" if seconds <= TARGET_SECONDS else "OVER"
    print(f"  compare {seconds:.3f} s against a target of about {TARGET_SECONDS:.0f} s: {verdict}")
    return [
        report(Result(f"compare_codebooks ({n} x {n} codes)", seconds, "s", baseline, 5.0)),
        report(Result(f"merge_codebooks ({n} x {n} codes)", merge, "s", baseline)),
        report(Result(f"compare_codebooks, every code renamed ({n})", worst, "s", baseline)),
    ]
