"""Tokenizing speed: `topics.text.tokenize_corpus` with n_jobs=1 against n_jobs=2.

Run ``python -m benchmarks.bench_tokenize [--n 10000] [--seed 0]``; prints a Markdown table.
The texts are generated here: cable-like paragraphs with acronyms, reference ids, numbers,
redactions and boilerplate, about 350 words each.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from topics.text import TextOptions, tokenize_corpus

_WORDS = (
    "minister government officials said policy security cooperation nuclear deterrence "
    "missile defense alliance trade tariff negotiations elections parliament opposition "
    "reform economy budget inflation investment energy pipeline refugees border military "
    "forces exercise talks agreement treaty sanctions human rights press freedom judiciary "
    "corruption police counterterrorism intelligence visit bilateral regional stability "
    "development assistance program health education agriculture water climate migration"
).split()
_NAMES = "DPRK BMD NPT IAEA NATO ASEAN GOJ MFA MOD USG PKK UNSC WTO IMF".split()
_SNIPPETS = (
    "REF: A. STATE 097844 B. {post} 00{serial}",
    "1. (C) Summary:",
    "End summary.",
    "XXXXXXXXXXXX told poloff",
    "the U.S. delegation",
    "on {day} June {year}",
    "({serial} tons, {pct} percent)",
    "follow-on talks",
    "see http://www.state.gov/r{serial}.htm",
    "Classified By: Ambassador; reasons 1.4 (b/d).",
)
_POSTS = "TOKYO PARIS ANKARA BOGOTA NEWDELHI KABUL".split()


def generate_texts(n: int, seed: int, words_per_text: int = 350) -> list[str]:
    """``n`` cable-like texts from a seeded generator."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(n):
        parts = []
        for k in range(words_per_text):
            r = rng.random()
            if r < 0.04:
                snip = _SNIPPETS[int(rng.integers(len(_SNIPPETS)))]
                parts.append(
                    snip.format(
                        post=_POSTS[int(rng.integers(len(_POSTS)))],
                        serial=int(rng.integers(1000, 9999)),
                        day=int(rng.integers(1, 29)),
                        year=int(rng.integers(1973, 2010)),
                        pct=int(rng.integers(1, 99)),
                    )
                )
            elif r < 0.10:
                parts.append(_NAMES[int(rng.integers(len(_NAMES)))])
            else:
                w = _WORDS[int(rng.integers(len(_WORDS)))]
                parts.append(w.capitalize() if k % 17 == 0 else w)
        texts.append(" ".join(parts) + ".")
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="texts to tokenize")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunksize", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=1, help="best of this many runs")
    parser.add_argument("--target", type=float, default=1.6, help="speed-up to reach")
    args = parser.parse_args(argv)

    texts = generate_texts(args.n, args.seed)
    n_words = sum(t.count(" ") + 1 for t in texts)
    options = TextOptions()
    rows = []
    results = {}
    for n_jobs in (1, 2):
        best = None
        for _ in range(max(1, args.repeats)):
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
            cpu, start = time.process_time(), time.perf_counter()
            docs = tokenize_corpus(texts, options, n_jobs=n_jobs, chunksize=args.chunksize)
            elapsed = time.perf_counter() - start
            cpu = time.process_time() - cpu
            children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - children
            if best is None or elapsed < best[0]:
                best = (elapsed, cpu, children)
        elapsed, cpu, children = best
        results[n_jobs] = docs
        rows.append((n_jobs, elapsed, cpu, children))
    same = results[1] == results[2]
    base = rows[0][1]
    load = os.getloadavg()[0]
    print(
        f"tokenize_corpus: {args.n:,} generated texts, {n_words:,} words, "
        f"chunksize={args.chunksize}, {os.cpu_count()} CPUs (load average {load:.1f}), "
        f"identical output: {same}\n"
    )
    print("| n_jobs | seconds | texts/s | speed-up | parent CPU s | worker CPU s |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n_jobs, elapsed, cpu, children in rows:
        print(
            f"| {n_jobs} | {elapsed:.2f} | {args.n / elapsed:,.0f} | {base / elapsed:.2f}x "
            f"| {cpu:.2f} | {children:.2f} |"
        )
    speedup = base / rows[1][1]
    verdict = "met" if speedup >= args.target else "NOT met"
    print(
        f"\nspeed-up target {args.target:.1f}x {verdict} ({speedup:.2f}x); wall-clock speed-up "
        f"needs two idle cores: load average was {load:.1f} on {os.cpu_count()} CPUs"
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
