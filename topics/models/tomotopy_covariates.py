"""Engines that model cable metadata: ``dmr`` (tomotopy DMR / g-DMR) and ``dtm`` (DTModel).

``dmr`` is Dirichlet-multinomial regression (Mimno & McCallum 2008): each cable's
document-topic Dirichlet prior is ``exp(lambda . x)`` for its covariates ``x``, read from a
prevalence formula (`topics.formula`): categorical terms (``post``, ``classification``,
``genre``) enter as tomotopy ``multi_metadata`` (one indicator per level, additive on the
log-prior), numeric terms (``year``, ``s(year)``) as g-DMR's Legendre polynomials (Lee &
Song 2020; ``GDMRModel``). Without a numeric term it is tomotopy's ``DMRModel``.

``dtm`` is the dynamic topic model (Blei & Lafferty 2006) as tomotopy's ``DTModel`` samples
it (Bhadury et al. 2016): one time slice per year (sparse years merged into their
neighbour), each topic's word distribution drifting from slice to slice.

Both need each cable's covariates, which a `DocTermMatrix` does not carry: `fit` takes them
as ``metadata`` (a DataFrame with a ``ref`` column, `topics.formula.cable_covariates`) or
reads the Parquet file named by the ``covariates`` parameter (what the pipeline and the
sweep pass). ``transform`` looks the new cables up by ref in the same way (a cable it cannot
find gets the corpus-wide prior: no level indicators, the median year / the last slice).

The tomotopy model is kept as ``_native`` (not ``_tp`` as in ``lda-gibbs``): code that
finds a ``_tp`` calls ``make_doc(words)`` without covariates, which aborts the process for a
g-DMR model; these engines are scored through `transform` instead.

Determinism: Gibbs sampling (SGLD for ``dtm``) with ``workers=1`` and no parallel scheme,
as ``lda-gibbs``: same seed, same arrays. A saved model keeps tomotopy's own binary file
(``tomotopy.bin``, not a pickle), the training cables' covariates (``covariates.json``) and,
for ``dmr``, the final sample's topic counts and priors per cable (what the model-based
effects of `topics.report.model_effects` draw from).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from topics.formula import FormulaError, Term, parse_formula, read_covariates
from topics.models.base import ModelFormatError, TopicModel, check_int, check_real
from topics.models.tomotopy_lda import _tomotopy, _words, known_terms_matrix
from topics.vectorize import DocTermMatrix

__all__ = ["TomotopyDmr"]  # and TomotopyDtm, from topics.models.tomotopy_dynamic

logger = logging.getLogger(__name__)

_NATIVE = "tomotopy.bin"
_COVARIATES = "covariates.json"
OTHER = "(other)"


def _none_scheme():
    return _tomotopy().ParallelScheme.NONE


def with_region(frame, formula):
    """``frame`` with a ``region`` column derived from ``post`` (`topics.formula.regions_of`)
    when the formula names ``region`` and the covariates lack it (a covariates file written
    before ``region`` existed, or a hand-made DataFrame)."""
    if any(t.name == "region" for t in formula) and "region" not in frame.columns \
            and "post" in frame.columns:
        from topics.formula import regions_of

        frame = frame.assign(region=regions_of(frame["post"].tolist()))
    return frame


class _CovariateModel(TopicModel):
    """Shared plumbing: covariates by ref, the native file, used vocabulary."""

    #: The pipeline hands these engines the cables' covariates (``covariates`` parameter).
    uses_metadata: ClassVar[bool] = True

    def fit(self, dtm: DocTermMatrix, metadata: Any = None) -> _CovariateModel:
        """Fit on ``dtm`` with the cables' covariates.

        Parameters
        ----------
        dtm : DocTermMatrix
            Counts.
        metadata : pandas.DataFrame, optional
            One row per cable with a ``ref`` column and the covariates the engine uses
            (`topics.formula.cable_covariates`). Default: read the ``covariates`` file.

        Returns
        -------
        self
        """
        self._metadata = metadata
        try:
            return super().fit(dtm)
        finally:
            self._metadata = None

    def _frame_for(self, refs, metadata: Any, where: str):
        """Covariate rows for ``refs`` (a DataFrame indexed by ref) and the missing refs."""
        import pandas as pd

        if metadata is None:
            if not self.covariates:
                raise ValueError(
                    f"{type(self).__name__}.{where}: engine {self.engine!r} needs each cable's "
                    "covariates: pass metadata=cable_covariates(store, refs) or set the "
                    "'covariates' parameter to a covariates Parquet file (the pipeline does)")
            metadata = read_covariates(self.covariates)
        if not isinstance(metadata, pd.DataFrame) or "ref" not in metadata.columns:
            raise ValueError(f"{type(self).__name__}.{where}: metadata must be a DataFrame with "
                             f"a 'ref' column, got {type(metadata).__name__}")
        frame = metadata.drop_duplicates("ref").set_index("ref")
        frame = with_region(frame, getattr(self, "formula_", ()))
        missing = [r for r in refs if r not in frame.index]
        return frame.reindex(list(refs)), missing

    def _save_into(self, out: Path) -> None:
        # The covariates file is an input of fit, not part of the model: a saved model
        # carries its training cables' covariates itself (covariates.json), and a path to a
        # run folder in params.json would make two identical runs' models differ.
        given, self.covariates = self.covariates, ""
        try:
            super()._save_into(out)
        finally:
            self.covariates = given

    def _save_native(self, directory: Path, extra: dict) -> None:
        # GDMRModel.load of a model saved with full=False crashes tomotopy 0.14.0
        # (segmentation fault), and a DTModel's word distributions need the final sample's
        # counts (its documents): both are saved in full.
        full = type(self._native).__name__ in ("GDMRModel", "DTModel")
        self._native.save(str(directory / _NATIVE), full=full)
        payload = json.dumps(extra, ensure_ascii=False, indent=1, allow_nan=False)
        (directory / _COVARIATES).write_text(payload, encoding="utf-8")
        with open(directory / _COVARIATES, "rb") as fh:
            os.fsync(fh.fileno())

    def _load_native(self, directory: Path, cls_name: str) -> dict:
        tp = _tomotopy()
        path = directory / _NATIVE
        if not path.is_file():
            raise ModelFormatError(
                f"{path}: not found; a {self.engine} model needs tomotopy's own model file. "
                f"Re-save the model with save()")
        self._native = getattr(tp, cls_name).load(str(path))
        self._used_index = self.vocabulary_.indices(self._native.used_vocabs)
        if (self._used_index < 0).any():
            raise ModelFormatError(f"{path}: its vocabulary has terms missing from "
                                   "vocabulary.json; the files come from different saves")
        cpath = directory / _COVARIATES
        if not cpath.is_file():
            raise ModelFormatError(f"{cpath}: not found; re-save the model with save()")
        try:
            data = json.loads(cpath.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelFormatError(f"{cpath}: not valid UTF-8 JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ModelFormatError(f"{cpath}: expected a JSON object")
        return data

    def _known_matrix(self, dtm: DocTermMatrix):
        """``dtm``'s matrix without the terms tomotopy never saw in training."""
        return known_terms_matrix(dtm, len(self.terms_), self._used_index)

    def _topic_term_from(self, dist_of) -> np.ndarray:
        out = np.zeros((self.n_topics, len(self.terms_)))
        for k in range(self.n_topics):
            out[k, self._used_index] = dist_of(k)
        return out


# --- dmr ----------------------------------------------------------------------------------

class TomotopyDmr(_CovariateModel):
    """Topic prevalence depending on cable metadata (DMR / g-DMR), wrapping tomotopy.

    Parameters
    ----------
    n_topics : int, default 20
    seed : int, default 0
    prevalence : str, default "post + s(year) + classification"
        The prevalence formula (`topics.formula.parse_formula`).
    covariates : str, default ""
        Parquet file of the cables' covariates (`topics.formula.cable_covariates`); the
        pipeline sets it. Ignored when `fit` gets ``metadata``.
    iterations : int, default 500
        Gibbs sweeps.
    alpha : float, default 0.1
        ``exp`` of the initial mean of the lambdas (the symmetric prior they start from).
    eta : float, default 0.01
        Topic-word Dirichlet prior.
    sigma : float, default 1.0
        Standard deviation of the Gaussian prior on the non-constant lambdas.
    optim_interval : int, default 10
        Lambdas re-estimated every this many sweeps.
    burn_in : int, default 0
    min_level_docs : int, default 5
        Levels of a categorical covariate with fewer training cables are pooled into
        ``"(other)"`` (one lambda per level is learned from that level's cables only).
    infer_iterations : int, default 100
        Gibbs sweeps per cable in `transform`.
    workers : int, default 1
        Sampling threads; results repeat themselves only with 1.
    chains : int, default 3
        Fits of the same model (seeds ``seed + 1000 j``); the first is the model, the others'
        final topic counts and priors are kept with their topics aligned to the first
        (Hungarian matching of the topics' word distributions), so the model-based effects
        (`topics.report.model_effects`) draw from every fit and their intervals carry the
        spread between fits. Fit time grows with it (3x the one fit of ``chains=1``). Three
        by default: one fit's intervals covered the planted effects in 85-92% of 40 seeds,
        three fits' in 88-95% (docs/engines.md, ``python -m benchmarks dmr``). Topics that
        another fit split or merged differently are logged (`chain_agreement`); the effects
        can leave such a fit's draws out of them (``min_agreement``).

    Attributes
    ----------
    chain_counts_, chain_prior_ : numpy.ndarray, shape (chains - 1, n_docs, n_topics)
        The other fits' final topic counts and DMR priors per cable, topics aligned.
    chain_topic_term_ : numpy.ndarray of float32, shape (chains - 1, n_topics, n_terms)
        The other fits' topic-word distributions, topics aligned (``None`` for a model
        saved before they were kept). The alignment is one to one, but two fits need not
        find the same topics: one may split a theme into two topics where another merged
        two themes into one (`chain_agreement` shows it). A theme's topics are then
        identified in each fit from its own ``chain_topic_term_`` and passed to
        `topics.report.model_effects.estimate_model_effects` as ``fit_groups``.
    """

    engine = "dmr"

    def __init__(self, n_topics: int = 20, seed: int = 0,
                 prevalence: str = "post + s(year) + classification", covariates: str = "",
                 iterations: int = 500, alpha: float = 0.1, eta: float = 0.01,
                 sigma: float = 1.0, optim_interval: int = 10, burn_in: int = 0,
                 min_level_docs: int = 5, infer_iterations: int = 100, workers: int = 1,
                 chains: int = 3):
        self.n_topics = n_topics
        self.seed = seed
        self.prevalence = prevalence
        self.covariates = covariates
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.sigma = sigma
        self.optim_interval = optim_interval
        self.burn_in = burn_in
        self.min_level_docs = min_level_docs
        self.infer_iterations = infer_iterations
        self.workers = workers
        self.chains = chains

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        for name, low in (("iterations", 1), ("infer_iterations", 1), ("optim_interval", 0),
                          ("burn_in", 0), ("min_level_docs", 1), ("workers", 0),
                          ("chains", 1)):
            check_int(owner, name, getattr(self, name), low)
        for name in ("alpha", "eta", "sigma"):
            check_real(owner, name, getattr(self, name))
        if not isinstance(self.covariates, str):
            raise ValueError(f"The 'covariates' parameter of {owner} must be a path string. "
                             f"Got {self.covariates!r} instead.")
        try:
            self.formula_ = parse_formula(self.prevalence)
        except FormulaError as exc:
            raise ValueError(f"The 'prevalence' parameter of {owner}: {exc}") from None

    # -- covariates -> tomotopy metadata --------------------------------------------------
    @property
    def categorical_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.formula_ if not t.numeric)

    @property
    def numeric_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.formula_ if t.numeric)

    def _learn_levels(self, frame) -> None:
        self.levels_: dict[str, list[str]] = {}
        for t in self.categorical_terms:
            counts = frame[t.name].fillna("(unknown)").astype(str).value_counts()
            kept = sorted(str(v) for v, n in counts.items() if n >= self.min_level_docs)
            if len(kept) < len(counts):
                kept.append(OTHER)
            self.levels_[t.name] = kept
        self.numeric_fill_: dict[str, float] = {}
        self.numeric_range_: dict[str, list[float]] = {}
        for t in self.numeric_terms:
            col = frame[t.name].astype(float)
            if col.notna().sum() == 0:
                raise ValueError(f"{type(self).__name__}.fit: no training cable has a "
                                 f"{t.name!r} (no date?); drop {t} from the formula")
            self.numeric_fill_[t.name] = float(np.nanmedian(col))
            lo, hi = float(col.min()), float(col.max())
            self.numeric_range_[t.name] = [lo, hi if hi > lo else lo + 1.0]

    def _level(self, name: str, value: Any) -> str | None:
        """A value's level (pooled into ``(other)``), or None when the model has neither."""
        text = "(unknown)" if value is None or (isinstance(value, float) and np.isnan(value)) \
            else str(value)
        levels = self.levels_[name]
        if text in levels:
            return text
        return OTHER if OTHER in levels else None

    def _doc_metadata(self, row: Any) -> tuple[list[float], list[str]]:
        """(numeric_metadata, multi_metadata) of one covariate row (None: unknown cable)."""
        multi = []
        numeric = []
        for t in self.categorical_terms:
            level = None if row is None else self._level(t.name, row[t.name])
            if level is not None:
                multi.append(f"{t.name}={level}")
        for t in self.numeric_terms:
            v = None if row is None else row[t.name]
            v = self.numeric_fill_[t.name] if v is None or not np.isfinite(float(v)) \
                else float(v)
            lo, hi = self.numeric_range_[t.name]
            numeric.append(float(min(max(v, lo), hi)))
        return numeric, multi

    def _new_model(self, seed: int | None = None):
        tp = _tomotopy()
        common = {"k": self.n_topics, "alpha": self.alpha, "eta": self.eta,
                  "sigma": self.sigma, "seed": self.seed if seed is None else seed,
                  "min_cf": 0}
        if self.numeric_terms:
            # metadata_range is left to tomotopy (the training cables' range): passing it
            # crashes tomotopy 0.14.0 (segmentation fault in the constructor).
            return tp.GDMRModel(degrees=[t.degree for t in self.numeric_terms], **common)
        return tp.DMRModel(**common)

    def _add(self, mdl, words, numeric, multi, *, make: bool):
        call = mdl.make_doc if make else mdl.add_doc
        if self.numeric_terms:
            return call(words, numeric_metadata=numeric, metadata="", multi_metadata=multi)
        return call(words, metadata="", multi_metadata=multi)

    def topic_prior(self, numeric: list[float], multi: list[str]) -> np.ndarray:
        """The Dirichlet prior ``exp(lambda . x)`` (length K) of a cable with covariates
        ``x``; unknown level indicators are left out."""
        index = {m: i for i, m in enumerate(self._native.multi_metadata_dict)}
        ids = [index[m] for m in multi if m in index]
        if self.numeric_terms:
            # g-DMR's log prior: Legendre polynomials of the year scaled to [-1, 1] over the
            # training range, plus one shift per level indicator (lambda_[:, 0, :] holds
            # the degree + 1 polynomial coefficients, then the indicators in dictionary
            # order). Computed here because tomotopy 0.14.0's tdf() ignores multi_metadata.
            from numpy.polynomial import legendre

            (term,) = self.numeric_terms
            lam = np.asarray(self._native.lambda_, dtype=np.float64)[:, 0, :]
            lo, hi = self._native.metadata_range[0]
            x = 2.0 * (numeric[0] - lo) / (hi - lo) - 1.0 if hi > lo else 0.0
            basis = legendre.legvander(np.array([x]), term.degree)[0]
            n_poly = term.degree + 1
            raw = lam[:, :n_poly] @ basis + lam[:, [n_poly + i for i in ids]].sum(axis=1)
        else:
            raw = self._native.get_topic_prior("", [m for m in multi if m in index], raw=True)
        return np.exp(np.asarray(raw, dtype=np.float64)) + float(self._native.alpha_epsilon)

    def expected_share(self, values: dict[str, Any]) -> np.ndarray:
        """The model's prior expected topic shares ``E[theta | x]`` (length K) for covariate
        values ``{name: value}`` (missing names: no level indicator / the median)."""
        numeric, multi = self._doc_metadata(_RowDict(values, self))
        a = self.topic_prior(numeric, multi)
        return a / a.sum()

    # -- fit / transform ------------------------------------------------------------------
    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        frame, missing = self._frame_for(dtm.refs, self._metadata, "fit")
        if missing:
            raise ValueError(f"{type(self).__name__}.fit: {len(missing)} cable(s) have no "
                             f"covariates row (first: {missing[0]!r}); the covariates must "
                             "cover every row of the DocTermMatrix")
        frame = with_region(frame, self.formula_)
        absent = [t.name for t in self.formula_ if t.name not in frame.columns]
        if absent:
            raise ValueError(f"{type(self).__name__}.fit: the covariates have no column(s) "
                             f"{absent} named in the formula {self.prevalence!r}")
        self._learn_levels(frame)
        words_of = _words(dtm.matrix, self.terms_)
        metas = [self._doc_metadata(frame.iloc[i]) for i in range(dtm.n_docs)]
        rows = [i for i, words in enumerate(words_of) if words]
        mdl = self._train_chain(self.seed, words_of, metas, rows)
        self._native = mdl
        self._used_index = self.vocabulary_.indices(mdl.used_vocabs)
        topic_term = self._topic_term_from(mdl.get_topic_word_dist)
        self.counts_, self.prior_ = self._chain_state(mdl, metas, rows, dtm.n_docs)
        doc_topic = self.prior_ / self.prior_.sum(axis=1, keepdims=True)
        for doc, i in zip(mdl.docs, rows, strict=True):
            doc_topic[i] = doc.get_topic_dist()
        extra_counts, extra_prior, extra_tt = [], [], []
        for j in range(1, self.chains):
            other = self._train_chain(self.seed + 1000 * j, words_of, metas, rows)
            counts, prior = self._chain_state(other, metas, rows, dtm.n_docs)
            used = self.vocabulary_.indices(other.used_vocabs)
            tt = np.zeros_like(topic_term)
            for t in range(self.n_topics):
                tt[t, used] = other.get_topic_word_dist(t)
            perm = align_topics(topic_term, tt)
            extra_counts.append(counts[:, perm])
            extra_prior.append(prior[:, perm])
            extra_tt.append(tt[perm].astype(np.float32))
            logger.info("dmr: chain %d of %d fitted (seed %d)", j + 1, self.chains,
                        self.seed + 1000 * j)
        k = self.n_topics
        self.chain_counts_ = np.array(extra_counts, dtype=np.int64).reshape(-1, dtm.n_docs, k)
        self.chain_prior_ = np.array(extra_prior, dtype=np.float64).reshape(-1, dtm.n_docs, k)
        self.chain_topic_term_ = np.array(extra_tt, dtype=np.float32).reshape(
            -1, k, topic_term.shape[1])
        self._warn_disagreement()
        cols = [t.name for t in self.formula_]
        self.covariates_ = frame[cols].reset_index(drop=True) if cols else frame.iloc[:, :0]
        logger.info("dmr: %s, log-likelihood per word %.4f", self.prevalence or "no covariate",
                    mdl.ll_per_word)
        return topic_term, doc_topic

    def chain_agreement(self) -> np.ndarray:
        """How well each other fit's aligned topic matches the first fit's, cable by cable.

        Returns
        -------
        numpy.ndarray, shape (chains - 1, n_topics)
            The correlation over cables of topic ``t``'s share (final counts over the
            cable's tokens) in the first fit and in fit ``j + 1``. Near 1 when the fits found
            the same topic; low when one fit split a theme the other kept whole, or merged
            two (the one-to-one alignment then pairs different things, and an effect of
            topic ``t`` drawn round the fits mixes them).
        """
        from topics.report.model_effects import _shares, fit_agreement

        if getattr(self, "counts_", None) is None:
            self._check_fitted()  # raises: not fitted
        first = _shares(self.counts_)
        return np.array([fit_agreement(first, _shares(c)) for c in self.chain_counts_]
                        ).reshape(len(self.chain_counts_), first.shape[1])

    def _warn_disagreement(self) -> None:
        from topics.report.model_effects import MIN_AGREEMENT

        if not len(self.chain_counts_):
            return
        agree = self.chain_agreement()
        low = agree < MIN_AGREEMENT
        if low.any():
            logger.warning("dmr: %d of %d topics were found differently by another fit "
                           "(share correlation over the cables with the first fit's below "
                           "%g; median over all %d pairs %.2f): their model-based effects, "
                           "drawn round the fits, mix different topics unless "
                           "estimate_model_effects(min_agreement=...) leaves those fits out "
                           "(TomotopyDmr.chain_agreement)", int(low.any(axis=0).sum()),
                           agree.shape[1], MIN_AGREEMENT, agree.size, float(np.median(agree)))

    def _train_chain(self, seed: int, words_of: list[list[str]], metas: list, rows: list[int]):
        """One tomotopy fit of the cables ``rows`` (those with words) from ``seed``."""
        mdl = self._new_model(seed)
        mdl.optim_interval = self.optim_interval
        mdl.burn_in = self.burn_in
        for i in rows:
            numeric, multi = metas[i]
            self._add(mdl, words_of[i], numeric, multi, make=False)
        mdl.train(self.iterations, workers=self.workers, parallel=_none_scheme())
        return mdl

    def _chain_state(self, mdl, metas: list, rows: list[int], n_docs: int
                     ) -> tuple[np.ndarray, np.ndarray]:
        """A fit's final topic counts and DMR priors per cable, ``(n_docs, K)`` each."""
        main = getattr(self, "_native", None)
        self._native = mdl  # topic_prior reads the lambdas of self._native
        try:
            prior = np.array([self.topic_prior(n, m) for n, m in metas])
        finally:
            self._native = main
        counts = np.zeros((n_docs, self.n_topics), dtype=np.int64)
        for doc, i in zip(mdl.docs, rows, strict=True):
            counts[i] = np.bincount(np.asarray(doc.topics, dtype=np.int64),
                                    minlength=self.n_topics)
        return counts, prior

    def _transform(self, dtm: DocTermMatrix, metadata: Any = None) -> np.ndarray:
        frame = None
        if metadata is not None or self.covariates:
            try:
                frame, missing = self._frame_for(dtm.refs, metadata, "transform")
            except FileNotFoundError:
                frame, missing = None, list(dtm.refs)
        else:
            missing = list(dtm.refs)
        train = dict(zip(self.refs_, range(len(self.refs_)), strict=True))
        matrix = self._known_matrix(dtm)
        out = np.zeros((dtm.n_docs, self.n_topics))
        docs, rows = [], []
        n_unknown = 0
        for i, words in enumerate(_words(matrix, self.terms_)):
            ref = dtm.refs[i]
            if frame is not None and ref not in missing:
                row = frame.loc[ref]
            elif ref in train and len(self.covariates_.columns):
                row = self.covariates_.iloc[train[ref]]
            else:
                row = None
                n_unknown += 1
            numeric, multi = self._doc_metadata(row)
            multi = [m for m in multi if m in set(self._native.multi_metadata_dict)]
            a = self.topic_prior(numeric, multi)
            out[i] = a / a.sum()
            if words:
                docs.append(self._add(self._native, words, numeric, multi, make=True))
                rows.append(i)
        if n_unknown and self.formula_:
            logger.warning("dmr.transform: %d cable(s) without covariates get the prior of "
                           "no level and the median year", n_unknown)
        if docs:
            dists, _ = self._native.infer(docs, iterations=self.infer_iterations,
                                      workers=self.workers, parallel=_none_scheme())
            out[rows] = np.asarray(dists, dtype=np.float64)
        return out

    def transform(self, dtm: DocTermMatrix, metadata: Any = None) -> np.ndarray:
        """p(topic | cable) for (unseen) cables, their covariates from ``metadata`` (a
        DataFrame with ``ref``), else the ``covariates`` file, else the training cables'."""
        if metadata is None:
            return super().transform(dtm)
        self._check_fitted()
        self._check_dtm(dtm, "transform")
        from topics.models.base import normalize_rows

        aligned = self._align(dtm)
        return normalize_rows(self._transform(aligned, metadata))

    # -- persistence ----------------------------------------------------------------------
    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        cov = {c: [None if (isinstance(v, float) and not np.isfinite(v)) else
                   (float(v) if isinstance(v, (int, float, np.number)) else str(v))
                   for v in self.covariates_[c].tolist()] for c in self.covariates_.columns}
        self._save_native(directory, {
            "levels": self.levels_, "numeric_fill": self.numeric_fill_,
            "numeric_range": self.numeric_range_, "covariates": cov})
        out = {"counts": self.counts_, "prior": self.prior_,
               "chain_counts": self.chain_counts_, "chain_prior": self.chain_prior_}
        if getattr(self, "chain_topic_term_", None) is not None:
            out["chain_topic_term"] = self.chain_topic_term_
        return out

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        import pandas as pd

        self.formula_ = parse_formula(self.prevalence)
        cls = "GDMRModel" if self.numeric_terms else "DMRModel"
        data = self._load_native(directory, cls)
        self.levels_ = data.get("levels", {})
        self.numeric_fill_ = data.get("numeric_fill", {})
        self.numeric_range_ = data.get("numeric_range", {})
        self.covariates_ = pd.DataFrame(data.get("covariates", {}))
        self.counts_ = arrays.get("counts")
        self.prior_ = arrays.get("prior")
        n = len(self.refs_)
        for name, arr in (("counts", self.counts_), ("prior", self.prior_)):
            if arr is None or arr.shape != (n, self.n_topics_):
                raise ModelFormatError(f"{directory}: state_{name}.npy must have shape "
                                       f"({n}, {self.n_topics_}); re-save the model")
        k = self.n_topics_
        self.chain_counts_ = arrays.get("chain_counts", np.zeros((0, n, k), dtype=np.int64))
        self.chain_prior_ = arrays.get("chain_prior", np.zeros((0, n, k)))
        for name, arr in (("chain_counts", self.chain_counts_),
                          ("chain_prior", self.chain_prior_)):
            if arr.ndim != 3 or arr.shape[1:] != (n, k) or \
                    arr.shape[0] != self.chain_counts_.shape[0]:
                raise ModelFormatError(f"{directory}: state_{name}.npy must have shape "
                                       f"(chains - 1, {n}, {k}); re-save the model")
        self.chain_topic_term_ = arrays.get("chain_topic_term")  # None: saved before
        tt = self.chain_topic_term_
        if tt is not None and (tt.ndim != 3 or tt.shape[:2] != (len(self.chain_counts_), k)
                               or tt.shape[2] != len(self.terms_)):
            raise ModelFormatError(f"{directory}: state_chain_topic_term.npy must have shape "
                                   f"(chains - 1, {k}, {len(self.terms_)}); re-save the model")
        if len(self.covariates_.columns) and len(self.covariates_) != n:
            raise ModelFormatError(f"{directory / _COVARIATES}: {len(self.covariates_)} rows "
                                   f"for {n} cables; the files come from different saves")


def align_topics(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The permutation of ``other``'s topics that matches ``reference``'s: ``perm[t]`` is the
    topic of ``other`` paired with topic ``t`` (Hungarian matching on the Bhattacharyya
    coefficient of the word distributions, ``sum_w sqrt(p_w q_w)``)."""
    from scipy.optimize import linear_sum_assignment

    sim = np.sqrt(np.clip(reference, 0, None)) @ np.sqrt(np.clip(other, 0, None)).T
    rows, cols = linear_sum_assignment(-sim)
    return cols[np.argsort(rows)]


class _RowDict:
    """A ``{name: value}`` mapping read like a covariate row (missing names -> None)."""

    def __init__(self, values: dict[str, Any], model: TomotopyDmr):
        self.values = values
        known = {t.name for t in model.formula_}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"expected_share: {unknown} not in the formula "
                             f"{model.prevalence!r}")

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)


def __getattr__(name: str):
    # ``TomotopyDtm`` lives in `topics.models.tomotopy_dynamic` (re-exported here lazily:
    # that module imports this one).
    if name == "TomotopyDtm":
        from topics.models.tomotopy_dynamic import TomotopyDtm

        return TomotopyDtm
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
