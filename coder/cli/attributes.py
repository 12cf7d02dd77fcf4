"""Attribute commands: load a sheet of document or speaker attributes, set one, list them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from coder.cli.common import CoderOpt, DbOpt, JsonOpt, ProjectOpt, fail, workspace

attributes_app = typer.Typer(
    help="Attributes of documents and speakers (participant group, study design, site).",
    no_args_is_help=True,
)


@attributes_app.command("load")
def load_command(
    file: Annotated[
        Path, typer.Argument(help="CSV: first column 'document' or 'speaker', then attributes.")
    ],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Load attribute values from a CSV sheet (empty cells are left alone)."""
    from coder.services.attributes import load_attributes

    if not file.is_file():
        raise fail(f"{file}: no such file")
    with workspace(db, coder, project) as ws:
        typer.echo(load_attributes(ws, file).line())


@attributes_app.command("set")
def set_command(
    target_type: Annotated[str, typer.Argument(help="document or speaker.")],
    target: Annotated[str, typer.Argument(help="The document key or the speaker's name.")],
    name: Annotated[str, typer.Argument(help="The attribute.")],
    value: Annotated[str, typer.Argument(help="Its value; '' clears it.")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Set (or clear) one attribute of a document or a speaker."""
    from coder.services.attributes import set_attribute

    with workspace(db, coder, project) as ws:
        outcome = set_attribute(ws, target_type, target, name, value)
    typer.echo(f"{target_type} {target}: {name} {outcome}")


@attributes_app.command("list")
def list_command(
    document: Annotated[
        str | None, typer.Option("--document", help="One document's, with its metadata.")
    ] = None,
    speaker: Annotated[str | None, typer.Option("--speaker", help="One speaker's.")] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """List attribute values (all of them, or one document's or speaker's)."""
    from coder.services import attributes

    with workspace(db, None, project) as ws:
        if document is not None or speaker is not None:
            kind, target = ("document", document) if document is not None else ("speaker", speaker)
            assert target is not None
            values = attributes.attributes_of(ws, kind, target)
            rows = [(kind, target, v.name, v.value or "") for v in values]
        else:
            rows = attributes.all_attributes(ws)
            names = attributes.attribute_names(ws)
            speakers = attributes.speakers(ws)
    if as_json:
        out = [{"type": t, "target": g, "name": n, "value": v} for t, g, n, v in rows]
        typer.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for kind, target, name, value in rows:
        typer.echo(f"{kind:<9} {target:<24} {name:<20} {value}")
    if document is None and speaker is None:
        typer.echo(f"attributes for queries: {', '.join(names)}")
        if speakers:
            typer.echo(f"speakers: {', '.join(speakers)}")
