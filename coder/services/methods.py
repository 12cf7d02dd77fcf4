"""The methods appendix and record-flow diagram, drafted from the project's own data.

Reading only (nothing audited). Counts come straight from the tables; the history
(imports, codebook loads, code and theme changes, who did what when) from the audit
trail, skipping actions that were undone and not redone, so a figure matches what the
project holds. ``coder.core.methods`` writes the prose; ``coder.formats.methods`` lays it
out. The same project always gives the same draft (golden-file tests hold it).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import BinaryIO

from coder.core.methods import (
    IDLE_MINUTES,
    AgreementSummary,
    Change,
    CodebookLoad,
    CoderWork,
    FinalTheme,
    MethodsFacts,
    PhaseTime,
    ReasonCount,
    SourceFile,
    build_draft,
    build_flow,
    phase_of,
)
from coder.core.report import report_order
from coder.formats import methods as writer
from coder.formats import thematic_map
from coder.services.workspace import ServiceError, Workspace
from coder.store import audit
from coder.store import queries as q
from coder.store.queries import reporting as r

CODE_ACTIONS = ("code.create", "code.rename", "code.merge", "code.retire", "code.reactivate")
THEME_ACTIONS = ("theme.create", "theme.rename", "theme.merge", "theme.split", "theme.discard")
NOTE_ONLY = "(note only)"

__all__ = ["audit_head", "export_flow", "export_methods", "methods_facts"]


def audit_head(ws: Workspace) -> tuple[int, str]:
    """(last event number, its hash): the point of the trail a paper cites."""
    with ws.read() as session:
        anchor = audit.head(session, ws.project.id)
    return anchor.seq, anchor.hash


def _undone(heads: list[tuple[int, str, str, str, str]]) -> set[int]:
    """Events whose effect is undone now: undone and not redone since."""
    undone: set[int] = set()
    for _seq, _time, _coder, action, target in heads:
        if action in ("undo", "redo") and target.startswith("#"):
            ref = int(target.split()[0].lstrip("#"))
            if action == "undo":
                undone.add(ref)
            else:
                undone.discard(ref)
    return undone


def _minutes(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() / 60


def _phases(heads: list[tuple[int, str, str, str, str]]) -> list[PhaseTime]:
    by_phase: dict[int, list[tuple[int, str]]] = defaultdict(list)
    minutes: dict[int, float] = defaultdict(float)
    previous: str | None = None
    for seq, time, _coder, action, target in heads:
        phase = phase_of(action, target)
        by_phase[phase].append((seq, time))
        if previous is not None:
            gap = _minutes(previous, time)
            if 0 <= gap <= IDLE_MINUTES:
                minutes[phase] += gap
        previous = time
    out = []
    for phase in sorted(by_phase):
        events = by_phase[phase]
        out.append(
            PhaseTime(
                phase,
                len(events),
                events[0][0],
                events[-1][0],
                events[0][1][:10],
                events[-1][1][:10],
                len({t[:10] for _, t in events}),
                round(minutes[phase]),
            )
        )
    return out


def _agreement(ws: Workspace, coders: dict[str, dict[str, int]]) -> AgreementSummary | None:
    from coder.services.agreement import DEFAULT_CONSENSUS, HEADER, agreement

    names = sorted(n for n, c in coders.items() if c.get("codings") and n != DEFAULT_CONSENSUS)
    if len(names) < 2:
        return None
    report = agreement(ws, names)
    pooled = report.pooled
    kappa = pooled.kappa.value if pooled.kappa else (pooled.fleiss.value if pooled.fleiss else None)
    return AgreementSummary(
        tuple(names),
        report.unit,
        report.n_units,
        report.documents,
        pooled.percent.value,
        kappa,
        pooled.alpha.value,
        HEADER,
    )


def methods_facts(ws: Workspace) -> MethodsFacts:
    pid = ws.project.id
    with ws.read() as session:
        heads = list(r.event_heads(session, pid))
        undone = _undone(heads)
        anchor = audit.head(session, pid)
        head_seq, head_hash = anchor.seq, anchor.hash
        no_abstract = r.without_abstract_by_import(session, pid)
        sources: list[SourceFile] = []
        loads: list[CodebookLoad] = []
        load_changes: list[Change] = []  # codebook changes made inside a load's event
        inserted_by: dict[int, int] = {}  # exclusion row id -> the event that made it
        for seq, time, coder, action, _target, after in r.event_details(
            session,
            pid,
            ("import", "qdpx.import", "codebook.load", "document.exclude", "undo", "redo"),
        ):
            info = after.get("info", {})
            if action in ("import", "qdpx.import"):
                for f in info.get("files", []):
                    sources.append(
                        SourceFile(
                            seq, time[:10], f["file"], f.get("format", ""), f.get("added", 0),
                            f.get("duplicates", 0), f.get("possible_duplicates", 0),
                            f.get("skipped", 0), no_abstract.get((seq, f["file"]), 0),
                        )
                    )  # fmt: skip
            elif action == "codebook.load" and seq not in undone:
                loads.append(
                    CodebookLoad(
                        seq, time[:10], info.get("file", ""), info.get("title", ""),
                        str(info.get("version", "")), info.get("sha256", ""), coder,
                    )
                )  # fmt: skip
                for change, n in info.get("changes", {}).items():
                    load_changes += [
                        Change(
                            seq,
                            time[:10],
                            phase_of(change, ""),
                            change,
                            info.get("file", ""),
                            coder,
                        )
                    ] * n
            for key, row in after.get("rows", {}).items():
                if key.startswith("document_exclusion:") and row is not None:
                    inserted_by[int(key.partition(":")[2])] = seq
        reasons_of = r.exclusion_reasons_by_id(session, pid)
        order = {name: o for name, o, _ in r.exclusions_by_reason(session, pid)}
        documents = r.count_all_documents(session, pid)
        without_abstract = r.count_without_abstract(session, pid)
        coded, codings = r.coded_included(session, pid)
        codes_active = r.count_active_codes(session, pid)
        counts = r.coder_counts(session, pid)
        themes = q.themes(session, pid)
    by_reason: dict[str | None, list[int]] = defaultdict(list)
    for row_id, reason in reasons_of.items():
        by_reason[reason].append(inserted_by.get(row_id, 0))
    excluded = [
        ReasonCount(reason or NOTE_ONLY, len(seqs), tuple(sorted(set(seqs))))
        for reason, seqs in sorted(
            by_reason.items(), key=lambda kv: (kv[0] is None, order.get(kv[0], 0), kv[0] or "")
        )
    ]
    excluded_total = sum(x.documents for x in excluded)
    changes = sorted(
        load_changes
        + [
            Change(seq, time[:10], phase_of(action, target), action, target, coder)
            for seq, time, coder, action, target in heads
            if seq not in undone and (action in CODE_ACTIONS or action in THEME_ACTIONS)
        ],
        key=lambda c: c.seq,
    )
    per_coder: dict[str, list[str]] = defaultdict(list)
    for _seq, time, coder, _action, _target in heads:
        per_coder[coder].append(time[:10])
    coders = [
        CoderWork(
            name, len(dates), min(dates), max(dates),
            counts.get(name, {}).get("documents_read", 0), counts.get(name, {}).get("codings", 0),
            counts.get(name, {}).get("documents_coded", 0), counts.get(name, {}).get("memos", 0),
            counts.get(name, {}).get("exclusions", 0),
        )
        for name, dates in sorted(per_coder.items())
    ]  # fmt: skip
    finals = [
        FinalTheme(t.name, t.parent, t.status.value, t.definition, tuple(t.codes))
        for t, _depth in report_order(themes)
    ]
    return MethodsFacts(
        project=ws.project.name,
        sources=sources,
        documents=documents,
        without_abstract=without_abstract,
        excluded=excluded,
        included=documents - excluded_total,
        coded=coded,
        codings=codings,
        codes_active=codes_active,
        codebook_loads=loads,
        code_changes=[c for c in changes if c.action in CODE_ACTIONS],
        theme_changes=[c for c in changes if c.action in THEME_ACTIONS],
        themes=finals,
        coders=coders,
        agreement=_agreement(ws, counts),
        phases=_phases(heads),
        head_seq=head_seq,
        head_hash=head_hash,
        first_date=heads[0][1][:10] if heads else "",
        last_date=heads[-1][1][:10] if heads else "",
    )


def export_methods(ws: Workspace, fmt: str, out: BinaryIO) -> None:
    """The methods draft and appendix in md, docx, html or json."""
    if fmt not in writer.METHODS_FORMATS:
        raise ServiceError(
            f"unknown methods format {fmt!r}: use {', '.join(writer.METHODS_FORMATS)}"
        )
    facts = methods_facts(ws)
    writer.write_methods(facts, build_draft(facts), build_flow(facts), fmt, out)


def export_flow(ws: Workspace, fmt: str, out: BinaryIO) -> None:
    """The PRISMA-style record-flow diagram as Mermaid, DOT, or SVG drawn by Graphviz."""
    if fmt not in writer.FLOW_FORMATS:
        raise ServiceError(f"unknown flow format {fmt!r}: use {', '.join(writer.FLOW_FORMATS)}")
    flow = build_flow(methods_facts(ws))
    if fmt == "mermaid":
        out.write(writer.to_mermaid(flow).encode("utf-8"))
        return
    dot = writer.to_dot(flow, title=f"Record flow: {ws.project.name}")
    if fmt == "dot":
        out.write(dot.encode("utf-8"))
        return
    try:
        out.write(thematic_map.render_svg(dot))
    except (thematic_map.GraphvizMissing, thematic_map.GraphvizFailed) as exc:
        raise ServiceError(str(exc).replace("the map", "the record flow")) from None
