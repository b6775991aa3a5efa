"""Topic diversity, exclusivity, agreement with TAGS and sending posts, held-out likelihood.

Examples
--------
>>> diversity([("iran", "nuclear", "talks"), ("trade", "talks", "tariff")], top_n=3)
0.8333333333333334
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

__all__ = ["diversity", "exclusivity", "heldout_likelihood", "tag_agreement", "tag_lift"]

logger = logging.getLogger(__name__)

#: Floor on a word's modelled probability in `heldout_likelihood` (NMF can give exact zeros).
PROB_FLOOR = 1e-12


def diversity(topics: Sequence[Sequence[str]], top_n: int = 25) -> float:
    """Topic diversity (Dieng, Ruiz & Blei 2020): share of unique terms in all top-N lists.

    Parameters
    ----------
    topics : sequence of sequence of str
        Top terms per topic, highest first (at least ``top_n`` each where available; shorter
        lists are used as they are).
    top_n : int
        Terms per topic considered (25 in Dieng et al.).

    Returns
    -------
    float
        In (0, 1]: 1 when no term is shared between topics, 1/K when all topics are equal.
    """
    if isinstance(topics, str) or len(topics) < 2:
        raise ValueError(f"diversity needs >= 2 topics; got {len(topics)}.")
    if not isinstance(top_n, int | np.integer) or top_n < 1:
        raise ValueError(f"diversity: 'top_n' must be an int >= 1; got {top_n!r}.")
    heads = [tuple(t)[:top_n] for t in topics]
    total = sum(len(h) for h in heads)
    if total == 0:
        raise ValueError("diversity: every topic's term list is empty.")
    return len({t for h in heads for t in h}) / total


def exclusivity(topic_term: Any, top_n: int = 10) -> np.ndarray:
    """Exclusivity of each topic's top terms (Bischof & Airoldi 2012, as in STM's FREX).

    For term w in topic k, exclusivity is ``phi[k, w] / sum_j phi[j, w]``: the share of the
    term's probability mass (over topics) that sits in topic k. A topic's score is the mean
    over its ``top_n`` terms. 1 means its top terms occur in no other topic; 1/K means they
    are spread evenly.

    Parameters
    ----------
    topic_term : array-like, shape (n_topics, n_terms)
        Rows are topic-term distributions (rows summing to 1).
    top_n : int

    Returns
    -------
    numpy.ndarray, shape (n_topics,)
    """
    phi = np.asarray(getattr(topic_term, "topic_term_", topic_term), dtype=np.float64)
    if phi.ndim != 2 or phi.shape[0] < 2:
        raise ValueError(f"exclusivity needs a topic-term matrix with >= 2 topics; got shape "
                         f"{phi.shape}.")
    if np.any(phi < 0) or not np.all(np.isfinite(phi)):
        raise ValueError("exclusivity: topic-term weights must be finite and >= 0 "
                         "(LSI loadings are not probabilities).")
    mass = phi.sum(axis=0)
    share = np.divide(phi, mass, out=np.zeros_like(phi), where=mass > 0)
    order = np.argsort(-phi, axis=1, kind="stable")[:, :top_n]
    return np.take_along_axis(share, order, axis=1).mean(axis=1)


def _labels(values: Sequence[Any], name: str, n: int) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(f"tag_agreement: '{name}' has {len(arr)} entries for {n} cables; "
                         "pass one value per cable, in the same order.")
    return arr


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v == ""


def tag_agreement(assignments: Any, subject_tags: Sequence[Any],
                  origins: Sequence[Any] | None = None) -> dict[str, Any]:
    """Agreement of a hard grouping of cables with their subject TAGS and sending posts.

    NMI (arithmetic normalisation, scikit-learn's default) and ARI between each cable's
    theme (or dominant topic) and its first subject TAG; NMI with the sending post beside it,
    since naive themes follow geography (see FINDINGS.md: always report both).

    Parameters
    ----------
    assignments : array-like, shape (n_cables,) or (n_cables, n_topics)
        Theme or topic id per cable, or a doc-topic matrix (its row argmax is used; ties
        go to the lower topic id).
    subject_tags : sequence, length n_cables
        First subject TAG of each cable (``None`` where it has none: left out of the TAG
        scores and counted in ``n_without_tag``).
    origins : sequence, length n_cables, optional
        Sending post of each cable (``None`` where unknown: left out).

    Returns
    -------
    dict
        ``nmi_tag``, ``ari_tag``, ``n_tag`` (cables scored), ``n_without_tag``,
        ``n_tag_classes``; with ``origins``: ``nmi_post``, ``ari_post``, ``n_post``,
        ``n_post_classes``.
    """
    groups = np.asarray(assignments)
    if groups.ndim == 2:
        groups = np.argmax(groups, axis=1)
    if groups.ndim != 1 or len(groups) == 0:
        raise ValueError(f"tag_agreement: 'assignments' must be one id per cable or a doc-topic "
                         f"matrix; got shape {groups.shape}.")
    n = len(groups)
    result: dict[str, Any] = {}
    for key, values in (("tag", subject_tags), ("post", origins)):
        if values is None:
            continue
        labels = _labels(values, "subject_tags" if key == "tag" else "origins", n)
        keep = np.array([not _missing(v) for v in labels], dtype=bool)
        if not keep.any():
            raise ValueError(f"tag_agreement: none of the {n} cables has a "
                             f"{'subject TAG' if key == 'tag' else 'sending post'}.")
        g = groups[keep]
        lab = labels[keep].astype(str)
        result[f"nmi_{key}"] = float(normalized_mutual_info_score(lab, g))
        result[f"ari_{key}"] = float(adjusted_rand_score(lab, g))
        result[f"n_{key}"] = int(keep.sum())
        result[f"n_{key}_classes"] = int(len(set(lab)))
        if key == "tag":
            result["n_without_tag"] = int(n - keep.sum())
    return result


def tag_lift(assignments: Any, tags: Sequence[Sequence[str] | None], top: int = 5,
             min_count: int = 3) -> dict[int, list[dict[str, Any]]]:
    """Per group, the TAGS most over-represented among its cables.

    ``lift = P(tag | group) / P(tag)``: the share of the group's cables carrying the TAG
    over its share among all cables. TAGS carried by fewer than ``min_count`` of the group's
    cables are skipped (a lift from one or two cables is noise).

    Parameters
    ----------
    assignments : array-like, shape (n_cables,) or (n_cables, n_topics)
        Group id per cable, or a doc-topic matrix (row argmax).
    tags : sequence of sequence of str or None, length n_cables
        The TAGS of each cable (subject tags, country codes or both).
    top : int
        TAGS kept per group.
    min_count : int

    Returns
    -------
    dict of int to list of dict
        Group id -> ``[{"tag", "count", "share", "lift"}, ...]`` by lift (then count, then
        TAG) descending; every group present in ``assignments`` has an entry.
    """
    groups = np.asarray(assignments)
    if groups.ndim == 2:
        groups = np.argmax(groups, axis=1)
    if len(tags) != len(groups):
        raise ValueError(f"tag_lift: {len(tags)} tag lists for {len(groups)} cables.")
    sets = [set(t) if t is not None else set() for t in tags]
    n = len(sets)
    overall = Counter(t for s in sets for t in s)
    out: dict[int, list[dict[str, Any]]] = {}
    for g in sorted(set(groups.tolist())):
        members = np.flatnonzero(groups == g)
        counts = Counter(t for i in members for t in sets[i])
        rows = []
        for tag, c in counts.items():
            if c < min_count:
                continue
            share = c / len(members)
            rows.append({"tag": tag, "count": int(c), "share": share,
                         "lift": share / (overall[tag] / n)})
        rows.sort(key=lambda r: (-r["lift"], -r["count"], r["tag"]))
        out[int(g)] = rows[:top]
    return out


def heldout_likelihood(model: Any, dtm: Any) -> dict[str, float]:
    """Per-word log-likelihood of held-out cables under a fitted model's point estimates.

    ``sum_d sum_w n_dw log(sum_k theta_dk phi_kw) / sum_d sum_w n_dw``, with ``theta`` from
    ``model.transform(dtm)`` (inferred on the held-out cable itself) and ``phi`` the model's
    ``topic_term_``; ``perplexity = exp(-per_word_ll)``. This is a plug-in estimate, not the
    variational bound gensim's ``log_perplexity`` reports nor tomotopy's Gibbs likelihood,
    and it is optimistic because theta sees the words it scores (no document completion).
    Use it to compare K and seeds of *one* engine; it is not comparable across engines
    (NMF on TF-IDF is not a probability model at all). Probabilities are floored at
    `PROB_FLOOR`; ``n_floored`` counts the tokens that needed it.

    Parameters
    ----------
    model : TopicModel
        Fitted; ``transform`` must accept ``dtm``.
    dtm : DocTermMatrix
        Held-out cables, count weighting.

    Returns
    -------
    dict
        ``per_word_ll``, ``perplexity``, ``n_words``, ``n_docs``, ``n_floored``.
    """
    if getattr(dtm, "weighting", "count") != "count":
        raise ValueError("heldout_likelihood: the held-out DocTermMatrix must hold counts "
                         f"(weighting={dtm.weighting!r}); build it without tf-idf.")
    theta = np.asarray(model.transform(dtm), dtype=np.float64)
    phi = np.asarray(model.topic_term_, dtype=np.float64)
    x = sp.csr_matrix(dtm.matrix)
    terms = tuple(dtm.vocabulary.terms)
    model_terms = tuple(model.terms_)
    if terms != model_terms:  # re-index by term, as TopicModel.transform does
        col = {t: j for j, t in enumerate(model_terms)}
        src = np.array([i for i, t in enumerate(terms) if t in col], dtype=np.int64)
        dst = np.array([col[terms[i]] for i in src], dtype=np.int64)
        move = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(len(terms), len(col)))
        x = sp.csr_matrix(x @ move)
    theta = theta / np.maximum(theta.sum(axis=1, keepdims=True), 1e-300)
    x = x.tocoo()
    n_words = float(x.data.sum())
    if n_words <= 0:
        raise ValueError("heldout_likelihood: the held-out cables have no in-vocabulary words.")
    total, n_floored = 0.0, 0
    for lo in range(0, x.nnz, 200_000):  # bounded (chunk, n_topics) temporaries
        r, c, v = x.row[lo:lo + 200_000], x.col[lo:lo + 200_000], x.data[lo:lo + 200_000]
        prob = np.einsum("ik,ki->i", theta[r], phi[:, c])
        n_floored += int(np.count_nonzero(prob < PROB_FLOOR))
        total += float(np.sum(v * np.log(np.maximum(prob, PROB_FLOOR))))
    ll = total / n_words
    return {"per_word_ll": ll, "perplexity": float(np.exp(-ll)), "n_words": int(n_words),
            "n_docs": int(x.shape[0]), "n_floored": n_floored}
