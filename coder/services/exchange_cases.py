"""Attributes in REFI-QDA projects (issue 20): kept apart from ``services.exchange`` so the
exchange of texts, codes and codings reads on its own.

Export: a document's attributes become Variables of its TextSource, next to the
bibliographic ones; each speaker becomes a Case with their attributes and a SourceRef to
each transcript they speak in. Import: a source's Variables that are not bibliographic
become attributes of its document; a Case named like a speaker of the project gives that
speaker its values, any other Case gives them to the documents it refers to (NVivo's
cases are people or sites, each linked to their files).
"""

from __future__ import annotations

from coder.formats.qdpx import VARIABLES, QdpxCase, QdpxProject, QdpxSource, guid_for
from coder.services.attributes import BUILT_IN, put_attribute
from coder.services.workspace import Workspace
from coder.store import attributes as qa
from coder.store.db import Tx

_METADATA = {name for name, _ in VARIABLES}
_SUFFIX = " (attribute)"  # an attribute named like a bibliographic variable ("Title")


def add_attributes(ws: Workspace, project: QdpxProject, sources: dict[str, QdpxSource]) -> None:
    """Put the project's attributes into ``project`` (sources by document key)."""
    with ws.read() as session:
        rows = qa.attribute_rows(session, ws.project.id)
        spoken = qa.speaker_documents(session, ws.project.id)
    speaker_values: dict[str, dict[str, str]] = {}
    for row in rows:
        name = row.name + _SUFFIX if row.name in _METADATA else row.name
        if row.target_type == "document" and row.target in sources:
            sources[row.target].variables[name] = row.value
        elif row.target_type == "speaker":
            speaker_values.setdefault(row.target, {})[name] = row.value
    by_speaker: dict[str, list[str]] = {}
    for speaker, key in spoken:
        if key in sources:
            by_speaker.setdefault(speaker, []).append(sources[key].guid)
    project.cases = [
        QdpxCase(
            guid=guid_for("case", speaker),
            name=speaker,
            variables=speaker_values.get(speaker, {}),
            sources=by_speaker[speaker],
        )
        for speaker in sorted(by_speaker)
    ]


def _usable(name: str) -> str | None:
    name = " ".join(name.split())
    if name.endswith(_SUFFIX):
        name = name[: -len(_SUFFIX)]
    return name if name and name.lower() not in BUILT_IN else None


def import_attributes(
    tx: Tx, project_id: int, project: QdpxProject, keys: dict[str, str]
) -> tuple[int, list[str]]:
    """Write the file's attributes (``keys``: source GUID -> document key); returns how
    many values were set or changed and what was left out, one line each."""
    count = 0
    skipped: set[str] = set()

    def put(target_type: str, target: str, name: str, value: str) -> None:
        nonlocal count
        usable = _usable(name)
        if usable is None:
            skipped.add(f"variable {name!r} (the documents' own {name.lower()} is kept)")
            return
        if value.strip() and put_attribute(tx, project_id, target_type, target, usable, value) in (
            "set",
            "changed",
        ):
            count += 1

    for source in project.sources:
        key = keys.get(source.guid)
        if key is None:
            continue
        for name, value in source.variables.items():
            if name not in _METADATA:
                put("document", key, name, value)
    speakers = set(qa.speakers(tx.session, project_id))
    for case in project.cases:
        if case.name in speakers:
            for name, value in case.variables.items():
                put("speaker", case.name, name, value)
            continue
        targets = [keys[g] for g in case.sources if g in keys]
        if not targets and case.variables:
            skipped.add(f"case {case.name!r}: no source of it was imported")
        for key in targets:
            for name, value in case.variables.items():
                put("document", key, name, value)
    return count, sorted(skipped)
