"""Agreement between coders of one project, and the queue of their disagreements.

The statistics come from :mod:`coder.core.agreement`; this module only gathers the data in
a few set queries (which coder applied which code to which unit) and names things. Three
kinds of unit:

* ``segment``: every reading unit of every document. A coding on a reading unit counts for
  that unit; a coding on a hand-made span, or on the whole document, counts for every unit
  it overlaps (a span that covers half of a sentence means the coder saw the code there).
  Documents without text have no units.
* ``document``: every document; a coder applied a code to a document if they applied it
  anywhere in it.
* ``character``: every character of every document's text, as NVivo's coding comparison
  counts them: the characters each coder's codings of the code cover.

Every coder is taken to have seen every unit, so a code a coder never applied counts as
"not applied" everywhere. ``only_shared`` restricts the units to documents every compared
coder has coded, for projects where each coder took part of the corpus.

Agreement figures suit coding-reliability and codebook approaches to thematic analysis.
In reflexive TA (Braun & Clarke) codes are the researcher's own reading; two coders
compare codings to talk about them, and :data:`HEADER` says so wherever a report is shown.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from coder.core import agreement as core
from coder.core.agreement import BinaryTally, CodeAgreement
from coder.core.matching import did_you_mean
from coder.services.coding import UnitRef, apply_code, remove_code
from coder.services.notes import add_memo
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q

UNITS = ("segment", "document", "character")
DEFAULT_CONSENSUS = "consensus"
HEADER = (
    "Agreement statistics suit coding-reliability and codebook approaches to thematic "
    "analysis. In reflexive thematic analysis (Braun & Clarke) coding is the researcher's "
    "own interpretation: comparing coders serves discussion and reflexivity, and these "
    "figures are not a quality score."
)
UNIT_NOTES = {
    "segment": "units: reading units (sentences or sections); a span or whole-document "
    "coding counts for every unit it overlaps",
    "document": "units: documents; a code counts as applied to a document if it was "
    "applied anywhere in it",
    "character": "units: characters of the documents' text covered by each coder's "
    "codings (as NVivo counts)",
}

__all__ = [
    "CHOICES",
    "DEFAULT_CONSENSUS",
    "HEADER",
    "RESOLUTION",
    "UNITS",
    "AgreementReport",
    "Queue",
    "QueueItem",
    "UnitDetail",
    "UnitDisagreement",
    "agreement",
    "disagreement_queue",
    "resolve",
    "unit_detail",
]


@dataclass(frozen=True)
class UnitDisagreement:
    """A unit where the coders split on a code. For character units, ``unit`` is the
    document and ``characters`` the number of its characters they split on."""

    unit: str  # "key:3", "key" (document or character units)
    document: str
    ordinal: int | None
    code: str
    applied_by: tuple[str, ...]
    not_applied_by: tuple[str, ...]
    characters: int | None = None

    def line(self) -> str:
        if self.characters is not None:
            if self.not_applied_by:
                return (
                    f"{self.unit}: {self.code!r}: {self.characters} characters coded by "
                    f"{', '.join(self.applied_by)}, not by {', '.join(self.not_applied_by)}"
                )
            return (
                f"{self.unit}: {self.code!r}: {self.characters} characters coded by only "
                f"some of {', '.join(self.applied_by)} (their spans differ)"
            )
        return (
            f"{self.unit}: {self.code!r}: applied by {', '.join(self.applied_by)}, "
            f"not by {', '.join(self.not_applied_by)}"
        )


@dataclass
class AgreementReport:
    """Per-code rows in codebook order, then the pooled row (``code is None``)."""

    coders: tuple[str, ...]
    unit: str
    n_units: int
    documents: int
    rows: list[CodeAgreement]
    disagreements: list[UnitDisagreement] = field(default_factory=list)
    only_shared: bool = False

    @property
    def pooled(self) -> CodeAgreement:
        return self.rows[-1]

    @property
    def per_code(self) -> list[CodeAgreement]:
        return self.rows[:-1]

    def to_json(self) -> dict:
        """Plain data: each statistic with the counts it came from (confusion table,
        coincidence matrix, observed and expected agreement)."""
        return {
            "note": HEADER,
            "coders": list(self.coders),
            "unit": self.unit,
            "units": self.n_units,
            "documents": self.documents,
            "only_shared": self.only_shared,
            "counting": UNIT_NOTES[self.unit],
            "codes": [_row_json(r) for r in self.per_code],
            "pooled": _row_json(self.pooled),
            "disagreements": [asdict(d) for d in self.disagreements],
        }

    def lines(self) -> list[str]:
        """The report as text: the Braun & Clarke note, a table, notes, disagreements."""
        names = " and ".join(self.coders) if len(self.coders) == 2 else ", ".join(self.coders)
        out = [
            f"Agreement between {names}: {self.n_units} {self.unit} units in "
            f"{self.documents} documents{' coded by every coder' if self.only_shared else ''}",
            f"({UNIT_NOTES[self.unit]})",
            "",
            *_wrap(HEADER, 88),
            "",
        ]
        out += _table(self)
        notes = [
            f"  {r.code if r.code is not None else 'pooled'}: {n}"
            for r in self.rows
            for n in _notes(r)
        ]
        if notes:
            out += ["", "notes:", *notes]
        out += ["", f"disagreements ({len(self.disagreements)}):"]
        out += [f"  {d.line()}" for d in self.disagreements] or ["  none"]
        return out


def _row_json(row: CodeAgreement) -> dict:
    data = asdict(row)
    data["applied"] = {str(k): v for k, v in row.applied.items()}
    return data


def _notes(row: CodeAgreement) -> list[str]:
    found = [row.note, row.percent.note, row.alpha.note]
    found += [row.kappa.note if row.kappa else "", row.fleiss.note if row.fleiss else ""]
    out: list[str] = []
    for note in found:
        if note and note not in out:
            out.append(note)
    return out


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current] if current else lines


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _table(report: AgreementReport) -> list[str]:
    """Two coders: the 2x2 counts behind kappa; more: applications per coder and Fleiss."""
    two = len(report.coders) == 2
    if two:
        a, b = report.coders
        head = ["code", "units", "both", f"{a} only", f"{b} only", "neither", "agree %", "kappa", "alpha"]  # fmt: skip
    else:
        head = ["code", "units", *[f"by {c}" for c in report.coders], "agree %", "Fleiss", "alpha"]
    rows: list[list[str]] = []
    for r in report.rows:
        name = str(r.code) if r.code is not None else "all codes (pooled)"
        pct = _fmt(r.percent.value, 1)
        if two and r.kappa is not None:
            (neither, b_only), (a_only, both) = r.kappa.confusion
            cells = [str(both), str(a_only), str(b_only), str(neither)]
            rows.append(
                [name, str(r.n_units), *cells, pct, _fmt(r.kappa.value), _fmt(r.alpha.value)]
            )
        else:
            per = [str(r.applied[c]) for c in report.coders]
            kappa = _fmt(r.fleiss.value if r.fleiss else None)
            rows.append([name, str(r.n_units), *per, pct, kappa, _fmt(r.alpha.value)])
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    widths[0] = min(widths[0], 40)

    def fmt(cells: list[str]) -> str:
        first = cells[0] if len(cells[0]) <= 40 else cells[0][:39] + "…"
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first.ljust(widths[0]), *rest]).rstrip()

    return [fmt(head), *[fmt(r) for r in rows]]


# ------------------------------------------------------------------------ gathering


def _coder_ids(ws: Workspace, coders: list[str]) -> dict[str, int]:
    names = [" ".join(c.split()) for c in coders]
    if len(names) < 2:
        raise ServiceError("agreement needs at least two coders: pass --coder A --coder B")
    if len(set(names)) != len(names):
        raise ServiceError(f"each coder once, please: {', '.join(names)}")
    with ws.read() as session:
        known = q.coder_names(session)
        ids = {n: q.coder_id(session, n) for n in names}
    for name, cid in ids.items():
        if cid is None:
            raise ServiceError(f"unknown coder {name!r}{did_you_mean(name, known)}")
    return {n: i for n, i in ids.items() if i is not None}


def _code_ids(ws: Workspace, codes: list[str] | None) -> tuple[dict[int, str], list[int]]:
    """All code names by id, and the ids of the codes asked for (in codebook order)."""
    with ws.read() as session:
        rows = q.code_rows(session, ws.project.id)
    names = {r.id: r.name for r in rows if r.id is not None}
    if not codes:
        return names, list(names)
    by_name = {r.name: r.id for r in rows}
    wanted: list[int] = []
    for code in codes:
        cid = by_name.get(code)
        if cid is None:
            raise ServiceError(f"unknown code {code!r}{did_you_mean(code, by_name)}")
        if cid not in wanted:
            wanted.append(cid)
    return names, wanted


@dataclass
class _Data:
    """Who applied what where, gathered in a few set queries."""

    coders: dict[str, int]  # name -> coder id, in the order asked
    code_names: dict[int, str]
    order: list[str]  # the codes to report, codebook order
    docs: list[tuple[int, str, int]]  # (id, key, length) in reading order
    units: list[int]  # unit ids in reading order (segment or document units)
    labels: dict[int, tuple[str, str, int | None]]  # unit -> (label, document key, ordinal)
    codings: dict[str, dict[str, set[int]]]  # coder -> code -> units
    spans: list[tuple[int, int, int, int, int]]  # character units only


def _gather(
    ws: Workspace, coders: list[str], unit: str, codes: list[str] | None, only_shared: bool
) -> _Data:
    if unit not in UNITS:
        raise ServiceError(f"unknown unit {unit!r}: use {', '.join(UNITS)}")
    coder_ids = _coder_ids(ws, coders)
    code_names, wanted = _code_ids(ws, codes)
    code_filter = wanted if codes else None
    ids = list(coder_ids.values())
    pid = ws.project.id
    units: list[tuple[int, int, str, int]] = []
    decisions: list = []
    with ws.read() as session:
        docs = q.document_units(session, pid)
        if only_shared:
            per_coder: dict[int, set[int]] = defaultdict(set)
            for coder, _code, doc in q.document_decisions(session, pid, ids):
                per_coder[coder].add(doc)
            shared = set.intersection(*(per_coder[c] for c in ids))
            docs = [d for d in docs if d[0] in shared]
        if unit == "segment":
            units = q.reading_units(session, pid)
            decisions = q.unit_decisions(session, pid, ids, code_filter)
        elif unit == "document":
            decisions = q.document_decisions(session, pid, ids, code_filter)
        else:
            decisions = q.coded_spans(session, pid, ids, code_filter)
    used = {d[1] for d in decisions}
    order = [code_names[c] for c in wanted if codes or c in used]
    data = _Data(coder_ids, code_names, order, docs, [], {}, {n: {} for n in coder_ids}, [])
    if unit == "character":
        data.spans = decisions
        return data
    doc_ids = {d[0] for d in docs}
    if unit == "segment":
        data.units = [u[0] for u in units if u[1] in doc_ids]
        data.labels = {u[0]: (f"{u[2]}:{u[3]}", u[2], u[3]) for u in units}
    else:
        data.units = [d[0] for d in docs]
        data.labels = {d[0]: (d[1], d[1], None) for d in docs}
    names = {cid: name for name, cid in coder_ids.items()}
    for coder, code, where in decisions:
        data.codings[names[coder]].setdefault(code_names[code], set()).add(where)
    return data


def agreement(
    ws: Workspace,
    coders: list[str],
    unit: str = "segment",
    codes: list[str] | None = None,
    only_shared: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> AgreementReport:
    """Agreement of ``coders`` on each code (all codes any of them used, or ``codes``) and
    pooled, with the list of disagreements. One-line ServiceError for unknown coders,
    codes or unit kinds. ``progress(done, total)``: steps are reading the codings, then
    each code's table and each code's disagreements (a big project takes a while)."""
    tick = progress or (lambda done, total: None)
    tick(0, 1)
    data = _gather(ws, coders, unit, codes, only_shared)
    n = len(data.order)
    total = 1 + (n if unit == "character" else 2 * n)
    tick(1, total)
    if unit == "character":
        return _character_report(data, only_shared, lambda i: tick(1 + i, total))
    rows = core.agreement_table(
        data.units, data.codings, codes=data.order, done=lambda i: tick(1 + min(i, n), total)
    )
    listed = []
    found = core.disagreements(
        data.units, data.codings, codes=data.order, done=lambda i: tick(1 + n + i, total)
    )
    for d in found:
        label, key, ordinal = data.labels[d.unit]
        listed.append(
            UnitDisagreement(label, key, ordinal, str(d.code), d.applied_by, d.not_applied_by)  # type: ignore[arg-type]
        )
    return AgreementReport(
        tuple(data.coders), unit, len(data.units), len(data.docs), rows, listed, only_shared
    )


def _character_report(
    data: _Data, only_shared: bool, done: Callable[[int], None] | None = None
) -> AgreementReport:
    """Characters as units: per code, a sweep over each document that some coder coded
    with it, plus every other character counted at once as agreed "not applied"."""
    coders = tuple(data.coders)
    names = {cid: name for name, cid in data.coders.items()}
    lengths = {d[0]: d[2] for d in data.docs}
    keys = {d[0]: d[1] for d in data.docs}
    position = {d[0]: i for i, d in enumerate(data.docs)}
    total = sum(lengths.values())
    by_code: dict[str, dict[int, dict[str, list[tuple[int, int]]]]] = {}
    for coder, code, doc, start, end in data.spans:
        if doc not in lengths:
            continue
        per_code = by_code.setdefault(data.code_names[code], {})
        per_doc = per_code.get(doc)
        if per_doc is None:
            per_doc = per_code[doc] = {c: [] for c in coders}
        per_doc[names[coder]].append((start, min(end, lengths[doc])))
    rows: list[CodeAgreement] = []
    pooled: Counter[tuple[int, int]] = Counter()
    listed: list[tuple[int, int, UnitDisagreement]] = []
    full = (1 << len(coders)) - 1
    for index, name in enumerate(data.order):
        counts: Counter[tuple[int, int]] = Counter()
        covered = 0
        for doc, doc_spans in by_code.get(name, {}).items():
            part = BinaryTally.from_spans(lengths[doc], doc_spans).counts
            counts.update(part)
            covered += lengths[doc]
            split = sum(n for (amask, _), n in part.items() if amask not in (0, full))
            if split:
                by = tuple(c for c in coders if doc_spans[c])
                not_by = tuple(c for c in coders if not doc_spans[c])
                item = UnitDisagreement(keys[doc], keys[doc], None, name, by, not_by, split)
                listed.append((position[doc], index, item))
        if total - covered:
            counts[0, 0] += total - covered
        pooled.update(counts)
        rows.append(BinaryTally(coders, dict(counts)).summarise(name))
        if done is not None:
            done(index + 1)
    rows.append(BinaryTally(coders, dict(pooled)).summarise(None))
    listed.sort(key=lambda x: (x[0], x[1]))
    return AgreementReport(
        coders, "character", total, len(data.docs), rows, [x[2] for x in listed], only_shared
    )


# --------------------------------------------------------------- the disagreement queue


@dataclass(frozen=True)
class QueueItem:
    """A reading unit on which two coders applied different codes."""

    segment_id: int
    key: str
    ordinal: int
    a_codes: tuple[str, ...]  # codebook order
    b_codes: tuple[str, ...]
    consensus: tuple[str, ...] = ()
    resolved: bool = False

    @property
    def ref(self) -> str:
        return f"{self.key}:{self.ordinal}"

    @property
    def disputed(self) -> tuple[str, ...]:
        a, b = set(self.a_codes), set(self.b_codes)
        return tuple(c for c in (*self.a_codes, *self.b_codes) if (c in a) != (c in b))


@dataclass
class Queue:
    """The queue with the statistics shown above it."""

    coder_a: str
    coder_b: str
    consensus: str
    items: list[QueueItem]
    report: AgreementReport

    @property
    def resolved(self) -> int:
        return sum(i.resolved for i in self.items)

    def sides(self) -> tuple[int, int]:
        """Resolved units where the consensus took A's codes, and where it took B's."""
        with_a = sum(i.resolved and set(i.consensus) == set(i.a_codes) for i in self.items)
        with_b = sum(i.resolved and set(i.consensus) == set(i.b_codes) for i in self.items)
        return with_a, with_b


RESOLUTION = "resolution"  # memo kind of the consensus coder's decisions
_RESOLVED = re.compile(r"unit (\d+): ")


def _resolution_text(
    item: QueueItem, coders: tuple[str, str], choice: str, codes: tuple[str, ...]
) -> str:
    label = {"a": f"{coders[0]}'s codes", "b": f"{coders[1]}'s codes"}.get(
        choice, "both coders' codes" if choice == "both" else "only the codes both applied"
    )
    return f"unit {item.ordinal}: {coders[0]} vs {coders[1]}: accepted {label}: " + (
        ", ".join(codes) if codes else "no code"
    )


def disagreement_queue(
    ws: Workspace, coder_a: str, coder_b: str, consensus: str = DEFAULT_CONSENSUS
) -> Queue:
    """Every reading unit where ``coder_a`` and ``coder_b`` differ, in reading order, with
    their codes on it, the consensus coder's codes, and whether it is resolved (the
    consensus coder coded it, or recorded a decision for it). The statistics are those of
    :func:`agreement` on segments, from the same data."""
    if consensus in (coder_a, coder_b):
        raise ServiceError(f"the consensus coder must be someone else than {coder_a} and {coder_b}")
    data = _gather(ws, [coder_a, coder_b], "segment", None, False)
    coder_a, coder_b = tuple(data.coders)  # names as stored
    rows = core.agreement_table(data.units, data.codings, codes=data.order)
    report = AgreementReport((coder_a, coder_b), "segment", len(data.units), len(data.docs), rows)
    rank = {name: i for i, name in enumerate(data.code_names.values())}
    by_unit: dict[str, dict[int, set[str]]] = {coder_a: {}, coder_b: {}}
    for coder, per_code in data.codings.items():
        for code, where in per_code.items():
            for unit in where:
                by_unit[coder].setdefault(unit, set()).add(code)
    cons: dict[int, set[str]] = {}
    decided: set[tuple[str, int]] = set()  # (document key, ordinal)
    with ws.read() as session:
        cid = q.coder_id(session, consensus)
        if cid is not None:
            for _c, code, unit in q.unit_decisions(session, ws.project.id, [cid]):
                cons.setdefault(unit, set()).add(data.code_names[code])
            pair = f"{coder_a} vs {coder_b}: "
            keys = {d[0]: d[1] for d in data.docs}
            for memo in q.memos(session, ws.project.id, "document", kind=RESOLUTION):
                match = _RESOLVED.match(memo.text)
                if memo.coder == consensus and match and memo.text[match.end() :].startswith(pair):
                    decided.add((keys.get(int(memo.target or 0), ""), int(match.group(1))))
    items = []
    a_units, b_units = by_unit[coder_a], by_unit[coder_b]
    for unit_id in _in_reading_order(data.units, a_units.keys() | b_units.keys()):
        a, b = a_units.get(unit_id, set()), b_units.get(unit_id, set())
        if a == b:
            continue
        _label, key, ordinal = data.labels[unit_id]
        items.append(
            QueueItem(
                unit_id,
                key,
                ordinal or 0,
                tuple(sorted(a, key=rank.__getitem__)),
                tuple(sorted(b, key=rank.__getitem__)),
                tuple(sorted(cons.get(unit_id, set()), key=rank.__getitem__)),
                unit_id in cons or (key, ordinal or 0) in decided,
            )
        )
    return Queue(coder_a, coder_b, consensus, items, report)


def _in_reading_order(units: list[int], some: set[int]) -> list[int]:
    return [u for u in units if u in some]


CHOICES = ("a", "b", "both", "neither")


def resolve(
    ws: Workspace,
    item: QueueItem,
    choice: str,
    coders: tuple[str, str],
    consensus: str = DEFAULT_CONSENSUS,
) -> tuple[str, ...]:
    """Record the consensus on one unit: A's codes, B's, both (union) or neither (only the
    codes both applied). The consensus coder's codings change through the coding service
    and the decision is a "resolution" memo on the document, so each step is audited and
    even "no code" leaves a record. Codes outside A's and B's are left alone. Returns the
    consensus codes on the unit among A's and B's."""
    if choice not in CHOICES:
        raise ServiceError(f"resolve with one of {', '.join(CHOICES)}, not {choice!r}")
    a, b = set(item.a_codes), set(item.b_codes)
    target = {"a": a, "b": b, "both": a | b, "neither": a & b}[choice]
    order = [*item.a_codes, *[c for c in item.b_codes if c not in a]]
    cws = Workspace(ws.db, ws.project, consensus)
    ref = UnitRef(item.key, item.ordinal)
    for code in order:
        have = code in item.consensus
        if code in target and not have:
            apply_code(cws, ref, code)
        elif code not in target and have:
            remove_code(cws, ref, code)
    chosen = tuple(c for c in order if c in target)
    add_memo(cws, _resolution_text(item, coders, choice, chosen), "document", item.key, RESOLUTION)
    return chosen


@dataclass(frozen=True)
class UnitDetail:
    """What the queue shows of one unit: its document's text, where the unit is, and the
    memos written about it (coding memos of either coder, memos on the document)."""

    text: str
    start: int
    end: int
    heading: str | None
    memos: list[tuple[str, str, str]]  # (coder, kind or "coding memo on CODE", text)


def unit_detail(ws: Workspace, item: QueueItem, coders: tuple[str, ...]) -> UnitDetail:
    with ws.read() as session:
        doc = q.document_row(session, ws.project.id, item.key)
        seg = q.unit_by_ordinal(session, doc.id, item.ordinal) if doc is not None else None
        if doc is None or seg is None:
            raise ServiceError(f"unit {item.ref} is no longer in the project")
        ids = [i for i in (q.coder_id(session, c) for c in coders) if i is not None]
        memos: list[tuple[str, str, str]] = []
        for coding in q.codings(session, ws.project.id, document_id=doc.id, coder_ids=ids):
            if coding.memo and coding.start < seg.end and coding.end > seg.start:
                memos.append((coding.coder, f"coding memo on {coding.code}", coding.memo))
        for memo in reversed(q.memos(session, ws.project.id, "document", doc.id)):
            memos.append((memo.coder, memo.kind, memo.text))
        return UnitDetail(doc.text, seg.start, seg.end, seg.heading, memos)
