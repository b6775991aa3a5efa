"""scikit-learn engines: ``lda-sklearn`` (LatentDirichletAllocation) and ``nmf`` (NMF).

Both are deterministic for a given seed. A saved model keeps the fitted arrays as ``.npy``;
`load_model` sets them on a fresh estimator (``lda-sklearn``) or hands them to
``sklearn.decomposition.non_negative_factorization`` (``nmf``), the same code path a fitted
model's `transform` takes, so a loaded model transforms exactly like the original.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from topics.models.base import TopicModel, check_int, check_real
from topics.vectorize import DocTermMatrix

__all__ = ["SklearnLda", "SklearnNmf"]

logger = logging.getLogger(__name__)


class SklearnLda(TopicModel):
    """LDA by variational Bayes, wrapping ``sklearn.decomposition.LatentDirichletAllocation``.

    Parameters
    ----------
    n_topics : int, default 20
        ``n_components``.
    seed : int, default 0
        ``random_state``.
    max_iter : int, default 20
        Passes over the corpus.
    learning_method : {"batch", "online"}, default "batch"
    doc_topic_prior : float or None, default None
        alpha in Blei et al. 2003; None is 1/K.
    topic_word_prior : float or None, default None
        eta; None is 1/K.
    batch_size : int, default 128
        Documents per update for ``learning_method="online"``.
    """

    engine = "lda-sklearn"

    def __init__(
        self,
        n_topics: int = 20,
        seed: int = 0,
        max_iter: int = 20,
        learning_method: str = "batch",
        doc_topic_prior: float | None = None,
        topic_word_prior: float | None = None,
        batch_size: int = 128,
    ):
        self.n_topics = n_topics
        self.seed = seed
        self.max_iter = max_iter
        self.learning_method = learning_method
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.batch_size = batch_size

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        check_int(owner, "max_iter", self.max_iter, 1)
        check_int(owner, "batch_size", self.batch_size, 1)
        for name in ("doc_topic_prior", "topic_word_prior"):
            if getattr(self, name) is not None:
                check_real(owner, name, getattr(self, name))
        if self.learning_method not in ("batch", "online"):
            raise ValueError(
                f"The 'learning_method' parameter of {owner} must be 'batch' or 'online'. "
                f"Got {self.learning_method!r} instead."
            )

    def _estimator(self):
        from sklearn.decomposition import LatentDirichletAllocation

        return LatentDirichletAllocation(
            n_components=self.n_topics,
            doc_topic_prior=self.doc_topic_prior,
            topic_word_prior=self.topic_word_prior,
            learning_method=self.learning_method,
            max_iter=self.max_iter,
            batch_size=self.batch_size,
            random_state=self.seed,
        )

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        self._est = self._estimator().fit(dtm.matrix)
        return self._est.components_, self._est.transform(dtm.matrix)

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        return self._est.transform(dtm.matrix)

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        est = self._est
        return {
            "components": est.components_,
            "exp_dirichlet_component": est.exp_dirichlet_component_,
            "priors": np.array([est.doc_topic_prior_, est.topic_word_prior_]),
        }

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        # The fitted attributes that LatentDirichletAllocation.transform reads (all public,
        # ending in "_"); transform's E-step starts from a fixed init, so no RNG state.
        est = self._estimator()
        est.components_ = arrays["components"]
        est.exp_dirichlet_component_ = arrays["exp_dirichlet_component"]
        est.doc_topic_prior_, est.topic_word_prior_ = (float(x) for x in arrays["priors"])
        est.n_features_in_ = arrays["components"].shape[1]
        est.random_state_ = np.random.RandomState(self.seed)
        self._est = est


class SklearnNmf(TopicModel):
    """Non-negative matrix factorisation of TF-IDF weights, ``sklearn.decomposition.NMF``.

    The count matrix is weighted with ``dtm.tfidf(idf="vocabulary")`` (scikit-learn's smooth
    idf from the training vocabulary's document frequencies, rows L2-normalised), so new
    cables are weighted with the training corpus's idf. ``topic_term_`` is ``components_``
    with rows scaled to sum to 1; ``doc_topic_`` is ``W`` with rows scaled to sum to 1
    (a cable with no weight gets the uniform row).

    Parameters
    ----------
    n_topics : int, default 20
        ``n_components``.
    seed : int, default 0
        ``random_state`` (used by ``init="nndsvda"`` only through ties; kept for the
        interface and for randomised inits).
    init : {"nndsvda", "nndsvd", "nndsvdar", "random"}, default "nndsvda"
    max_iter : int, default 1000
    tol : float, default 1e-4
    beta_loss : {"frobenius", "kullback-leibler"}, default "frobenius"
        "kullback-leibler" needs ``solver="mu"``.
    solver : {"cd", "mu"}, default "cd"
    alpha_W : float, default 0.0
        Regularisation of W (and H, ``alpha_H="same"``).
    l1_ratio : float, default 0.0
        L1 share of the regularisation.
    """

    engine = "nmf"

    def __init__(
        self,
        n_topics: int = 20,
        seed: int = 0,
        init: str = "nndsvda",
        max_iter: int = 1000,
        tol: float = 1e-4,
        beta_loss: str = "frobenius",
        solver: str = "cd",
        alpha_W: float = 0.0,
        l1_ratio: float = 0.0,
    ):
        self.n_topics = n_topics
        self.seed = seed
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.beta_loss = beta_loss
        self.solver = solver
        self.alpha_W = alpha_W
        self.l1_ratio = l1_ratio

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        check_int(owner, "max_iter", self.max_iter, 1)
        check_real(owner, "tol", self.tol)
        check_real(owner, "alpha_W", self.alpha_W, strict=False)
        check_real(owner, "l1_ratio", self.l1_ratio, strict=False)
        for name, choices in (
            ("init", ("nndsvda", "nndsvd", "nndsvdar", "random")),
            ("beta_loss", ("frobenius", "kullback-leibler")),
            ("solver", ("cd", "mu")),
        ):
            if getattr(self, name) not in choices:
                raise ValueError(
                    f"The {name!r} parameter of {owner} must be one of {list(choices)}. "
                    f"Got {getattr(self, name)!r} instead."
                )

    def _common(self) -> dict:
        return {
            "solver": self.solver,
            "beta_loss": self.beta_loss,
            "tol": self.tol,
            "max_iter": self.max_iter,
            "alpha_W": self.alpha_W,
            "l1_ratio": self.l1_ratio,
        }

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.decomposition import NMF

        X = dtm.tfidf(idf="vocabulary").matrix
        est = NMF(
            n_components=self.n_topics, init=self.init, random_state=self.seed, **self._common()
        )
        W = est.fit_transform(X)
        logger.info(
            "nmf: %d iterations, reconstruction error %.4f", est.n_iter_, est.reconstruction_err_
        )
        self._components = est.components_
        return est.components_, W

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        from sklearn.decomposition import non_negative_factorization

        X = dtm.tfidf(idf="vocabulary").matrix
        W, _, _ = non_negative_factorization(
            X,
            H=self._components,
            n_components=self._components.shape[0],
            update_H=False,
            **self._common(),
        )
        return W

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        return {"components": self._components}

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        self._components = arrays["components"]
