"""Topic models: one interface over gensim, scikit-learn and tomotopy engines."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse as sp

from topics.evaluate import match_topics
from topics.models import DEFAULT_ENGINE, ENGINES, ModelFormatError, load_model, make_model
from topics.vectorize import DocTermMatrix, Vocabulary

K, V, D = 6, 300, 300


def planted(seed: int = 0, n_docs: int = D, doc_len: int = 80):
    """Planted-topic counts: topic k owns terms 50k..50k+49; each cable is 95% one topic."""
    rng = np.random.default_rng(seed)
    beta = np.full((K, V), 0.01)
    for k in range(K):
        beta[k, k * 50 : (k + 1) * 50] += rng.dirichlet(np.ones(50)) * 10
    beta /= beta.sum(axis=1, keepdims=True)
    labels = np.arange(n_docs) % K
    theta = np.full((n_docs, K), 0.05 / K)
    theta[np.arange(n_docs), labels] += 0.95
    X = np.vstack([rng.multinomial(doc_len, p) for p in theta @ beta])
    terms = [f"t{j:03d}" for j in range(V)]
    dtm = DocTermMatrix(
        sp.csr_matrix(X),
        [f"09R{i}" for i in range(n_docs)],
        Vocabulary(terms, (X > 0).sum(0), n_docs),
    )
    return dtm, beta, labels


@pytest.fixture(scope="module")
def data():
    return planted()


#: The TAG-supervised engines (llda, plda) get each cable's planted topic as its TAG.
_TAGS = ("PHUM", "PTER", "KNNP", "ETRD", "SNAR", "MARR")


def fit_engine(engine: str, dtm: DocTermMatrix, seed: int = 3):
    """``make_model(engine, n_topics=K, seed=seed).fit(dtm)``, with TAGS where needed."""
    model = make_model(engine, n_topics=K, seed=seed)
    if engine in ("llda", "plda"):
        return model.fit(dtm, labels=[[_TAGS[int(r[3:]) % K]] for r in dtm.refs])
    if getattr(model, "uses_metadata", False):  # dmr, dtm: each cable's covariates
        import pandas as pd

        n = len(dtm.refs)
        return model.fit(dtm, metadata=pd.DataFrame({
            "ref": list(dtm.refs), "post": [f"Embassy {i % 3}" for i in range(n)],
            "year": [2003.0 + i % 8 for i in range(n)], "genre": "subject",
            "classification": [("SECRET", "UNCLASSIFIED")[i % 2] for i in range(n)]}))
    return model.fit(dtm)


class _Fitted(dict):
    """Each engine fitted once, on first use (an engine's failure stays its own tests')."""

    def __init__(self, dtm: DocTermMatrix):
        super().__init__()
        self.dtm = dtm

    def __missing__(self, engine: str):
        self[engine] = fit_engine(engine, self.dtm)
        return self[engine]


@pytest.fixture(scope="module")
def fitted(data):
    return _Fitted(data[0])


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_fit_shapes_and_distributions(engine, fitted, data):
    dtm = data[0]
    m = fitted[engine]
    assert m.topic_term_.shape == (m.n_topics_, V)
    assert m.doc_topic_.shape == (D, m.n_topics_)
    assert 2 <= m.n_topics_ <= (2 * K if engine == "plda" else K)  # plda: TAGS + K latent
    np.testing.assert_allclose(m.topic_term_.sum(axis=1), 1.0)
    np.testing.assert_allclose(m.doc_topic_.sum(axis=1), 1.0)
    assert (m.topic_term_ >= 0).all() and (m.doc_topic_ >= 0).all()
    assert m.terms_ == dtm.vocabulary.terms and m.refs_ == dtm.refs
    # The constructor stores its arguments unchanged.
    assert m.get_params()["n_topics"] == K and m.get_params()["seed"] == 3


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_same_seed_identical_arrays(engine, fitted, data):
    again = fit_engine(engine, data[0])
    np.testing.assert_array_equal(again.topic_term_, fitted[engine].topic_term_)
    np.testing.assert_array_equal(again.doc_topic_, fitted[engine].doc_topic_)


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_save_load_transform_equal(engine, fitted, data, tmp_path):
    m = fitted[engine]
    new, _, _ = planted(seed=11, n_docs=40)
    out = m.save(tmp_path / "model")
    meta = json.loads((out / "params.json").read_text())
    assert meta["engine"] == engine and meta["n_terms"] == V
    assert meta["params"] == m.get_params() and "gensim" in meta["versions"]
    assert not list(out.glob("*.pkl")) and not list(out.glob("*.pickle"))
    loaded = load_model(out)
    assert type(loaded) is type(m) and loaded.get_params() == m.get_params()
    np.testing.assert_array_equal(loaded.topic_term_, m.topic_term_)
    np.testing.assert_array_equal(loaded.doc_topic_, m.doc_topic_)
    before = m.transform(new)
    np.testing.assert_array_equal(loaded.transform(new), before)
    np.testing.assert_array_equal(m.transform(new), before)  # transform has no hidden state
    np.testing.assert_allclose(before.sum(axis=1), 1.0)


@pytest.mark.parametrize("engine", ["lda-gibbs", "lda", "nmf"])
def test_transform_reindexes_by_term(engine, fitted):
    m = fitted[engine]
    new, _, _ = planted(seed=5, n_docs=30)
    # Same cables with columns reversed, one unknown term added and one model term missing.
    X = new.matrix.toarray()[:, ::-1]
    terms = list(new.vocabulary.terms[::-1])
    X = np.hstack([X[:, 1:], np.full((30, 1), 4)])
    terms = terms[1:] + ["zzz_unknown"]
    other = DocTermMatrix(sp.csr_matrix(X), new.refs, Vocabulary(terms, (X > 0).sum(0), 30))
    expected = new.matrix.toarray()
    expected[:, -1] = 0
    aligned = DocTermMatrix(sp.csr_matrix(expected), new.refs, m.vocabulary_)
    np.testing.assert_array_equal(m.transform(other), m.transform(aligned))


def test_default_engine_recovers_planted_topics(fitted, data):
    _, beta, labels = data
    m = fitted[DEFAULT_ENGINE]
    assert match_topics(m.topic_term_, beta)[1].min() >= 0.9
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(labels, m.doc_topic_.argmax(axis=1)) >= 0.9


@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_cable_without_known_terms_gets_a_distribution(engine, fitted, data):
    m = fitted[engine]
    X = np.zeros((2, V), dtype=np.int64)
    X[0, :50] = 2  # all terms of planted topic 0
    out = m.transform(DocTermMatrix(sp.csr_matrix(X), ["A", "B"], m.vocabulary_))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    # The cable made of topic 0's terms leans to the topic that best matches planted topic 0.
    beta = data[1]
    assert out[0].argmax() == int(np.argmax(m.topic_term_ @ beta[0]))


@pytest.mark.parametrize("bad", [0, 1, 2.5, "3", True])
def test_n_topics_validation_message(bad, data):
    with pytest.raises(ValueError, match=r"The 'n_topics' parameter of .* must be an int >= 2"):
        make_model("lda", n_topics=bad).fit(data[0])


def test_more_topics_than_cables(data):
    small = data[0].subset(range(4))
    with pytest.raises(ValueError, match=r"n_topics=6 but the DocTermMatrix has only 4 cables"):
        make_model("lda-sklearn", n_topics=6).fit(small)


def test_empty_dtm_rejected(data):
    X = sp.csr_matrix((5, V), dtype=np.int64)
    dtm = DocTermMatrix(X, [str(i) for i in range(5)], data[0].vocabulary)
    with pytest.raises(ValueError, match="empty DocTermMatrix"):
        make_model("nmf", n_topics=2).fit(dtm)


def test_tfidf_input_rejected(data):
    with pytest.raises(ValueError, match=r"models raw counts .* not dtm.tfidf\(\)"):
        make_model("lda", n_topics=2).fit(data[0].tfidf())


def test_unknown_engine_and_param_list_valid_ones():
    with pytest.raises(ValueError, match=r"unknown engine 'mallet'.*lda-gibbs"):
        make_model("mallet")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['pases'\].*'passes'"):
        make_model("lda", pases=3)


def test_transform_before_fit(data):
    with pytest.raises(ValueError, match="not fitted yet"):
        make_model("lda").transform(data[0])


def test_bad_engine_param_value(data):
    with pytest.raises(ValueError, match=r"The 'parallel' parameter of TomotopyLda"):
        make_model("lda-gibbs", n_topics=2, parallel="fast").fit(data[0])


def test_hdp_caps_topics(data):
    m = make_model("hdp", n_topics=3, seed=0, min_share=0.0).fit(data[0])
    assert m.n_topics_ == 3
    m = make_model("hdp", n_topics=20, seed=0, max_topics=4, min_share=0.0).fit(data[0])
    assert m.n_topics_ == 4


def test_load_refuses_pickled_arrays(fitted, tmp_path):
    out = fitted["nmf"].save(tmp_path / "m")
    np.save(out / "state_components.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ModelFormatError, match="sha256 differs"):
        load_model(out)
    # even with its checksum updated to match, an object array is never unpickled
    import hashlib
    import json

    params = json.loads((out / "params.json").read_text())
    params["files"]["state_components.npy"] = hashlib.sha256(
        (out / "state_components.npy").read_bytes()).hexdigest()
    (out / "params.json").write_text(json.dumps(params))
    with pytest.raises(ModelFormatError, match="object array"):
        load_model(out)


def test_load_missing_native_file(fitted, tmp_path):
    out = fitted["lda-gibbs"].save(tmp_path / "m")
    (out / "tomotopy.bin").unlink()
    with pytest.raises(ModelFormatError, match=r"tomotopy.bin: not found"):
        load_model(out)
