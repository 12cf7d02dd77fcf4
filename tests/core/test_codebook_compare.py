"""Codebook comparison and merge: hand-made cases, generated codebooks with known edits,
and the REFI-QDA specification's example codebook (ATLAS.ti 8.4)."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from defusedxml import ElementTree

from coder.core.codebook_compare import (
    compare_codebooks,
    describe,
    merge_codebooks,
    similarity,
    to_json,
    word_diff,
)
from coder.core.model import Code, Codebook, CodeStatus, Theme

TESTDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata"


def book(*codes: Code, themes: list[Theme] | None = None) -> Codebook:
    return Codebook(title="t", codes=list(codes), themes=themes or [])


# ------------------------------------------------------------------------ compare


def test_categories_on_a_small_codebook() -> None:
    a = book(
        Code("Access", "Getting care when needed"),
        Code("Cost", "Money spent on care", parent="Access"),
        Code("Trust in doctors", "Patients trust their doctors", keywords=["trust"]),
        Code("Waiting", "Time spent on waiting lists", uid="{5A1B-77}"),
        Code("Stigma", "Shame attached to illness"),
    )
    b = book(
        Code("Access", "Getting care when needed"),
        Code("Cost", "Money  spent on\n health care"),
        Code("Trust in doctor", "Patients trust their doctors", keywords=["trust"]),
        Code("Delays", "Time spent on waiting lists", uid="5a1b-77"),
        Code("Digital exclusion", "No internet access at home"),
    )
    result = compare_codebooks(a, b)
    assert [p.a.name for p in result.matched] == ["Access"]
    assert [(p.a.name, p.b.name, p.method) for p in result.renamed] == [
        ("Trust in doctors", "Trust in doctor", "fuzzy"),
        ("Waiting", "Delays", "uid"),
    ]
    assert result.renamed[0].score >= 95
    assert [(m.pair.a.name, m.parent_a, m.parent_b) for m in result.moved] == [
        ("Cost", "Access", None)
    ]
    [change] = result.definition_changed
    assert change.pair.a.name == "Cost"
    assert change.rendered == "Money spent on {+health+} care"
    assert [c.name for c in result.only_a] == ["Stigma"]
    assert [c.name for c in result.only_b] == ["Digital exclusion"]
    assert [p.a.name for p in result.pairs] == ["Access", "Cost", "Trust in doctors", "Waiting"]


def test_word_diff_chunks_and_whitespace() -> None:
    chunks, rendered = word_diff(
        "the cost of care for patients", "the price of care for all patients"
    )
    assert chunks == (
        ("=", ("the",)),
        ("-", ("cost",)),
        ("+", ("price",)),
        ("=", ("of", "care", "for")),
        ("+", ("all",)),
        ("=", ("patients",)),
    )
    assert rendered == "the [-cost-] {+price+} of care for {+all+} patients"
    assert word_diff("a  b\nc", "a b c")[0] == (("=", ("a", "b", "c")),)
    result = compare_codebooks([Code("X", "one two\n  three")], [Code("X", "one two three")])
    assert result.definition_changed == [] and len(result.matched) == 1


def test_renamed_parent_is_not_a_move() -> None:
    a = [Code("Access"), Code("Cost", parent="Access")]
    b = [Code("Acess"), Code("Cost", parent="Acess")]
    result = compare_codebooks(a, b)
    assert [(p.a.name, p.b.name) for p in result.renamed] == [("Access", "Acess")]
    assert result.moved == []


def test_threshold_and_one_to_one_assignment() -> None:
    a = [Code("telehealth use"), Code("telehealth uses"), Code("rural")]
    b = [Code("telehealth usage"), Code("urban")]
    result = compare_codebooks(a, b)
    # both A codes resemble the one B code (name ratio 93.3 and 90.3); the better score
    # takes it, the other stays alone
    assert [(p.a.name, p.b.name) for p in result.renamed] == [
        ("telehealth use", "telehealth usage")
    ]
    assert {c.name for c in result.only_a} == {"telehealth uses", "rural"}
    strict = compare_codebooks(a, b, threshold=99)
    assert strict.pairs == [] and len(strict.only_b) == 2
    assert similarity(a[0], b[0]) == pytest.approx(result.renamed[0].score, abs=0.05)


def test_definition_and_keywords_weigh_in() -> None:
    a = [
        Code(
            "Trust", "Confidence that clinicians act in the patient's interest", keywords=["trust"]
        )
    ]
    same_meaning = [Code("Trsut", "Confidence that clinicians act in the patient's interest")]
    other_meaning = [Code("Trsut", "Money paid out of pocket for prescriptions")]
    assert compare_codebooks(a, same_meaning).renamed
    assert not compare_codebooks(a, other_meaning).renamed


def test_invalid_codebooks() -> None:
    with pytest.raises(ValueError, match="codebook B: code name 'X' appears twice"):
        compare_codebooks([Code("X")], [Code("X"), Code("X")])
    with pytest.raises(ValueError, match="uid"):
        compare_codebooks([Code("X", uid="{AB}"), Code("Y", uid="ab")], [])
    with pytest.raises(ValueError, match="codebook A, code 1: empty name"):
        compare_codebooks([Code(" ")], [])


# ------------------------------------------------------------- generated codebooks

WORDS = [
    "access",
    "barrier",
    "care",
    "clinic",
    "cost",
    "delay",
    "digital",
    "equity",
    "family",
    "funding",
    "health",
    "home",
    "hospital",
    "income",
    "insurance",
    "language",
    "literacy",
    "mental",
    "nurse",
    "outcome",
    "patient",
    "policy",
    "primary",
    "quality",
    "rural",
    "safety",
    "service",
    "skill",
    "social",
    "staff",
    "stigma",
    "support",
    "telehealth",
    "training",
    "transport",
    "trust",
    "urban",
    "waiting",
    "wellbeing",
    "workforce",
    "youth",
    "elderly",
    "migrant",
]


def typo(rng: random.Random, name: str) -> str:
    """One letter swapped with the next, dropped or doubled: the kind of rename a second
    coder makes. Retried until the letters really change (swapping "rr" changes nothing)."""
    while True:
        i = rng.choice([k for k in range(1, len(name) - 1) if name[k].isalpha()])
        kind = rng.choice(["swap", "drop", "double"])
        if kind == "swap":
            new = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        elif kind == "drop":
            new = name[:i] + name[i + 1 :]
        else:
            new = name[:i] + name[i] + name[i:]
        if new.replace(" ", "") != name.replace(" ", ""):
            return new


def generated_pair(n: int, seed: int) -> tuple[list[Code], list[Code], dict[str, set[str]]]:
    """Codebook A of ``n`` codes and B = A with 10% renamed by a typo, 5% definitions changed,
    5% dropped and as many new codes added; returns the truth for each kind of edit."""
    rng = random.Random(seed)
    a: list[Code] = []
    names: set[str] = set()
    while len(a) < n:
        name = " ".join(rng.sample(WORDS, 3))
        if name not in names:
            names.add(name)
            definition = " ".join(rng.choices(WORDS, k=14))
            a.append(Code(name, definition, keywords=rng.sample(WORDS, 2)))
    order = list(range(n))
    rng.shuffle(order)
    renamed = set(order[: n // 10])
    changed = set(order[n // 10 : n // 10 + n // 20])
    dropped = set(order[n // 10 + n // 20 : n // 10 + n // 10])
    b: list[Code] = []
    truth: dict[str, set[str]] = {"renamed": set(), "changed": set(), "dropped": set()}
    for i, code in enumerate(a):
        new = copy.deepcopy(code)
        if i in dropped:
            truth["dropped"].add(code.name)
            continue
        if i in renamed:
            new.name = typo(rng, code.name)
            truth["renamed"].add(code.name)
        if i in changed:
            words = new.definition.split()
            words[rng.randrange(len(words))] = "notably"
            new.definition = " ".join(words)
            truth["changed"].add(code.name)
        b.append(new)
    for k in range(len(dropped)):
        b.append(Code(f"added code {k} {rng.choice(WORDS)}", " ".join(rng.choices(WORDS, k=14))))
    rng.shuffle(b)
    return a, b, truth


def test_generated_codebooks_recover_every_edit() -> None:
    a, b, truth = generated_pair(400, seed=5)
    result = compare_codebooks(a, b)
    assert {p.a.name for p in result.renamed} == truth["renamed"]
    assert all(p.method == "fuzzy" and p.score >= 80 for p in result.renamed)
    assert {d.pair.a.name for d in result.definition_changed} == truth["changed"]
    assert {c.name for c in result.only_a} == truth["dropped"]
    assert len(result.only_b) == len(truth["dropped"])
    assert all(c.name.startswith("added code") for c in result.only_b)
    assert len(result.matched) == 400 - 40 - 20 - 20


# ------------------------------------------------------------------------ real file


def spec_example_codes() -> list[Code]:
    """Codes of the REFI-QDA specification's Annex example (ATLAS.ti 8.4 export)."""
    path = TESTDATA / "refi" / "spec-example-atlasti-8.4.qde"
    if not path.exists():
        pytest.skip(f"{path} not available")
    root = ElementTree.parse(path).getroot()
    ns = root.tag.partition("}")[0] + "}" if root.tag.startswith("{") else ""
    codes = []
    for element in root.iter(f"{ns}Code"):
        description = element.find(f"{ns}Description")
        name = element.get("name")
        parent = name.rsplit("::", 1)[0] if "::" in name else None  # ATLAS.ti flattens
        codes.append(
            Code(
                name=name,
                definition=description.text if description is not None else "",
                colour=element.get("color"),
                uid=element.get("guid"),
                parent=parent,
            )
        )
    return codes


def test_spec_example_codebook_against_an_edited_copy() -> None:
    a = spec_example_codes()
    assert len(a) == 14 and {"Coke", "Coke::diet Coke", "cornflakes"} <= {c.name for c in a}
    b = copy.deepcopy(a)
    by_name = {c.name: c for c in b}
    # a second tool wrote the GUIDs in braces and lower case, and the coder renamed one code
    by_name["Feelings"].uid = "{" + by_name["Feelings"].uid.lower() + "}"
    by_name["Feelings"].name = "Emotions"
    by_name["cornflakes"].definition = "breakfast cereal made by Kellogg’s and others"
    by_name["milk"].uid = None
    by_name["milk"].name = "milks"
    by_name["sleepy"].parent = "Feelings"
    b.remove(by_name["serene"])
    b.append(Code("toast", "bread browned by heat"))
    result = compare_codebooks(a, b)
    assert [(p.a.name, p.b.name, p.method) for p in result.renamed] == [
        ("Feelings", "Emotions", "uid"),
        ("milk", "milks", "fuzzy"),
    ]
    [change] = result.definition_changed
    assert change.rendered == "breakfast cereal made by Kellogg’s {+and others+}"
    # "sleepy" moved under Feelings, which B calls Emotions but spelled "Feelings": a move
    assert [(m.pair.a.name, m.parent_a, m.parent_b) for m in result.moved] == [
        ("sleepy", None, "Feelings")
    ]
    assert [c.name for c in result.only_a] == ["serene"]
    assert [c.name for c in result.only_b] == ["toast"]
    assert len(result.matched) == 14 - 1 - 2 - 1  # less serene, the renames, cornflakes


# -------------------------------------------------------------------------- merge


def test_merge_keeps_a_and_lists_conflicts() -> None:
    a = book(
        Code("Access", "Getting care", keywords=["access"], examples=["no GP nearby"]),
        Code("Cost", "Money spent on care", parent="Access", include="fees"),
        Code("Waiting", "", uid="u1", status=CodeStatus.ACTIVE),
        themes=[Theme("Barriers", codes=["Access", "Cost"])],
    )
    b = book(
        Code("Acess", "Getting care", keywords=["reach", "access"], examples=["bus"]),
        Code("Cost", "Money spent on health care", include="charges", exclude="insurance"),
        Code("Delays", "Time on waiting lists", uid="U1", status=CodeStatus.RETIRED),
        Code("Travel", "Distance to services", parent="Acess"),
        themes=[
            Theme("Barriers", codes=["Acess"]),
            Theme("Journeys", codes=["Travel", "Acess"]),
        ],
    )
    before_a, before_b = copy.deepcopy(a), copy.deepcopy(b)
    merged, conflicts = merge_codebooks(a, b)
    assert (a, b) == (before_a, before_b)
    assert [c.name for c in merged.codes] == ["Access", "Cost", "Waiting", "Travel"]
    access, cost, waiting, travel = merged.codes
    assert access.keywords == ["access", "reach"] and access.examples == ["no GP nearby", "bus"]
    assert cost.definition == "Money spent on care" and cost.parent == "Access"
    assert (cost.include, cost.exclude) == ("fees", "insurance")
    assert waiting.definition == "Time on waiting lists"  # A had none: taken from B
    assert waiting.status is CodeStatus.ACTIVE
    assert travel.parent == "Access"  # B's parent renamed to A's name
    assert [t.name for t in merged.themes] == ["Barriers", "Journeys"]
    assert merged.themes[1].codes == ["Travel", "Access"]
    # Access/Acess: name ratio 2*5/11 = 90.9, same definition 100, keywords token-set 100:
    # (0.5*90.9 + 0.35*100 + 0.15*100) / 1.0 = 95.5. Waiting/Delays: A has no definition,
    # so the name alone scores: ratio("waiting", "delays") = 2*2/13 = 15.4.
    assert conflicts == [
        "'Access' in A is 'Acess' in B (renamed, fuzzy match, score 96): kept 'Access'",
        "definition of 'Cost' differs: kept A's",
        "include criteria of 'Cost' differ: kept A's",
        "'Waiting' in A is 'Delays' in B (renamed, uid match, score 15): kept 'Waiting'",
        "status of 'Waiting' is active in A and retired in B: kept A's",
        "'Cost' has parent 'Access' in A and None in B: kept A's",
        "theme 'Barriers' groups different codes in B: kept A's",
    ]


def test_merge_name_clash() -> None:
    a = book(Code("X", "first", uid="1"))
    b = book(Code("Y", "first", uid="1"), Code("X", "something else entirely", uid="2"))
    merged, conflicts = merge_codebooks(a, b)
    assert [c.name for c in merged.codes] == ["X", "X (B)"]
    assert "'X' from B clashes with a different code of A: added as 'X (B)'" in conflicts


# ------------------------------------------------------------------------ output


def test_to_json_and_describe() -> None:
    a = [Code("Access", "Getting care"), Code("Cost", "Money", parent="Access"), Code("Old")]
    b = [Code("Acess", "Getting care"), Code("Cost", "Money spent"), Code("New thing")]
    result = compare_codebooks(a, b)
    data = json.loads(json.dumps(to_json(result)))
    assert data["summary"] == {
        "pairs": 2,
        "matched": 0,
        "renamed": 1,
        "moved": 1,
        "definition_changed": 1,
        "only_a": 1,
        "only_b": 1,
    }
    # name ratio 90.9, definition 100, no keywords: (0.5*90.9 + 0.35*100) / 0.85 = 94.7
    assert data["renamed"][0] == {"a": "Access", "b": "Acess", "method": "fuzzy", "score": 94.7}
    assert data["definition_changed"][0]["diff"] == [["=", ["Money"]], ["+", ["spent"]]]
    assert data["moved"] == [{"a": "Cost", "b": "Cost", "parent_a": "Access", "parent_b": None}]
    assert describe(result) == [
        "2 codes paired: 0 unchanged, 1 renamed, 1 moved, 1 with a changed definition; "
        "1 only in A, 1 only in B",
        "renamed: 'Access' -> 'Acess' (fuzzy, score 95)",
        "moved: 'Cost' from 'Access' to None",
        "definition changed: 'Cost': Money {+spent+}",
        "only in A: 'Old'",
        "only in B: 'New thing'",
    ]


def test_renamed_from_and_loose_names_pair_before_fuzzy() -> None:
    a = [Code("Us and them", "Group boundaries"), Code("Cost"), Code("Fear of cost")]
    b = [
        Code("us-and-them", "Group boundaries"),
        Code("Financial burden", renamed_from=["Fear of cost"]),
        Code("Costs"),
    ]
    result = compare_codebooks(a, b)
    assert [(p.a.name, p.b.name, p.method) for p in result.pairs] == [
        ("Us and them", "us-and-them", "name"),
        ("Cost", "Costs", "fuzzy"),
        ("Fear of cost", "Financial burden", "renamed_from"),
    ]
    # the history can be on A's side too
    backwards = compare_codebooks([Code("New", renamed_from=["Old"])], [Code("Old")])
    assert [(p.a.name, p.b.name, p.method) for p in backwards.renamed] == [
        ("New", "Old", "renamed_from")
    ]
    merged, _ = merge_codebooks(book(*a), book(*b))
    assert merged.codes[2].renamed_from == []  # A's own name is never its earlier name


def test_name_prefilter_loses_no_pair() -> None:
    """The fuzzy pass scores definitions only for pairs whose names could still reach the
    threshold; a brute-force greedy assignment over every pair must give the same pairs."""
    rng = random.Random(12)
    for threshold in (60.0, 80.0, 90.0):
        a, b = [], []
        for k in range(20):
            name = " ".join(rng.sample(WORDS[:12], 2)) + f" {k}"
            definition = " ".join(rng.choices(WORDS[:12], k=8)) if rng.random() < 0.7 else ""
            keywords = rng.sample(WORDS[:12], 2) if rng.random() < 0.5 else []
            a.append(Code(name, definition, keywords=keywords))
            other = typo(rng, name) if rng.random() < 0.5 else " ".join(rng.sample(WORDS, 2))
            b.append(Code(other + "!", definition if rng.random() < 0.5 else "", keywords=keywords))
        scored = sorted(
            ((-round(similarity(x, y), 9), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        )
        expected, used_a, used_b = set(), set(), set()
        for negative, i, j in scored:
            if -negative >= threshold and i not in used_a and j not in used_b:
                used_a.add(i)
                used_b.add(j)
                expected.add((a[i].name, b[j].name))
        result = compare_codebooks(a, b, threshold=threshold)
        assert {(p.a.name, p.b.name) for p in result.pairs} == expected
        assert expected, "the case should exercise some fuzzy pairs"
