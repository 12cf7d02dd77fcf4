"""Plan what loading a codebook file would change in a project, without changing anything.

`coder codebook load` shows this plan on --dry-run and the services apply it. Planning is
pure so that the matching rules (id, then renamed_from, then name) can be tested without a
database, and so that the CLI and the TUI describe a load in the same words.

Identity of a code across a load, strongest first:
1. its ``uid`` (the codebook's ``id``, the REFI-QDA guid): survives any rename;
2. one of its ``renamed_from`` names: the file says "this code used to be called X";
3. its name, compared by `normalise_name` so "Us and them" finds "us-and-them".
A current code is matched at most once; each pass runs over all target codes before the
next begins, so a weak name match cannot steal a code that another target claims by id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from coder.core.model import Code, Codebook, CodeStatus, Theme

CODE_FIELDS = ("definition", "include", "exclude", "examples", "keywords", "colour", "parent")
THEME_FIELDS = ("definition", "scope", "codes", "parent")

_T = TypeVar("_T", Code, Theme)

_GUID = re.compile(r"^\{?([0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})\}?$")


def normalise_name(name: str) -> str:
    """The form two names are compared in: case, spacing and punctuation do not count.

    Codes whose names differ only in these ways would be confused by a coder reading a
    list, so the codebook treats them as the same name (a clash in a file, a match on load).
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    key = "".join(ch for ch in folded if ch.isalnum())
    return key or folded.strip()


def normalise_uid(uid: str | None) -> str | None:
    """A stable id in canonical form: GUIDs lower case without braces, others trimmed.

    REFI-QDA tools write GUIDs upper case (ATLAS.ti) or in braces (the spec's example);
    one canonical form lets an id from a .qdc match the same id from a YAML file.
    """
    if uid is None:
        return None
    uid = str(uid).strip()
    if not uid:
        return None
    match = _GUID.match(uid)
    return match.group(1).lower() if match else uid


def is_guid(uid: str | None) -> bool:
    """True when ``uid`` is a GUID (with or without braces, any case)."""
    return uid is not None and _GUID.match(uid.strip()) is not None


@dataclass(frozen=True)
class Rename:
    """A code (or theme) keeps its identity and codings but takes a new name."""

    old: str
    new: str


@dataclass(frozen=True)
class FieldChange:
    """One field of a code or theme changes; ``name`` is its name after the load."""

    name: str
    field: str
    old: object
    new: object


@dataclass
class SyncPlan:
    """Everything a codebook load would change, as typed lists the services apply.

    Code names in ``updated`` and ``reactivated`` are the names after renames, so the
    services should apply ``renamed`` first. ``conflicts`` lists names that two codes
    would hold after the load: a plan with conflicts should not be applied.
    """

    added: list[Code] = field(default_factory=list)
    renamed: list[Rename] = field(default_factory=list)
    updated: list[FieldChange] = field(default_factory=list)
    reactivated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    themes_added: list[Theme] = field(default_factory=list)
    themes_renamed: list[Rename] = field(default_factory=list)
    themes_updated: list[FieldChange] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """True when loading the file would change nothing."""
        return not (
            self.added
            or self.renamed
            or self.updated
            or self.reactivated
            or self.retired
            or self.themes_added
            or self.themes_renamed
            or self.themes_updated
            or self.conflicts
        )

    def describe(self) -> list[str]:
        """One human line per change, for `coder codebook load --dry-run`."""
        lines: list[str] = []
        for code in self.added:
            under = f" under {code.parent!r}" if code.parent else ""
            lines.append(f"+ add code {code.name!r}{under}")
        lines += [f"~ rename {r.old!r} -> {r.new!r}" for r in self.renamed]
        lines += [f"+ reactivate {name!r}" for name in self.reactivated]
        for change in self.updated:
            lines.append(_describe_change("update", change))
        lines += [f"- retire {name!r}" for name in self.retired]
        for theme in self.themes_added:
            count = len(theme.codes)
            under = f" under {theme.parent!r}" if theme.parent else ""
            lines.append(
                f"+ add theme {theme.name!r}{under} ({count} code{'s' if count != 1 else ''})"
            )
        lines += [f"~ rename theme {r.old!r} -> {r.new!r}" for r in self.themes_renamed]
        for change in self.themes_updated:
            lines.append(_describe_change("update theme", change))
        lines += [f"! conflict: {text}" for text in self.conflicts]
        return lines


def _short(value: object, width: int = 40) -> str:
    """A value shortened to fit a dry-run line."""
    if value is None or value == "" or value == []:
        return "(none)"
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _describe_change(verb: str, change: FieldChange) -> str:
    return f"~ {verb} {change.name!r} {change.field}: {_short(change.old)} -> {_short(change.new)}"


def plan_sync(
    current: Sequence[Code], target: Codebook, *, current_themes: Sequence[Theme] = ()
) -> SyncPlan:
    """What loading ``target`` into a project holding ``current`` codes would change.

    ``current`` holds the project's codes of every status; ``current_themes`` its themes
    (without them every theme of the file counts as new). Active codes missing from the
    file are retired, never deleted (codings may use them). Themes missing from the file
    are left alone: they are analytic work, not codebook entries.
    """
    plan = SyncPlan()
    matches = _match(
        list(current),
        target.codes,
        uid=lambda c: c.uid,
        old_names=lambda c: c.renamed_from,
    )
    # Current name -> name after the load, so parents and theme members compare by identity.
    new_name = _renames(target.codes, matches)

    for tgt in target.codes:
        cur = matches.get(id(tgt))
        if cur is None:
            plan.added.append(tgt)
            continue
        if cur.name != tgt.name:
            plan.renamed.append(Rename(cur.name, tgt.name))
        if cur.status != CodeStatus.ACTIVE:
            plan.reactivated.append(tgt.name)
        for name in CODE_FIELDS:
            old, new = getattr(cur, name), getattr(tgt, name)
            seen_old = new_name.get(old, old) if name == "parent" and old else old
            if _differs(seen_old, new):
                plan.updated.append(FieldChange(tgt.name, name, old, new))
        if tgt.uid and normalise_uid(tgt.uid) != normalise_uid(cur.uid):
            plan.updated.append(FieldChange(tgt.name, "uid", cur.uid, tgt.uid))

    matched = {id(cur) for cur in matches.values()}
    plan.retired = [
        cur.name for cur in current if id(cur) not in matched and cur.status == CodeStatus.ACTIVE
    ]
    _plan_themes(plan, list(current_themes), target.themes, new_name)
    plan.conflicts = _conflicts(current, target.codes, matches)
    return plan


def _match(
    current: Sequence[_T],
    targets: Sequence[_T],
    *,
    uid: Callable[[_T], str | None],
    old_names: Callable[[_T], list[str]],
) -> dict[int, _T]:
    """id(target) -> the current object it is: same uid, else an old name, else its name."""
    matches: dict[int, _T] = {}
    taken: set[int] = set()

    def claim(tgt: _T, candidates: list[_T]) -> None:
        for cur in candidates:
            if id(cur) not in taken:
                matches[id(tgt)] = cur
                taken.add(id(cur))
                return

    by_uid: dict[str, list[_T]] = {}
    by_name: dict[str, list[_T]] = {}
    for cur in current:
        key = normalise_uid(uid(cur))
        if key:
            by_uid.setdefault(key, []).append(cur)
        by_name.setdefault(normalise_name(cur.name), []).append(cur)

    for tgt in targets:
        key = normalise_uid(uid(tgt))
        if key and key in by_uid:
            claim(tgt, by_uid[key])
    for tgt in targets:
        if id(tgt) in matches:
            continue
        for old in old_names(tgt):
            claim(tgt, by_name.get(normalise_name(old), []))
            if id(tgt) in matches:
                break
    for tgt in targets:
        if id(tgt) not in matches:
            claim(tgt, by_name.get(normalise_name(tgt.name), []))
    return matches


def _renames(targets: Sequence[Code] | Sequence[Theme], matches: dict[int, Any]) -> dict[str, str]:
    """Current name -> name after the load, for every matched object."""
    return {matches[id(t)].name: t.name for t in targets if id(t) in matches}


def _differs(old: object, new: object) -> bool:
    """Empty values (None, "", []) are equal to each other; lists compare in order."""
    return (old or None) != (new or None)


def _plan_themes(
    plan: SyncPlan, current: list[Theme], targets: list[Theme], new_code_name: dict[str, str]
) -> None:
    matches = _match(current, targets, uid=lambda t: t.uid, old_names=lambda t: [])
    new_theme_name = _renames(targets, matches)
    for tgt in targets:
        cur = matches.get(id(tgt))
        if cur is None:
            plan.themes_added.append(tgt)
            continue
        if cur.name != tgt.name:
            plan.themes_renamed.append(Rename(cur.name, tgt.name))
        for name in THEME_FIELDS:
            old, new = getattr(cur, name), getattr(tgt, name)
            if name == "codes":
                # Membership is a set: a project may list a theme's codes in another order.
                differs = {new_code_name.get(c, c) for c in old} != set(new)
            elif name == "parent":
                differs = _differs(new_theme_name.get(old, old) if old else old, new)
            else:
                differs = _differs(old, new)
            if differs:
                plan.themes_updated.append(FieldChange(tgt.name, name, old, new))


def _conflicts(current: Sequence[Code], targets: list[Code], matches: dict[int, Code]) -> list[str]:
    """Names that two codes would hold after the load (e.g. a rename onto a kept name)."""
    holders: dict[str, list[str]] = {}
    matched = {id(cur) for cur in matches.values()}
    for tgt in targets:
        cur = matches.get(id(tgt))
        if cur is None:
            label = "new"
        elif cur.name != tgt.name:
            label = f"renamed from {cur.name!r}"
        else:
            label = "kept"
        holders.setdefault(normalise_name(tgt.name), []).append(f"{tgt.name!r} ({label})")
    for cur in current:
        if id(cur) not in matched:
            state = "retired" if cur.status == CodeStatus.ACTIVE else str(cur.status)
            holders.setdefault(normalise_name(cur.name), []).append(f"{cur.name!r} ({state})")
    return [
        "the name " + " and ".join(names) + " would clash"
        for names in holders.values()
        if len(names) > 1
    ]
