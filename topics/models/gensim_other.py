"""gensim's non-LDA engines: ``lsi`` (LsiModel) and ``hdp`` (HdpModel).

``lsi``: truncated SVD of the count matrix (Deerwester et al. 1990) by gensim's randomised
algorithm (Halko et al. 2011), seeded with ``random_seed``. Its components are signed, so
they are mapped to distributions by absolute value: ``topic_term_[k] = |u_k| / sum|u_k|``
and ``doc_topic_[d] = |U^T x_d| / sum|U^T x_d|`` (``U^T x`` is what ``LsiModel[bow]``
computes). The sign of a component is arbitrary, so this keeps "how much" and drops "which
pole": read ``lsi`` topics as axes, not as clusters.

``hdp``: the online hierarchical Dirichlet process of Wang, Paisley & Blei (2011). The
number of topics is inferred: gensim's ``hdp_to_lda`` gives an LDA-equivalent ``alpha``
(T,) and ``beta`` (T, n_terms) over the truncation level T; every cable is folded in with
gensim's ``hdpmodel.lda_e_step``, topics are ranked by their mean share over the training
cables and kept while that share is >= ``min_share``, at most ``max_topics`` of them
(None: ``n_topics``). Kept topics are numbered by share, largest first. A saved model
keeps ``alpha``, ``beta`` and the kept indices as ``.npy``; transform after loading is the
same ``lda_e_step``. Both engines are deterministic for a given seed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from topics.models.base import TopicModel, check_int, check_real
from topics.vectorize import DocTermMatrix

__all__ = ["GensimHdp", "GensimLsi"]

logger = logging.getLogger(__name__)


class GensimLsi(TopicModel):
    """Latent semantic indexing, wrapping ``gensim.models.LsiModel``.

    Parameters
    ----------
    n_topics : int, default 20
        ``num_topics`` (fewer when the matrix has lower rank).
    seed : int, default 0
        ``random_seed``.
    power_iters : int, default 2
        Power iterations of the randomised SVD (more: more accurate).
    extra_samples : int, default 100
        Oversampling of the randomised SVD.
    chunksize : int, default 20000
        Documents per update.
    """

    engine = "lsi"

    def __init__(
        self,
        n_topics: int = 20,
        seed: int = 0,
        power_iters: int = 2,
        extra_samples: int = 100,
        chunksize: int = 20000,
    ):
        self.n_topics = n_topics
        self.seed = seed
        self.power_iters = power_iters
        self.extra_samples = extra_samples
        self.chunksize = chunksize

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        check_int(owner, "power_iters", self.power_iters, 0)
        check_int(owner, "extra_samples", self.extra_samples, 0)
        check_int(owner, "chunksize", self.chunksize, 1)

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        from gensim.models import LsiModel

        corpus, dictionary = dtm.to_gensim()
        lsi = LsiModel(
            corpus,
            num_topics=self.n_topics,
            id2word=dictionary,
            chunksize=self.chunksize,
            power_iters=self.power_iters,
            extra_samples=self.extra_samples,
            random_seed=self.seed,
            dtype=np.float64,
        )
        self._u = np.asarray(lsi.projection.u[:, : lsi.num_topics], dtype=np.float64)
        return np.abs(self._u.T), self._transform(dtm)

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        return np.abs(np.asarray(dtm.matrix.astype(np.float64) @ self._u))

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        return {"u": self._u}

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        self._u = arrays["u"]


class GensimHdp(TopicModel):
    """Online hierarchical Dirichlet process, wrapping ``gensim.models.HdpModel``.

    Parameters
    ----------
    n_topics : int, default 20
        Upper bound on the topics kept when ``max_topics`` is None.
    seed : int, default 0
        ``random_state``.
    max_topics : int or None, default None
        At most this many topics are kept (None: ``n_topics``).
    min_share : float, default 0.01
        Topics whose mean share over the training cables is below this are dropped (at
        least two are always kept).
    truncation : int, default 150
        Top-level truncation T (corpus-level topics considered).
    doc_truncation : int, default 15
        Second-level truncation K (topics per cable).
    alpha, gamma : float, default 1.0
        Concentrations of the document- and corpus-level sticks (Teh et al. 2006).
    eta : float, default 0.01
        Topic-word Dirichlet prior.
    chunksize : int, default 256
    max_chunks : int or None, default None
        Chunks to process; None is gensim's default (one pass).
    infer_iterations : int, default 100
        E-step iterations per cable when folding in.
    """

    engine = "hdp"

    def __init__(
        self,
        n_topics: int = 20,
        seed: int = 0,
        max_topics: int | None = None,
        min_share: float = 0.01,
        truncation: int = 150,
        doc_truncation: int = 15,
        alpha: float = 1.0,
        gamma: float = 1.0,
        eta: float = 0.01,
        chunksize: int = 256,
        max_chunks: int | None = None,
        infer_iterations: int = 100,
    ):
        self.n_topics = n_topics
        self.seed = seed
        self.max_topics = max_topics
        self.min_share = min_share
        self.truncation = truncation
        self.doc_truncation = doc_truncation
        self.alpha = alpha
        self.gamma = gamma
        self.eta = eta
        self.chunksize = chunksize
        self.max_chunks = max_chunks
        self.infer_iterations = infer_iterations

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        if self.max_topics is not None:
            check_int(owner, "max_topics", self.max_topics, 2)
        if self.max_chunks is not None:
            check_int(owner, "max_chunks", self.max_chunks, 1)
        for name in ("truncation", "doc_truncation"):
            check_int(owner, name, getattr(self, name), 2)
        check_int(owner, "chunksize", self.chunksize, 1)
        check_int(owner, "infer_iterations", self.infer_iterations, 1)
        check_real(owner, "min_share", self.min_share, strict=False)
        for name in ("alpha", "gamma", "eta"):
            check_real(owner, name, getattr(self, name))

    def _cap(self) -> int:
        return int(self.max_topics if self.max_topics is not None else self.n_topics)

    def _requested_topics(self) -> int:
        return 2

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        from gensim.models import HdpModel

        corpus, dictionary = dtm.to_gensim()
        hdp = HdpModel(
            corpus,
            id2word=dictionary,
            max_chunks=self.max_chunks,
            chunksize=self.chunksize,
            K=self.doc_truncation,
            T=self.truncation,
            alpha=self.alpha,
            gamma=self.gamma,
            eta=self.eta,
            random_state=self.seed,
        )
        alpha, beta = hdp.hdp_to_lda()
        self._alpha = np.asarray(alpha, dtype=np.float64)
        self._beta = np.asarray(beta, dtype=np.float64)
        self._kept = np.arange(self._alpha.size)
        full = self._fold_in(dtm)
        full /= full.sum(axis=1, keepdims=True)
        share = full.mean(axis=0)
        order = np.argsort(-share, kind="stable")
        n_keep = max(2, min(self._cap(), int(np.count_nonzero(share >= self.min_share))))
        self._kept = order[:n_keep]
        logger.info(
            "hdp: kept %d of %d topics (share >= %g, at most %d); kept share %.3f",
            n_keep,
            share.size,
            self.min_share,
            self._cap(),
            float(share[self._kept].sum()),
        )
        return self._beta[self._kept], full[:, self._kept]

    def _fold_in(self, dtm: DocTermMatrix) -> np.ndarray:
        from gensim.models.hdpmodel import lda_e_step

        m = dtm.matrix
        alpha, beta = self._alpha, self._beta
        out = np.zeros((m.shape[0], alpha.size))
        for i in range(m.shape[0]):
            lo, hi = m.indptr[i], m.indptr[i + 1]
            if lo == hi:
                out[i] = alpha
                continue
            _, gamma = lda_e_step(
                m.indices[lo:hi].tolist(),
                m.data[lo:hi].tolist(),
                alpha,
                beta,
                max_iter=self.infer_iterations,
            )
            out[i] = gamma
        return out

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        return self._fold_in(dtm)[:, self._kept]

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        return {"alpha": self._alpha, "beta": self._beta, "kept": self._kept.astype(np.int64)}

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        self._alpha, self._beta, self._kept = arrays["alpha"], arrays["beta"], arrays["kept"]
