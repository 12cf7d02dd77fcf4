"""YAML codebooks: every kind of problem at its exact line and column, safe loading,
round trips, the project's real codebooks, and the Markdown/CSV exports."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest

from coder.core.model import Code, Codebook, CodeStatus, Theme
from coder.formats.codebook_yaml import (
    CSV_COLUMNS,
    codebook_to_csv,
    codebook_to_markdown,
    colour_to_hex,
    dump_codebook,
    exported_codes,
    load_codebook,
    validate_codebook,
)
from coder.formats.errors import FormatError

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
PEER_SUPPORT = ROOT / "codebooks" / "peer-support.yaml"
TEMPLATE = ROOT / "codebooks" / "template.yaml"


def problems(text: str) -> list[tuple[int | None, int | None, str]]:
    """(line, column, message) of each problem, asserting no codebook comes back."""
    book, errors = validate_codebook(text, "cb.yaml")
    assert book is None and errors, "expected problems"
    assert all(e.file == "cb.yaml" for e in errors)
    return [(e.line, e.column, e.message) for e in errors]


def only(text: str) -> tuple[int | None, int | None, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def valid(text: str) -> Codebook:
    book, errors = validate_codebook(text, "cb.yaml")
    assert errors == [], [str(e) for e in errors]
    assert book is not None
    return book


# ---- each kind of problem, at its position ------------------------------------------


def test_yaml_syntax_error_points_at_the_problem():
    text = "codebook: T\ncodes:\n  - name: a\n    definition: x: y\n"
    line, column, message = only(text)
    assert (line, column) == (4, 18)  # the second ": " on line 4
    assert message.startswith("YAML syntax error: mapping values are not allowed")


def test_unclosed_quote_is_a_syntax_error_with_a_line():
    line, column, message = only('codebook: T\ncodes:\n  - name: "open\n')
    assert line == 4 and column == 1  # the scanner gives up at the end of the file
    assert "YAML syntax error" in message and "quoted scalar" in message


def test_unknown_key_suggests_the_right_one():
    text = "codebook: T\ncodes:\n  - name: a\n    defintion: text\n"
    assert only(text) == (4, 5, "unknown key 'defintion' — did you mean 'definition'?")


def test_unknown_top_level_key_without_a_close_match():
    assert only("codebook: T\nzzz: 1\n") == (2, 1, "unknown key 'zzz'")


def test_duplicate_key_names_the_first():
    text = "codebook: T\ncodes:\n  - name: a\n    definition: one\n    definition: two\n"
    assert only(text) == (5, 5, "duplicate key 'definition' (first at line 4)")


def test_keywords_must_be_a_list_of_strings():
    text = "codebook: T\ncodes:\n  - name: a\n    keywords: {peer: 1}\n"
    assert only(text) == (4, 15, "'keywords': expected a list of strings, got a mapping")
    text = "codebook: T\ncodes:\n  - name: a\n    keywords: peer, support\n"
    assert only(text) == (4, 15, "'keywords': expected a list of strings, got a string")
    text = "codebook: T\ncodes:\n  - name: a\n    examples:\n      - ok\n      - [nested]\n"
    assert only(text) == (6, 9, "'examples': expected a string in the list, got a list")


def test_a_definition_must_be_text():
    text = "codebook: T\ncodes:\n  - name: a\n    definition:\n      - one\n"
    assert only(text) == (5, 7, "'definition': expected a string, got a list")


def test_code_must_be_a_mapping():
    text = "codebook: T\ncodes:\n  - just a name\n"
    assert only(text) == (3, 5, "a code: expected a mapping, got a string")


def test_code_without_a_name_points_at_the_code():
    text = "codebook: T\ncodes:\n  - name: a\n  - definition: orphan\n    keywords: [x]\n"
    assert only(text) == (4, 5, "code without a name")
    assert only("codebook: T\ncodes:\n  - name: ''\n") == (3, 11, "code name is empty")


def test_names_differing_only_in_case_spacing_or_punctuation_clash():
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - name: us-and-them\n"
        "  - name: other\n"
        "    children:\n"
        "      - name: Us and them\n"
    )
    assert only(text) == (6, 15, "code 'Us and them' clashes with 'us-and-them' at line 3")
    text = "codebook: T\ncodes:\n  - name: a\n  - name: a\n"
    assert only(text) == (4, 11, "duplicate code 'a' (first at line 3)")


def test_theme_naming_an_unknown_code_gets_the_closest_name():
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - name: tread carefully\n"
        "themes:\n"
        "  - name: Caution\n"
        "    codes: [tread carefully, tread carefuly]\n"
    )
    assert only(text) == (
        6,
        30,
        "theme 'Caution' names unknown code 'tread carefuly' — did you mean 'tread carefully'?",
    )


def test_theme_naming_an_old_name_says_what_it_became():
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - name: new\n"
        "    renamed_from: old\n"
        "themes:\n"
        "  - name: X\n"
        "    codes:\n"
        "      - old\n"
    )
    assert only(text) == (8, 9, "theme 'X' names unknown code 'old': it was renamed to 'new'")


def test_theme_codes_match_like_code_names_and_keep_the_codes_spelling():
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - name: Us and them\n"
        "themes:\n"
        "  - name: X\n"
        "    codes: [us-and-them]\n"
    )
    assert valid(text).themes[0].codes == ["Us and them"]
    twice = text.replace("[us-and-them]", "[us-and-them, Us and them]")
    assert only(twice) == (6, 26, "code 'Us and them' is listed twice in theme 'X'")


def test_renamed_from_naming_an_existing_code():
    text = "codebook: T\ncodes:\n  - name: a\n  - name: b\n    renamed_from: [x, a]\n"
    assert only(text) == (
        5,
        23,
        "renamed_from 'a' of code 'b' names an existing code ('a' at line 3)",
    )


def test_renamed_from_claimed_by_two_codes():
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - name: a\n"
        "    renamed_from: old\n"
        "  - name: b\n"
        "    renamed_from: Old\n"
    )
    assert only(text) == (6, 19, "renamed_from 'Old' is already claimed by code 'a' at line 4")


def test_renaming_only_the_case_of_a_code_is_allowed():
    book = valid("codebook: T\ncodes:\n  - name: Us and them\n    renamed_from: us and them\n")
    assert book.codes[0].renamed_from == ["us and them"]


def test_duplicate_ids_across_codes_and_themes():
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - name: a\n"
        "    id: 7D0F1C1E-0000-4000-8000-000000000001\n"
        "  - name: b\n"
        "    id: '{7d0f1c1e-0000-4000-8000-000000000001}'\n"
        "themes:\n"
        "  - name: t\n"
        "    id: ps-1\n"
        "  - name: u\n"
        "    id: ps-1\n"
    )
    assert problems(text) == [
        (
            6,
            9,
            "duplicate id '7d0f1c1e-0000-4000-8000-000000000001' (also on code 'a' at line 4)",
        ),
        (11, 9, "duplicate id 'ps-1' (also on theme 't' at line 9)"),
    ]


def test_colours_are_hex_or_css_names():
    text = "codebook: T\ncodes:\n  - name: a\n    colour: blu\n"
    assert only(text) == (4, 13, "unknown colour 'blu' — did you mean 'blue'?")
    text = "codebook: T\ncodes:\n  - name: a\n    colour: '#12345'\n"
    assert only(text) == (4, 13, "colour '#12345' is not '#rgb', '#rrggbb' or a colour name")
    book = valid(
        "codebook: T\ncodes:\n  - name: a\n    colour: Teal\n  - {name: b, colour: '#AbC'}\n"
    )
    assert [c.colour for c in book.codes] == ["Teal", "#AbC"]
    assert colour_to_hex("Teal") == "#008080" and colour_to_hex("#AbC") == "#aabbcc"


def test_python_tags_are_reported_and_never_executed(tmp_path: Path):
    marker = tmp_path / "pwned"
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - name: a\n"
        f"    definition: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    assert only(text) == (
        4,
        17,
        "tag '!!python/object/apply:os.system' is not allowed: a codebook holds plain YAML only",
    )
    assert not marker.exists()
    line, column, message = only("!!python/object:collections.OrderedDict {codebook: T}\n")
    assert (line, column) == (1, 1) and "is not allowed" in message
    assert only("codebook: !custom T\n")[:2] == (1, 11)


def test_billion_laughs_stops_at_the_alias_that_overflows():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    line, column, message = only("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    # a..e expand to ~75,000 nodes; the first *e on line 6 adds 66,430 more
    assert line == 6 and column == 8
    assert message.startswith("the file expands to more than 100,000 nodes")


def test_recursive_alias_and_deep_nesting_are_refused():
    assert only("codebook: T\ncodes: &c [*c]\n") == (2, 12, "alias *c refers to itself")
    line, column, message = only("codebook: " + "[" * 60 + "]" * 60 + "\n")
    assert (line, column, message) == (1, 60, "nesting deeper than 50 levels")


def test_aliases_and_merge_keys_within_limits_are_fine():
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - &base\n"
        "    name: a\n"
        "    keywords: &kw [peer, support]\n"
        "  - <<: *base\n"
        "    name: b\n"
        "    keywords: *kw\n"
    )
    book = valid(text)
    assert [(c.name, c.keywords) for c in book.codes] == [
        ("a", ["peer", "support"]),
        ("b", ["peer", "support"]),
    ]


def test_top_level_shape_problems():
    assert only("") == (1, 1, "the file is empty: expected 'codebook' and 'codes'")
    assert only("- a\n") == (
        1,
        1,
        "a codebook file (with 'codebook' and 'codes'): expected a mapping, got a list",
    )
    assert only("version: '1'\ncodes: []\n") == (1, 1, "missing 'codebook' (the codebook's title)")
    assert only("codebook: T\ncodes: a\n") == (2, 8, "'codes': expected a list, got a string")


def test_control_characters_are_reported_with_a_position():
    assert only("codebook: T\ncodes:\n  - name: a\x07b\n") == (
        3,
        12,
        "character U+0007 is not allowed in YAML",
    )


def test_all_problems_come_back_at_once_in_file_order():
    text = (
        "codebook: T\n"
        "codes:\n"
        "  - name: a\n"
        "    colour: nope\n"
        "  - defintion: x\n"
        "themes:\n"
        "  - name: t\n"
        "    codes: [zzz]\n"
    )
    found = problems(text)
    assert [(line, column) for line, column, _ in found] == [(4, 13), (5, 5), (5, 5), (8, 13)]
    assert {m for _, _, m in found} >= {
        "code without a name",
        "unknown key 'defintion' — did you mean 'definition'?",
    }


# ---- reading what is valid --------------------------------------------------------------


def test_a_valid_codebook_reads_into_domain_objects():
    text = (
        "\ufeffcodebook: Ward study\n"
        "version: 2\n"
        "description: |\n"
        "  Two lines\n"
        "  of text.\n"
        "codes:\n"
        "  - name: Risk\n"
        "    id: '{7D0F1C1E-0000-4000-8000-000000000001}'\n"
        "    definition: >-\n"
        "      Support framed\n"
        "      as danger.\n"
        "    include: staff talk\n"
        "    exclude: patient talk\n"
        "    examples: ['emphasised its risks']\n"
        "    keywords: [risk, 2020, yes]\n"
        "    colour: '#aa3377'\n"
        "    children:\n"
        "      - name: Staff caution\n"
        "        renamed_from: caution\n"
        "  - name: 'yes'\n"
        "themes:\n"
        "  - name: Divides\n"
        "    definition: Two sides.\n"
        "    scope: Wards only.\n"
        "    codes: [Risk, 'yes']\n"
        "    subthemes:\n"
        "      - name: Caution\n"
        "        codes: [Staff caution, Risk]\n"
    )
    book = valid(text)
    assert (book.title, book.version, book.description) == (
        "Ward study",
        "2",
        "Two lines\nof text.",
    )
    risk, caution, yes = book.codes
    assert risk == Code(
        name="Risk",
        definition="Support framed as danger.",
        include="staff talk",
        exclude="patient talk",
        examples=["emphasised its risks"],
        keywords=["risk", "2020", "yes"],
        colour="#aa3377",
        uid="7d0f1c1e-0000-4000-8000-000000000001",
    )
    assert (caution.parent, caution.renamed_from) == ("Risk", ["caution"])
    assert yes.name == "yes"
    assert book.themes == [
        Theme("Divides", "Two sides.", "Wards only.", ["Risk", "yes"], None, 0),
        Theme("Caution", codes=["Staff caution", "Risk"], parent="Divides", order=1),
    ]


def test_load_codebook_raises_the_first_problem(tmp_path: Path):
    path = tmp_path / "cb.yaml"
    path.write_text("codebook: T\ncodes:\n  - name: a\n    colour: nope\n  - defintion: x\n")
    with pytest.raises(FormatError) as info:
        load_codebook(path)
    assert str(info.value) == f"{path}:4:13: unknown colour 'nope'"


def test_load_codebook_reads_utf8_with_bom_and_refuses_other_encodings(tmp_path: Path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffcodebook: Café\ncodes:\n  - name: naïve\n".encode())
    book = load_codebook(path)
    assert (book.title, book.codes[0].name) == ("Café", "naïve")
    path.write_bytes("codebook: T\ncodes:\n  - name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(FormatError, match=r"bom\.yaml:3: not UTF-8 text"):
        load_codebook(path)
    with pytest.raises(FormatError, match=r"missing\.yaml: cannot read the file"):
        load_codebook(tmp_path / "missing.yaml")


# ---- writing -------------------------------------------------------------------------


def sample() -> Codebook:
    return Codebook(
        title="Sample",
        version="3",
        description="First line.\nSecond line.",
        codes=[
            Code(
                "Risk",
                definition="Support framed\nas danger.",
                examples=["yes", "a: colon"],
                keywords=["risk"],
                colour="#aa3377",
                uid="7d0f1c1e-0000-4000-8000-000000000001",
            ),
            Code("Staff caution", include="staff", parent="Risk", renamed_from=["caution"]),
            Code("Gone", parent="Risk", status=CodeStatus.RETIRED),
            Code("Under gone", parent="Gone", renamed_from=["a", "b"]),
            Code("2020"),
        ],
        themes=[
            Theme("Divides", "Two sides.", codes=["Risk", "Gone", "2020"], uid="th-1"),
            Theme("Caution", scope="Wards.", codes=["Staff caution"], parent="Divides", order=1),
        ],
    )


def test_dump_nests_children_in_schema_order_and_omits_empty_fields():
    text = dump_codebook(sample())
    assert text.startswith("codebook: Sample\nversion: '3'\ndescription: |-\n  First line.\n")
    risk = text[text.index("  - name: Risk") : text.index("    children:")]
    keys = re.findall(r"^    (\w+):", risk, flags=re.M)
    assert keys == ["id", "definition", "examples", "keywords", "colour"]
    assert "definition: |-\n      Support framed\n      as danger.\n" in text
    assert "Gone" not in text.replace("Under gone", "")  # retired codes are not written
    assert "include: ''" not in text and "exclude" not in text


def test_dump_then_validate_gives_the_same_codebook():
    original = sample()
    book = valid(dump_codebook(original))
    active = [c for c in original.codes if c.status == CodeStatus.ACTIVE]
    # The retired parent's child moves up to the nearest active ancestor.
    active[2].parent = "Risk"
    assert book.codes == active
    assert book.themes[0].codes == ["Risk", "2020"]
    assert book.themes[1] == original.themes[1]
    assert (book.title, book.version, book.description) == ("Sample", "3", original.description)


def test_exported_codes_survive_a_parent_cycle():
    cycle = Codebook(codes=[Code("a", parent="b"), Code("b", parent="a"), Code("c")])
    names = [(c.name, parent, depth) for c, parent, depth in exported_codes(cycle)]
    assert sorted(n for n, _, _ in names) == ["a", "b", "c"]
    assert valid(dump_codebook(cycle)).codes[0].name in {"a", "b", "c"}


def test_peer_support_codebook_round_trips_exactly():
    book = load_codebook(PEER_SUPPORT)
    assert valid(dump_codebook(book)) == book


def test_markdown_export_lists_codes_by_depth_then_themes():
    text = codebook_to_markdown(sample())
    assert text.startswith("# Sample\n\nVersion 3\n")
    assert "\n### Risk\n\nSupport framed\nas danger.\n" in text
    assert "\n#### Staff caution\n\n**Include:** staff\n" in text
    assert "> a: colon" in text and "**Keywords:** risk" in text
    assert "\n## Themes\n" in text and "**Codes:** Risk, 2020" in text
    assert "\n#### Caution\n\n**Scope:** Wards.\n" in text
    assert "### Gone" not in text


def test_csv_export_has_one_row_per_active_code():
    buffer = io.StringIO(newline="")
    codebook_to_csv(sample(), buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["name"] for r in rows] == ["Risk", "Staff caution", "Under gone", "2020"]
    risk = rows[0]
    assert risk["examples"] == "yes\na: colon" and risk["themes"] == "Divides"
    assert (rows[1]["parent"], rows[1]["level"], rows[1]["themes"]) == ("Risk", "2", "Caution")


# ---- the project's codebooks -----------------------------------------------------------


def seeds_text() -> str:
    return " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in SEEDS.glob("*.txt"))


def test_peer_support_codebook_is_valid_and_grounded_in_the_seeds():
    book = load_codebook(PEER_SUPPORT)
    assert len(book.codes) >= 20
    names = {c.name for c in book.codes}
    assert {"tread carefully", "us and them", "professionalisation"} <= names
    corpus = seeds_text()
    for code in book.codes:
        assert code.definition and code.include and code.exclude and code.keywords, code.name
        assert code.examples, code.name
        for example in code.examples:
            assert " ".join(example.split()) in corpus, (code.name, example)
    assert any(c.parent for c in book.codes) and any(not c.parent for c in book.codes)
    assert len({c.uid for c in book.codes}) == len(book.codes)
    assert len({colour_to_hex(c.colour) for c in book.codes}) == len(book.codes)


def test_peer_support_themes_reference_real_codes():
    book = load_codebook(PEER_SUPPORT)
    top = [t for t in book.themes if t.parent is None]
    assert 4 <= len(top) <= 6
    names = {c.name for c in book.codes}
    for theme in book.themes:
        assert theme.definition and theme.codes, theme.name
        assert set(theme.codes) <= names, theme.name


def test_template_validates_and_shows_every_field():
    book = load_codebook(TEMPLATE)
    text = TEMPLATE.read_text(encoding="utf-8")
    for key in ("codebook:", "version:", "description:", "id:", "renamed_from:", "include:"):
        assert key in text
    for key in ("exclude:", "examples:", "keywords:", "colour:", "children:", "subthemes:"):
        assert key in text
    assert any(c.parent for c in book.codes) and any(t.parent for t in book.themes)
