"""Stability of topics across seeds: do the same topics come back when the model is refit?

Topics of two runs are matched one-to-one by the Hungarian assignment
(`scipy.optimize.linear_sum_assignment`, as in Greene, O'Callaghan & Cunningham 2014) on the
cosine similarity of their topic-term rows; a topic is *stable* when its match in every
other run is at least ``threshold`` similar.

Examples
--------
>>> import numpy as np
>>> phi = np.array([[0.7, 0.2, 0.1, 0.0], [0.0, 0.1, 0.2, 0.7]])
>>> result = stability([phi, phi[::-1]])
>>> result["overall"], result["unstable_topics"]
(1.0, [])
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["match_topics", "stability"]

logger = logging.getLogger(__name__)


def _as_matrices(topic_term_list: Sequence[Any]) -> list[np.ndarray]:
    mats = []
    for r, m in enumerate(topic_term_list):
        m = np.asarray(getattr(m, "topic_term_", m), dtype=np.float64)
        if m.ndim != 2:
            raise ValueError(f"stability: run {r} is not a (n_topics, n_terms) matrix "
                             f"(shape {m.shape}).")
        if not np.all(np.isfinite(m)):
            raise ValueError(f"stability: run {r} has NaN or infinite topic-term weights.")
        mats.append(m)
    if len(mats) < 2:
        raise ValueError(f"stability needs >= 2 runs (fits with different seeds); got {len(mats)}.")
    if mats[0].shape[0] < 2:
        raise ValueError("stability: the model has 1 topic; stability needs n_topics >= 2.")
    shapes = {m.shape for m in mats}
    if len(shapes) != 1:
        raise ValueError(
            f"stability: runs differ in shape {sorted(shapes)}; every run must have the same "
            "number of topics and the same vocabulary (fit on one DocTermMatrix).")
    return mats


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    denom = np.outer(na, nb)
    # an all-zero topic has no direction: similarity 0 rather than NaN
    return np.divide(a @ b.T, denom, out=np.zeros(denom.shape), where=denom > 0)


def match_topics(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching of the topics of run ``b`` to those of run ``a``.

    Parameters
    ----------
    a, b : array-like, shape (n_topics, n_terms)
        Topic-term matrices over the same vocabulary.

    Returns
    -------
    match : numpy.ndarray of int, shape (n_topics,)
        ``match[k]``: the topic of ``b`` assigned to topic ``k`` of ``a``.
    similarity : numpy.ndarray, shape (n_topics,)
        Cosine similarity of each matched pair.
    """
    a, b = _as_matrices([a, b])
    sim = _cosine(a, b)
    rows, cols = linear_sum_assignment(sim, maximize=True)
    match = np.empty(len(rows), dtype=np.int64)
    match[rows] = cols
    return match, sim[np.arange(len(match)), match]


def _top_sets(m: np.ndarray, top_n: int) -> list[set[int]]:
    order = np.argsort(-m, axis=1, kind="stable")[:, :top_n]
    return [set(row.tolist()) for row in order]


def stability(topic_term_list: Sequence[Any], top_n: int = 10, threshold: float = 0.5,
              terms: Sequence[str] | None = None) -> dict[str, Any]:
    """Agreement of topics across runs fit with different seeds.

    Parameters
    ----------
    topic_term_list : sequence of array-like or fitted TopicModel, length n_runs >= 2
        Each run's topic-term matrix, shape (n_topics, n_terms), same vocabulary. Run 0 is
        the reference: per-topic results use its topic ids.
    top_n : int
        Top terms compared for the overlap score.
    threshold : float
        A reference topic whose matched cosine similarity falls below this in any other run
        is reported in ``unstable_topics``.
    terms : sequence of str, optional
        Vocabulary; when given, each unstable topic's top terms are included.

    Returns
    -------
    dict
        JSON-ready:
        ``overall`` (mean matched similarity over all run pairs and topics),
        ``overall_std`` (std over run pairs of their mean matched similarity),
        ``top_overlap`` (mean share of the ``top_n`` terms shared by matched topics, all pairs),
        ``per_topic_similarity`` (reference topics: mean over the other runs),
        ``per_topic_min_similarity``, ``per_topic_top_overlap``,
        ``matches`` (for each other run, the topic matched to each reference topic),
        ``unstable_topics`` (ids), ``unstable_terms`` (when ``terms`` is given),
        ``n_runs``, ``top_n``, ``threshold``.

    Raises
    ------
    ValueError
        Fewer than 2 runs, 1 topic, or runs of different shapes.
    """
    mats = _as_matrices(topic_term_list)
    if not isinstance(top_n, int | np.integer) or top_n < 1:
        raise ValueError(f"stability: 'top_n' must be an int >= 1; got {top_n!r}.")
    n_runs, n_topics = len(mats), mats[0].shape[0]
    tops = [_top_sets(m, top_n) for m in mats]
    pair_sim, pair_overlap = [], []
    ref_sim = np.zeros((n_runs - 1, n_topics))
    ref_overlap = np.zeros((n_runs - 1, n_topics))
    matches = []
    for i, j in combinations(range(n_runs), 2):
        match, sim = match_topics(mats[i], mats[j])
        overlap = np.array([len(tops[i][k] & tops[j][match[k]]) / top_n
                            for k in range(n_topics)])
        pair_sim.append(sim.mean())
        pair_overlap.append(overlap.mean())
        if i == 0:
            ref_sim[j - 1], ref_overlap[j - 1] = sim, overlap
            matches.append(match.tolist())
    min_sim = ref_sim.min(axis=0)
    unstable = [int(k) for k in np.flatnonzero(min_sim < threshold)]
    result: dict[str, Any] = {
        "overall": float(np.mean(pair_sim)),
        "overall_std": float(np.std(pair_sim)),
        "top_overlap": float(np.mean(pair_overlap)),
        "per_topic_similarity": ref_sim.mean(axis=0).tolist(),
        "per_topic_min_similarity": min_sim.tolist(),
        "per_topic_top_overlap": ref_overlap.mean(axis=0).tolist(),
        "matches": matches,
        "unstable_topics": unstable,
        "n_runs": n_runs,
        "top_n": int(top_n),
        "threshold": float(threshold),
    }
    if terms is not None:
        if len(terms) != mats[0].shape[1]:
            raise ValueError(f"stability: {len(terms)} terms given for {mats[0].shape[1]} columns.")
        order = np.argsort(-mats[0], axis=1, kind="stable")[:, :top_n]
        result["unstable_terms"] = {str(k): [terms[t] for t in order[k]] for k in unstable}
    logger.info("stability over %d runs: %.3f mean matched similarity, %d of %d topics unstable",
                n_runs, result["overall"], len(unstable), n_topics)
    return result
