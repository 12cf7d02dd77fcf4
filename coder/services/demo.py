"""The demo project: the seed search pages and the peer-support codebook, ready to code."""

from __future__ import annotations

from pathlib import Path

from coder.services.codebooks import load_codebook
from coder.services.importing import import_files
from coder.services.workspace import ServiceError, Workspace
from coder.store import queries as q

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
CODEBOOK = ROOT / "codebooks" / "peer-support.yaml"
DEMO_NAME = "peer support on inpatient wards (demo)"


def build_demo(db: str, coder: str | None = None) -> tuple[Workspace, list[str]]:
    """Build the demo in a fresh file, or reopen it if it is already there: an existing
    demo may hold a user's coding, and nothing a user coded is ever thrown away."""
    if "://" not in db and Path(db).exists():
        ws = Workspace.open(db, coder)
        return ws, [
            f"opened the existing demo project {ws.db.label} (delete the file to rebuild it)"
        ]
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds or not CODEBOOK.exists():
        raise ServiceError(f"the demo data is missing: expected {SEEDS}/*.txt and {CODEBOOK}")
    ws = Workspace.init(db, DEMO_NAME, coder)
    try:
        summaries = import_files(ws, seeds)
        load_codebook(ws, CODEBOOK)
        with ws.read() as session:
            docs = q.count_documents(session, ws.project.id)
            units = q.count_segments(session, ws.project.id)
            codes = len(q.codes(session, ws.project.id))
            themes = len(q.themes(session, ws.project.id))
    except BaseException:
        ws.close()
        raise
    lines = [s.line() for s in summaries]
    lines.append(
        f"demo project {ws.db.label}: {docs} documents, {units} segments, {codes} codes, {themes} candidate themes"
    )
    return ws, lines
