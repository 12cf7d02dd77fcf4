"""Every service action, on SQLite and on PostgreSQL, asserting on the store and the trail."""

from __future__ import annotations

import pytest

from coder.services import codes as codes_svc
from coder.services import history, notes, themes
from coder.services.coding import UnitRef, apply_code, remove_code, set_coding_memo
from coder.services.workspace import ServiceError
from coder.store import queries as q
from tests.conftest import as_coder
from tests.services.helpers import seed


@pytest.fixture
def keys(ws) -> list[str]:
    return seed(ws)


def codings_of(ws, coder: str | None = None):
    with ws.read() as s:
        ids = [q.coder_id(s, coder)] if coder else None
        return [
            (c.document_key, c.ordinal, c.code, c.coder)
            for c in q.codings(s, ws.project.id, coder_ids=ids)
        ]


def test_import_gives_keys_segments_and_one_event(ws, keys):
    assert keys == ["gray2024", "doe2019", "hodges2007"]
    with ws.read() as s:
        units = q.units(s, q.document_row(s, ws.project.id, "gray2024").id)
        assert [u.heading for u in units] == ["Purpose", "Findings", "Findings"]
        assert q.count_segments(s, ws.project.id) == 6
        events = q.audit_events(s, ws.project.id, action="import")
    assert len(events) == 1 and events[0].after["info"]["documents"] == 3
    assert history.verify(ws).ok


def test_apply_and_remove_codes(ws, keys):
    assert apply_code(ws, "gray2024:2", "us and them", memo="the binary")
    assert not apply_code(ws, "gray2024:2", "us and them")  # already there: no second coding
    apply_code(ws, "doe2019", "risk")  # whole document as the unit
    assert codings_of(ws) == [
        ("gray2024", 2, "us and them", "alice"),
        ("doe2019", None, "risk", "alice"),
    ]
    set_coding_memo(ws, "gray2024:2", "us and them", "fissure")
    with ws.read() as s:
        assert q.codings(s, ws.project.id)[0].memo == "fissure"
    remove_code(ws, "gray2024:2", "us and them")
    remove_code(ws, "doe2019", "risk")
    assert codings_of(ws) == []
    with ws.read() as s:
        actions = [e.action for e in q.audit_events(s, ws.project.id, newest_first=False)]
    assert actions[-5:] == ["code.apply", "code.apply", "coding.memo", "code.remove", "code.remove"]
    assert history.verify(ws).ok


def test_sub_span_coding(ws, keys):
    apply_code(ws, UnitRef("gray2024", start=4, end=11), "risk")
    with ws.read() as s:
        (coding,) = q.codings(s, ws.project.id)
    assert coding.text == "purpose" and coding.heading == "Purpose" and coding.ordinal is None
    remove_code(ws, UnitRef("gray2024", start=4, end=11), "risk")
    assert codings_of(ws) == []
    assert history.verify(ws).ok


@pytest.mark.parametrize(
    ("ref", "code", "message"),
    [
        ("gray2042:1", "risk", "unknown document 'gray2042' (did you mean 'gray2024'?)"),
        ("gray2024:9", "risk", "document 'gray2024' has no segment 9 (it has 3)"),
        ("gray2024:1", "rsik", "unknown code 'rsik' (did you mean 'risk'?)"),
        ("gray2024:0", "risk", "segment number must be a whole number from 1: 'gray2024:0'"),
    ],
)
def test_unknown_names_are_one_line_errors(ws, keys, ref, code, message):
    with pytest.raises(ServiceError) as err:
        apply_code(ws, ref, code)
    assert str(err.value) == message
    assert codings_of(ws) == []


def test_two_coders_keep_their_own_codings_and_undo(ws, keys):
    bob = as_coder(ws, "bob")
    apply_code(ws, "gray2024:1", "risk")
    apply_code(bob, "gray2024:1", "risk")
    assert len(codings_of(ws)) == 2
    history.undo(bob)
    assert codings_of(ws) == [("gray2024", 1, "risk", "alice")]
    with pytest.raises(ServiceError, match="nothing to redo for alice"):
        history.redo(ws)
    history.redo(bob)
    assert len(codings_of(ws)) == 2


def test_undo_redo_is_audited_and_never_erases(ws, keys):
    apply_code(ws, "gray2024:1", "risk")
    codes_svc.rename_code(ws, "risk", "risk talk")
    history.undo(ws)
    assert [c[2] for c in codings_of(ws)] == ["risk"]
    history.undo(ws)
    assert codings_of(ws) == []
    history.redo(ws)
    assert codings_of(ws) == [("gray2024", 1, "risk", "alice")]
    history.redo(ws)
    assert [c[2] for c in codings_of(ws)] == ["risk talk"]
    with pytest.raises(ServiceError, match="nothing to redo"):
        history.redo(ws)
    with ws.read() as s:
        actions = [e.action for e in q.audit_events(s, ws.project.id, newest_first=False)]
    assert actions[-6:] == ["code.apply", "code.rename", "undo", "undo", "redo", "redo"]
    # A new action clears the redo stack.
    history.undo(ws)
    apply_code(ws, "doe2019:1", "tread carefully")
    with pytest.raises(ServiceError, match="nothing to redo"):
        history.redo(ws)
    assert history.verify(ws).ok


def test_undo_refuses_to_overwrite_later_work(ws, keys):
    apply_code(ws, "gray2024:1", "risk")
    codes_svc.update_code(ws, "risk", definition="first")
    bob = as_coder(ws, "bob")
    codes_svc.update_code(bob, "risk", definition="bob's")
    with pytest.raises(ServiceError, match="bob changed code 'risk' later .*overwrite bob's work"):
        history.undo(ws)


def test_code_lifecycle(ws, keys):
    apply_code(ws, "gray2024:2", "us and them")
    apply_code(ws, "gray2024:2", "risk")
    apply_code(ws, "doe2019:1", "risk")
    codes_svc.create_code(ws, codes_svc.Code(name="staff risk", parent="risk"))
    with pytest.raises(ServiceError, match="already exists"):
        codes_svc.create_code(ws, codes_svc.Code(name="risk"))
    with pytest.raises(ServiceError, match="own ancestor"):
        codes_svc.update_code(ws, "risk", parent="staff risk")
    themes.create_theme(ws, "Divides", codes=["risk"])
    moved = codes_svc.merge_codes(ws, "risk", "us and them")
    assert moved == 1  # gray2024:2 already had 'us and them': the duplicate collapses
    with ws.read() as s:
        merged = q.code_row(s, ws.project.id, "risk")
        assert merged.status == "merged"
        assert q.code_name(s, merged.merged_into_id) == "us and them"
        assert q.themes(s, ws.project.id)[0].codes == ["us and them"]
        assert [
            c.code.parent for c in q.code_counts(s, ws.project.id) if c.code.name == "staff risk"
        ] == ["us and them"]
    with pytest.raises(ServiceError, match="is merged into 'us and them'"):
        apply_code(ws, "doe2019:2", "risk")
    kept = codes_svc.retire_code(ws, "us and them")
    assert kept == 2 and len(codings_of(ws)) == 2
    history.undo(ws)
    history.undo(ws)
    assert len(codings_of(ws)) == 3
    assert history.verify(ws).ok


def test_theme_operations(ws, keys):
    themes.create_theme(
        ws, "Divides", "Staff and users on two sides", codes=["us and them", "risk"]
    )
    themes.create_theme(ws, "Care", codes=["tread carefully"])
    themes.create_theme(ws, "Caution", parent="Care")
    themes.assign_codes(ws, "Care", ["risk"])  # a code in two themes
    themes.move_codes(ws, ["risk"], "Divides", "Caution")
    themes.split_theme(ws, "Divides", ["us and them"], "Us and them")
    themes.merge_themes(ws, "Caution", "Care")
    themes.rename_theme(ws, "Care", "Careful care")
    themes.define_theme(ws, "Careful care", "Care given cautiously", scope="Not staff caution")
    themes.set_theme_status(ws, "Careful care", "reviewed")
    themes.reorder_theme(ws, "Us and them", -1)
    apply_code(ws, "doe2019:2", "tread carefully")
    with ws.read() as s:
        coding_id = q.codings(s, ws.project.id)[0].id
    assert themes.toggle_exemplar(ws, "Careful care", coding_id)
    assert themes.toggle_misfit(ws, "Careful care", coding_id)
    themes.discard_theme(ws, "Divides")
    with ws.read() as s:
        result = {
            t.name: (t.codes, t.status.value, t.definition, t.scope)
            for t in q.themes(s, ws.project.id)
        }
        order = [t.name for t in q.themes(s, ws.project.id)]
    assert result == {
        "Careful care": (
            ["tread carefully", "risk"],
            "reviewed",
            "Care given cautiously",
            "Not staff caution",
        ),
        "Us and them": (["us and them"], "candidate", "", ""),
    }
    assert order == ["Us and them", "Careful care"]  # moved up past "Careful care"
    with pytest.raises(ServiceError, match="unknown theme 'Divides'"):
        themes.rename_theme(ws, "Divides", "x")
    assert history.verify(ws).ok


def test_memos_read_marks_and_phases(ws, keys):
    notes.add_memo(ws, "Starting with the ward papers.", kind="journal")
    notes.set_note(ws, "document", "gray2024", "familiarisation", "Lived experience narrative.")
    notes.set_note(
        ws, "document", "gray2024", "familiarisation", "Lived experience narrative, NHS ward."
    )
    notes.mark_read(ws, "gray2024")
    notes.mark_read(ws, "gray2024")  # idempotent
    notes.set_phase_status(ws, 1, "in progress")
    with ws.read() as s:
        memos = q.memos(s, ws.project.id)
        assert q.count_read(s, ws.project.id, q.coder_id(s, "alice")) == 1
        assert q.phase_statuses(s, ws.project.id) == {1: "in progress"}
    assert sorted(m.text for m in memos) == [
        "Lived experience narrative, NHS ward.",
        "Starting with the ward papers.",
    ]
    notes.set_note(ws, "document", "gray2024", "familiarisation", "")
    notes.mark_read(ws, "gray2024", read=False)
    with ws.read() as s:
        assert len(q.memos(s, ws.project.id)) == 1
        assert q.count_read(s, ws.project.id, q.coder_id(s, "alice")) == 0
    with pytest.raises(ServiceError, match="the memo is empty"):
        notes.add_memo(ws, "  ")
    with pytest.raises(ServiceError, match="phases are numbered 1 to 6"):
        notes.set_phase_status(ws, 7, "done")
    assert history.verify(ws).ok


def test_a_journal_entry_keeps_its_phase_through_the_trail_undo_and_filters(ws, keys):
    """A journal entry is on the whole analysis: the phase it was written in is stored
    with it (0010), recorded in the audit trail like any column, and places it in the
    phase filter; an entry without one (written before) stays "no phase"."""
    from coder.services.history import redo, undo

    notes.add_memo(ws, "Written before phases were kept.", kind="journal")
    memo_id = notes.add_memo(ws, "Codes feel too descriptive.", kind="journal", phase=2)
    notes.add_memo(ws, "A note on the code.", "code", "us and them")  # phase 2 by its target
    by_phase = {m.text: m.phase for m in notes.list_memos(ws, kind="journal")}
    assert by_phase == {
        "Written before phases were kept.": None,
        "Codes feel too descriptive.": 2,
    }
    assert sorted(m.text for m in notes.list_memos(ws, phase=2)) == [
        "A note on the code.",
        "Codes feel too descriptive.",
    ]
    assert notes.list_memos(ws, phase=1) == []
    assert notes.memo_phases(ws) == [2]
    with ws.read() as s:
        events = q.audit_events(s, ws.project.id, action="memo.add")
    (row,) = [
        e.after["rows"][f"memo:{memo_id}"] for e in events if f"memo:{memo_id}" in e.after["rows"]
    ]
    assert row["phase"] == 2
    undo(ws)
    undo(ws)
    assert [m.text for m in notes.list_memos(ws, phase=2)] == []
    redo(ws)
    assert [m.phase for m in notes.list_memos(ws, kind="journal")] == [2, None]
    with pytest.raises(ServiceError, match="phases are numbered 1 to 6, not 7"):
        notes.add_memo(ws, "x", kind="journal", phase=7)
    assert history.verify(ws).ok


def test_the_steppers_one_statement_counts_as_each_count_does(ws, keys):
    """``progress_counts`` (one statement for the stepper) gives what ``count_read``,
    ``count_coded_segments`` and ``count_unassigned_codes`` give: two coders on one unit
    count once per coder, a span is not a reading unit, a record set aside is out."""
    from coder.services.screening import exclude

    bob = as_coder(ws, "bob")
    apply_code(ws, "gray2024:1", "us and them")
    apply_code(ws, "gray2024:1", "tread carefully")  # the same unit again: still one
    apply_code(bob, "gray2024:1", "us and them")
    apply_code(ws, UnitRef("gray2024", start=0, end=5), "risk")  # a span
    apply_code(ws, "doe2019:2", "risk")
    apply_code(bob, "doe2019:1", "risk")
    notes.mark_read(ws, "gray2024")
    notes.mark_read(ws, "doe2019")
    themes.create_theme(ws, "Us and them", codes=["us and them"])

    def both(coder_id: int | None) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
        with ws.read() as s:
            pid = ws.project.id
            each = (
                q.count_read(s, pid, coder_id) if coder_id is not None else 0,
                q.count_coded_segments(s, pid, coder_id) if coder_id is not None else 0,
                q.count_unassigned_codes(s, pid),
            )
            return each, tuple(q.progress_counts(s, pid, coder_id))

    with ws.read() as s:
        alice_id, bob_id = q.coder_id(s, "alice"), q.coder_id(s, "bob")
    assert both(alice_id) == ((2, 2, 2), (2, 2, 2))
    assert both(bob_id) == ((0, 2, 2), (0, 2, 2))
    assert both(None) == ((0, 0, 2), (0, 0, 2))
    exclude(ws, ["doe2019"], note="off topic")
    assert both(alice_id) == ((1, 1, 2), (1, 1, 2))
    assert both(bob_id) == ((0, 1, 2), (0, 1, 2))


def test_search_and_code(ws, keys):
    from coder.services.search import search_segments

    hits = search_segments(ws, '"tread carefully"')
    assert [str(h.ref) for h in hits] == ["doe2019:2"]
    assert [str(h.ref) for h in search_segments(ws, r"\bward\b", regex=True)] == [
        "gray2024:1",
        "gray2024:2",
    ]
    assert [str(h.ref) for h in search_segments(ws, "tred carefuly", fuzzy=True)] == ["doe2019:2"]
    with pytest.raises(ServiceError, match="not a valid regular expression"):
        search_segments(ws, "(", regex=True)
