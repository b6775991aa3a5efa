"""Tests for topics.vectorize: Vocabulary, DocTermMatrix, build_dtm."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp
from gensim.matutils import corpus2csc
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from topics.vectorize import DocTermMatrix, Vocabulary, build_dtm, row_blocks

DOCS = [
    ["nuclear", "talks", "dprk", "nuclear"],
    ["nuclear", "trade", "tariff"],
    ["trade", "talks", "tariff", "tariff"],
    ["dprk", "missile", "nuclear"],
    ["trade", "visa"],
    [],
]
REFS = [f"09TOKYO{i}" for i in range(1, len(DOCS) + 1)]


def _random_docs(n_docs: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = [f"term{i:03d}" for i in range(120)]
    p = 1.0 / np.arange(1, 121)
    p /= p.sum()
    return [list(rng.choice(words, size=int(rng.integers(0, 40)), p=p)) for _ in range(n_docs)]


@pytest.fixture
def dtm() -> DocTermMatrix:
    return build_dtm(DOCS, REFS, min_df=1, max_df=1.0)


def test_build_counts_match_by_hand(dtm):
    v = dtm.vocabulary
    assert v.terms == tuple(sorted({t for d in DOCS for t in d}))
    assert dtm.matrix.dtype == np.int64 and sp.isspmatrix_csr(dtm.matrix)
    assert dtm.matrix[0, v.index("nuclear")] == 2
    assert dtm.matrix[2, v.index("tariff")] == 2
    assert v.df[v.index("nuclear")] == 3
    assert v.n_docs == 6
    assert dtm.matrix[5].nnz == 0
    assert dtm.refs == tuple(REFS)
    assert dtm.weighting == "count"


def test_build_matches_sklearn_countvectorizer():
    docs = _random_docs(300, 1)
    ours = build_dtm(docs, [str(i) for i in range(300)], min_df=3, max_df=0.6)
    cv = CountVectorizer(analyzer=lambda d: d, min_df=3, max_df=0.6)
    theirs = cv.fit_transform(docs)
    assert ours.vocabulary.terms == tuple(cv.get_feature_names_out())
    assert (ours.matrix != theirs).nnz == 0


def test_build_from_generator_single_pass():
    consumed = []

    def gen():
        for d in DOCS:
            consumed.append(1)
            yield d

    out = build_dtm(gen(), iter(REFS), min_df=1, max_df=1.0)
    assert len(consumed) == len(DOCS)
    assert out.shape[0] == len(DOCS)


def test_pruning_min_max_df_counts():
    # df: nuclear 3, trade 3, tariff 2, talks 2, dprk 2, missile 1, visa 1 (n=6)
    out = build_dtm(DOCS, REFS, min_df=2, max_df=0.4)  # max count 2.4 -> df 2 only
    assert out.vocabulary.terms == ("dprk", "talks", "tariff")
    out = build_dtm(DOCS, REFS, min_df=2, max_df=3)
    assert set(out.vocabulary.terms) == {"dprk", "talks", "tariff", "nuclear", "trade"}
    out = build_dtm(DOCS, REFS, min_df=0.5, max_df=1.0)  # >= 3 docs
    assert out.vocabulary.terms == ("nuclear", "trade")
    # pruned counts vanish from rows but df stays as counted
    assert out.matrix.sum() == 4 + 3 and out.vocabulary.df.tolist() == [3, 3]


def test_max_terms_ties_alphabetical():
    out = build_dtm(DOCS, REFS, min_df=1, max_df=1.0, max_terms=4)
    # df 3: nuclear, trade; df 2 tie among dprk, talks, tariff -> dprk, talks
    assert out.vocabulary.terms == ("dprk", "nuclear", "talks", "trade")
    again = build_dtm(list(reversed(DOCS)), list(reversed(REFS)), min_df=1, max_df=1.0, max_terms=4)
    assert again.vocabulary.terms == out.vocabulary.terms


def test_prune_empty_message():
    with pytest.raises(
        ValueError, match=r"min_df=5 and max_df=0.5 left 0 of 7 terms.*lower min_df"
    ):
        build_dtm(DOCS, REFS, min_df=5, max_df=0.5)


@pytest.mark.parametrize(
    ("docs", "refs", "exc", "match"),
    [
        ([], [], ValueError, "0 documents"),
        (DOCS, REFS[:-1], ValueError, "6 documents but 5 refs"),
        (DOCS[:2], ["a", "a"], ValueError, "unique.*'a'"),
        (["some text", "more"], ["a", "b"], TypeError, "document 0 is a str"),
        ([[], []], ["a", "b"], ValueError, "all 2 documents are empty"),
        (DOCS, [1, 2, 3, 4, 5, 6], TypeError, "ref 0 must be a str"),
    ],
)
def test_build_bad_inputs(docs, refs, exc, match):
    with pytest.raises(exc, match=match):
        build_dtm(docs, refs, min_df=1, max_df=1.0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"min_df": -1}, "min_df"),
        ({"max_df": 1.5}, "max_df.*share"),
        ({"min_df": True}, "min_df"),
        ({"max_terms": 0}, "max_terms"),
    ],
)
def test_build_bad_params(kw, match):
    params = {"min_df": 1, "max_df": 1.0} | kw
    with pytest.raises((ValueError, TypeError), match=match):
        build_dtm(DOCS, REFS, **params)


@pytest.mark.parametrize("sublinear", [False, True])
@pytest.mark.parametrize("norm", ["l2", "l1", None])
def test_tfidf_equals_sklearn(sublinear, norm):
    docs = _random_docs(250, 2)
    dtm = build_dtm(docs, [str(i) for i in range(250)], min_df=2, max_df=0.9)
    ours = dtm.tfidf(sublinear=sublinear, norm=norm)
    theirs = TfidfTransformer(smooth_idf=True, sublinear_tf=sublinear, norm=norm).fit_transform(
        dtm.matrix
    )
    assert ours.weighting == "tfidf" and ours.matrix.dtype == np.float64
    np.testing.assert_allclose(ours.matrix.toarray(), theirs.toarray(), rtol=1e-12, atol=1e-15)
    assert ours.refs == dtm.refs and ours.vocabulary is dtm.vocabulary



@pytest.mark.parametrize("norm", ["l2", None])
def test_tfidf_in_row_blocks_equals_whole_matrix(monkeypatch, norm):
    """Weights made in blocks of a few rows are bit-for-bit those of one block, and the
    count matrix is left as it was (its index arrays are shared, not changed)."""
    import topics.vectorize as vec

    docs = _random_docs(120, 5)
    dtm = build_dtm(docs, [str(i) for i in range(120)], min_df=2, max_df=0.9)
    before = dtm.matrix.copy()
    whole = dtm.tfidf(sublinear=True, norm=norm).matrix
    monkeypatch.setattr(vec, "_TFIDF_BLOCK", 7)
    assert len(vec.row_blocks(dtm.matrix.indptr, 7)) > 20
    blocks = dtm.tfidf(sublinear=True, norm=norm).matrix
    assert np.array_equal(whole.data, blocks.data)
    assert np.array_equal(whole.indices, blocks.indices)
    assert (dtm.matrix != before).nnz == 0 and dtm.matrix.dtype == before.dtype


def test_row_blocks_cover_every_row_once():
    rng = np.random.default_rng(3)
    for _ in range(50):
        lengths = rng.integers(0, 30, size=rng.integers(0, 40))
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        size = int(rng.integers(1, 60))
        blocks = row_blocks(indptr, size)
        rows = [r for lo, hi in blocks for r in range(lo, hi)]
        assert rows == list(range(len(lengths)))
        for lo, hi in blocks:  # a block over the size holds one row
            assert indptr[hi] - indptr[lo] <= size or hi - lo == 1

def test_tfidf_vocabulary_idf_uses_training_stats(dtm):
    part = dtm.subset([0, 1])
    via_vocab = part.tfidf(idf="vocabulary", norm=None)
    full = dtm.tfidf(norm=None)
    np.testing.assert_allclose(via_vocab.matrix.toarray(), full.matrix[[0, 1]].toarray())
    with pytest.raises(ValueError, match="already"):
        full.tfidf()
    with pytest.raises(ValueError, match="idf"):
        dtm.tfidf(idf="corpus")


def test_to_gensim_round_trip():
    docs = _random_docs(120, 3)
    dtm = build_dtm(docs, [str(i) for i in range(120)], min_df=2, max_df=0.8)
    corpus, dictionary = dtm.to_gensim()
    assert len(corpus) == dtm.n_docs
    back = corpus2csc(corpus, num_terms=len(dictionary), dtype=np.int64).T.tocsr()
    assert (back != dtm.matrix).nnz == 0
    for j, term in enumerate(dtm.vocabulary.terms):
        assert dictionary.token2id[term] == j and dictionary[j] == term
        assert dictionary.dfs[j] == dtm.vocabulary.df[j]
    assert dictionary.num_docs == 120
    assert dictionary.num_pos == dtm.matrix.sum()
    assert all(isinstance(c, int) for doc in corpus for _, c in doc)
    # gensim's own doc2bow over the kept tokens gives the same bag
    kept = [t for t in docs[0] if t in dtm.vocabulary]
    assert sorted(dictionary.doc2bow(kept)) == corpus[0]


def test_subset_rows_mask_refs(dtm):
    by_pos = dtm.subset([3, 0])
    assert by_pos.refs == (REFS[3], REFS[0])
    assert (by_pos.matrix != dtm.matrix[[3, 0]]).nnz == 0
    assert by_pos.vocabulary is dtm.vocabulary
    mask = np.array([True, False, True, False, False, False])
    assert dtm.subset(mask).refs == (REFS[0], REFS[2])
    assert dtm.subset([REFS[4]]).refs == (REFS[4],)
    assert dtm.subset([]).shape == (0, dtm.n_terms)
    with pytest.raises(KeyError, match="not a row"):
        dtm.subset(["nope"])
    with pytest.raises(IndexError, match="out of range"):
        dtm.subset([99])
    with pytest.raises(ValueError, match="unique"):
        dtm.subset([1, 1])
    with pytest.raises(ValueError, match="mask has length 2"):
        dtm.subset(np.array([True, False]))


def test_reindex_aligns_by_term(dtm):
    target = Vocabulary(["visa", "nuclear", "embargo"], [1, 1, 1], 10)
    out = dtm.reindex(target)
    assert out.shape == (dtm.n_docs, 3) and out.vocabulary is target
    dense = out.matrix.toarray()
    src = dtm.matrix.toarray()
    np.testing.assert_array_equal(dense[:, 0], src[:, dtm.vocabulary.index("visa")])
    np.testing.assert_array_equal(dense[:, 1], src[:, dtm.vocabulary.index("nuclear")])
    np.testing.assert_array_equal(dense[:, 2], 0)
    assert out.matrix.dtype == np.int64


def test_save_load_equal(tmp_path, dtm):
    for m in (dtm, dtm.tfidf(sublinear=True)):
        out = tmp_path / m.weighting
        m.save(out)
        assert sorted(p.name for p in out.iterdir()) == ["dtm.json", "dtm.npz"]
        meta = json.loads((out / "dtm.json").read_text())
        assert meta["terms"] == list(m.vocabulary.terms) and meta["refs"] == list(m.refs)
        back = DocTermMatrix.load(out)
        assert back.refs == m.refs and back.vocabulary == m.vocabulary
        assert back.weighting == m.weighting and back.matrix.dtype == m.matrix.dtype
        np.testing.assert_array_equal(back.matrix.toarray(), m.matrix.toarray())


def test_load_errors(tmp_path, dtm):
    with pytest.raises(FileNotFoundError, match="dtm.npz"):
        DocTermMatrix.load(tmp_path)
    dtm.save(tmp_path)
    meta = json.loads((tmp_path / "dtm.json").read_text())
    meta["refs"] = meta["refs"][:-1]
    (tmp_path / "dtm.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="shape"):
        DocTermMatrix.load(tmp_path)
    (tmp_path / "dtm.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"dtm.json: not valid"):
        DocTermMatrix.load(tmp_path)


def test_vocabulary_api_and_json(dtm):
    v = dtm.vocabulary
    assert len(v) == 7 and "dprk" in v and "xyz" not in v
    assert v.terms[v.index("trade")] == "trade"
    with pytest.raises(KeyError, match="'xyz' is not in the vocabulary"):
        v.index("xyz")
    again = Vocabulary.from_dict(json.loads(json.dumps(v.to_dict())))
    assert again == v
    assert v.prune(min_df=3).terms == ("nuclear", "trade")
    with pytest.raises(AttributeError):
        v.n_docs = 3
    with pytest.raises(ValueError, match="unique"):
        Vocabulary(["a", "a"], [1, 1], 2)
    with pytest.raises(ValueError, match="outside"):
        Vocabulary(["a"], [3], 2)
    with pytest.raises(ValueError, match="missing key"):
        Vocabulary.from_dict({"terms": []}, where="x.json")


def test_dtm_constructor_checks(dtm):
    with pytest.raises(ValueError, match="shape"):
        DocTermMatrix(dtm.matrix, REFS[:2], dtm.vocabulary)
    with pytest.raises(TypeError, match="integer"):
        DocTermMatrix(dtm.matrix.astype(float), REFS, dtm.vocabulary)
    with pytest.raises(ValueError, match="weighting"):
        DocTermMatrix(dtm.matrix, REFS, dtm.vocabulary, "bm25")
    with pytest.raises(AttributeError):
        dtm.refs = ()


def test_saved_matrix_is_a_standard_npz(tmp_path):
    """dtm.npz is scipy's save_npz layout (deflated faster): scipy, numpy without pickle and
    the size checks all read it, and a saved matrix loads back equal."""
    import scipy.sparse as sp

    from topics.safeload import check_npz, write_npz

    docs = _random_docs(80, 4)
    dtm = build_dtm(docs, [str(i) for i in range(80)], min_df=2, max_df=0.9)
    folder = dtm.save(tmp_path / "dtm")
    check_npz(folder / "dtm.npz")
    assert (sp.load_npz(folder / "dtm.npz") != dtm.matrix).nnz == 0
    with np.load(folder / "dtm.npz", allow_pickle=False) as z:
        assert sorted(z.files) == ["data", "format", "indices", "indptr", "shape"]
        assert np.array_equal(z["data"], dtm.matrix.data)
    back = DocTermMatrix.load(folder)
    assert back.refs == dtm.refs and (back.matrix != dtm.matrix).nnz == 0
    with open(tmp_path / "obj.npz", "wb") as fh, pytest.raises(ValueError):
        write_npz(fh, {"x": np.array([{"a": 1}], dtype=object)})
