"""What the CLI writes and prints: files that follow the umask and are never overwritten
silently, aligned listings, and exit statuses that match the README."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coder.cli import app
from coder.core.model import DocumentRecord, Section
from coder.services.importing import add_records
from coder.services.workspace import Workspace
from tests.conftest import CODEBOOKS

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path) -> str:
    db = str(tmp_path / "p.db")
    ws = Workspace.init(db, "p", "alice")
    add_records(
        ws,
        [
            DocumentRecord(
                sections=[Section(None, "Peers listen.")], title="A", authors=["Ann Lee"], year=2020
            ),
            DocumentRecord(
                sections=[Section(None, "No year here.")], title="Undated study of a very long name"
            ),
        ],
    )
    ws.close()
    return db


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_an_export_file_follows_the_umask(project: str, tmp_path: Path, umask_022) -> None:
    out = tmp_path / "codings.csv"
    result = runner.invoke(
        app, ["export", "codings", "--format", "csv", "-o", str(out), "--db", project]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o644


def test_an_export_never_overwrites_without_force(project: str, tmp_path: Path) -> None:
    out = tmp_path / "themes.md"
    out.write_text("last week's table")
    result = runner.invoke(app, ["export", "themes", "-o", str(out), "--db", project])
    assert result.exit_code == 2
    assert f"{out} exists: add --force to overwrite it" in result.output
    assert out.read_text() == "last week's table"
    result = runner.invoke(app, ["export", "themes", "-o", str(out), "--force", "--db", project])
    assert result.exit_code == 0, result.output
    assert out.read_text() != "last week's table"


def test_a_codebook_export_never_overwrites_without_force(project: str, tmp_path: Path) -> None:
    out = tmp_path / "book.yaml"
    out.write_text("keep me")
    result = runner.invoke(app, ["codebook", "export", "-o", str(out), "--db", project])
    assert result.exit_code == 2 and out.read_text() == "keep me"


def test_the_project_export_never_overwrites_without_force(project: str, tmp_path: Path) -> None:
    out = tmp_path / "p.qdpx"
    out.write_bytes(b"old")
    result = runner.invoke(app, ["export", "project", "-o", str(out), "--db", project])
    assert result.exit_code == 2 and out.read_bytes() == b"old"


def test_documents_columns_line_up_with_and_without_a_year(project: str) -> None:
    result = runner.invoke(app, ["documents", "--db", project])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    # The segment counts start in the same column whatever the key and the year.
    columns = {line.index(" seg ") for line in lines}
    assert len(columns) == 1
    assert any(" -  " in line for line in lines)


def test_codebook_validate_exits_2_on_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("codes:\n  - name: [unclosed\n")
    result = runner.invoke(app, ["codebook", "validate", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output
    good = runner.invoke(app, ["codebook", "validate", str(CODEBOOKS / "peer-support.yaml")])
    assert good.exit_code == 0, good.output


def test_codes_prints_a_new_sub_code_under_its_real_parent(project: str) -> None:
    """Codes listed in codebook order put a later sub-code at the end; the listing is a tree."""
    for args in (
        ["risk"],
        ["care"],
        ["staff risk", "--parent", "risk"],  # created last: its parent is not the last code
    ):
        result = runner.invoke(app, ["code", "create", *args, "--db", project])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["codes", "--db", project])
    assert result.exit_code == 0, result.output
    names = [line.split("  ")[0] if not line.startswith(" ") else line[:12] for line in
             result.output.splitlines()]  # fmt: skip
    assert [n.rstrip() for n in names] == ["risk", "  staff risk", "care"]
