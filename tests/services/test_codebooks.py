"""Loading codebooks into a project: renames keep codings, retiring keeps codings, dry runs
change nothing, and export -> load is a fixed point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from coder.formats.codebook_yaml import dump_codebook, validate_codebook
from coder.formats.errors import FormatError
from coder.formats.qdc import read_qdc, write_qdc
from coder.services import history
from coder.services.codebooks import current_codebook, load_codebook
from coder.services.coding import apply_code
from coder.services.importing import add_records
from coder.store import queries as q
from tests.conftest import CODEBOOKS
from tests.services.helpers import RECORDS

V1 = """\
codebook: Ward study
version: "1"
codes:
  - name: Risk
    id: 7d0f1c1e-0000-4000-8000-000000000001
    definition: Support framed as a danger.
    keywords: [risk, danger]
    children:
      - name: Staff caution
        definition: Staff hold back.
  - name: Us and them
    definition: A divide between staff and users.
  - name: Old code
themes:
  - name: Divides
    definition: Two sides.
    codes: [Us and them, Risk]
"""

V2 = """\
codebook: Ward study
version: "2"
codes:
  - name: Danger talk
    id: 7d0f1c1e-0000-4000-8000-000000000001
    definition: Support framed as a danger to someone.
    keywords: [risk, danger]
    children:
      - name: Staff caution
        definition: Staff hold back.
  - name: Us-and-them divide
    renamed_from: Us and them
    definition: A divide between staff and users.
  - name: New code
    definition: Appears in v2.
themes:
  - name: Divides
    definition: Two sides.
    codes: [Us-and-them divide, Danger talk, New code]
"""


def write(tmp_path: Path, text: str, name: str = "cb.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def names(ws, include_inactive=False):
    with ws.read() as s:
        return {
            c.name: c.status.value
            for c in q.codes(s, ws.project.id, include_inactive=include_inactive)
        }


def test_load_rename_retire_keeps_codings(ws, tmp_path):
    add_records(ws, RECORDS)
    load_codebook(ws, write(tmp_path, V1))
    assert names(ws) == {
        "Risk": "active",
        "Staff caution": "active",
        "Us and them": "active",
        "Old code": "active",
    }
    apply_code(ws, "gray2024:1", "Risk")
    apply_code(ws, "gray2024:2", "Us and them")
    apply_code(ws, "doe2019:1", "Old code")
    dry = load_codebook(ws, write(tmp_path, V2, "v2.yaml"), dry_run=True)
    assert not dry.applied and "~ rename 'Risk' -> 'Danger talk'" in dry.lines()
    assert "Danger talk" not in names(ws)
    result = load_codebook(ws, write(tmp_path, V2, "v2.yaml"))
    assert result.retired_codings == {"Old code": 1}
    assert names(ws, include_inactive=True) == {
        "Danger talk": "active", "Staff caution": "active", "Us-and-them divide": "active",
        "Old code": "retired", "New code": "active",
    }  # fmt: skip
    with ws.read() as s:
        codings = sorted((c.document_key, c.ordinal, c.code) for c in q.codings(s, ws.project.id))
        theme = q.themes(s, ws.project.id)[0]
    assert codings == [
        ("doe2019", 1, "Old code"),
        ("gray2024", 1, "Danger talk"),
        ("gray2024", 2, "Us-and-them divide"),
    ]
    assert sorted(theme.codes) == ["Danger talk", "New code", "Us-and-them divide"]
    # Each change is its own event, inside one transaction.
    with ws.read() as s:
        actions = [e.action for e in q.audit_events(s, ws.project.id, newest_first=False)]
    assert "code.rename" in actions and "code.retire" in actions and "code.create" in actions
    assert history.verify(ws).ok
    # Loading the same file again changes nothing.
    again = load_codebook(ws, write(tmp_path, V2, "v2.yaml"))
    assert not again.applied and again.plan.is_empty


def test_invalid_file_changes_nothing(ws, tmp_path):
    bad = write(tmp_path, "codebook: x\ncodes:\n  - name: A\n    defintion: typo\n")
    with pytest.raises(FormatError) as err:
        load_codebook(ws, bad)
    assert str(err.value).startswith(f"{bad}:4:5: unknown key 'defintion'")
    assert names(ws) == {}


def test_shipped_codebook_round_trip(ws, tmp_path):
    load_codebook(ws, CODEBOOKS / "peer-support.yaml")
    exported = dump_codebook(current_codebook(ws))
    codebook, problems = validate_codebook(exported, "export.yaml")
    assert problems == []
    original, _ = validate_codebook(
        (CODEBOOKS / "peer-support.yaml").read_text(encoding="utf-8"), "x"
    )
    assert [c.name for c in codebook.codes] == [c.name for c in original.codes]  # order survives
    result = load_codebook(ws, write(tmp_path, exported, "export.yaml"))
    assert result.plan.is_empty, result.plan.describe()


def test_qdc_export_reimports_unchanged(ws, tmp_path):
    load_codebook(ws, CODEBOOKS / "peer-support.yaml")
    raw = io.BytesIO()
    write_qdc(current_codebook(ws), raw)
    path = tmp_path / "export.qdc"
    path.write_bytes(raw.getvalue())
    back = read_qdc(raw.getvalue(), str(path))
    assert [c.name for c in back.codes] == [c.name for c in current_codebook(ws).codes]
    assert load_codebook(ws, path).plan.is_empty


def test_codebook_cli(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from coder.cli import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    good = write(tmp_path, V1)
    result = runner.invoke(app, ["codebook", "validate", str(good)])
    assert (
        result.exit_code == 0
        and result.output.strip() == f"{good}: valid: 4 codes (3 top-level), 1 themes"
    )
    bad = write(tmp_path, V1.replace("definition: Two sides.", "defintion: Two sides."), "bad.yaml")
    result = runner.invoke(app, ["codebook", "validate", str(bad)])
    assert result.exit_code == 2 and result.output.startswith(
        f"{bad}:16:5: unknown key 'defintion'"
    )
    result = runner.invoke(app, ["codebook", "load", str(bad)])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    result = runner.invoke(app, ["codebook", "load", str(good), "--dry-run"])
    assert "+ add code 'Risk'" in result.output and "(dry run: nothing changed)" in result.output
    assert json.loads(runner.invoke(app, ["codes", "--json"]).output) == []
    assert runner.invoke(app, ["codebook", "load", str(good)]).exit_code == 0
    for fmt in ("yaml", "md", "csv", "qdc"):
        result = runner.invoke(app, ["codebook", "export", "--format", fmt])
        assert result.exit_code == 0 and "Staff caution" in result.output
    out = tmp_path / "out.yaml"
    assert runner.invoke(app, ["codebook", "export", "-o", str(out)]).exit_code == 0
    assert runner.invoke(app, ["codebook", "load", str(out)]).output.strip() == (
        "the project's codebook already matches the file"
    )
