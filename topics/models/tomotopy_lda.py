"""``lda-gibbs``: LDA by collapsed Gibbs sampling (Griffiths & Steyvers 2004), tomotopy.

Determinism: with ``workers=1`` and ``parallel="none"`` (the defaults) the same seed gives
identical arrays. tomotopy warns that results may differ when ``workers != 1``; we measured
that ``parallel="partition"`` repeats itself for a fixed worker count but differs from
``workers=1``, and ``"copy_merge"`` differs run to run. `transform` is tomotopy's ``infer``
with the same settings, which repeats itself for a given model.

A saved model keeps tomotopy's own binary file ``tomotopy.bin`` (``LDAModel.save`` with
``full=False``: tomotopy's serialisation, not a pickle) and `load_model` reads it back with
``LDAModel.load``, so inference after loading is tomotopy's own.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from topics.models.base import ModelFormatError, TopicModel, check_int, check_real
from topics.vectorize import DocTermMatrix

__all__ = ["TomotopyLda"]

logger = logging.getLogger(__name__)

PARALLEL_SCHEMES = ("none", "default", "copy_merge", "partition")
_NATIVE = "tomotopy.bin"


def _tomotopy():
    """Import tomotopy; its C extension's import raises a DeprecationWarning from importlib
    ("builtin type _VocabDict has no __module__ attribute") that warnings-as-errors would
    turn into a failed import, so exactly that message is silenced for the import."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"builtin type .* has no __module__", category=DeprecationWarning
        )
        import tomotopy

    return tomotopy


def _words(m, terms: tuple[str, ...]) -> list[list[str]]:
    """Each row of CSR ``m`` as a token list (each term repeated by its count), column order."""
    out = []
    for i in range(m.shape[0]):
        lo, hi = m.indptr[i], m.indptr[i + 1]
        cols = np.repeat(m.indices[lo:hi], m.data[lo:hi])
        out.append([terms[j] for j in cols.tolist()])
    return out


def known_terms_matrix(dtm: DocTermMatrix, n_terms: int, used_index: np.ndarray):
    """``dtm``'s CSR matrix without the terms tomotopy never saw in training (``used_index``:
    the training vocabulary's columns tomotopy knows); tomotopy refuses unknown words."""
    import scipy.sparse as sp

    known = np.zeros(n_terms)
    known[used_index] = 1.0
    matrix = (dtm.matrix @ sp.diags(known).astype(dtm.matrix.dtype)).tocsr()
    matrix.eliminate_zeros()
    return matrix


def infer_by_words(tp: Any, dtm: DocTermMatrix, terms: tuple[str, ...], used_index: np.ndarray,
                   prior: np.ndarray, *, iterations: int, workers: int, parallel: Any
                   ) -> np.ndarray:
    """Topic shares of new cables by tomotopy's ``infer`` over their known words.

    A cable with no known word gets ``prior`` (the normalised alpha). ``make_doc`` is given
    words only: no labels or covariates (every topic open).
    """
    matrix = known_terms_matrix(dtm, len(terms), used_index)
    out = np.tile(prior, (dtm.n_docs, 1))
    docs, rows = [], []
    for i, words in enumerate(_words(matrix, terms)):
        if words:
            docs.append(tp.make_doc(words))
            rows.append(i)
    if docs:
        dists, _ = tp.infer(docs, iterations=iterations, workers=workers, parallel=parallel)
        out[rows] = np.asarray(dists, dtype=np.float64)
    return out


class TomotopyLda(TopicModel):
    """LDA by collapsed Gibbs sampling, wrapping ``tomotopy.LDAModel``.

    Parameters
    ----------
    n_topics : int, default 20
        Number of topics K.
    seed : int, default 0
        tomotopy ``seed``.
    iterations : int, default 500
        Gibbs sweeps over the corpus.
    alpha : float, default 0.1
        Initial symmetric document-topic Dirichlet prior (alpha in Blei et al. 2003).
    eta : float, default 0.01
        Symmetric topic-word Dirichlet prior (beta in Griffiths & Steyvers 2004).
    optim_interval : int, default 10
        tomotopy re-estimates an asymmetric alpha every this many sweeps (Minka's fixed
        point); 0 keeps alpha fixed.
    burn_in : int, default 0
        Sweeps before the first alpha re-estimation.
    infer_iterations : int, default 100
        Gibbs sweeps per cable in `transform`.
    workers : int, default 1
        Sampling threads; see the module notes on determinism.
    parallel : {"none", "default", "copy_merge", "partition"}, default "none"
        tomotopy's ``ParallelScheme``.
    seed_words : dict of str -> list of str, optional
        Seeded (guided) topics, ``[themes.seeds]``: topic ``i`` is the i-th named theme,
        its seed words tied to it with ``set_word_prior``
        (`topics.models.tomotopy_labeled.apply_seed_words`); ``topic_names_`` names them.
    """

    engine = "lda-gibbs"

    def __init__(
        self,
        n_topics: int = 20,
        seed: int = 0,
        iterations: int = 500,
        alpha: float = 0.1,
        eta: float = 0.01,
        optim_interval: int = 10,
        burn_in: int = 0,
        infer_iterations: int = 100,
        workers: int = 1,
        parallel: str = "none",
        seed_words: dict[str, list[str]] | None = None,
    ):
        self.n_topics = n_topics
        self.seed = seed
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.optim_interval = optim_interval
        self.burn_in = burn_in
        self.infer_iterations = infer_iterations
        self.workers = workers
        self.parallel = parallel
        self.seed_words = seed_words

    @property
    def topic_names_(self) -> tuple[str, ...]:
        """Each topic's name: the seeded themes' names, '' for the others."""
        names = list(self.seed_words or {})
        return tuple(names + [""] * (self.n_topics_ - len(names)))

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        check_int(owner, "iterations", self.iterations, 1)
        check_int(owner, "infer_iterations", self.infer_iterations, 1)
        check_int(owner, "optim_interval", self.optim_interval, 0)
        check_int(owner, "burn_in", self.burn_in, 0)
        check_int(owner, "workers", self.workers, 0)
        check_real(owner, "alpha", self.alpha)
        check_real(owner, "eta", self.eta)
        if self.parallel not in PARALLEL_SCHEMES:
            raise ValueError(
                f"The 'parallel' parameter of {owner} must be one of {list(PARALLEL_SCHEMES)}. "
                f"Got {self.parallel!r} instead."
            )
        from topics.models.tomotopy_labeled import check_seed_words

        check_seed_words(owner, self.seed_words)
        if self.seed_words and len(self.seed_words) > self.n_topics:
            raise ValueError(f"{owner}: {len(self.seed_words)} seeded themes but only "
                             f"n_topics={self.n_topics}")

    def _scheme(self):
        tp = _tomotopy()
        return getattr(tp.ParallelScheme, self.parallel.upper())

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        tp = _tomotopy()
        mdl = tp.LDAModel(k=self.n_topics, alpha=self.alpha, eta=self.eta, seed=self.seed, min_cf=0)
        mdl.optim_interval = self.optim_interval
        mdl.burn_in = self.burn_in
        if self.seed_words:
            from topics.models.tomotopy_labeled import apply_seed_words

            apply_seed_words(mdl, self.seed_words, self.terms_, eta=self.eta)
        rows = []
        # tomotopy aborts the process on an empty document, so cables without a kept term
        # are left out and given the prior (normalised alpha) below.
        for i, words in enumerate(_words(dtm.matrix, self.terms_)):
            if words:
                mdl.add_doc(words)
                rows.append(i)
        mdl.train(self.iterations, workers=self.workers, parallel=self._scheme())
        self._tp = mdl
        self._used_index = self.vocabulary_.indices(mdl.used_vocabs)
        topic_term = np.zeros((self.n_topics, len(self.terms_)))
        for k in range(self.n_topics):
            topic_term[k, self._used_index] = mdl.get_topic_word_dist(k)
        doc_topic = np.tile(self._prior(), (dtm.n_docs, 1))
        for doc, i in zip(mdl.docs, rows, strict=True):
            doc_topic[i] = doc.get_topic_dist()
        logger.info("lda-gibbs: log-likelihood per word %.4f", mdl.ll_per_word)
        return topic_term, doc_topic

    def _prior(self) -> np.ndarray:
        alpha = np.asarray(self._tp.alpha, dtype=np.float64)
        return alpha / alpha.sum()

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        # Terms with no occurrence in training are unknown to tomotopy: dropped.
        return infer_by_words(self._tp, dtm, self.terms_, self._used_index, self._prior(),
                              iterations=self.infer_iterations, workers=self.workers,
                              parallel=self._scheme())

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        self._tp.save(str(directory / _NATIVE), full=False)
        return {}

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        tp = _tomotopy()
        path = directory / _NATIVE
        if not path.is_file():
            raise ModelFormatError(
                f"{path}: not found; an lda-gibbs model needs tomotopy's own model file to "
                f"transform. Re-save the model with save()"
            )
        self._tp = tp.LDAModel.load(str(path))
        self._used_index = self.vocabulary_.indices(self._tp.used_vocabs)
        if (self._used_index < 0).any():
            raise ModelFormatError(
                f"{path}: its vocabulary has terms missing from vocabulary.json; the files "
                f"come from different saves"
            )
