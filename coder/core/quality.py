"""Braun & Clarke's 15-point checklist for a good thematic analysis, with evidence.

Braun and Clarke (2006, Table 2) list fifteen criteria in five areas. Some can be checked
against the project's own data (was every document given attention? does a theme rest on
one vivid document? do two themes share most of their extracts? how long did each phase
take?); others only the researcher can judge, so they are asked as questions and never
scored. Everything here works on plain inputs gathered by ``coder.services.quality``, so
the rules are tested without a database.

The same module ranks uncoded segments that resemble a theme's extracts or keywords
(phase 4, "check the themes against the whole data set"): that is a check of the themes'
coverage too, and pure.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from rapidfuzz import fuzz, utils

from coder.core.phases import PHASES

# ---- the checklist -----------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One point of the checklist, in this project's own words."""

    number: int
    area: str
    text: str
    question: str  # what the researcher should ask themselves about it


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        1,
        "Transcription",
        "The data are in a form fit for analysis and were checked against the sources.",
        "Did you check the imported abstracts against their sources (missing or garbled text)?",
    ),
    Criterion(
        2,
        "Coding",
        "Every data item was given the same attention during coding.",
        "Were some documents only skimmed while others were coded closely?",
    ),
    Criterion(
        3,
        "Coding",
        "Themes come from thorough, inclusive coding, not from a few vivid examples.",
        "Does each theme rest on patterns across the data rather than on a striking case?",
    ),
    Criterion(
        4,
        "Coding",
        "All the relevant extracts were collated for each theme.",
        "Are there codes or extracts outside the themes that belong in one?",
    ),
    Criterion(
        5,
        "Coding",
        "Themes were checked against each other and back against the whole data set.",
        "Did you re-read each theme's extracts and search the data for what the coding missed?",
    ),
    Criterion(
        6,
        "Analysis",
        "Themes are internally coherent, consistent and distinct from each other.",
        "Does every extract fit its theme, and could two themes be one?",
    ),
    Criterion(
        7,
        "Analysis",
        "The data are interpreted and made sense of, not just paraphrased or described.",
        "Do your theme definitions say what the data mean, or only what they say?",
    ),
    Criterion(
        8,
        "Analysis",
        "The analysis and the data match: the extracts illustrate the analytic claims.",
        "Does each exemplar show what its theme's definition claims?",
    ),
    Criterion(
        9,
        "Analysis",
        "The analysis tells a convincing, well-organised story about the data and the topic.",
        "Read the themes in report order: do they build one story?",
    ),
    Criterion(
        10,
        "Analysis",
        "There is a good balance between analytic narrative and illustrative extracts.",
        "Does the write-up interpret its extracts instead of letting them speak alone?",
    ),
    Criterion(
        11,
        "Overall",
        "Enough time went into every phase; none was rushed or given a once-over-lightly.",
        "Was any phase hurried because of a deadline?",
    ),
    Criterion(
        12,
        "Written report",
        "The assumptions behind the analysis and the kind of thematic analysis are stated.",
        "Does the report say which thematic analysis you did and from what position?",
    ),
    Criterion(
        13,
        "Written report",
        "What the report says was done matches what was done.",
        "Does the method section describe the process this project's trail records?",
    ),
    Criterion(
        14,
        "Written report",
        "The language and concepts of the report fit its epistemological position.",
        "Do words like 'found' or 'emerged' clash with a constructionist stance?",
    ),
    Criterion(
        15,
        "Written report",
        "The researcher is positioned as active: themes are made, they do not 'emerge'.",
        "Does the report show your choices and your reflexive journal's part in them?",
    ),
)

# Criteria only the researcher can judge: asked, never scored.
QUESTION_ONLY = frozenset({7, 9, 12, 14})


class Verdict(StrEnum):
    OK = "ok"  # the evidence raises nothing
    CHECK = "check"  # the evidence points at something to look at
    QUESTION = "question"  # for the researcher to judge; not scored
    NO_DATA = "no data"  # not enough in the project yet to say


@dataclass
class Finding:
    criterion: Criterion
    verdict: Verdict
    evidence: list[str] = field(default_factory=list)

    @property
    def question(self) -> str:
        return self.criterion.question


# ---- inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentCoverage:
    """How much of one document the coding touched (reading units, any coder)."""

    key: str
    units: int
    coded_units: int


@dataclass(frozen=True)
class ThemeFacts:
    """What the store knows about one live theme."""

    name: str
    status: str
    codes: int
    extracts: int  # coded segments of its and its sub-themes' codes, misfits left out
    segments: int  # coded segments of its own codes (what overlap is measured on)
    documents: int  # documents those extracts come from
    exemplars: int = 0
    misfits: int = 0
    definition: str = ""


@dataclass
class QualityInputs:
    """Everything the checklist looks at, gathered once from the project."""

    coverage: list[DocumentCoverage] = field(default_factory=list)
    themes: list[ThemeFacts] = field(default_factory=list)
    # Coded segments two themes share, keyed by the pair of theme names.
    shared_segments: dict[tuple[str, str], int] = field(default_factory=dict)
    unthemed_codes: list[tuple[str, int]] = field(default_factory=list)  # (code, codings)
    memos: dict[tuple[str, str], int] = field(default_factory=dict)  # (target type, kind) -> n
    phase_seconds: dict[int, float] = field(default_factory=dict)  # 0 = not tied to a phase
    phase_statuses: dict[int, str] = field(default_factory=dict)


# ---- thresholds --------------------------------------------------------------------

BARELY_CODED = 0.2  # a document with less than this share of its units coded
FEW_DOCUMENTS = 2  # a theme drawn from this many documents or fewer
OVERLAP = 0.5  # Jaccard over coded segments above which two themes look alike
GAP_CAP = 600.0  # seconds: a longer pause between two actions counts as this much
MANY_EXEMPLARS = 5
SHOW = 5  # how many names an evidence line lists before "and N more"

PHASE_NAMES = {0: "other", **PHASES}  # 0: time not tied to a phase


def _names(items: Sequence[str], show: int = SHOW) -> str:
    listed = ", ".join(items[:show])
    return listed + (f" and {len(items) - show} more" if len(items) > show else "")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


# ---- derived measures --------------------------------------------------------------


def jaccard(a: int, b: int, shared: int) -> float:
    """Jaccard similarity of two sets from their sizes and their intersection."""
    union = a + b - shared
    return shared / union if union else 0.0


def overlapping_themes(
    themes: Sequence[ThemeFacts], shared: dict[tuple[str, str], int], threshold: float = OVERLAP
) -> list[tuple[str, str, float]]:
    """Pairs of themes whose coded segments overlap at least ``threshold`` (Jaccard),
    most alike first."""
    sizes = {t.name: t.segments for t in themes}
    pairs = []
    for (a, b), n in shared.items():
        if a in sizes and b in sizes and a != b:
            j = jaccard(sizes[a], sizes[b], n)
            if j >= threshold:
                pairs.append((a, b, j))
    pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
    return pairs


_PHASE_OF_ACTION = {
    "import": 1,
    "qdpx.import": 1,
    "document.read": 1,
    "document.unread": 1,
    "code.apply": 2,
    "autocode": 2,
    "code.remove": 2,
    "coding.memo": 2,
    "code.create": 2,
    "code.update": 2,
    "code.rename": 2,
    "code.retire": 2,
    "code.reactivate": 2,
    "codebook.load": 2,
    "codebook.order": 2,
    "theme.create": 3,
    "theme.assign": 3,
    "theme.unassign": 3,
    "theme.parent": 3,
    "theme.update": 3,
    "code.merge": 4,
    "theme.move": 4,
    "theme.merge": 4,
    "theme.split": 4,
    "theme.discard": 4,
    "theme.misfit": 4,
    "theme.rename": 5,
    "theme.define": 5,
    "theme.exemplar": 5,
    "theme.reorder": 5,
}


def action_phase(action: str, target: str = "") -> int:
    """The phase an audited action belongs to (0 when it belongs to none, e.g. the
    reflexive journal). Undo and redo count towards the phase of what they undo."""
    if action in ("undo", "redo"):
        parts = target.split(maxsplit=2)  # "#12 code.apply risk @ gray2024:3"
        return action_phase(parts[1], parts[2] if len(parts) > 2 else "") if len(parts) > 1 else 0
    if action == "theme.status":
        return 5 if target.endswith(": defined") else 4
    if action == "phase.status":
        first = target.split(maxsplit=1)[0] if target else ""
        return int(first) if first.isdigit() and 1 <= int(first) <= 6 else 0
    if action.startswith("memo."):
        if target.startswith("familiarisation"):
            return 1
        if " on code" in target or " on coding" in target:
            return 2
        if " on theme" in target:
            return 4
        return 0
    if action.startswith("export"):
        return 6
    return _PHASE_OF_ACTION.get(action, 0)


def phase_seconds(
    events: Iterable[tuple[str, str, str, str]], cap: float = GAP_CAP
) -> dict[int, float]:
    """Working time per phase from the audit trail: (time, coder, action, target) events
    in trail order. Each coder's pause before an action counts towards that action's
    phase, capped so a night away does not count as work."""
    totals: dict[int, float] = {}
    last: dict[str, datetime] = {}
    for time, coder, action, target in events:
        when = datetime.fromisoformat(time)
        previous = last.get(coder)
        last[coder] = when
        if previous is None:
            continue
        gap = min(max((when - previous).total_seconds(), 0.0), cap)
        phase = action_phase(action, target)
        totals[phase] = totals.get(phase, 0.0) + gap
    return totals


def format_duration(seconds: float) -> str:
    minutes = int(round(seconds / 60))
    if minutes < 1:
        return "<1 min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


# ---- the assessment ----------------------------------------------------------------


def assess(data: QualityInputs) -> list[Finding]:
    """One finding per criterion, in checklist order."""
    checks = {
        1: _transcription,
        2: _equal_attention,
        3: _thorough,
        4: _collated,
        5: _checked,
        6: _coherent,
        7: _interpreted,
        8: _illustrated,
        9: _story,
        10: _balance,
        11: _time,
        12: _assumptions,
        13: _claims_match,
        14: _language,
        15: _active,
    }
    findings = []
    for criterion in CRITERIA:
        verdict, evidence = checks[criterion.number](data)
        if criterion.number in QUESTION_ONLY:
            verdict = Verdict.QUESTION
        findings.append(Finding(criterion, verdict, evidence))
    return findings


Result = tuple[Verdict, list[str]]


def _transcription(data: QualityInputs) -> Result:
    if not data.coverage:
        return Verdict.NO_DATA, ["no documents imported yet"]
    empty = [d.key for d in data.coverage if d.units == 0]
    if empty:
        return Verdict.CHECK, [
            f"{_plural(len(empty), 'document')} without text to analyse: {_names(empty)}"
        ]
    return Verdict.OK, [f"all {_plural(len(data.coverage), 'document')} have text"]


def _equal_attention(data: QualityInputs) -> Result:
    docs = [d for d in data.coverage if d.units]
    if not docs:
        return Verdict.NO_DATA, ["no documents with text yet"]
    never = [d.key for d in docs if d.coded_units == 0]
    barely = [d.key for d in docs if 0 < d.coded_units / d.units < BARELY_CODED]
    evidence = []
    if never:
        evidence.append(f"{_plural(len(never), 'document')} never coded: {_names(never)}")
    if barely:
        evidence.append(
            f"{_plural(len(barely), 'document')} barely coded (under {BARELY_CODED:.0%} of units): {_names(barely)}"
        )
    if evidence:
        return Verdict.CHECK, evidence
    return Verdict.OK, [f"every one of {_plural(len(docs), 'document')} has coded units"]


def _thorough(data: QualityInputs) -> Result:
    units = sum(d.units for d in data.coverage)
    coded = sum(d.coded_units for d in data.coverage)
    evidence = [f"{coded} of {_plural(units, 'unit')} coded ({coded / units:.0%})"] if units else []
    live = [t for t in data.themes if t.extracts]
    if not live:
        return Verdict.NO_DATA, [*evidence, "no theme has coded extracts yet"]
    narrow = [
        f"{t.name} ({_plural(t.documents, 'document')})"
        for t in live
        if t.documents <= FEW_DOCUMENTS
    ]
    if narrow:
        evidence.append(f"themes drawn from {FEW_DOCUMENTS} documents or fewer: {_names(narrow)}")
        return Verdict.CHECK, evidence
    return Verdict.OK, [*evidence, f"every theme draws on more than {FEW_DOCUMENTS} documents"]


def _collated(data: QualityInputs) -> Result:
    if not data.themes:
        return Verdict.NO_DATA, ["no themes yet"]
    per_theme = [f"{t.name} {t.extracts} ({_plural(t.documents, 'doc')})" for t in data.themes]
    evidence = [f"extracts per theme: {_names(per_theme, show=8)}"]
    verdict = Verdict.OK
    empty = [t.name for t in data.themes if not t.extracts]
    if empty:
        evidence.insert(0, f"themes with no coded extract: {_names(empty)}")
        verdict = Verdict.CHECK
    used = sorted(((name, n) for name, n in data.unthemed_codes if n), key=lambda p: -p[1])
    if used:
        listed = [f"{name} ({n})" for name, n in used]
        evidence.insert(
            0, f"{_plural(len(used), 'code')} with codings in no theme: {_names(listed)}"
        )
        verdict = Verdict.CHECK
    return verdict, evidence


def _checked(data: QualityInputs) -> Result:
    if not data.themes:
        return Verdict.NO_DATA, ["no themes yet"]
    reviewed = [t for t in data.themes if t.status in ("reviewed", "defined")]
    misfits = sum(t.misfits for t in data.themes)
    evidence = [
        f"{len(reviewed)} of {_plural(len(data.themes), 'theme')} reviewed or defined",
        f"{_plural(misfits, 'extract')} marked as not fitting a theme",
    ]
    pending = [t.name for t in data.themes if t.status == "candidate"]
    if pending:
        evidence.append(f"still candidates: {_names(pending)}")
        return Verdict.CHECK, evidence
    return Verdict.OK, evidence


def _coherent(data: QualityInputs) -> Result:
    live = [t for t in data.themes if t.segments]
    if len(live) < 2:
        return Verdict.NO_DATA, ["fewer than two themes with coded extracts"]
    pairs = overlapping_themes(live, data.shared_segments)
    evidence = [f"{a} and {b} share {j:.0%} of their coded segments" for a, b, j in pairs]
    unfit = [f"{t.name} ({t.misfits})" for t in live if t.misfits]
    if unfit:
        evidence.append(f"extracts marked as not fitting: {_names(unfit)}")
    if pairs:
        return Verdict.CHECK, evidence
    return Verdict.OK, [
        f"no two themes share {OVERLAP:.0%} or more of their coded segments",
        *evidence,
    ]


def _interpreted(data: QualityInputs) -> Result:
    defined = sum(1 for t in data.themes if t.definition.strip())
    analytic = sum(
        n for (target, _kind), n in data.memos.items() if target in ("code", "theme", "coding")
    )
    return Verdict.QUESTION, [
        f"{defined} of {_plural(len(data.themes), 'theme')} have a definition",
        f"{_plural(analytic, 'memo')} on codes, themes and extracts",
    ]


def _illustrated(data: QualityInputs) -> Result:
    if not data.themes:
        return Verdict.NO_DATA, ["no themes yet"]
    without = [t.name for t in data.themes if not t.exemplars]
    if without:
        return Verdict.CHECK, [f"themes with no exemplar extract: {_names(without)}"]
    return Verdict.OK, ["every theme has at least one exemplar extract"]


def _story(data: QualityInputs) -> Result:
    order = [t.name for t in data.themes]
    return Verdict.QUESTION, [f"report order: {_names(order, show=8)}"] if order else [
        "no themes yet"
    ]


def _balance(data: QualityInputs) -> Result:
    if not data.themes:
        return Verdict.NO_DATA, ["no themes yet"]
    evidence = []
    many = [f"{t.name} ({t.exemplars})" for t in data.themes if t.exemplars > MANY_EXEMPLARS]
    undefined = [t.name for t in data.themes if not t.definition.strip()]
    if many:
        evidence.append(f"themes with more than {MANY_EXEMPLARS} exemplars: {_names(many)}")
    if undefined:
        evidence.append(f"themes with no written definition: {_names(undefined)}")
    if evidence:
        return Verdict.CHECK, evidence
    return Verdict.OK, [f"every theme has a definition and no more than {MANY_EXEMPLARS} exemplars"]


def _time(data: QualityInputs) -> Result:
    worked = {p: s for p, s in data.phase_seconds.items() if p}
    if not worked:
        return Verdict.NO_DATA, ["the audit trail records no work yet"]
    line = ", ".join(
        f"{p} {PHASE_NAMES[p]} {format_duration(worked.get(p, 0.0))}" for p in range(1, 7)
    )
    evidence = [f"time per phase (pauses capped at {int(GAP_CAP // 60)} min): {line}"]
    skipped = [f"{p} {PHASE_NAMES[p]}" for p in range(1, 6) if worked.get(p, 0.0) == 0.0]
    if skipped:
        evidence.append(f"no recorded work in: {', '.join(skipped)}")
        return Verdict.CHECK, evidence
    return Verdict.OK, evidence


def _assumptions(data: QualityInputs) -> Result:
    journal = data.memos.get(("project", "journal"), 0)
    return Verdict.QUESTION, [f"{_plural(journal, 'entry', 'entries')} in the reflexive journal"]


def _claims_match(data: QualityInputs) -> Result:
    done = [p for p, s in sorted(data.phase_statuses.items()) if s == "done"]
    evidence = [f"phases marked done: {', '.join(f'{p} {PHASE_NAMES[p]}' for p in done) or 'none'}"]
    candidates = [t.name for t in data.themes if t.status == "candidate"]
    if data.phase_statuses.get(6) == "done" and candidates:
        evidence.append(
            f"the report is marked done but themes are still candidates: {_names(candidates)}"
        )
        return Verdict.CHECK, evidence
    if not done:
        return Verdict.NO_DATA, evidence
    return Verdict.OK, evidence


def _language(data: QualityInputs) -> Result:
    return Verdict.QUESTION, []


def _active(data: QualityInputs) -> Result:
    journal = data.memos.get(("project", "journal"), 0)
    if journal == 0:
        return Verdict.CHECK, ["the reflexive journal is empty"]
    return Verdict.OK, [f"{_plural(journal, 'entry', 'entries')} in the reflexive journal"]


# ---- resemblance: what the coding may have missed -----------------------------------

K = TypeVar("K")

KEYWORD_CUTOFF = 90.0  # a keyword must all but appear in the segment
KEYWORD_BASE = 0.4  # n keywords found: 1 - 0.4**n (one: 60, two: 84, three: 94)
EXTRACT_WEIGHT = 0.9  # an extract's likeness counts slightly less than a keyword hit
MIN_WORD = 3
_STOPWORDS = (
    "the and for are but not you all any can had her was one our out has him his how its may "
    "new now see two who did she use that with have this will your from they been were said "
    "each which their there what about would these other into more some than them then also "
    "only such when where while being both between after before over under most very"
)
STOPWORDS = frozenset(_STOPWORDS.split())
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Resemblance:
    score: float  # 0-100: graded, so hits rank (100 only for the same words and keywords)
    cue: str  # the keyword(s) or extract the segment resembles most


def content_words(text: str) -> frozenset[str]:
    """The words that carry meaning: casefolded, three letters or more, no stopwords."""
    return frozenset(
        w for w in _WORD.findall(text.casefold()) if len(w) >= MIN_WORD and w not in STOPWORDS
    )


def resemblance(text: str, keywords: Sequence[str], extracts: Sequence[str]) -> Resemblance | None:
    """How much a segment resembles a theme, as a graded score that ranks hits.

    Two kinds of evidence: the theme's keywords found (almost) verbatim, where each more
    keyword found raises the score (1 - 0.4**n, times how exactly they matched), and the
    overlap of content words with the theme's closest extract (the Dice coefficient, so a
    long segment does not match everything the way a token-set ratio does). Evidence of
    both kinds combines like independent chances: 1 - (1 - k)(1 - e). None when nothing
    scores."""
    target = utils.default_process(text)
    if not target:
        return None
    found: list[tuple[str, float]] = []
    for kw in keywords:
        cue = utils.default_process(kw)
        if len(cue) < MIN_WORD:
            continue
        score = fuzz.partial_ratio(cue, target, score_cutoff=KEYWORD_CUTOFF)
        if score:
            found.append((kw, score))
    keyword = 0.0
    if found:
        exactness = sum(score for _kw, score in found) / len(found) / 100
        keyword = (1 - KEYWORD_BASE ** len(found)) * exactness
    words = content_words(text)
    extract, extract_cue = 0.0, ""
    if words:
        for cue in extracts:
            theirs = content_words(cue)
            if not theirs:
                continue
            dice = EXTRACT_WEIGHT * 2 * len(words & theirs) / (len(words) + len(theirs))
            if dice > extract:
                extract, extract_cue = dice, cue
    if not keyword and not extract:
        return None
    score = round(100 * (1 - (1 - keyword) * (1 - extract)), 1)
    if keyword >= extract:
        cue = ", ".join(kw for kw, _s in sorted(found, key=lambda f: -f[1]))
    else:
        cue = extract_cue
    return Resemblance(score, cue)


def rank_resembling(
    candidates: Iterable[tuple[K, str]],
    keywords: Sequence[str],
    extracts: Sequence[str],
    limit: int = 20,
    cutoff: float = 50.0,
) -> list[tuple[Resemblance, K]]:
    """The ``limit`` candidates (item, text) that most resemble the cues, best first.
    Memory stays bounded by ``limit`` however many candidates stream past."""
    heap: list[tuple[float, int, Resemblance, K]] = []
    for n, (item, text) in enumerate(candidates):
        found = resemblance(text, keywords, extracts)
        if found is None or found.score < cutoff:
            continue
        entry = (found.score, -n, found, item)
        if len(heap) < limit:
            heapq.heappush(heap, entry)
        elif entry[:2] > heap[0][:2]:
            heapq.heapreplace(heap, entry)
    return [(r, item) for _s, _n, r, item in sorted(heap, key=lambda e: (-e[0], -e[1]))]
