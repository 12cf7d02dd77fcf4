"""Fuzzy matching with rapidfuzz: "did you mean", code search and suggestions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz, process, utils

from coder.core.model import Code


def closest(name: str, choices: Iterable[str], cutoff: float = 60) -> str | None:
    """The best match for a mistyped name, or None when nothing is close."""
    choices = list(choices)
    if not choices:
        return None
    best = process.extractOne(name, choices, scorer=fuzz.WRatio, processor=utils.default_process)
    return best[0] if best and best[1] >= cutoff else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    match = closest(name, choices)
    return f" (did you mean {match!r}?)" if match else ""


def filter_codes(
    query: str, codes: Sequence[Code], limit: int | None = None, cutoff: float = 55
) -> list[Code]:
    """Codes ranked by how well the typed query matches their name (typos and partial
    words match), keywords counting a little less. An empty query keeps codebook order."""
    query = query.strip()
    if not query:
        return list(codes)[:limit] if limit else list(codes)
    scored = []
    q = utils.default_process(query)
    for code in codes:
        name = utils.default_process(code.name)
        score = max(fuzz.WRatio(q, name), fuzz.partial_ratio(q, name) if len(q) >= 3 else 0)
        if name.startswith(q):
            score += 10
        for kw in code.keywords:
            score = max(score, 0.9 * fuzz.WRatio(q, utils.default_process(kw)))
        if score >= cutoff:
            scored.append((score, code))
    scored.sort(key=lambda pair: -pair[0])
    ranked = [c for _, c in scored]
    return ranked[:limit] if limit else ranked


_WORD = re.compile(r"\w+")


def suggest_codes(
    text: str, codes: Sequence[Code], limit: int = 9, cutoff: float = 60
) -> list[tuple[Code, float]]:
    """The codes whose keywords, examples and names best match a segment's text."""
    target = utils.default_process(text)
    if not target:
        return []
    results = []
    for code in codes:
        cues = [code.name, *code.keywords, *code.examples]
        best = 0.0
        for cue in cues:
            cue_p = utils.default_process(cue)
            if not cue_p:
                continue
            score = (
                fuzz.partial_ratio(cue_p, target)
                if len(cue_p) >= 4
                else (100.0 if cue_p in _WORD.findall(target) else 0.0)
            )
            best = max(best, score)
        if best >= cutoff:
            results.append((code, best))
    results.sort(key=lambda pair: -pair[1])
    return results[:limit]
