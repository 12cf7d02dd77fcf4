"""The Phase base: keys are data, and the bindings and palette entries come from them."""

from __future__ import annotations

from functools import partial

import pytest

from coder.tui.deferred import PHASE_CLASSES
from coder.tui.phases.base import Key, Phase


@pytest.mark.parametrize("number", sorted(PHASE_CLASSES))
def test_bindings_are_made_from_the_keys(number):
    cls = PHASE_CLASSES[number]
    slug = cls.SLUG
    assert slug
    assert number == cls.NUMBER
    assert [b.id for b in cls.BINDINGS] == [k.id for k in cls.KEYS]
    assert [b.key for b in cls.BINDINGS] == [k.keys for k in cls.KEYS]
    assert [b.tooltip for b in cls.BINDINGS] == [k.tooltip for k in cls.KEYS]


@pytest.mark.parametrize("number", sorted(PHASE_CLASSES))
def test_palette_entries_run_their_keys_actions(number, demo_ws):
    phase = PHASE_CLASSES[number](demo_ws)
    commands = phase.palette_commands()
    names = [name for name, _callback, _help in commands]
    assert len(names) == len(set(names))
    by_name = {name: (callback, help_text) for name, callback, help_text in commands}
    for key in phase.KEYS:
        if key.palette is None:
            continue
        callback, help_text = by_name[key.palette]
        assert isinstance(callback, partial)
        assert callback.func == getattr(phase, "action_" + key.action.split("(")[0])
        assert help_text == (key.palette_help or key.tooltip)


def test_a_phase_without_palette_keys_offers_only_its_extras(demo_ws):
    class Quiet(Phase):
        KEYS = (Key("q", "hush", "Hush", "quiet.hush", "Say nothing"),)

        def action_hush(self) -> None:
            pass

    quiet = Quiet(demo_ws)
    assert [b.id for b in Quiet.BINDINGS] == ["quiet.hush"]
    assert quiet.palette_commands() == []
