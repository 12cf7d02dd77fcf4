"""Shared helpers for benchmarks: every figure is printed beside a baseline measured in the
same run, so the ratio means something on a noisy shared machine."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    value: float
    unit: str
    baseline: float | None = None
    target_ratio: float | None = None  # the ratio value/baseline must stay at or under this

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline

    def line(self) -> str:
        text = f"{self.name:<48} {self.value:12.4f} {self.unit}"
        if self.baseline is not None:
            text += f"   baseline {self.baseline:.4f}   ratio {self.ratio:.2f}x"
        if self.target_ratio is not None and self.ratio is not None:
            verdict = "ok" if self.ratio <= self.target_ratio else "OVER TARGET"
            text += f"   (target <= {self.target_ratio:.1f}x: {verdict})"
        return text


def report(result: Result) -> Result:
    print(result.line(), flush=True)
    return result


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """``with timer() as elapsed: ...; elapsed()`` gives seconds since the block began."""
    start = time.perf_counter()
    end: list[float] = []
    try:
        yield lambda: (end[0] if end else time.perf_counter()) - start
    finally:
        end.append(time.perf_counter())


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls: the least disturbed by other load."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


# For a child process to report its own peak: VmHWM, not ru_maxrss. Linux carries
# ru_maxrss across fork and exec, so a child's ru_maxrss starts at the benchmark's own
# memory when it forked (a 100k-event verify read 165 MiB that way, 78 MiB in truth).
# Processes the child starts are counted by ru_maxrss (on the safe side: it may
# over-count the same way).
CHILD_PEAK = """
import re, resource
def peak_mb():
    with open("/proc/self/status") as fh:
        hwm = int(re.search(r"VmHWM:\\s+(\\d+)", fh.read()).group(1))
    return (hwm + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
"""


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
