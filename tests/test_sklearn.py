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


def test_check_estimator():
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(TopicEstimator(n_topics=2, params={"max_iter": 200}),
                                  on_fail=None)
    passed = [r["check_name"] for r in results if r["status"] == "passed"]
    failed = [r for r in results if r["status"] == "failed"]
    for must in ("check_no_attributes_set_in_init", "check_parameters_default_constructible",
                 "check_get_params_invariance", "check_set_params",
                 "check_estimator_repr", "check_estimator_tags_renamed"):
        assert must in passed, must

    def chain(exc):
        while exc is not None:
            yield str(exc)
            exc = exc.__cause__ or exc.__context__

    # every failure is scikit-learn's random non-integer data meeting a count model
    for r in failed:
        assert any("non-integer values" in m for m in chain(r["exception"])), r["check_name"]
