"""Suggestions that learn: a segment like extracts already coded with a code gets that
code suggested, with the reason; blind mode learns from the coder's own codings only;
applying and removing update what is learned at once."""

from __future__ import annotations

from coder.core.model import DocumentRecord, Section
from coder.services.coding import apply_code
from coder.services.importing import add_records
from coder.tui.app import make_app
from coder.tui.widgets.code_picker import CodePickScreen
from tests.conftest import as_coder
from tests.tui.conftest import drive, press, screen_text
from tests.tui.test_coding import phase

CODE = "collective strength"  # its keywords (together, solidarity, campaign) are not below
SENTENCE = "Gardeners tended allotments beside greenhouses every weekend."


def add_pair(ws) -> list[str]:
    records = [
        DocumentRecord(sections=[Section("Notes", SENTENCE)], title="Allotments one", year=2024),
        DocumentRecord(
            sections=[Section("Notes", "Weekend gardeners tended their allotments.")],
            title="Allotments two",
            year=2024,
        ),
    ]
    add_records(ws, records, source="allotments.txt")
    from coder.store import queries as q

    with ws.read() as session:
        return [
            d.key
            for d in q.documents(session, ws.project.id)
            if (d.title or "").startswith("Allot")
        ]


async def open_doc(pilot, title: str) -> None:
    await press(pilot, "f3")
    code = phase(pilot.app)
    for _ in range(40):
        if code.view.doc.title == title:
            return
        await press(pilot, "J")
    raise AssertionError(f"{title} not reached")


def test_a_code_is_suggested_for_a_segment_like_its_extracts_with_the_reason(demo_ws):
    first, _second = add_pair(demo_ws)
    apply_code(demo_ws, f"{first}:1", CODE)

    async def steps(pilot) -> None:
        await open_doc(pilot, "Allotments two")
        code = phase(pilot.app)
        assert [c.name for c in code.suggestions][0] == CODE
        assert "like 1 extract" in screen_text(pilot.app)
        await press(pilot, "v", "dollar_sign", "enter")
        picker = pilot.app.screen
        assert isinstance(picker, CodePickScreen)
        assert picker.shown[0] == CODE
        assert picker.reasons[CODE] == f"like 1 extract coded '{CODE}'"
        await press(pilot, "escape", "escape")

    drive(make_app(demo_ws), steps)


def test_blind_mode_learns_from_the_coders_own_codings_only(demo_ws):
    first, _second = add_pair(demo_ws)
    apply_code(as_coder(demo_ws, "bob"), f"{first}:1", CODE)

    async def steps(pilot) -> None:
        await open_doc(pilot, "Allotments two")
        code = phase(pilot.app)
        assert CODE in code.learned  # the team's codings teach
        await press(pilot, "b")
        assert CODE not in code.learned  # blind: bob's codings are not looked at

    drive(make_app(demo_ws), steps)


def test_applying_and_removing_update_what_is_learned_at_once(demo_ws):
    add_pair(demo_ws)

    async def steps(pilot) -> None:
        await open_doc(pilot, "Allotments one")
        code = phase(pilot.app)
        assert CODE not in code.learned
        code.apply(CODE)
        await press(pilot, "J")  # to "Allotments two"
        assert code.view.doc.title == "Allotments two"
        assert code.learned.get(CODE) == 1
        await press(pilot, "K", "x")  # remove it again
        await press(pilot, "J")
        assert CODE not in code.learned

    drive(make_app(demo_ws), steps)
