"""Our coherence against gensim's CoherenceModel: same values, time for each.

K=50 topics of 10 top terms on generated cable-like token lists (default 50,000) and on real
Cablegate HTML pages (tags stripped crudely), in one run. What each side's time includes:

- ``ours s``: `coherence` on an encoded `ReferenceCorpus` (median of ``--repeats`` runs).
- ``(+ encode s)``: once per corpus, shared by every measure and model: ``from_texts`` plus
  ``build_index`` (the inverted indexes), median of ``--repeats``.
- ``gensim s``: ``CoherenceModel(...).get_coherence_per_topic()`` given a ``Dictionary`` (and,
  for u_mass, the bag-of-words corpus); for c_npmi/c_v this includes gensim's own pass over
  the texts (it has no reusable index). ``processes=1``; median of ``--repeats`` when one run
  takes under 5 s, else timed once.
- ``(+ setup s)``: what a user holding only token lists must build first: ``Dictionary(texts)``
  (all measures) and ``[dictionary.doc2bow(t) for t in texts]`` (u_mass).

Speed-up is ``gensim s / ours s`` (coherence on prepared inputs, like for like), then in
brackets ``(gensim s + setup s) / (ours s + encode s)`` (from token lists, one measure).
The run fails (exit 1) if any value differs from gensim's by more than 1e-6 (u_mass,
c_npmi) or 1e-4 (c_v).

    python -m benchmarks coherence [--n-docs 50000] [--doc-len 80] [--measures ...]
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


TOLERANCE = {"u_mass": 1e-6, "c_npmi": 1e-6, "c_v": 1e-4}


def _timed(fn, repeats: int, slow_s: float | None = None):
    """(median seconds, last result) over ``repeats`` runs; one run only if it took slow_s."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        if slow_s is not None and times[0] >= slow_s:
            break
    return float(np.median(times)), result


def compare(name: str, texts, topics, measures, rows, repeats: int = 3) -> None:
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    encode_s, ref = _timed(lambda: ReferenceCorpus.from_texts(texts).build_index(), repeats)
    dict_s, dictionary = _timed(lambda: Dictionary(texts), repeats)
    bow_s, corpus = _timed(lambda: [dictionary.doc2bow(t) for t in texts], repeats)
    for m in measures:
        ours_s, ours = _timed(lambda m=m: coherence(topics, ref, measure=m), repeats)
        kw = {"corpus": corpus} if m == "u_mass" else {"texts": texts}
        setup_s = dict_s + (bow_s if m == "u_mass" else 0.0)

        def theirs(m=m, kw=kw):
            cm = CoherenceModel(topics=topics, dictionary=dictionary, coherence=GENSIM[m],
                                topn=10, processes=1, **kw)
            return np.array(cm.get_coherence_per_topic())

        gensim_s, per_topic = _timed(theirs, repeats, slow_s=5.0)
        rows.append((name, m, ours.window, ours_s, encode_s, gensim_s, setup_s, ours.mean,
                     per_topic.mean(), float(np.abs(ours.per_topic - per_topic).max())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-docs", type=int, default=50_000)
    parser.add_argument("--doc-len", type=int, default=80, help="mean tokens per document")
    parser.add_argument("--measures", nargs="+", default=["u_mass", "c_npmi", "c_v"])
    parser.add_argument("--real-limit", type=int, default=None)
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per timing (median); gensim runs over 5 s are timed once")
    args = parser.parse_args(argv)
    rows: list[tuple] = []
    texts, topics = generate(args.n_docs, args.doc_len)
    compare(f"generated {args.n_docs:,} docs", texts, topics, args.measures, rows, args.repeats)
    if not args.skip_real and SHARED.exists():
        real = real_cables(args.real_limit)
        compare(f"Cablegate HTML {len(real):,} cables", real, top_frequency_topics(real),
                args.measures, rows, args.repeats)
    print("| corpus | measure | window | ours s | (+ encode s) | gensim s | (+ setup s) "
          "| speed-up | ours mean | gensim mean | max abs diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, m, w, o, e, g, su, om, gm, d in rows:
        print(f"| {name} | {m} | {w or 'doc'} | {o:.3f} | {e:.2f} | {g:.2f} | {su:.2f} "
              f"| {g / o:.0f}x ({(g + su) / (o + e):.0f}x from texts) | {om:.6f} | {gm:.6f} "
              f"| {d:.1e} |")
    bad = [(name, m, d) for name, m, *_, d in rows if not d <= TOLERANCE[m]]
    for name, m, d in bad:
        print(f"FAIL: {name} {m}: max abs diff {d:.1e} > {TOLERANCE[m]:.0e}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
