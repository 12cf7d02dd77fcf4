"""Planning a codebook load: matching by id, old name and name; every kind of change;
themes; conflicts; and the dry-run lines."""

from __future__ import annotations

from coder.core.codebook_sync import (
    FieldChange,
    Rename,
    normalise_name,
    normalise_uid,
    plan_sync,
)
from coder.core.model import Code, Codebook, CodeStatus, Theme

UID = "7d0f1c1e-0000-4000-8000-000000000001"


def book(*codes: Code, themes: list[Theme] | None = None) -> Codebook:
    return Codebook(codes=list(codes), themes=themes or [])


def test_normalised_names_and_uids():
    assert normalise_name("Us and them") == normalise_name("us-and-them") == "usandthem"
    assert normalise_name("Us & them!") == "usthem"
    assert normalise_name("???") != normalise_name("!!!")  # punctuation-only names stay apart
    assert normalise_uid("{7D0F1C1E-0000-4000-8000-000000000001}") == UID
    assert normalise_uid("  ps-01 ") == "ps-01"
    assert normalise_uid("") is None and normalise_uid(None) is None


def test_same_codebook_plans_nothing():
    current = [Code("a", definition="x", keywords=["k"]), Code("b", parent="a")]
    plan = plan_sync(
        current, book(Code("a", definition="x", keywords=["k"]), Code("b", parent="a"))
    )
    assert plan.is_empty and plan.describe() == []


def test_new_codes_are_added_and_missing_active_codes_retired():
    current = [
        Code("kept"),
        Code("dropped"),
        Code("already retired", status=CodeStatus.RETIRED),
        Code("merged away", status=CodeStatus.MERGED, merged_into="kept"),
    ]
    new = Code("fresh", parent="kept")
    plan = plan_sync(current, book(Code("kept"), new))
    assert plan.added == [new]
    assert plan.retired == ["dropped"]
    assert plan.describe() == ["+ add code 'fresh' under 'kept'", "- retire 'dropped'"]


def test_uid_match_wins_over_names_and_records_a_rename():
    current = [Code("Risk", uid=UID.upper()), Code("Other")]
    # Both target codes could claim current "Risk": the id is stronger than the name.
    target = book(Code("Danger talk", uid=UID), Code("Risk"))
    plan = plan_sync(current, target)
    assert plan.renamed == [Rename("Risk", "Danger talk")]
    assert [c.name for c in plan.added] == ["Risk"]
    assert plan.retired == ["Other"] and plan.conflicts == []


def test_renamed_from_matches_an_old_name():
    current = [Code("us and them", definition="d")]
    plan = plan_sync(
        current, book(Code("Us-and-them divide", definition="d", renamed_from=["Us and Them"]))
    )
    assert plan.renamed == [Rename("us and them", "Us-and-them divide")]
    assert plan.describe() == ["~ rename 'us and them' -> 'Us-and-them divide'"]


def test_name_match_ignores_case_spacing_and_punctuation_but_renames_the_spelling():
    plan = plan_sync([Code("tread-carefully")], book(Code("Tread carefully")))
    assert plan.renamed == [Rename("tread-carefully", "Tread carefully")]
    assert plan.added == [] and plan.retired == []


def test_field_updates_are_listed_one_by_one():
    current = [
        Code("p"),
        Code("q"),
        Code(
            "a",
            definition="old",
            include="i",
            examples=["e1"],
            keywords=["k"],
            colour="#111111",
            parent="p",
        ),
    ]
    target = book(
        Code("p"),
        Code("q"),
        Code(
            "a",
            definition="new",
            include="i",
            examples=["e1", "e2"],
            keywords=[],
            colour="#222222",
            parent="q",
        ),
    )
    plan = plan_sync(current, target)
    assert plan.updated == [
        FieldChange("a", "definition", "old", "new"),
        FieldChange("a", "examples", ["e1"], ["e1", "e2"]),
        FieldChange("a", "keywords", ["k"], []),
        FieldChange("a", "colour", "#111111", "#222222"),
        FieldChange("a", "parent", "p", "q"),
    ]
    assert "~ update 'a' definition: 'old' -> 'new'" in plan.describe()
    assert "~ update 'a' keywords: 'k' -> (none)" in plan.describe()


def test_a_parent_renamed_in_the_same_load_is_not_a_parent_change():
    current = [Code("old parent", uid=UID), Code("child", parent="old parent")]
    target = book(Code("new parent", uid=UID), Code("child", parent="new parent"))
    plan = plan_sync(current, target)
    assert plan.renamed == [Rename("old parent", "new parent")]
    assert plan.updated == []


def test_empty_values_are_equal_to_missing_ones():
    plan = plan_sync(
        [Code("a", colour=None, definition="")], book(Code("a", colour="", definition=""))
    )
    assert plan.is_empty


def test_a_file_id_is_given_to_a_code_matched_by_name():
    plan = plan_sync([Code("a")], book(Code("a", uid=UID)))
    assert plan.updated == [FieldChange("a", "uid", None, UID)]


def test_retired_and_merged_codes_in_the_file_are_reactivated():
    current = [
        Code("r", status=CodeStatus.RETIRED),
        Code("m", status=CodeStatus.MERGED, merged_into="x"),
    ]
    plan = plan_sync(current, book(Code("R"), Code("m")))
    assert plan.reactivated == ["R", "m"]
    assert plan.renamed == [Rename("r", "R")]
    assert "+ reactivate 'R'" in plan.describe()


def test_each_current_code_is_matched_once():
    plan = plan_sync([Code("a")], book(Code("a"), Code("b", renamed_from=["a"])))
    # renamed_from runs before plain names, so b takes a; the file's "a" is new
    assert plan.renamed == [Rename("a", "b")]
    assert [c.name for c in plan.added] == ["a"]


def test_a_name_held_by_a_code_left_behind_is_a_conflict():
    current = [Code("a", uid=UID), Code("b", status=CodeStatus.RETIRED)]
    plan = plan_sync(current, book(Code("B", uid=UID)))
    # 'b' is retired, not in the file, so it keeps its name: renaming a -> B collides.
    assert plan.conflicts == ["the name 'B' (renamed from 'a') and 'b' (retired) would clash"]
    assert plan.describe()[-1].startswith("! conflict: the name 'B'")
    assert not plan.is_empty


def test_themes_are_added_renamed_and_updated_by_identity():
    current_codes = [Code("x", uid=UID), Code("y")]
    current_themes = [
        Theme("Divides", "old def", codes=["x", "y"], uid="t-1"),
        Theme("Kept", "same", codes=["y"]),
        Theme("Only in project", codes=["y"]),
    ]
    target = book(
        Code("x renamed", uid=UID),
        Code("y"),
        themes=[
            Theme("Two sides", "new def", codes=["y", "x renamed"], uid="t-1"),
            Theme("kept", "same", codes=["y"], parent="Two sides", order=1),
            Theme("Fresh", codes=["y"], order=2),
        ],
    )
    plan = plan_sync(current_codes, target, current_themes=current_themes)
    # Code membership follows the code's rename, so only the definition changed.
    assert plan.themes_renamed == [Rename("Divides", "Two sides"), Rename("Kept", "kept")]
    assert plan.themes_updated == [
        FieldChange("Two sides", "definition", "old def", "new def"),
        FieldChange("kept", "parent", None, "Two sides"),
    ]
    assert [t.name for t in plan.themes_added] == ["Fresh"]
    lines = plan.describe()
    assert "+ add theme 'Fresh' (1 code)" in lines
    assert "~ rename theme 'Divides' -> 'Two sides'" in lines
    assert "~ update theme 'kept' parent: (none) -> 'Two sides'" in lines


def test_theme_membership_changes_are_sets():
    themes = [Theme("T", codes=["a", "b"])]
    codes = [Code("a"), Code("b"), Code("c")]
    same = plan_sync(
        codes, book(*codes, themes=[Theme("T", codes=["b", "a"])]), current_themes=themes
    )
    assert same.is_empty
    changed = plan_sync(
        codes, book(*codes, themes=[Theme("T", codes=["a", "c"])]), current_themes=themes
    )
    assert changed.themes_updated == [FieldChange("T", "codes", ["a", "b"], ["a", "c"])]


def test_describe_shortens_long_values():
    long = "word " * 30
    plan = plan_sync([Code("a", definition="short")], book(Code("a", definition=long)))
    (line,) = plan.describe()
    assert line.startswith("~ update 'a' definition: 'short' -> 'word word")
    assert line.endswith("…'") and len(line) < 100
