"""Fault injection: ``kill -9`` a `cable-topics run` and a `cable-topics sweep` mid-way,
check that no stage (no fit) counts as done with partial outputs, run them again, and check
the results are byte-identical to an uninterrupted run and nothing is lost.

The tests kill at chosen points (mid-tokenize and mid-report for a run, after the third
fit for a sweep) so every test run hits a stage with partial outputs on disk;
``python -m benchmarks hostile --kills N`` kills `run` at N seeded random points (`faults`).
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from corpora.store import CorpusStore
from tests.hostile.conftest import ROOT, SAMPLE
from topics.pipeline import STAGE_OUTPUTS, compare_runs, output_hashes

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


def check_same(base: Path, other: Path, min_cables: int = 100) -> None:
    assert compare_runs(base, other) == []
    for rel in ("store/cables.parquet", "store/rejects.jsonl"):
        assert (base / rel).read_bytes() == (other / rel).read_bytes(), rel
    assert len(CorpusStore(other / "store")) == len(CorpusStore(base / "store")) > min_cables
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


def kill_when(cmd: list[str], ready, timeout: float = 300) -> bool:
    """Start ``cmd``, SIGKILL it as soon as ``ready()`` is true (polled every 10 ms); False
    when it finished first."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    try:
        while proc.poll() is None:
            if ready():
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return True
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"{cmd} neither finished nor reached the kill point")
            time.sleep(0.01)
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def marked_stages_are_complete(run_dir: Path) -> list[str]:
    """The stages marked done; each marker's outputs must all be on disk with the hashes
    recorded when it was written (no stage counts as done with partial outputs)."""
    marked = []
    for marker in sorted((run_dir / ".stages").glob("*.json")):
        stage = marker.stem
        recorded = json.loads(marker.read_text())["outputs"]
        outs = ([run_dir / "store" / n for n in ("cables.parquet", "rejects.jsonl",
                                                 "manifest.json")]
                if stage == "ingest" else [run_dir / o for o in STAGE_OUTPUTS[stage]])
        assert output_hashes(outs, run_dir) == recorded, stage
        marked.append(stage)
    return marked


@pytest.mark.slow
def test_run_killed_mid_tokenize_and_mid_report_reruns_to_identical_results(tmp_path):
    """kill -9 while the tokenizer runs, run again and kill -9 while the report is half
    written (figures on disk, no index.html), run again: identical to an uninterrupted run."""
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(sources=", ".join(
        json.dumps(str(SAMPLE / y)) for y in ("2003", "2004"))).replace(
        "n_topics = 6", "n_topics = 4"))
    base = tmp_path / "base" / "run"
    done = subprocess.run(run_cmd(config, base), cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / "killed" / "run"
    stages = out / ".stages"

    def mid_tokenize() -> bool:
        return (stages / "ingest.json").exists()

    assert kill_when(run_cmd(config, out), mid_tokenize)
    assert marked_stages_are_complete(out) == ["ingest"]

    def mid_report() -> bool:
        figures = out / "report" / "figures"
        return (figures.is_dir() and any(figures.iterdir())
                and not (stages / "report.json").exists())

    assert kill_when(run_cmd(config, out), mid_report)
    assert not (out / "report" / "index.html").exists()  # a half-written report on disk
    marked = marked_stages_are_complete(out)
    assert "report" not in marked and {"ingest", "tokenize", "model", "evaluate"} <= set(marked)
    again = subprocess.run(run_cmd(config, out), cwd=ROOT, capture_output=True, text=True,
                           timeout=600, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    stage_rows = json.loads((out / "manifest.json").read_text())["stages"]
    assert [s for s, r in stage_rows.items() if not r.get("cached")] == ["report"]
    assert marked_stages_are_complete(out) == sorted(STAGE_OUTPUTS)
    check_same(base, out, min_cables=40)


def _sweep_cmd(store: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", "import sys; from topics.cli import main; sys.exit(main())",
            "sweep", str(store), "--topics", "2,3,4,5", "--seeds", "2", "--model",
            "lda-gibbs", "--jobs", "1", "--out", str(out)]


def _result(path: Path):
    """A sweep result without its timings (the only thing two identical fits differ in)."""
    def drop(obj):
        if isinstance(obj, dict):
            return {k: drop(v) for k, v in obj.items()
                    if not (k == "seconds" or k.endswith("_seconds"))}
        return obj

    return drop(json.loads(path.read_text()))


@pytest.mark.slow
def test_sweep_killed_between_fits_resumes_to_identical_results(tmp_path):
    """kill -9 a sweep after its third fit: every result on disk is complete (scores and
    topic-term matrix), the next sweep fits only the rest, and the tables are the same as
    an uninterrupted sweep's."""
    from topics.stages import sweep_store

    store = tmp_path / "store"
    CorpusStore.ingest([SAMPLE / "2003", SAMPLE / "2004"], store, n_jobs=1)
    base = tmp_path / "base"
    sweep_store(store, [2, 3, 4, 5], n_seeds=2, engine="lda-gibbs", out_dir=base, n_jobs=1)
    out = tmp_path / "killed"
    out.mkdir()
    shutil.copytree(base / "prep", out / "prep")  # tokens and matrix cached: kill the fits
    results = out / "results"

    def after_three_fits() -> bool:
        return results.is_dir() and len(list(results.glob("*.json"))) >= 3

    assert kill_when(_sweep_cmd(store, out), after_three_fits)
    done = sorted(results.glob("*.json"))
    assert 3 <= len(done) < 8 and not (out / "sweep.csv").exists()
    for path in done:  # a result counts as done only with its matrix, complete
        k = json.loads(path.read_text())["k"]
        phi = np.load(path.with_suffix(".npy"), allow_pickle=False)
        assert phi.shape[0] == k and np.allclose(phi.sum(axis=1), 1.0)
    kept = {p.name: p.read_bytes() for p in done}
    again = subprocess.run(_sweep_cmd(store, out), cwd=ROOT, capture_output=True,
                           text=True, timeout=600, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    # the finished fits were read, not fitted again (their timings would differ)
    assert {n: (results / n).read_bytes() for n in kept} == kept
    for path in sorted((base / "results").iterdir()):
        other = out / "results" / path.name
        if path.suffix == ".json":
            assert _result(other) == _result(path), path.name
        else:
            assert other.read_bytes() == path.read_bytes(), path.name
    for name in ("sweep.md", "recommendation.json"):
        assert (out / name).read_bytes() == (base / name).read_bytes(), name
    import pandas as pd

    a, b = (pd.read_csv(d / "sweep.csv").drop(columns="fit_seconds") for d in (base, out))
    pd.testing.assert_frame_equal(a, b)
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
