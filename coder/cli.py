"""The command line: a thin layer over the services.

Each command parses its options, calls one service and prints. User mistakes (bad input,
unknown names, unreachable databases) print one line on stderr and exit 2; nothing here
lets a traceback reach the user for them. Heavy modules are imported inside commands so
``coder --help`` stays quick. A bare ``coder`` opens the TUI.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from coder import __version__

if TYPE_CHECKING:
    from coder.services.workspace import Workspace

app = typer.Typer(
    name="coder",
    help="A keyboard-driven workbench for reflexive thematic analysis of research abstracts.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
audit_app = typer.Typer(help="Read and check the audit trail.", no_args_is_help=True)
code_app = typer.Typer(
    help="Apply codes to segments and remove them (scriptable coding).", no_args_is_help=True
)
codebook_app = typer.Typer(
    help="Validate, load, export and import codebooks.", no_args_is_help=True
)
export_app = typer.Typer(
    help="Export theme tables, codings, the thematic map, the audit trail and projects.",
    no_args_is_help=True,
)
compare_app = typer.Typer(help="Compare two coders' codebooks.", no_args_is_help=True)
theme_app = typer.Typer(help="Create themes and assign codes to them.", no_args_is_help=True)
memo_app = typer.Typer(help="Write and read memos and the reflexive journal.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(code_app, name="code")
app.add_typer(codebook_app, name="codebook")
app.add_typer(export_app, name="export")
app.add_typer(compare_app, name="compare")
app.add_typer(theme_app, name="theme")
app.add_typer(memo_app, name="memo")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Project database: a file path (SQLite) or a URL (postgresql+psycopg://...). Default: $CODER_DB, else ./coder.db.",
    ),
]
CoderOpt = Annotated[
    str | None,
    typer.Option("--coder", help="Who is coding. Default: $CODER_NAME, else the login name."),
]
ProjectOpt = Annotated[
    str | None, typer.Option("--project", help="Project name, when the database holds several.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"coder: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every error that is the user's to fix into one line and a non-zero exit."""
    from coder.formats.errors import FormatError
    from coder.services.workspace import ServiceError
    from coder.store.db import Conflict
    from coder.store.engine import StoreError

    try:
        yield
    except ServiceError as exc:
        raise fail(str(exc), exc.exit_code) from None
    except (StoreError, FormatError, Conflict) as exc:
        raise fail(str(exc)) from None


@contextmanager
def workspace(db: str | None, coder: str | None, project: str | None = None) -> Iterator[Workspace]:
    from coder.services.workspace import Workspace

    with user_errors():
        ws = Workspace.open(db, coder, project)
        try:
            yield ws
        finally:
            ws.close()


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"coder {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
) -> None:
    """A keyboard-driven workbench for reflexive thematic analysis. Without a command, opens the TUI."""
    if ctx.invoked_subcommand is None:
        tui(db=db, coder=coder)


# ---- project -------------------------------------------------------------------------


@app.command()
def init(
    db: DbOpt = None,
    name: Annotated[str | None, typer.Option(help="Project name.")] = None,
    coder: CoderOpt = None,
) -> None:
    """Create a new project database."""
    from coder.services.workspace import Workspace

    with user_errors():
        ws = Workspace.init(db, name, coder)
        typer.echo(f"created project {ws.project.name!r} in {ws.db.label}")
        ws.close()


@app.command()
def tui(db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None) -> None:
    """Open the terminal user interface on the project."""
    from coder.tui.app import run_app

    with workspace(db, coder, project) as ws:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise fail("the workbench needs a terminal; in scripts use the commands (coder --help)")
        run_app(ws)


@app.command()
def demo(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Where to build the demo project (default: coder-demo.db)."),
    ] = None,
    coder: CoderOpt = None,
    no_tui: Annotated[
        bool, typer.Option("--no-tui", help="Build and summarise only; do not open the TUI.")
    ] = False,
) -> None:
    """Build the demo project (seeds + peer-support codebook) in a fresh file and open it."""
    from coder.services.demo import build_demo

    with user_errors():
        ws, lines = build_demo(db or "coder-demo.db", coder)
    for line in lines:
        typer.echo(line)
    try:
        if not no_tui and sys.stdin.isatty() and sys.stdout.isatty():
            from coder.tui.app import run_app

            run_app(ws)
    finally:
        ws.close()


# ---- documents -----------------------------------------------------------------------


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="Files to import.", show_default=False)],
    fmt: Annotated[
        str, typer.Option("--format", help="auto, or one of the formats listed by 'coder formats'.")
    ] = "auto",
    segment: Annotated[
        str, typer.Option(help="Reading units: sentence, section, paragraph or whole.")
    ] = "sentence",
    keep_duplicates: Annotated[
        bool, typer.Option("--keep-duplicates", help="Add possible duplicates anyway.")
    ] = False,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Import the good records and list the bad ones.")
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Import search results and reference files as documents (and REFI-QDA .qdpx projects)."""
    from coder.services.importing import import_files

    with workspace(db, coder, project) as ws:
        files = _import_projects(ws, files, segment)
        if not files:
            return
        with _progress("importing") as tick:
            summaries = import_files(
                ws, files, fmt, segment, keep_duplicates, skip_bad, progress=tick
            )
        for s in summaries:
            typer.echo(s.line())
            for line, key, score, reason in s.possible_duplicates:
                typer.echo(
                    f"  possible duplicate at line {line}: {key} ({reason}, score {score:.0f})"
                )
            for problem in s.skipped:
                typer.echo(f"  skipped: {problem}")


def _import_projects(ws: Workspace, files: list[Path], segment: str) -> list[Path]:
    """Import the REFI-QDA projects among ``files`` (a zip holding project.qde, whatever
    the name) and return the other files, which are search results for import_files."""
    from coder.formats.qdpx import is_qdpx
    from coder.services.exchange import import_qdpx

    rest = []
    for path in files:
        if is_qdpx(path):
            typer.echo(import_qdpx(ws, path, segment).line())
        else:
            rest.append(path)
    return rest


@contextmanager
def _progress(label: str) -> Iterator:
    """A progress line on stderr for long imports (only on a terminal)."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task(label)
        yield lambda n: bar.update(task, description=f"{label}: {n} records")


@app.command()
def formats() -> None:
    """List the import formats."""
    from coder.formats.records import FORMATS

    for name, description in FORMATS.items():
        typer.echo(f"{name:<12} {description}")


@app.command()
def documents(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    project: ProjectOpt = None,
    excluded: Annotated[
        bool, typer.Option("--excluded", help="Only the documents set aside, with why.")
    ] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Documents in the analysis and those set aside.")
    ] = False,
) -> None:
    """List the project's documents (those in the analysis, unless --excluded or --all)."""
    from coder.services.reports import document_dicts

    if excluded and all_:
        raise fail("choose --excluded or --all, not both")
    with workspace(db, None, project) as ws:
        docs = document_dicts(ws, excluded=None if all_ else excluded)
    if as_json:
        typer.echo(json.dumps(docs, ensure_ascii=False, indent=2))
        return
    for d in docs:
        flag = "" if d["abstract"] else "  [no abstract]"
        aside = d["excluded"]
        if aside:
            why = "; ".join(x for x in (aside["reason"], aside["note"]) if x)
            flag += f"  [excluded: {why}]"
        typer.echo(f"{d['key']:<20} {d['year'] or '':<5} {d['segments']:>3} seg  {_label(d)}{flag}")


# ---- setting records aside (phase 1) ---------------------------------------------------

reasons_app = typer.Typer(
    help="The project's short list of reasons for setting records aside.",
    invoke_without_command=True,
)
app.add_typer(reasons_app, name="reasons")
ReasonOpt = Annotated[
    str | None, typer.Option("--reason", help="One of the project's reasons ('coder reasons').")
]
NoteOpt = Annotated[str, typer.Option("--note", help="Why, in your own words.")]


@reasons_app.callback()
def reasons_list(ctx: typer.Context, db: DbOpt = None, project: ProjectOpt = None) -> None:
    """List the reasons (add and remove them with 'coder reasons add|remove TEXT')."""
    from coder.services.screening import reasons

    if ctx.invoked_subcommand is not None:
        return
    with workspace(db, None, project) as ws:
        names = reasons(ws)
    for name in names:
        typer.echo(name)
    if not names:
        typer.echo("no reasons yet: add one with 'coder reasons add TEXT'", err=True)


@reasons_app.command("add")
def reasons_add(
    text: Annotated[str, typer.Argument(help="The reason, e.g. 'not about peer support'.")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Add a reason to the project's list."""
    from coder.services.screening import add_reason

    with workspace(db, coder, project) as ws:
        add_reason(ws, text)
    typer.echo(f"added reason {' '.join(text.split())!r}")


@reasons_app.command("remove")
def reasons_remove(
    text: Annotated[str, typer.Argument(help="The reason to take off the list.")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Take a reason off the list (refused while documents are excluded for it)."""
    from coder.services.screening import remove_reason

    with workspace(db, coder, project) as ws:
        remove_reason(ws, text)
    typer.echo(f"removed reason {text!r}")


@app.command()
def exclude(
    keys: Annotated[
        list[str] | None, typer.Argument(help="Document keys to set aside.", show_default=False)
    ] = None,
    reason: ReasonOpt = None,
    note: NoteOpt = "",
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            help="Set aside every document whose title, text, key or authors contain this.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --search: list what would be set aside.")
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Set documents aside in familiarisation: out of the coding queue and the counts, still searchable."""
    from coder.services.screening import exclude as exclude_docs
    from coder.services.screening import exclude_matching

    if bool(keys) == bool(search):
        raise fail("name document keys or give --search TEXT (one of the two)")
    if dry_run and not search:
        raise fail("--dry-run goes with --search")
    with workspace(db, coder, project) as ws:
        if search:
            result = exclude_matching(ws, search, reason, note, dry_run=dry_run)
        else:
            result = exclude_docs(ws, keys or [], reason, note)
    if dry_run:
        for key in result.changed:
            typer.echo(key)
        typer.echo(f"would exclude {len(result.changed)} documents (nothing changed)", err=True)
        return
    typer.echo(result.line("excluded"))


@app.command()
def include(
    keys: Annotated[
        list[str], typer.Argument(help="Document keys to bring back.", show_default=False)
    ],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Bring documents set aside back into the analysis."""
    from coder.services.screening import include as include_docs

    with workspace(db, coder, project) as ws:
        result = include_docs(ws, keys)
    typer.echo(result.line("included"))


def _label(d: dict) -> str:
    from coder.core.model import Document

    doc = Document(
        key=d["key"],
        text=d["abstract"] or "",
        title=d["title"],
        authors=d["authors"],
        year=d["year"],
    )
    text = doc.label
    return text if len(text) <= 70 else text[:69] + "…"


# ---- coding --------------------------------------------------------------------------


@code_app.command("apply")
def code_apply(
    unit: Annotated[
        str,
        typer.Argument(
            metavar="DOC_KEY[:SEGMENT]",
            help="Document key, optionally with a segment number (from 1).",
        ),
    ],
    code_name: Annotated[str, typer.Argument(metavar="CODE_NAME")],
    memo: Annotated[str | None, typer.Option(help="A memo on this coding.")] = None,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Apply a code to a segment or a whole document."""
    from coder.services.coding import apply_code

    with workspace(db, coder, project) as ws:
        added = apply_code(ws, unit, code_name, memo)
        typer.echo(
            f"applied {code_name!r} to {unit}"
            if added
            else f"{code_name!r} was already applied to {unit}"
        )


@code_app.command("remove")
def code_remove(
    unit: Annotated[str, typer.Argument(metavar="DOC_KEY[:SEGMENT]")],
    code_name: Annotated[str, typer.Argument(metavar="CODE_NAME")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Remove a code you applied to a segment or a whole document."""
    from coder.services.coding import remove_code

    with workspace(db, coder, project) as ws:
        remove_code(ws, unit, code_name)
        typer.echo(f"removed {code_name!r} from {unit}")


@code_app.command("memo")
def code_memo(
    unit: Annotated[str, typer.Argument(metavar="DOC_KEY[:SEGMENT]")],
    code_name: Annotated[str, typer.Argument(metavar="CODE_NAME")],
    text: Annotated[str, typer.Argument(help="The memo text (empty to clear).")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Write the memo on one of your codings."""
    from coder.services.coding import set_coding_memo

    with workspace(db, coder, project) as ws:
        set_coding_memo(ws, unit, code_name, text)
        typer.echo(f"memo saved on {code_name!r} at {unit}")


@code_app.command("create")
def code_create(
    name: str,
    definition: Annotated[str, typer.Option(help="What the code captures.")] = "",
    parent: Annotated[str | None, typer.Option(help="Parent code.")] = None,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Create a code in the project codebook."""
    from coder.core.model import Code
    from coder.services.codes import create_code

    with workspace(db, coder, project) as ws:
        create_code(ws, Code(name=name, definition=definition, parent=parent))
        typer.echo(f"created code {name!r}")


@code_app.command("rename")
def code_rename(
    old: str, new: str, db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None
) -> None:
    """Rename a code (its codings follow)."""
    from coder.services.codes import rename_code

    with workspace(db, coder, project) as ws:
        rename_code(ws, old, new)
        typer.echo(f"renamed {old!r} to {new!r}")


@code_app.command("merge")
def code_merge(
    source: str, target: str, db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None
) -> None:
    """Merge one code into another: codings follow, the old code is recorded as merged."""
    from coder.services.codes import merge_codes

    with workspace(db, coder, project) as ws:
        moved = merge_codes(ws, source, target)
        typer.echo(f"merged {source!r} into {target!r} ({moved} codings moved)")


@code_app.command("retire")
def code_retire(
    name: str, db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None
) -> None:
    """Retire a code: it leaves the active codebook; its codings stay."""
    from coder.services.codes import retire_code

    with workspace(db, coder, project) as ws:
        kept = retire_code(ws, name)
        typer.echo(f"retired {name!r} ({kept} codings kept)")


@app.command()
def codes(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    all_: Annotated[bool, typer.Option("--all", help="Include retired and merged codes.")] = False,
    project: ProjectOpt = None,
) -> None:
    """List codes with how often they are used."""
    from coder.store import queries as q

    with workspace(db, None, project) as ws, ws.read() as session:
        counts = q.code_counts(session, ws.project.id, include_inactive=all_)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {"name": c.code.name, "parent": c.code.parent, "status": c.code.status.value,
                     "codings": c.codings, "segments": c.segments, "documents": c.documents}
                    for c in counts
                ],
                ensure_ascii=False,
                indent=2,
            )
        )  # fmt: skip
        return
    depth: dict[str, int] = {}
    for c in counts:
        depth[c.code.name] = depth.get(c.code.parent, -1) + 1 if c.code.parent else 0
        status = "" if c.code.status == "active" else f"  [{c.code.status}]"
        typer.echo(
            f"{'  ' * depth[c.code.name]}{c.code.name:<40} {c.codings:>5} codings {c.documents:>4} docs{status}"
        )


@app.command()
def autocode(
    code_name: Annotated[str, typer.Argument(metavar="CODE_NAME")],
    query: Annotated[
        str,
        typer.Option(
            "--query", help='Words, a "quoted phrase", or a regular expression with --regex.'
        ),
    ],
    regex: Annotated[
        bool, typer.Option("--regex", help="Treat the query as a regular expression.")
    ] = False,
    fuzzy: Annotated[
        bool, typer.Option("--fuzzy", help="Let words match with small typos.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the hits; change nothing.")
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Search all segments and apply a code to every hit."""
    from coder.services.coding import apply_code_many, find_code
    from coder.services.search import search_segments

    with workspace(db, coder, project) as ws:
        with ws.read() as session:
            find_code(session, ws.project.id, code_name)
        hits = search_segments(ws, query, regex=regex, fuzzy=fuzzy)
        for hit in hits:
            typer.echo(f"{hit.ref}  {hit.snippet}")
        if dry_run:
            typer.echo(f"{len(hits)} segments match; nothing changed (--dry-run)")
            return
        added = apply_code_many(ws, [h.ref for h in hits], code_name)
        typer.echo(f"{len(hits)} segments match; applied {code_name!r} to {added} new")


# ---- codebooks -----------------------------------------------------------------------


@codebook_app.command("validate")
def codebook_validate(file: Annotated[Path, typer.Argument(help="A YAML codebook.")]) -> None:
    """Check a YAML codebook: exit 0 if valid, else one line per problem and exit 1."""
    from coder.formats.codebook_yaml import validate_codebook

    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise fail(f"{file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise fail(f"{file}: not UTF-8 text", 1) from None
    codebook, problems = validate_codebook(text, str(file))
    if problems or codebook is None:
        for problem in problems:
            typer.echo(str(problem))
        raise typer.Exit(1)
    top = sum(1 for c in codebook.codes if not c.parent)
    typer.echo(
        f"{file}: valid: {len(codebook.codes)} codes ({top} top-level), {len(codebook.themes)} themes"
    )


@codebook_app.command("load")
def codebook_load(
    file: Annotated[Path, typer.Argument(help="A YAML or REFI-QDA .qdc codebook.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes; change nothing.")
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Bring the project's codebook to the file's state (add, update, rename, retire)."""
    from coder.services.codebooks import load_codebook

    with workspace(db, coder, project) as ws:
        result = load_codebook(ws, file, dry_run=dry_run)
    for line in result.lines():
        typer.echo(line)
    if dry_run and not result.plan.is_empty:
        typer.echo("(dry run: nothing changed)")


@codebook_app.command("import")
def codebook_import(
    file: Annotated[
        Path,
        typer.Argument(
            help="A REFI-QDA codebook (.qdc) from NVivo, ATLAS.ti, MAXQDA, QualCoder..."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the changes; change nothing.")
    ] = False,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Import a REFI-QDA .qdc codebook into the project (same rules as load)."""
    codebook_load(file, dry_run, db, coder, project)


@codebook_app.command("export")
def codebook_export(
    fmt: Annotated[str, typer.Option("--format", help="yaml, qdc, md or csv.")] = "yaml",
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="File to write; '-' or none for stdout.")
    ] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the project's current codebook (including codes created while coding)."""
    import io

    from coder.formats.codebook_yaml import codebook_to_csv, codebook_to_markdown, dump_codebook
    from coder.formats.qdc import write_qdc
    from coder.services.codebooks import current_codebook

    with workspace(db, None, project) as ws:
        codebook = current_codebook(ws)
    if fmt == "yaml":
        data = dump_codebook(codebook).encode("utf-8")
    elif fmt == "md":
        data = codebook_to_markdown(codebook).encode("utf-8")
    elif fmt == "csv":
        buffer = io.StringIO(newline="")
        codebook_to_csv(codebook, buffer)
        data = buffer.getvalue().encode("utf-8")
    elif fmt == "qdc":
        if not codebook.codes:
            raise fail("the project has no active codes: a .qdc codebook needs at least one")
        raw = io.BytesIO()
        write_qdc(codebook, raw)
        data = raw.getvalue()
    else:
        raise fail(f"unknown codebook format {fmt!r}: use yaml, qdc, md or csv")
    write_output(data, output)


def write_output(data: bytes, output: str | None, binary: bool = False) -> None:
    """Write to stdout (text only) or atomically to a file (temp file, then rename)."""
    import os
    import tempfile

    if output in (None, "-"):
        if binary:
            raise fail("this format is binary: write it to a file with -o FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    target = Path(output)
    if not target.parent.exists():
        raise fail(f"cannot write {target}: folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise fail(f"cannot write {target}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {target}", err=True)


# ---- exports -------------------------------------------------------------------------

OutputOpt = Annotated[
    str | None,
    typer.Option(
        "-o", "--output", help="File to write; '-' or none for stdout (text formats only)."
    ),
]


def _export(kind: str, fmt: str, output: str | None, db: str | None, project: str | None) -> None:
    """Run one export: text formats to stdout or a file, binary ones to a file only; a
    file is written to a temporary name and renamed, so it is never half-written."""
    import io

    from coder.services import exports

    with user_errors():
        exports.check_format(kind, fmt)
    binary = fmt in exports.FILE_ONLY
    if binary and output in (None, "-"):
        example = exports.default_filename(kind, fmt)
        raise fail(f"--format {fmt} is binary: write it to a file with -o FILE (e.g. -o {example})")
    writer = {
        "themes": exports.export_themes,
        "codings": exports.export_codings,
        "map": exports.export_map,
        "audit": exports.export_audit,
        "methods": exports.export_methods,
        "flow": exports.export_flow,
    }[kind]
    buffer = io.BytesIO()
    with workspace(db, None, project) as ws:
        writer(ws, fmt, buffer)
    write_output(buffer.getvalue(), output, binary=binary)


@export_app.command("themes")
def export_themes_command(
    fmt: Annotated[
        str, typer.Option("--format", help="md, csv, xlsx, docx, html, latex or json.")
    ] = "md",
    output: OutputOpt = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the theme table: themes, definitions, codes, counts, exemplar extracts, references."""
    _export("themes", fmt, output, db, project)


@export_app.command("codings")
def export_codings_command(
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or json.")] = "csv",
    output: OutputOpt = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export every coding: document, citation, section, span, text, code, themes, coder, time, memo."""
    _export("codings", fmt, output, db, project)


@export_app.command("map")
def export_map_command(
    fmt: Annotated[
        str, typer.Option("--format", help="mermaid, dot, or svg (needs Graphviz).")
    ] = "mermaid",
    output: OutputOpt = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the thematic map (themes, sub-themes and their codes)."""
    _export("map", fmt, output, db, project)


@export_app.command("audit")
def export_audit_command(
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl.")] = "csv",
    output: OutputOpt = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the audit trail, oldest first, for a methods appendix."""
    _export("audit", fmt, output, db, project)


@export_app.command("methods")
def export_methods_command(
    fmt: Annotated[str, typer.Option("--format", help="md, docx, html or json.")] = "md",
    output: OutputOpt = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Draft the methods paragraph and appendix from the project's data and audit trail."""
    _export("methods", fmt, output, db, project)


@export_app.command("flow")
def export_flow_command(
    fmt: Annotated[
        str, typer.Option("--format", help="mermaid, dot, or svg (needs Graphviz).")
    ] = "mermaid",
    output: OutputOpt = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """The PRISMA 2020-style record-flow diagram (identification, screening, included)."""
    _export("flow", fmt, output, db, project)


@export_app.command("project")
def export_project_command(
    fmt: Annotated[
        str, typer.Option("--format", help="qdpx (REFI-QDA project exchange).")
    ] = "qdpx",
    output: OutputOpt = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Export the whole project as a REFI-QDA .qdpx for ATLAS.ti, MAXQDA, NVivo, QualCoder..."""
    from coder.services.exchange import export_qdpx
    from coder.services.exports import check_format

    with user_errors():
        check_format("project", fmt)
    if output in (None, "-"):
        raise fail("a .qdpx project is binary: write it to a file with -o FILE.qdpx")
    with workspace(db, None, project) as ws:
        export_qdpx(ws, Path(output))
    typer.echo(f"wrote {output}", err=True)


# ---- two coders ----------------------------------------------------------------------


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
            report = merge_project(
                ws,
                other,
                project=other_project,
                allow_missing=allow_missing,
                dry_run=dry_run,
                coder_map=parse_coder_map(map_coder or []),
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
        result = verify(ws)
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

    with workspace(db, None, project) as ws:
        report = agreement(ws, list(coders or []), unit, list(code or []) or None, only_shared)
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

    with _maybe_workspace(compare.needs_project(a, b), db, project) as ws:
        side_a, side_b, result = compare.compare(a, b, ws, threshold)
    if as_json:
        data = {"a": side_a.label, "b": side_b.label, **to_json(result)}
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    typer.echo(f"A: {side_a.label}  B: {side_b.label}")
    for line in describe(result):
        typer.echo(line)


@codebook_app.command("merge")
def codebook_merge(
    a: Annotated[
        str, typer.Argument(help="The codebook that wins conflicts: a file or coder:NAME.")
    ],
    b: Annotated[str, typer.Argument(help="The codebook merged into A: a file or coder:NAME.")],
    output: Annotated[
        str | None,
        typer.Option("-o", "--output", help="YAML file to write; '-' or none for stdout."),
    ] = None,
    threshold: Annotated[
        float, typer.Option("--threshold", help="Fuzzy score (0-100) a renamed code must reach.")
    ] = 80.0,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Merge codebook B into A and write it as YAML; each conflict (A kept) is listed."""
    from coder.formats.codebook_yaml import dump_codebook
    from coder.services import compare

    with _maybe_workspace(compare.needs_project(a, b), db, project) as ws:
        merged, conflicts = compare.merge(a, b, ws, threshold)
    write_output(dump_codebook(merged).encode("utf-8"), output)
    to_stderr = output in (None, "-")  # stdout holds the YAML
    for line in conflicts:
        typer.echo(f"conflict: {line}", err=to_stderr)
    if not conflicts:
        typer.echo("no conflicts", err=to_stderr)


@contextmanager
def _maybe_workspace(
    needed: bool, db: str | None, project: str | None
) -> Iterator[Workspace | None]:
    """The project when a command needs it (a coder:NAME side), else nothing to open."""
    if needed:
        with workspace(db, None, project) as ws:
            yield ws
        return
    with user_errors():
        yield None


# ---- memos ---------------------------------------------------------------------------


@memo_app.command("add")
def memo_add(
    text: str,
    on: Annotated[str, typer.Option(help="project, document, code, theme or coding.")] = "project",
    target: Annotated[
        str | None, typer.Option(help="Key, name or id of what the memo is about.")
    ] = None,
    kind: Annotated[
        str, typer.Option(help="journal, note, familiarisation or discussion.")
    ] = "journal",
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Add a memo (by default an entry in the reflexive journal)."""
    from coder.services.notes import add_memo

    with workspace(db, coder, project) as ws:
        add_memo(ws, text, on, target, kind)
        typer.echo("memo saved")


@memo_app.command("list")
def memo_list(
    kind: Annotated[str | None, typer.Option(help="Only memos of this kind.")] = None,
    db: DbOpt = None,
    project: ProjectOpt = None,
) -> None:
    """List memos, newest first."""
    from coder.store import queries as q

    with workspace(db, None, project) as ws, ws.read() as session:
        for m in q.memos(session, ws.project.id, kind=kind):
            typer.echo(
                f"{m.created_at[:16]}  {m.coder}  {m.kind} on {m.target_type}{' ' + m.target if m.target else ''}: {m.text}"
            )


# ---- themes --------------------------------------------------------------------------


@theme_app.command("create")
def theme_create(
    name: str,
    definition: Annotated[str, typer.Option(help="The theme's central organising concept.")] = "",
    parent: Annotated[str | None, typer.Option(help="Parent theme (makes a sub-theme).")] = None,
    codes_: Annotated[
        list[str] | None, typer.Option("--code", help="A code to put in the theme (repeatable).")
    ] = None,
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Create a candidate theme."""
    from coder.services.themes import create_theme

    with workspace(db, coder, project) as ws:
        create_theme(ws, name, definition, parent, codes_ or [])
        typer.echo(f"created theme {name!r}")


@theme_app.command("assign")
def theme_assign(
    theme: str,
    codes_: Annotated[list[str], typer.Argument(metavar="CODE...")],
    db: DbOpt = None,
    coder: CoderOpt = None,
    project: ProjectOpt = None,
) -> None:
    """Put codes into a theme (a code may sit in several themes)."""
    from coder.services.themes import assign_codes

    with workspace(db, coder, project) as ws:
        added = assign_codes(ws, theme, codes_)
        typer.echo(f"{added} codes added to {theme!r}")


@theme_app.command("list")
def theme_list(db: DbOpt = None, project: ProjectOpt = None) -> None:
    """List themes with their codes."""
    from coder.store import queries as q

    with workspace(db, None, project) as ws, ws.read() as session:
        for t in q.themes(session, ws.project.id):
            indent = "  " if t.parent else ""
            typer.echo(f"{indent}{t.name} [{t.status.value}]: {', '.join(t.codes) or '(no codes)'}")


# ---- audit and history ---------------------------------------------------------------


@audit_app.command("log")
def audit_log(
    db: DbOpt = None,
    as_json: JsonOpt = False,
    coder: Annotated[str | None, typer.Option("--coder", help="Only this coder's events.")] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many events.")] = None,
    project: ProjectOpt = None,
) -> None:
    """Print the audit trail, newest first."""
    from dataclasses import asdict

    from coder.services.history import log

    with workspace(db, None, project) as ws:
        events = log(ws, coder=coder, limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(e) for e in events], ensure_ascii=False, indent=2))
        return
    for e in events:
        typer.echo(
            f"#{e.seq:<5} {e.time[:19].replace('T', ' ')}  {e.coder:<12} {e.action:<16} {e.target}"
        )


@audit_app.command("verify")
def audit_verify(db: DbOpt = None, project: ProjectOpt = None) -> None:
    """Check the hash chain and that every audited row matches the trail."""
    from coder.services.history import verify
    from coder.services.merge import verify_merged_trails

    with workspace(db, None, project) as ws:
        result = verify(ws)
        kept = verify_merged_trails(ws) if result.ok else []
    if not result.ok:
        raise fail(f"audit check failed: {result.message}", 1)
    typer.echo(result.message)
    for check in kept:
        if not check.ok:
            raise fail(
                f"audit check failed: the trail merged at event #{check.seq} from {check.source}: {check.message}",
                1,
            )
        typer.echo(
            f"  merged trail from {check.source} (event #{check.seq}): {check.events} events intact"
        )


@app.command()
def undo(db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None) -> None:
    """Undo your last action (recorded as an event of its own)."""
    from coder.services.history import undo as undo_

    with workspace(db, coder, project) as ws:
        event = undo_(ws)
        typer.echo(f"undid #{event.seq} {event.action} {event.target}")


@app.command()
def redo(db: DbOpt = None, coder: CoderOpt = None, project: ProjectOpt = None) -> None:
    """Redo the action you last undid."""
    from coder.services.history import redo as redo_

    with workspace(db, coder, project) as ws:
        event = redo_(ws)
        typer.echo(f"redid #{event.seq} {event.action} {event.target}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
