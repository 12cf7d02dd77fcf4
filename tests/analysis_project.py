"""A small interview project whose matrix counts were worked out by hand (see the tables
in tests/services/test_analysis.py)."""

from __future__ import annotations

from pathlib import Path

INTERVIEW_A = """Interviewer: How is the work?
P1: The pay is poor.
Interviewer: And the team?
P1: I trust them. Pay aside.
"""
INTERVIEW_B = """Interviewer: Tell me about the job.
P2: Trust takes time.
Interviewer: Anything else?
P2: The pay.
"""
SPEAKERS_CSV = "speaker,group\nP1,peer worker\nP2,nurse\n"
DOCUMENTS_CSV = "document,site,group\ninterview_a,north,\ninterview_b,south,mixed\n"
# (unit, code, coder): a:2 is coded "pay" by two coders and counts once as an extract.
CODINGS = [
    ("interview_a:1", "pay", "alice"),
    ("interview_a:2", "pay", "alice"),
    ("interview_a:2", "pay", "bob"),
    ("interview_a:4", "pay", "alice"),
    ("interview_a:4", "trust", "alice"),
    ("interview_b:2", "trust", "alice"),
    ("interview_b:3", "trust", "alice"),
    ("interview_b:4", "pay", "alice"),
]


def build(ws, folder: Path) -> None:
    """Import the two interviews by turn, load both attribute sheets, code, make a theme."""
    from coder.core.model import Code
    from coder.services.attributes import load_attributes
    from coder.services.codes import create_code
    from coder.services.coding import apply_code
    from coder.services.importing import import_files
    from coder.services.themes import create_theme
    from coder.services.workspace import Workspace

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "interview_a.txt").write_text(INTERVIEW_A, encoding="utf-8")
    (folder / "interview_b.txt").write_text(INTERVIEW_B, encoding="utf-8")
    (folder / "speakers.csv").write_text(SPEAKERS_CSV, encoding="utf-8")
    (folder / "documents.csv").write_text(DOCUMENTS_CSV, encoding="utf-8")
    import_files(ws, [folder / "interview_a.txt", folder / "interview_b.txt"], segment="turn")
    load_attributes(ws, folder / "speakers.csv")
    load_attributes(ws, folder / "documents.csv")
    for name in ("pay", "trust"):
        create_code(ws, Code(name=name))
    create_theme(ws, "Working conditions", codes=["pay", "trust"])
    for ref, code, coder in CODINGS:
        apply_code(Workspace(ws.db, ws.project, coder), ref, code)
