"""SVG snapshots of the shell, phase 1 and phase 2 on the demo project (coder alice, a
140x45 terminal, no clock anywhere). Update with ``pytest --snapshot-update`` and look at
the files under tests/tui/__snapshots__/ before committing them."""

from __future__ import annotations

from coder.tui.app import make_app
from tests.tui.conftest import SIZE, press, steady


def test_shell_and_familiarise_phase(snap_compare, demo_ws):
    async def run_before(pilot) -> None:
        await steady(pilot)
        await press(pilot, "down", "down", "down", "space")  # gray2024, marked read

    assert snap_compare(make_app(demo_ws), terminal_size=SIZE, run_before=run_before)


def test_coding_phase_with_applied_codes(snap_compare, demo_ws):
    async def run_before(pilot) -> None:
        await steady(pilot)
        await press(pilot, "f3", "j", "j", "enter", "slash", *"risk", "enter")

    assert snap_compare(make_app(demo_ws), terminal_size=SIZE, run_before=run_before)


def test_coding_phase_selecting_words(snap_compare, demo_ws):
    async def run_before(pilot) -> None:
        await steady(pilot)
        await press(pilot, "f3", "J", "v", "l", "l", "l")

    assert snap_compare(make_app(demo_ws), terminal_size=SIZE, run_before=run_before)


def test_help_screen_over_the_coding_phase(snap_compare, demo_ws, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "/home/alice/.config")  # the help names the keys file

    async def run_before(pilot) -> None:
        await steady(pilot)
        await press(pilot, "f3", "f1")

    assert snap_compare(make_app(demo_ws), terminal_size=SIZE, run_before=run_before)
