"""``lda-numba``: our compiled Gibbs samplers (dense, SparseLDA buckets, Metropolis-Hastings)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from topics.evaluate import match_topics
from topics.models import load_model, make_model
from topics.models.sparse_lda import _tokens, optimize_alpha
from topics.vectorize import DocTermMatrix, Vocabulary

K, V, D = 6, 300, 240


def planted(seed: int = 0, n_docs: int = D, doc_len: int = 60):
    """Topic k owns terms 50k..50k+49; each cable mixes mostly one topic with another."""
    rng = np.random.default_rng(seed)
    beta = np.full((K, V), 0.01)
    for k in range(K):
        beta[k, k * 50 : (k + 1) * 50] += rng.dirichlet(np.ones(50)) * 10
    beta /= beta.sum(axis=1, keepdims=True)
    theta = rng.dirichlet(np.full(K, 0.2), size=n_docs)
    X = np.vstack([rng.multinomial(doc_len, p) for p in theta @ beta])
    terms = [f"t{j:03d}" for j in range(V)]
    refs = [f"R{i}" for i in range(n_docs)]
    return DocTermMatrix(sp.csr_matrix(X), refs, Vocabulary(terms, (X > 0).sum(0), n_docs)), beta


@pytest.fixture(scope="module")
def data():
    return planted()


@pytest.mark.parametrize("sampler", ["docsparse", "simd", "dense", "sparse", "mh"])
def test_each_sampler_recovers_planted_topics(sampler, data):
    dtm, beta = data
    m = make_model("lda-numba", n_topics=K, seed=1, iterations=100, sampler=sampler).fit(dtm)
    # Mean matched cosine (a single topic may sit in a local optimum, as tomotopy's do).
    assert match_topics(m.topic_term_, beta)[1].mean() >= 0.9
    # Every token is counted once: the fitted alpha is positive and finite.
    assert m.alpha_.shape == (K,) and np.all(np.isfinite(m.alpha_)) and np.all(m.alpha_ > 0)


def test_parallel_partitions_repeat_for_a_fixed_worker_count(data):
    dtm, beta = data
    a = make_model("lda-numba", n_topics=K, seed=2, iterations=30, workers=2).fit(dtm)
    b = make_model("lda-numba", n_topics=K, seed=2, iterations=30, workers=2).fit(dtm)
    np.testing.assert_array_equal(a.topic_term_, b.topic_term_)
    np.testing.assert_array_equal(a.doc_topic_, b.doc_topic_)
    # In corpus order (the partitions' sweeps without the shuffled visit order).
    c = make_model("lda-numba", n_topics=K, seed=2, iterations=30, workers=2,
                   shuffle=False).fit(dtm)
    assert match_topics(c.topic_term_, beta)[1].mean() >= 0.9


def test_transform_does_not_depend_on_workers(data, tmp_path):
    dtm, _ = data
    m = make_model("lda-numba", n_topics=K, seed=0, iterations=30, infer_iterations=20).fit(dtm)
    new, _ = planted(seed=9, n_docs=25)
    one = m.transform(new)
    m.workers = 2
    np.testing.assert_array_equal(m.transform(new), one)
    loaded = load_model(m.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.transform(new), one)
    np.testing.assert_array_equal(loaded.alpha_, m.alpha_)
    # The inferred shares follow the fitted ones for the training cables.
    fit_rows = m.transform(dtm)
    assert np.mean(fit_rows.argmax(1) == m.doc_topic_.argmax(1)) > 0.8


def test_optimize_alpha_recovers_an_asymmetric_prior():
    rng = np.random.default_rng(0)
    true = np.array([0.05, 0.1, 0.2, 0.4, 0.8])
    theta = rng.dirichlet(true, size=4000)
    ndk = np.vstack([rng.multinomial(200, t) for t in theta]).astype(np.int32)
    est = optimize_alpha(ndk, np.full(5, 0.3), iterations=200)
    np.testing.assert_allclose(est, true, rtol=0.15)


def test_tokens_keep_empty_rows_and_counts():
    X = sp.csr_matrix(np.array([[2, 0, 1], [0, 0, 0], [0, 3, 0]]))
    dtm = DocTermMatrix(X, ["a", "b", "c"], Vocabulary(["x", "y", "z"], [1, 1, 1], 3))
    ptr, words = _tokens(dtm)
    assert ptr.tolist() == [0, 3, 3, 6]
    assert words.tolist() == [0, 0, 2, 1, 1, 1]
    m = make_model("lda-numba", n_topics=2, iterations=5).fit(dtm)
    # The empty cable gets the prior.
    np.testing.assert_allclose(m.doc_topic_[1], m.alpha_ / m.alpha_.sum())


def test_bad_parameters_are_named():
    dtm, _ = planted(n_docs=20)
    with pytest.raises(ValueError, match=r"'sampler' parameter of NumbaLda must be one of"):
        make_model("lda-numba", sampler="alias").fit(dtm)
    with pytest.raises(ValueError, match=r"'mh_steps' parameter of NumbaLda must be an int"):
        make_model("lda-numba", mh_steps=0).fit(dtm)
    with pytest.raises(ValueError, match=r"models raw counts"):
        make_model("lda-numba").fit(dtm.tfidf())


def test_engines_scale_benchmark_scores_the_truth_and_runs(capsys, tmp_path):
    from benchmarks.bench_engines_scale import main, planted_lda, recovery

    dtm, phi = planted_lda(200, k=5, v=400, doc_len=50)
    assert dtm.shape == (200, 400) and dtm.matrix.sum() > 200 * 20
    np.testing.assert_allclose(phi.sum(axis=1), 1.0)
    # The planted topics score perfectly against themselves, in any order.
    rec, n_ok = recovery(phi[::-1], phi)
    assert rec == pytest.approx(1.0) and n_ok == 5
    # Uniform topics are far from them.
    assert recovery(np.ones_like(phi), phi)[0] < 0.8
    out = tmp_path / "rows.json"
    assert main(["--docs", "200", "--topics", "5", "--terms", "400", "--doc-len", "50",
                 "--iterations", "20", "--only", "=ours lda-numba, 20 it", "--json", str(out)]) == 0
    import json

    rows = json.loads(out.read_text())["rows"]
    assert [r["engine"] for r in rows] == ["ours lda-numba, 20 it"]
    assert rows[0]["recovery"] > recovery(np.ones_like(phi), phi)[0]
    assert "| ours lda-numba, 20 it |" in capsys.readouterr().out


def test_subsample_fits_in_two_stages_and_keeps_the_cable_order(data):
    dtm, beta = data
    kw = dict(n_topics=K, seed=4, iterations=30, subsample=0.4, subsample_iterations=60)
    a = make_model("lda-numba", **kw).fit(dtm)
    b = make_model("lda-numba", **kw).fit(dtm)
    np.testing.assert_array_equal(a.topic_term_, b.topic_term_)
    np.testing.assert_array_equal(a.doc_topic_, b.doc_topic_)
    # planted topics found (random topics match at cosine ~0.2; a pair of topics may sit in
    # a local optimum, as in the one-stage tests)
    assert match_topics(a.topic_term_, beta)[1].mean() >= 0.85
    # Every cable's row is its own (the stages permute the cables internally): its fitted
    # shares agree with the shares `transform` infers for it, row by row.
    shares = a.doc_topic_ / a.doc_topic_.sum(axis=1, keepdims=True)
    inferred = a.transform(dtm)
    assert np.mean(np.argmax(shares, axis=1) == np.argmax(inferred, axis=1)) >= 0.9
    # The first stage matters: another sample size gives other topics.
    c = make_model("lda-numba", **{**kw, "subsample": 0.7}).fit(dtm)
    assert not np.array_equal(a.topic_term_, c.topic_term_)
    with pytest.raises(ValueError, match="'subsample'"):
        make_model("lda-numba", n_topics=K, subsample=0.0).fit(dtm)
    with pytest.raises(ValueError, match="'subsample'"):
        make_model("lda-numba", n_topics=K, subsample=1.5).fit(dtm)


def test_subsample_join_counts_every_token_once_whatever_the_thread_count(data):
    """The second stage's cables join through `init_from_counts` (parallel over cables, a
    generator each) and `add_counts`: the same draws on 1 and 2 threads, and afterwards
    every cable's topic counts sum to its length and the topic-term counts to the topic
    totals (the first stage's tokens plus the joined ones)."""
    import numba

    from topics.models._sparse_kernels import add_counts, init_from_counts, init_topics
    from topics.models.sparse_lda import _permuted, _seed_words

    dtm, _ = data
    ptr, words = _tokens(dtm)
    perm = np.random.default_rng(0).permutation(dtm.n_docs)
    ptr, words = _permuted(ptr, words, perm)
    # the permuted arrays hold each cable's own tokens
    old_ptr, old_words = _tokens(dtm)
    for i in (0, 7, dtm.n_docs - 1):
        np.testing.assert_array_equal(words[ptr[i]:ptr[i + 1]],
                                      old_words[old_ptr[perm[i]]:old_ptr[perm[i] + 1]])
    first, n, v = 80, dtm.n_docs, dtm.n_terms
    z = np.zeros(words.size, np.int32)
    ndk, nkw, nk = np.zeros((n, K), np.int32), np.zeros((v, K), np.int32), np.zeros(K, np.int32)
    init_topics(ptr[:first + 1], words, z, ndk, nkw, nk, np.uint64(5))
    seeds = _seed_words(0, n - first, salt=2)
    previous, runs = numba.get_num_threads(), []
    for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
        arrays = [a.copy() for a in (z, ndk, nkw, nk)]
        numba.set_num_threads(threads)
        try:
            init_from_counts(ptr, words, arrays[0], arrays[1], arrays[2], arrays[3],
                             np.full(K, 0.1), 0.01, 0.01 * v, first, n, seeds)
        finally:
            numba.set_num_threads(previous)
        add_counts(ptr, words, arrays[0], arrays[2], arrays[3], first, n)
        runs.append(arrays)
    for a, b in zip(runs[0], runs[-1], strict=True):
        np.testing.assert_array_equal(a, b)
    z, ndk, nkw, nk = runs[0]
    np.testing.assert_array_equal(ndk.sum(axis=1), np.diff(ptr))
    np.testing.assert_array_equal(nkw.sum(axis=0), nk)
    assert int(nk.sum()) == words.size
    np.testing.assert_array_equal(np.bincount(z, minlength=K), nk)


def test_subsample_with_two_workers_repeats_and_keeps_rows(data):
    dtm, beta = data
    kw = dict(n_topics=K, seed=4, iterations=30, subsample=0.4, subsample_iterations=40,
              workers=2)
    a = make_model("lda-numba", **kw).fit(dtm)
    b = make_model("lda-numba", **kw).fit(dtm)
    np.testing.assert_array_equal(a.doc_topic_, b.doc_topic_)
    assert match_topics(a.topic_term_, beta)[1].mean() >= 0.85
    # each row is its own cable's (the stages permute the cables internally): its top
    # fitted topic, matched to a planted one, is the planted topic most likely to have
    # written the cable's words (a row of another cable agrees for ~1/K of the cables)
    truth = np.argmax(dtm.matrix.toarray() @ np.log(beta).T, axis=1)
    match = match_topics(a.topic_term_, beta)[0]
    assert np.mean(match[np.argmax(a.doc_topic_, axis=1)] == truth) >= 0.8
