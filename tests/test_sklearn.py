"""`topics.sklearn.TopicEstimator` in the scikit-learn world: clone, params, pipelines, and
scikit-learn's own `check_estimator` (the checks that feed non-integer data do not apply:
the engines model counts, and say so)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.pipeline import make_pipeline

from tests.test_report import synthetic_cables
from topics.sklearn import TopicEstimator


def test_pipeline_clone_and_params():
    texts = [c["body"].lower() for c in synthetic_cables(60, seed=1)]
    est = TopicEstimator(n_topics=4, seed=3, params={"max_iter": 300})
    pipe = make_pipeline(CountVectorizer(min_df=2), est)
    doc_topic = pipe.fit_transform(texts)
    assert doc_topic.shape == (60, 4)
    np.testing.assert_allclose(doc_topic.sum(axis=1), 1.0)
    fitted = pipe[-1]
    assert fitted.components_.shape == (4, fitted.n_features_in_)
    again = pipe.transform(texts[:5])
    assert again.shape == (5, 4) and np.allclose(again.sum(axis=1), 1.0)
    # the planted subject of a cable is its largest topic's theme: same topic, same subject
    labels = np.argmax(doc_topic, axis=1)
    subjects = [i % 4 for i in range(60)]
    agree = sum(labels[i] == labels[j] for i in range(60) for j in range(60)
                if subjects[i] == subjects[j] and i != j)
    assert agree / sum(1 for i in range(60) for j in range(60)
                       if subjects[i] == subjects[j] and i != j) > 0.8
    params = pipe.get_params(deep=True)
    assert params["topicestimator__n_topics"] == 4
    twin = clone(pipe)
    assert twin[-1].get_params() == est.get_params() and not hasattr(twin[-1], "model_")
    twin.set_params(topicestimator__n_topics=3)
    assert twin.fit_transform(texts).shape == (60, 3)
    np.testing.assert_allclose(clone(pipe).fit_transform(texts), doc_topic)  # seeded


def test_clear_errors():
    with pytest.raises(ValueError, match="non-integer values .*row 1"):
        TopicEstimator(n_topics=2).fit(np.array([[1, 2, 0], [0.5, 1, 1], [3, 0, 1]]))
    with pytest.raises(ValueError, match="Negative values"):
        TopicEstimator(n_topics=2).fit(np.array([[1, -2, 0], [0, 1, 1]]))
    with pytest.raises(ValueError, match="'engine' parameter of TopicEstimator must be one of"):
        TopicEstimator(engine="bert").fit(np.ones((3, 3)))


class _Counts(TopicEstimator):
    """TopicEstimator fed counts: scikit-learn's checks draw random reals, which a count
    model refuses (test_clear_errors); this rounds them (x 3) to counts and changes
    nothing else, so every other part of the contract is checked on the real class."""

    def _dtm(self, x, *, reset):
        import scipy.sparse as sp

        if sp.issparse(x) and x.dtype.kind == "f":
            x = sp.csr_matrix(x)
            x.data = np.rint(x.data * 3)
        elif not sp.issparse(x) and not hasattr(x, "vocabulary"):
            try:
                arr = np.asarray(x)
                if arr.dtype.kind in "fO":
                    x = np.rint(arr.astype(np.float64) * 3)
            except (TypeError, ValueError):
                pass  # complex or text data: the real validation answers
        return super()._dtm(x, reset=reset)


def test_check_estimator():
    """scikit-learn's whole check_estimator suite: every check passes (the array-API one is
    skipped by scikit-learn unless SCIPY_ARRAY_API is set). 47 checks with scikit-learn 1.9:
    clone, get/set_params, pickling, fit returns self, idempotent fits, n_features_in_,
    sparse input, read-only memmaps, transform invariant to row order and subsets, ..."""
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(_Counts(engine="lda-sklearn", n_topics=2,
                                          params={"max_iter": 5}), on_fail=None)
    failed = {r["check_name"]: repr(r["exception"])[:300] for r in results
              if r["status"] == "failed"}
    assert not failed, failed
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert len(passed) >= 40
    for must in ("check_no_attributes_set_in_init", "check_parameters_default_constructible",
                 "check_get_params_invariance", "check_set_params", "check_estimators_pickle",
                 "check_fit_idempotent", "check_methods_subset_invariance",
                 "check_estimator_sparse_matrix", "check_fit2d_1sample",
                 "check_fit_non_negative", "check_n_features_in_after_fitting"):
        assert must in passed, must


def test_dataframes_out_with_refs_and_pickling():
    import pickle

    import pandas as pd

    from topics.vectorize import build_dtm

    texts = [c["body"].lower().split() for c in synthetic_cables(40, seed=2)]
    dtm = build_dtm(texts, [f"09X{i}" for i in range(40)], min_df=2, max_df=0.9)
    est = TopicEstimator(n_topics=3, seed=1).set_output(transform="pandas")
    out = est.fit_transform(dtm)
    assert isinstance(out, pd.DataFrame) and out.index.name == "ref"
    assert list(out.index) == list(dtm.refs)
    assert list(out.columns) == ["topic_0", "topic_1", "topic_2"]
    assert list(est.transform(dtm.subset([3, 1])).index) == ["09X3", "09X1"]
    # a DataFrame in keeps its index (scikit-learn's own rule)
    frame = pd.DataFrame(dtm.matrix.toarray(), index=list(dtm.refs),
                         columns=list(dtm.vocabulary.terms))
    assert list(est.transform(frame.iloc[:2]).index) == ["09X0", "09X1"]
    # an in-memory copy (joblib workers, deepcopy) transforms the same
    twin = pickle.loads(pickle.dumps(est))
    pd.testing.assert_frame_equal(twin.transform(dtm), est.transform(dtm))
