"""Coverage from reference serials and burst detection: the Cablegate reproduction and timings.

``python -m benchmarks coverage [--ids PATH] [--draws N]`` reads every Cablegate reference id
(default ``../shared/data/cablegate-metadata/cable2month.csv.gz``; synthetic ids of the
same size when it is absent), prints the observed-share table of ``docs/coverage.md`` (by
period, with and without STATE) with the time each step takes, then times
`topics.events.detect_events` on 250,000 generated cables (50 themes, 120 months).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import ROOT, print_table

DEFAULT_IDS = ROOT.parent / "shared" / "data" / "cablegate-metadata" / "cable2month.csv.gz"
PERIODS = [(None, ()), (None, ("STATE",)), ((2000, 2010), ()), ((2003, 2010), ()),
           ((2003, 2010), ("STATE",)), ((2005, 2010), ()), ((2006, 2009), ()),
           ((2006, 2009), ("STATE",))]


def _synthetic_ids(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    out: list[str] = []
    post = 0
    while len(out) < n:
        sent = int(rng.integers(500, 6000))
        k = min(sent, max(2, int(sent * rng.uniform(0.01, 0.3))))
        year = 2003 + post % 8
        out += [f"{year % 100:02d}POST{post // 8}{s}" for s in rng.choice(sent, k, replace=False) + 1]
        post += 1
    return out[:n]


def main(argv: Sequence[str] | None = None) -> int:
    from corpora.coverage import coverage_table, read_references, summarize_coverage
    from topics.events import detect_events

    ap = argparse.ArgumentParser(prog="python -m benchmarks coverage")
    ap.add_argument("--ids", default=str(DEFAULT_IDS), help="file of reference ids")
    ap.add_argument("--draws", type=int, default=2000, help="posterior draws per summary")
    ap.add_argument("--cables", type=int, default=250_000, help="generated cables for events")
    args = ap.parse_args(list(argv or []))

    t0 = time.perf_counter()
    if Path(args.ids).exists():
        refs, source = read_references(args.ids), args.ids
    else:
        refs, source = _synthetic_ids(251_287), "synthetic ids (the Cablegate file is absent)"
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    table, variants, unparsed = coverage_table(refs)
    t_table = time.perf_counter() - t0
    print(f"{len(refs):,} ids from {source}: read {t_read:.2f} s, {len(table):,} post-years in "
          f"{t_table:.2f} s; {len(unparsed)} without a serial; {len(variants)} post names merged\n")
    rows = []
    for years, exclude in PERIODS:
        t0 = time.perf_counter()
        s = summarize_coverage(table, years=years, exclude=exclude, n_draws=args.draws)
        dt = time.perf_counter() - t0
        if s["observed_share"] is None:
            continue
        rows.append([
            "all" if years is None else f"{years[0]}-{years[1]}",
            "without STATE" if exclude else "all",
            s["n_post_years"], s["n_cables"], round(s["estimated_sent_mvu"]),
            f"{s['observed_share']:.2%} [{s['observed_share_low']:.2%}, "
            f"{s['observed_share_high']:.2%}]",
            f"{s['observed_share_mvu']:.2%}", f"{s['observed_share_ml']:.2%}", f"{dt:.2f}",
        ])
    print_table(["years", "posts", "post-years", "cables", "est. sent (MVU)",
                 "observed share (Bayes) [95%]", "MVU", "ML", "s"], rows)

    rng = np.random.default_rng(1)
    n = int(args.cables)
    months = rng.integers(0, 120, n)
    dates = pd.Series(pd.to_datetime("2000-01-01", utc=True)
                      + pd.to_timedelta(months * 30.4, unit="D"))
    themes = rng.integers(0, 50, n)
    burst = (themes == 7) & (months >= 60) & (months < 64)
    themes[rng.random(n) < 0.02] = 7
    themes[burst & (rng.random(n) < 0.5)] = 7
    t0 = time.perf_counter()
    bursts, monthly = detect_events([f"R{i}" for i in range(n)], dates, themes, None,
                                    list(range(50)))
    dt = time.perf_counter() - t0
    print()
    print_table(["cables", "themes", "months", "bursts found", "themes with a burst", "s"],
                [[n, 50, len(monthly), len(bursts), len({b.theme for b in bursts}), f"{dt:.2f}"]])
    return 0
