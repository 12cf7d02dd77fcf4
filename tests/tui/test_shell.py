"""The shell: header and stepper, phase keys, help, journal, undo/redo, palette, keymap,
and where the coder left off. Driven through the Pilot on the demo project."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import ContentSwitcher, Input

from coder.core.model import Code
from coder.formats.errors import FormatError
from coder.services import history
from coder.services.codes import create_code
from coder.services.coding import apply_code
from coder.services.notes import mark_read
from coder.store import queries as q
from coder.tui import app as app_module
from coder.tui import deferred
from coder.tui.app import CoderApp, make_app
from coder.tui.deferred import PHASE_CLASSES
from coder.tui.help import HelpScreen
from coder.tui.journal import JournalScreen
from coder.tui.keymap import binding_ids, parse_keymap
from coder.tui.messages import DataChanged
from coder.tui.shell import PhaseStepper
from tests.conftest import as_coder
from tests.tui.conftest import drive, notices, press, screen_text, settle

ROOT = Path(__file__).resolve().parents[2]


def counts(ws) -> tuple[int, int, int]:
    with ws.read() as session:
        pid = ws.project.id
        return (
            q.count_documents(session, pid),
            q.count_segments(session, pid),
            len(q.themes(session, pid)),
        )


def test_header_and_stepper_show_project_coder_and_progress(demo_ws):
    documents, segments, themes = counts(demo_ws)
    mark_read(demo_ws, "gray2024")

    async def steps(pilot) -> None:
        text = screen_text(pilot.app)
        assert "peer support on inpatient wards (demo)" in text
        assert "coder alice" in text
        assert "demo.db" in text
        stepper = pilot.app.query_one(PhaseStepper)
        assert stepper.text_of(1) == f"1 Familiarise 1/{documents} read"
        assert stepper.text_of(2) == f"2 Code 0/{segments} segments"
        assert stepper.text_of(3).startswith(f"3 Themes {themes} themes, ")
        assert stepper.text_of(4) == f"4 Review 0/{themes} reviewed"
        assert stepper.text_of(5) == f"5 Define 0/{themes} defined"
        assert f"1/{documents} read" in text

    drive(make_app(demo_ws), steps)


def test_function_and_alt_keys_open_every_phase(demo_ws):
    async def steps(pilot) -> None:
        switcher = pilot.app.query_one("#phases", ContentSwitcher)
        assert switcher.current == "phase-1"
        for n in range(1, 7):
            await press(pilot, f"f{n + 1}")
            assert switcher.current == f"phase-{n}"
            assert pilot.app.phase == n
            shown = switcher.query_one(f"#phase-{n}")
            assert isinstance(shown, PHASE_CLASSES[n])
        await press(pilot, "alt+2")
        assert switcher.current == "phase-2"
        await press(pilot, "alt+1")
        assert switcher.current == "phase-1"
        await pilot.click("#step-2")
        await settle(pilot)
        assert switcher.current == "phase-2"

    drive(make_app(demo_ws), steps)


def test_help_lists_the_keys_of_the_current_screen_with_ids(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3")
        await press(pilot, "f1")
        assert isinstance(pilot.app.screen, HelpScreen)
        ids = {row.binding_id for row in pilot.app.screen.rows}
        assert {
            "code.apply",
            "code.next_segment",
            "code.new",
            "help.keys",
            "journal.open",
            "history.undo",
        } <= ids
        assert "familiarise.toggle_read" not in ids  # another phase's key is not listed here
        text = screen_text(pilot.app)
        assert "Keys: phase 2, Code" in text and "code.apply" in text
        await press(pilot, "escape")
        assert not isinstance(pilot.app.screen, HelpScreen)
        await press(pilot, "question_mark")
        assert isinstance(pilot.app.screen, HelpScreen)

    drive(make_app(demo_ws), steps)


def test_journal_adds_entries_newest_first_from_any_phase(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f8")
        assert isinstance(pilot.app.screen, JournalScreen)
        assert "No entries yet." in screen_text(pilot.app)
        await press(pilot, *"first")
        pilot.app.screen.query_one("#journal-new").insert(" thought\nsecond line")
        await press(pilot, "ctrl+s")
        await press(pilot, "escape")
        await press(pilot, "f3", "ctrl+o")
        assert isinstance(pilot.app.screen, JournalScreen)
        pilot.app.screen.query_one("#journal-new").insert("[bold]later[/]")
        await press(pilot, "ctrl+s")
        text = screen_text(pilot.app)
        assert text.index("[bold]later[/]") < text.index("first thought")
        assert "phase 2 Code" in text and "phase 1 Familiarise" in text
        await press(pilot, "escape")

    drive(make_app(demo_ws), steps)
    with demo_ws.read() as session:
        entries = q.memos(session, demo_ws.project.id, target_type="project", kind="journal")
    assert [m.text for m in entries] == ["[bold]later[/]", "first thought\nsecond line"]
    assert [m.phase for m in entries] == [2, 1]  # the phase each was written in
    assert all(m.coder == "alice" for m in entries)


def test_journal_esc_adds_the_entry_and_ctrl_g_discards_after_asking(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f8", *"half", "escape")
        assert not isinstance(pilot.app.screen, JournalScreen)
        await press(pilot, "f8")
        assert pilot.app.screen.query_one("#journal-new").text == ""
        await press(pilot, *"gone", "ctrl+g")
        assert pilot.app.screen.__class__.__name__ == "DiscardScreen"
        await press(pilot, "n")  # back to the text: nothing thrown away
        assert pilot.app.screen.query_one("#journal-new").text == "gone"
        await press(pilot, "ctrl+g", "y")
        assert pilot.app.screen.query_one("#journal-new").text == ""
        await press(pilot, "escape")

    drive(make_app(demo_ws), steps)
    with demo_ws.read() as session:
        entries = q.memos(session, demo_ws.project.id, target_type="project", kind="journal")
    assert [m.text for m in entries] == ["half"]


def test_undo_and_redo_go_through_the_history_service(demo_ws):
    async def steps(pilot) -> None:
        await press(pilot, "f3", "enter")
        assert coding_count(demo_ws) == 1
        await press(pilot, "ctrl+z")
        assert coding_count(demo_ws) == 0
        assert "No codes here yet" in screen_text(pilot.app)
        await press(pilot, "ctrl+y")
        assert coding_count(demo_ws) == 1
        assert "— alice" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)
    assert [e.action for e in history.log(demo_ws, limit=2)] == ["redo", "undo"]


def coding_count(ws) -> int:
    with ws.read() as session:
        return len(q.codings(session, ws.project.id))


def test_a_service_error_is_a_notification_not_a_crash(demo_ws):
    carol = as_coder(demo_ws, "carol")  # the demo's builder (alice) has events to undo

    async def steps(pilot) -> None:
        await press(pilot, "ctrl+z")
        assert "nothing to undo for carol" in notices(pilot.app)
        assert "nothing to undo for carol" in screen_text(pilot.app)
        assert pilot.app.is_running

    drive(make_app(carol), steps)


async def palette(pilot, query: str) -> None:
    """Open the command palette and type a query (the last word key by key)."""
    await press(pilot, "ctrl+p")
    head, _, last = query.rpartition(" ")
    pilot.app.screen.query_one(Input).value = head + " " if head else ""
    await press(pilot, *last)


def test_palette_offers_global_commands_and_the_visible_phases(demo_ws):
    async def steps(pilot) -> None:
        app: CoderApp = pilot.app
        names = [name for name, _cb, _help in app.palette_commands_for(app.screen)]
        for name in (
            "phase: familiarise", "phase: code", "phase: themes", "phase: review", "phase: define",
            "phase: report", "journal: open", "history: undo", "history: redo", "audit: view", "help: keys",
        ):  # fmt: skip
            assert name in names
        assert "familiarise: toggle read" in names
        assert "coding: next uncoded" not in names
        await palette(pilot, "phase: code")
        await press(pilot, "enter")
        assert app.phase == 2
        names = [name for name, _cb, _help in app.palette_commands_for(app.screen)]
        assert {"coding: next uncoded", "coding: toggle blind", "coding: search and code"} <= set(
            names
        )
        await palette(pilot, "coding: toggle blind")
        await press(pilot, "enter")
        assert app.query_one("#phase-2").blind is True

    drive(make_app(demo_ws), steps)


def test_phase_status_can_be_marked_from_the_palette(demo_ws):
    async def steps(pilot) -> None:
        await palette(pilot, "phase: mark done")
        await press(pilot, "enter")
        assert "1 Familiarise ✓" in screen_text(pilot.app)

    drive(make_app(demo_ws), steps)
    with demo_ws.read() as session:
        assert q.phase_statuses(session, demo_ws.project.id) == {1: "done"}


def test_quitting_and_reopening_returns_to_the_same_phase_document_and_segment(demo_ws):
    async def first(pilot) -> None:
        await press(pilot, "j", "j")  # phase 1: third document
        await press(pilot, "f3", "J", "j", "j")  # phase 2: next document, third segment
        phase = pilot.app.query_one("#phase-2")
        first.where = (phase.view.doc.key, phase.current.ordinal)
        await press(pilot, "ctrl+q")

    drive(make_app(demo_ws), first)

    async def second(pilot) -> None:
        assert pilot.app.phase == 2
        phase = pilot.app.query_one("#phase-2")
        assert (phase.view.doc.key, phase.current.ordinal) == first.where
        await press(pilot, "f2")
        assert pilot.app.query_one("#fam-list").cursor == 2

    drive(make_app(demo_ws), second)


def test_keys_file_remaps_a_binding_by_id(demo_ws, tmp_path):
    keys = tmp_path / "config" / "coder" / "keys.yaml"
    keys.parent.mkdir(parents=True)
    keys.write_text("phase.code: f12\ncode.apply: ctrl+k\n")

    async def steps(pilot) -> None:
        await press(pilot, "f12")
        assert pilot.app.phase == 2
        await press(pilot, "ctrl+k")
        assert coding_count(demo_ws) == 1

    drive(make_app(demo_ws), steps)


def test_a_bad_keys_file_is_a_notification_naming_file_and_line(demo_ws, tmp_path):
    keys = tmp_path / "config" / "coder" / "keys.yaml"
    keys.parent.mkdir(parents=True)
    keys.write_text("phase.code: f12\ncode.apply: [ctrl+k\n")

    async def steps(pilot) -> None:
        (message,) = notices(pilot.app)
        assert message.startswith(f"{keys}:3:") and "not valid YAML" in message
        await press(pilot, "f3")  # defaults still work
        assert pilot.app.phase == 2

    drive(make_app(demo_ws), steps)


def test_parse_keymap_reads_keys_lists_and_warns_about_unknown_ids():
    keymap, warnings = parse_keymap(
        "code.apply: ctrl+enter\ncode.next_segment: [j, ctrl+n]\ncode.aply: x\n",
        "keys.yaml",
        known={"code.apply", "code.next_segment"},
    )
    assert keymap == {"code.apply": "ctrl+enter", "code.next_segment": "j,ctrl+n", "code.aply": "x"}
    assert warnings == ["keys.yaml:3: unknown binding id 'code.aply' (did you mean 'code.apply'?)"]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("- code.apply\n", "expected a mapping", 1),
        ("code.apply: {a: b}\n", "expected a key", 1),
        ("code.apply: ctrl+s\ncode.new: ''\n", "is not a key", 2),
        ("code.apply: a\ncode.apply: b\n", "given twice", 2),
        ("code.apply: 'open\n", "not valid YAML", 2),
    ],
)
def test_parse_keymap_errors_name_the_line(text, message, line):
    with pytest.raises(FormatError) as caught:
        parse_keymap(text, "keys.yaml")
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"keys.yaml:{line}")


def test_every_binding_has_an_id_a_tooltip_and_is_documented():
    from coder.tui.app import binding_classes

    documented = (ROOT / "docs" / "keys.md").read_text(encoding="utf-8")
    mine = [c for c in binding_classes() if c.__module__.split(".")[-1] in OWN_MODULES]
    found = binding_ids(mine)
    assert len(found) > 40
    missing = sorted(i for i in found if f"`{i}`" not in documented)
    assert missing == []
    for cls in mine:
        for binding in cls.__dict__.get("BINDINGS", []):
            assert binding.id and (binding.tooltip or binding.description), (cls, binding)


OWN_MODULES = {
    "app", "familiarise", "code", "help", "journal", "virtual_list", "codebook", "dialogs",
    "search_code", "reader",
}  # fmt: skip


def test_data_changed_from_another_coder_refreshes_the_stepper(demo_ws):
    async def steps(pilot) -> None:
        apply_code(demo_ws, "gray2024:1", "us and them")
        pilot.app.post_message(DataChanged())
        await press(pilot)
        assert "1/" in pilot.app.query_one(PhaseStepper).text_of(2)

    create_code(demo_ws, Code(name="extra code"))
    drive(make_app(demo_ws), steps)


def test_an_empty_project_opens_every_part1_screen_without_errors(sqlite_ws):
    async def steps(pilot) -> None:
        assert "no documents match" in screen_text(pilot.app)
        assert "0/0 read" in screen_text(pilot.app)
        doc_list = pilot.app.query_one("#fam-list")
        fetched: list[int] = []
        real_fetch = doc_list._fetch
        doc_list._fetch = lambda offset, limit: fetched.append(offset) or real_fetch(offset, limit)
        await pilot.pause(0.3)
        assert fetched == []  # an empty list does not keep asking for its first page
        await press(pilot, "space", "slash", "escape", "f3")
        assert "This project has no documents yet" in screen_text(pilot.app)
        await press(pilot, "enter", "j", "J", "u", "v", "x", "s")
        await press(pilot, "escape", "f8")
        assert isinstance(pilot.app.screen, JournalScreen)

    drive(make_app(sqlite_ws), steps)


def test_the_stepper_recounts_once_a_burst_of_changes_pauses(demo_ws, monkeypatch):
    # Long enough that a burst of five presses ends before it, even on a loaded 2-core CI box.
    monkeypatch.setattr(app_module, "PROGRESS_DELAY", 2.5)
    calls: list[int] = []
    real = deferred.phase_progress

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(deferred, "phase_progress", counting)

    async def steps(pilot) -> None:
        await pilot.pause(3.0)
        await settle(pilot)
        assert calls == [1]  # the first count waits for the first frame
        await pilot.press("space", "down", "space", "down", "space")
        assert calls == [1]
        await pilot.pause(3.0)
        await settle(pilot)
        assert calls == [1, 1]
        assert "3/20 read" in pilot.app.query_one(PhaseStepper).text_of(1)

    drive(make_app(demo_ws), steps)


def footer_line(app) -> str:
    """The footer row as the user reads it (the screen's last line)."""
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
def test_the_footer_shows_the_keys_that_matter_first_and_help_for_the_rest(demo_ws, size):
    async def steps(pilot) -> None:
        lines = {}
        for key in ("f2", "f3", "f4", "f5", "f6", "f7"):
            await press(pilot, key)
            lines[key] = footer_line(pilot.app)
        for key, line in lines.items():
            assert "? " in line, key  # the help key is never cut off
            assert "Palette" in line, key
        phase2 = lines["f3"]
        for wanted in ("⏎ Apply", "/ Find code", "n New code", "x Remove", "m Memo"):
            assert wanted in phase2
        if size[0] == 80:
            assert "? More keys" in phase2 and "Undo" not in phase2
            await press(pilot, "f3", "question_mark")
            assert isinstance(pilot.app.screen, HelpScreen)
            listed = {row.binding_id for row in pilot.app.screen.rows}
            assert {"code.memo", "history.undo", "code.select", "code.next_segment"} <= listed
        else:
            assert "? Help" in phase2 and "^z Undo" in phase2 and "u Uncoded" in phase2

    drive(make_app(demo_ws), steps, size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 30), (200, 60)])
def test_the_stepper_shows_every_name_and_count_whole(demo_ws, size):
    """Where a step's full text does not fit (80 or 120 columns), it drops its F key and
    the words of its count, never cutting the phase's name or figures."""

    async def steps(pilot) -> None:
        await settle(pilot)
        rows = screen_text(pilot.app).splitlines()[1:3]
        for name in ("1 Familiarise", "2 Code", "3 Themes", "4 Review", "5 Define", "6 Report"):
            assert name in rows[0]
        assert "0/20" in rows[1] and "0/133" in rows[1]
        assert "6, 6 unassigned" in rows[1] or "6 themes, 6 unassigned codes" in rows[1]
        if size[0] == 200:
            assert "1 Familiarise  F2" in rows[0] and "0/20 read" in rows[1]

    drive(make_app(demo_ws), steps, size=size)


def test_a_narrow_step_shows_big_counts_compactly():
    from coder.tui.shell import compact

    assert [compact(n) for n in (9028, 67_479, 100_000, 1_234_567)] == [
        "9028", "67.5k", "100k", "1.2M",
    ]  # fmt: skip
