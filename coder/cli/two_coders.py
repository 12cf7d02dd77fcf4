"""Two-coder commands: merge another coder's project, agreement, compare codebooks."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from coder.cli.common import (
    CoderOpt,
    DbOpt,
    JsonOpt,
    ProjectOpt,
    bar,
    fail,
    maybe_workspace,
    workspace,
)

app = typer.Typer()
compare_app = typer.Typer(help="Compare two coders' codebooks.", no_args_is_help=True)


@app.command()
def merge(
    other: Annotated[
        str, typer.Argument(help="The other coder's project: a file path or a database URL.")
    ],
    allow_missing: Annotated[
        bool,
        typer.Option(
            "--allow-missing",
            help="Merge the rest when some codings are on documents this project lacks (they are listed).",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would come across; change nothing.")
    ] = False,
    map_coder: Annotated[
        list[str] | None,
        typer.Option(
            "--map-coder",
            help="THERE=HERE: coder THERE in the other file is HERE in this one (repeatable).",
        ),
    ] = None,
    other_project: Annotated[
        str | None,
        typer.Option("--other-project", help="Project name in OTHER, if it holds several."),
    ] = None,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Bring another coder's codings, memos, new codes and audit trail into this project.

    Documents match by content hash, codes by id then name, coders by name. Nothing is
    duplicated; merging twice changes nothing. The other file's trail must check out.
    Codings on documents missing here are listed and the merge exits 2 unless
    --allow-missing.
    """
    from coder.services.history import verify
    from coder.services.merge import (
        MissingDocuments,
        merge_project,
        parse_coder_map,
        verify_merged_trails,
    )

    with workspace(db, coder, project) as ws:
        try:
            with bar(f"merging {other}") as tick:
                report = merge_project(
                    ws,
                    other,
                    project=other_project,
                    allow_missing=allow_missing,
                    dry_run=dry_run,
                    coder_map=parse_coder_map(map_coder or []),
                    progress=tick,
                )
        except MissingDocuments as exc:
            for item in exc.report.missing:
                typer.echo(f"missing: {item.line()}")
            raise
        for line in report.lines():
            typer.echo(line)
        if dry_run:
            typer.echo("(dry run: nothing changed)")
            return
        with bar("checking the audit trail") as tick:
            result = verify(ws, progress=tick)
        kept = verify_merged_trails(ws)
    if not result.ok:
        raise fail(f"audit check failed: {result.message}", 1)
    bad = [c for c in kept if not c.ok]
    if bad:
        raise fail(f"kept trail of {bad[0].source} (merge #{bad[0].seq}): {bad[0].message}", 1)
    typer.echo(f"audit: {result.message}; {len(kept)} kept trail(s) of merged projects intact")


@app.command("agreement")
def agreement_cmd(
    coders: Annotated[
        list[str] | None,
        typer.Option("--coder", help="A coder to compare; give two or more."),
    ] = None,
    unit: Annotated[
        str, typer.Option("--unit", help="segment (default), document or character.")
    ] = "segment",
    code: Annotated[
        list[str] | None, typer.Option("--code", help="Only this code (repeatable).")
    ] = None,
    only_shared: Annotated[
        bool,
        typer.Option("--only-shared", help="Count only documents every compared coder has coded."),
    ] = False,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Inter-coder agreement per code and pooled, with the disagreements to discuss.

    Percent agreement, Cohen's kappa (two coders) or Fleiss' kappa (three or more) and
    Krippendorff's alpha (nominal), each with its counts. Units: reading segments (a span
    or whole-document coding counts for every segment it overlaps), documents, or
    characters (as NVivo counts). A code no coder applied gives 100% agreement and an
    undefined (n/a) kappa and alpha; a code only one coder used gets kappa <= 0. These
    figures suit coding-reliability and codebook TA, not reflexive TA: see
    docs/agreement.md.
    """
    from coder.services.agreement import agreement

    with workspace(db, None, project) as ws, bar("agreement") as tick:
        report = agreement(
            ws, list(coders or []), unit, list(code or []) or None, only_shared, progress=tick
        )
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return
    for line in report.lines():
        typer.echo(line)


@compare_app.command("codebooks")
def compare_codebooks_cmd(
    a: Annotated[
        str,
        typer.Argument(help="A YAML or .qdc codebook, or coder:NAME (the codes NAME used here)."),
    ],
    b: Annotated[str, typer.Argument(help="The other codebook, same forms as A.")],
    threshold: Annotated[
        float, typer.Option("--threshold", help="Fuzzy score (0-100) a renamed code must reach.")
    ] = 80.0,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Compare two codebooks: matched, renamed, moved, changed definitions, only in A or B."""
    from coder.core.codebook_compare import describe, to_json
    from coder.services import compare

    with maybe_workspace(compare.needs_project(a, b), db, project) as ws:
        side_a, side_b, result = compare.compare(a, b, ws, threshold)
    if as_json:
        data = {"a": side_a.label, "b": side_b.label, **to_json(result)}
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"A: {side_a.label}  B: {side_b.label}")
    for line in describe(result):
        typer.echo(line)
