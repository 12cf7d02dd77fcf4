"""Setting records aside in familiarisation (phase 1), and bringing them back.

An excluded document leaves the coding queue and the counts but stays in the project and
in searches: nothing the researcher read or coded is lost, and the methods appendix can
say how many records were set aside and why. The reason comes from the project's own short
list (``add_reason``) and may carry the researcher's words as a note. Each call, a bulk
exclusion by search too, is one transaction and one audit event, undone by ``coder undo``.
"""

from __future__ import annotations

from dataclasses import dataclass

from coder.core.matching import did_you_mean
from coder.services.workspace import ServiceError, Workspace
from coder.store.queries import screening as sq
from coder.store.queries.screening import Excluded

__all__ = [
    "Excluded",
    "ExclusionResult",
    "add_reason",
    "exclude",
    "exclude_matching",
    "excluded",
    "include",
    "reasons",
    "remove_reason",
]


@dataclass
class ExclusionResult:
    """What an exclude or include call did: the keys changed and the keys left alone."""

    changed: list[str]
    unchanged: list[str]  # already excluded (exclude) or not excluded (include)

    def line(self, verb: str) -> str:
        n = len(self.changed)
        out = f"{verb} {n} document{'s' if n != 1 else ''}"
        if self.unchanged:
            state = "not excluded" if verb == "included" else "already excluded"
            out += f" ({len(self.unchanged)} {state}: {', '.join(self.unchanged[:5])}"
            out += ", ...)" if len(self.unchanged) > 5 else ")"
        return out


def reasons(ws: Workspace) -> list[str]:
    """The project's reasons for setting a record aside, in the order they were added."""
    with ws.read() as session:
        return [r.name for r in sq.reason_rows(session, ws.project.id)]


def add_reason(ws: Workspace, name: str) -> None:
    name = " ".join(name.split())
    if not name:
        raise ServiceError("a reason needs some words: e.g. 'not about peer support'")
    with ws.write("exclusion.reason.add", name) as tx:
        if sq.reason_row(tx.session, ws.project.id, name) is not None:
            raise ServiceError(f"the reason {name!r} is already on the project's list")
        order = len(sq.reason_rows(tx.session, ws.project.id)) + 1
        tx.insert(
            "exclusion_reason", project_id=ws.project.id, name=name, order=order, created_at=tx.time
        )


def remove_reason(ws: Workspace, name: str) -> None:
    """Take a reason off the list; refused while a document is excluded for it."""
    with ws.write("exclusion.reason.remove", name) as tx:
        row = _reason(tx.session, ws.project.id, name)
        used = sq.reason_in_use(tx.session, row.id)
        if used:
            raise ServiceError(
                f"the reason {name!r} is given for {used} excluded document"
                f"{'s' if used != 1 else ''}: include them or exclude them for another reason first"
            )
        tx.delete("exclusion_reason", row)


def _reason(session, project_id: int, name: str):
    row = sq.reason_row(session, project_id, name)
    if row is None:
        names = [r.name for r in sq.reason_rows(session, project_id)]
        if not names:
            raise ServiceError(
                f"unknown reason {name!r}: the project has no reasons yet "
                "(add one with 'coder reasons add TEXT')"
            )
        raise ServiceError(
            f"unknown reason {name!r}{did_you_mean(name, names)}: use one of "
            + ", ".join(repr(n) for n in names)
        )
    return row


def _check_reason(reason: str | None, note: str) -> None:
    if not (reason or "").strip() and not note.strip():
        raise ServiceError("say why: give a reason from the project's list, a note, or both")


def exclude(
    ws: Workspace, keys: list[str], reason: str | None = None, note: str = ""
) -> ExclusionResult:
    """Set documents aside for ``reason`` (one of the project's) and/or a free-text note.
    Unknown keys are refused before anything changes; excluded ones are left as they are."""
    if not keys:
        raise ServiceError("name at least one document to exclude")
    _check_reason(reason, note)
    keys = list(dict.fromkeys(keys))
    target = keys[0] if len(keys) == 1 else f"{len(keys)} documents"
    with ws.write("document.exclude", target) as tx:
        ids = sq.documents_by_keys(tx.session, ws.project.id, keys)
        missing = [k for k in keys if k not in ids]
        if missing:
            raise ServiceError(f"no document with key {missing[0]!r} in this project")
        return _exclude_ids(tx, ws.project.id, [(ids[k], k) for k in keys], reason, note)


def exclude_matching(
    ws: Workspace, search: str, reason: str | None = None, note: str = "", dry_run: bool = False
) -> ExclusionResult:
    """Exclude every document the familiarisation search finds (title, text, key or
    authors containing ``search``), as one action and one audit event."""
    search = search.strip()
    if not search:
        raise ServiceError("the search is empty: it would exclude every document")
    if dry_run:  # what would go; the reason is checked only when one is given
        with ws.read() as session:
            if reason:
                _reason(session, ws.project.id, reason)
            found = sq.matching_documents(session, ws.project.id, search)
            already = sq.exclusions_for(session, [i for i, _ in found])
        return ExclusionResult(
            [k for i, k in found if i not in already], [k for i, k in found if i in already]
        )
    _check_reason(reason, note)
    with ws.write("document.exclude", f"search {search!r}") as tx:
        found = sq.matching_documents(tx.session, ws.project.id, search)
        tx.info["search"] = search
        return _exclude_ids(tx, ws.project.id, found, reason, note)


def _exclude_ids(
    tx, project_id: int, docs: list[tuple[int, str]], reason: str | None, note: str
) -> ExclusionResult:
    reason_id = _reason(tx.session, project_id, reason).id if (reason or "").strip() else None
    already = sq.exclusions_for(tx.session, [i for i, _ in docs])
    result = ExclusionResult([], [])
    for doc_id, key in docs:
        if doc_id in already:
            result.unchanged.append(key)
            continue
        tx.insert(
            "document_exclusion",
            project_id=project_id,
            document_id=doc_id,
            reason_id=reason_id,
            note=note.strip(),
            coder_id=tx.coder_id,
            excluded_at=tx.time,
        )
        result.changed.append(key)
    return result


def include(ws: Workspace, keys: list[str]) -> ExclusionResult:
    """Bring excluded documents back into the analysis (their exclusion stays in the trail)."""
    if not keys:
        raise ServiceError("name at least one document to include")
    keys = list(dict.fromkeys(keys))
    target = keys[0] if len(keys) == 1 else f"{len(keys)} documents"
    with ws.write("document.include", target) as tx:
        ids = sq.documents_by_keys(tx.session, ws.project.id, keys)
        missing = [k for k in keys if k not in ids]
        if missing:
            raise ServiceError(f"no document with key {missing[0]!r} in this project")
        rows = sq.exclusions_for(tx.session, list(ids.values()))
        result = ExclusionResult([], [])
        for key in keys:
            row = rows.get(ids[key])
            if row is None:
                result.unchanged.append(key)
            else:
                tx.delete("document_exclusion", row)
                result.changed.append(key)
        return result


def excluded(ws: Workspace) -> list[Excluded]:
    with ws.read() as session:
        return sq.excluded(session, ws.project.id)
