"""Coherence keeps its per-occurrence arrays small: the top terms' occurrences (term,
document, position) and their window intervals are int32 while the corpus has fewer than
2**31 documents, tokens and windows, with the same coherence values as the int64 arrays
used beyond (`topics.evaluate.cooccurrence._index_dtype`)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

# the module, not the `coherence` function the package exports under the same name
coh = importlib.import_module("topics.evaluate.coherence")
cooc = importlib.import_module("topics.evaluate.cooccurrence")


def _corpus(seed: int, n_docs: int = 300, n_terms: int = 200) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(n_terms, 0.3))
    return [[f"w{t}" for t in rng.choice(n_terms, size=int(rng.integers(0, 250)), p=p)]
            for _ in range(n_docs)]


def _topics(texts: list[list[str]], seed: int, k: int = 8, n: int = 10) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    seen = sorted({t for doc in texts for t in doc})
    tops = [list(rng.choice(seen, size=n, replace=False)) for _ in range(k)]
    tops.append(list(rng.choice(seen, size=20, replace=False)))  # > 16 words: mask halves
    return tops


def test_occurrences_and_intervals_are_int32():
    texts = _corpus(0)
    ref = coh.ReferenceCorpus.from_texts(texts)
    ids = np.array([ref.index(t) for t in _topics(texts, 0)[0]])
    x, doc, pos = ref._occurrences(ids)
    assert len(x) > 1000
    assert (x.dtype, doc.dtype, pos.dtype) == (np.int32, np.int32, np.int32)
    # the same occurrences as a plain scan of the token ids
    want = np.flatnonzero(np.isin(ref.token_ids, ids))
    assert np.array_equal(np.sort(pos), want)
    assert np.array_equal(doc, np.searchsorted(ref.offsets, pos, side="right") - 1)
    window = 10
    n_win_doc = np.maximum(1, np.diff(ref.offsets) - window + 1)
    win_offsets = np.r_[0, np.cumsum(n_win_doc)]
    occurrences = [x, doc, pos]
    xi, a, b = cooc._window_intervals(occurrences, ref.offsets, win_offsets, n_win_doc, window,
                                     ref.n_tokens)
    assert occurrences == []  # handed over: freed as they are used up
    assert (xi.dtype, a.dtype, b.dtype) == (np.int32, np.int32, np.int32)
    assert np.all(a <= b) and b.max() < win_offsets[-1]


def test_index_dtype_switches_to_int64_at_two_to_the_31():
    assert cooc._index_dtype(2**31 - 1) is np.int32
    assert cooc._index_dtype(2**31) is np.int64


@pytest.mark.parametrize("seed", [1, 2])
def test_int32_arrays_give_the_int64_scores(seed, monkeypatch):
    texts = _corpus(seed)
    topics = _topics(texts, seed)
    windows = {"c_npmi": 10, "c_v": 110, "u_mass": None}
    ref = coh.ReferenceCorpus.from_texts(texts)
    small = coh.coherence_scores(topics, ref, windows=windows)
    # a window longer than the corpus, where int32 positions would overflow unguarded
    huge = coh.coherence(topics, ref, "c_npmi", window=10**12)
    for module in (coh, cooc):  # a corpus past 2**31
        monkeypatch.setattr(module, "_index_dtype", lambda n: np.int64)
    x, doc, pos = ref._occurrences(np.array([ref.index(topics[0][0])]))
    assert (doc.dtype, pos.dtype) == (np.int64, np.int64)
    wide = coh.coherence_scores(topics, ref, windows=windows)
    for m in windows:
        assert np.array_equal(small[m].per_topic, wide[m].per_topic), m
        assert small[m].n_windows == wide[m].n_windows
    assert np.array_equal(huge.per_topic,
                          coh.coherence(topics, ref, "c_npmi", window=10**12).per_topic)
    assert not np.allclose(small["c_npmi"].per_topic, huge.per_topic)  # not a constant


def test_chunked_steps_give_the_same_counts(monkeypatch):
    # occurrences gathered, turned into documents and into presence bits a chunk at a time,
    # window events in batches: tiny chunks (every boundary hit) give the same counts
    texts = _corpus(3, n_docs=120)
    topics = _topics(texts, 3)
    ref = coh.ReferenceCorpus.from_texts(texts)
    groups = [[ref.index(t) for t in topic] for topic in topics]
    want = {w: ref.pair_counts(groups, w) for w in (None, 1, 10, 110)}
    monkeypatch.setattr(cooc, "_CHUNK_OCCURRENCES", 7)
    monkeypatch.setattr(coh.ReferenceCorpus, "_CHUNK_TOKENS", 13)
    monkeypatch.setattr(cooc, "_CHUNK_EVENTS", 50)
    for w, (n, co) in want.items():
        n2, co2 = ref.pair_counts(groups, w)
        assert n2 == n and np.array_equal(co2, co), w
        assert co.trace(axis1=1, axis2=2).sum() > 0
