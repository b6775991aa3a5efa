"""Report rendering time: `topics.report.render_report` on a large synthesized run directory.

Run ``python -m benchmarks.bench_report [--n 50000] [--k 50] [--themes 50] [--seed 0]``;
prints a Markdown table. The run directory is synthesized here, schema-valid but random:
doc-topic rows from a sparse Dirichlet, topic-term rows over 5,000 terms, fake refs, posts,
classifications and dates 2003-2010, short bodies in a corpus store. Themes are each cable's
dominant topic grouped ``K / themes`` topics to a theme (``--themes K``: one topic each, as
the pipeline's default ``dominant`` method). Target: under 30 s for 50,000 cables.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from corpora.cable import CLASSIFICATIONS
from topics.report import render_report

_WORDS = np.array(
    "minister government officials policy security nuclear missile alliance trade tariff "
    "elections parliament opposition reform economy budget energy pipeline refugees border "
    "military talks agreement treaty sanctions rights press judiciary corruption police".split()
)


def synthesize_run(root: Path, n: int, k: int, n_themes: int, seed: int,
                   n_terms: int = 5000) -> Path:
    """Write a corpus store and a run directory under ``root``; return the run directory."""
    rng = np.random.default_rng(seed)
    store = root / "store"
    store.mkdir(parents=True)
    refs = [f"{i % 8 + 3:02d}POST{i % 97}X{i}" for i in range(n)]
    posts = np.array([f"Embassy City{j:03d}" for j in range(120)])
    post = posts[np.minimum(rng.zipf(1.6, n) - 1, len(posts) - 1)]
    classes = np.array(list(CLASSIFICATIONS[:5]) + ["SECRET//NOFORN"])
    cls = classes[rng.choice(len(classes), n, p=[0.3, 0.05, 0.05, 0.35, 0.15, 0.1])]
    start = pd.Timestamp("2003-01-01", tz="UTC").value // 1000
    span = (pd.Timestamp("2010-02-28", tz="UTC").value // 1000) - start
    dates = pa.array(start + rng.integers(0, span, n), type=pa.timestamp("us", tz="UTC"))
    words = _WORDS[rng.integers(0, len(_WORDS), (n, 60))]
    bodies = [" ".join(row) for row in words]
    subjects = [f"SUBJECT {i}: " + " ".join(row[:5]) for i, row in enumerate(words)]
    tags = [["PREL", "PGOV", f"C{i % 50:02d}"] for i in range(n)]
    pq.write_table(pa.table({
        "ref": refs, "date": dates, "origin": post, "classification": cls,
        "tags": pa.array(tags, type=pa.list_(pa.string())), "subject": subjects, "body": bodies,
    }), store / "cables.parquet")
    (store / "rejects.jsonl").write_text(
        "".join(json.dumps({"path": "raw.txt", "locator": f"line {i}", "reason": r,
                            "field": "date"}) + "\n"
                for i, r in enumerate(["no date-time group"] * 30 + ["empty body"] * 7)),
        encoding="utf-8")
    (store / "manifest.json").write_text(json.dumps(
        {"sources": [{"path": "raw.txt", "sha256": "0" * 64}]}), encoding="utf-8")

    run = root / "run"
    (run / "model").mkdir(parents=True)
    doc_topic = rng.dirichlet(np.full(k, 0.1), n)
    topic_term = rng.dirichlet(np.full(n_terms, 0.05), k)
    terms = [f"term{i}" for i in range(n_terms)]
    topic_to_theme = np.arange(k) * n_themes // k
    theme = topic_to_theme[np.argmax(doc_topic, axis=1)]
    frame = pd.DataFrame({
        "ref": refs, "date": dates.to_pandas(), "origin": post, "classification": cls,
        "tags": tags, "subject": subjects,
        **{f"topic_{j}": doc_topic[:, j] for j in range(k)}, "theme": theme.astype(np.int64),
    })
    frame.to_parquet(run / "doc_topics.parquet", index=False)
    top = np.argsort(-topic_term, axis=1, kind="stable")[:, :20]
    topics = [{"id": j, "label": f"{terms[top[j, 0]]} / {terms[top[j, 1]]}",
               "top_terms": [terms[i] for i in top[j]],
               "term_weights": topic_term[j, top[j]].tolist(),
               "share": float(doc_topic[:, j].mean())} for j in range(k)]
    themes = []
    for t in range(n_themes):
        members = [int(j) for j in np.flatnonzero(topic_to_theme == t)]
        size = int((theme == t).sum())
        themes.append({"id": t, "label": topics[members[0]]["label"], "size": size,
                       "share": size / n, "top_terms": topics[members[0]]["top_terms"],
                       "top_phrases": [], "tags": [{"tag": "PREL", "name": "", "share": 0.5,
                                                    "lift": 1.0}],
                       "representative": [], "topics": members})
    (run / "topics.json").write_text(json.dumps({
        "engine": "synthetic", "n_topics": k, "seed": seed, "store": str(store),
        "topics": topics, "themes": themes}), encoding="utf-8")
    np.save(run / "model" / "topic_term.npy", topic_term)
    (run / "model" / "vocabulary.json").write_text(json.dumps(terms), encoding="utf-8")
    (run / "model" / "params.json").write_text(json.dumps({"n_topics": k, "seed": seed}),
                                               encoding="utf-8")
    (run / "manifest.json").write_text(json.dumps({"store": str(store)}), encoding="utf-8")
    # a document-term matrix as the pipeline writes it (60 tokens a cable drawn from the
    # cable's two largest topics): the report scores its term lists and sizes LDAvis on it
    import scipy.sparse as sp

    top2 = np.argsort(-doc_topic, axis=1)[:, :2]
    cum = np.cumsum(topic_term, axis=1)
    picks = np.empty((n, 60), dtype=np.int64)
    for half in range(2):
        u = rng.random((n, 30))
        picks[:, half * 30:(half + 1) * 30] = np.stack(
            [np.searchsorted(cum[t], u[i]) for i, t in enumerate(top2[:, half])])
    picks = np.minimum(picks, n_terms - 1)
    dtm = sp.csr_matrix((np.ones(picks.size), (np.repeat(np.arange(n), 60), picks.ravel())),
                        shape=(n, n_terms))
    dtm.sum_duplicates()
    (run / "dtm").mkdir()
    sp.save_npz(run / "dtm" / "dtm.npz", dtm)
    (run / "dtm" / "dtm.json").write_text(json.dumps({"terms": terms, "refs": refs}),
                                          encoding="utf-8")
    return run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench_report", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000, help="cables")
    ap.add_argument("--k", type=int, default=50, help="topics")
    ap.add_argument("--themes", type=int, default=50, help="themes (<= k)")
    ap.add_argument("--n-boot", type=int, default=500, help="bootstrap draws")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=float, default=30.0, help="target seconds")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        t0 = time.perf_counter()
        run = synthesize_run(Path(tmp), args.n, args.k, min(args.themes, args.k), args.seed)
        t_synth = time.perf_counter() - t0
        import resource

        def children() -> float:
            use = resource.getrusage(resource.RUSAGE_CHILDREN)
            return use.ru_utime + use.ru_stime

        t1, c1, k1 = time.perf_counter(), time.process_time(), children()
        logging.basicConfig(level=logging.WARNING, format="%(message)s")
        logging.getLogger("topics.report.render").setLevel(logging.INFO)  # stage timings
        index = render_report(run, n_boot=args.n_boot)
        # CPU of this process and of the forked figure encoders
        secs, cpu = time.perf_counter() - t1, time.process_time() - c1 + children() - k1
        n_figs = len(list((index.parent / "figures").glob("*.png")))
        html_mb = index.stat().st_size / 1e6
    print("| cables | topics | themes | bootstrap draws | figures | index.html MB "
          "| synthesize s | render s | render CPU s | target s | ok |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    print(f"| {args.n:,} | {args.k} | {min(args.themes, args.k)} | {args.n_boot} | {n_figs} "
          f"| {html_mb:.1f} | {t_synth:.1f} | {secs:.1f} | {cpu:.1f} | {args.budget:.0f} "
          f"| {'yes' if secs < args.budget else 'NO'} |")
    return 0 if secs < args.budget else 1


if __name__ == "__main__":
    raise SystemExit(main())
