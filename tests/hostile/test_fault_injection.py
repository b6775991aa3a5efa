"""Fault injection: ``kill -9`` a `cable-topics run` at seeded random points (ingest, the
model, the report...), run it again, and check the results are byte-identical to an
uninterrupted run and nothing is lost.

Two kills here keep `make test` short; ``python -m benchmarks faults`` runs many more.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpora.store import CorpusStore
from tests.hostile.conftest import ROOT, SAMPLE
from topics.pipeline import compare_runs

#: Four years of the sample (about 200 cables) keep each run short.
YEARS = ("2003", "2004", "2005", "2006")
CONFIG = """name = "faults"
seed = 0
[corpus]
sources = [{sources}]
[model]
n_topics = 6
[evaluation]
coherence = false
"""


def run_cmd(config: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", "import sys; from topics.cli import main; sys.exit(main())",
            "run", str(config), "--out", str(out)]


def kill_after(cmd: list[str], seconds: float) -> int | None:
    """Start ``cmd``, SIGKILL it after ``seconds`` (None when it finished first)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=seconds)
        return proc.returncode
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None


def check_same(base: Path, other: Path) -> None:
    assert compare_runs(base, other) == []
    for rel in ("store/cables.parquet", "store/rejects.jsonl"):
        assert (base / rel).read_bytes() == (other / rel).read_bytes(), rel
    assert len(CorpusStore(other / "store")) == len(CorpusStore(base / "store")) > 100
    assert not [p for p in other.rglob("*") if ".tmp" in p.name]


def faults(tmp: Path, n_kills: int, seed: int) -> list[dict]:
    """Kill runs at random points; return one row per kill (for tests and the benchmark)."""
    config = tmp / "config.toml"
    config.write_text(CONFIG.format(sources=", ".join(
        json.dumps(str(SAMPLE / y)) for y in YEARS)))
    base = tmp / "base" / "run"
    t0 = time.perf_counter()
    done = subprocess.run(run_cmd(config, base), cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    full = time.perf_counter() - t0
    rng = random.Random(seed)
    rows = []
    for i in range(n_kills):
        out = tmp / f"kill{i}" / "run"
        # spread the kills over the run (the first one early: during ingest)
        at = full * (rng.uniform(0.05, 0.15) if i == 0 else rng.uniform(0.15, 0.98))
        rc = kill_after(run_cmd(config, out), at)
        stages = out / ".stages"
        marked = sorted(p.stem for p in stages.glob("*.json")) if stages.is_dir() else []
        again = subprocess.run(run_cmd(config, out), cwd=ROOT, capture_output=True, text=True,
                               timeout=600, check=False)
        assert again.returncode == 0, again.stderr[-2000:]
        check_same(base, out)
        manifest = json.loads((out / "manifest.json").read_text())
        redone = [s for s, r in manifest["stages"].items() if not r.get("cached")]
        rows.append({"kill_at_s": round(at, 2), "finished_first": rc is not None,
                     "stages_done_at_kill": marked, "redone": redone})
    return rows


@pytest.mark.slow
def test_killed_runs_rerun_to_identical_results(tmp_path):
    rows = faults(tmp_path, n_kills=2, seed=12)
    assert any(not r["finished_first"] for r in rows), rows
