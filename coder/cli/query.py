"""Query commands: codes or themes by attribute, the extracts behind a cell, word
frequencies and keyword-in-context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from coder.cli.common import (
    DbOpt,
    JsonOpt,
    OutputOpt,
    ProjectOpt,
    fail,
    user_errors,
    workspace,
    write_output,
)

query_app = typer.Typer(
    help="Ask across the data: matrices by attribute, word frequencies, keyword in context.",
    no_args_is_help=True,
)

ThemeOpt = Annotated[str | None, typer.Option("--theme", help="Only this theme's coded extracts.")]


@query_app.command("matrix")
def matrix_command(
    cols: Annotated[
        str, typer.Option("--cols", help="The attribute: year, journal, type, speaker or yours.")
    ],
    rows: Annotated[str, typer.Option("--rows", help="codes or themes.")] = "codes",
    count: Annotated[
        str, typer.Option("--count", help="extracts (coded segments) or documents.")
    ] = "extracts",
    percent: Annotated[
        str | None, typer.Option("--percent", help="row or col: percentages of the totals.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md, csv or xlsx.")] = "md",
    output: OutputOpt = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Codes (or themes) by the values of an attribute: counts or percentages."""
    import io

    from coder.formats.matrix import MATRIX_FORMATS, WRITERS
    from coder.services import analysis

    if fmt not in MATRIX_FORMATS:
        raise fail(f"unknown matrix format {fmt!r}: use {', '.join(MATRIX_FORMATS)}")
    if fmt == "xlsx" and output in (None, "-"):
        raise fail("--format xlsx is binary: write it to a file with -o FILE (e.g. -o matrix.xlsx)")
    with workspace(db, None, project) as ws:
        matrix = analysis.matrix(ws, rows, cols, count, percent)
    buffer = io.BytesIO()
    WRITERS[fmt](matrix, buffer)
    write_output(buffer.getvalue(), output, binary=fmt == "xlsx")


@query_app.command("cell")
def cell_command(
    row: Annotated[str, typer.Option("--row", help="The code's (or theme's) name.")],
    cols: Annotated[str, typer.Option("--cols", help="The attribute.")],
    value: Annotated[
        str | None, typer.Option("--value", help="The column's value; leave out for '(none)'.")
    ] = None,
    rows: Annotated[str, typer.Option("--rows", help="codes or themes.")] = "codes",
    limit: Annotated[int, typer.Option(help="At most this many extracts.")] = 200,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """The extracts behind one cell of a matrix, in reading order."""
    from coder.services import analysis

    with workspace(db, None, project) as ws:
        found = analysis.cell_extracts(ws, rows, row, cols, value, limit)
    if as_json:
        out = [
            {"key": k, "start": s, "end": e, "text": t, "speaker": sp, "section": h}
            for k, s, e, t, sp, h in found
        ]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for key, start, end, text, speaker, _heading in found:
        who = f" {speaker}:" if speaker else ""
        typer.echo(f"[{key}@{start}-{end}]{who} {' '.join(text.split())}")
    typer.echo(f"{len(found)} extract{'s' if len(found) != 1 else ''}", err=True)


@query_app.command("words")
def words_command(
    theme: ThemeOpt = None,
    top: Annotated[int, typer.Option(help="How many words.")] = 50,
    min_length: Annotated[int, typer.Option(help="Shorter words are left out.")] = 3,
    stopwords: Annotated[
        Path | None,
        typer.Option(help="A stop-word list for this run (one word a line; default: yours)."),
    ] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """The most frequent words of the data set, or of one theme's extracts."""
    from coder.services import analysis

    with workspace(db, None, project) as ws:
        counts = analysis.words(ws, theme, top, min_length, stopwords)
    if as_json:
        out = [{"word": w.word, "count": w.count, "texts": w.texts} for w in counts]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for w in counts:
        typer.echo(f"{w.count:>7} {w.texts:>6}  {w.word}")


@query_app.command("kwic")
def kwic_command(
    term: Annotated[str, typer.Argument(help="A word or phrase; 'support*' matches any ending.")],
    theme: ThemeOpt = None,
    width: Annotated[int, typer.Option(help="Characters of context each side.")] = 40,
    limit: Annotated[int, typer.Option(help="At most this many lines.")] = 500,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Keyword in context: every occurrence of a term with the words around it."""
    from coder.services import analysis

    with workspace(db, None, project) as ws:
        lines = analysis.kwic(ws, term, theme, width, limit)
    if as_json:
        out = [
            {"source": c.source, "left": c.left, "match": c.match, "right": c.right} for c in lines
        ]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for c in lines:
        typer.echo(f"{c.left:>{width}} [{c.match}] {c.right:<{width}}  {c.source}")


@query_app.command("stopwords")
def stopwords_command() -> None:
    """Make your own stop-word list (from the built-in one) if needed, and print its path."""
    from coder.services import analysis

    with user_errors():
        typer.echo(str(analysis.ensure_stopwords_file()))
