"""A scikit-learn estimator over every topic-model engine, for pipelines and ``clone``.

>>> from sklearn.feature_extraction.text import CountVectorizer
>>> from sklearn.pipeline import make_pipeline
>>> from topics.sklearn import TopicEstimator
>>> pipe = make_pipeline(CountVectorizer(min_df=2), TopicEstimator(n_topics=10))
>>> doc_topic = pipe.fit_transform(texts)      # doctest: +SKIP

`TopicEstimator` follows scikit-learn's estimator contract: the constructor stores its
arguments unchanged, ``fit(X, y=None)`` takes a sparse (or dense) document-term matrix or a
`topics.vectorize.DocTermMatrix`, fitted state ends in ``_``, ``get_params``/``set_params``
and ``sklearn.base.clone`` work, ``transform`` returns p(topic | document) (a DataFrame
indexed by the cable refs under ``set_output(transform="pandas")`` with a DocTermMatrix),
and scikit-learn's ``check_estimator`` passes (tests/test_sklearn.py). The engines
themselves (`topics.models`) keep their own API; this class adapts one of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from topics.models import ENGINES, make_model
from topics.vectorize import DocTermMatrix, Vocabulary

__all__ = ["TopicEstimator"]


class TopicEstimator(TransformerMixin, BaseEstimator):
    """Topic model as a scikit-learn transformer.

    Parameters
    ----------
    engine : str, default "nmf"
        A key of `topics.models.ENGINES` ("nmf", "lda", "lda-gibbs", "lda-sklearn", ...).
    n_topics : int, default 20
    seed : int, default 0
    params : dict, optional
        Engine parameters (see the engine's class docstring).

    Attributes
    ----------
    model_ : topics.models.TopicModel
        The fitted engine.
    components_ : numpy.ndarray, shape (n_topics, n_features)
        p(term | topic).
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray of str
        Only when ``X`` carried column names (a DataFrame or a DocTermMatrix).
    """

    def __init__(self, engine: str = "nmf", n_topics: int = 20, seed: int = 0,
                 params: dict | None = None) -> None:
        self.engine = engine
        self.n_topics = n_topics
        self.seed = seed
        self.params = params

    def _dtm(self, x: Any, *, reset: bool) -> DocTermMatrix:
        if isinstance(x, DocTermMatrix):
            names = np.asarray(x.vocabulary.terms, dtype=object)
            if reset:
                self.n_features_in_ = len(names)
                self.feature_names_in_ = names
            return x
        if reset and self.engine not in ENGINES:
            raise ValueError(f"The 'engine' parameter of TopicEstimator must be one of "
                             f"{sorted(ENGINES)}. Got {self.engine!r} instead.")
        x = validate_data(self, x, accept_sparse="csr", reset=reset,
                          dtype=(np.float64, np.float32, np.int64, np.int32))
        x = sp.csr_matrix(x)
        if x.nnz and x.data.min() < 0:
            raise ValueError("Negative values in data passed to TopicEstimator: a "
                             "document-term matrix holds counts or weights >= 0")
        if reset:
            # scikit-learn's wording for too little data (its checks and users expect it)
            n_samples, n_features = x.shape
            k = int(self.n_topics) if isinstance(self.n_topics, (int, np.integer)) else 0
            if n_samples < 2 or n_samples < k:
                raise ValueError(f"TopicEstimator needs at least 2 documents and n_topics="
                                 f"{self.n_topics} of them; got n_samples={n_samples}")
            if n_features < 2 or n_features < k:
                raise ValueError(f"TopicEstimator needs at least 2 terms and n_topics="
                                 f"{self.n_topics} of them; got n_features={n_features}")
        names = getattr(self, "feature_names_in_", None)
        terms = [str(t) for t in names] if names is not None else [
            f"x{i}" for i in range(x.shape[1])]
        frac = np.flatnonzero(x.data != np.round(x.data))
        if frac.size:
            row = int(np.searchsorted(x.indptr, frac[0], side="right") - 1)
            raise ValueError(
                f"TopicEstimator models term counts, but X holds {frac.size:,} non-integer "
                f"values (first {x.data[frac[0]]:g} in row {row}); pass raw counts "
                "(CountVectorizer, not TfidfVectorizer: engine 'nmf' weights them itself)")
        if reset:
            df = np.diff(sp.csc_matrix(x).indptr)
            vocab = Vocabulary(terms, df, max(int(x.shape[0]), 1))
        else:  # the training vocabulary (document frequencies weight some engines' input):
            vocab = self.model_.vocabulary_  # a row's topics never depend on the other rows
        refs = [f"doc{i}" for i in range(x.shape[0])]
        return DocTermMatrix(x.astype(np.int64), refs, vocab, weighting="count")

    def fit(self, X: Any, y: Any = None) -> TopicEstimator:  # noqa: N803 (scikit-learn's name)
        """Fit the engine on a document-term matrix; ``y`` is ignored.

        Parameters
        ----------
        X : scipy.sparse matrix, array-like or DocTermMatrix, shape (n_docs, n_terms)
            Term counts (integers >= 0; engine "nmf" weights them by TF-IDF itself).
        y : None

        Returns
        -------
        self
        """
        dtm = self._dtm(X, reset=True)
        self.model_ = make_model(self.engine, n_topics=self.n_topics, seed=self.seed,
                                 **(self.params or {}))
        self.model_.fit(dtm)
        self.components_ = np.asarray(self.model_.topic_term_)
        self.doc_topic_ = np.asarray(self.model_.doc_topic_)
        return self

    def transform(self, X: Any) -> np.ndarray:  # noqa: N803
        """p(topic | document) for each row of ``X``, shape (n_docs, n_topics_).

        With ``set_output(transform="pandas")`` a DataFrame with columns ``topic_0``, ...;
        its index is the cable refs when ``X`` is a `DocTermMatrix`, ``X``'s index when it
        is a DataFrame.
        """
        check_is_fitted(self, "model_")
        dtm = self._dtm(X, reset=False)
        return self._frame(self.model_.transform(dtm), X, dtm)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:  # noqa: N803
        """Fit, then the training documents' p(topic | document) (as the engine fitted it;
        a DataFrame with ``set_output(transform="pandas")``, as for `transform`)."""
        self.fit(X, y)
        return self._frame(self.doc_topic_, X, X if isinstance(X, DocTermMatrix) else None)

    def _frame(self, doc_topic: np.ndarray, x: Any, dtm: Any) -> Any:
        """The refs as index for a DocTermMatrix under pandas output (scikit-learn's wrapper
        then keeps it and names the columns)."""
        config = getattr(self, "_sklearn_output_config", {}).get("transform", "default")
        if config == "pandas" and isinstance(x, DocTermMatrix):
            import pandas as pd

            return pd.DataFrame(doc_topic, index=pd.Index(list(dtm.refs), name="ref"),
                                columns=self.get_feature_names_out())
        return doc_topic

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``topic_0``, ``topic_1``, ...: the output columns."""
        check_is_fitted(self, "model_")
        return np.asarray([f"topic_{k}" for k in range(self.components_.shape[0])],
                          dtype=object)

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.requires_fit = True
        return tags

