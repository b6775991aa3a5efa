"""Timing helpers shared by the benchmarks: medians, child-process peak RSS, tables."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

__all__ = [
    "ChildResult",
    "child_report",
    "markdown_table",
    "median_time",
    "print_table",
    "run_child",
]

ROOT = Path(__file__).resolve().parents[1]


def median_time(fn: Callable[[], object], repeats: int = 3) -> tuple[float, list[float]]:
    """Run ``fn`` ``repeats`` times; return (median seconds, all timings)."""
    if repeats < 1:
        raise ValueError(f"median_time: 'repeats' must be an int >= 1. Got {repeats!r}.")
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


@dataclass(frozen=True)
class ChildResult:
    """What `run_child` measured.

    ``peak_rss`` is in bytes: the larger of the polled RSS of the child's process tree
    and the child's own ``ru_maxrss`` when it reports one (a JSON line with
    ``"ru_maxrss_kb"``). ``report`` is the last JSON object the child printed, or ``{}``.
    """

    returncode: int
    wall_s: float
    peak_rss: int
    stdout: str
    stderr: str
    report: dict


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_child(
    argv: Sequence[str], *, poll_s: float = 0.02, timeout_s: float | None = None, env=None
) -> ChildResult:
    """Run a command in a child process and measure wall time and peak RSS.

    The RSS of the child and its descendants is polled every ``poll_s`` seconds (psutil);
    a child that prints a JSON line holding ``"ru_maxrss_kb"`` (see `child_report`)
    refines the peak with the kernel's own high-water mark, which polling can miss.

    Parameters
    ----------
    argv : sequence of str
        The command, e.g. ``[sys.executable, "-m", "benchmarks.bench_ingest", ...]``.
    poll_s : float
        Polling interval in seconds.
    timeout_s : float or None
        Kill the child after this long and raise `subprocess.TimeoutExpired`.
    env : mapping or None
        Environment; by default this one with the repository root on ``PYTHONPATH``.
    """
    if env is None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p
        )
    t0 = time.perf_counter()
    popen = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    proc = psutil.Process(popen.pid)
    peak = 0
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    # Drain pipes in threads so a chatty child never blocks on a full pipe.
    def drain(stream, sink):
        for line in stream:
            sink.append(line)

    threads = [
        threading.Thread(target=drain, args=(popen.stdout, out_chunks), daemon=True),
        threading.Thread(target=drain, args=(popen.stderr, err_chunks), daemon=True),
    ]
    for t in threads:
        t.start()
    while popen.poll() is None:
        peak = max(peak, _tree_rss(proc))
        if timeout_s is not None and time.perf_counter() - t0 > timeout_s:
            popen.kill()
            popen.wait()
            for t in threads:
                t.join()
            popen.stdout.close()
            popen.stderr.close()
            raise subprocess.TimeoutExpired(list(argv), timeout_s)
        time.sleep(poll_s)
    wall = time.perf_counter() - t0
    for t in threads:
        t.join()
    popen.stdout.close()
    popen.stderr.close()
    stdout, stderr = "".join(out_chunks), "".join(err_chunks)
    report: dict = {}
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                report = json.loads(line)
            except json.JSONDecodeError:
                continue
            break
    if "ru_maxrss_kb" in report:
        peak = max(peak, int(report["ru_maxrss_kb"]) * 1024)
    return ChildResult(popen.returncode, wall, peak, stdout, stderr, report)


def child_report(**values) -> str:
    """A JSON line for `run_child`: ``values`` plus this process's peak RSS (kB).

    ``ru_maxrss`` is in kilobytes on Linux; the children's high-water mark is included so
    worker processes the measured code started are counted too.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":  # bytes there
        own, kids = own // 1024, kids // 1024
    return json.dumps({**values, "ru_maxrss_kb": max(own, kids)})


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Format rows as a GitHub Markdown table; floats get 3 significant digits."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            if v == 0 or abs(v) >= 100:
                return f"{v:,.0f}"
            return f"{v:.3g}"
        if isinstance(v, int) and not isinstance(v, bool):
            return f"{v:,}"
        return str(v)

    for i, row in enumerate(rows):
        if len(row) != len(headers):
            raise ValueError(
                f"markdown_table: row {i} has {len(row)} cells, expected {len(headers)} "
                f"(headers {list(headers)})"
            )
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], file=None) -> None:
    """Print `markdown_table` to ``file`` (stdout)."""
    print(markdown_table(headers, rows), file=file or sys.stdout, flush=True)
