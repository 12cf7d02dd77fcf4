"""The methods appendix: facts about an analysis, and the draft written from them.

The service gathers ``MethodsFacts`` from the project's tables and audit trail; this module
turns them into a ``MethodsDraft`` (sections of paragraphs and tables) and a ``RecordFlow``
(PRISMA 2020 style boxes). Every figure in the draft is one of ``MethodsFacts.figures()``,
and every table row names the audit events it comes from, so a reader can trace a number
back to the trail. The wording follows reflexive thematic analysis: the researcher reads,
codes and constructs themes; themes do not "emerge". Pure: no I/O, no clock, so the same
facts always give the same draft.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PHASE_NAMES = {
    0: "Throughout (reflexive journal and other notes)",
    1: "1. Familiarising yourself with the data",
    2: "2. Generating initial codes",
    3: "3. Generating initial themes",
    4: "4. Developing and reviewing themes",
    5: "5. Refining, defining and naming themes",
    6: "6. Writing up",
}
IDLE_MINUTES = 30  # a gap between two events longer than this is a break, not work

# The phase an action belongs to. The trail does not record which screen an action came
# from, so each kind of action is placed where Braun & Clarke's phases put that work.
_PHASE_BY_ACTION = {
    "import": 1,
    "qdpx.import": 1,
    "document.read": 1,
    "document.unread": 1,
    "document.exclude": 1,
    "document.include": 1,
    "exclusion.reason.add": 1,
    "exclusion.reason.remove": 1,
    "theme.create": 3,
    "theme.assign": 3,
    "theme.unassign": 3,
    "theme.move": 3,
    "theme.parent": 3,
    "theme.import": 3,
    "theme.merge": 4,
    "theme.split": 4,
    "theme.discard": 4,
    "theme.misfit": 4,
    "theme.status": 4,
    "code.merge": 4,
    "theme.define": 5,
    "theme.rename": 5,
    "theme.update": 5,
    "theme.exemplar": 5,
    "theme.reorder": 5,
}


def phase_of(action: str, target: str) -> int:
    """The phase (1-6, 0 for work that runs throughout) an audit event belongs to."""
    if action in ("undo", "redo"):
        parts = target.split(maxsplit=2)  # "#12 code.apply risk @ key:3"
        return phase_of(parts[1], parts[2] if len(parts) > 2 else "") if len(parts) > 1 else 0
    if action == "phase.status":
        head = target.split(maxsplit=1)[0] if target else ""
        return int(head) if head.isdigit() else 0
    if action in _PHASE_BY_ACTION:
        return _PHASE_BY_ACTION[action]
    if action.startswith("memo."):
        if target.startswith("familiarisation"):
            return 1
        if " on code" in target or " on coding" in target:
            return 2
        if " on theme" in target:
            return 4
        return 0
    if action.startswith(("code.", "coding.", "codebook.", "merge")):
        return 2
    return 0


# ---- facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """One file read by one import event, as the event recorded it."""

    seq: int
    date: str
    file: str
    format: str
    added: int
    exact_duplicates: int
    possible_duplicates: int
    skipped: int
    without_abstract: int  # of the records added, those with no abstract text

    @property
    def identified(self) -> int:
        return self.added + self.exact_duplicates + self.possible_duplicates + self.skipped


@dataclass(frozen=True)
class ReasonCount:
    reason: str  # the project's reason, or "(note only)"
    documents: int
    seqs: tuple[int, ...]  # the events that set these documents aside


@dataclass(frozen=True)
class Change:
    """A change to the codebook or the themes, as one audit event."""

    seq: int
    date: str
    phase: int
    action: str
    target: str
    coder: str


@dataclass(frozen=True)
class CodebookLoad:
    seq: int
    date: str
    file: str
    title: str
    version: str
    sha256: str
    coder: str


@dataclass(frozen=True)
class FinalTheme:
    name: str
    parent: str | None
    status: str
    definition: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class CoderWork:
    name: str
    events: int
    first_date: str
    last_date: str
    documents_read: int
    codings: int
    documents_coded: int
    memos: int
    exclusions: int


@dataclass(frozen=True)
class PhaseTime:
    phase: int
    events: int
    first_seq: int
    last_seq: int
    first_date: str
    last_date: str
    active_days: int
    minutes: int


@dataclass(frozen=True)
class AgreementSummary:
    coders: tuple[str, ...]
    unit: str
    units: int
    documents: int
    percent: float | None
    kappa: float | None  # Cohen's (two coders) or Fleiss' (three or more)
    alpha: float | None
    note: str  # how docs/agreement.md frames the figures


@dataclass
class MethodsFacts:
    project: str
    sources: list[SourceFile]
    documents: int  # records kept after de-duplication (the documents table)
    without_abstract: int
    excluded: list[ReasonCount]
    included: int
    coded: int  # included documents with at least one coding
    codings: int
    codes_active: int
    codebook_loads: list[CodebookLoad]
    code_changes: list[Change]
    theme_changes: list[Change]
    themes: list[FinalTheme]
    coders: list[CoderWork]
    agreement: AgreementSummary | None
    phases: list[PhaseTime]
    head_seq: int
    head_hash: str
    first_date: str = ""
    last_date: str = ""

    @property
    def identified(self) -> int:
        return sum(s.identified for s in self.sources)

    @property
    def excluded_total(self) -> int:
        return sum(r.documents for r in self.excluded)

    def count_changes(self, changes: list[Change], action: str) -> int:
        return sum(1 for c in changes if c.action == action)

    def figures(self) -> dict[str, int]:
        """Every number the paragraphs state, by name (the test checks each against the
        tables, and that the paragraphs state no other number)."""
        code = self.code_changes
        theme = self.theme_changes
        return {
            "source_files": len(self.sources),
            "identified": self.identified,
            "exact_duplicates": sum(s.exact_duplicates for s in self.sources),
            "possible_duplicates": sum(s.possible_duplicates for s in self.sources),
            "skipped": sum(s.skipped for s in self.sources),
            "documents": self.documents,
            "without_abstract": self.without_abstract,
            "excluded": self.excluded_total,
            "included": self.included,
            "coded": self.coded,
            "codings": self.codings,
            "coders": len(self.coders),
            "codebook_loads": len(self.codebook_loads),
            "codes_created": self.count_changes(code, "code.create"),
            "codes_renamed": self.count_changes(code, "code.rename"),
            "codes_merged": self.count_changes(code, "code.merge"),
            "codes_retired": self.count_changes(code, "code.retire"),
            "codes_active": self.codes_active,
            "themes_created": self.count_changes(theme, "theme.create"),
            "themes_merged": self.count_changes(theme, "theme.merge"),
            "themes_split": self.count_changes(theme, "theme.split"),
            "themes_discarded": self.count_changes(theme, "theme.discard"),
            "themes_final": len(self.themes),
            "head_seq": self.head_seq,
        } | {f"excluded_{i}": r.documents for i, r in enumerate(self.excluded, start=1)}

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["identified"] = self.identified
        data["figures"] = self.figures()
        return data


# ---- the draft ---------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # columns to right-align


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class MethodsDraft:
    title: str
    sections: list[Section]
    notes: list[str]


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"  # agreement gives percentages


def _stat(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _seqs(seqs: tuple[int, ...] | list[int], limit: int = 12) -> str:
    shown = ", ".join(f"#{s}" for s in list(seqs)[:limit])
    return shown + (f" and {len(seqs) - limit} more" if len(seqs) > limit else "")


def record_paragraph(f: MethodsFacts) -> str:
    fig = f.figures()
    we = "I" if len(f.coders) <= 1 else "we"
    formats = sorted({s.format for s in f.sources if s.format})
    text = (
        f"Records were identified from {_n(fig['source_files'], 'search-result file')}"
        f"{' (' + ', '.join(formats) + ')' if formats else ''}, "
        f"{_n(fig['identified'], 'record')} in all. At import, "
        f"{_n(fig['exact_duplicates'], 'exact duplicate')} (identical content) and "
        f"{_n(fig['possible_duplicates'], 'possible duplicate')} (matched on DOI, title, "
        f"first author and year) were removed"
    )
    if fig["skipped"]:
        text += f", and {_n(fig['skipped'], 'record')} could not be read"
    text += (
        f", leaving {_n(fig['documents'], 'record')} to screen, of which "
        f"{fig['without_abstract']} had no abstract. "
    )
    if f.excluded:
        reasons = [f"{r.reason}: {r.documents}" for r in f.excluded]
        text += (
            f"While familiarising {'myself' if we == 'I' else 'ourselves'} with the data, {we} "
            f"set {_n(fig['excluded'], 'record')} aside ({'; '.join(reasons)}), leaving "
            f"{_n(fig['included'], 'record')} for analysis. "
        )
    else:
        text += (
            f"{we.capitalize()} read the records while familiarising "
            f"{'myself' if we == 'I' else 'ourselves'} with the data and set none aside, "
            f"leaving {_n(fig['included'], 'record')} for analysis. "
        )
    text += f"{we.capitalize()} coded {fig['coded']} of them ({_n(fig['codings'], 'coding')})."
    return text


def analysis_paragraph(f: MethodsFacts) -> str:
    fig = f.figures()
    we = "I" if len(f.coders) <= 1 else "we"
    our = "my" if we == "I" else "our"
    names = _list([c.name for c in f.coders])
    text = (
        "The analysis followed Braun and Clarke's reflexive thematic analysis, "
        "moving back and forth between its phases. "
    )
    if f.coders:
        text += (
            f"Coding was carried out by {names}"
            f"{' (' + _n(fig['coders'], 'coder') + ')' if len(f.coders) > 1 else ''}; codes "
            f"record {our} interpretation of the data rather than features found in it. "
        )
    if f.codebook_loads:
        loads = [f"{c.file}, version {c.version}" for c in f.codebook_loads]
        text += (
            f"{we.capitalize()} worked from a codebook file, loaded "
            f"{_n(fig['codebook_loads'], 'time')} ({'; '.join(loads)}), and revised the "
            "codebook as the analysis went on. "
        )
    text += (
        f"Over the analysis {we} created {fig['codes_created']}, renamed "
        f"{fig['codes_renamed']}, merged {fig['codes_merged']} and retired "
        f"{fig['codes_retired']} codes, ending with {_n(fig['codes_active'], 'active code')}. "
        f"{we.capitalize()} constructed candidate themes from the codes "
        f"({fig['themes_created']} created), then developed and reviewed them against the "
        f"coded extracts and the whole data set, merging {fig['themes_merged']}, splitting "
        f"{fig['themes_split']} and discarding {fig['themes_discarded']}; the final "
        f"analysis reports {_n(fig['themes_final'], 'theme')}, each defined by its central "
        "organising concept."
    )
    if f.first_date:
        text += f" The work ran from {f.first_date} to {f.last_date}."
    return text


def agreement_paragraph(a: AgreementSummary) -> str:
    kappa = "Cohen's kappa" if len(a.coders) == 2 else "Fleiss' kappa"
    return (
        f"{_list(list(a.coders))} coded the same records. {a.note} Compared over "
        f"{a.units} {a.unit} units in {a.documents} documents, percentage agreement was "
        f"{_pct(a.percent)}, {kappa} {_stat(a.kappa)} and Krippendorff's alpha "
        f"{_stat(a.alpha)}; the disagreements were discussed rather than resolved towards "
        "a single correct coding."
    )


def audit_paragraph(f: MethodsFacts) -> str:
    return (
        "Every step was recorded in coder's hash-chained audit trail; this account is "
        f"drawn from it. The trail ends at event #{f.head_seq} with SHA-256 hash "
        f"{f.head_hash}, which `coder audit verify` checks against the project's data."
    )


def build_flow_table(f: MethodsFacts) -> Table:
    fig = f.figures()
    rows = [
        ["Identification", "Records identified from search-result files", str(fig["identified"])],
        ["Identification", "Exact duplicates removed", str(fig["exact_duplicates"])],
        ["Identification", "Possible duplicates removed", str(fig["possible_duplicates"])],
    ]
    if fig["skipped"]:
        rows.append(["Identification", "Unreadable records skipped", str(fig["skipped"])])
    rows += [
        ["Screening", "Records screened", str(fig["documents"])],
        ["Screening", "  of which without abstract", str(fig["without_abstract"])],
        ["Screening", "Records excluded", str(fig["excluded"])],
    ]
    rows += [["Screening", f"  {r.reason}", str(r.documents)] for r in f.excluded]
    rows += [
        ["Included", "Records included in the analysis", str(fig["included"])],
        ["Included", "  of which coded", str(fig["coded"])],
    ]
    return Table("Record flow (PRISMA 2020 style)", ["Stage", "Records", "n"], rows, {2})


def build_draft(f: MethodsFacts) -> MethodsDraft:
    """The methods paragraph and its appendix, in a fixed order."""
    draft_paragraphs = [record_paragraph(f), analysis_paragraph(f)]
    if f.agreement is not None:
        draft_paragraphs.append(agreement_paragraph(f.agreement))
    draft_paragraphs.append(audit_paragraph(f))
    sections = [Section("Methods (draft)", draft_paragraphs)]

    sources = Table(
        "Records imported per source file",
        ["Event", "Date", "File", "Format", "Identified", "Exact duplicates",
         "Possible duplicates", "Unreadable", "Added", "Without abstract"],
        [[f"#{s.seq}", s.date, s.file, s.format, str(s.identified), str(s.exact_duplicates),
          str(s.possible_duplicates), str(s.skipped), str(s.added), str(s.without_abstract)]
         for s in f.sources],
        {4, 5, 6, 7, 8, 9},
    )  # fmt: skip
    excluded = Table(
        "Records set aside in familiarisation, by reason",
        ["Reason", "Records", "Events"],
        [[r.reason, str(r.documents), _seqs(r.seqs)] for r in f.excluded],
        {1},
    )
    sections.append(Section("Appendix A. Records", tables=[build_flow_table(f), sources, excluded]))

    loads = Table(
        "Codebook files loaded",
        ["Event", "Date", "File", "Title", "Version", "SHA-256", "Coder"],
        [[f"#{c.seq}", c.date, c.file, c.title, c.version, c.sha256[:12], c.coder]
         for c in f.codebook_loads],
    )  # fmt: skip
    summary_rows = []
    for phase in sorted({c.phase for c in f.code_changes}):
        of_phase = [c for c in f.code_changes if c.phase == phase]
        counts = [
            str(sum(1 for c in of_phase if c.action == a))
            for a in ("code.create", "code.rename", "code.merge", "code.retire")
        ]
        dates = f"{min(c.date for c in of_phase)} to {max(c.date for c in of_phase)}"
        summary_rows.append([PHASE_NAMES[phase], *counts, dates])
    code_summary = Table(
        "Codebook changes per phase",
        ["Phase", "Created", "Renamed", "Merged", "Retired", "Dates"],
        summary_rows,
        {1, 2, 3, 4},
    )
    code_log = Table(
        "Codebook changes",
        ["Event", "Date", "Phase", "Change", "Code", "Coder"],
        [[f"#{c.seq}", c.date, str(c.phase), c.action.removeprefix("code."), c.target, c.coder]
         for c in f.code_changes],
    )  # fmt: skip
    sections.append(
        Section("Appendix B. The codebook's development", tables=[loads, code_summary, code_log])
    )

    theme_log = Table(
        "Theme changes",
        ["Event", "Date", "Phase", "Change", "Theme", "Coder"],
        [[f"#{c.seq}", c.date, str(c.phase), c.action.removeprefix("theme."), c.target, c.coder]
         for c in f.theme_changes],
    )  # fmt: skip
    finals = Table(
        "Final themes",
        ["Theme", "Status", "Definition", "Codes"],
        [[t.name if t.parent is None else f"{t.parent} / {t.name}", t.status,
          t.definition or "(not defined yet)", "; ".join(t.codes)] for t in f.themes],
    )  # fmt: skip
    sections.append(Section("Appendix C. Themes", tables=[theme_log, finals]))

    coders = Table(
        "Coders and what each did",
        ["Coder", "Events", "From", "To", "Documents read", "Codings", "Documents coded",
         "Memos", "Records set aside"],
        [[c.name, str(c.events), c.first_date, c.last_date, str(c.documents_read),
          str(c.codings), str(c.documents_coded), str(c.memos), str(c.exclusions)]
         for c in f.coders],
        {1, 4, 5, 6, 7, 8},
    )  # fmt: skip
    tables = [coders]
    if f.agreement is not None:
        a = f.agreement
        tables.append(
            Table(
                "Agreement between coders (for discussion, not a quality score)",
                [
                    "Coders",
                    "Units",
                    "Documents",
                    "Percentage agreement",
                    "Cohen's kappa" if len(a.coders) == 2 else "Fleiss' kappa",
                    "Krippendorff's alpha",
                ],
                [
                    [
                        ", ".join(a.coders),
                        f"{a.units} {a.unit}",
                        str(a.documents),
                        _pct(a.percent),
                        _stat(a.kappa),
                        _stat(a.alpha),
                    ]
                ],
            )  # fmt: skip
        )
    sections.append(Section("Appendix D. Coders", tables=tables))

    phases = Table(
        "Time and dates per phase",
        ["Phase", "Events", "First event", "Last event", "From", "To", "Active days",
         "Time (h:mm)"],
        [[PHASE_NAMES[p.phase], str(p.events), f"#{p.first_seq}", f"#{p.last_seq}",
          p.first_date, p.last_date, str(p.active_days), f"{p.minutes // 60}:{p.minutes % 60:02d}"]
         for p in f.phases],
        {1, 6, 7},
    )  # fmt: skip
    sections.append(
        Section(
            "Appendix E. Time and the audit trail",
            [
                f"Time is estimated from the trail: the intervals between consecutive events "
                f"no longer than {IDLE_MINUTES} minutes, counted for the phase of the later "
                "event. Events are placed in the phase their kind of action belongs to "
                "(reading and setting records aside in phase 1, coding and codebook changes "
                "in phase 2, building themes in 3, merging, splitting and discarding them in "
                "4, defining and naming them in 5).",
                f"Audit head: event #{f.head_seq}, SHA-256 {f.head_hash}.",
            ],
            [phases],
        )
    )
    notes = [
        "Drafted by coder from the project's own data; every figure can be traced to the "
        "audit events named in the appendix. Edit the wording: the interpretation is yours.",
    ]
    return MethodsDraft(f"Methods: {f.project}", sections, notes)


# ---- the record-flow diagram ---------------------------------------------------------------


@dataclass(frozen=True)
class FlowBox:
    id: str
    stage: str  # Identification | Screening | Included
    lines: tuple[str, ...]
    side: bool = False  # an exclusion box beside the main flow


@dataclass
class RecordFlow:
    boxes: list[FlowBox]
    edges: list[tuple[str, str]]


def build_flow(f: MethodsFacts) -> RecordFlow:
    fig = f.figures()
    per_file = tuple(f"{s.file} ({s.format}): n = {s.identified}" for s in f.sources)
    removed = [
        f"Exact duplicates: n = {fig['exact_duplicates']}",
        f"Possible duplicates: n = {fig['possible_duplicates']}",
    ]
    if fig["skipped"]:
        removed.append(f"Unreadable records: n = {fig['skipped']}")
    boxes = [
        FlowBox(
            "identified",
            "Identification",
            (f"Records identified from {fig['source_files']} files: n = {fig['identified']}",)
            + per_file,
        ),
        FlowBox(
            "removed",
            "Identification",
            ("Records removed before screening:", *removed),
            side=True,
        ),
        FlowBox(
            "screened",
            "Screening",
            (
                f"Records screened: n = {fig['documents']}",
                f"without abstract: n = {fig['without_abstract']}",
            ),
        ),
        FlowBox(
            "excluded",
            "Screening",
            (
                f"Records excluded: n = {fig['excluded']}",
                *(f"{r.reason}: n = {r.documents}" for r in f.excluded),
            ),
            side=True,
        ),
        FlowBox(
            "included",
            "Included",
            (
                f"Records included in the analysis: n = {fig['included']}",
                f"coded: n = {fig['coded']}",
            ),
        ),
    ]
    edges = [
        ("identified", "screened"),
        ("identified", "removed"),
        ("screened", "included"),
        ("screened", "excluded"),
    ]
    return RecordFlow(boxes, edges)
