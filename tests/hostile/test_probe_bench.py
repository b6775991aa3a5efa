"""The probe benchmark (`python -m benchmarks hostile`) runs: one cheap probe, this checkout."""

from __future__ import annotations

from benchmarks.bench_hostile import PROBES, probe


def test_probe_reports_an_outcome():
    assert len(PROBES) >= 15
    result = probe("emoji-config", None)
    assert result.startswith("valid TOML ("), result
