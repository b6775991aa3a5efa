"""Tokens as ids (`topics.tokenids`): the same tokens, phrases and matrix as the str road."""

from __future__ import annotations

import numpy as np
import pytest

from corpora.synthetic import iter_synthetic_cables
from topics.phrases_ids import apply_phrases_ids, learn_phrases_ids
from topics.text import TextOptions, learn_phrases, tokenize_corpus
from topics.tokenids import (
    TokenIds,
    count_matrix_ids,
    ids_from_table,
    token_table,
    tokenize_ids,
)
from topics.vectorize import build_dtm

# Tokens with "_" (united_states, and a pair whose joined string is also a token) are where
# gensim's string keys are subtle.
EDGE = [
    ["united", "states", "policy", "united_states", "policy", "nuclear", "talks"],
    ["united_states", "policy", "united", "states", "nuclear", "talks", "nuclear", "talks"],
    ["a", "b", "c", "a", "b", "c", "a", "b", "c", "b", "c"],
    [],
    ["nuclear", "talks", "united_states", "policy", "x_y_z", "x", "y_z", "x_y", "z"],
] * 6


@pytest.fixture(scope="module")
def texts():
    return [c.text for c in iter_synthetic_cables(40, seed=4, profile="cablegate")]


def test_tokenize_ids_matches_tokenize_corpus(texts):
    opts = TextOptions(phrases=False, drop_person_names=False)
    expected = tokenize_corpus(texts, opts, n_jobs=1)
    for n_jobs in (1, 2):
        got = tokenize_ids(texts, opts, n_jobs=n_jobs, chunksize=16)
        assert got.ids.dtype == np.uint32 and got.offsets[-1] == len(got.ids)
        assert got.to_lists() == expected


@pytest.mark.parametrize("scoring,threshold,min_count", [("default", 10.0, 5),
                                                        ("default", 0.5, 1),
                                                        ("npmi", 0.2, 2)])
def test_phrases_on_ids_equal_gensim(texts, scoring, threshold, min_count):
    docs = tokenize_corpus(texts[:60], TextOptions(phrases=False), n_jobs=1) + EDGE
    corpus = TokenIds.from_lists(docs)
    ref = learn_phrases(docs, min_count, threshold, scoring=scoring)
    # Several partitions of the pair counts give the same answer as one.
    for per_pass in (20_000_000, 997):
        got = learn_phrases_ids(corpus, min_count, threshold, scoring=scoring,
                                max_pairs_per_pass=per_pass)
        assert got.to_dict() == ref.to_dict()
    applied = apply_phrases_ids(ref, corpus)
    assert applied.to_lists() == [ref.apply(d) for d in docs]
    assert len(ref) > 0


def test_matrix_on_ids_equals_build_dtm(texts):
    docs = tokenize_corpus(texts, TextOptions(phrases=False), n_jobs=1) + EDGE
    refs = [f"r{i}" for i in range(len(docs))]
    want = build_dtm(docs, refs, min_df=2, max_df=0.6, max_terms=500)
    table = token_table(refs, [""] * len(refs), TokenIds.from_lists(docs))
    assert table.column("tokens").to_pylist() == docs
    corpus = ids_from_table(table.column("tokens"))
    for batch in (10_000_000, 300):
        got = count_matrix_ids(corpus, refs, min_df=2, max_df=0.6, max_terms=500,
                               batch_tokens=batch)
        assert list(got.vocabulary.terms) == list(want.vocabulary.terms)
        assert np.array_equal(got.vocabulary.df, want.vocabulary.df)
        for name in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(got.matrix, name), getattr(want.matrix, name)), name


@pytest.mark.parametrize("bound", [None, 0, 3])
def test_read_token_ids_fills_one_array_across_row_groups(tmp_path, monkeypatch, bound):
    """``read_token_ids`` puts the ids of every row group into one array sized from the
    file's metadata; the same cables, ids and offsets come back with empty cables among them,
    and also when the metadata count is too small (the array grows)."""
    import topics.tokenids as tid

    lists = [["alpha", "beta"], [], ["beta", "gamma", "alpha"], [], ["delta"]] * 7
    corpus = TokenIds.from_lists(lists)
    refs = [f"R{i}" for i in range(len(lists))]
    path = tmp_path / "tokens.parquet"
    tid.write_token_ids(path, refs, ["Embassy X"] * len(lists), corpus, rows_per_group=4)
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as pf:
        assert pf.metadata.num_row_groups == 9
        assert tid._leaf_values(pf, "ids") >= corpus.n_tokens
    if bound is not None:
        monkeypatch.setattr(tid, "_leaf_values", lambda pf, column: bound)
    got_refs, _, got = tid.read_token_ids(path, batch_size=3)
    assert got_refs == refs
    assert got.to_lists() == lists
    assert got.ids.dtype == np.uint32 and got.offsets[-1] == got.ids.size == corpus.n_tokens
