"""The ``coder`` command past the TUI's short way in (``coder/__main__.py``): answers
``coder codes`` before importing the CLI.

Typer imports click and pydantic (a quarter of a second or more) before any command
runs, which was most of ``coder codes --json``'s time on a 9 ms query. A plain
``coder codes [--json] [--all] [--db X] [--project X]`` on an SQLite project at the
newest schema is answered here with sqlite3 alone (``services.listing``); any other
command line, and any project the quick read is not sure of, goes to the full CLI,
which prints the same listing (both print through ``codes_lines``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

_FLAGS = {"--json", "--all"}
_VALUES = {"--db", "--project"}


def codes_lines(listing: list[dict[str, Any]], as_json: bool) -> list[str]:
    """What ``coder codes`` prints for a listing, line by line."""
    if as_json:
        return [json.dumps(listing, ensure_ascii=False, indent=2)]
    from coder.core.code_tree import tree_order

    lines = []
    for c, depth in tree_order(listing, lambda c: c["name"], lambda c: c["parent"]):
        status = "" if c["status"] == "active" else f"  [{c['status']}]"
        lines.append(
            f"{'  ' * depth}{c['name']:<40} {c['codings']:>5} codings {c['documents']:>4} docs{status}"
        )
    return lines


def _codes_options(args: list[str]) -> dict[str, Any] | None:
    """The options of a plain ``codes`` command line, or None for anything else (help,
    global options, unknown or repeated options), which the full CLI handles."""
    if not args or args[0] != "codes":
        return None
    seen: dict[str, Any] = {}
    rest = iter(args[1:])
    for arg in rest:
        name, eq, value = arg.partition("=")
        if name in seen:
            return None
        if arg in _FLAGS:
            seen[arg] = True
        elif name in _VALUES:
            if not eq:
                value = next(rest, None)  # type: ignore[assignment]
                if value is None or value.startswith("-"):
                    return None
            seen[name] = value
        else:
            return None
    return seen


def _quick_codes(args: list[str]) -> bool:
    options = _codes_options(args)
    if options is None:
        return False
    from coder.services.listing import quick_code_counts

    listing = quick_code_counts(
        options.get("--db"), options.get("--project"), bool(options.get("--all"))
    )
    if listing is None:
        return False
    lines = codes_lines(listing, bool(options.get("--json")))
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()
    return True


def main() -> None:
    if _quick_codes(sys.argv[1:]):
        return
    from coder.cli import main as cli_main

    cli_main()
