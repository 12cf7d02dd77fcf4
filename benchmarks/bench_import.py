"""Import speed: a generated RIS file of realistic abstracts through ``import_files``.

Baseline, in the same run: the floor any importer pays, parsing the same file with rispy
and writing the same documents and sentence segments with a plain sqlite3 executemany.
Target: at most 2.0x the floor; peak memory under 1 GB (measured in a child process so
the floor's memory does not count; with the reading process's peak added).

The import reads and segments a large file in a second process (``formats.prepared``)
while the first checks duplicates and writes; the floor uses one. The same import in one
process (``parallel=False``) is printed too, so neither figure hides the other.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import CHILD_PEAK, Result, report

WORDS = [
    "peer",
    "support",
    "workers",
    "service",
    "users",
    "ward",
    "staff",
    "recovery",
    "lived",
    "experience",
    "mental",
    "health",
    "inpatient",
    "qualitative",
    "interviews",
    "themes",
    "participants",
    "described",
    "relationships",
    "trust",
    "professional",
    "boundaries",
    "training",
    "supervision",
    "hope",
    "stigma",
    "community",
    "hospital",
    "nurses",
    "challenges",
    "benefits",
    "role",
    "identity",
    "sharing",
    "distress",
    "safety",
    "risk",
    "policy",
    "organisational",
]
HEADINGS = ["Purpose", "Design/methodology/approach", "Findings", "Originality/value"]
# A literature search returns thousands of distinct first authors, a few of them often
# (the seeds' Gray, Repper): syllable surnames give that spread, a few common ones the peaks.
_SYLLABLES = [
    "ba",
    "ko",
    "ri",
    "mel",
    "stan",
    "vo",
    "lin",
    "der",
    "ash",
    "ton",
    "gu",
    "ne",
    "far",
    "wick",
]
SURNAMES = ["Gray", "Repper", "Watson", "Gillard"] * 50 + [
    (a + b + c).capitalize() for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES[:8]
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 28))]
    words[0] = words[0].capitalize()
    if rng.random() < 0.2:
        words.insert(rng.randint(1, len(words) - 1), "(e.g. Smith et al. 2019)")
    return " ".join(words) + "."


def generate_ris(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            authors = rng.sample(SURNAMES, rng.randint(1, 4))
            fh.write("TY  - JOUR\n")
            for a in authors:
                fh.write(f"AU  - {a}, {rng.choice('ABCDEFGH')}.\n")
            fh.write(f"TI  - {sentence(rng)[:-1]} {i}\n")
            fh.write(f"PY  - {rng.randint(1995, 2025)}\n")
            fh.write("JO  - Mental Health and Social Inclusion\n")
            fh.write(f"VL  - {rng.randint(1, 30)}\nIS  - {rng.randint(1, 4)}\n")
            fh.write(f"DO  - 10.1108/MHSI-{i:06d}\n")
            parts = [
                f"{h}: " + " ".join(sentence(rng) for _ in range(rng.randint(1, 3)))
                for h in HEADINGS
            ]
            fh.write(f"AB  - {' '.join(parts)}\n")
            fh.write("ER  - \n\n")


FLOOR_SCRIPT = r"""
import json, sqlite3, sys, time, hashlib
import rispy
from coder.core.segmenting import split_sentences
path, db = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
conn = sqlite3.connect(db)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("CREATE TABLE document (id INTEGER PRIMARY KEY, key TEXT, title TEXT, authors TEXT, year INT, journal TEXT, doi TEXT, text TEXT, hash TEXT)")
conn.execute("CREATE TABLE segment (id INTEGER PRIMARY KEY, document_id INT, ordinal INT, start INT, end INT, hash TEXT)")
with open(path, encoding="utf-8") as fh:
    entries = rispy.load(fh)
docs, segs = [], []
for i, e in enumerate(entries, start=1):
    text = e.get("abstract") or ""
    docs.append((i, f"k{i}", e.get("title"), json.dumps(e.get("authors", [])), e.get("year"), e.get("journal_name"), e.get("doi"), text, hashlib.sha256(text.encode()).hexdigest()))
    for n, (s, t) in enumerate(split_sentences(text), start=1):
        segs.append((i, n, s, t, hashlib.sha256(text[s:t].encode()).hexdigest()))
with conn:
    conn.executemany("INSERT INTO document VALUES (?,?,?,?,?,?,?,?,?)", docs)
    conn.executemany("INSERT INTO segment (document_id, ordinal, start, end, hash) VALUES (?,?,?,?,?)", segs)
print(json.dumps({"seconds": time.perf_counter() - t0, "docs": len(docs)}))
"""

CODER_SCRIPT = (
    CHILD_PEAK
    + r"""
import json, sys, time
from pathlib import Path
from coder.services.workspace import Workspace
from coder.services.importing import import_files
path, db = sys.argv[1], sys.argv[2]
ws = Workspace.init(db, "bench", "bench")
t0 = time.perf_counter()
(summary,) = import_files(ws, [Path(path)], fmt="ris", parallel=sys.argv[3] == "parallel")
seconds = time.perf_counter() - t0
# The reading process (if any) runs alongside: both peaks counted, as if they coincided.
print(json.dumps({"seconds": seconds, "docs": summary.added, "rss_mb": peak_mb()}))
"""
)


def _run(script: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(quick: bool = False) -> list[Result]:
    n = 5_000 if quick else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        ris = Path(tmp) / "records.ris"
        t0 = time.perf_counter()
        generate_ris(ris, n)
        print(
            f"generated {n} records ({ris.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s"
        )
        floor = _run(FLOOR_SCRIPT, str(ris), str(Path(tmp) / "floor.db"))
        ours = _run(CODER_SCRIPT, str(ris), str(Path(tmp) / "coder.db"), "parallel")
        alone = _run(CODER_SCRIPT, str(ris), str(Path(tmp) / "coder1.db"), "one")
    assert ours["docs"] == floor["docs"] == alone["docs"] == n, (ours, floor, alone)
    return [
        report(Result("import: records/s (floor: rispy + sqlite3)", n / ours["seconds"], "rec/s")),
        report(
            Result(
                "import: seconds vs floor", ours["seconds"], "s", floor["seconds"], target_ratio=2.0
            )
        ),
        report(Result("import: peak memory", ours["rss_mb"], "MiB", 1024.0, target_ratio=1.0)),
        # The default reads and segments in a second process; the same import in one:
        report(
            Result(
                "  the same in one process (parallel=False)",
                alone["seconds"],
                "s",
                floor["seconds"],
            )
        ),  # fmt: skip
    ]


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
