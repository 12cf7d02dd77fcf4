"""The wall between layers is checked, not hoped for."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "coder"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_tui_imports_textual_and_only_store_imports_sql():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).parts
        mods = imported_modules(path)
        if "textual" in mods and rel[0] != "tui":
            offenders.append(f"{path}: textual")
        if mods & {"sqlmodel", "sqlalchemy", "alembic"} and rel[0] != "store":
            offenders.append(f"{path}: sql")
    assert offenders == []


def test_core_imports_no_ui_no_sql():
    code = (
        "import sys, coder.core.model, coder.core.matching\n"
        "import pkgutil, importlib, coder.core\n"
        "[importlib.import_module('coder.core.' + m.name) for m in pkgutil.iter_modules(coder.core.__path__)]\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'sqlmodel', 'sqlalchemy', 'typer')]\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_import_linter_contract():
    # Beside this Python first: the README runs `.venv/bin/pytest` without activating .venv.
    beside = Path(sys.executable).parent / "lint-imports"
    command = str(beside) if beside.exists() else "lint-imports"
    result = subprocess.run([command], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("ui", ["cli", "tui"])
def test_uis_import_no_store(ui):
    """The CLI and the TUI reach the store only through the services (deferred imports
    included, which import-linter sees too, but this names the line)."""
    offenders = []
    for path in (PACKAGE / ui).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path.name}:{node.lineno}: {name}"
                for name in names
                if name == "coder.store" or name.startswith("coder.store.")
            ]
    assert offenders == []
