"""Two coders from the command line (issue 8): merge, agreement, compare and merge
codebooks, through Typer's CliRunner against real project files and codebooks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coder.cli import app
from coder.core.model import DocumentRecord, Section
from coder.formats.codebook_yaml import validate_codebook
from coder.services.codebooks import load_codebook
from coder.services.coding import apply_code
from coder.services.importing import add_records, import_files
from coder.services.workspace import Workspace
from coder.store import queries as q
from tests.conftest import CODEBOOKS, SEEDS

runner = CliRunner()
CODEBOOK = CODEBOOKS / "peer-support.yaml"


def run(*args: str, code: int = 0):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, (result.exit_code, result.output)
    return result


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "project.db"
    ws = Workspace.init(str(path), "ward study", "setup")
    import_files(ws, sorted(SEEDS.glob("*.txt")))
    load_codebook(ws, CODEBOOK)
    ws.close()
    return path


@pytest.fixture
def files(template: Path, tmp_path: Path) -> tuple[Path, Path, list[str]]:
    """alice.db and bob.db, copies of one project, each coded by its owner."""
    alice_db, bob_db = tmp_path / "alice.db", tmp_path / "bob.db"
    shutil.copy(template, alice_db)
    shutil.copy(template, bob_db)
    alice = Workspace.open(str(alice_db), "alice")
    bob = Workspace.open(str(bob_db), "bob")
    with alice.read() as s:
        keys = [d.key for d in q.documents(s, alice.project.id, limit=3)]
    apply_code(alice, f"{keys[0]}:1", "forms of peer support")
    apply_code(alice, f"{keys[0]}:2", "wounded healer")
    apply_code(bob, f"{keys[0]}:1", "forms of peer support")
    apply_code(bob, f"{keys[1]}:1", "wounded healer")
    alice.close()
    bob.close()
    return alice_db, bob_db, keys


def test_merge_twice_then_agreement(files):
    alice_db, bob_db, keys = files
    out = run("merge", bob_db, "--db", alice_db).output
    assert "codings: 2 added, 0 already here" in out
    assert (
        "audit: " in out and "the trail is intact; 1 kept trail(s) of merged projects intact" in out
    )
    again = run("merge", bob_db, "--db", alice_db).output
    assert "already merged, nothing new" in again

    text = run("agreement", "--db", alice_db, "--coder", "alice", "--coder", "bob").output
    assert "Braun & Clarke" in text and "all codes (pooled)" in text
    assert f"{keys[0]}:2: 'wounded healer': applied by alice, not by bob" in text
    data = json.loads(
        run("agreement", "--db", alice_db, "--coder", "alice", "--coder", "bob", "--json").output
    )
    assert data["unit"] == "segment" and [c["code"] for c in data["codes"]] == [
        "forms of peer support",
        "wounded healer",
    ]
    assert data["pooled"]["kappa"]["confusion"][1][1] == 1  # both applied 'forms' once
    docs = json.loads(
        run(
            "agreement", "--db", alice_db, "--coder", "alice", "--coder", "bob",
            "--unit", "document", "--code", "wounded healer", "--json",
        ).output
    )  # fmt: skip
    assert docs["units"] == 20 and [d["unit"] for d in docs["disagreements"]] == keys[:2]


def test_merge_lists_missing_documents_and_exits_2(files):
    alice_db, bob_db, _keys = files
    bob = Workspace.open(str(bob_db), "bob")
    record = DocumentRecord(
        sections=[Section(None, "Only bob imported this abstract about hope.")],
        title="Hope",
        authors=["Ann Other"],
        year=2021,
    )
    _summary, (extra,) = add_records(bob, [record])
    apply_code(bob, f"{extra}:1", "wounded healer")
    bob.close()
    result = run("merge", bob_db, "--db", alice_db, code=2)
    assert (
        f"missing: {extra}:1: 'wounded healer' by bob: document not in this project"
        in result.stdout
    )
    assert result.stderr.strip().endswith("or pass --allow-missing to merge the rest")
    assert len(result.stderr.strip().splitlines()) == 1
    dry = run("merge", bob_db, "--db", alice_db, "--allow-missing", "--dry-run").output
    assert "would merge" in dry and "(dry run: nothing changed)" in dry
    done = run("merge", bob_db, "--db", alice_db, "--allow-missing").output
    assert "1 coding(s) on documents not in this project" in done


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("merge", "nowhere.db"), "nowhere.db: no such project file"),
        (("merge", "bob.db", "--map-coder", "bob"), "--map-coder takes THERE=HERE"),
        (("agreement", "--coder", "alice"), "agreement needs at least two coders"),
        (("agreement", "--coder", "alice", "--coder", "bobby"), "unknown coder 'bobby'"),
        (("agreement", "--coder", "alice", "--coder", "bob", "--unit", "page"), "unknown unit"),
        (("agreement", "--coder", "alice", "--coder", "bob", "--code", "hopes"), "unknown code"),
        (("compare", "codebooks", "coder:alice", "coder:nobody"), "unknown coder 'nobody'"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(files, monkeypatch, args, message):
    alice_db, _bob_db, _keys = files
    monkeypatch.chdir(alice_db.parent)
    result = run(*args, "--db", alice_db, code=2)
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


A_YAML = """\
codebook: A
codes:
  - name: us and them
    definition: Talk of a divide between staff and service users.
  - name: risk
    definition: Support framed as a risk.
  - name: caution
    definition: Being careful with each other.
"""
B_YAML = """\
codebook: B
codes:
  - name: us and them
    definition: Talk of a divide between staff and patients.
  - name: risks
    definition: Support framed as a risk.
  - name: hope
    definition: Recovery talk.
"""


@pytest.fixture
def books(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(A_YAML, encoding="utf-8")
    b.write_text(B_YAML, encoding="utf-8")
    return a, b


def test_compare_codebooks_text_and_json(books):
    a, b = books
    out = run("compare", "codebooks", a, b).output
    assert "renamed: 'risk' -> 'risks'" in out
    assert (
        "definition changed: 'us and them': Talk of a divide between staff and [-service users.-] {+patients.+}"
        in out
    )
    assert "only in A: 'caution'" in out and "only in B: 'hope'" in out
    data = json.loads(run("compare", "codebooks", a, b, "--json").output)
    assert data["a"] == str(a) and data["summary"]["renamed"] == 1
    assert data["only_a"] == ["caution"] and data["only_b"] == ["hope"]


def test_compare_a_coders_codes_with_a_file(files, books):
    alice_db, _bob_db, _keys = files
    out = run("compare", "codebooks", "coder:alice", CODEBOOK, "--db", alice_db).output
    assert "2 codes paired: 2 unchanged" in out and "0 only in A, 34 only in B" in out


def test_codebook_merge_writes_yaml_and_lists_conflicts(books, tmp_path):
    a, b = books
    target = tmp_path / "merged.yaml"
    result = run("codebook", "merge", a, b, "-o", target)
    assert "conflict: definition of 'us and them' differs: kept A's" in result.stdout
    assert "conflict: 'risk' in A is 'risks' in B" in result.stdout
    merged, problems = validate_codebook(target.read_text(encoding="utf-8"), str(target))
    assert problems == [] and merged is not None
    assert [c.name for c in merged.codes] == ["us and them", "risk", "caution", "hope"]
    to_stdout = run("codebook", "merge", a, b)
    assert to_stdout.stdout.startswith("codebook: A")
    assert "conflict:" in to_stdout.stderr and "conflict:" not in to_stdout.stdout


def test_a_bad_codebook_names_file_and_line(books, tmp_path):
    a, _b = books
    bad = tmp_path / "bad.yaml"
    bad.write_text("codebook: x\ncodes:\n  - definition: no name\n", encoding="utf-8")
    result = run("compare", "codebooks", a, bad, code=2)
    assert result.stderr.startswith(f"coder: {bad}:3")
    missing = run("codebook", "merge", a, tmp_path / "none.yaml", code=2)
    assert "none.yaml: no such file" in missing.stderr


def test_new_commands_are_documented():
    text = (Path(__file__).resolve().parents[2] / "docs" / "agreement.md").read_text(
        encoding="utf-8"
    )
    for command in (
        "coder merge",
        "coder agreement",
        "coder compare codebooks",
        "coder codebook merge",
    ):
        assert command in text
    for key in (
        "agreement.accept_a",
        "agreement.accept_b",
        "agreement.accept_both",
        "agreement.accept_neither",
        "agreement.memo",
    ):
        assert f"`{key}`" in text


REFI = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata" / "refi"


def test_codebooks_exported_by_other_tools(tmp_path):
    if not REFI.is_dir():
        pytest.skip("../shared/testdata is not here")
    atlas, taguette = REFI / "atlasti-23.4.qdc", REFI / "taguette-1.5.2.qdc"
    out = run("compare", "codebooks", atlas, taguette).output
    assert "only in A: 'code1'" in out and "only in B: 'people'" in out
    same = json.loads(run("compare", "codebooks", atlas, atlas, "--json").output)
    assert same["summary"]["matched"] == same["summary"]["pairs"] == 1
    target = tmp_path / "both.yaml"
    run("codebook", "merge", atlas, taguette, "-o", target)
    merged, problems = validate_codebook(target.read_text(encoding="utf-8"), str(target))
    assert problems == [] and [c.name for c in merged.codes][:2] == ["code1", "interesting"]
    broken = run("compare", "codebooks", REFI / "atlasti-23.4-truncated.qdc", atlas, code=2)
    assert (
        broken.stderr.startswith("coder: ")
        and "atlasti-23.4-truncated.qdc:17:5: broken XML" in broken.stderr
    )
