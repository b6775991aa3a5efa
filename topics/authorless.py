"""Author-based downsampling of post-typical words (Thompson & Mimno 2018).

Re-exported by `topics.text`.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from topics.vectorize import DocTermMatrix

__all__ = ["authorless_counts", "authorless_keep_rates", "authorless_weights"]

logger = logging.getLogger(__name__)

#: Matrix entries thinned per step of `authorless_weights` (bounds its temporary arrays).
_CHUNK_ENTRIES = 4_000_000


def authorless_keep_rates(
    dtm: DocTermMatrix,
    groups: Sequence[Any],
    *,
    threshold: float = 2.0,
    slack: float = 2.0,
) -> tuple[list[Any], np.ndarray]:
    """Per-group keep probability of each term (author-based downsampling).

    After Thompson & Mimno (2018), "Authorless Topic Models: Biasing Models Away from Known
    Structure" (COLING): a word that a post (the "author") uses far more than the corpus
    as a whole is a signature of the post, and topics built on it track posts instead of
    themes. For group ``a`` and term ``w`` let ``n_aw`` be its count, ``N_a`` the group's
    token total and ``p_w`` the corpus-wide share of ``w``; the expected count under
    independence of word and author is ``e_aw = N_a * p_w``. Tokens beyond
    ``threshold * e_aw + slack`` are over-represented, so each token is kept with
    probability ``r_aw = min(1, (threshold * e_aw + slack) / n_aw)``, which brings the
    expected kept count down to that ceiling. ``slack`` stops a few occurrences in a small
    post from counting as a signature.

    Parameters
    ----------
    dtm : DocTermMatrix
        Count matrix, shape (n_docs, n_terms).
    groups : sequence, length n_docs
        Each row's author group, e.g. the sending post (``Cable.origin``); ``None`` is a
        group of its own.
    threshold : float, default 2.0
        How many times its expected rate a word may occur before being downsampled (>= 1).
    slack : float, default 2.0
        Occurrences always allowed per group and term (>= 0).

    Returns
    -------
    labels : list
        Group labels in first-seen order.
    rates : numpy.ndarray of float64, shape (n_groups, n_terms)
        Keep probabilities in (0, 1].
    """
    if dtm.weighting != "count":
        raise ValueError(
            f"authorless weighting needs a count matrix. Got weighting={dtm.weighting!r}; "
            f"pass the matrix from build_dtm before tfidf()."
        )
    groups = list(groups)
    if len(groups) != dtm.n_docs:
        raise ValueError(
            f"authorless: got {len(groups):,} groups for {dtm.n_docs:,} documents; pass one "
            f"group (e.g. the sending post) per row of the matrix"
        )
    if threshold < 1.0:
        raise ValueError(f"The 'threshold' parameter must be >= 1. Got {threshold!r}.")
    if slack < 0:
        raise ValueError(f"The 'slack' parameter must be >= 0. Got {slack!r}.")
    labels: list[Any] = []
    code: dict[Any, int] = {}
    row_group = np.array([code.setdefault(g, len(code)) for g in groups], dtype=np.int64)
    labels = list(code)
    import scipy.sparse as sp

    assign = sp.csr_matrix(
        (np.ones(dtm.n_docs), (row_group, np.arange(dtm.n_docs))),
        shape=(len(labels), dtm.n_docs),
    )
    # counts summed as integers (no float copy of the matrix), then made float
    n_aw = (assign.astype(np.int64) @ dtm.matrix).toarray().astype(np.float64)
    n_a = n_aw.sum(axis=1, keepdims=True)
    total = n_a.sum()
    p_w = n_aw.sum(axis=0, keepdims=True) / total if total else np.zeros((1, dtm.n_terms))
    ceiling = threshold * n_a * p_w + slack
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(n_aw > ceiling, ceiling / n_aw, 1.0)
    return labels, rates


def authorless_weights(
    dtm: DocTermMatrix,
    groups: Sequence[Any],
    *,
    threshold: float = 2.0,
    slack: float = 2.0,
    seed: int = 0,
) -> DocTermMatrix:
    """Downsample post-specific words: a count matrix with signature tokens thinned out.

    Each token of term ``w`` in a document of group ``a`` is kept with the probability
    ``r_aw`` of `authorless_keep_rates` (binomial thinning of the counts), as in the token
    downsampling of Thompson & Mimno (2018). Words used at similar rates across posts keep
    every token. Deterministic for a given ``seed`` (its own generator, derived from
    ``seed`` and the stage name; no global RNG).

    Parameters
    ----------
    dtm : DocTermMatrix
        Count matrix.
    groups : sequence, length n_docs
        Sending post (or other author label) of each row.
    threshold, slack : float
        See `authorless_keep_rates`.
    seed : int, default 0

    Returns
    -------
    DocTermMatrix
        int64 counts, same refs and vocabulary (whose ``df`` is left as counted before
        thinning), each entry <= the original.
    """
    labels, rates = authorless_keep_rates(dtm, groups, threshold=threshold, slack=slack)
    return _thin(dtm, groups, labels, rates, seed=seed, threshold=threshold, slack=slack)


def _thin(dtm: DocTermMatrix, groups: Sequence[Any], labels: list, rates: np.ndarray, *,
          seed: int, threshold: float, slack: float) -> DocTermMatrix:
    """Binomial thinning of ``dtm``'s counts by the keep ``rates`` of each row's group."""
    import scipy.sparse as sp

    from topics.vectorize import DocTermMatrix, row_blocks

    code = {g: i for i, g in enumerate(labels)}
    row_group = np.array([code[g] for g in groups], dtype=np.int64)
    m = dtm.matrix
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(b"authorless")]))
    thinned = m.data.astype(np.int64)  # a copy
    # Rows in chunks of ~4 M entries: the draws come in the same order as in one call (the
    # generator's stream is consumed entry by entry), with no nnz-long index arrays.
    for lo, hi in row_blocks(m.indptr, _CHUNK_ENTRIES):
        a, b = int(m.indptr[lo]), int(m.indptr[hi])
        rows = np.repeat(row_group[lo:hi], np.diff(m.indptr[lo:hi + 1]))
        p = rates[rows, m.indices[a:b]]
        partial = np.flatnonzero(p < 1.0)
        if partial.size:
            part = thinned[a:b]
            part[partial] = rng.binomial(part[partial], p[partial])
    out = sp.csr_matrix((thinned, m.indices.copy(), m.indptr.copy()), shape=m.shape)
    out.eliminate_zeros()
    logger.info(
        "authorless_weights: %d groups, kept %d of %d tokens (threshold=%g, slack=%g)",
        len(labels),
        int(out.sum()),
        int(m.sum()),
        threshold,
        slack,
    )
    return DocTermMatrix(out, dtm.refs, dtm.vocabulary, "count")


def authorless_counts(
    dtm: DocTermMatrix,
    groups: Sequence[Any],
    *,
    threshold: float = 2.0,
    slack: float = 2.0,
    seed: int = 0,
) -> tuple[DocTermMatrix, dict[str, int]]:
    """`authorless_weights` plus counts for a run manifest.

    Returns
    -------
    dtm : DocTermMatrix
        As from `authorless_weights`.
    info : dict
        ``n_groups``, ``tokens_before``, ``tokens_after`` and ``n_pairs_downsampled``
        (group-term pairs with a keep rate below 1).
    """
    labels, rates = authorless_keep_rates(dtm, groups, threshold=threshold, slack=slack)
    out = _thin(dtm, groups, labels, rates, seed=seed, threshold=threshold, slack=slack)
    info = {
        "n_groups": len(labels),
        "tokens_before": int(dtm.matrix.sum()),
        "tokens_after": int(out.matrix.sum()),
        "n_pairs_downsampled": int(np.count_nonzero(rates < 1.0)),
    }
    return out, info
