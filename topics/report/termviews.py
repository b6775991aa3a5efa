"""Topic-word views: the terms of each topic ranked four ways, with weights and coherence.

As R stm's ``labelTopics`` (Roberts et al. 2019), each topic's terms are listed side by
side by

* **probability**: p(w | k), the topic's most frequent terms;
* **FREX**: harmonic mean of the frequency and exclusivity ranks (Bischof & Airoldi 2012),
  weight 0.5, computed by `topics.themes.term_scores`;
* **lift**: p(w | k) / p(w), p(w) the corpus frequency of the term (Taddy 2012);
* **score**: p(w | k) * (log p(w | k) - mean over topics of log p(w | k)), stm's
  ``calcscore`` (from the R package lda).

Coherence is computed here on exactly the terms a table shows (NPMI over document
co-occurrence in the run's document-term matrix, Bouma 2009), so the number beside a list
describes that list.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from topics.themes import term_scores

__all__ = ["RANKINGS", "load_dtm", "npmi_of_lists", "stm_score", "term_rankings"]

logger = logging.getLogger(__name__)

#: Rankings in the order stm's ``labelTopics`` prints them.
RANKINGS = ("prob", "frex", "lift", "score")


def stm_score(topic_term: np.ndarray) -> np.ndarray:
    """stm's "score" ranking: beta * (log beta - mean over topics of log beta).

    Parameters
    ----------
    topic_term : numpy.ndarray
        Shape (n_topics, n_terms); rows are normalised here.

    Returns
    -------
    numpy.ndarray
        Shape (n_topics, n_terms); larger is better.
    """
    tt = np.clip(np.asarray(topic_term, dtype=np.float64), 0, None)
    sums = tt.sum(axis=1, keepdims=True)
    beta = np.divide(tt, sums, out=np.zeros_like(tt), where=sums > 0)
    # NMF rows hold exact zeros: a floor keeps the logs finite without moving the top terms
    logb = np.log(np.maximum(beta, 1e-12))
    return beta * (logb - logb.mean(axis=0, keepdims=True))


def term_rankings(
    topic_term: np.ndarray, terms: Sequence[str], *, n: int = 10,
    term_freq: np.ndarray | None = None,
) -> list[dict[str, list[tuple[str, float]]]]:
    """Each topic's top ``n`` terms by probability, FREX, lift and score.

    Parameters
    ----------
    topic_term : numpy.ndarray
        Shape (n_topics, n_terms).
    terms : sequence of str
        Length n_terms.
    n : int
    term_freq : numpy.ndarray, optional
        Shape (n_terms,): corpus counts of each term, for lift; else the mean topic row.

    Returns
    -------
    list of dict
        One per topic: ranking name -> ``[(term, value), ...]``; ``value`` is p(w | k)
        for every ranking (the weight a bar shows), whatever ranked it.

    Raises
    ------
    ValueError
        When ``terms`` does not match the columns of ``topic_term``.
    """
    tt = np.clip(np.asarray(topic_term, dtype=np.float64), 0, None)
    if tt.ndim != 2 or tt.shape[1] != len(terms):
        raise ValueError(
            f"term_rankings: {len(terms)} terms for a topic_term matrix of shape {tt.shape}; "
            "the vocabulary and the model come from different fits"
        )
    sums = tt.sum(axis=1, keepdims=True)
    beta = np.divide(tt, sums, out=np.zeros_like(tt), where=sums > 0)
    scores = {
        "prob": beta,
        "frex": term_scores(tt, "frex"),
        # lift of a term the topic never uses is 0, not a ratio of two tiny numbers
        "lift": term_scores(tt, "lift", term_freq=term_freq) * (beta > 0),
        "score": stm_score(tt),
    }
    out = []
    for k in range(tt.shape[0]):
        row = {}
        for name in RANKINGS:
            top = _top(scores[name][k], n)
            row[name] = [(str(terms[j]), float(beta[k, j])) for j in top]
        out.append(row)
    return out


def _top(values: np.ndarray, n: int) -> np.ndarray:
    n = min(n, len(values))
    part = np.argpartition(-values, n - 1)[:n] if n < len(values) else np.arange(len(values))
    # ties break by column: deterministic whatever argpartition did
    return part[np.lexsort((part, -values[part]))]


def load_dtm(run_dir: str | Path) -> tuple[sp.csr_matrix, list[str]] | None:
    """The run's document-term matrix and its terms (``dtm/dtm.npz`` + ``dtm/dtm.json``).

    Returns None (and logs why) when the run directory has none; no pickle is loaded.
    """
    import json

    base = Path(run_dir) / "dtm"
    npz, meta = base / "dtm.npz", base / "dtm.json"
    if not (npz.exists() and meta.exists()):
        logger.info("%s: no dtm/dtm.npz; coherence of the terms shown is left out", run_dir)
        return None
    terms = json.loads(meta.read_text(encoding="utf-8")).get("terms") or []
    matrix = sp.load_npz(npz).tocsr()
    if matrix.shape[1] != len(terms):
        logger.warning("%s: dtm has %d columns for %d terms; left out", npz, matrix.shape[1],
                       len(terms))
        return None
    return matrix, [str(t) for t in terms]


def npmi_of_lists(
    lists: Sequence[Sequence[str]], dtm: tuple[sp.csr_matrix, list[str]],
) -> list[float | None]:
    """NPMI over document co-occurrence of each list of terms, as shown.

    Terms absent from the matrix are dropped (a list left with fewer than two terms, or
    with repeats, scores None).

    Parameters
    ----------
    lists : sequence of sequence of str
    dtm : (csr_matrix, terms)
        From `load_dtm`.

    Returns
    -------
    list of float or None
    """
    from topics.evaluate.coherence import coherence

    matrix, terms = dtm
    known = set(terms)
    cleaned, where = [], []
    for i, lst in enumerate(lists):
        kept = list(dict.fromkeys(t for t in lst if t in known))
        if len(kept) >= 2:
            cleaned.append(kept)
            where.append(i)
    out: list[float | None] = [None] * len(lists)
    if not cleaned:
        return out
    res = coherence(cleaned, (matrix, terms), measure="c_npmi", window=None, on_missing="drop")
    for i, v in zip(where, res.per_topic, strict=True):
        out[i] = float(v) if np.isfinite(v) else None
    return out
