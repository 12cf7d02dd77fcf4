"""Phase 2: every coding action by keyboard, asserting on the store and on the screen."""

from __future__ import annotations

from textual.widgets import Checkbox, DataTable, Input

from coder.core.matching import suggest_codes
from coder.core.model import DocumentRecord, Section, SegmentKind
from coder.services.coding import apply_code
from coder.services.importing import add_records
from coder.services.search import search_segments
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.phases.code import CodePhase
from coder.tui.widgets.code_picker import CodePickScreen
from coder.tui.widgets.codebook import CodebookPanel
from coder.tui.widgets.dialogs import ChoiceScreen, NewCodeScreen, TextScreen
from coder.tui.widgets.reader import Mark
from coder.tui.widgets.search_code import SearchCodeScreen
from tests.conftest import as_coder
from tests.tui.conftest import drive, hold_the_project, notices, press, screen_text, settle, writing

FIRST = "researchpeer_nd"


def phase(app) -> CodePhase:
    return app.query_one("#phase-2", CodePhase)


def codings(
    ws, key: str | None = None, coder: str = "alice"
) -> list[tuple[str, int | None, int, int, str]]:
    """(code, unit ordinal, start, end, segment kind) of one coder's codings."""
    with ws.read() as session:
        doc_id = q.document_row(session, ws.project.id, key).id if key else None
        rows = q.codings(session, ws.project.id, document_id=doc_id)
        kinds = {}
        for coding in rows:
            doc = q.document_row(session, ws.project.id, coding.document_key)
            kinds.update(
                {s.id: s.kind for s in q.segments_of(session, doc.id, ("unit", "span", "document"))}
            )
    return [
        (c.code, c.ordinal, c.start, c.end, kinds[c.segment_id]) for c in rows if c.coder == coder
    ]


def units(ws, key: str):
    with ws.read() as session:
        doc = q.document_row(session, ws.project.id, key)
        return q.segments_of(session, doc.id)


def active_codes(ws):
    with ws.read() as session:
        return q.codes(session, ws.project.id)


def test_current_segment_is_highlighted_inside_its_whole_abstract(demo_ws):
    segments = units(demo_ws, FIRST)

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        code = phase(pilot.app)
        lines = code.reader.plain_lines
        assert {"Background", "Aims", "Method", "Results", "Conclusions"} <= set(lines)
        assert code.reader.marks[0] == Mark(segments[0].start, segments[0].end, "highlight")
        assert f"segment 1/{len(segments)} · Background" in screen_text(pilot.app)
        await press(pilot, "j", "j")
        assert code.reader.marks[0] == Mark(segments[2].start, segments[2].end, "highlight")
        assert f"segment 3/{len(segments)} · Aims" in screen_text(pilot.app)
        await press(pilot, "k")
        assert code.current.ordinal == 2

    drive(make_app(demo_ws), steps)


def test_enter_applies_the_highlighted_code_shown_with_colour_coder_and_count(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3")
        panel = pilot.app.query_one(CodebookPanel)
        assert panel.highlighted == "forms of peer support"
        await press(pilot, "enter")
        assert codings(demo_ws) == [("forms of peer support", 1, 0, 99, SegmentKind.UNIT)]
        text = screen_text(pilot.app)
        assert "■ forms of peer support — alice" in text
        assert "■ forms of peer support  1" in text  # the tree's count
        assert "1/133 segments" in text
        await press(pilot, "enter")
        assert "'forms of peer support' is already on researchpeer_nd:1" in notices(pilot.app)
        assert len(codings(demo_ws)) == 1

    drive(make_app(demo_ws), steps)


def test_typed_filter_is_fuzzy_and_enter_applies_its_best_match(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3", "slash")
        panel = pilot.app.query_one(CodebookPanel)
        assert pilot.app.focused is panel.filter
        await press(pilot, *"wonded heal")  # a typo and a partial word
        assert panel.highlighted == "wounded healer"
        await press(pilot, "enter")
        assert codings(demo_ws) == [("wounded healer", 1, 0, 99, SegmentKind.UNIT)]
        assert panel.filter.value == ""
        assert pilot.app.focused is phase(pilot.app).reader
        await press(pilot, "f", *"peer", "down")
        second = panel.highlighted
        assert second is not None and second != panel.tree.get_node_at_line(0).data
        await press(pilot, "enter")
        assert {c[0] for c in codings(demo_ws)} == {"wounded healer", second}
        await press(pilot, "slash", *"tread", "escape")
        assert panel.highlighted == "tread carefully"  # Esc clears the filter, keeps the code
        assert pilot.app.focused is phase(pilot.app).reader

    drive(make_app(demo_ws), steps)


def test_number_keys_apply_the_numbered_suggestions(demo_ws):
    segments = units(demo_ws, FIRST)
    expected = [code.name for code, _ in suggest_codes(segments[0].text, active_codes(demo_ws))]
    assert len(expected) >= 2

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        text = screen_text(pilot.app)
        assert f"1 ■ {expected[0]}" in text and f"2 ■ {expected[1]}" in text
        await press(pilot, "2")
        assert codings(demo_ws) == [(expected[1], 1, 0, 99, SegmentKind.UNIT)]
        assert f"2 ■ {expected[1]} ✓" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)


def test_n_creates_a_code_under_a_chosen_parent_and_enter_applies_it(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3", "slash", *"tread", "escape", "n")
        dialog = pilot.app.screen
        assert isinstance(dialog, NewCodeScreen)
        assert "ctrl+t under the" in screen_text(pilot.app)
        dialog.query_one("#new-code-name", Input).value = "us and them"
        await press(pilot, "enter")
        assert isinstance(pilot.app.screen, NewCodeScreen)  # refused: the name exists
        assert "already exists" in screen_text(pilot.app)
        dialog.query_one("#new-code-name", Input).value = "walking on eggshells"
        dialog.query_one("#new-code-definition", Input).value = "Care not to upset others."
        await press(pilot, "ctrl+t", "enter")
        assert not isinstance(pilot.app.screen, NewCodeScreen)
        assert "■ walking on eggshells — alice" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)
    (code,) = [c for c in active_codes(demo_ws) if c.name == "walking on eggshells"]
    assert (code.parent, code.definition) == ("tread carefully", "Care not to upset others.")
    assert codings(demo_ws) == [("walking on eggshells", 1, 0, 99, SegmentKind.UNIT)]


def test_x_removes_a_code_asking_which_when_there_are_several(demo_ws):
    apply_code(demo_ws, f"{FIRST}:1", "us and them")
    apply_code(demo_ws, f"{FIRST}:1", "tread carefully")
    apply_code(as_coder(demo_ws, "bob"), f"{FIRST}:1", "wounded healer")

    async def steps(pilot) -> None:
        await press(pilot, "f3", "x")
        assert isinstance(pilot.app.screen, ChoiceScreen)
        assert len(pilot.app.screen.items) == 2  # only alice's own codings
        await press(pilot, "down", "enter")
        assert [c[0] for c in codings(demo_ws)] == ["us and them"]
        await press(pilot, "x")  # one left: removed without asking
        assert codings(demo_ws) == []
        assert "■ wounded healer — bob" in screen_text(pilot.app)
        await press(pilot, "x")
        assert "you have no codes on this segment" in notices(pilot.app)

    drive(make_app(demo_ws), steps)


def test_m_writes_a_memo_on_a_coding(demo_ws):
    apply_code(demo_ws, f"{FIRST}:1", "us and them")

    async def steps(pilot) -> None:
        await press(pilot, "f3", "m")
        dialog = pilot.app.screen
        assert isinstance(dialog, TextScreen)
        dialog.query_one("#dialog-text").insert("The divide is implicit here.")
        await press(pilot, "ctrl+s")
        assert "✎ The divide is implicit here." in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)
    with demo_ws.read() as session:
        (coding,) = q.codings(session, demo_ws.project.id)
    assert coding.memo == "The divide is implicit here."


def test_moving_by_segment_crosses_documents_and_by_document_jumps(demo_ws):
    with demo_ws.read() as session:
        keys = [d.key for d in q.documents(session, demo_ws.project.id)]
    first_units = len(units(demo_ws, keys[0]))
    second_units = len(units(demo_ws, keys[1]))

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        code = phase(pilot.app)
        await press(pilot, *["j"] * first_units)
        assert (code.view.doc.key, code.current.ordinal) == (keys[1], 1)
        await press(pilot, "k")
        assert (code.view.doc.key, code.current.ordinal) == (keys[0], first_units)
        await press(pilot, "J")
        assert (code.view.doc.key, code.current.ordinal) == (keys[1], 1)
        await press(pilot, "pagedown", "pagedown")
        assert code.view.doc.key == keys[3]
        await press(pilot, "K", "pageup")
        assert code.view.doc.key == keys[1]
        await press(pilot, "up")
        assert (code.view.doc.key, code.current.ordinal) == (keys[0], first_units)
        await press(pilot, "K")
        assert "this is the first document" in notices(pilot.app)
        assert second_units > 0

    drive(make_app(demo_ws), steps)


def test_u_jumps_to_the_next_segment_this_coder_has_not_coded(demo_ws):
    for n in (2, 3):
        apply_code(demo_ws, f"{FIRST}:{n}", "us and them")
    apply_code(as_coder(demo_ws, "bob"), f"{FIRST}:4", "us and them")  # bob's coding does not count

    async def steps(pilot) -> None:
        await press(pilot, "f3", "u")
        assert phase(pilot.app).current.ordinal == 4

    drive(make_app(demo_ws), steps)


def test_v_selects_words_and_codes_the_sub_span(demo_ws):
    first = units(demo_ws, FIRST)[0]  # "Research on peer support in mental health ..."

    async def steps(pilot) -> None:
        await press(pilot, "f3", "v", "l", "l")
        code = phase(pilot.app)
        assert Mark(0, len("Research on peer"), "selection") in code.reader.marks
        assert "SELECTING" in screen_text(pilot.app)
        await press(pilot, "L", "right", "h", "H")  # start one later, end one more, then back
        assert Mark(0, len("Research on peer"), "selection") in code.reader.marks
        await press(pilot, "L", "enter")
        assert isinstance(pilot.app.screen, CodePickScreen)  # the code is picked on purpose
        await press(pilot, *"forms of", "enter")
        assert "SELECTING" not in screen_text(pilot.app)
        assert "on “on peer”" in screen_text(pilot.app)
        assert any(
            m.start == 9 and m.end == 16 and m.style != "selection" for m in code.reader.marks
        )
        await press(pilot, "v", "escape")
        assert code.selection is None

    drive(make_app(demo_ws), steps)
    assert codings(demo_ws) == [
        ("forms of peer support", None, first.start + 9, first.start + 16, SegmentKind.SPAN)
    ]


def test_blind_hides_other_coders_codings_and_counts(demo_ws):
    apply_code(as_coder(demo_ws, "bob"), f"{FIRST}:1", "wounded healer")

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        assert "■ wounded healer — bob" in screen_text(pilot.app)
        assert "■ wounded healer  1" in screen_text(pilot.app)
        await press(pilot, "b")
        text = screen_text(pilot.app)
        assert "— bob" not in text and "■ wounded healer  1" not in text
        assert "BLIND" in text
        await press(pilot, "ctrl+q")

    drive(make_app(demo_ws), steps)

    async def reopened(pilot) -> None:
        assert phase(pilot.app).blind is True

    drive(make_app(demo_ws), reopened)


def test_the_codebook_counts_a_passage_two_coders_coded_once(demo_ws):
    """As phase 3 and the report count extracts: alice's and bob's coding of one segment
    is one coded segment in the tree, not two."""
    apply_code(demo_ws, f"{FIRST}:1", "wounded healer")
    apply_code(as_coder(demo_ws, "bob"), f"{FIRST}:1", "wounded healer")
    apply_code(as_coder(demo_ws, "bob"), f"{FIRST}:2", "wounded healer")

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        assert phase(pilot.app).counts["wounded healer"] == 2
        assert "■ wounded healer  2" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)


def test_search_and_code_applies_a_code_to_ticked_hits(demo_ws):
    hits = search_segments(demo_ws, "peer workers")
    assert len(hits) >= 3

    async def steps(pilot) -> None:
        await press(pilot, "f3", "s")
        dialog = pilot.app.screen
        assert isinstance(dialog, SearchCodeScreen)
        dialog.query_one("#search-query", Input).value = "peer workers"
        await press(pilot, "enter")
        table = dialog.query_one(DataTable)
        assert table.row_count == len(hits)
        assert pilot.app.focused is table
        assert f"{len(hits)} hits" in screen_text(pilot.app)
        await press(pilot, "space", "down", "down", "space", "c")
        assert dialog.ticked == {0, 2}
        code_box = dialog.query_one("#search-code", Input)
        assert pilot.app.focused is code_box
        code_box.value = "skills gained by peer workers"
        await press(pilot, "enter")
        assert not isinstance(pilot.app.screen, SearchCodeScreen)
        assert "applied 'skills gained by peer workers' to 2 segments" in notices(pilot.app)

    drive(make_app(demo_ws), steps)
    got = {(c[0], c[1]) for c in codings(demo_ws)}
    assert got == {("skills gained by peer workers", hits[i].ref.ordinal) for i in (0, 2)}
    with demo_ws.read() as session:
        keys = {c.document_key for c in q.codings(session, demo_ws.project.id)}
        last = q.audit_events(session, demo_ws.project.id, limit=1)[0]
    assert keys == {hits[0].ref.key, hits[2].ref.key}
    # One action: one event with its count, and one undo takes both codings back.
    assert (last.action, last.target) == ("autocode", "'skills gained by peer workers': 2 codings")

    async def undo(pilot) -> None:
        await press(pilot, "ctrl+z")

    drive(make_app(demo_ws), undo)
    assert codings(demo_ws) == []


def test_search_and_code_reports_a_bad_regex_and_pages_hits(demo_ws):
    hits = search_segments(demo_ws, "peer")
    assert len(hits) > 50

    async def steps(pilot) -> None:
        await press(pilot, "f3", "s", "ctrl+r")
        dialog = pilot.app.screen
        assert dialog.query_one("#search-regex", Checkbox).value is True
        dialog.query_one("#search-query", Input).value = "(unclosed"
        await press(pilot, "enter")
        assert any("not a valid regular expression" in n for n in notices(pilot.app))
        await press(pilot, "ctrl+r")
        dialog.query_one("#search-query", Input).value = "peer"
        await press(pilot, "enter")
        table = dialog.query_one(DataTable)
        assert table.row_count == 50
        await press(pilot, "a", "right_square_bracket")
        assert dialog.page == 1 and table.row_count == min(50, len(hits) - 50)
        assert len(dialog.ticked) == len(hits)
        await press(pilot, "escape")
        assert not isinstance(pilot.app.screen, SearchCodeScreen)

    drive(make_app(demo_ws), steps)
    assert codings(demo_ws) == []


def test_a_record_without_abstract_is_coded_as_a_whole(demo_ws):
    with demo_ws.read() as session:
        cid = q.ensure_coder(session, "alice")
        q.save_ui_state(
            session, demo_ws.project.id, cid, {"phase": "2", "code.document": "hodges2007"}
        )

    async def steps(pilot) -> None:
        assert "whole document" in screen_text(pilot.app)
        await press(pilot, "enter")
        assert "on the whole document" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)
    assert [(c[0], c[4]) for c in codings(demo_ws)] == [
        ("forms of peer support", SegmentKind.DOCUMENT)
    ]


def test_markup_and_escapes_render_literally_while_coding(demo_ws):
    text = (
        "Plain. [bold]x[/] and [link=http://x]y[/link] and \x1b[31mred text. A second [/] sentence."
    )
    record = DocumentRecord(sections=[Section("[b]Findings", text)], title="[red]T[/red]")
    _summary, (key,) = add_records(demo_ws, [record], source="markup.txt")
    with demo_ws.read() as session:
        cid = q.ensure_coder(session, "alice")
        q.save_ui_state(session, demo_ws.project.id, cid, {"phase": "2", "code.document": key})

    async def steps(pilot) -> None:
        code = phase(pilot.app)
        assert code.view.doc.key == key
        lines = code.reader.plain_lines
        assert "[b]Findings" in lines
        assert "[bold]x[/] and [link=http://x]y[/link] and ␛[31mred text. A second [/]" in " ".join(
            lines
        )
        screen = screen_text(pilot.app)
        assert "[red]T[/red]" in screen and "\x1b" not in screen
        await press(pilot, "j", "enter")
        assert codings(demo_ws, key)[0][1] == 2

    drive(make_app(demo_ws), steps)


# ---- writes in a worker: another writer holding the project never freezes the keys ------


def test_apply_while_the_project_is_held_stays_responsive_and_stores_when_it_frees(
    demo_ws, demo_db
):
    async def steps(pilot) -> None:
        await press(pilot, "f3")
        code = phase(pilot.app)
        holder = hold_the_project(demo_db)
        try:
            await pilot.press("enter")
            await pilot.press("j")  # handled while the coding waits for the lock
            await pilot.pause()
            assert code.current.ordinal == 2
            assert writing(pilot.app)
            assert codings(demo_ws) == []
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await settle(pilot)
        assert codings(demo_ws) == [("forms of peer support", 1, 0, 99, SegmentKind.UNIT)]
        assert "■ forms of peer support  1" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)


def test_undo_pressed_while_a_coding_waits_undoes_that_coding(demo_ws, demo_db):
    """Writes land in the order the keys asked for them: an undo pressed while the
    coding before it still waits for the project undoes that coding, not the action
    before it (a code added here)."""
    from coder.core.model import Code
    from coder.services import history
    from coder.services.codes import create_code

    create_code(demo_ws, Code(name="earlier action"))

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        holder = hold_the_project(demo_db)
        try:
            await pilot.press("enter", "ctrl+z")
            await pilot.pause()
            assert writing(pilot.app)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await settle(pilot)

    drive(make_app(demo_ws), steps)
    assert codings(demo_ws) == []
    assert "earlier action" in [c.name for c in active_codes(demo_ws)]
    undo, apply = history.log(demo_ws, limit=2)
    assert (undo.action, apply.action) == ("undo", "code.apply")


def test_a_coding_that_cannot_be_stored_is_reported_and_the_choice_kept(
    demo_ws, demo_db, monkeypatch
):
    from coder.tui import workers

    monkeypatch.setattr(workers, "WRITE_WAIT", 0.0)  # give up after the first try
    apply_code(demo_ws, f"{FIRST}:2", "us and them")

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        code = phase(pilot.app)
        holder = hold_the_project(demo_db)
        try:
            await press(pilot, "enter")
            (line,) = [n for n in notices(pilot.app) if n.startswith("not saved")]
            assert "'forms of peer support' on researchpeer_nd:1" in line
            assert codings(demo_ws) == [("us and them", 2, *_span(demo_ws, 2), SegmentKind.UNIT)]
            await press(pilot, "j", "m")  # a memo typed while the project is held
            pilot.app.screen.query_one("#dialog-text").insert("Kept while busy.")
            await press(pilot, "ctrl+s")
            assert any(
                n.startswith("not saved: memo on 'us and them'") and "press m" in n
                for n in notices(pilot.app)
            )
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await press(pilot, "m")  # the memo editor opens on the text typed, not lost
        dialog = pilot.app.screen
        assert isinstance(dialog, TextScreen)
        assert dialog.query_one("#dialog-text").text == "Kept while busy."
        await press(pilot, "ctrl+s")
        await press(pilot, "k", "enter")  # the code and segment are still chosen: retry
        assert code.current.ordinal == 1
        assert sorted(codings(demo_ws)) == [
            ("forms of peer support", 1, 0, 99, SegmentKind.UNIT),
            ("us and them", 2, *_span(demo_ws, 2), SegmentKind.UNIT),
        ]

    drive(make_app(demo_ws), steps)
    with demo_ws.read() as session:
        memos = [c.memo for c in q.codings(session, demo_ws.project.id) if c.memo]
    assert memos == ["Kept while busy."]


def test_quitting_waits_for_the_verdict_of_a_coding_still_being_written(
    demo_ws, demo_db, monkeypatch
):
    from coder.tui import workers

    monkeypatch.setattr(workers, "WRITE_WAIT", 0.0)

    async def steps(pilot) -> None:
        await press(pilot, "f3")
        holder = hold_the_project(demo_db)
        try:
            await pilot.press("enter")
            assert writing(pilot.app)
            await pilot.press("ctrl+q")
            await settle(pilot)
            # not stored: the app stays open on the message instead of quitting over it
            assert pilot.app.is_running
            assert any(n.startswith("not saved: 'forms") for n in notices(pilot.app))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await press(pilot, "enter")  # the choice is kept: try again, then quit
        await pilot.press("ctrl+q")

    drive(make_app(demo_ws), steps)
    assert codings(demo_ws) == [("forms of peer support", 1, 0, 99, SegmentKind.UNIT)]


def _span(ws, ordinal: int) -> tuple[int, int]:
    unit = units(ws, FIRST)[ordinal - 1]
    return unit.start, unit.end
