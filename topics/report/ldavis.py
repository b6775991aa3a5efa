"""LDAvis data: the intertopic map and the relevance-ranked terms of each topic.

`ldavis_data` follows ``pyLDAvis.prepare`` (Sievert & Shirley 2014) step by step and
returns the dict its ``PreparedData.to_json()`` writes, so ``ldavis.json`` opens in R's
LDAvis (``LDAvis::serVis(json)``) and in pyLDAvis (``pyLDAvis.PreparedData`` built from it)
without refitting. The report's explorer draws the same data.

Relevance of term w to topic k (Sievert & Shirley 2014, eq. 1)::

    r(w, k | λ) = λ log φ_kw + (1 - λ) log(φ_kw / p_w)

λ = 1 ranks by probability in the topic, λ = 0 by lift; the authors' user study found
λ ≈ 0.6 best for interpretation.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from topics.report.figures import intertopic_coords
from topics.runinfo import atomic_write_bytes

__all__ = ["ldavis_data", "write_ldavis_json"]

logger = logging.getLogger(__name__)


def _top_rows(values: np.ndarray, r: int) -> np.ndarray:
    """Column indices of the ``r`` largest values of each row, largest first, ties by column."""
    r = min(r, values.shape[1])
    part = np.argpartition(-values, r - 1, axis=1)[:, :r]
    rows = np.arange(values.shape[0])[:, None]
    vals = values[rows, part]
    order = np.lexsort((part, -vals), axis=1)
    return part[rows, order]


def ldavis_data(
    topic_term: np.ndarray, doc_topic: np.ndarray, doc_lengths: np.ndarray,
    terms: Sequence[str], *, r: int = 30, lambda_step: float = 0.01,
    topic_ids: Sequence[int] | None = None,
) -> dict:
    """The LDAvis JSON of a fitted model (``pyLDAvis.prepare`` without refitting).

    Parameters
    ----------
    topic_term : numpy.ndarray
        Shape (n_topics, n_terms), φ; rows are normalised here.
    doc_topic : numpy.ndarray
        Shape (n_docs, n_topics), θ.
    doc_lengths : numpy.ndarray
        Shape (n_docs,): tokens per document (the run's dtm row sums).
    terms : sequence of str
        Length n_terms.
    r : int
        Terms per topic shown (LDAvis's ``R``).
    lambda_step : float
        Grid of λ over which each topic's relevant terms are collected.
    topic_ids : sequence of int, optional
        The model's topic ids (default 0..K-1). LDAvis renumbers topics 1..K by size;
        ``topic.order`` holds the model's id + 1 of each, and ``topic_ids`` the ids.

    Returns
    -------
    dict
        Keys ``mdsDat``, ``tinfo``, ``token.table``, ``R``, ``lambda.step``, ``plot.opts``,
        ``topic.order`` (as pyLDAvis writes them) and ``topic_ids``.

    Raises
    ------
    ValueError
        When the shapes do not agree.
    """
    phi = np.clip(np.asarray(topic_term, dtype=np.float64), 0, None)
    theta = np.asarray(doc_topic, dtype=np.float64)
    lengths = np.asarray(doc_lengths, dtype=np.float64)
    k, v = phi.shape
    if theta.shape[1] != k or len(lengths) != theta.shape[0] or len(terms) != v:
        raise ValueError(
            f"ldavis_data: topic_term {phi.shape}, doc_topic {theta.shape}, "
            f"{len(lengths)} doc lengths and {len(terms)} terms do not agree"
        )
    ids = list(topic_ids) if topic_ids is not None else list(range(k))
    phi = phi / np.where(phi.sum(axis=1, keepdims=True) > 0, phi.sum(axis=1, keepdims=True), 1)
    topic_freq = theta.T @ lengths
    if topic_freq.sum() <= 0:
        topic_freq = np.ones(k)
    order = np.argsort(-topic_freq, kind="stable")  # LDAvis numbers topics by size
    phi, topic_freq = phi[order], topic_freq[order]
    topic_prop = topic_freq / topic_freq.sum()
    term_topic_freq = phi * topic_freq[:, None]
    term_freq = term_topic_freq.sum(axis=0)
    term_prop = term_freq / max(term_freq.sum(), 1e-300)
    # saliency (Chuang et al. 2012) picks the default terms
    with np.errstate(divide="ignore", invalid="ignore"):
        p_k_w = np.where(term_freq > 0, term_topic_freq / np.where(term_freq > 0, term_freq, 1), 0)
        dist = np.where(p_k_w > 0, p_k_w * np.log(p_k_w / topic_prop[:, None]), 0).sum(axis=0)
    saliency = term_prop * dist
    default = _top_rows(saliency[None, :], r)[0]

    tiny = 1e-300
    log_phi = np.log(np.maximum(phi, tiny))
    log_lift = np.log(np.maximum(phi, tiny) / np.maximum(term_prop, tiny))
    picked: list[set[int]] = [set() for _ in range(k)]
    for lam in np.arange(0.0, 1.0 + lambda_step / 2, lambda_step):
        rel = lam * log_phi + (1 - lam) * log_lift
        rel = np.where(phi > 0, rel, -np.inf)
        for j, row in enumerate(_top_rows(rel, r)):
            picked[j].update(int(x) for x in row)
    tinfo: dict[str, list] = {"Term": [], "Freq": [], "Total": [], "Category": [],
                              "logprob": [], "loglift": []}
    for i, w in enumerate(default):  # pyLDAvis floors the default terms' counts
        tinfo["Term"].append(str(terms[w]))
        tinfo["Freq"].append(float(np.floor(term_freq[w])))
        tinfo["Total"].append(float(np.floor(term_freq[w])))
        tinfo["Category"].append("Default")
        tinfo["logprob"].append(float(r - i))
        tinfo["loglift"].append(float(r - i))
    for j in range(k):
        for w in sorted(picked[j]):
            tinfo["Term"].append(str(terms[w]))
            tinfo["Freq"].append(float(term_topic_freq[j, w]))
            tinfo["Total"].append(float(term_freq[w]))
            tinfo["Category"].append(f"Topic{j + 1}")
            tinfo["logprob"].append(round(float(log_phi[j, w]), 4))
            tinfo["loglift"].append(round(float(log_lift[j, w]), 4))
    # token table: share of each shown term's (rounded) expected count in each topic
    shown = sorted(set(default.tolist()).union(*picked))
    tt = {"Term": [], "Topic": [], "Freq": []}
    for w in shown:
        counts = np.round(term_topic_freq[:, w])
        for j in np.flatnonzero(counts >= 1):
            tt["Term"].append(str(terms[w]))
            tt["Topic"].append(int(j + 1))
            tt["Freq"].append(float(counts[j] / max(term_freq[w], 1e-300)))
    xy = intertopic_coords(phi) if k > 1 else np.zeros((k, 2))
    return {
        "mdsDat": {"x": xy[:, 0].tolist(), "y": xy[:, 1].tolist(),
                   "topics": list(range(1, k + 1)), "cluster": [1] * k,
                   "Freq": (100 * topic_prop).tolist()},
        "tinfo": tinfo,
        "token.table": tt,
        "R": int(r),
        "lambda.step": float(lambda_step),
        "plot.opts": {"xlab": "PC1", "ylab": "PC2"},
        "topic.order": [int(ids[i]) + 1 for i in order],
        "topic_ids": [int(ids[i]) for i in order],
    }


def write_ldavis_json(path: str | Path, data: dict) -> Path:
    """Write `ldavis_data`'s dict as JSON, atomically."""
    return atomic_write_bytes(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))
