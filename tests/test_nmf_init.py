"""The default NMF init is deterministic: the seed does not change the topics."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from topics.models import make_model
from topics.models.sklearn_models import exact_nndsvda
from topics.vectorize import build_dtm


def test_exact_nndsvda_is_scikit_learns_construction_on_an_exact_svd(monkeypatch):
    import sklearn.decomposition._nmf as nmf_module

    X = sp.random(120, 200, density=0.08, random_state=1, format="csr")

    def exact_svd(M, k, random_state=None, **kw):
        U, S, Vt = np.linalg.svd(M.toarray(), full_matrices=False)
        return U[:, :k], S[:k], Vt[:k]

    monkeypatch.setattr(nmf_module, "_randomized_svd", exact_svd)
    want_w, want_h = nmf_module._initialize_nmf(X, 8, init="nndsvda", random_state=0)
    got_w, got_h = exact_nndsvda(X, 8)
    np.testing.assert_allclose(got_w, want_w, atol=1e-10)
    np.testing.assert_allclose(got_h, want_h, atol=1e-10)
    # the dense path (k close to min(X.shape)) agrees with the ARPACK path
    small = sp.random(12, 30, density=0.5, random_state=2, format="csr")
    w1, h1 = exact_nndsvda(small, 11)
    assert w1.shape == (12, 11) and h1.shape == (11, 30) and (w1 >= 0).all()


@pytest.fixture(scope="module")
def dtm():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(300)]
    docs = []
    for i in range(200):
        topic = i % 5
        words = rng.choice(vocab[topic * 60:(topic + 1) * 60], 40).tolist()
        words += rng.choice(vocab, 10).tolist()
        docs.append(words)
    return build_dtm(docs, [f"R{i}" for i in range(200)], min_df=2, max_df=1.0)


def test_default_nmf_gives_the_same_topics_for_any_seed(dtm):
    a = make_model("nmf", n_topics=8, seed=0).fit(dtm)
    b = make_model("nmf", n_topics=8, seed=12345).fit(dtm)
    np.testing.assert_array_equal(a.topic_term_, b.topic_term_)
    # scikit-learn's randomized init: the seed reaches the SVD (the old behaviour)
    c = make_model("nmf", n_topics=8, seed=0, init="nndsvda").fit(dtm)
    d = make_model("nmf", n_topics=8, seed=12345, init="nndsvda").fit(dtm)
    assert not np.array_equal(c.topic_term_, d.topic_term_)
