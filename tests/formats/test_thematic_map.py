"""The thematic map as Mermaid, DOT and (with Graphviz) SVG."""

from __future__ import annotations

import re
import shutil

import pytest

from coder.core.model import Code, Theme
from coder.formats import thematic_map
from coder.formats.thematic_map import dot_string, mermaid_label, to_dot, to_mermaid

THEMES = [
    Theme('Divide "us" & #them', codes=["shared", "risk <talk>"], order=1),
    Theme("Sub\\theme", codes=["shared"], parent='Divide "us" & #them', order=2),
    Theme("Empty", order=3),
]
CODES = [
    Code("risk <talk>", colour="#aa3377"),
    Code("shared", colour="teal"),
    Code("unused", colour="nope"),
]


def test_mermaid_structure_and_escaping():
    text = to_mermaid(THEMES, CODES)
    assert text.startswith("flowchart LR\n") and text.endswith("\n")
    assert 't1["Divide #quot;us#quot; &amp; #35;them"]' not in text  # no HTML escaping of "&"
    assert 't1["Divide #quot;us#quot; & #35;them"]' in text
    assert 't2(["Sub\\theme"])' in text and 't3["Empty"]' in text
    # Codes in codebook order, each one node however many themes hold it.
    assert 'c1("risk #lt;talk#gt;")' in text and 'c2("shared")' in text
    assert "unused" not in text
    assert "t1 --> t2" in text
    assert sorted(re.findall(r"(t\d) --- (c\d)", text)) == [
        ("t1", "c1"),
        ("t1", "c2"),
        ("t2", "c2"),
    ]
    assert mermaid_label('a"b#c') == '"a#quot;b#35;c"'


def test_dot_quotes_and_escapes_labels():
    text = to_dot(THEMES, CODES, title='Map "one"')
    assert text.startswith("digraph thematic_map {\n") and text.endswith("}\n")
    assert 'label="Map \\"one\\""' in text
    assert 't1 [label="Divide \\"us\\" & #them"' in text
    assert 't2 [label="Sub\\\\theme"' in text
    assert 'c1 [label="risk <talk>", shape=ellipse, color="#aa3377"]' in text
    assert 'c2 [label="shared", shape=ellipse, color="#008080"]' in text  # named colours work
    unknown = to_dot([Theme("T", codes=["unused"])], CODES)
    assert 'c1 [label="unused", shape=ellipse, color="#777777"]' in unknown  # unknown: neutral
    assert "t1 -> t2 [penwidth=2];" in text and "t2 -> c2 [arrowhead=none];" in text
    assert dot_string("a\nb\r\nc") == '"a\\nb\\nc"'


def test_text_formats_are_deterministic():
    assert to_mermaid(THEMES, CODES) == to_mermaid(list(THEMES), list(CODES))
    assert to_dot(THEMES, CODES) == to_dot(list(THEMES), list(CODES))


def test_svg_without_graphviz_says_how_to_install(monkeypatch):
    monkeypatch.setattr(thematic_map.shutil, "which", lambda name: None)
    with pytest.raises(thematic_map.GraphvizMissing, match="install it"):
        thematic_map.render_svg(to_dot(THEMES, CODES))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_with_graphviz():
    svg = thematic_map.render_svg(to_dot(THEMES, CODES)).decode("utf-8")
    assert "<svg" in svg and "Sub\\theme" in svg
