"""``coder merge``: two coders' project files, built from the same seeds and codebook,
merged into one, on SQLite and PostgreSQL (the receiving project), asserting on the rows,
the report and both audit trails."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from coder.core.model import Code, DocumentRecord, Section
from coder.services import codes as codes_svc
from coder.services.codebooks import load_codebook
from coder.services.coding import UnitRef, apply_code
from coder.services.history import redo, undo
from coder.services.importing import add_records, import_files
from coder.services.merge import (
    MissingDocuments,
    merge_project,
    parse_coder_map,
    verify_merged_trails,
)
from coder.services.notes import add_memo, mark_read, set_note
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q
from coder.store.audit import event_hash
from tests.conftest import CODEBOOKS, SEEDS

SEED_FILES = sorted(SEEDS.glob("*.txt"))
CODEBOOK = CODEBOOKS / "peer-support.yaml"
EXTRA = DocumentRecord(
    sections=[Section(None, "A ward abstract only one coder imported. It talks of hope.")],
    title="Hope on the ward",
    authors=["Ann Other"],
    year=2021,
)


def build(db: str, coder: str, reverse: bool = False, segment: str = "sentence") -> Workspace:
    """A project from the seed pages and the peer-support codebook."""
    ws = Workspace.init(db, "ward study", coder)
    import_files(ws, reversed(SEED_FILES) if reverse else SEED_FILES, segment=segment)
    load_codebook(ws, CODEBOOK)
    return ws


def build_into(ws: Workspace) -> None:
    import_files(ws, SEED_FILES)
    load_codebook(ws, CODEBOOK)


@pytest.fixture(scope="module")
def bob_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bob's laptop project, built once: seeds imported in the other order, so document
    ids and reading order differ from the receiving project's."""
    path = tmp_path_factory.mktemp("bob") / "bob.db"
    build(str(path), "bob", reverse=True).close()
    return path


@pytest.fixture
def bob(bob_template: Path, tmp_path: Path):
    target = tmp_path / "bob" / "bob.db"
    target.parent.mkdir()
    shutil.copy(bob_template, target)
    ws = Workspace.open(str(target), "bob")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def alice_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("alice") / "alice.db"
    build(str(path), "alice").close()
    return path


@pytest.fixture
def here(alice_template: Path, tmp_path: Path):
    """The receiving project as an SQLite file, for tests that need no second backend."""
    target = tmp_path / "alice" / "alice.db"
    target.parent.mkdir()
    shutil.copy(alice_template, target)
    ws = Workspace.open(str(target), "alice")
    yield ws
    ws.close()


@pytest.fixture
def alice(ws) -> Workspace:
    """The receiving project (SQLite and PostgreSQL), coder alice."""
    build_into(ws)
    return ws


def first_keys(ws: Workspace, n: int = 3) -> list[str]:
    with ws.read() as s:
        return [d.key for d in q.documents(s, ws.project.id, limit=n)]


def codings(ws: Workspace, coder: str) -> set[tuple]:
    with ws.read() as s:
        cid = q.coder_id(s, coder)
        if cid is None:
            return set()
        return {
            (c.document_key, c.ordinal, c.start, c.end, c.code, c.memo)
            for c in q.codings(s, ws.project.id, coder_ids=[cid])
        }


def event_count(ws: Workspace) -> int:
    with ws.read() as s:
        return len(q.audit_events(s, ws.project.id))


def trails_intact(*projects: Workspace) -> None:
    for ws in projects:
        result = ws.db.verify(ws.project.id)
        assert result.ok, result.message
        assert all(check.ok for check in verify_merged_trails(ws))


def code_bobs_file(bob: Workspace, keys: list[str]) -> int:
    """Bob's work: units, a span, a whole document, a new code, memos, a read mark.
    Returns the id of the coding that gets a memo of its own."""
    apply_code(bob, f"{keys[0]}:1", "forms of peer support", memo="bob: the overview")
    apply_code(bob, f"{keys[0]}:2", "naturally occurring peer support")
    apply_code(bob, UnitRef(keys[1], start=4, end=30), "shared lived experience")
    apply_code(bob, keys[2], "intentional peer support")
    codes_svc.create_code(bob, Code(name="hope", definition="Talk of recovery and hope."))
    apply_code(bob, f"{keys[1]}:1", "hope")
    add_memo(bob, "I read 'peer' too widely at first.", kind="journal")
    add_memo(bob, "Check this with alice.", "document", keys[1], kind="discussion")
    set_note(bob, "document", keys[0], "familiarisation", "An overview paper.")
    mark_read(bob, keys[0])
    with bob.read() as s:
        coding_id = q.codings(s, bob.project.id, coder_ids=[q.coder_id(s, "bob")])[0].id
    add_memo(bob, "Why this code here?", "coding", coding_id, kind="discussion")
    return coding_id


def test_merge_brings_everything_once_and_twice_changes_nothing(alice, bob):
    keys = first_keys(alice)
    apply_code(alice, f"{keys[0]}:1", "forms of peer support")
    code_bobs_file(bob, keys)
    expected = codings(bob, "bob")

    report = merge_project(alice, bob.db.url)

    assert codings(alice, "bob") == expected
    assert codings(alice, "alice") == {
        (keys[0], 1, *_unit_span(alice, keys[0], 1), "forms of peer support", None)
    }
    assert report.codes_added == ["hope"]
    assert report.codings_added == 5 and report.codings_present == 0
    assert report.memos_added == 4  # journal, discussion, familiarisation, memo on a coding
    assert report.read_marks_added == 1
    assert report.documents_matched == 20 and report.documents_absent == 0
    assert report.missing == [] and report.unplaced == []
    assert report.coders_added == ["bob"]
    with alice.read() as s:
        hope = [c for c in q.codes(s, alice.project.id) if c.name == "hope"]
        memos = {(m.coder, m.kind, m.target_type, m.text) for m in q.memos(s, alice.project.id)}
        merge_events = q.audit_events(s, alice.project.id, action="merge", newest_first=False)
    with bob.read() as s:
        bob_hope = q.code_row(s, bob.project.id, "hope")
    assert len(hope) == 1 and hope[0].uid == bob_hope.uid
    assert ("bob", "discussion", "coding", "Why this code here?") in memos
    assert ("bob", "familiarisation", "document", "An overview paper.") in memos
    # one transaction, one event listing its rows, its counts in the log line
    assert len(merge_events) == 1
    assert merge_events[0].target == (
        f"bob.db: 1 code, 5 codings, 4 memos, 1 read mark, trail to #{report.head_seq}"
    )
    kept = merge_events[-1].after["info"]["source_trail"]
    assert kept["head"]["seq"] == len(kept["events"]) == report.events_copied
    trails_intact(alice, bob)

    before = event_count(alice)
    again = merge_project(alice, bob.db.url)
    assert again.already_merged and not again.changed
    assert event_count(alice) == before
    assert codings(alice, "bob") == expected
    trails_intact(alice)


def test_a_merge_is_undone_and_redone_as_one(alice, bob):
    keys = first_keys(alice)
    apply_code(alice, f"{keys[0]}:1", "forms of peer support")
    code_bobs_file(bob, keys)
    expected = codings(bob, "bob")
    with alice.read() as s:
        memos_before = len(q.memos(s, alice.project.id))
    merge_project(alice, bob.db.url)
    trails_intact(alice)

    undone = undo(alice)
    assert undone.action == "merge"
    assert codings(alice, "bob") == set()
    with alice.read() as s:
        assert len(q.memos(s, alice.project.id)) == memos_before
        assert q.code_row(s, alice.project.id, "hope") is None
    assert len(codings(alice, "alice")) == 1  # alice's own work is untouched
    trails_intact(alice)

    redo(alice)
    assert codings(alice, "bob") == expected
    trails_intact(alice)
    # merging again after the redo finds everything here
    assert merge_project(alice, bob.db.url).already_merged


def _unit_span(ws: Workspace, key: str, ordinal: int) -> tuple[int, int]:
    with ws.read() as s:
        unit = q.unit_by_ordinal(s, q.document_row(s, ws.project.id, key).id, ordinal)
        return unit.start, unit.end


def test_new_work_after_a_merge_comes_across_alone(alice, bob):
    keys = first_keys(alice)
    code_bobs_file(bob, keys)
    merge_project(alice, bob.db.url)
    apply_code(bob, f"{keys[0]}:3", "hope")
    report = merge_project(alice, bob.db.url)
    assert report.codings_added == 1 and report.codes_added == []
    assert report.codings_present == 5 and report.memos_present == 4
    assert report.events_copied == 1  # only bob's newest event is kept this time
    trails_intact(alice)


def test_tampered_source_is_refused(here, bob):
    keys = first_keys(here)
    apply_code(bob, f"{keys[0]}:1", "forms of peer support")
    path = bob.db.label
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE coding SET memo = 'edited behind the back of coder'")
    before = event_count(here)
    with pytest.raises(ServiceError, match="refusing to merge: its audit trail does not check out"):
        merge_project(here, path)
    assert event_count(here) == before
    assert codings(here, "bob") == set()


def test_codings_on_missing_documents_are_listed_and_refused(here, bob):
    _summary, (extra,) = add_records(bob, [EXTRA])
    keys = first_keys(here)
    apply_code(bob, f"{extra}:1", "forms of peer support")
    apply_code(bob, f"{keys[0]}:1", "forms of peer support")
    before = event_count(here)

    with pytest.raises(MissingDocuments) as caught:
        merge_project(here, bob.db.label)
    assert [m.line() for m in caught.value.report.missing] == [
        f"{extra}:1: 'forms of peer support' by bob: document not in this project"
    ]
    assert "--allow-missing" in str(caught.value)
    assert event_count(here) == before  # nothing written

    report = merge_project(here, bob.db.label, allow_missing=True)
    assert report.codings_added == 1 and len(report.missing) == 1
    assert report.documents_absent == 1
    trails_intact(here)


def test_coder_names_that_differ_only_in_case_are_reported_not_lost(here, bob_template, tmp_path):
    path = tmp_path / "Alice.db"
    shutil.copy(bob_template, path)
    other = Workspace.open(str(path), "Alice")
    keys = first_keys(here)
    apply_code(other, f"{keys[0]}:2", "forms of peer support")
    apply_code(here, f"{keys[0]}:2", "forms of peer support")
    other.close()

    dry = merge_project(here, str(path), dry_run=True)
    assert dry.codings_added == 1 and codings(here, "Alice") == set()
    assert any("'Alice'" in w and "'alice'" in w for w in dry.coder_warnings)

    joined = merge_project(here, str(path), coder_map=parse_coder_map(["Alice=alice"]))
    assert joined.codings_added == 0 and joined.codings_present == 1
    assert joined.coder_warnings == []

    kept_apart = merge_project(here, str(path))
    assert kept_apart.codings_added == 1
    assert len(codings(here, "Alice")) == 1 and len(codings(here, "alice")) == 1


def test_codes_match_by_uid_then_follow_a_merge_made_here(here, bob):
    keys = first_keys(here)
    codes_svc.rename_code(bob, "wounded healer", "the wounded healer")
    codes_svc.create_code(bob, Code(name="Wounded Healer", definition="A different idea."))
    apply_code(bob, f"{keys[0]}:1", "the wounded healer")
    apply_code(bob, f"{keys[0]}:3", "Wounded Healer")
    apply_code(bob, f"{keys[0]}:2", "peer-led networks")
    codes_svc.merge_codes(here, "peer-led networks", "forms of peer support")

    report = merge_project(here, bob.db.label)
    # the codebook gives every code an id, so the renamed code is found by it
    assert report.codes_renamed == [("the wounded healer", "wounded healer")]
    # bob's new code may not take the name of the code his renamed one is here
    assert report.codes_added == ["Wounded Healer (merged)"]
    assert (keys[0], 3, "Wounded Healer (merged)") in {
        (c[0], c[1], c[4]) for c in codings(here, "bob")
    }
    assert (keys[0], 1, "wounded healer") in {(c[0], c[1], c[4]) for c in codings(here, "bob")}
    assert ("peer-led networks", "forms of peer support") in report.codes_followed
    got = {(c[0], c[1], c[4]) for c in codings(here, "bob")}
    assert (keys[0], 2, "forms of peer support") in got
    trails_intact(here)


def test_units_cut_differently_land_on_spans(here, tmp_path):
    carol = build(str(tmp_path / "carol.db"), "carol", segment="section")
    keys = first_keys(carol)
    with carol.read() as s:
        doc = q.document_row(s, carol.project.id, keys[0])
        whole = [u for u in q.units(s, doc.id)]
    apply_code(carol, f"{keys[0]}:1", "forms of peer support")
    carol.close()
    report = merge_project(here, str(tmp_path / "carol.db"))
    assert report.codings_added == 1 and report.unplaced == []
    (coding,) = codings(here, "carol")
    assert (coding[2], coding[3]) == (whole[0].start, whole[0].end)
    assert coding[1] is None  # a span here: this project cut the section into sentences
    trails_intact(here)


def test_a_copy_of_this_project_shares_history_that_is_not_copied_twice(here, tmp_path):
    here.close()
    copy = tmp_path / "copy.db"
    shutil.copy(here.db.label, copy)
    dave = Workspace.open(str(copy), "dave")
    keys = first_keys(dave)
    apply_code(dave, f"{keys[0]}:1", "forms of peer support")
    apply_code(dave, f"{keys[1]}:1", "wounded healer")
    dave.close()
    again = Workspace.open(here.db.label, "alice")
    try:
        report = merge_project(again, str(copy))
        assert report.events_copied == 2 and report.codings_added == 2
        trails_intact(again)
    finally:
        again.close()


def test_bad_sources_are_one_line_errors(sqlite_ws, tmp_path):
    with pytest.raises(ServiceError, match="no such project file"):
        merge_project(sqlite_ws, str(tmp_path / "nowhere.db"))
    with pytest.raises(ServiceError, match="cannot merge a project into itself"):
        merge_project(sqlite_ws, sqlite_ws.db.url)
    not_db = tmp_path / "notes.db"
    not_db.write_text("not a database")
    with pytest.raises(ServiceError, match="cannot merge .*notes.db"):
        merge_project(sqlite_ws, str(not_db))
    with pytest.raises(ServiceError, match="THERE=HERE"):
        parse_coder_map(["bob"])


def test_merge_from_a_database_url(ws, tmp_path):
    """The other project may be any database (here the parametrised one, by URL)."""
    build_into(ws)
    keys = first_keys(ws)
    apply_code(ws, f"{keys[0]}:1", "forms of peer support", memo="from the server")
    erin = build(str(tmp_path / "erin.db"), "erin")
    try:
        report = merge_project(erin, ws.db.url, project="test project")
        assert report.codings_added == 1 and report.coders_added == ["alice"]
        assert codings(erin, "alice") == {
            (keys[0], 1, *_unit_span(erin, keys[0], 1), "forms of peer support", "from the server")
        }
        trails_intact(erin)
    finally:
        erin.close()


def test_a_kept_trail_edited_here_is_found(here, bob):
    """Even with this project's own chain re-hashed to hide it, an edit to a kept event
    of the other trail shows: its own hash no longer matches its fields."""
    apply_code(bob, f"{first_keys(here)[0]}:1", "forms of peer support")
    merge_project(here, bob.db.label)
    path = here.db.label
    with sqlite3.connect(path) as conn:
        seq, time, coder, action, target, before, after, prev = conn.execute(
            "SELECT seq, time, coder, action, target, before, after, prev_hash FROM audit_event "
            "ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        data = json.loads(after)
        kept = data["info"]["source_trail"]["events"]
        kept[-1]["target"] = "something else"
        after = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        digest = event_hash(prev, seq, time, coder, action, target, before, after)
        conn.execute(
            "UPDATE audit_event SET after = ?, hash = ? WHERE seq = ?", (after, digest, seq)
        )
        conn.execute("UPDATE project SET last_hash = ?", (digest,))
    assert here.db.verify(here.project.id).ok  # the chain here was re-hashed
    (check,) = verify_merged_trails(here)
    assert not check.ok and f"kept event #{kept[-1]['seq']}" in check.message
