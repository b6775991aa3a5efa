"""The pipeline's tokenizing road, `topics.tokenids.tokenize_ids`, in and over processes.

Run ``python -m benchmarks tokenize_ids [--store DIR] [--generated 2000] [--repeats 3]
[--jobs 1,2]``. The texts: the bodies of a corpus store (``DIR/cables.parquet``) and/or
``--generated`` cablegate-profile cables; the options: the pipeline's
(``text_options(RunConfig())`` without phrases, person names learned from the texts). For
each ``n_jobs``, repeated: wall seconds, CPU seconds of this process and of the worker
processes (``getrusage``: the workers are reaped when the pool closes), tokens per wall
second and per CPU second (parent + workers), medians. Every run's ids, offsets and
vocabulary must equal those of tokenizing text by text (``Tokenizer.__call__``,
`TokenIds.from_lists`); exits 1 if not. `benchmarks.bench_tokenize` compares the tokenizer
itself with the frozen one of before issue 16.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.bench_tokenize import load_texts


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    from topics.config import RunConfig
    from topics.names import learn_person_names
    from topics.stages import text_options
    from topics.tokenids import TokenIds, tokenize_ids
    from topics.tokenize import Tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=None,
                        help="corpus store directory whose bodies to tokenize")
    parser.add_argument("--generated", type=int, default=2000,
                        help="generated cablegate-profile cables (default 2000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="median of this many")
    parser.add_argument("--jobs", default="1,2", help="comma-separated n_jobs values")
    parser.add_argument("--chunksize", type=int, default=256)
    args = parser.parse_args(argv)
    jobs = [int(j) for j in args.jobs.split(",") if j.strip()]
    texts, what = load_texts(args.store, args.generated, args.seed)
    if not texts:
        parser.error("no texts: give --store or --generated > 0")
    options = replace(text_options(RunConfig()), phrases=False)
    if options.drop_person_names:
        options = replace(options, person_names=tuple(sorted(learn_person_names(texts))))
    tok = Tokenizer(options)
    want = TokenIds.from_lists(tok(t) for t in texts)
    print(f"tokenize_ids: {len(texts):,} texts ({what}), {want.n_tokens:,} tokens, "
          f"{len(want.vocab):,} distinct; chunksize {args.chunksize}; medians of "
          f"{args.repeats}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
    print("| n_jobs | wall s | parent CPU s | workers CPU s | tokens per wall s | "
          "tokens per CPU s | identical ids, offsets, vocab |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    failed = False
    for n_jobs in jobs:
        walls, parents, workers, same = [], [], [], True
        for _ in range(max(1, args.repeats)):
            p0, c0 = _cpu()
            t0 = time.perf_counter()
            got = tokenize_ids(iter(texts), options, n_jobs=n_jobs, chunksize=args.chunksize)
            walls.append(time.perf_counter() - t0)
            p1, c1 = _cpu()
            parents.append(p1 - p0)
            workers.append(c1 - c0)
            same &= (got.vocab == want.vocab and np.array_equal(got.offsets, want.offsets)
                     and np.array_equal(got.ids, want.ids))
        failed |= not same
        wall, par, wrk = (statistics.median(v) for v in (walls, parents, workers))
        cpu = statistics.median(p + w for p, w in zip(parents, workers, strict=True))
        print(f"| {n_jobs} | {wall:.2f} | {par:.2f} | {wrk:.2f} | "
              f"{want.n_tokens / wall:,.0f} | {want.n_tokens / cpu:,.0f} | "
              f"{'yes' if same else 'NO'} |")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
