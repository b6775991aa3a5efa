"""Quality per second of every engine on a planted-topic matrix.

Usage: python benchmarks/bench_models.py [n_docs] [n_topics] [n_terms]
Prints fit seconds and the mean / min cosine of recovered vs planted topics after Hungarian
matching (scipy ``linear_sum_assignment``).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from topics.models import ENGINES, make_model
from topics.vectorize import DocTermMatrix, Vocabulary


def planted(n_docs: int, k: int, v: int, seed: int = 0, doc_len: int = 120):
    rng = np.random.default_rng(seed)
    beta = rng.dirichlet(np.full(v, 0.05), size=k)
    theta = rng.dirichlet(np.full(k, 0.1), size=n_docs)
    X = np.vstack([rng.multinomial(doc_len, p) for p in theta @ beta])
    terms = [f"t{j:05d}" for j in range(v)]
    refs = [f"R{i}" for i in range(n_docs)]
    return DocTermMatrix(sp.csr_matrix(X), refs, Vocabulary(terms, (X > 0).sum(0), n_docs)), beta


def matched(tt: np.ndarray, beta: np.ndarray) -> np.ndarray:
    a = tt / np.linalg.norm(tt, axis=1, keepdims=True)
    b = beta / np.linalg.norm(beta, axis=1, keepdims=True)
    cos = a @ b.T
    r, c = linear_sum_assignment(-cos)
    return cos[r, c]


def main(argv: list[str]) -> None:
    n_docs, k, v = (int(x) for x in (argv + ["3000", "20", "2000"][len(argv) :]))
    dtm, beta = planted(n_docs, k, v)
    print(f"planted: {n_docs} docs, {k} topics, {v} terms, nnz={dtm.matrix.nnz}")
    print(f"{'engine':<14} {'fit_s':>7} {'mean_cos':>9} {'min_cos':>8} {'K_fit':>6}")
    for engine in ENGINES:
        t0 = time.perf_counter()
        m = make_model(engine, n_topics=k, seed=0).fit(dtm)
        dt = time.perf_counter() - t0
        cos = matched(m.topic_term_, beta[: m.n_topics_] if m.n_topics_ > k else beta)
        print(f"{engine:<14} {dt:7.2f} {cos.mean():9.3f} {cos.min():8.3f} {m.n_topics_:6d}")


if __name__ == "__main__":
    main(sys.argv[1:])
