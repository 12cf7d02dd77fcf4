"""What the learned suggestions read: each coding's code and the text it covers, cut in
SQL, by coder (on SQLite and PostgreSQL)."""

from __future__ import annotations

from coder.services import views
from coder.services.coding import UnitRef, apply_code
from tests.conftest import as_coder
from tests.services.helpers import seed


def test_coded_texts_are_cut_in_sql_and_filtered_by_coder(ws):
    keys = seed(ws)
    apply_code(ws, f"{keys[0]}:1", "us and them")
    apply_code(ws, UnitRef(keys[0], start=0, end=5), "risk")
    bob = as_coder(ws, "bob")
    apply_code(bob, f"{keys[1]}:1", "tread carefully")
    doc = views.document_view(ws, keys[0])
    assert doc is not None
    found = sorted(views.coded_texts(ws))
    assert ("risk", doc.doc.text[0:5]) in found
    assert ("us and them", doc.units[0].text) in found
    assert [code for code, _text in found] == ["risk", "tread carefully", "us and them"]
    own = ws.coder_id()
    assert own is not None
    assert sorted(c for c, _t in views.coded_texts(ws, [own])) == ["risk", "us and them"]
