"""Person-name passes' cost: today's `topics.names` against the passes before issue 16.

Run ``python -m benchmarks names [--store DIR ...] [--generated 2000] [--repeats 3]``.
The texts: the bodies of each corpus store (``DIR/cables.parquet``) and ``--generated``
cables of `corpora.synthetic`'s ``cablegate`` profile. On each, in one process, the passes
as the tokenize stage runs them (`topics.corpus_scan.learn_names`, whose workers get
batches of ``--batch`` bodies): `count_names` per batch and `NameCounts.merge`,
`first_names`, `count_beside` per batch, `final_names`; once with the passes frozen at
commit bfb6b83 (`benchmarks.names_reference`), once with today's. Prints CPU seconds
(``time.process_time``, median of the repeats) of each pass and whether the counts and
the names are identical; exits 1 if not.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path
from types import ModuleType


def _passes(mod: ModuleType, texts: list[str], batch: int) -> tuple[dict, object, frozenset]:
    """CPU seconds of each pass of ``mod`` over ``texts`` in batches, the merged counts and
    the names."""
    cpu = {}
    t0 = time.process_time()
    counts = mod.NameCounts()
    for i in range(0, len(texts), batch):
        counts.merge(mod.count_names(texts[i:i + batch]))
    t1 = time.process_time()
    names = frozenset(mod.first_names(counts))
    beside: Counter = Counter()
    for i in range(0, len(texts), batch):
        beside.update(mod.count_beside(texts[i:i + batch], names))
    t2 = time.process_time()
    out = mod.final_names(counts, names, beside)
    t3 = time.process_time()
    cpu["count_names"] = t1 - t0
    cpu["count_beside"] = t2 - t1
    cpu["total"] = t3 - t0
    return cpu, counts, out


def _texts(store: Path | None, n_generated: int, seed: int) -> tuple[list[str], str]:
    if store is not None:
        import pyarrow.parquet as pq

        path = Path(store) / "cables.parquet"
        if not path.is_file():
            raise SystemExit(f"bench_names: no {path} (give a corpus store directory)")
        bodies = pq.read_table(path, columns=["body"]).column("body").to_pylist()
        return [b or "" for b in bodies], f"{len(bodies):,} bodies of {store}"
    from corpora.synthetic import iter_synthetic_cables

    texts = [c.text for c in iter_synthetic_cables(n_generated, seed, profile="cablegate")]
    return texts, f"{n_generated:,} generated cablegate-profile cables (seed {seed})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks names", description=__doc__)
    ap.add_argument("--store", type=Path, action="append", default=[],
                    help="a corpus store directory (repeatable)")
    ap.add_argument("--generated", type=int, default=2000,
                    help="generated cables when no --store is given (default 2000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=2000, help="bodies per batch (default 2000)")
    args = ap.parse_args(argv)

    import benchmarks.names_reference as ref
    import topics.names as today

    today.load_kernels()  # numba's import and compilation are not the passes' cost
    ok = True
    for store in args.store or [None]:
        texts, what = _texts(store, args.generated, args.seed)
        print(f"\n{what}: {sum(map(len, texts)) / 1e6:.1f} M characters, "
              f"batches of {args.batch:,}, median of {args.repeats}\n")
        runs: dict[str, list[dict]] = {"before (bfb6b83)": [], "today": []}
        results = {}
        for _ in range(args.repeats):
            for label, mod in (("before (bfb6b83)", ref), ("today", today)):
                cpu, counts, names = _passes(mod, texts, args.batch)
                runs[label].append(cpu)
                results[label] = (counts, names)
        (c0, n0), (c1, n1) = results.values()
        same_counts = all(getattr(c0, f) == getattr(c1, f)
                          for f in ("after", "lower", "capital", "after_the"))
        same = same_counts and n0 == n1
        ok &= same
        print("| passes | count_names CPU s | count_beside CPU s | total CPU s | names |")
        print("|---|---|---|---|---|")
        med = {label: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
               for label, rs in runs.items()}
        for label, m in med.items():
            print(f"| {label} | {m['count_names']:.2f} | {m['count_beside']:.2f} | "
                  f"{m['total']:.2f} | {len(results[label][1]):,} |")
        b, t = med["before (bfb6b83)"], med["today"]
        print(f"\n{b['total'] / max(t['total'], 1e-9):.1f}x cheaper; counts identical: "
              f"{same_counts}; names identical: {n0 == n1}")
    return 0 if ok else 1
