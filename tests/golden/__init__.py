"""The small project the golden export files are made from, and how to compare with them.

The records are written to exercise the exporters: two papers by the same authors in the
same year (2024a/2024b), a record without a title, one without authors or year, and
text full of characters that Markdown, CSV, LaTeX, HTML, Mermaid and DOT must escape.
Codings are placed by phrase, not by unit number, so a change in sentence splitting
does not move them. Nothing here depends on the clock: times never reach the golden
formats (the codings CSV has its time column blanked before comparing).

Run ``CODER_UPDATE_GOLDEN=1 pytest tests/services/test_exports.py`` to rewrite the files
after an intended change, then read the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

from coder.core.model import Code, DocumentRecord, Section

GOLDEN = Path(__file__).resolve().parent

RECORDS = [
    DocumentRecord(
        sections=[
            Section("Purpose", "To describe barriers to peer support on a ward."),
            Section(
                "Findings",
                "There is a fissure of “Us” & “Them” on the ward | 100% of the time. "
                "Peer workers must bridge this gap_with care {always}.",
            ),
        ],
        title="Peer support on inpatient wards: a *qualitative* study",
        authors=["Benjamin Thomas Gray", "Matthew Sisto", "Renee Conley"],
        year=2024,
        journal="Mental Health and Social Inclusion",
        volume="28",
        issue="3",
        pages="81-95",
        doi="doi:10.1108/MHSI-01-2024-0001",
    ),
    DocumentRecord(
        sections=[
            Section(
                None, "Staff emphasised risk <always> & #1 priority. Peers tread carefully ~ often."
            )
        ],
        title="A second study of the same ward",
        authors=["Gray, Benjamin Thomas", "Sisto, Matthew", "Conley, Renee"],
        year=2024,
        journal="Mental Health and Social Inclusion",
        volume="28",
        issue="4",
    ),
    DocumentRecord(
        sections=[
            Section(
                None, "Service users had to tread carefully with each other. Power was ^uneven^."
            )
        ],
        authors=["Jane Doe"],
        year=2019,
    ),
    DocumentRecord(
        sections=[Section("Background", "Peer support $costs$ little; the \\ward\\ gains a lot.")],
        title="Ward notes without an author",
    ),
]

CODES = [
    Code(name="us & them", definition="A divide | between staff and patients."),
    Code(name="tread carefully", definition="Caution in giving *support*."),
    Code(name="risk_talk", definition="Support framed as {risk}."),
    Code(name='power "imbalance"', parent="us & them", definition="Unequal power #1."),
    Code(name="costs", definition="Money, 100%."),
]

# (document index, phrase, code, coder)
CODINGS = [
    (
        0,
        "There is a fissure of “Us” & “Them” on the ward | 100% of the time.",
        "us & them",
        "alice",
    ),
    (0, "There is a fissure of “Us” & “Them” on the ward | 100% of the time.", "us & them", "bob"),
    (0, "Peer workers must bridge this gap_with care {always}.", "tread carefully", "alice"),
    (1, "Staff emphasised risk <always> & #1 priority.", "risk_talk", "alice"),
    (1, "Peers tread carefully", "tread carefully", "bob"),
    (2, "Service users had to tread carefully with each other.", "tread carefully", "alice"),
    (2, "Power was ^uneven^.", 'power "imbalance"', "alice"),
    (3, "Peer support $costs$ little", "costs", "alice"),
]

THEMES = [
    # (name, definition, parent, codes)
    (
        "Bridging the <divide>",
        "Peer work spans “us” & “them”: 50% trust, 50% risk.",
        None,
        ["us & them", "risk_talk"],
    ),
    (
        "Power | position",
        "Who holds power on the ward.",
        "Bridging the <divide>",
        ['power "imbalance"'],
    ),
    ("Treading_carefully", "Caution as care {and} as fear.", None, ["tread carefully"]),
    ("Money #matters", "", None, ["costs"]),
]


def build(ws) -> list[str]:
    """Fill an empty project; returns the document keys in order."""
    from coder.services import codes, coding, notes, themes
    from coder.services.importing import add_records
    from coder.services.workspace import Workspace
    from coder.store import queries as q

    _summary, keys = add_records(ws, RECORDS, source="golden.txt")
    for code in CODES:
        codes.create_code(ws, Code(**code.__dict__))
    with ws.read() as session:
        texts = {d.key: d.text for d in q.documents(session, ws.project.id)}
    for index, phrase, code, coder in CODINGS:
        key = keys[index]
        start = texts[key].index(phrase)
        ref = coding.UnitRef(key, start=start, end=start + len(phrase))
        coding.apply_code(Workspace(ws.db, ws.project, coder), ref, code)
    phrase = CODINGS[5][1]
    start = texts[keys[2]].index(phrase)
    memo_ref = coding.UnitRef(keys[2], start=start, end=start + len(phrase))
    coding.set_coding_memo(ws, memo_ref, "tread carefully", "cautious & kind")
    for name, definition, parent, members in THEMES:
        themes.create_theme(ws, name, definition, parent, members)
    themes.define_theme(
        ws, "Treading_carefully", scope="Only peer-to-peer caution; not staff caution."
    )
    themes.set_theme_status(ws, "Bridging the <divide>", "reviewed")
    with ws.read() as session:
        all_codings = q.codings(session, ws.project.id)
    by = {(c.document_key, c.code, c.coder): c.id for c in all_codings}
    themes.toggle_exemplar(ws, "Bridging the <divide>", by[(keys[0], "us & them", "alice")])
    themes.toggle_exemplar(ws, "Bridging the <divide>", by[(keys[1], "risk_talk", "alice")])
    themes.toggle_misfit(
        ws, "Treading_carefully", by[(keys[1], "tread carefully", "bob")], "about staff"
    )
    notes.add_memo(ws, "Reflexive note: I expected more on risk.", kind="journal")
    return keys


def check(name: str, data: bytes) -> None:
    """Compare with the golden file (or rewrite it when CODER_UPDATE_GOLDEN is set)."""
    path = GOLDEN / name
    if os.environ.get("CODER_UPDATE_GOLDEN"):
        path.write_bytes(data)
        return
    assert path.exists(), f"no golden file {name}: run with CODER_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes()
    assert data.decode("utf-8") == expected.decode("utf-8"), f"{name} differs from the golden file"
