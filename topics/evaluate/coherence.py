"""Topic coherence: UMass, NPMI and C_V (Röder, Both & Hinneburg 2015), computed sparsely.

The three measures are defined exactly as gensim's `CoherenceModel` computes them, so the
numbers can be compared with published gensim results:

``u_mass``
    Mimno et al. (2011). Boolean *documents*; segmentation S_one_pre (each word against every
    higher-ranked word); confirmation ``log((P(w', w*) + eps) / P(w*))``; arithmetic mean.
``c_npmi``
    Bouma (2009), gensim's ``c_npmi`` (alias ``"npmi"``). Boolean *sliding windows* of ``window`` tokens
    (default 10); segmentation S_one_one; ``NPMI = log((P(w', w*) + eps) / (P(w') P(w*)))
    / -log(P(w', w*) + eps)``; arithmetic mean.
``c_v``
    Röder et al. (2015). Boolean sliding windows of 110 tokens; segmentation S_one_set;
    indirect confirmation: cosine between the NPMI context vector of each word and the
    summed NPMI context vector of the whole top-N set (gamma = 1); arithmetic mean.

``eps`` is gensim's ``EPSILON = 1e-12``: a pair that never co-occurs gets a finite value
(NPMI close to -1, UMass close to ``log(1e-12 / P(w*))``, about -27), never NaN.

Sliding windows follow gensim's semantics exactly: a window of ``window`` tokens slides one
token at a time over each document (tokens out of the top-N sets still take up space); a
document shorter than the window is one window; an empty document counts as one empty
window. gensim (4.x, ``WordOccurrenceAccumulator._slide_window``) marks a word absent as
soon as *one* of its occurrences leaves the window's left edge, even when another
occurrence of the same word is still inside, until the word next enters at the right edge.
We reproduce that rule so the values match; for a word at position ``p`` the window ``t``
counts it iff ``t`` lies in ``[max(0, p - window + 1), q]`` where ``q`` is the first
occurrence of the word at or after that window's start.

Counting is done with sparse matrix products, never Python loops over windows or word pairs:
each word's presence over the windows of a document is a set of intervals; the document's
windows are cut into elementary runs where the set of present words does not change, and the
co-occurrence counts are ``W.T @ diag(run_length) @ W`` for the run-by-word incidence ``W``.

Examples
--------
>>> texts = [["nuclear", "talks", "iran"], ["nuclear", "iran", "sanctions"], ["trade", "talks"]]
>>> ref = ReferenceCorpus.from_texts(texts)
>>> result = coherence([("nuclear", "iran"), ("trade", "talks")], ref, measure="u_mass")
>>> [round(v, 3) for v in result.per_topic]
[0.0, -0.693]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = [
    "ALIASES",
    "Coherence",
    "DEFAULT_WINDOWS",
    "EPSILON",
    "MEASURES",
    "ReferenceCorpus",
    "coherence",
    "coherence_scores",
    "top_terms",
]

logger = logging.getLogger(__name__)

#: gensim's ``direct_confirmation_measure.EPSILON``: keeps the log of a zero count finite.
EPSILON = 1e-12
#: Supported measures, in the order `coherence_scores` reports them.
MEASURES = ("c_npmi", "c_v", "u_mass")
#: Other accepted spellings of the measures.
ALIASES = {"npmi": "c_npmi", "umass": "u_mass", "cv": "c_v"}
#: Default window per measure (``None``: whole documents), as gensim's ``SLIDING_WINDOW_SIZES``.
DEFAULT_WINDOWS: dict[str, int | None] = {"c_npmi": 10, "c_v": 110, "u_mass": None}
_ON_MISSING = ("raise", "drop")
# Expanded (run, word) incidences per sparse product; bounds memory to a few hundred MB.
_CHUNK_NNZ = 8_000_000


# --------------------------------------------------------------------------------------------
# Reference corpus
# --------------------------------------------------------------------------------------------


class ReferenceCorpus:
    """Token lists encoded once as integer ids, for repeated coherence evaluation.

    Encoding the texts is the costly part of coherence on a large corpus; build this once
    (`from_texts`) and score any number of models against it (a sweep scores K x seeds).

    Parameters
    ----------
    token_ids : array-like of int, shape (n_tokens,)
        All documents' tokens, concatenated, as indices into ``terms``.
    offsets : array-like of int, shape (n_docs + 1,)
        Document ``d`` is ``token_ids[offsets[d]:offsets[d + 1]]``; starts at 0, ends at
        ``n_tokens``, non-decreasing.
    terms : sequence of str
        The distinct tokens; unique.

    Attributes
    ----------
    token_ids, offsets : numpy.ndarray
    terms : tuple of str
    n_docs, n_tokens : int
    """

    def __init__(self, token_ids: Any, offsets: Any, terms: Sequence[str]):
        self.token_ids = np.asarray(token_ids, dtype=np.int64)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.terms = tuple(terms)
        if self.offsets.ndim != 1 or len(self.offsets) < 1 or self.offsets[0] != 0:
            raise ValueError(
                "ReferenceCorpus: 'offsets' must be a 1-d array starting at 0 "
                f"(got shape {self.offsets.shape}); build it with ReferenceCorpus.from_texts."
            )
        if self.offsets[-1] != len(self.token_ids) or np.any(np.diff(self.offsets) < 0):
            raise ValueError(
                "ReferenceCorpus: 'offsets' must be non-decreasing and end at "
                f"len(token_ids)={len(self.token_ids)} (ends at {int(self.offsets[-1])})."
            )
        if len(self.token_ids) and (
            self.token_ids.min() < 0 or self.token_ids.max() >= len(self.terms)
        ):
            raise ValueError(
                f"ReferenceCorpus: token ids must lie in [0, {len(self.terms)}) "
                f"(got {int(self.token_ids.min())}..{int(self.token_ids.max())})."
            )
        self._index: dict[str, int] | None = None

    @classmethod
    def from_texts(cls, texts: Iterable[Sequence[str]]) -> ReferenceCorpus:
        """Encode token lists (one list of str per document, in order).

        Parameters
        ----------
        texts : iterable of sequence of str
            Tokenized documents: the training corpus or a reference corpus.

        Returns
        -------
        ReferenceCorpus
        """
        index: dict[str, int] = {}
        setdefault = index.setdefault
        lengths: list[int] = []
        ids: list[int] = []
        for n, doc in enumerate(texts):
            if isinstance(doc, str):
                raise TypeError(
                    f"ReferenceCorpus.from_texts: document {n} is a str; expected a list of "
                    "tokens (tokenize first, e.g. with topics.text.tokenize_corpus)."
                )
            before = len(ids)
            ids.extend(setdefault(t, len(index)) for t in doc)
            lengths.append(len(ids) - before)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        terms = list(index)
        logger.info("reference corpus: %d documents, %d tokens, %d distinct terms",
                    len(lengths), len(ids), len(terms))
        return cls(np.fromiter(ids, dtype=np.int64, count=len(ids)), offsets, terms)

    @property
    def n_docs(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_tokens(self) -> int:
        return len(self.token_ids)

    def index(self, term: str) -> int:
        """Id of ``term``; raises KeyError when the corpus never has it."""
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.terms)}
        return self._index[term]

    def __contains__(self, term: object) -> bool:
        try:
            self.index(term)  # type: ignore[arg-type]
        except KeyError:
            return False
        return True

    def __len__(self) -> int:
        return self.n_docs

    def __repr__(self) -> str:
        return (f"ReferenceCorpus(n_docs={self.n_docs}, n_tokens={self.n_tokens}, "
                f"n_terms={len(self.terms)})")

    # -- counting ------------------------------------------------------------------------

    def counts(self, term_ids: Sequence[int], window: int | None) -> tuple[int, np.ndarray]:
        """Boolean co-occurrence counts of some terms over documents or sliding windows.

        Parameters
        ----------
        term_ids : sequence of int, length R
            Ids (into `terms`) of the terms to count; unique.
        window : int or None
            Sliding-window size in tokens (gensim semantics, see the module docstring), or
            ``None`` for whole documents.

        Returns
        -------
        n_windows : int
            Number of windows (documents when ``window`` is None), empty documents included.
        co : numpy.ndarray of int64, shape (R, R)
            ``co[i, j]``: windows containing both terms; the diagonal holds each term's count.
        """
        term_ids = np.asarray(term_ids, dtype=np.int64)
        n_rel = len(term_ids)
        lut = np.full(len(self.terms), -1, dtype=np.int64)
        lut[term_ids] = np.arange(n_rel)
        rel = lut[self.token_ids]
        pos = np.flatnonzero(rel >= 0)
        x = rel[pos]
        doc = np.searchsorted(self.offsets, pos, side="right") - 1
        lengths = np.diff(self.offsets)
        if window is None:
            n_windows = self.n_docs
            incidence = sp.csr_matrix(
                (np.ones(len(pos), dtype=np.int64), (doc, x)), shape=(self.n_docs, n_rel))
            incidence.sum_duplicates()
            incidence.data[:] = 1
            return n_windows, (incidence.T @ incidence).toarray()
        if window < 1:
            raise ValueError(f"coherence window must be an int >= 1 or None; got {window!r}.")
        n_win_doc = np.maximum(1, lengths - window + 1)
        n_windows = int(n_win_doc.sum())
        p = pos - self.offsets[doc]
        return n_windows, _window_cooccurrence(doc, x, p, n_win_doc, window, n_rel)


def _window_cooccurrence(doc: np.ndarray, x: np.ndarray, p: np.ndarray,
                         n_win_doc: np.ndarray, window: int, n_rel: int) -> np.ndarray:
    """Co-occurrence counts over gensim sliding windows from the relevant tokens' positions.

    ``doc``, ``x``, ``p``: document, relevant-term index and position of each relevant token,
    sorted by document then position. Returns an (n_rel, n_rel) int64 array.
    """
    co = np.zeros((n_rel, n_rel), dtype=np.int64)
    if len(p) == 0:
        return co
    # tokens come sorted by (document, position): a stable sort by group keeps positions sorted
    group = doc * n_rel + x
    order = np.argsort(group, kind="stable")
    doc, x, p, group = doc[order], x[order], p[order], group[order]
    big = int(p.max()) + 2
    key = group * big + p
    start = np.maximum(0, p - window + 1)
    # gensim clears a word when its first occurrence inside the window leaves the left edge
    first_in_window = p[np.searchsorted(key, group * big + start, side="left")]
    end = np.minimum(first_in_window, n_win_doc[doc] - 1)
    # merge one word's overlapping intervals (starts and ends are non-decreasing per group)
    new = np.ones(len(p), dtype=bool)
    new[1:] = (group[1:] != group[:-1]) | (start[1:] > end[:-1])
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, len(p) - 1]
    doc, x, a, b = doc[first], x[first], start[first], end[last]
    # elementary runs: cut each document's windows at every interval start and end + 1
    big2 = int(n_win_doc.max()) + 2
    cuts = np.concatenate([doc * big2 + a, doc * big2 + b + 1])
    cuts.sort()
    cuts = cuts[np.r_[True, cuts[1:] != cuts[:-1]]]
    run_len = np.diff(np.r_[cuts, cuts[-1] + 1])
    first_run = np.searchsorted(cuts, doc * big2 + a)
    n_runs = np.searchsorted(cuts, doc * big2 + b + 1) - first_run
    # process whole documents per chunk so that no run is split between two products
    doc_first = np.r_[0, np.flatnonzero(doc[1:] != doc[:-1]) + 1]
    per_doc = np.add.reduceat(n_runs, doc_first)
    chunk = (np.cumsum(per_doc) - per_doc) // _CHUNK_NNZ
    bounds = np.r_[doc_first[np.r_[0, np.flatnonzero(np.diff(chunk)) + 1]], len(doc)]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        counts = n_runs[lo:hi]
        total = int(counts.sum())
        offs = np.cumsum(counts) - counts
        rows = np.arange(total) - np.repeat(offs, counts) + np.repeat(first_run[lo:hi], counts)
        cols = np.repeat(x[lo:hi], counts)
        r0 = int(rows.min())
        shape = (int(rows.max()) - r0 + 1, n_rel)
        inc = sp.csr_matrix((np.ones(total, dtype=np.int64), (rows - r0, cols)), shape=shape)
        weighted = sp.csr_matrix((run_len[rows], (rows - r0, cols)), shape=shape)
        co += (inc.T @ weighted).toarray()
    return co


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coherence:
    """Coherence of a set of topics under one measure.

    Attributes
    ----------
    measure : str
        ``"c_npmi"``, ``"c_v"`` or ``"u_mass"``.
    window : int or None
        Sliding window in tokens; None for whole documents (UMass).
    per_topic : numpy.ndarray, shape (n_topics,)
        One value per topic, in topic order.
    top_terms : tuple of tuple of str
        The terms scored per topic (after ``on_missing="drop"`` where used).
    n_windows : int
        Windows (or documents) the probabilities were estimated over.
    """

    measure: str
    window: int | None
    per_topic: np.ndarray
    top_terms: tuple[tuple[str, ...], ...]
    n_windows: int

    @property
    def mean(self) -> float:
        """Arithmetic mean over topics (gensim's ``get_coherence``)."""
        return float(np.mean(self.per_topic))

    # A Coherence reads as its per-topic values: list(c), len(c), c[k], np.asarray(c).
    def __len__(self) -> int:
        return len(self.per_topic)

    def __iter__(self):
        return iter(float(v) for v in self.per_topic)

    def __getitem__(self, k: int) -> float:
        return float(self.per_topic[k])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.array(self.per_topic, dtype=dtype)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: measure, window, mean, per_topic, n_windows."""
        return {"measure": self.measure, "window": self.window, "mean": self.mean,
                "per_topic": [float(v) for v in self.per_topic], "n_windows": self.n_windows}


def top_terms(topic_term: Any, terms: Sequence[str], top_n: int = 10) -> list[tuple[str, ...]]:
    """The ``top_n`` highest-weighted terms of each topic; ties break by column order.

    Parameters
    ----------
    topic_term : array-like, shape (n_topics, n_terms)
    terms : sequence of str, length n_terms
    top_n : int

    Returns
    -------
    list of tuple of str, length n_topics
    """
    phi = np.asarray(topic_term, dtype=np.float64)
    if phi.ndim != 2 or phi.shape[1] != len(terms):
        raise ValueError(
            f"top_terms: topic_term has shape {phi.shape} but there are {len(terms)} terms; "
            "pass the model's topic_term_ and terms_ together."
        )
    if not isinstance(top_n, int | np.integer) or top_n < 1:
        raise ValueError(f"top_terms: 'top_n' must be an int >= 1; got {top_n!r}.")
    order = np.argsort(-phi, axis=1, kind="stable")[:, :top_n]
    return [tuple(terms[j] for j in row) for row in order]


def _validate_topics(topics: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    if isinstance(topics, str) or not len(topics):
        raise ValueError("coherence: 'topics' must be a non-empty list of top-term lists.")
    out = []
    for k, topic in enumerate(topics):
        if isinstance(topic, str):
            raise TypeError(f"coherence: topic {k} is a str ({topic!r}); expected a list of terms.")
        topic = tuple(topic)
        if len(topic) < 2:
            raise ValueError(
                f"coherence: topic {k} has {len(topic)} term(s); coherence needs >= 2 top terms.")
        if len(set(topic)) != len(topic):
            dup = sorted({t for t in topic if topic.count(t) > 1})
            raise ValueError(f"coherence: topic {k} repeats term(s) {dup}; top terms must be unique.")
        out.append(topic)
    return out


def _as_reference(reference: Any) -> ReferenceCorpus | tuple[sp.csr_matrix, tuple[str, ...]]:
    if isinstance(reference, ReferenceCorpus):
        return reference
    if hasattr(reference, "matrix") and hasattr(reference, "vocabulary"):  # DocTermMatrix
        return sp.csr_matrix(reference.matrix), tuple(reference.vocabulary.terms)
    if isinstance(reference, tuple) and len(reference) == 2 and sp.issparse(reference[0]):
        return sp.csr_matrix(reference[0]), tuple(reference[1])
    if isinstance(reference, list | tuple):
        return ReferenceCorpus.from_texts(reference)
    raise TypeError(
        "coherence: 'reference' must be a ReferenceCorpus, a list of token lists, a "
        f"DocTermMatrix or a (sparse matrix, terms) pair; got {type(reference).__name__}."
    )


def coherence(topics: Sequence[Sequence[str]], reference: Any, measure: str = "c_npmi",
              window: int | None | str = "default", on_missing: str = "raise") -> Coherence:
    """Coherence of each topic's top terms against a reference corpus.

    Parameters
    ----------
    topics : sequence of sequence of str, shape (n_topics, top_n)
        Top terms per topic, highest weight first (see `top_terms`). Order matters for
        UMass (each word is conditioned on the higher-ranked ones).
    reference : ReferenceCorpus, list of list of str, DocTermMatrix or (csr_matrix, terms)
        The corpus probabilities come from: the training token lists or another corpus.
        A document-term matrix (or a ``(matrix, terms)`` pair) has no word order and serves
        UMass only.
    measure : {"c_npmi", "c_v", "u_mass"}
        gensim's names; ``"npmi"`` is accepted for ``"c_npmi"``.
    window : int, None or "default"
        Sliding window in tokens; ``"default"`` takes gensim's (10 for NPMI, 110 for C_V,
        whole documents for UMass). ``None`` counts whole documents.
    on_missing : {"raise", "drop"}
        What to do with top terms that never occur in the reference corpus (their
        probabilities are zero and the measures undefined): raise a ValueError naming them,
        or drop them from their topics (logged) and score the rest.

    Returns
    -------
    Coherence

    Raises
    ------
    ValueError
        Unknown measure; a topic with fewer than 2 (remaining) terms or repeated terms;
        top terms missing from the reference corpus with ``on_missing="raise"``; NPMI or
        C_V asked of a document-term matrix.
    """
    measure = ALIASES.get(measure, measure)
    if measure not in MEASURES:
        raise ValueError(f"coherence: 'measure' must be one of {MEASURES}; got {measure!r}.")
    if on_missing not in _ON_MISSING:
        raise ValueError(f"coherence: 'on_missing' must be one of {_ON_MISSING}; got {on_missing!r}.")
    if window == "default":
        window = DEFAULT_WINDOWS[measure]
    topics = _validate_topics(topics)
    ref = _as_reference(reference)
    unique = list(dict.fromkeys(t for topic in topics for t in topic))
    if isinstance(ref, ReferenceCorpus):
        known = [t for t in unique if t in ref]
        ids = [ref.index(t) for t in known]
        n_windows, co = ref.counts(ids, window)
        n_ref = f"{ref.n_docs:,} documents"
    else:
        if window is not None:
            raise ValueError(
                f"coherence: measure {measure!r} with window={window} needs word order; pass the "
                "token lists (or a ReferenceCorpus) instead of a document-term matrix.")
        matrix, terms = ref
        col = {t: j for j, t in enumerate(terms)}
        known = [t for t in unique if t in col]
        binary = (matrix[:, [col[t] for t in known]] > 0).astype(np.int64)
        n_windows, co = matrix.shape[0], (binary.T @ binary).toarray()
        n_ref = f"{matrix.shape[0]:,}-row document-term matrix"
    where = {t: i for i, t in enumerate(known)}
    occurring = {t for t in known if co[where[t], where[t]] > 0}
    missing = [t for t in unique if t not in occurring]
    if missing:
        topics = _handle_missing(topics, missing, on_missing, n_ref)
    per_topic = np.array([
        _score(co, n_windows, [where[t] for t in topic], measure) for topic in topics])
    return Coherence(measure, window, per_topic, tuple(topics), int(n_windows))


def _handle_missing(topics: list[tuple[str, ...]], missing: list[str], on_missing: str,
                    n_ref: str) -> list[tuple[str, ...]]:
    miss = set(missing)
    where = [f"{t!r} (topic {next(k for k, tp in enumerate(topics) if t in tp)})"
             for t in missing[:10]]
    more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
    if on_missing == "raise":
        raise ValueError(
            f"coherence: {len(missing)} top term(s) never occur in the reference corpus "
            f"({n_ref}): {', '.join(where)}{more}. Score against the corpus the model was "
            "trained on, tokenize the reference the same way, or pass on_missing='drop'."
        )
    kept = [tuple(t for t in topic if t not in miss) for topic in topics]
    short = [k for k, topic in enumerate(kept) if len(topic) < 2]
    if short:
        raise ValueError(
            f"coherence: after dropping {len(missing)} term(s) absent from the reference corpus "
            f"({n_ref}), topic(s) {short} keep fewer than 2 terms; use a reference corpus that "
            "covers the model's vocabulary.")
    logger.warning("coherence: dropped %d top term(s) absent from the reference corpus: %s%s",
                   len(missing), ", ".join(where), more)
    return kept


def _npmi(co: np.ndarray, occ_i: np.ndarray, occ_j: np.ndarray, n: float) -> np.ndarray:
    joint = co / n + EPSILON
    return np.log(joint / ((occ_i / n) * (occ_j / n))) / -np.log(joint)


def _score(co: np.ndarray, n_windows: int, idx: list[int], measure: str) -> float:
    n = float(n_windows)
    sub = co[np.ix_(idx, idx)].astype(np.float64)
    occ = np.diag(sub).copy()
    size = len(idx)
    if measure == "u_mass":
        # S_one_pre: word i against each higher-ranked word j < i
        i, j = np.tril_indices(size, k=-1)
        return float(np.mean(np.log((sub[i, j] / n + EPSILON) / (occ[j] / n))))
    npmi = _npmi(sub, occ[:, None], occ[None, :], n)
    if measure == "c_npmi":
        off = ~np.eye(size, dtype=bool)
        return float(np.mean(npmi[off]))
    # C_V: cosine of each word's NPMI context vector with the whole set's summed vector
    total = npmi.sum(axis=0)
    norms = np.sqrt((npmi ** 2).sum(axis=1)) * np.sqrt((total ** 2).sum())
    dots = npmi @ total
    # a zero context vector has no direction: its cosine counts as 0 instead of NaN
    sims = np.divide(dots, norms, out=np.zeros(size), where=norms > 0)
    return float(np.mean(sims))


def coherence_scores(topics: Sequence[Sequence[str]], reference: Any,
                     measures: Sequence[str] = MEASURES,
                     windows: Mapping[str, int | None] | None = None,
                     on_missing: str = "raise") -> dict[str, Coherence]:
    """Several coherence measures of the same topics, sharing one encoded reference corpus.

    Parameters
    ----------
    topics, reference, on_missing
        As in `coherence`. Token lists are encoded once for all measures.
    measures : sequence of str
        Any of `MEASURES` (or their `ALIASES`).
    windows : mapping of str to int or None, optional
        Window per measure; measures not named use `DEFAULT_WINDOWS`.

    Returns
    -------
    dict of str to Coherence
        Keyed by measure, in the order given.
    """
    ref = reference
    if isinstance(reference, list | tuple) and not (
            isinstance(reference, tuple) and len(reference) == 2 and sp.issparse(reference[0])):
        ref = ReferenceCorpus.from_texts(reference)
    windows = dict(windows or {})
    measures = [ALIASES.get(m, m) for m in measures]
    return {m: coherence(topics, ref, measure=m, window=windows.get(m, DEFAULT_WINDOWS.get(m)),
                         on_missing=on_missing) for m in measures}
