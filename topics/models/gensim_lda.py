"""gensim LDA engines: ``lda`` (LdaModel, online variational Bayes) and ``lda-multicore``.

Both are Hoffman, Blei & Bach (2010) online VB for LDA (Blei, Ng & Jordan 2003). `transform`
is gensim's own E-step (``LdaModel.inference``) with its random gamma initialisation drawn
from a fresh ``RandomState(seed)`` on every call, so the same cables always get the same
doc-topic rows. A saved model keeps ``alpha``, ``eta``, ``state.sstats`` and
``expElogbeta`` as ``.npy``; `load_model` rebuilds a fresh ``LdaModel`` around them (gensim's
own ``save`` pickles, which we do not use).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from topics.models.base import TopicModel, check_int
from topics.vectorize import DocTermMatrix

__all__ = ["GensimLda", "GensimLdaMulticore"]

logger = logging.getLogger(__name__)

_ALPHA_CHOICES = ("symmetric", "asymmetric", "auto")
_ETA_CHOICES = (None, "symmetric", "auto")
_INFER_CHUNK = 2000


def _check_prior(owner: str, name: str, value: object, choices: tuple) -> None:
    if value in choices:
        return
    if isinstance(value, float | int) and not isinstance(value, bool) and value > 0:
        return
    raise ValueError(
        f"The {name!r} parameter of {owner} must be a float > 0 or one of {list(choices)}. "
        f"Got {value!r} instead."
    )


class GensimLda(TopicModel):
    """LDA by online variational Bayes, wrapping ``gensim.models.LdaModel``.

    Parameters
    ----------
    n_topics : int, default 20
        Number of topics K (``num_topics``).
    seed : int, default 0
        ``random_state``; same seed, identical arrays.
    passes : int, default 10
        Passes over the corpus.
    iterations : int, default 50
        Maximum E-step iterations per document (also used by `transform`). gensim's own
        default: with 100 (our default before issue 16) one pass over 10,000 planted-LDA
        cables recovered 0.248 instead of 0.303 (mean 1 - Hellinger,
        ``python -m benchmarks engines_scale``).
    alpha : float or {"symmetric", "asymmetric", "auto"}, default "symmetric"
        Document-topic Dirichlet prior (alpha in Blei et al. 2003); "symmetric" is 1/K.
    eta : float or {None, "symmetric", "auto"}, default None
        Topic-word Dirichlet prior (eta, beta in Griffiths & Steyvers 2004); None is 1/K.
    chunksize : int, default 2000
        Documents per online update.

    Notes
    -----
    Deterministic for a given seed. Arrays are float64 (gensim's default is float32).
    """

    engine = "lda"

    def __init__(
        self,
        n_topics: int = 20,
        seed: int = 0,
        passes: int = 10,
        iterations: int = 50,
        alpha: float | str = "symmetric",
        eta: float | str | None = None,
        chunksize: int = 2000,
    ):
        self.n_topics = n_topics
        self.seed = seed
        self.passes = passes
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.chunksize = chunksize

    _alpha_choices = _ALPHA_CHOICES

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        for name in ("passes", "iterations", "chunksize"):
            check_int(owner, name, getattr(self, name), 1)
        _check_prior(owner, "alpha", self.alpha, self._alpha_choices)
        _check_prior(owner, "eta", self.eta, _ETA_CHOICES)

    def _engine_kwargs(self) -> dict:
        return {}

    def _estimator(self):
        from gensim.models import LdaModel

        return LdaModel

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        corpus, dictionary = dtm.to_gensim()
        self._lda = self._estimator()(
            corpus=corpus,
            num_topics=self.n_topics,
            id2word=dictionary,
            passes=self.passes,
            iterations=self.iterations,
            alpha=self.alpha,
            eta=self.eta,
            chunksize=self.chunksize,
            random_state=self.seed,
            eval_every=None,
            dtype=np.float64,
            **self._engine_kwargs(),
        )
        return self._lda.get_topics(), self._infer(corpus)

    def _infer(self, corpus: list) -> np.ndarray:
        # gensim draws the initial gamma from the model's RandomState; a fresh one per call
        # makes transform a function of its input alone (and equal after load_model).
        self._lda.random_state = np.random.RandomState(self.seed)
        out = np.zeros((len(corpus), self._lda.num_topics))
        for start in range(0, len(corpus), _INFER_CHUNK):
            gamma, _ = self._lda.inference(corpus[start : start + _INFER_CHUNK])
            out[start : start + len(gamma)] = gamma
        return out

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        return self._infer(dtm.to_gensim()[0])

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        return {
            "alpha": np.asarray(self._lda.alpha, dtype=np.float64),
            "eta": np.asarray(self._lda.eta, dtype=np.float64),
            "sstats": np.asarray(self._lda.state.sstats, dtype=np.float64),
            "expElogbeta": np.asarray(self._lda.expElogbeta, dtype=np.float64),
        }

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        from gensim.models import LdaModel

        # The E-step of LdaMulticore is LdaModel's, so a plain LdaModel serves both engines.
        lda = LdaModel(
            num_topics=self.n_topics_,
            id2word=dict(enumerate(self.terms_)),
            alpha=arrays["alpha"],
            eta=arrays["eta"],
            iterations=self.iterations,
            random_state=self.seed,
            dtype=np.float64,
        )
        lda.state.sstats = arrays["sstats"].copy()
        lda.expElogbeta = arrays["expElogbeta"].copy()
        self._lda = lda


class GensimLdaMulticore(GensimLda):
    """LDA by online variational Bayes in worker processes (``gensim.models.LdaMulticore``).

    Parameters are those of `GensimLda` (``alpha="auto"`` is not supported by gensim here)
    plus:

    workers : int, default 1
        Worker processes. Results depend on it: each worker E-steps its own chunk and
        the M-step merges the statistics of ``workers`` chunks at a time, so the update
        schedule changes with ``workers``; with more than one worker the merge follows
        the order in which workers finish, which can change the last bits between runs.
        ``workers=1`` (the default) is deterministic for a given seed.
    """

    engine = "lda-multicore"
    _alpha_choices = ("symmetric", "asymmetric")

    def __init__(
        self,
        n_topics: int = 20,
        seed: int = 0,
        passes: int = 10,
        iterations: int = 50,
        alpha: float | str = "symmetric",
        eta: float | str | None = None,
        chunksize: int = 2000,
        workers: int = 1,
    ):
        super().__init__(n_topics, seed, passes, iterations, alpha, eta, chunksize)
        self.workers = workers

    def _validate_params(self) -> None:
        super()._validate_params()
        check_int(type(self).__name__, "workers", self.workers, 1)

    def _engine_kwargs(self) -> dict:
        return {"workers": self.workers}

    def _estimator(self):
        from gensim.models import LdaMulticore

        return LdaMulticore
