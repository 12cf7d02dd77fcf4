"""Run the benchmarks by hand: ``python -m benchmarks [NAME ...] [--quick] [--steps A,B]``.

Each ``benchmarks/bench_*.py`` module has ``main(quick: bool) -> list[Result]``. The runner
prints every figure with its ratio to a baseline measured in the same run and exits 1 if a
ratio is over its target. Benchmarks never run in the test suite.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    parser.add_argument(
        "--steps",
        default="",
        help="comma-separated steps of a benchmark that has steps (e.g. bulk: apply,autocode)",
    )
    args = parser.parse_args(argv)
    steps = {s.strip() for s in args.steps.split(",") if s.strip()}
    here = Path(__file__).parent
    found = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [
        n
        for n in found
        if not args.names or n.removeprefix("bench_") in args.names or n in args.names
    ]
    if not wanted:
        print(f"no benchmark named {args.names}; known: {', '.join(found)}", file=sys.stderr)
        return 2
    over = []
    for name in wanted:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        options = {"quick": args.quick}
        if steps and "steps" in inspect.signature(module.main).parameters:
            options["steps"] = steps
        for result in module.main(**options) or []:
            if (
                result.target_ratio is not None
                and result.ratio is not None
                and result.ratio > result.target_ratio
            ):
                over.append(result.name)
    if over:
        print(f"over target: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
