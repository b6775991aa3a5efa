"""Benchmark harness: helpers, discovery, and the ingest bench on a tiny corpus (< 20 s)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.__main__ import available
from benchmarks.__main__ import main as bench_main
from benchmarks.common import markdown_table, median_time, run_child

ROOT = Path(__file__).resolve().parents[1]


def test_markdown_table():
    table = markdown_table(["a", "b"], [[1234, 0.12345], ["x", 2500.4]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1,234 | 0.123 |", "| x | 2,500 |"]
    with pytest.raises(ValueError, match="row 0 has 1 cells, expected 2"):
        markdown_table(["a", "b"], [[1]])


def test_median_time():
    med, times = median_time(lambda: sum(range(1000)), repeats=3)
    assert len(times) == 3 and sorted(times)[1] == med
    with pytest.raises(ValueError, match="'repeats' must be an int >= 1"):
        median_time(lambda: None, repeats=0)


def test_run_child_measures_peak_rss():
    code = (
        "import numpy as np, time; from benchmarks.common import child_report; "
        "a = np.ones(300_000_000 // 8); time.sleep(0.3); print(child_report(n=int(a.size)))"
    )
    res = run_child([sys.executable, "-c", code])
    assert res.returncode == 0, res.stderr
    assert res.report["n"] == 300_000_000 // 8
    assert 300e6 < res.peak_rss < 1.5e9


def test_discovery_and_unknown_name(capsys):
    assert "ingest" in available()
    assert bench_main(["no-such-bench"]) == 2
    assert "expected one of" in capsys.readouterr().err


@pytest.mark.slow
def test_ingest_bench_tiny(tmp_path):
    pytest.importorskip("corpora.store", reason="corpora/store.py (CorpusStore) not written yet")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "ingest", "--n", "40", "--workdir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| step | cables |")
    assert any(r.startswith("| floor") for r in rows)
    assert any(r.startswith("| CorpusStore.ingest") and "(kept 40," in r for r in rows)
