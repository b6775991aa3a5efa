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

Only pairs of words of the same topic are ever counted (K topics of N words: K N^2 pairs,
not (K N)^2), from the occurrences of the topics' top terms only (one chunked pass over the
token ids per call, no inverted index of the whole corpus: memory grows with the top terms'
occurrences, 12 bytes each in int32 arrays, not with the corpus), with no Python loop over
tokens, windows or word pairs (the kernels are in `topics.evaluate.cooccurrence`):

- documents (UMass): each top term's documents as packed 64-bit words; a pair's count is
  the popcount of the AND of the two bit rows;
- sliding windows (NPMI, C_V): each term's windows form disjoint intervals; for each topic
  the intervals become +bit/-bit events, sorted by window (a merge of N sorted runs); the
  running sum is the bit mask of the topic's words present, and weighting each mask by the
  windows it lasts gives a histogram from which ``co[i, j]`` is the weight of the masks
  holding both bits. Topics of more than 16 words are split into pairs of 8-word halves.

Examples
--------
>>> texts = [["nuclear", "talks", "iran"], ["nuclear", "iran", "sanctions"], ["trade", "talks"]]
>>> ref = ReferenceCorpus.from_texts(texts)
>>> result = coherence([("nuclear", "iran"), ("talks", "trade")], ref, measure="u_mass")
>>> [round(v, 3) for v in result]
[0.0, -0.693]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import scipy.sparse as sp

from topics.evaluate.cooccurrence import (
    _bitset_pair_counts,
    _doc_bits,
    _index_dtype,
    _interval_pair_counts,
    _slot_table,
    _window_intervals,
)

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
        ids = np.asarray(token_ids)
        # uint32 / int32 ids are kept as they are (4 bytes a token; no int64 copy)
        self.token_ids = ids if ids.dtype in (np.uint32, np.int32) else ids.astype(np.int64)
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
        self._postings: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._doc_words: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_texts(cls, texts: Iterable[Sequence[str]]) -> ReferenceCorpus:
        """Encode token lists (one list of str per document, in order).

        Terms get ids in order of first appearance. The tokens are hashed once, in C
        (`pandas.factorize` over the concatenated tokens), never one dict lookup at a time.

        Parameters
        ----------
        texts : iterable of sequence of str
            Tokenized documents: the training corpus or a reference corpus.

        Returns
        -------
        ReferenceCorpus

        Raises
        ------
        TypeError
            A document is a str instead of a list of tokens.
        ValueError
            A token is None or NaN.
        """
        import pandas as pd

        docs = []
        for n, doc in enumerate(texts):
            if isinstance(doc, str):
                raise TypeError(
                    f"ReferenceCorpus.from_texts: document {n} is a str; expected a list of "
                    "tokens (tokenize first, e.g. with topics.text.tokenize_corpus)."
                )
            docs.append(doc if isinstance(doc, list | tuple) else list(doc))
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        offsets = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        n_tokens = int(offsets[-1])
        flat = np.fromiter(chain.from_iterable(docs), dtype=object, count=n_tokens)
        codes, uniques = pd.factorize(flat)
        if n_tokens and codes.min() < 0:
            at = int(np.flatnonzero(codes < 0)[0])
            n = int(np.searchsorted(offsets, at, side="right")) - 1
            raise ValueError(
                f"ReferenceCorpus.from_texts: document {n}, token {at - int(offsets[n])} is "
                f"{flat[at]!r}; expected a str. Drop missing tokens before encoding."
            )
        terms = list(uniques)
        logger.info("reference corpus: %d documents, %d tokens, %d distinct terms",
                    len(docs), n_tokens, len(terms))
        return cls(codes.astype(np.int64, copy=False), offsets, terms)

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

    def postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inverted index: every occurrence of every term, built once (O(n_tokens)) and cached.

        Returns
        -------
        indptr : numpy.ndarray of int, shape (n_terms + 1,)
            Term ``i``'s occurrences are entries ``indptr[i]:indptr[i + 1]``.
        docs : numpy.ndarray of int, shape (n_tokens,)
            Document of each occurrence.
        positions : numpy.ndarray of int64, shape (n_tokens,)
            Global token position (index into `token_ids`) of each occurrence; sorted within
            a term, so each term's occurrences run in document and position order.
        """
        if self._postings is None:
            # a CSR -> CSC transposition is a counting sort by term that keeps token order
            by_doc = sp.csr_matrix(
                (np.arange(self.n_tokens, dtype=np.int64), self.token_ids, self.offsets),
                shape=(self.n_docs, len(self.terms)))
            by_term = by_doc.tocsc()
            self._postings = (by_term.indptr, by_term.indices, by_term.data)
        return self._postings

    def build_index(self) -> ReferenceCorpus:
        """Build the cached indexes `postings` and the packed document words (kept for
        callers that want the whole inverted index; counting does not need them: it reads
        only the occurrences of the terms it is asked about, `_occurrences`). Returns self.
        """
        self._document_words()
        return self

    def _document_words(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per term, the documents holding it as (word index, 64 presence bits) pairs."""
        if self._doc_words is None:
            indptr, docs, _ = self.postings()
            n_words = max(1, (self.n_docs + 63) // 64)
            term = np.repeat(np.arange(len(self.terms), dtype=np.int64), np.diff(indptr))
            word = docs.astype(np.int64) >> 6
            key = term * n_words + word
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
            one = np.left_shift(np.uint64(1), (docs & 63).astype(np.uint64))
            bits = np.bitwise_or.reduceat(one, starts) if len(key) else one
            self._doc_words = (np.searchsorted(starts, indptr), word[starts], bits)
        return self._doc_words

    #: Tokens looked up per step of `_occurrences` (bounds its temporary arrays).
    _CHUNK_TOKENS = 1 << 22

    def _occurrences(self, term_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(relevant index, document, global position) of each occurrence of ``term_ids``.

        Sorted by relevant index, then position (so by document within a term). Only the
        occurrences of these terms are gathered (one pass over the ids, in chunks), not an
        inverted index of the whole corpus: a topic model's top words are a few hundred
        terms, and a 150 M-token corpus's full index held ~40 bytes a token. The relevant
        index is int32; documents and positions are int32 while the corpus has fewer than
        2**31 documents and tokens (`_index_dtype`), int64 beyond.
        """
        term_ids = np.asarray(term_ids, dtype=np.int64)
        lookup = np.full(len(self.terms), -1, dtype=np.int32)
        lookup[term_ids] = np.arange(len(term_ids), dtype=np.int32)
        pos_type = _index_dtype(self.n_tokens)
        xs: list[np.ndarray] = []
        ps: list[np.ndarray] = []
        for lo in range(0, self.n_tokens, self._CHUNK_TOKENS):
            rel = lookup[self.token_ids[lo:lo + self._CHUNK_TOKENS]]
            hit = np.flatnonzero(rel >= 0)
            xs.append(rel[hit])
            ps.append(hit.astype(pos_type) + pos_type(lo))
        # a stable sort by term, chunk by chunk (each chunk's occurrences of a term go after
        # the earlier chunks' ones): positions stay increasing within a term, and no
        # 8-byte sort order of all the occurrences is needed
        per_chunk = [np.bincount(xc, minlength=len(term_ids)) for xc in xs]
        counts = np.sum(per_chunk, axis=0, dtype=np.int64) if per_chunk \
            else np.zeros(len(term_ids), dtype=np.int64)
        x = np.repeat(np.arange(len(term_ids), dtype=np.int32), counts)
        pos = np.empty(len(x), dtype=pos_type)
        cursor = np.cumsum(counts) - counts
        while xs:
            xc, pc, n = xs.pop(0), ps.pop(0), per_chunk.pop(0)
            order = np.argsort(xc, kind="stable")
            xc, pc = xc[order], pc[order]
            pos[cursor[xc] + np.arange(len(xc)) - (np.cumsum(n) - n)[xc]] = pc
            cursor += n
        # the document of each occurrence, a chunk at a time (no 8-byte array of them all)
        doc = np.empty(len(pos), dtype=_index_dtype(self.n_docs))
        offsets = self.offsets.astype(pos.dtype)
        for lo in range(0, len(pos), self._CHUNK_TOKENS):
            doc[lo:lo + self._CHUNK_TOKENS] = np.searchsorted(
                offsets, pos[lo:lo + self._CHUNK_TOKENS], side="right") - 1
        return x, doc, pos

    def pair_counts(self, groups: Sequence[Sequence[int]],
                    window: int | None) -> tuple[int, np.ndarray]:
        """Boolean co-occurrence counts of the terms *within* each group (topic).

        Coherence only ever pairs words of the same topic, so only those pairs are counted:
        K topics of N words cost K N^2 pairs, not (K N)^2.

        Parameters
        ----------
        groups : sequence of sequence of int, length G
            Term ids (into `terms`) per group; unique within a group; ``-1`` is a term that
            never occurs (its counts are 0).
        window : int or None
            Sliding-window size in tokens (gensim semantics, see the module docstring), or
            ``None`` for whole documents.

        Returns
        -------
        n_windows : int
            Number of windows (documents when ``window`` is None), empty documents included.
        co : numpy.ndarray of int64, shape (G, N, N)
            ``co[g, i, j]``: windows containing both the i-th and the j-th term of group
            ``g``; the diagonal holds each term's count; N is the longest group (shorter
            groups are padded with zeros).
        """
        slots, rel_ids = _slot_table(groups)
        if window is None:
            x, doc, _ = self._occurrences(rel_ids)
            bits = _doc_bits(x, doc, len(rel_ids), self.n_docs)
            return self.n_docs, _bitset_pair_counts(slots, bits)
        if isinstance(window, bool) or not isinstance(window, int | np.integer) or window < 1:
            raise ValueError(f"coherence window must be an int >= 1 or None; got {window!r}.")
        n_win_doc = np.maximum(1, np.diff(self.offsets) - window + 1)
        win_offsets = np.zeros(self.n_docs + 1, dtype=np.int64)
        np.cumsum(n_win_doc, out=win_offsets[1:])
        n_windows = int(win_offsets[-1])
        # the occurrences are handed over in a list: freed as soon as they are used up
        x, a, b = _window_intervals(list(self._occurrences(rel_ids)), self.offsets,
                                    win_offsets, n_win_doc, int(window), self.n_tokens)
        return n_windows, _interval_pair_counts(slots, x, a, b, len(rel_ids), n_windows)

    def counts(self, term_ids: Sequence[int], window: int | None) -> tuple[int, np.ndarray]:
        """Boolean co-occurrence counts of all pairs of some terms (one group, see `pair_counts`).

        Parameters
        ----------
        term_ids : sequence of int, length R
            Ids (into `terms`) of the terms to count; unique.
        window : int or None
            As in `pair_counts`.

        Returns
        -------
        n_windows : int
        co : numpy.ndarray of int64, shape (R, R)
            ``co[i, j]``: windows containing both terms; the diagonal holds each term's count.
        """
        n_windows, co = self.pair_counts([list(term_ids)], window)
        return n_windows, co[0]



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
        ids = {t: ref.index(t) if t in ref else -1 for t in unique}
        n_windows, co = ref.pair_counts([[ids[t] for t in topic] for topic in topics], window)
        n_ref = f"{ref.n_docs:,} documents"
    else:
        if window is not None:
            raise ValueError(
                f"coherence: measure {measure!r} with window={window} needs word order; pass the "
                "token lists (or a ReferenceCorpus) instead of a document-term matrix.")
        matrix, terms = ref
        n_windows, co = _matrix_pair_counts(matrix, terms, topics)
        n_ref = f"{matrix.shape[0]:,}-row document-term matrix"
    occurrences = {t: co[k, i, i] for k, topic in enumerate(topics) for i, t in enumerate(topic)}
    missing = [t for t in unique if occurrences[t] == 0]
    kept = _handle_missing(topics, missing, on_missing, n_ref) if missing else topics
    if not missing and len({len(topic) for topic in topics}) == 1:
        per_topic = _score(co, n_windows, measure)
    else:
        per_topic = np.empty(len(topics))
        for k, (topic, short) in enumerate(zip(topics, kept, strict=True)):
            keep = [i for i, t in enumerate(topic) if t in short]
            per_topic[k] = _score(co[k][np.ix_(keep, keep)][None], n_windows, measure)[0]
    return Coherence(measure, window, per_topic, tuple(kept), int(n_windows))


def _matrix_pair_counts(matrix: sp.csr_matrix, terms: Sequence[str],
                        topics: list[tuple[str, ...]]) -> tuple[int, np.ndarray]:
    """Document co-occurrence counts within each topic from a document-term matrix."""
    col = {t: j for j, t in enumerate(terms)}
    slots, columns = _slot_table([[col.get(t, -1) for t in topic] for topic in topics])
    sub = sp.csc_matrix(matrix[:, columns])
    sub.data = (sub.data > 0).astype(np.int8)
    sub.eliminate_zeros()
    sub.sort_indices()
    x = np.repeat(np.arange(len(columns), dtype=np.int64), np.diff(sub.indptr))
    bits = _doc_bits(x, sub.indices.astype(np.int64), len(columns), matrix.shape[0])
    return matrix.shape[0], _bitset_pair_counts(slots, bits)


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


def _score(co: np.ndarray, n_windows: int, measure: str) -> np.ndarray:
    """Coherence per topic from (G, size, size) co-occurrence counts, terms in rank order."""
    n = float(n_windows)
    sub = co.astype(np.float64)
    size = sub.shape[1]
    occ = np.diagonal(sub, axis1=1, axis2=2)
    if measure == "u_mass":
        # S_one_pre: word i against each higher-ranked word j < i
        i, j = np.tril_indices(size, k=-1)
        return np.mean(np.log((sub[:, i, j] / n + EPSILON) / (occ[:, j] / n)), axis=1)
    npmi = _npmi(sub, occ[:, :, None], occ[:, None, :], n)
    if measure == "c_npmi":
        off = ~np.eye(size, dtype=bool)
        return np.mean(npmi[:, off], axis=1)
    # C_V: cosine of each word's NPMI context vector with the whole set's summed vector
    total = npmi.sum(axis=1)
    norms = np.sqrt((npmi ** 2).sum(axis=2)) * np.sqrt((total ** 2).sum(axis=1))[:, None]
    dots = np.einsum("gij,gj->gi", npmi, total)
    # a zero context vector has no direction: its cosine counts as 0 instead of NaN
    sims = np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)
    return np.mean(sims, axis=1)


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
