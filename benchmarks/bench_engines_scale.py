"""Engines at scale: topic recovery and speed on documents drawn from planted LDA topics.

Usage::

    python -m benchmarks engines_scale [--docs 50000] [--topics 50] [--terms 20000]
        [--doc-len 300] [--iterations 100] [--only 'LABEL;...'] [--workers 2] [--json PATH]

The corpus (issue 16, "Engines at scale"): ``--topics`` topics over ``--terms`` terms, each
``phi_k ~ Dirichlet(c * b)`` around a Zipf base ``b_v ∝ 1 / (v + 1)`` (so frequent terms
are shared by every topic, as function words are, and the tail is topic-specific), cable
shares ``theta_d ~ Dirichlet(alpha)`` with an asymmetric ``alpha`` (some themes are rarer),
cable lengths log-normal around ``--doc-len`` tokens. Every engine gets the SAME
`DocTermMatrix` (no tokenizer, no pruning in between), so a gap between one of our engines
and the library call it wraps is the wrapper's alone.

Scores, after Hungarian matching of fitted to planted topics on Hellinger distance
(scipy ``linear_sum_assignment``): mean ``1 - Hellinger`` ("recovery") and the number of
matched topics with cosine > 0.9 ("recovered"). ``ns/tok-it`` is fit CPU time per token
per sweep (Gibbs) or per pass (variational Bayes): CPU seconds of this process, all
threads (on a shared machine wall time also counts other jobs). Each row is fitted in this
process, one after the other (same run); the lda-numba rows are warmed up on 200 cables
first, so numba's compilation is not in their time. Each row records the load average at
its start.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
import warnings
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from benchmarks.common import print_table
from topics.vectorize import DocTermMatrix, Vocabulary

logger = logging.getLogger(__name__)


def planted_lda(n_docs: int, k: int = 50, v: int = 20_000, doc_len: int = 300,
                seed: int = 0, concentration: float = 1000.0):
    """Counts drawn from planted LDA topics around a Zipf base.

    Returns
    -------
    dtm : DocTermMatrix, shape (n_docs, v)
    phi : numpy.ndarray, shape (k, v)
        The planted p(term | topic).
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 16]))
    base = 1.0 / np.arange(1, v + 1)
    base /= base.sum()
    phi = rng.dirichlet(concentration * base, size=k)
    # Dirichlet draws with tiny parameters underflow to exact zeros; keep rows valid.
    phi = np.maximum(phi, 1e-300)
    phi /= phi.sum(axis=1, keepdims=True)
    share = 1.0 / np.arange(10, 10 + k)
    alpha = 5.0 * share / share.sum()
    theta = rng.dirichlet(alpha, size=n_docs)
    lengths = np.maximum(10, rng.lognormal(np.log(doc_len) - 0.125, 0.5, n_docs)).astype(int)
    rows, cols = [], []
    cdf = np.cumsum(phi, axis=1)
    cdf[:, -1] = 1.0
    chunk = 5000
    for lo in range(0, n_docs, chunk):
        hi = min(lo + chunk, n_docs)
        lens = lengths[lo:hi]
        # topic of each token: inverse CDF of the cable's theta
        doc_of = np.repeat(np.arange(lo, hi), lens)
        tcdf = np.cumsum(theta[lo:hi], axis=1)
        tcdf[:, -1] = 1.0
        u = rng.random(doc_of.size)
        z = (u[:, None] > tcdf[doc_of - lo]).sum(axis=1)
        w = np.empty(doc_of.size, dtype=np.int64)
        uw = rng.random(doc_of.size)
        for t in range(k):
            sel = np.flatnonzero(z == t)
            w[sel] = np.searchsorted(cdf[t], uw[sel], side="right")
        rows.append(doc_of)
        cols.append(np.minimum(w, v - 1))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    m = sp.csr_matrix((np.ones(r.size, dtype=np.int64), (r, c)), shape=(n_docs, v))
    m.sum_duplicates()
    df = np.bincount(m.indices, minlength=v)
    terms = [f"t{j:05d}" for j in range(v)]
    refs = [f"D{i:07d}" for i in range(n_docs)]
    return DocTermMatrix(m, refs, Vocabulary(terms, df, n_docs)), phi


def _head(dtm: DocTermMatrix, n: int) -> DocTermMatrix:
    """The first ``n`` cables as their own matrix (same terms, their document counts)."""
    m = dtm.matrix[:n].tocsr()
    df = np.bincount(m.indices, minlength=dtm.n_terms)
    return DocTermMatrix(m, dtm.refs[:n], Vocabulary(dtm.vocabulary.terms, df, m.shape[0]))


def recovery(topic_term: np.ndarray, phi: np.ndarray) -> tuple[float, int]:
    """Mean ``1 - Hellinger`` after Hungarian matching, and matched topics at cosine > 0.9.

    Parameters
    ----------
    topic_term : numpy.ndarray, shape (n_fitted, n_terms)
        Non-negative fitted topics (rows are normalised here).
    phi : numpy.ndarray, shape (n_planted, n_terms)
        Planted topics.
    """
    tt = np.maximum(np.asarray(topic_term, dtype=np.float64), 0.0)
    tt = tt / np.maximum(tt.sum(axis=1, keepdims=True), 1e-300)
    a, b = np.sqrt(tt), np.sqrt(phi)
    hell = np.sqrt(np.maximum(0.0, 1.0 - a @ b.T))  # Hellinger = sqrt(1 - BC)
    r, c = linear_sum_assignment(hell)
    cos = (tt[r] * phi[c]).sum(axis=1) / (
        np.linalg.norm(tt[r], axis=1) * np.linalg.norm(phi[c], axis=1))
    return float(np.mean(1.0 - hell[r, c])), int(np.sum(cos > 0.9))


# ------------------------------------------------------------------------------- the rows
def _tomotopy_plain(dtm, k, iterations, seed, optim_interval=10, workers=1):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import tomotopy as tp
    mdl = tp.LDAModel(k=k, seed=seed)  # library defaults: alpha 0.1, eta 0.01, optim 10
    mdl.optim_interval = optim_interval
    m, terms = dtm.matrix, dtm.vocabulary.terms
    for i in range(m.shape[0]):
        lo, hi = m.indptr[i], m.indptr[i + 1]
        words = [terms[j] for j in np.repeat(m.indices[lo:hi], m.data[lo:hi]).tolist()]
        if words:
            mdl.add_doc(words)
    if workers == 1:
        mdl.train(iterations, workers=1, parallel=tp.ParallelScheme.NONE)
    else:  # tomotopy's default scheme for LDA with several threads
        mdl.train(iterations, workers=workers)
    index = dtm.vocabulary.indices(mdl.used_vocabs)
    out = np.zeros((k, m.shape[1]))
    for t in range(k):
        out[t, index] = mdl.get_topic_word_dist(t)
    return out


def _gensim_plain(dtm, k, passes, seed):
    from gensim.models import LdaModel

    corpus, dictionary = dtm.to_gensim()
    lda = LdaModel(corpus, num_topics=k, id2word=dictionary, passes=passes, random_state=seed)
    return lda.get_topics()


def _nmf_plain(dtm, k, seed):
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfTransformer

    x = TfidfTransformer().fit_transform(dtm.matrix)
    return NMF(n_components=k, random_state=seed).fit(x).components_


def _ours(engine: str, **params) -> Callable:
    def fit(dtm, k, seed):
        from topics.models import make_model

        return make_model(engine, n_topics=k, seed=seed, **params).fit(dtm).topic_term_
    return fit


def _pruned(engine: str, **params) -> Callable:
    """Ours on the matrix the pipeline would model: terms in fewer than 3 cables or more
    than half of them dropped (``build_dtm``'s defaults ``min_df=3``, ``max_df=0.5``);
    the fitted topics are padded with zeros on the dropped terms before scoring."""
    def fit(dtm, k, seed):
        from topics.models import make_model

        df = np.bincount(dtm.matrix.indices, minlength=dtm.n_terms)
        keep = np.flatnonzero((df >= 3) & (df <= 0.5 * dtm.n_docs))
        terms = [dtm.vocabulary.terms[j] for j in keep]
        sub = DocTermMatrix(dtm.matrix[:, keep].tocsr(), dtm.refs,
                            Vocabulary(terms, df[keep], dtm.n_docs))
        share = sub.matrix.sum() / dtm.matrix.sum()
        print(f"  pruned input: {keep.size:,} of {dtm.n_terms:,} terms kept, "
              f"{share:.1%} of the tokens", flush=True)
        out = np.zeros((k, dtm.n_terms))
        out[:, keep] = make_model(engine, n_topics=k, seed=seed, **params).fit(sub).topic_term_
        return out
    return fit


def rows_for(iterations: int, passes: int, workers: int
             ) -> list[tuple[str, Callable, float]]:
    """(label, fit(dtm, k, seed) -> topic_term, sweeps or passes of the whole corpus)
    per engine.

    Pairs at equal settings (same matrix, priors, sweeps or passes): plain tomotopy and
    ``lda-gibbs`` / ``lda-numba`` (alpha 0.1 re-estimated every 10 sweeps, eta 0.01; and
    with alpha fixed, ``optim 0``); plain gensim and ``lda``; plain scikit-learn NMF on
    ``TfidfTransformer`` and ``nmf`` with the plain call's settings (raw tf, randomised
    NNDSVDA, 200 iterations), beside ``nmf`` at its defaults."""
    it = iterations
    return [
        (f"plain tomotopy LDA, {it} it",
         lambda d, k, s: _tomotopy_plain(d, k, it, s), it),
        (f"ours lda-numba, {it} it", _ours("lda-numba", iterations=it), it),
        (f"ours lda-gibbs, {it} it", _ours("lda-gibbs", iterations=it), it),
        (f"plain gensim LdaModel, {passes} pass",
         lambda d, k, s: _gensim_plain(d, k, passes, s), passes),
        (f"ours lda, {passes} pass", _ours("lda", passes=passes), passes),
        ("plain sklearn NMF (tf-idf)", lambda d, k, s: _nmf_plain(d, k, s), 0),
        ("ours nmf, plain call's settings",
         _ours("nmf", init="nndsvda", max_iter=200, sublinear_tf=False), 0),
        ("ours nmf", _ours("nmf"), 0),
        (f"plain tomotopy LDA, {it} it, optim 0",
         lambda d, k, s: _tomotopy_plain(d, k, it, s, optim_interval=0), it),
        (f"ours lda-numba, {it} it, optim 0",
         _ours("lda-numba", iterations=it, optim_interval=0), it),
        (f"ours lda-numba corpus order, {it} it",
         _ours("lda-numba", iterations=it, shuffle=False), it),
        (f"ours lda-numba dense, {it} it", _ours("lda-numba", iterations=it, sampler="dense"),
         it),
        (f"ours lda-numba {workers} workers, {it} it",
         _ours("lda-numba", iterations=it, workers=workers), it),
        (f"ours lda-numba mh, {it} it",
         _ours("lda-numba", iterations=it, sampler="mh"), it),
        (f"ours lda-numba sparse, {it} it",
         _ours("lda-numba", iterations=it, sampler="sparse"), it),
        (f"ours lda-numba simd, {it} it",
         _ours("lda-numba", iterations=it, sampler="simd"), it),
        (f"ours lda-numba simd {workers} workers, {it} it",
         _ours("lda-numba", iterations=it, sampler="simd", workers=workers), it),
        (f"ours lda-numba subsample 25%, {it} + {it // 4} it",
         _ours("lda-numba", subsample=0.25, subsample_iterations=it, iterations=it // 4),
         0.25 * it + it // 4),
        (f"plain tomotopy LDA, {it} it, {workers} workers",
         lambda d, k, s: _tomotopy_plain(d, k, it, s, workers=workers), it),
        (f"ours lda, {passes} pass, pipeline-pruned input",
         _pruned("lda", passes=passes), passes),
        (f"ours lda-gibbs, {it} it, pipeline-pruned input",
         _pruned("lda-gibbs", iterations=it), it),
    ]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks engines_scale",
                                description=__doc__.split("\n")[0])
    p.add_argument("--docs", type=int, default=50_000)
    p.add_argument("--topics", type=int, default=50)
    p.add_argument("--terms", type=int, default=20_000)
    p.add_argument("--doc-len", type=int, default=300)
    p.add_argument("--iterations", type=int, default=100, help="Gibbs sweeps")
    p.add_argument("--passes", type=int, default=1, help="variational Bayes passes")
    p.add_argument("--workers", type=int, default=2, help="threads of the parallel rows (lda-numba AD-LDA, tomotopy)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", default="",
                   help="';'-separated substrings of row labels (labels contain commas); "
                   "'=LABEL' matches one label exactly")
    p.add_argument("--json", default="", help="also write the rows to this JSON file")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    t0 = time.perf_counter()
    dtm, phi = planted_lda(args.docs, args.topics, args.terms, args.doc_len, args.seed)
    n_tokens = int(dtm.matrix.sum())
    print(f"planted LDA: {args.docs:,} docs, {args.topics} topics, {args.terms:,} terms, "
          f"{n_tokens:,} tokens, {int((dtm.vocabulary.df > 0).sum()):,} terms used "
          f"(generated in {time.perf_counter() - t0:.1f} s)", flush=True)
    wanted = [s.strip() for s in args.only.split(";") if s.strip()]
    rows = [(label, fit, sweeps)
            for label, fit, sweeps in rows_for(args.iterations, args.passes, args.workers)
            if not wanted or any(label == s[1:] if s.startswith("=") else s in label
                                 for s in wanted)]
    # numba compiles (or loads from its disk cache) on first use: warm every lda-numba
    # row up on 200 cables first, so its timing holds sampling only.
    small = _head(dtm, 200)
    for label, fit, _ in rows:
        if "lda-numba" in label:
            fit(small, args.topics, args.seed)
    out = []
    for label, fit, sweeps in rows:
        load, started = os.getloadavg()[0], time.strftime("%H:%M:%S")
        w0, c0 = time.perf_counter(), time.process_time()
        tt = fit(dtm, args.topics, args.seed)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        rec, n_ok = recovery(tt, phi)
        ns = cpu * 1e9 / (n_tokens * sweeps) if sweeps else float("nan")
        out.append({"engine": label, "fit_wall_s": round(wall, 1), "fit_cpu_s": round(cpu, 1),
                    "load_average": round(load, 1), "started": started,
                    "ns_per_token_iteration": round(ns, 1) if sweeps else None,
                    "recovery": round(rec, 3), "recovered": n_ok})
        print(f"{label}: wall {wall:.1f} s, cpu {cpu:.1f} s, recovery {rec:.3f}, "
              f"recovered {n_ok}, load average {load:.1f} at the start", flush=True)
        if args.json:  # after every row, so a run cut short keeps what it measured
            _write_json(args.json, {"args": vars(args), "n_tokens": n_tokens, "rows": out})
    print()
    print_table(["engine", "fit wall / CPU s", "CPU ns per token-iteration", "recovery",
                 f"recovered (of {args.topics})"],
                [[r["engine"], f"{r['fit_wall_s']} / {r['fit_cpu_s']}",
                  "-" if r["ns_per_token_iteration"] is None else r["ns_per_token_iteration"],
                  r["recovery"], r["recovered"]] for r in out])
    return 0


def _write_json(path: str, obj: dict) -> None:
    """Write ``obj`` as JSON atomically (a temporary file renamed over ``path``)."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=1)
    os.replace(tmp, path)
