"""Two coders changing the same code or theme at once: the second is told, never
silently overwrites; an undo that would revert another coder's later change says so."""

from __future__ import annotations

import pytest

from coder.services import live, themes
from coder.services.codes import code_counts, rename_code, update_code
from coder.services.errors import EditConflict
from coder.services.history import undo
from coder.services.workspace import ServiceError
from tests.conftest import as_coder
from tests.services.helpers import seed


def test_the_second_edit_of_a_code_gets_the_current_state(ws):
    seed(ws)
    bob = as_coder(ws, "bob")
    ws.seen = bob.seen = live.head(ws)  # both screens show the same state
    update_code(bob, "risk", definition="Support framed as a danger.")
    with pytest.raises(EditConflict) as caught:
        update_code(ws, "risk", definition="Risk talk.")
    err = caught.value
    assert err.coder == "bob" and err.current["definition"] == "Support framed as a danger."
    assert "bob changed code 'risk'" in str(err) and "not made" in str(err)
    assert "Support framed as a danger." in str(err)
    codes = {c.code.name: c.code for c in code_counts(ws)}
    assert codes["risk"].definition == "Support framed as a danger."
    # Once alice's screen has shown bob's change, her edit goes through.
    ws.seen = live.head(ws)
    update_code(ws, "risk", definition="Risk talk.")
    assert ws.db.verify(ws.project.id).ok


def test_a_theme_renamed_by_another_coder_is_not_overwritten(ws):
    seed(ws)
    themes.create_theme(ws, "Divides", codes=["risk"])
    bob = as_coder(ws, "bob")
    ws.seen = live.head(ws)
    themes.rename_theme(bob, "Divides", "Us and them")
    with pytest.raises(ServiceError, match="unknown theme .Divides."):
        themes.define_theme(ws, "Divides", definition="x")
    with pytest.raises(EditConflict, match="bob changed theme 'Us and them'"):
        themes.define_theme(ws, "Us and them", definition="A divide.")
    # Without a screen state (the CLI reads fresh each time) there is nothing to check.
    ws.seen = None
    themes.define_theme(ws, "Us and them", definition="A divide.")


def test_own_changes_never_conflict(ws):
    seed(ws)
    ws.seen = live.head(ws)
    update_code(ws, "risk", definition="one")
    update_code(ws, "risk", definition="two")


def test_undo_over_another_coders_later_change_explains(ws):
    seed(ws)
    rename_code(ws, "risk", "danger")
    rename_code(as_coder(ws, "bob"), "danger", "hazard")
    with pytest.raises(ServiceError) as caught:
        undo(ws)
    message = str(caught.value)
    assert "bob changed code 'hazard' later" in message
    assert "overwrite bob's work" in message and "by hand" in message
    assert ws.db.verify(ws.project.id).ok
