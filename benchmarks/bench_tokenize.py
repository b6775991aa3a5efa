"""Tokenizer cost: today's `topics.tokenize.Tokenizer` against the one before issue 16.

Run ``python -m benchmarks tokenize [--store DIR] [--generated 1000] [--repeats 3]``.
The texts: the bodies of a corpus store (``DIR/cables.parquet``, e.g. a store of the 4,000
real cables of ``../shared/data/cablegate-dev``) and ``--generated`` cables of
`corpora.synthetic`'s ``cablegate`` profile. On those texts, in one process, one after the
other and repeated: the frozen tokenizer of commit 89a3529
(`benchmarks.tokenize_reference`), today's ``Tokenizer.__call__`` per text, and today's
``Tokenizer.encode`` per chunk of 256 texts (ids, as `topics.tokenids.tokenize_ids`'
workers can use it). Prints CPU seconds (``time.process_time``, median of the repeats),
tokens per CPU second and whether every text's tokens are identical; exits 1 if not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from topics.tokenize import TextOptions, Tokenizer

#: Option sets (``--options``): the default (the pipeline's), lemmas, case kept with
#: place names kept.
OPTION_SETS: dict[str, dict] = {
    "default": {},
    "lemmas": {"lemmatize": True},
    "case": {"lowercase": False, "drop_place_names": False},
}
CHUNK = 256


def load_texts(store: Path | None, n_generated: int, seed: int) -> tuple[list[str], str]:
    """Bodies of ``store`` (if given) then ``n_generated`` cablegate-profile cables."""
    texts: list[str] = []
    parts = []
    if store is not None:
        import pyarrow.parquet as pq

        path = Path(store) / "cables.parquet"
        if not path.is_file():
            raise SystemExit(f"bench_tokenize: no {path} (give a corpus store directory)")
        bodies = pq.read_table(path, columns=["body"]).column("body").to_pylist()
        texts += [b or "" for b in bodies]
        parts.append(f"{len(bodies):,} bodies of {store}")
    if n_generated:
        from corpora.synthetic import iter_synthetic_cables

        texts += [c.text for c in iter_synthetic_cables(n_generated, seed, profile="cablegate")]
        parts.append(f"{n_generated:,} generated cablegate-profile cables (seed {seed})")
    return texts, " + ".join(parts)


def _decode(encoded: list[tuple[list[str], object, object]]) -> list[list[str]]:
    docs = []
    for vocab, ids, lengths in encoded:
        pos = 0
        flat = ids.tolist()
        for n in lengths.tolist():
            docs.append([vocab[i] for i in flat[pos:pos + n]])
            pos += n
    return docs


def measure(texts: list[str], options: TextOptions, repeats: int) -> list[dict]:
    """Rows (name, CPU seconds of every repeat, tokens, identical) for the three roads."""
    from benchmarks.tokenize_reference import Tokenizer as Reference

    old, new = Reference(options), Tokenizer(options)
    new.encode(["warm-up: U.S. New Delhi", "numba's cache \u00b6 \u201cloaded\u201d"])
    roads: dict[str, Callable[[], list[list[str]]]] = {
        "before (89a3529), per text": lambda: [old(t) for t in texts],
        "now, __call__ per text": lambda: [new(t) for t in texts],
        f"now, encode per {CHUNK} texts (ids)": lambda: _decode(
            [new.encode(texts[i:i + CHUNK]) for i in range(0, len(texts), CHUNK)]),
    }
    rows = {name: {"name": name, "cpu": [], "docs": None} for name in roads}
    for _ in range(repeats):  # interleaved: a load change hits every road alike
        for name, run in roads.items():
            cpu = time.process_time()
            docs = run()
            rows[name]["cpu"].append(time.process_time() - cpu)
            if rows[name]["docs"] is None:
                rows[name]["docs"] = docs
    reference = rows["before (89a3529), per text"]["docs"]
    out = []
    for row in rows.values():
        docs = row.pop("docs")
        row["tokens"] = sum(map(len, docs))
        row["differ"] = sum(a != b for a, b in zip(docs, reference, strict=True))
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=None,
                        help="corpus store directory whose bodies to tokenize")
    parser.add_argument("--generated", type=int, default=1000,
                        help="generated cablegate-profile cables (default 1000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="median of this many")
    parser.add_argument("--options", default="default",
                        help=f"comma-separated option sets of {sorted(OPTION_SETS)}")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.options.split(",") if n.strip()]
    unknown = sorted(set(names) - set(OPTION_SETS))
    if unknown:
        parser.error(f"--options: unknown {unknown}; expected some of {sorted(OPTION_SETS)}")
    texts, what = load_texts(args.store, args.generated, args.seed)
    if not texts:
        parser.error("no texts: give --store or --generated > 0")
    print(f"tokenizer, one process: {len(texts):,} texts ({what}), "
          f"{sum(map(len, texts)):,} characters; CPU s = time.process_time, median of "
          f"{args.repeats}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
    failed = False
    for name in names:
        rows = measure(texts, TextOptions(**OPTION_SETS[name]), max(1, args.repeats))
        base = statistics.median(rows[0]["cpu"])
        print(f"options {name!r} {OPTION_SETS[name] or '(TextOptions())'}\n")
        print("| tokenizer | CPU s (median) | CPU s (all) | tokens | tokens per CPU s | "
              "speed-up | identical tokens |")
        print("|---|---:|---|---:|---:|---:|---|")
        for row in rows:
            med = statistics.median(row["cpu"])
            same = "yes" if row["differ"] == 0 else f"NO ({row['differ']} texts differ)"
            failed |= row["differ"] > 0
            print(f"| {row['name']} | {med:.2f} | "
                  f"{', '.join(f'{c:.2f}' for c in row['cpu'])} | {row['tokens']:,} | "
                  f"{row['tokens'] / med:,.0f} | {base / med:.2f}x | {same} |")
        print()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
