"""``python -m coder`` and the ``coder`` command: the TUI's short way in, else the CLI.

Typer and the CLI's modules cost about a sixth of what Textual needs to draw an empty
screen, and opening the workbench needs none of them. So ``coder`` and ``coder tui``
with nothing but the options they take (``--db``, ``--coder``, ``--project``), typed at
a terminal, start the app straight away (``coder.tui.app.open_and_run``); anything else
(help, another command, an option this reader does not know) goes to Typer, which
words every mistake. The two agree because ``tui_options`` accepts only what
``coder.cli`` would read the same way.
"""

from __future__ import annotations

import sys

# The options of a bare `coder` (the root callback) and of `coder tui`, as Typer names them.
BARE_OPTIONS = {"--db": "db", "--coder": "coder"}
TUI_OPTIONS = {**BARE_OPTIONS, "--project": "project"}


def tui_options(argv: list[str]) -> dict[str, str | None] | None:
    """The workbench's options when ``argv`` asks for it and nothing else; None sends
    the command line to Typer."""
    known = BARE_OPTIONS
    if argv[:1] == ["tui"]:
        argv, known = argv[1:], TUI_OPTIONS
    options: dict[str, str | None] = dict.fromkeys(TUI_OPTIONS.values())
    seen: set[str] = set()
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        name, equals, value = word.partition("=")
        if name not in known or name in seen:
            return None
        if not equals:
            if not rest or rest[0].startswith("-"):
                return None
            value = rest.pop(0)
        if not value:
            return None
        seen.add(name)
        options[known[name]] = value
    return options


def main() -> None:
    options = tui_options(sys.argv[1:])
    if options is not None and sys.stdin.isatty() and sys.stdout.isatty():
        from coder.tui.app import open_and_run

        error = open_and_run(options["db"], options["coder"], options["project"])
        if error is not None:
            _exit_with(error)
        return
    from coder.launch import main as cli  # `coder codes` before Typer, else the CLI

    cli()


def _exit_with(error: Exception) -> None:
    """The CLI's one line and exit status for a project that could not be opened."""
    import typer

    from coder.cli.common import user_errors

    try:
        with user_errors():
            raise error
    except typer.Exit as exit:
        sys.exit(exit.exit_code)


if __name__ == "__main__":  # not when a reading process imports the package
    main()
