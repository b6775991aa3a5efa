"""Themes (clusters of cables over their topic mixtures) and topic and theme labels.

A *theme* is what reports present: a group of cables. ``fit_themes`` groups the rows of a
doc-topic matrix; ``label_topics`` and ``label_themes`` describe topics and themes with
top terms (FREX, Bischof & Airoldi 2012, as in R ``stm``; lift, Taddy 2012), phrases,
dominant TAGS and representative cables, in the shapes of ``topics.json``.

Theme ids are stable: with ``method="dominant"`` a theme id is its topic id; with
``method="refined"`` (the default) a theme starts as its topic's cables and keeps the
topic's id; the clustering methods number themes by size (largest first), ties by the
lowest cable index in the theme, and ids are never renumbered afterwards. HDBSCAN noise is
``-1``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.cluster.hierarchy import linkage as scipy_linkage
from scipy.stats import rankdata

from corpora.tags import tag_name

__all__ = [
    "METHODS",
    "Themes",
    "document_vectors",
    "fit_themes",
    "label_themes",
    "refine_themes",
    "label_topics",
    "term_scores",
    "top_terms",
]

logger = logging.getLogger(__name__)

METHODS = ("refined", "dominant", "kmeans", "agglomerative", "hdbscan")
#: Dimensions of the cables' LSA vectors for ``method="refined"``.
DEFAULT_DIMS = 100
#: Rounds of the refinement at most (13-22 on the development corpus).
MAX_ROUNDS = 100
TERM_METHODS = ("frex", "lift", "prob")


@dataclass(frozen=True, eq=False)
class Themes:
    """Cables grouped into themes.

    Attributes
    ----------
    labels : numpy.ndarray of int64, shape (n_docs,)
        Theme id of each cable; -1 for HDBSCAN noise.
    n_themes : int
        Number of themes (ids ``0 .. n_themes - 1``; some may be empty for "dominant").
    method : str
        One of `METHODS`.
    seed : int
        Seed given to the clustering.
    centers : numpy.ndarray, shape (n_themes, n_topics)
        Mean topic mixture of each theme's cables (an empty "dominant" theme: its topic's
        unit vector).
    linkage : numpy.ndarray, shape (n_themes - 1, 4)
        Ward linkage (scipy format) over ``centers``, for a dendrogram of themes; shape
        (0, 4) with fewer than two themes.
    similarity : numpy.ndarray or None, shape (n_docs,)
        ``method="refined"``: cosine of each cable's LSA vector with its theme's centre
        (representative cables are the closest); None for the other methods.
    """

    labels: np.ndarray
    n_themes: int
    method: str
    seed: int
    centers: np.ndarray
    linkage: np.ndarray
    similarity: np.ndarray | None = None

    @property
    def sizes(self) -> np.ndarray:
        """Cables per theme, shape (n_themes,)."""
        return np.bincount(self.labels[self.labels >= 0], minlength=self.n_themes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (lists of plain numbers)."""
        return {
            "method": self.method,
            "seed": self.seed,
            "n_themes": self.n_themes,
            "labels": self.labels.tolist(),
            "sizes": self.sizes.tolist(),
            "centers": self.centers.tolist(),
            "linkage": self.linkage.tolist(),
        }


def _check_doc_topic(doc_topic: Any, who: str) -> np.ndarray:
    dt = np.asarray(doc_topic, dtype=np.float64)
    if dt.ndim != 2 or dt.shape[0] == 0 or dt.shape[1] < 2:
        raise ValueError(
            f"{who}: doc_topic must be a 2-D array (n_docs, n_topics) with at least one cable "
            f"and two topics. Got shape {dt.shape}; pass model.doc_topic_"
        )
    if not np.isfinite(dt).all():
        raise ValueError(f"{who}: doc_topic has non-finite values; refit the model")
    return dt


def _order_clusters(raw: np.ndarray) -> tuple[np.ndarray, int]:
    """Relabel clusters by size (desc), ties by lowest cable index; noise (-1) kept."""
    ids = np.unique(raw[raw >= 0])
    keys = sorted(ids.tolist(), key=lambda c: (-int(np.sum(raw == c)), int(np.argmax(raw == c))))
    out = np.full(raw.shape, -1, dtype=np.int64)
    for new, old in enumerate(keys):
        out[raw == old] = new
    return out, len(keys)


def fit_themes(
    doc_topic: Any,
    method: str = "refined",
    n_themes: int | None = None,
    seed: int = 0,
    min_cluster_size: int | None = None,
    *,
    dtm: Any = None,
    dims: int = DEFAULT_DIMS,
) -> Themes:
    """Group cables into themes from their topic mixtures (and, by default, their words).

    Parameters
    ----------
    doc_topic : array-like, shape (n_docs, n_topics)
        Rows are topic mixtures (``model.doc_topic_``).
    method : {"refined", "dominant", "kmeans", "agglomerative", "hdbscan"}, default "refined"
        "refined": each cable starts in its largest topic's theme, then the themes are
        refined by spherical k-means over the cables' LSA vectors (`document_vectors` of
        ``dtm``): each round moves every cable to the theme whose mean vector is closest
        in cosine, until no cable moves. Theme id = the topic id it started from; a theme
        can end empty. The topics say what the corpus is about; the refinement lets a
        cable's whole vocabulary, not only its share of one topic, decide its group (on the
        development corpus this raised the AMI with the first subject TAG from 0.18 to
        0.21 at K = 50; docs/themes.md). "dominant": theme = the cable's largest topic
        (ties: lowest topic id), theme id = topic id. "kmeans":
        ``KMeans(n_init=10, random_state=seed)`` over the mixtures. "agglomerative":
        Ward ``AgglomerativeClustering`` (memory grows with n_docs squared). "hdbscan":
        ``sklearn.cluster.HDBSCAN``, noise labelled -1.
    n_themes : int or None
        Clusters for "kmeans"/"agglomerative" (None: n_topics, at most n_docs). Must be
        None (or n_topics) for "dominant" and None for "hdbscan".
    seed : int, default 0
        ``random_state`` for k-means, and of the randomized SVD behind "refined".
    min_cluster_size : int or None
        HDBSCAN's ``min_cluster_size`` (None: max(5, n_docs // 100)).
    dtm : DocTermMatrix, optional
        Counts of the same cables, same row order; needed by "refined" (only).
    dims : int, default `DEFAULT_DIMS`
        LSA dimensions for "refined".

    Returns
    -------
    Themes

    Raises
    ------
    ValueError
        For an unknown method, a bad ``n_themes`` or a malformed doc_topic.
    """
    dt = _check_doc_topic(doc_topic, "fit_themes")
    n_docs, n_topics = dt.shape
    if method not in METHODS:
        raise ValueError(
            f"The 'method' parameter of fit_themes must be one of {list(METHODS)}. "
            f"Got {method!r} instead."
        )
    similarity = None
    if method in ("dominant", "refined"):
        if n_themes not in (None, n_topics):
            raise ValueError(
                f"fit_themes(method={method!r}) makes one theme per topic ({n_topics}); got "
                f"n_themes={n_themes!r}. Pass n_themes=None or use method='kmeans'."
            )
        labels = np.argmax(dt, axis=1).astype(np.int64)
        k = n_topics
        if method == "refined":
            if dtm is None or getattr(dtm, "n_docs", None) != n_docs:
                raise ValueError(
                    "fit_themes(method='refined') needs dtm=, the count matrix of the same "
                    f"{n_docs} cables (got {'none' if dtm is None else dtm.n_docs}); or pass "
                    "method='dominant'."
                )
            labels, similarity = refine_themes(document_vectors(dtm, dims, seed), labels, k)
    elif method == "hdbscan":
        if n_themes is not None:
            raise ValueError(
                "fit_themes(method='hdbscan') infers the number of themes; pass n_themes=None "
                "(or use method='kmeans' for a fixed number)"
            )
        from sklearn.cluster import HDBSCAN

        size = min_cluster_size if min_cluster_size is not None else max(5, n_docs // 100)
        raw = HDBSCAN(min_cluster_size=max(2, min(size, n_docs)), copy=True).fit_predict(dt)
        labels, k = _order_clusters(raw)
    else:
        k = min(n_topics, n_docs) if n_themes is None else n_themes
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n_docs:
            raise ValueError(
                f"The 'n_themes' parameter of fit_themes must be an int in [1, n_docs={n_docs}]."
                f" Got {n_themes!r} instead."
            )
        if method == "kmeans":
            from sklearn.cluster import KMeans

            raw = KMeans(n_clusters=int(k), n_init=10, random_state=seed).fit_predict(dt)
        else:
            from sklearn.cluster import AgglomerativeClustering

            raw = AgglomerativeClustering(n_clusters=int(k), linkage="ward").fit_predict(dt)
        labels, k = _order_clusters(raw)
    centers = np.zeros((k, n_topics))
    for t in range(k):
        members = labels == t
        if members.any():
            centers[t] = dt[members].mean(axis=0)
        elif method in ("dominant", "refined"):
            centers[t, t] = 1.0
    link = scipy_linkage(centers, method="ward") if k >= 2 else np.zeros((0, 4))
    logger.info(
        "fit_themes: %d themes by %s over %d cables (%d noise)",
        k,
        method,
        n_docs,
        int(np.sum(labels < 0)),
    )
    return Themes(labels, int(k), method, int(seed), centers, np.asarray(link, dtype=np.float64),
                  similarity)


def document_vectors(dtm: Any, dims: int = DEFAULT_DIMS, seed: int = 0) -> np.ndarray:
    """Unit-length LSA vectors of cables (Deerwester et al. 1990).

    The counts are weighted ``(1 + ln tf) * idf`` with rows L2-normalised
    (``dtm.tfidf(sublinear=True)``) and projected on their ``dims`` leading singular
    vectors (scikit-learn's randomized ``TruncatedSVD``, Halko et al. 2011, 5 power
    iterations, ``random_state=seed``); each projected row is scaled to unit length (a
    cable with no weight stays zero).

    Parameters
    ----------
    dtm : DocTermMatrix
        Counts (``weighting="count"``).
    dims : int, default `DEFAULT_DIMS`
        At most ``min(n_docs, n_terms) - 1``; fewer are used on a smaller matrix.
    seed : int, default 0

    Returns
    -------
    numpy.ndarray, shape (n_docs, dims')
    """
    from sklearn.decomposition import TruncatedSVD

    if isinstance(dims, bool) or not isinstance(dims, int | np.integer) or dims < 1:
        raise ValueError(f"document_vectors: dims must be a positive int; got {dims!r}")
    X = dtm.tfidf(sublinear=True).matrix
    d = int(min(dims, min(X.shape) - 1))
    if d < 1:  # one cable or one term: the weights themselves
        vec = np.asarray(X.todense(), dtype=np.float64)
    else:
        vec = TruncatedSVD(d, n_iter=5, random_state=seed).fit_transform(X)
    norms = np.linalg.norm(vec, axis=1, keepdims=True)
    return np.divide(vec, norms, out=np.zeros_like(vec), where=norms > 0)


def refine_themes(vectors: np.ndarray, start: np.ndarray, k: int,
                  max_rounds: int = MAX_ROUNDS) -> tuple[np.ndarray, np.ndarray]:
    """Spherical k-means (Dhillon & Modha 2001) over unit vectors from a given assignment.

    Each round computes every theme's mean direction and moves each cable to the theme of
    highest cosine (ties: lowest id); a theme that loses all its cables stays empty. Stops
    when no cable moves or after ``max_rounds``.

    Returns
    -------
    labels : numpy.ndarray of int64, shape (n_docs,)
    similarity : numpy.ndarray, shape (n_docs,)
        Cosine of each cable with its theme's mean direction.
    """
    import scipy.sparse as sp

    labels = np.asarray(start, dtype=np.int64).copy()
    n_docs = labels.shape[0]
    sims = np.zeros(n_docs)
    moved = 0
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        members = sp.csr_matrix((np.ones(n_docs), (labels, np.arange(n_docs))), shape=(k, n_docs))
        centers = np.asarray(members @ vectors)
        norms = np.linalg.norm(centers, axis=1, keepdims=True)
        centers = np.divide(centers, norms, out=np.zeros_like(centers), where=norms > 0)
        cos = vectors @ centers.T
        cos[:, norms.ravel() == 0] = -np.inf  # an empty theme takes no cable back
        new = np.argmax(cos, axis=1).astype(np.int64)
        sims = cos[np.arange(n_docs), new]
        moved = int(np.sum(new != labels))
        labels = new
        if moved == 0:
            break
    if moved:
        logger.warning("refine_themes: still moving cables after %d rounds; stopped there",
                       max_rounds)
    logger.info("refine_themes: settled after %d rounds", rounds)
    return labels, np.where(np.isfinite(sims), sims, 0.0)


# ------------------------------------------------------------------------------- term labels


def term_scores(
    topic_term: Any,
    method: str = "frex",
    *,
    frex_weight: float = 0.5,
    term_freq: Any = None,
) -> np.ndarray:
    """Scores ranking each term within each topic.

    Parameters
    ----------
    topic_term : array-like, shape (n_topics, n_terms)
        p(term | topic) (rows need not be normalised; they are).
    method : {"frex", "lift", "prob"}
        "frex": harmonic mean of the within-topic ECDF ranks of frequency p(w|k) and
        exclusivity p(w|k) / sum_j p(w|j), weighted ``frex_weight`` on frequency
        (Bischof & Airoldi 2012; ``calcfrex`` in R stm, ties ranked by their average).
        "lift": p(w|k) / p(w) (Taddy 2012), p(w) from ``term_freq`` (e.g. corpus counts),
        else the mean of the topic rows. "prob": p(w|k).
    frex_weight : float, default 0.5
    term_freq : array-like, shape (n_terms,), optional
        Corpus term counts or frequencies for "lift".

    Returns
    -------
    numpy.ndarray, shape (n_topics, n_terms)
        Larger is better.
    """
    tt = np.asarray(topic_term, dtype=np.float64)
    if tt.ndim != 2:
        raise ValueError(f"term_scores: topic_term must be 2-D. Got shape {tt.shape}.")
    sums = tt.sum(axis=1, keepdims=True)
    beta = np.divide(tt, sums, out=np.zeros_like(tt), where=sums > 0)
    if method == "prob":
        return beta
    if method == "lift":
        pw = np.asarray(term_freq, dtype=np.float64) if term_freq is not None else beta.mean(0)
        if pw.shape != (tt.shape[1],):
            raise ValueError(
                f"term_scores: term_freq has shape {pw.shape}, expected ({tt.shape[1]},)"
            )
        pw = pw / pw.sum() if pw.sum() > 0 else pw
        return np.divide(beta, pw, out=np.zeros_like(beta), where=pw > 0)
    if method != "frex":
        raise ValueError(
            f"The 'method' parameter of term_scores must be one of {list(TERM_METHODS)}. "
            f"Got {method!r} instead."
        )
    col = beta.sum(axis=0, keepdims=True)
    excl = np.divide(beta, col, out=np.zeros_like(beta), where=col > 0)
    n_terms = tt.shape[1]
    freq_rank = rankdata(beta, method="average", axis=1) / n_terms
    excl_rank = rankdata(excl, method="average", axis=1) / n_terms
    return 1.0 / (frex_weight / freq_rank + (1.0 - frex_weight) / excl_rank)


def top_terms(
    topic_term: Any,
    terms: Sequence[str],
    n: int = 20,
    method: str = "frex",
    **kwargs: Any,
) -> list[list[str]]:
    """The ``n`` best terms of each topic by `term_scores` (ties: lower column first).

    Parameters
    ----------
    topic_term : array-like, shape (n_topics, n_terms)
    terms : sequence of str, length n_terms
    n : int, default 20
    method : {"frex", "lift", "prob"}, default "frex"
    **kwargs
        ``frex_weight`` or ``term_freq``, passed to `term_scores`.

    Returns
    -------
    list of list of str
        One list per topic.
    """
    order = _top_indices(term_scores(topic_term, method, **kwargs), n)
    if len(terms) != np.shape(topic_term)[1]:
        raise ValueError(
            f"top_terms: {len(terms)} terms for {np.shape(topic_term)[1]} topic_term columns"
        )
    return [[terms[j] for j in row] for row in order]


def _top_indices(scores: np.ndarray, n: int) -> list[list[int]]:
    return [np.argsort(-row, kind="stable")[:n].tolist() for row in scores]


def label_topics(model: Any, dtm: Any, n: int = 20) -> list[dict[str, Any]]:
    """Labels of a fitted model's topics, the ``topics`` entries of ``topics.json``.

    Parameters
    ----------
    model : TopicModel
        Fitted.
    dtm : DocTermMatrix
        Cables for the shares: ``model.doc_topic_`` when its refs are the model's rows,
        else ``model.transform(dtm)``.
    n : int, default 20
        Terms per topic.

    Returns
    -------
    list of dict
        ``{"id", "label", "top_terms", "term_weights", "share"}`` per topic, in id order;
        top terms by FREX, ``term_weights`` their p(term | topic), ``label`` the first
        three joined by ", ", ``share`` the mean topic weight over the cables.
    """
    doc_topic = model.doc_topic_ if tuple(dtm.refs) == tuple(model.refs_) else None
    if doc_topic is None:
        doc_topic = model.transform(dtm)
    tt = np.asarray(model.topic_term_)
    order = _top_indices(term_scores(tt, "frex"), n)
    share = np.asarray(doc_topic).mean(axis=0) if len(doc_topic) else np.zeros(tt.shape[0])
    out = []
    for k, idx in enumerate(order):
        words = [model.terms_[j] for j in idx]
        out.append(
            {
                "id": k,
                "label": ", ".join(words[:3]),
                "top_terms": words,
                "term_weights": [float(tt[k, j]) for j in idx],
                "share": float(share[k]),
            }
        )
    return out


def _meta_by_ref(cables_meta: Any) -> dict[str, Mapping[str, Any]]:
    if cables_meta is None:
        return {}
    if hasattr(cables_meta, "to_dict") and hasattr(cables_meta, "columns"):
        records = cables_meta.to_dict(orient="records")
    else:
        records = list(cables_meta)
    out = {}
    for i, rec in enumerate(records):
        ref = rec.get("ref")
        if not isinstance(ref, str):
            raise ValueError(
                f"label_themes: cables_meta record {i} has ref={ref!r}; every record needs "
                f"the cable ref (a str) to match dtm.refs"
            )
        out[ref] = rec
    return out


def _tags(rec: Mapping[str, Any] | None) -> list[str]:
    tags = rec.get("tags") if rec is not None else None
    if tags is None or isinstance(tags, float):  # None or NaN from pandas
        return []
    return list(dict.fromkeys(str(t) for t in tags))


def label_themes(
    themes: Themes,
    dtm: Any,
    doc_topic: Any,
    cables_meta: Any = None,
    n: int = 20,
    *,
    n_tags: int = 5,
    n_phrases: int = 10,
    n_representative: int = 5,
) -> list[dict[str, Any]]:
    """Labels of themes, the ``themes`` entries of ``topics.json``.

    Parameters
    ----------
    themes : Themes
    dtm : DocTermMatrix, shape (n_docs, n_terms)
        Counts of the cables ``themes`` was fitted on, same row order.
    doc_topic : array-like, shape (n_docs, n_topics)
        The mixtures ``themes`` was fitted on.
    cables_meta : pandas.DataFrame or iterable of dict, optional
        Records with at least ``ref`` and ``tags`` (any order; matched by ref).
    n : int, default 20
        Top terms per theme.

    Returns
    -------
    list of dict
        Per theme id (noise excluded): ``{"id", "label", "size", "share", "top_terms",
        "top_phrases", "tags": [{"tag", "name", "share", "lift"}], "representative": [ref,
        ...], "topics": [topic ids]}``. Top terms are FREX over the themes' aggregated
        counts (distinctive of the theme's cables against the other themes); phrases are
        the best-ranked terms containing ``_``; tags are the most frequent TAGS among the
        theme's cables with their share there and lift against all cables; representative
        cables have the highest cosine with the theme's mean LSA vector ("refined"), the
        highest weight on the theme's topic ("dominant") or lie closest to its center; topics are those with center weight >= 0.1 (at least the largest).
    """
    dt = _check_doc_topic(doc_topic, "label_themes")
    n_docs = dt.shape[0]
    if dtm.n_docs != n_docs or themes.labels.shape != (n_docs,):
        raise ValueError(
            f"label_themes: dtm has {dtm.n_docs} cables, doc_topic {n_docs} and themes "
            f"{themes.labels.shape[0]}; pass the matrix, mixtures and themes of the same cables"
        )
    labels = themes.labels
    k = themes.n_themes
    counts = dtm.matrix.astype(np.float64)
    theme_term = np.zeros((k, dtm.n_terms))
    for t in range(k):
        rows = np.flatnonzero(labels == t)
        if rows.size:
            theme_term[t] = np.asarray(counts[rows].sum(axis=0)).ravel()
    # A little smoothing keeps FREX exclusivity defined for terms a theme never uses.
    order = _top_indices(term_scores(theme_term + 0.01, "frex"), dtm.n_terms)
    terms = dtm.vocabulary.terms
    meta = _meta_by_ref(cables_meta)
    doc_tags = [_tags(meta.get(ref)) for ref in dtm.refs]
    all_tag_counts = Counter(t for tags in doc_tags for t in tags)
    out = []
    for t in range(k):
        rows = np.flatnonzero(labels == t)
        size = int(rows.size)
        ranked = [terms[j] for j in order[t]] if size else []
        center = themes.centers[t]
        topic_ids = [int(i) for i in np.argsort(-center, kind="stable") if center[i] >= 0.1]
        if not topic_ids:
            topic_ids = [int(np.argsort(-center, kind="stable")[0])]
        if themes.similarity is not None:
            closeness = themes.similarity[rows]
        elif themes.method == "dominant":
            closeness = dt[rows, t]
        else:
            closeness = -np.linalg.norm(dt[rows] - center, axis=1)
        rep = rows[np.argsort(-closeness, kind="stable")[:n_representative]]
        tag_counts = Counter(tag for i in rows.tolist() for tag in doc_tags[i])
        # Dominant TAGS are ranked by share x lift = p(tag|theme)^2 / p(tag): frequent in
        # the theme AND over-represented there. By share alone PREL (on ~70% of real
        # cables) would lead nearly every theme and say nothing about it. A tag that is
        # not over-represented (lift <= 1) comes after every tag that is, whatever its
        # share: it does not tell the theme apart.
        min_count = 2 if size >= 10 else 1
        scored = []
        for tag, c in tag_counts.items():
            if c < min_count:
                continue
            share = c / size
            lift = share / (all_tag_counts[tag] / n_docs)
            scored.append((lift <= 1.0, -(share * lift), -c, tag, share, lift))
        tags = [
            {"tag": tag, "name": tag_name(tag), "share": share, "lift": lift}
            for _, _, _, tag, share, lift in sorted(scored)[:n_tags]
        ]
        top = ranked[:n]
        out.append(
            {
                "id": t,
                "label": ", ".join(top[:3]),
                "size": size,
                "share": size / n_docs,
                "top_terms": top,
                "top_phrases": [w for w in ranked if "_" in w][:n_phrases],
                "tags": tags,
                "representative": [dtm.refs[i] for i in rep.tolist()],
                "topics": topic_ids,
            }
        )
    return out
