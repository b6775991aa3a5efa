"""Our coherence against gensim's CoherenceModel: same values, time for each.

K=50 topics of 10 top terms on generated cable-like token lists (default 50,000) and on real
Cablegate HTML pages (tags stripped crudely). gensim runs with ``processes=1``, timed once.

    python -m benchmarks.bench_coherence [--n-docs 50000] [--doc-len 80] [--measures ...]
"""

from __future__ import annotations

import argparse
import html
import re
import time
from pathlib import Path

import numpy as np

from topics.evaluate import ReferenceCorpus, coherence

GENSIM = {"u_mass": "u_mass", "c_npmi": "c_npmi", "c_v": "c_v"}
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "cablegate-html"


def generate(n_docs: int, doc_len: int, seed: int = 0) -> tuple[list[list[str]], list[list[str]]]:
    """Zipfian background vocabulary plus 50 planted themes; returns (texts, topics)."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(20_000)])
    zipf = 1 / np.arange(1, len(vocab) + 1) ** 1.05
    zipf /= zipf.sum()
    themes = [rng.choice(vocab[200:], 30, replace=False) for _ in range(50)]
    lengths = rng.integers(doc_len // 4, doc_len * 7 // 4, n_docs)
    background = rng.choice(vocab, int(lengths.sum()), p=zipf)
    texts, at = [], 0
    for n in lengths:
        doc = background[at:at + n].copy()
        at += n
        theme = themes[rng.integers(50)]
        mask = rng.random(n) < 0.25
        doc[mask] = rng.choice(theme, int(mask.sum()))
        texts.append(doc.tolist())
    # topics: 7 theme words + 3 frequent background words each
    topics = [list(t[:7]) + list(vocab[3 * k:3 * k + 3]) for k, t in enumerate(themes)]
    return texts, topics


def real_cables(limit: int | None = None) -> list[list[str]]:
    files = sorted(SHARED.rglob("*.html"))[:limit]
    texts = []
    for f in files:
        raw = f.read_text(errors="replace")
        raw = re.sub(r"(?is)<(script|style).*?</\1>", " ", raw)
        words = re.findall(r"[a-z]{3,}", html.unescape(re.sub(r"<[^>]+>", " ", raw)).lower())
        texts.append(words)
    return texts


def top_frequency_topics(texts: list[list[str]], k: int = 50, n: int = 10) -> list[list[str]]:
    counts: dict[str, int] = {}
    for d in texts:
        for t in d:
            counts[t] = counts.get(t, 0) + 1
    ranked = sorted(counts, key=lambda t: (-counts[t], t))[20:]
    return [ranked[i::k][:n] for i in range(k)]


def compare(name: str, texts, topics, measures, rows) -> None:
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    t0 = time.perf_counter()
    ref = ReferenceCorpus.from_texts(texts)
    encode_s = time.perf_counter() - t0
    dictionary = Dictionary(texts)
    corpus = None
    for m in measures:
        t0 = time.perf_counter()
        ours = coherence(topics, ref, measure=m)
        ours_s = time.perf_counter() - t0
        kw = {"texts": texts}
        if m == "u_mass":
            corpus = corpus or [dictionary.doc2bow(t) for t in texts]
            kw = {"corpus": corpus}
        t0 = time.perf_counter()
        cm = CoherenceModel(topics=topics, dictionary=dictionary, coherence=GENSIM[m], topn=10,
                            processes=1, **kw)
        theirs = np.array(cm.get_coherence_per_topic())
        gensim_s = time.perf_counter() - t0
        rows.append((name, m, ours.window, ours_s, encode_s, gensim_s, ours.mean, theirs.mean(),
                     float(np.abs(ours.per_topic - theirs).max())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-docs", type=int, default=50_000)
    parser.add_argument("--doc-len", type=int, default=80, help="mean tokens per document")
    parser.add_argument("--measures", nargs="+", default=["u_mass", "c_npmi", "c_v"])
    parser.add_argument("--real-limit", type=int, default=None)
    parser.add_argument("--skip-real", action="store_true")
    args = parser.parse_args(argv)
    rows: list[tuple] = []
    texts, topics = generate(args.n_docs, args.doc_len)
    compare(f"generated {args.n_docs:,} docs", texts, topics, args.measures, rows)
    if not args.skip_real and SHARED.exists():
        real = real_cables(args.real_limit)
        compare(f"Cablegate HTML {len(real):,} cables", real, top_frequency_topics(real),
                args.measures, rows)
    print("| corpus | measure | window | ours s | (+ encode s) | gensim s | speed-up "
          "| ours mean | gensim mean | max abs diff |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, m, w, o, e, g, om, gm, d in rows:
        print(f"| {name} | {m} | {w or 'doc'} | {o:.2f} | {e:.2f} | {g:.1f} | {g / o:.0f}x "
              f"({g / (o + e):.0f}x with encode) | {om:.6f} | {gm:.6f} | {d:.1e} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
