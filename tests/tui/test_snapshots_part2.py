"""SVG snapshots of phases 3 to 6 on the demo project after a scripted coding session.

Update with ``pytest tests/tui/test_snapshots_part2.py --snapshot-update`` and look at the
files under tests/tui/__snapshots__/ before committing them. Nothing shown depends on the
clock: the audit times and the quality check's durations are not on these screens.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from coder.services import themes as theme_service
from coder.services.coding import apply_code
from coder.store import queries as q
from coder.tui.app import make_app
from coder.tui.phases.themes import ThemesPhase
from tests.tui.conftest import SIZE, press, steady

BRIDGING = "Bridging the us-and-them divide"
MIDDLE = "The peer worker in the middle"
LIVED = "Lived experience as the ground of the relationship"

SESSION = [
    ("gray2024:1", "us and them"),
    ("gray2024:3", "us and them"),
    ("gray2024:3", "tread carefully"),
    ("gray2024:4", "staff emphasis on risk"),
    ("researchpeer_nd:8", "tread carefully"),
    ("researchpeer_nd:9", "staff emphasis on risk"),
    ("gray2024a:3", "power imbalance"),
    ("gray2024a:5", "boundaries and role conflict"),
    ("researchpeer_nd:6", "practical and emotional support"),
    ("researchpeer_nd:6", "shared lived experience"),
    ("faulkner2012:2", "shared lived experience"),
]


@pytest.fixture
def coded_demo(demo_ws):
    """The demo after a short, fixed coding session through the services."""
    for ref, code in SESSION:
        apply_code(demo_ws, ref, code)
    with demo_ws.read() as session:
        codings = {
            (c.document_key, c.ordinal, c.code): c.id
            for c in q.codings(session, demo_ws.project.id)
        }
    theme_service.toggle_exemplar(demo_ws, BRIDGING, codings[("gray2024", 3, "us and them")])
    theme_service.toggle_misfit(demo_ws, BRIDGING, codings[("gray2024", 1, "us and them")])
    theme_service.set_theme_status(demo_ws, BRIDGING, "reviewed")
    theme_service.define_theme(
        demo_ws, BRIDGING, scope="Not the peer worker's own wellbeing (see the fragile theme)."
    )
    theme_service.create_theme(demo_ws, "Miscellaneous", codes=["forms of peer support"])
    return demo_ws


def snapshot_of_phase(snap_compare, ws, key: str, then=None) -> bool:
    async def open_phase(pilot) -> None:
        await press(pilot, key)
        if then is not None:
            then(pilot.app)
        await steady(pilot)

    return snap_compare(make_app(ws), terminal_size=SIZE, run_before=open_phase)


def test_phase3_theme_board(snap_compare, coded_demo):
    def highlight_a_used_code(app) -> None:
        phase = app.query_one(ThemesPhase)
        phase.query_one("#codes", DataTable).move_cursor(row=phase.shown.index("tread carefully"))

    assert snapshot_of_phase(snap_compare, coded_demo, "f4", then=highlight_a_used_code)


def test_phase4_review(snap_compare, coded_demo):
    assert snapshot_of_phase(snap_compare, coded_demo, "f5")


def test_phase5_define(snap_compare, coded_demo):
    assert snapshot_of_phase(snap_compare, coded_demo, "f6")


def test_phase6_report(snap_compare, coded_demo):
    assert snapshot_of_phase(snap_compare, coded_demo, "f7")
