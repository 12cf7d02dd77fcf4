"""Memory while importing: bounded by a batch, not by the file (issue 13).

Each figure is the peak resident memory of a fresh process (with its reading process, if
any, added as if the two peaks coincided), against a baseline measured in the same run:
a process that only reads the same file's text (``formats.encoding.read_text``), the
floor any importer pays while the decoded text is held.

- a 200 MB text file without a blank line, through ``import_files`` into SQLite: one
  record over the size limit, reported, never held (target: at most 3x the floor);
- a CSL-JSON list of 40,000 items read by ``iter_records`` (decoded an item at a time),
  with ``json.loads`` of the whole file, the old reading, printed beside it;
- a BibTeX file of 5,000 entries read by ``iter_records`` (parsed a piece at a time).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_import import sentence
from benchmarks.common import CHILD_PEAK, Result, report

FLOOR = (
    CHILD_PEAK
    + """
import sys
from pathlib import Path
from coder.formats.encoding import read_text
text = read_text(Path(sys.argv[1]))
print(peak_mb())
"""
)
IMPORT = (
    CHILD_PEAK
    + """
import sys
from pathlib import Path
from coder.services.importing import import_files
from coder.services.workspace import Workspace
ws = Workspace.init(sys.argv[2], "bench", "bench")
try:
    (summary,) = import_files(ws, [Path(sys.argv[1])], fmt="text")
except Exception as exc:  # nothing readable: the one record is over the limit
    print(f"refused: {exc}"[:200], file=sys.stderr)
print(peak_mb())
"""
)
READ = (
    CHILD_PEAK
    + """
import sys
from pathlib import Path
from coder.formats.records import iter_records
result = iter_records(Path(sys.argv[1]), sys.argv[2])
n = sum(1 for _ in result.records)
print(n, file=sys.stderr)
print(peak_mb())
"""
)
WHOLE_JSON = (
    CHILD_PEAK
    + """
import json, sys
from pathlib import Path
from coder.formats.encoding import read_text
items = json.loads(read_text(Path(sys.argv[1])))
print(peak_mb())
"""
)


def _peak(script: str, *args: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def _paragraph(path: Path, size: int) -> None:
    rng = random.Random(3)
    chunk = " ".join(sentence(rng) for _ in range(2_000)) + " "
    with path.open("w", encoding="utf-8") as fh:
        written = 0
        while written < size:
            fh.write(chunk)
            written += len(chunk)


def _csl_json(path: Path, n: int) -> None:
    rng = random.Random(5)
    items = [
        {
            "id": f"item{i}",
            "type": "article-journal",
            "title": sentence(rng)[:-1],
            "author": [{"family": "Gray", "given": "B."}, {"family": f"Author{i}", "given": "A."}],
            "issued": {"date-parts": [[2000 + i % 25, 1 + i % 12, 1 + i % 28]]},
            "container-title": "Mental Health and Social Inclusion",
            "DOI": f"10.1108/MHSI-{i:06d}",
            "abstract": " ".join(sentence(rng) for _ in range(8)),
        }
        for i in range(n)
    ]
    path.write_text(json.dumps(items, indent=2), encoding="utf-8")


def _bibtex(path: Path, n: int) -> None:
    rng = random.Random(9)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('@string{mhsi = "Mental Health and Social Inclusion"}\n\n')
        for i in range(n):
            fh.write(
                f"@article{{k{i},\n  author = {{Gray, B. and Author{i}, A.}},\n"
                f"  title = {{{sentence(rng)[:-1]}}},\n  journal = mhsi,\n"
                f"  year = {{{2000 + i % 25}}},\n"
                f"  abstract = {{{' '.join(sentence(rng) for _ in range(8))}}},\n}}\n\n"
            )


def main(quick: bool = False) -> list[Result]:
    size = 20_000_000 if quick else 200_000_000
    items = 4_000 if quick else 40_000
    entries = 1_000 if quick else 5_000  # bibtexparser takes minutes over 20,000
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "one-paragraph.txt"
        _paragraph(text, size)
        floor = _peak(FLOOR, str(text))
        ours = _peak(IMPORT, str(text), str(Path(tmp) / "p.db"))
        mb = text.stat().st_size / 1e6
        results.append(
            report(
                Result(f"import a {mb:.0f} MB one-paragraph .txt: peak", ours, "MiB", floor, 3.0)
            )
        )
        text.unlink()

        csl = Path(tmp) / "items.json"
        _csl_json(csl, items)
        floor = _peak(FLOOR, str(csl))
        whole = _peak(WHOLE_JSON, str(csl))
        ours = _peak(READ, str(csl), "csl-json")
        mb = csl.stat().st_size / 1e6
        results.append(
            report(Result(f"read {items} CSL-JSON items ({mb:.0f} MB): peak", ours, "MiB", floor))
        )
        results.append(report(Result("  json.loads of the whole file: peak", whole, "MiB", floor)))

        bib = Path(tmp) / "entries.bib"
        _bibtex(bib, entries)
        floor = _peak(FLOOR, str(bib))
        ours = _peak(READ, str(bib), "bibtex")
        mb = bib.stat().st_size / 1e6
        results.append(
            report(Result(f"read {entries} BibTeX entries ({mb:.0f} MB): peak", ours, "MiB", floor))
        )
    return results


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
