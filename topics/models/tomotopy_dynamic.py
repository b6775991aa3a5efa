"""The ``dtm`` engine: topics whose vocabulary changes over time, one slice per year.

Two samplers, chosen by the ``method`` parameter:

``"lda-slices"`` (default)
    Topics from one LDA fit over every cable (tomotopy ``LDAModel``, collapsed Gibbs
    sampling, as ``lda-gibbs``), then each topic's word distribution *per slice* from the
    words the final sample assigned to it in that slice's cables, with a chained prior on
    the neighbouring slices::

        p(w | k, s) = (n_skw + tau * m_skw) / (n_sk + tau)
        m_sk = sum_{s' != s} rho^|s - s'| p0(. | k, s') / sum_{s' != s} rho^|s - s'|

    ``n_skw`` the count of word ``w`` assigned to topic ``k`` in slice ``s``, ``p0`` the
    slice's own smoothed distribution (``eta`` added), ``tau`` = ``slice_prior`` pseudo-words
    and ``rho`` = ``slice_decay``. A slice with many words of a topic shows its own
    vocabulary; a thin slice borrows from its neighbours, the nearer the more (the role the
    Gaussian random walk of Blei & Lafferty's model plays). The topics themselves do not
    depend on the slices: what changes over time is each topic's vocabulary and share.

``"dtmodel"``
    tomotopy's ``DTModel`` (Blei & Lafferty 2006, sampled by SGLD + Gibbs as in Bhadury et
    al. 2016): each topic's word distribution a random walk over the slices, inside the
    sampler. On the 4,000 real cables of the development corpus it collapsed every cable
    into one topic with the default step size and separated none with smaller ones
    (docs/engines.md), hence not the default; kept for generated or small corpora.

Years: one slice per year of the cables' dates; a year with fewer than ``min_slice_docs``
cables joins the next one (the last years the previous one).

Determinism: one sampling thread (``workers=1``) and no parallel scheme: same seed, same
arrays. Saved: tomotopy's own binary model (not a pickle; ``DTModel`` in full, as its word
distributions need the final sample) and, for ``lda-slices``, the per-slice counts as
sparse triplets (``state_slice_counts.npy``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from topics.models.base import ModelFormatError, check_int, check_real
from topics.models.tomotopy_covariates import _CovariateModel, _none_scheme
from topics.models.tomotopy_lda import _tomotopy, _words, infer_by_words
from topics.vectorize import DocTermMatrix

__all__ = ["METHODS", "TomotopyDtm", "chained_slice_distributions"]

logger = logging.getLogger(__name__)

#: The samplers of ``dtm``.
METHODS = ("lda-slices", "dtmodel")


def chained_slice_distributions(counts: np.ndarray, *, prior: float, decay: float,
                                eta: float) -> np.ndarray:
    """Per-slice topic-word distributions with a prior on the neighbouring slices.

    Parameters
    ----------
    counts : numpy.ndarray, shape (n_slices, n_topics, n_terms)
        Words assigned to each topic in each slice.
    prior : float
        ``tau``: pseudo-words of the neighbours' mean (0: each slice on its own).
    decay : float
        ``rho`` in (0, 1]: weight of a slice ``d`` slices away is ``rho ** d``.
    eta : float
        Pseudo-count of every word in a slice's own distribution (``p0``).

    Returns
    -------
    numpy.ndarray, same shape, rows sum to 1.

    Examples
    --------
    >>> c = np.zeros((3, 1, 2)); c[0, 0] = [10, 0]; c[2, 0] = [0, 10]
    >>> chained_slice_distributions(c, prior=10, decay=0.5, eta=0.0)[1, 0].round(2)
    array([0.5, 0.5])
    """
    counts = np.asarray(counts, dtype=np.float64)
    n_s, _, v = counts.shape
    own = counts + eta
    total = own.sum(axis=2, keepdims=True)
    p0 = np.divide(own, total, out=np.full_like(own, 1.0 / v), where=total > 0)
    if n_s == 1 or prior <= 0:
        return p0
    out = np.empty_like(counts)
    idx = np.arange(n_s)
    for s in range(n_s):
        w = decay ** np.abs(idx - s).astype(np.float64)
        w[s] = 0.0
        w /= w.sum()
        m = np.tensordot(w, p0, axes=1)  # (n_topics, n_terms)
        num = counts[s] + prior * m
        out[s] = num / num.sum(axis=1, keepdims=True)
    return out


class TomotopyDtm(_CovariateModel):
    """Topics over yearly time slices (see the module docstring for the two methods).

    Parameters
    ----------
    n_topics : int, default 20
    seed : int, default 0
    covariates : str, default ""
        Parquet file of the cables' covariates (needs ``year``); the pipeline sets it.
    method : {"lda-slices", "dtmodel"}, default "lda-slices"
    iterations : int, default 500
        Sampling sweeps.
    min_slice_docs : int, default 20
        A year with fewer training cables joins its neighbour (earlier years the next one,
        the last years the previous one), so no slice is estimated from a handful.
    alpha, eta : float, default 0.1, 0.01
        ``lda-slices``: LDA's initial symmetric document-topic prior (re-estimated every
        ``optim_interval`` sweeps) and topic-word prior, as ``lda-gibbs``.
    optim_interval : int, default 10
        ``lda-slices``: sweeps between re-estimations of the asymmetric alpha.
    slice_prior : float, default 200.0
        ``lda-slices``: ``tau``, pseudo-words of the neighbouring slices' mean in each
        slice's distribution of a topic.
    slice_decay : float, default 0.5
        ``lda-slices``: ``rho``, weight of a slice ``d`` slices away (``rho ** d``).
    alpha_var, eta_var, phi_var : float, default 0.1, 0.1, 0.01
        ``dtmodel``: tomotopy's transition variances (document-topic prior, per-cable spread
        around it, topic-word drift between slices).
    lr_a, lr_b, lr_c : float, default 0.1, 0.1, 0.55
        ``dtmodel``: SGLD step size ``a * (b + i) ** -c`` (tomotopy's ``lr_a = 0.01`` left
        planted themes unseparated after 150 sweeps).
    infer_iterations : int, default 100
    workers : int, default 1

    Attributes
    ----------
    slices_ : list of str
        Slice labels (``"2006"``, or ``"1990-2003"`` for merged years).
    slice_years_ : list of list of int
        The years of each slice.
    doc_slice_ : numpy.ndarray of int, shape (n_docs,)
        Each training cable's slice.
    """

    engine = "dtm"

    def __init__(self, n_topics: int = 20, seed: int = 0, covariates: str = "",
                 method: str = "lda-slices", iterations: int = 500, min_slice_docs: int = 20,
                 alpha: float = 0.1, eta: float = 0.01, optim_interval: int = 10,
                 slice_prior: float = 200.0, slice_decay: float = 0.5,
                 alpha_var: float = 0.1, eta_var: float = 0.1, phi_var: float = 0.01,
                 lr_a: float = 0.1, lr_b: float = 0.1, lr_c: float = 0.55,
                 infer_iterations: int = 100, workers: int = 1):
        self.n_topics = n_topics
        self.seed = seed
        self.covariates = covariates
        self.method = method
        self.iterations = iterations
        self.min_slice_docs = min_slice_docs
        self.alpha = alpha
        self.eta = eta
        self.optim_interval = optim_interval
        self.slice_prior = slice_prior
        self.slice_decay = slice_decay
        self.alpha_var = alpha_var
        self.eta_var = eta_var
        self.phi_var = phi_var
        self.lr_a = lr_a
        self.lr_b = lr_b
        self.lr_c = lr_c
        self.infer_iterations = infer_iterations
        self.workers = workers

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        if self.method not in METHODS:
            raise ValueError(f"The 'method' parameter of {owner} must be one of "
                             f"{list(METHODS)}. Got {self.method!r} instead.")
        for name, low in (("iterations", 1), ("infer_iterations", 1), ("min_slice_docs", 1),
                          ("workers", 0), ("optim_interval", 0)):
            check_int(owner, name, getattr(self, name), low)
        for name in ("alpha", "eta", "alpha_var", "eta_var", "phi_var", "lr_a", "lr_c"):
            check_real(owner, name, getattr(self, name))
        check_real(owner, "lr_b", self.lr_b, strict=False)
        check_real(owner, "slice_prior", self.slice_prior, strict=False)
        check_real(owner, "slice_decay", self.slice_decay)
        if self.slice_decay > 1.0:
            raise ValueError(f"The 'slice_decay' parameter of {owner} must be in (0, 1]. "
                             f"Got {self.slice_decay!r} instead.")
        if not 0.5 < self.lr_c <= 1.0:
            raise ValueError(f"The 'lr_c' parameter of {owner} must be in (0.5, 1]. "
                             f"Got {self.lr_c!r} instead.")

    @property
    def _native_class(self) -> str:
        return "LDAModel" if self.method == "lda-slices" else "DTModel"

    def _slices(self, years: np.ndarray) -> None:
        """Yearly slices; sparse years merged into their neighbour."""
        uniq, counts = np.unique(years, return_counts=True)
        groups: list[list[int]] = []
        pending: list[int] = []
        n_pending = 0
        for y, n in zip(uniq.tolist(), counts.tolist(), strict=True):
            pending.append(int(y))
            n_pending += n
            if n_pending >= self.min_slice_docs:
                groups.append(pending)
                pending, n_pending = [], 0
        if pending:
            if groups:
                groups[-1].extend(pending)
            else:
                groups.append(pending)
        self.slice_years_ = groups
        self.slices_ = [str(g[0]) if len(g) == 1 else f"{g[0]}-{g[-1]}" for g in groups]
        self._year_slice = {y: i for i, g in enumerate(groups) for y in g}

    def slice_of(self, year: float | None) -> int:
        """The slice of a year (nearest slice outside the fitted years; the last without)."""
        if year is None or not np.isfinite(year):
            return len(self.slices_) - 1
        y = int(year)
        if y in self._year_slice:
            return self._year_slice[y]
        if y < self.slice_years_[0][0]:
            return 0
        if y > self.slice_years_[-1][-1]:
            return len(self.slices_) - 1
        below = max(v for v in self._year_slice if v < y)
        return self._year_slice[below]

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        tp = _tomotopy()
        frame, missing = self._frame_for(dtm.refs, self._metadata, "fit")
        if missing:
            raise ValueError(f"{type(self).__name__}.fit: {len(missing)} cable(s) have no "
                             f"covariates row (first: {missing[0]!r})")
        years = frame["year"].astype(float).to_numpy()
        if not np.isfinite(years).any():
            raise ValueError(f"{type(self).__name__}.fit: no cable has a date; the dynamic "
                             "model needs years")
        n_nodate = int((~np.isfinite(years)).sum())
        if n_nodate:
            logger.warning("dtm: %d cable(s) without a date go into the median year's slice",
                           n_nodate)
        years = np.where(np.isfinite(years), years, np.nanmedian(years)).astype(int)
        self._slices(years)
        self.doc_slice_ = np.array([self._year_slice[int(y)] for y in years], dtype=np.int64)
        if self.method == "lda-slices":
            mdl = tp.LDAModel(k=self.n_topics, alpha=self.alpha, eta=self.eta, seed=self.seed,
                              min_cf=0)
            mdl.optim_interval = self.optim_interval
        else:
            mdl = tp.DTModel(k=self.n_topics, t=len(self.slices_), alpha_var=self.alpha_var,
                             eta_var=self.eta_var, phi_var=self.phi_var, lr_a=self.lr_a,
                             lr_b=self.lr_b, lr_c=self.lr_c, seed=self.seed, min_cf=0)
        rows = []
        for i, words in enumerate(_words(dtm.matrix, self.terms_)):
            if words:
                if self.method == "lda-slices":
                    mdl.add_doc(words)
                else:
                    mdl.add_doc(words, timepoint=int(self.doc_slice_[i]))
                rows.append(i)
        mdl.train(self.iterations, workers=self.workers, parallel=_none_scheme())
        self._native = mdl
        self._slice_tt = None
        self._used_index = self.vocabulary_.indices(mdl.used_vocabs)
        if self.method == "lda-slices":
            self._counts = self._slice_counts(rows)
        per_slice = self.slice_topic_term()
        doc_topic = np.tile(self._prior(), (dtm.n_docs, 1))
        for doc, i in zip(mdl.docs, rows, strict=True):
            doc_topic[i] = doc.get_topic_dist()
        logger.info("dtm (%s): %d slices %s, log-likelihood per word %.4f", self.method,
                    len(self.slices_), self.slices_, mdl.ll_per_word)
        dominant = np.bincount(doc_topic.argmax(axis=1), minlength=self.n_topics)
        if self.n_topics > 2 and dominant.max() > 0.9 * dtm.n_docs:
            logger.warning("dtm: %d of %d cables have topic %d as their dominant topic: the "
                           "topics collapsed (seen on real cables with method='dtmodel'; "
                           "docs/engines.md)", dominant.max(), dtm.n_docs,
                           int(dominant.argmax()))
        if self.method == "lda-slices":
            topic_term = np.zeros((self.n_topics, len(self.terms_)))
            for k in range(self.n_topics):
                topic_term[k, self._used_index] = mdl.get_topic_word_dist(k)
            return topic_term, doc_topic
        return per_slice.mean(axis=0), doc_topic

    def _prior(self) -> np.ndarray:
        if self.method == "lda-slices":
            alpha = np.asarray(self._native.alpha, dtype=np.float64)
            return alpha / alpha.sum()
        return np.full(self.n_topics, 1.0 / self.n_topics)

    def _slice_counts(self, rows: list[int]) -> np.ndarray:
        """(n_slices, n_topics, n_used_words) word counts of the final sample per slice."""
        tp = self._native
        counts = np.zeros((len(self.slices_), self.n_topics, len(tp.used_vocabs)))
        for doc, i in zip(tp.docs, rows, strict=True):
            np.add.at(counts[int(self.doc_slice_[i])],
                      (np.asarray(doc.topics, dtype=np.int64),
                       np.asarray(doc.words, dtype=np.int64)), 1.0)
        return counts

    def slice_topic_term(self) -> np.ndarray:
        """p(term | topic, slice), shape (n_slices, n_topics, n_terms); rows sum to 1.

        ``lda-slices``: `chained_slice_distributions` of the final sample's counts.
        ``dtmodel``: tomotopy's own ``get_topic_word_dist`` for a DTModel (the mean of
        ``softmax(phi)`` and the slice's normalised counts), computed here in float64
        (tomotopy's float32 sum differs in the last bits from call to call).
        """
        if getattr(self, "_slice_tt", None) is not None:
            return self._slice_tt
        tp = self._native
        n_t, k = len(self.slices_), self.n_topics
        out = np.zeros((n_t, k, len(self.terms_)))
        if self.method == "lda-slices":
            dist = chained_slice_distributions(self._counts, prior=self.slice_prior,
                                               decay=self.slice_decay, eta=self.eta)
            out[:, :, self._used_index] = dist
            self._slice_tt = out
            return out
        counts = np.zeros((n_t, k, len(tp.used_vocabs)))
        for doc in tp.docs:
            np.add.at(counts[doc.timepoint], (np.asarray(doc.topics, dtype=np.int64),
                                              np.asarray(doc.words, dtype=np.int64)), 1.0)
        for s in range(n_t):
            for t in range(k):
                phi = np.asarray(tp.get_phi(s, t), dtype=np.float64)
                soft = np.exp(phi - phi.max())
                dist = soft / soft.sum() + counts[s, t] / max(counts[s, t].sum(), 0.1)
                out[s, t, self._used_index] = dist / 2
        self._slice_tt = out / out.sum(axis=2, keepdims=True)
        return self._slice_tt

    def top_terms_by_slice(self, topic: int, n: int = 10) -> list[list[str]]:
        """The ``n`` most probable terms of ``topic`` in each slice."""
        per = self.slice_topic_term()[:, topic, :]
        return [[self.terms_[j] for j in np.argsort(-row, kind="stable")[:n]] for row in per]

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        if self.method == "lda-slices":
            # the topics do not depend on the slice: LDA inference over the known words
            return infer_by_words(self._native, dtm, self.terms_, self._used_index,
                                  self._prior(), iterations=self.infer_iterations,
                                  workers=self.workers, parallel=_none_scheme())
        frame = None
        if self.covariates:
            try:
                frame, _ = self._frame_for(dtm.refs, None, "transform")
            except FileNotFoundError:
                frame = None
        train = dict(zip(self.refs_, range(len(self.refs_)), strict=True))
        matrix = self._known_matrix(dtm)
        out = np.tile(1.0 / self.n_topics, (dtm.n_docs, self.n_topics))
        docs, rows = [], []
        for i, words in enumerate(_words(matrix, self.terms_)):
            ref = dtm.refs[i]
            if frame is not None and np.isfinite(frame["year"].iloc[i]):
                s = self.slice_of(float(frame["year"].iloc[i]))
            elif ref in train:
                s = int(self.doc_slice_[train[ref]])
            else:
                s = len(self.slices_) - 1
            if words:
                docs.append(self._native.make_doc(words, timepoint=s))
                rows.append(i)
        if docs:
            dists, _ = self._native.infer(docs, iterations=self.infer_iterations,
                                          workers=self.workers, parallel=_none_scheme())
            out[rows] = np.asarray(dists, dtype=np.float64)
        return out

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        self._save_native(directory, {"slices": self.slices_,
                                      "slice_years": self.slice_years_})
        out = {"doc_slice": self.doc_slice_}
        if self.method == "lda-slices":
            s, k, w = np.nonzero(self._counts)
            out["slice_counts"] = np.stack(
                [s, k, w, self._counts[s, k, w].astype(np.int64)], axis=1).astype(np.int64)
        return out

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        if self.method == "lda-slices" and "slice_counts" not in arrays:
            # saved before the method parameter existed: a DTModel
            self.method = "dtmodel"
        data = self._load_native(directory, self._native_class)
        self._slice_tt = None
        groups = data.get("slice_years")
        if not isinstance(groups, list) or not groups or not all(
                isinstance(g, list) and g and all(isinstance(y, int) for y in g)
                for g in groups):
            raise ModelFormatError(f"{directory / 'covariates.json'}: 'slice_years' must be a "
                                   "list of non-empty lists of years")
        self.slice_years_ = groups
        self.slices_ = [str(s) for s in data.get("slices", [])]
        self._year_slice = {y: i for i, g in enumerate(groups) for y in g}
        self.doc_slice_ = arrays.get("doc_slice")
        if self.doc_slice_ is None or self.doc_slice_.shape != (len(self.refs_),):
            raise ModelFormatError(f"{directory}: state_doc_slice.npy must have one slice per "
                                   "cable; re-save the model")
        if self.method == "dtmodel":
            if self._native.num_timepoints != len(groups):
                raise ModelFormatError(f"{directory}: tomotopy.bin has "
                                       f"{self._native.num_timepoints} time points, "
                                       f"covariates.json {len(groups)} slices")
            return
        trip = arrays.get("slice_counts")
        n_words = len(self._native.used_vocabs)
        shape = (len(groups), self.n_topics, n_words)
        if trip is None or trip.ndim != 2 or trip.shape[1] != 4 or (len(trip) and (
                (trip[:, :3] < 0).any() or (trip[:, :3].max(axis=0) >= np.array(shape)).any()
                or (trip[:, 3] <= 0).any())):
            raise ModelFormatError(f"{directory}: state_slice_counts.npy must hold (slice, "
                                   f"topic, word, count) rows within {shape}; re-save the model")
        self._counts = np.zeros(shape)
        self._counts[trip[:, 0], trip[:, 1], trip[:, 2]] = trip[:, 3]
