"""Phase 1: the document list (paged and filtered in SQL), the reader, read marks, the
familiarisation note; imported text shown literally."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Input, TextArea

from coder.core.model import DocumentRecord, Section
from coder.services.importing import add_records
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.phases.code import CodePhase
from coder.tui.phases.familiarise import FamiliarisePhase
from coder.tui.widgets.reader import TextReader
from coder.tui.widgets.text import visible, wrap_offsets
from coder.tui.widgets.virtual_list import VirtualList
from tests.tui.conftest import drive, hold_the_project, press, screen_text, settle, writing

MARKUP_TITLE = "[bold]Bold[/] claims and [link=http://x]links[/link]"
MARKUP_TEXT = (
    "Plain start. [bold]x[/] then [link=http://x]y[/link] and \x1b[31mred\x1b[0m text. [/] End."
)


def keys_in_order(ws) -> list[str]:
    with ws.read() as session:
        return [d.key for d in q.documents(session, ws.project.id)]


def read_keys(ws) -> set[str]:
    cid = ws.coder_id()
    with ws.read() as session:
        _total, items = q.document_page(session, ws.project.id, cid, limit=1000)
    return {i.key for i in items if i.read}


def note_of(ws, key: str) -> str | None:
    with ws.read() as session:
        row = q.document_row(session, ws.project.id, key)
        memo = q.memo_row(
            session, ws.project.id, ws.coder_id(), "document", row.id, "familiarisation"
        )
    return memo.text if memo else None


def phase(app) -> FamiliarisePhase:
    return app.query_one("#phase-1", FamiliarisePhase)


def test_list_and_reader_show_documents_metadata_and_sections(demo_ws):
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        doc_list = pilot.app.query_one("#fam-list", VirtualList)
        assert doc_list.total == len(keys) == 20
        text = screen_text(pilot.app)
        assert "20 documents" in text
        for key in keys[:10]:
            assert key in text
        reader = pilot.app.query_one("#fam-reader", TextReader)
        assert reader.plain_lines[0].startswith("Source")  # the first record has no title
        assert "Background" in reader.plain_lines and "Conclusions" in reader.plain_lines
        await press(pilot, "down", "down", "down")  # gray2024: a full record
        assert phase(pilot.app).doc.key == keys[3]
        lines = "\n".join(reader.plain_lines)
        for label in ("Authors", "Year", "Type", "Journal", "Source", "Key"):
            assert f"\n{label} " in "\n" + lines, label
        assert "Benjamin Thomas Gray; Matthew Sisto; Renee Conley" in lines

    drive(make_app(demo_ws), steps)


def test_space_toggles_the_read_mark_and_the_stepper_counts_it(demo_ws):
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "down", "space")
        assert read_keys(demo_ws) == {keys[1]}
        assert "✓ " + keys[1] in screen_text(pilot.app)
        assert "1/20 read" in screen_text(pilot.app)
        await press(pilot, "space")
        assert read_keys(demo_ws) == set()
        assert "0/20 read" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)


def test_a_read_mark_while_the_project_is_held_lands_when_it_frees(demo_ws, demo_db):
    """The mark is written in the write worker: the list keeps answering keys while a
    colleague holds the project, and the row shows the mark once it is stored."""
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "down")
        holder = hold_the_project(demo_db)
        try:
            await pilot.press("space", "down")  # the second key is answered at once
            await pilot.pause()
            assert writing(pilot.app)
            assert phase(pilot.app).doc_list.cursor == 2
            assert read_keys(demo_ws) == set()
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await settle(pilot)
        assert read_keys(demo_ws) == {keys[1]}
        assert "✓ " + keys[1] in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)


def test_unread_only_filter_hides_read_documents(demo_ws):
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "space", "down", "space", "f")
        doc_list = pilot.app.query_one("#fam-list", VirtualList)
        assert doc_list.total == 18
        assert doc_list.current.key == keys[2]
        assert "unread only" in screen_text(pilot.app)
        await press(pilot, "f")
        assert doc_list.total == 20

    drive(make_app(demo_ws), steps)


def test_slash_searches_titles_and_abstracts_in_sql(demo_ws):
    with demo_ws.read() as session:
        total, items = q.document_page(session, demo_ws.project.id, None, search="wounded healer")
    assert 0 < total < 20

    async def steps(pilot) -> None:
        await press(pilot, "slash")
        search = pilot.app.query_one("#fam-search", Input)
        assert pilot.app.focused is search
        search.value = "wounded healer"
        await press(pilot, "enter")
        doc_list = pilot.app.query_one("#fam-list", VirtualList)
        assert doc_list.total == total
        assert pilot.app.focused is doc_list
        assert [doc_list.item_at(i).key for i in range(total)] == [i.key for i in items]
        assert f"{total} documents · matching 'wounded healer'" in screen_text(pilot.app)
        await press(pilot, "slash")
        search.value = "zzzz-nothing"
        await press(pilot, "enter")
        assert doc_list.total == 0
        assert "no documents match" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)


def test_familiarisation_note_is_saved_when_left_and_shown_again(demo_ws):
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "down", "n")
        note = pilot.app.query_one("#fam-note", TextArea)
        assert pilot.app.focused is note
        await press(pilot, *"Us vs them")
        note.insert("\nsecond line [b]")
        await press(pilot, "escape")
        assert note_of(demo_ws, keys[1]) == "Us vs them\nsecond line [b]"
        await press(pilot, "down")
        assert note.text == ""
        await press(pilot, "up")
        assert note.text == "Us vs them\nsecond line [b]"
        await press(pilot, "n", "ctrl+a")
        note.clear()
        await press(pilot, "escape")
        assert note_of(demo_ws, keys[1]) is None

    drive(make_app(demo_ws), steps)


def test_a_note_being_written_is_saved_on_quit(demo_ws):
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "n", *"idea", "ctrl+q")

    drive(make_app(demo_ws), steps)
    assert note_of(demo_ws, keys[0]) == "idea"


def test_markup_and_escape_sequences_in_imported_text_are_shown_literally(demo_ws):
    record = DocumentRecord(
        sections=[Section("[i]Findings[/i]", MARKUP_TEXT)], title=MARKUP_TITLE, year=2020
    )
    _summary, (key,) = add_records(demo_ws, [record], source="markup.txt")

    async def steps(pilot) -> None:
        await press(pilot, "end")
        assert phase(pilot.app).doc.key == key
        text = screen_text(pilot.app)
        assert MARKUP_TITLE in text  # in the list and the reader
        assert "\x1b" not in text
        lines = pilot.app.query_one("#fam-reader", TextReader).plain_lines
        assert f"Title     {MARKUP_TITLE}" in lines
        assert "[i]Findings[/i]" in lines
        assert MARKUP_TEXT.replace("\x1b", "␛") in " ".join(lines)

    drive(make_app(demo_ws), steps)


def test_list_holds_only_the_pages_it_shows(demo_ws):
    records = [
        DocumentRecord(
            sections=[Section(None, f"Abstract number {n} about peer support.")],
            title=f"Paper {n:04d}",
        )
        for n in range(1, 451)
    ]
    add_records(demo_ws, records, source="many.txt")

    async def steps(pilot) -> None:
        doc_list = pilot.app.query_one("#fam-list", VirtualList)
        assert doc_list.total == 470
        assert set(doc_list._pages) == {0}
        await press(pilot, "end")
        assert doc_list.cursor == 469
        assert doc_list.current.label == "Paper 0450"
        assert set(doc_list._pages) == {0, 4}
        assert "Paper 0450" in screen_text(pilot.app)
        await press(pilot, "pageup")
        assert doc_list.cursor < 469
        assert doc_list.current is not None

    drive(make_app(demo_ws), steps)


def test_visible_keeps_offsets_and_shows_control_characters():
    raw = "a\x1b[31mb\tc\x00d\x7fe\x9bf\ng"
    shown = visible(raw)
    assert len(shown) == len(raw)
    assert shown == "a␛[31mb c␀d␡e\ufffdf\ng"
    assert not any(ord(ch) < 32 and ch != "\n" for ch in shown)


def test_wrap_offsets_fit_the_width_break_between_words_and_lose_nothing():
    text = "Peer  support on a ward.\n\nSupercalifragilisticexpialidocious words  wrap, and “quotes” too."
    for width in (5, 12, 30, 200):
        lines = wrap_offsets(text, width)
        assert all(cell_len(text[a:b]) <= width for a, b in lines)
        kept = "".join(text[a:b] for a, b in lines)
        assert kept.replace(" ", "") == text.replace(" ", "").replace("\n", "")
        assert all(lines[i][1] <= lines[i + 1][0] for i in range(len(lines) - 1))
        for _a, b in lines:  # a line ends between words unless a word is wider than the line
            if b < len(text) and text[b] not in " \n":
                left = text[:b].split()[-1] if b and not text[b - 1].isspace() else ""
                word = left + text[b:].split()[0]
                assert cell_len(word) > width
    assert wrap_offsets("", 10) == [(0, 0)]


def test_f3_codes_the_document_being_read(demo_ws):
    """Reading the third document, F3 opens phase 2 on it, the first time and later too."""
    keys = keys_in_order(demo_ws)

    async def steps(pilot) -> None:
        await press(pilot, "down", "down")
        assert pilot.app.query_one(FamiliarisePhase).doc.key == keys[2]
        await press(pilot, "f3")
        code = pilot.app.query_one(CodePhase)
        assert code.view.doc.key == keys[2]
        await press(pilot, "f2", "down", "f3")
        assert code.view.doc.key == keys[3]

    drive(make_app(demo_ws), steps)


def test_escape_clears_the_search(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "slash")
        search = pilot.app.query_one("#fam-search", Input)
        search.value = "wounded healer"
        await press(pilot, "enter")
        doc_list = pilot.app.query_one("#fam-list", VirtualList)
        assert doc_list.total < 20
        reader = pilot.app.query_one("#fam-reader", TextReader)
        assert reader.search == "wounded healer" and reader.found_spans()
        await press(pilot, "escape")  # in the list, with a search on
        assert search.value == "" and doc_list.total == 20
        assert reader.search == "" and reader.found_spans() == []
        await press(pilot, "slash")
        search.value = "peer"
        await press(pilot, "escape")  # in the search box itself
        assert search.value == "" and doc_list.total == 20
        assert pilot.app.focused is doc_list

    drive(make_app(demo_ws), steps)
