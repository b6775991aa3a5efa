"""Topic diversity, exclusivity, agreement with TAGS and sending posts, held-out likelihood.

Examples
--------
>>> diversity([("iran", "nuclear", "talks"), ("trade", "talks", "tariff")], top_n=3)
0.8333333333333334
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import (
    adjusted_mutual_info_score,
    adjusted_rand_score,
    normalized_mutual_info_score,
)

__all__ = [
    "diversity",
    "exclusivity",
    "first_subject_tag",
    "heldout_bound",
    "heldout_completion",
    "heldout_likelihood",
    "per_tag_scores",
    "tag_agreement",
    "tag_lift",
]

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
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values)
    if len(arr) != n:
        raise ValueError(f"tag_agreement: '{name}' has {len(arr)} entries for {n} cables; "
                         "pass one value per cable, in the same order.")
    return arr


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v == ""


#: Number of shuffles of the themes averaged for the permutation baseline.
N_SHUFFLES = 5

#: Subject TAGS with per-TAG precision, recall and F1 in `tag_agreement`.
N_PER_TAG = 20


def first_subject_tag(tags: Sequence[str] | None) -> str | None:
    """The first TAG of exactly four letters A-Z (the cable's first subject TAG).

    Country codes are two letters and program or person TAGS have other shapes, so the first
    four-letter TAG is the label themes are scored against (``PREL``, ``PGOV``, ``ECON``).

    Parameters
    ----------
    tags : sequence of str or None
        A cable's TAGS as written (``Cable.tags``).

    Returns
    -------
    str or None
        None when no TAG has that shape.

    Examples
    --------
    >>> first_subject_tag(["IR", "PREL", "KNNP"])
    'PREL'
    >>> first_subject_tag(["VE", "CHAVEZ"]) is None
    True
    """
    if tags is None or isinstance(tags, float | str):
        return None
    for t in tags:
        t = str(t).strip().upper()
        if len(t) == 4 and t.isascii() and t.isalpha():
            return t
    return None


def _scores(labels: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    return {"ami": float(adjusted_mutual_info_score(labels, groups)),
            "ari": float(adjusted_rand_score(labels, groups)),
            "nmi": float(normalized_mutual_info_score(labels, groups))}


def _shuffled(labels: np.ndarray, groups: np.ndarray, n_shuffles: int,
              rng: np.random.Generator) -> dict[str, float]:
    """Mean scores of ``n_shuffles`` random permutations of the groups (sizes kept)."""
    runs = [_scores(labels, rng.permutation(groups)) for _ in range(n_shuffles)]
    return {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}


def per_tag_scores(groups: Any, labels: Sequence[str], top: int = N_PER_TAG
                   ) -> list[dict[str, Any]]:
    """Precision, recall and F1 of "the theme's dominant TAG" for the most common TAGS.

    Each group (theme) predicts its most common label (ties: alphabetical first) for all of
    its cables. For TAG t, precision is the share of cables predicted t that carry t;
    recall the share of cables carrying t that are predicted t; F1 their harmonic mean.

    Parameters
    ----------
    groups : array-like, shape (n_cables,)
        Theme per cable.
    labels : sequence of str, length n_cables
        First subject TAG per cable (no missing values).
    top : int
        The ``top`` most common TAGS are scored (ties by TAG).

    Returns
    -------
    list of dict
        ``{"tag", "n", "n_themes", "precision", "recall", "f1"}`` by ``n`` descending;
        ``n_themes`` is the number of themes whose dominant TAG it is (precision is None
        when there are none).
    """
    g = np.asarray(groups)
    lab = np.asarray(labels, dtype=object)
    dominant: dict[Any, str] = {}
    for theme in np.unique(g):
        c = Counter(lab[g == theme].tolist())
        dominant[theme] = min(c, key=lambda t: (-c[t], t))
    predicted = np.array([dominant[x] for x in g.tolist()], dtype=object)
    counts = Counter(lab.tolist())
    out = []
    for tag in sorted(counts, key=lambda t: (-counts[t], t))[:top]:
        true, pred = lab == tag, predicted == tag
        hit = int(np.sum(true & pred))
        precision = hit / int(pred.sum()) if pred.any() else None
        recall = hit / int(true.sum())
        f1 = (2 * precision * recall / (precision + recall)
              if precision is not None and precision + recall > 0 else 0.0)
        out.append({"tag": tag, "n": int(true.sum()),
                    "n_themes": int(sum(1 for v in dominant.values() if v == tag)),
                    "precision": precision, "recall": recall, "f1": f1})
    return out


def tag_agreement(assignments: Any, subject_tags: Sequence[Any],
                  origins: Sequence[Any] | None = None, *, seed: int = 0,
                  n_shuffles: int = N_SHUFFLES, per_tag: int = N_PER_TAG) -> dict[str, Any]:
    """Chance-adjusted agreement of a grouping of cables with subject TAGS and sending posts.

    The headline scores are adjusted for chance: adjusted mutual information (AMI, Vinh,
    Epps & Bailey 2010; 0 for a random grouping whatever the number of themes) and the
    adjusted Rand index (ARI), each beside the same score of the themes shuffled over the
    cables (a seeded permutation baseline, mean of ``n_shuffles``). NMI is kept as a
    secondary score: it grows with the number of themes even for random groups (K = 50
    random themes over 4,000 cables score about 0.09), so it cannot say whether themes
    follow subjects.

    Parameters
    ----------
    assignments : array-like, shape (n_cables,) or (n_cables, n_topics)
        Theme or topic id per cable, or a doc-topic matrix (its row argmax is used; ties
        go to the lower topic id).
    subject_tags : sequence, length n_cables
        First subject TAG of each cable (`first_subject_tag`), or each cable's whole TAGS
        list (the first four-letter TAG of it is used). ``None`` where a cable has none:
        left out of the TAG scores and counted in ``n_without_tag``.
    origins : sequence, length n_cables, optional
        Sending post of each cable (``None`` where unknown: left out).
    seed : int, default 0
        Seed of the shuffles.
    n_shuffles : int, default `N_SHUFFLES`
    per_tag : int, default `N_PER_TAG`
        Most common TAGS with precision, recall and F1 in ``per_tag`` (0: none).

    Returns
    -------
    dict
        For ``key`` in ``tag`` and (with ``origins``) ``post``: ``ami_{key}``,
        ``ari_{key}``, ``nmi_{key}``, the shuffled baseline ``ami_{key}_shuffled``,
        ``ari_{key}_shuffled``, ``nmi_{key}_shuffled``, ``n_{key}`` (cables scored),
        ``n_{key}_classes``; ``n_without_tag``, ``n_without_post``, ``n_groups``,
        ``n_shuffles``, ``seed`` and ``per_tag`` (see `per_tag_scores`).
    """
    groups = np.asarray(assignments)
    if groups.ndim == 2:
        groups = np.argmax(groups, axis=1)
    if groups.ndim != 1 or len(groups) == 0:
        raise ValueError(f"tag_agreement: 'assignments' must be one id per cable or a doc-topic "
                         f"matrix; got shape {groups.shape}.")
    if n_shuffles < 1:
        raise ValueError(f"tag_agreement: 'n_shuffles' must be >= 1; got {n_shuffles!r}.")
    n = len(groups)
    result: dict[str, Any] = {"n_groups": int(len(np.unique(groups))),
                              "n_shuffles": int(n_shuffles), "seed": int(seed)}
    for key, values in (("tag", subject_tags), ("post", origins)):
        if values is None:
            continue
        labels = _labels(values, "subject_tags" if key == "tag" else "origins", n)
        if key == "tag":
            labels = np.array([v if isinstance(v, str) or _missing(v)
                               else first_subject_tag(v) for v in labels], dtype=object)
        keep = np.array([not _missing(v) for v in labels], dtype=bool)
        if not keep.any():
            raise ValueError(f"tag_agreement: none of the {n} cables has a "
                             f"{'subject TAG' if key == 'tag' else 'sending post'}.")
        g = groups[keep]
        lab = labels[keep].astype(str)
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(key.encode())]))
        for name, value in _scores(lab, g).items():
            result[f"{name}_{key}"] = value
        for name, value in _shuffled(lab, g, n_shuffles, rng).items():
            result[f"{name}_{key}_shuffled"] = value
        result[f"n_{key}"] = int(keep.sum())
        result[f"n_{key}_classes"] = int(len(set(lab)))
        result[f"n_without_{key}"] = int(n - keep.sum())
        if key == "tag" and per_tag:
            result["per_tag"] = per_tag_scores(g, lab.tolist(), top=per_tag)
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


def _aligned(model: Any, dtm: Any) -> sp.csr_matrix:
    """``dtm``'s counts with columns in the model's term order (unknown terms dropped)."""
    x = sp.csr_matrix(dtm.matrix)
    terms = tuple(dtm.vocabulary.terms)
    model_terms = tuple(model.terms_)
    if terms == model_terms:
        return x
    col = {t: j for j, t in enumerate(model_terms)}
    src = np.array([i for i, t in enumerate(terms) if t in col], dtype=np.int64)
    dst = np.array([col[terms[i]] for i in src], dtype=np.int64)
    move = sp.csr_matrix((np.ones(len(src)), (src, dst)), shape=(len(terms), len(col)))
    return sp.csr_matrix(x @ move)


def heldout_completion(model: Any, dtm: Any, seed: int = 0) -> dict[str, float]:
    """Per-word log-likelihood of held-out cables by document completion.

    Each held-out cable's tokens are split at random into two halves (binomial thinning,
    seeded); the topic mixture is inferred from the first half (``model.transform``) and
    the second half is scored under it (Wallach et al. 2009, "Evaluation methods for topic
    models"). Unlike `heldout_likelihood` the scored words are not seen when inferring the
    mixture, so a larger K is not rewarded for memorising them. Works for every engine
    with a ``transform``; comparable across K and seeds of one engine, not across engines.

    Parameters
    ----------
    model : TopicModel
    dtm : DocTermMatrix
        Held-out cables, counts.
    seed : int, default 0

    Returns
    -------
    dict
        ``per_word_ll``, ``perplexity``, ``n_words`` (scored), ``n_docs``, ``n_floored``.
    """
    if getattr(dtm, "weighting", "count") != "count":
        raise ValueError("heldout_completion: the held-out DocTermMatrix must hold counts "
                         f"(weighting={dtm.weighting!r}).")
    from topics.vectorize import DocTermMatrix

    x = _aligned(model, dtm)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(b"completion")]))
    first = x.copy()
    first.data = rng.binomial(x.data.astype(np.int64), 0.5).astype(np.int64)
    second = x.copy()
    second.data = (x.data - first.data).astype(np.int64)
    first.eliminate_zeros()
    second.eliminate_zeros()
    from topics.vectorize import Vocabulary

    vocab = Vocabulary(tuple(model.terms_), np.ones(len(model.terms_), dtype=np.int64),
                       x.shape[0])
    observed = DocTermMatrix(first, tuple(dtm.refs), vocab, "count")
    theta = np.asarray(model.transform(observed), dtype=np.float64)
    theta = theta / np.maximum(theta.sum(axis=1, keepdims=True), 1e-300)
    phi = np.asarray(model.topic_term_, dtype=np.float64)
    phi = phi / np.maximum(phi.sum(axis=1, keepdims=True), 1e-300)
    y = second.tocoo()
    n_words = float(y.data.sum())
    if n_words <= 0:
        raise ValueError("heldout_completion: the held-out cables have no in-vocabulary words.")
    total, n_floored = 0.0, 0
    for lo in range(0, y.nnz, 200_000):
        r, c, v = y.row[lo:lo + 200_000], y.col[lo:lo + 200_000], y.data[lo:lo + 200_000]
        prob = np.einsum("ik,ki->i", theta[r], phi[:, c])
        n_floored += int(np.count_nonzero(prob < PROB_FLOOR))
        total += float(np.sum(v * np.log(np.maximum(prob, PROB_FLOOR))))
    ll = total / n_words
    return {"per_word_ll": ll, "perplexity": float(np.exp(-ll)), "n_words": int(n_words),
            "n_docs": int(y.shape[0]), "n_floored": n_floored}


def heldout_bound(model: Any, dtm: Any) -> dict[str, Any] | None:
    """The engine's own per-word held-out likelihood (bound), where it has one.

    gensim LDA (``lda``, ``lda-multicore``): the variational bound of
    ``LdaModel.log_perplexity``; scikit-learn LDA: ``LatentDirichletAllocation.score``
    (approximate bound) over the words; tomotopy (``lda-gibbs``): the log-likelihood
    ``LDAModel.infer`` reports. Other engines (NMF, LSI, HDP): None (use
    `heldout_completion`).

    Returns
    -------
    dict or None
        ``per_word_ll``, ``method`` (which bound), ``n_words``, ``n_docs``.
    """
    x = _aligned(model, dtm)
    n_words = float(x.sum())
    if n_words <= 0:
        return None
    lda = getattr(model, "_lda", None)
    est = getattr(model, "_est", None)
    # tomotopy's own log-likelihood only for plain LDA: a covariate or labelled model's
    # make_doc needs metadata or labels (a g-DMR model aborts the process without them)
    tpm = getattr(model, "_tp", None) if getattr(model, "engine", "") == "lda-gibbs" else None
    if lda is not None and hasattr(lda, "log_perplexity"):
        corpus = [list(zip(x.indices[x.indptr[i]:x.indptr[i + 1]].tolist(),
                           x.data[x.indptr[i]:x.indptr[i + 1]].tolist(), strict=True))
                  for i in range(x.shape[0])]
        ll, method = float(lda.log_perplexity(corpus)), "gensim variational bound"
    elif est is not None and hasattr(est, "score") and hasattr(est, "exp_dirichlet_component_"):
        ll, method = float(est.score(x)) / n_words, "scikit-learn approximate bound"
    elif tpm is not None and hasattr(tpm, "infer"):
        terms = list(model.terms_)
        known = set(tpm.used_vocabs)
        docs = []
        for i in range(x.shape[0]):
            lo, hi = x.indptr[i], x.indptr[i + 1]
            words = [terms[j] for j, c in zip(x.indices[lo:hi], x.data[lo:hi], strict=True)
                     if terms[j] in known for _ in range(int(c))]
            if words:
                docs.append(tpm.make_doc(words))
        if not docs:
            return None
        _, lls = tpm.infer(docs)
        n_known = sum(len(d.words) for d in docs)
        ll, method = float(np.sum(lls)) / n_known, "tomotopy log-likelihood"
    else:
        return None
    return {"per_word_ll": ll, "method": method, "n_words": int(n_words),
            "n_docs": int(x.shape[0])}
