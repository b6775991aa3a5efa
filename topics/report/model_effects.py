"""Model-based covariate effects of a ``dmr`` run, in the spirit of R stm's ``estimateEffect``.

The report's own covariate section (`topics.report.effects`, `topics.report.contrasts`)
averages the themes' weights per level with bootstrap intervals over cables. For a ``dmr``
run this module adds effects estimated with the model's prevalence formula:

1. **Posterior draws** of each cable's topic shares. The final Gibbs state holds each
   cable's topic counts ``n_dk``; given them, the cable's shares follow
   ``Dirichlet(n_dk + alpha_dk)``, where ``alpha_d = exp(lambda . x_d)`` is the cable's
   DMR prior from its covariates (`topics.models.tomotopy_covariates.TomotopyDmr`).
2. For each draw, an **OLS regression** of every topic's shares on the formula's design
   (treatment-coded levels; the year scaled to [-1, 1], as Legendre polynomials for
   ``s(year)``), and one draw of the coefficients from their sampling distribution
   ``N(beta_hat, V)``, ``V`` a heteroskedasticity-consistent covariance of each topic's
   coefficients (topic shares are not homoskedastic: their variance grows with their mean):
   the "method of composition" of stm's ``estimateEffect`` (Roberts, Stewart & Tingley
   2019), which carries the uncertainty of the topic shares into the effects. ``cov_type``
   picks ``V`` (`COV_TYPES`): ``HC1`` (squared residuals times ``n / (n - p)``), ``HC2``
   (divided by ``1 - h_ii``) or ``HC3`` (divided by ``(1 - h_ii)^2``), ``h_ii`` the hat
   values, the diagonal of ``X (X'X)^+ X'`` (MacKinnon & White 1985; Long & Ervin 2000).
   HC1 understates the variance of a small level's coefficient (its cables have high
   leverage, and their residuals are shrunk towards the fit by ``1 - h_ii``); HC2 and HC3
   undo that. The default is HC3 (`DEFAULT_COV_TYPE`). A cable with leverage 1 (``h_ii > 1 - LEVERAGE_ONE_TOL``: it alone decides a
   coefficient, so its residual is 0 whatever its variance) gets, under HC2 and HC3, the
   mean adjusted squared residual of the other cables of that topic instead of ``0 / 0``.
3. **Expected shares** at a covariate value: the mean prediction over the run's cables with
   that covariate set to the value and the others as they are (average marginal
   prediction); **differences** between two levels the same way. Estimates are the mean
   over draws and intervals the 2.5 and 97.5 percentiles (``level = 0.95``).

Within one fit, uncertainty is posterior (topic shares) plus sampling (regression): the
topics themselves are held fixed, as in stm. A model with several fits (``chains``, the
``dmr`` default 3) carries the topics' uncertainty too: the draws go round the fits and the
intervals are their percentiles (``pool="mixture"``), or, with ``pool="rubin"``, are
widened to Rubin's rules for multiple imputation, each fit an imputation (`rubin_factor`).
The fits' topics are aligned one to one with the first fit's, which cannot follow a theme
that one fit split into two topics and another kept whole (or two themes one fit merged):
a fit's draws of a topic whose share of the cables correlates with the first fit's below
`MIN_AGREEMENT` can be left out of that topic (``min_agreement``; `fit_agreement`; the
method line reports the fits' agreement), and a caller who identifies a theme's topics in
each fit passes them as ``fit_groups``.
`topics.report.model_sections` renders the report's section (figures and CSVs).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from topics.formula import Term

__all__ = ["COV_TYPES", "POOLS", "ModelEffects", "design_matrix", "estimate_model_effects",
           "fit_agreement", "hat_values", "pool_chains", "rubin_factor"]

logger = logging.getLogger(__name__)

#: Preferred reference level per covariate (else the most common level).
REFERENCE = {"classification": "UNCLASSIFIED", "genre": "subject"}

#: The coefficient covariances `estimate_model_effects` offers (``cov_type``).
COV_TYPES = ("HC1", "HC2", "HC3")
#: The default ``cov_type``: HC3, measured with ``python -m benchmarks dmr --cov-types
#: HC1,HC2,HC3`` (docs/engines.md, ``dmr``): as HC1 where levels are large (the planted
#: effect at ~45 cables a post: same coverage, intervals 0.7-1.9% wider), closer to nominal
#: where they are small (~9 cables a post: 0.92 against HC1's 0.90 on the planted shares).
DEFAULT_COV_TYPE = "HC3"
#: How the draws of several fits (chains) are pooled (``pool``): ``"mixture"`` takes the
#: percentiles of all draws together (variance ``W + (m - 1)/m B``, ``W`` the mean
#: within-fit and ``B`` the between-fit variance); ``"rubin"`` widens them to Rubin's rules
#: for multiple imputation (each fit an imputation of the topics: ``W + (1 + 1/m) B`` and a
#: t reference with Rubin's degrees of freedom, `rubin_factor`).
POOLS = ("mixture", "rubin")
#: The default ``pool``: the mixture, measured with ``python -m benchmarks dmr --chains 3
#: --pools rubin,mixture`` (docs/engines.md, ``dmr``): with 3 fits Rubin's few degrees of
#: freedom nearly double the yearly intervals (coverage 0.99 against the mixture's 0.95) and
#: leave the one short estimand (a post minus the reference post) as short as before.
DEFAULT_POOL = "mixture"
#: With several fits: a topic whose share of the cables (final counts) correlates with the
#: first fit's below this in another fit (`fit_agreement`) was found differently there (one
#: fit split a theme that the other kept whole, or merged two; the one-to-one alignment
#: pairs different things). The method line counts such topics and the engine logs them;
#: ``estimate_model_effects(min_agreement=MIN_AGREEMENT)`` leaves those fits' draws out.
#: On the planted effect (docs/engines.md, ``dmr``) a theme found alike correlates 1.00,
#: one split -0.14 to 0.73.
MIN_AGREEMENT = 0.8
#: A cable whose hat value exceeds ``1 - LEVERAGE_ONE_TOL`` has leverage 1 (it alone decides
#: a coefficient; its residual is 0 up to rounding).
LEVERAGE_ONE_TOL = 1e-6


def method_text(cov_type: str) -> str:
    """The report's method line of `estimate_model_effects` with covariance ``cov_type``."""
    what = {"HC1": "HC1 covariance", "HC2": "HC2 covariance (leverage-adjusted)",
            "HC3": "HC3 covariance (leverage-adjusted, jackknife-like)"}[cov_type]
    return ("posterior draws of the topic shares (Dirichlet of each cable's final Gibbs "
            "counts plus its DMR prior), OLS on the formula's design per draw with a "
            f"coefficient draw ({what}; stm's method of composition)")


@dataclass
class ModelEffects:
    """Effects estimated from a fitted ``dmr`` model.

    Attributes
    ----------
    levels : pandas.DataFrame
        ``covariate, level, topic, estimate, lower, upper, n_cables``: expected share of each
        topic with the covariate set to the level (``covariate == "year"``: one row per year).
    contrasts : pandas.DataFrame
        ``covariate, level, reference, topic, difference, lower, upper``.
    n_draws : int
    level : float
    method : str
    draws : numpy.ndarray or None
        ``(n_draws, n_points, n_topics)`` when estimated with ``keep_draws=True``.
    keys : list of tuple or None
        The points of ``draws``: (covariate, level, reference or None, n_cables).
    """

    levels: pd.DataFrame
    contrasts: pd.DataFrame
    n_draws: int
    level: float
    method: str = ""

    def __post_init__(self) -> None:
        if not self.method:
            self.method = method_text(DEFAULT_COV_TYPE)

    draws: np.ndarray | None = None
    keys: list[tuple] | None = None


@dataclass
class _Block:
    term: Term
    cols: slice
    levels: list[str]
    reference: str | None = None
    lo: float = 0.0
    hi: float = 1.0

    def encode(self, values) -> np.ndarray:
        """Design columns of this term for ``values`` (an array), shape (n, width)."""
        if self.term.numeric:
            x = np.asarray(values, dtype=np.float64)
            x = 2.0 * (x - self.lo) / (self.hi - self.lo) - 1.0
            if not self.term.smooth:
                return x[:, None]
            from numpy.polynomial import legendre

            return legendre.legvander(x, self.term.degree)[:, 1:]
        index = {lv: j for j, lv in enumerate(c for c in self.levels if c != self.reference)}
        out = np.zeros((len(values), len(index)))
        for i, v in enumerate(values):
            j = index.get(v)
            if j is not None:
                out[i, j] = 1.0
        return out


def _levels_of(model: Any, term: Term, column: pd.Series) -> list[str]:
    from topics.models.tomotopy_covariates import OTHER

    known = getattr(model, "levels_", {}).get(term.name)
    if known:
        return list(known)
    vals = sorted(column.astype(str).unique())
    return vals + ([OTHER] if OTHER not in vals else [])


def _level_values(model: Any, name: str, column: pd.Series) -> list[str]:
    """Each cable's level as the model pooled it."""
    return [model._level(name, v) or "" for v in column.tolist()]


def design_matrix(model: Any) -> tuple[np.ndarray, list[_Block], dict[str, Any]]:
    """The regression design of a fitted ``dmr`` model's training cables.

    Returns
    -------
    X : numpy.ndarray, shape (n_cables, n_columns)
        Intercept first.
    blocks : list of _Block
        Each term's columns and encoding.
    values : dict
        Each term's per-cable values (levels as pooled, years with missing ones filled).
    """
    cov = model.covariates_
    n = len(cov)
    cols = [np.ones((n, 1))]
    blocks: list[_Block] = []
    values: dict[str, Any] = {}
    start = 1
    for term in model.formula_:
        if term.numeric:
            x = cov[term.name].astype(float).to_numpy()
            x = np.where(np.isfinite(x), x, model.numeric_fill_[term.name])
            lo, hi = model.numeric_range_[term.name]
            block = _Block(term, slice(0, 0), [], lo=lo, hi=hi)
            values[term.name] = x
        else:
            vals = _level_values(model, term.name, cov[term.name])
            levels = _levels_of(model, term, cov[term.name])
            counts = pd.Series(vals).value_counts()
            pref = REFERENCE.get(term.name)
            ref = pref if pref in counts.index else str(counts.index[0])
            block = _Block(term, slice(0, 0), levels, reference=ref)
            values[term.name] = np.asarray(vals, dtype=object)
        enc = block.encode(values[term.name])
        block.cols = slice(start, start + enc.shape[1])
        start += enc.shape[1]
        cols.append(enc)
        blocks.append(block)
    return np.hstack(cols), blocks, values


def _draw(rng: np.random.Generator, counts: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """One posterior draw of every cable's topic shares, ``Dirichlet(n_dk + alpha_dk)``."""
    theta = rng.gamma(counts + prior)
    return theta / np.maximum(theta.sum(axis=1, keepdims=True), 1e-300)


def _shares(counts: np.ndarray) -> np.ndarray:
    """Rows of topic counts as shares (a cable without tokens: zeros)."""
    counts = np.asarray(counts, dtype=np.float64)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)


def fit_agreement(first: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Per column, the correlation over the cables of two fits' topic shares.

    Parameters
    ----------
    first, other : numpy.ndarray, shape (n_docs, n_topics)
        The topic (or group) shares of each cable in two fits, topics aligned.

    Returns
    -------
    numpy.ndarray, shape (n_topics,)
        Near 1 where both fits found the same topic; a column constant in one fit only
        gets 0, constant in both 1 if equal, else 0.
    """
    out = np.empty(first.shape[1])
    for t in range(first.shape[1]):
        a, b = first[:, t], other[:, t]
        if a.std() > 0 and b.std() > 0:
            out[t] = float(np.corrcoef(a, b)[0, 1])
        else:
            out[t] = 1.0 if np.allclose(a, b) else 0.0
    return out


def _membership(groups: list[list[int]], k: int, allow_empty: bool = False) -> np.ndarray:
    """``(k, len(groups))`` 0/1 matrix: topic ``t`` is in group ``g``."""
    member = np.zeros((k, len(groups)))
    for g, ids in enumerate(groups):
        ids = [int(t) for t in ids]
        if allow_empty and not ids:
            continue
        if not ids or min(ids) < 0 or max(ids) >= k or len(set(ids)) < len(ids):
            raise ValueError(f"estimate_model_effects: group {g} must be distinct topic "
                             f"ids in 0..{k - 1}; got {ids!r}")
        member[ids, g] = 1.0
    return member


def hat_values(X: np.ndarray, xtx_inv: np.ndarray) -> np.ndarray:
    """The leverages ``h_ii``: the diagonal of ``X (X'X)^+ X'`` without forming it."""
    return np.einsum("ij,ij->i", X @ xtx_inv, X)


def _adjusted_squares(X: np.ndarray, xtx_inv: np.ndarray, sq: np.ndarray,
                      cov_type: str) -> np.ndarray:
    """Squared residuals ``sq`` (n, k) as the meat of ``cov_type``'s sandwich: HC1 scales
    them by ``n / (n - p)``, HC2 divides by ``1 - h_ii``, HC3 by ``(1 - h_ii)^2``. Under HC2
    and HC3 a row of leverage 1 (`LEVERAGE_ONE_TOL`) gets the mean adjusted square of the
    other rows (its own residual is 0 whatever its variance); all rows of leverage 1 (a
    saturated design) leave 0."""
    if cov_type not in COV_TYPES:
        raise ValueError(f"estimate_model_effects: cov_type must be one of {COV_TYPES}; "
                         f"got {cov_type!r}")
    n, p = X.shape
    if cov_type == "HC1":
        return sq * (n / max(n - p, 1))
    h = hat_values(X, xtx_inv)
    one = h > 1.0 - LEVERAGE_ONE_TOL
    rest = np.where(one, 1.0, 1.0 - h)  # rows of leverage 1 are replaced below
    out = sq / (rest if cov_type == "HC2" else rest ** 2)[:, None]
    if one.any():
        out[one] = out[~one].mean(axis=0) if (~one).any() else 0.0
    return out


def _sandwich_roots(X: np.ndarray, xtx_inv: np.ndarray, hat: np.ndarray,
                    thetas: list[np.ndarray], cov_type: str = DEFAULT_COV_TYPE) -> np.ndarray:
    """Square roots (k, p, p) of each topic's heteroskedasticity-consistent covariance of
    the OLS coefficients (``cov_type``: HC1, HC2 or HC3), its squared residuals averaged
    over a few posterior draws of the shares (the posterior means are shrunk towards the
    prior and would understate the spread of the shares)."""
    n, p = X.shape
    sq = np.mean([(th - X @ (hat @ th)) ** 2 for th in thetas], axis=0)
    sq = _adjusted_squares(X, xtx_inv, sq, cov_type)
    out = np.empty((sq.shape[1], p, p))
    for t in range(sq.shape[1]):
        meat = (X * sq[:, t:t + 1]).T @ X
        cov = xtx_inv @ meat @ xtx_inv
        w, v = np.linalg.eigh((cov + cov.T) / 2)
        out[t] = v * np.sqrt(np.clip(w, 0, None))
    return out


def estimate_model_effects(model: Any, *, n_draws: int = 100, level: float = 0.95,
                           seed: int = 0, max_levels: int = 30,
                           groups: list[list[int]] | None = None,
                           keep_draws: bool = False,
                           cov_type: str = DEFAULT_COV_TYPE,
                           pool: str = DEFAULT_POOL,
                           fit_groups: list[list[list[int]]] | None = None,
                           min_agreement: float | None = None) -> ModelEffects:
    """Expected topic shares by covariate value and level differences, with intervals.

    Parameters
    ----------
    model : TomotopyDmr
        Fitted or loaded (``counts_``, ``prior_``, ``covariates_``).
    n_draws : int
        Posterior draws (each: Dirichlet draws of every cable's shares, a regression and a
        coefficient draw).
    level : float
        Interval level.
    seed : int
        Seed of the draws: same model and seed, same table.
    max_levels : int
        At most this many levels per categorical covariate (the most common) are tabulated.
    groups : list of list of int, optional
        Estimate the effects of sums of topics instead of single topics: group ``g`` is the
        share of topics ``groups[g]`` together (a theme the sampler split into two topics,
        or the report's themes); the tables' ``topic`` column then holds the group's index.
        Each draw sums the drawn shares before the regression, so the intervals are those
        of the sum, not a sum of intervals. The same topic ids in every fit (chains).
    fit_groups : list of (list of list of int), optional
        Groups identified in each fit separately: ``fit_groups[j]`` is the ``groups`` of fit
        ``j`` (the model first, then its ``chain_counts_`` in order; the same number of
        groups in each, group ``g`` the same theme). The engine aligns the other fits'
        topics one to one with the first's, which cannot follow a theme that one fit
        split into two topics and another kept whole; identified per fit (e.g. from each
        fit's ``chain_topic_term_``), each fit's draws sum that fit's own topics of the
        theme. A group with no topics in a fit (``[]``: the fit did not find the theme,
        e.g. merged it with another) leaves that fit's draws out of the group, the first
        fit's included. Exclusive with ``groups``.
    min_agreement : float or None
        With several fits, leave out a fit's draws of a topic (group) whose share of the
        cables correlates with the first fit's below this (e.g. `MIN_AGREEMENT`,
        `fit_agreement`): that fit did not find the topic, so its draws say nothing about it.
        Off by default: on the generated cables the fits' topics agree at 1.00 or split
        (-0.14 to 0.73), but on the development corpus (K = 50) the agreement is spread
        out (median 0.61) and 0.8 would leave 75 of 100 pairs out; the method line reports
        the agreement either way. The first fit
        (the first with topics of the group, under ``fit_groups``) is always kept; the
        method line counts what was left out. ``None``: keep every draw.
    keep_draws : bool
        Keep the draws on the result (``draws``, ``keys``), for `pool_chains`.
    cov_type : {"HC1", "HC2", "HC3"}
        The coefficients' covariance (module docstring). With the same ``seed`` the
        posterior draws and the normal draws are the same under each type: only ``V``
        changes.
    pool : {"mixture", "rubin"}
        With several fits (the model's ``chains``): how their draws make one interval
        (`POOLS`; `pool_chains`). The estimates and the draws do not depend on it.
        ``"rubin"`` needs two draws of each fit: ``n_draws >= 2 x`` the fits (draw ``s``
        comes from fit ``s % m``, so with ``n_draws`` not a multiple of ``m`` the first
        fits give one draw more).

    Returns
    -------
    ModelEffects
    """
    if not 0 < level < 1:
        raise ValueError(f"estimate_model_effects: level must be in (0, 1); got {level!r}")
    if n_draws < 2:
        raise ValueError(f"estimate_model_effects: n_draws must be >= 2; got {n_draws!r}")
    if cov_type not in COV_TYPES:
        raise ValueError(f"estimate_model_effects: cov_type must be one of {COV_TYPES}; "
                         f"got {cov_type!r}")
    if pool not in POOLS:
        raise ValueError(f"estimate_model_effects: pool must be one of {POOLS}; got {pool!r}")
    n_fits = 1 + len(getattr(model, "chain_counts_", ()))
    if pool == "rubin" and n_fits > 1 and n_draws < 2 * n_fits:
        # draw s comes from fit s % n_fits; Rubin's rules need each fit's own variance
        raise ValueError(f"estimate_model_effects: pool='rubin' needs at least two draws per "
                         f"fit: n_draws >= {2 * n_fits} for the model's {n_fits} fits "
                         f"(chains); got n_draws={n_draws}")
    X, blocks, values = design_matrix(model)
    n, p = X.shape
    counts = np.asarray(model.counts_, dtype=np.float64)
    prior = np.asarray(model.prior_, dtype=np.float64)
    # the model's other fits (chains), topics aligned: the draws go round the fits
    sources = [(counts, prior)] + [
        (np.asarray(c, dtype=np.float64), np.asarray(a, dtype=np.float64))
        for c, a in zip(getattr(model, "chain_counts_", ()), getattr(model, "chain_prior_", ()),
                        strict=True)]
    k = counts.shape[1]
    if groups is not None and fit_groups is not None:
        raise ValueError("estimate_model_effects: give groups (the same topics in every fit) "
                         "or fit_groups (each fit's own), not both")
    if fit_groups is not None:
        if len(fit_groups) != len(sources):
            raise ValueError(f"estimate_model_effects: fit_groups must hold one list of "
                             f"groups per fit ({len(sources)}: the model and its chains); "
                             f"got {len(fit_groups)}")
        if len({len(g) for g in fit_groups}) != 1:
            raise ValueError("estimate_model_effects: every fit of fit_groups must have the "
                             "same number of groups; got "
                             f"{[len(g) for g in fit_groups]}")
    m = len(sources)
    members = None
    if groups is not None or fit_groups is not None:
        members = [_membership(g, k, allow_empty=fit_groups is not None)
                   for g in (fit_groups or [groups])]
        k = members[0].shape[1]
    # which fits carry each topic (group): all, but for a fit given no topics of a group
    # (fit_groups) or matching the reference fit's poorly (min_agreement); the reference
    # of a group is the first fit that has it
    has = np.ones((m, k), dtype=bool) if fit_groups is None else \
        np.array([mem.any(axis=0) for mem in members])
    if not has.any(axis=0).all():
        raise ValueError(f"estimate_model_effects: group(s) "
                         f"{np.flatnonzero(~has.any(axis=0)).tolist()} have topics in no fit")
    ref_fit = has.argmax(axis=0)  # (k,)
    n_missing = int((~has).sum())
    n_disagree = 0
    agree = np.ones((m, k))  # each fit's agreement with the group's reference fit
    compared = np.zeros((m, k), dtype=bool)
    if m > 1:
        shares = [_shares(c) if members is None else _shares(c) @ members[min(j, len(members) - 1)]
                  for j, (c, _) in enumerate(sources)]
        for g in range(k):
            for j in range(m):
                if has[j, g] and j != ref_fit[g]:
                    agree[j, g] = fit_agreement(shares[ref_fit[g]][:, [g]],
                                                shares[j][:, [g]])[0]
                    compared[j, g] = True
                    if min_agreement is not None and agree[j, g] < min_agreement:
                        has[j, g] = False
                        n_disagree += 1

    def draw(i: int = 0) -> np.ndarray:
        c, a = sources[i % m]
        theta = _draw(rng, c, a)
        return theta if members is None else theta @ members[min(i % m, len(members) - 1)]

    xtx_inv = np.linalg.pinv(X.T @ X)
    hat = xtx_inv @ X.T
    rng = np.random.default_rng(seed)
    first = [draw(i) for i in range(4)]
    for i, theta in enumerate(first):
        # a fit without a topic gives no residuals of it: its reference fit's draw instead
        for g in np.flatnonzero(~has[i % m]):
            theta[:, g] = draw(int(ref_fit[g]))[:, g]
    roots = _sandwich_roots(X, xtx_inv, hat, first, cov_type)
    xbar = X.mean(axis=0)
    # the points: (covariate, level, reference or None, row vector of the mean design)
    points: list[tuple[str, str, str | None, np.ndarray]] = []
    for b in blocks:
        if b.term.numeric:
            for year in range(int(np.floor(b.lo)), int(np.ceil(b.hi)) + 1):
                row = xbar.copy()
                row[b.cols] = b.encode(np.array([float(year)]))[0]
                points.append((b.term.name, str(year), None, row))
            continue
        common = pd.Series(values[b.term.name]).value_counts().index.tolist()[:max_levels]
        rows = {}
        for lv in dict.fromkeys([b.reference, *common]):
            row = xbar.copy()
            row[b.cols] = b.encode([lv])[0]
            rows[lv] = row
            points.append((b.term.name, str(lv), None, row))
        for lv in common:
            if lv != b.reference:
                points.append((b.term.name, str(lv), b.reference, rows[lv] - rows[b.reference]))
    rows_m = np.array([pt[3] for pt in points])  # (n_points, p)
    draws = np.empty((n_draws, len(points), k))
    for s in range(n_draws):
        theta = draw(s)
        beta = hat @ theta  # (p, k)
        beta += np.einsum("kpq,qk->pk", roots, rng.standard_normal((p, k)))
        draws[s] = rows_m @ beta
    n_by = {name: pd.Series(vals).astype(str).value_counts() if name not in ("year",)
            else pd.Series(np.floor(vals).astype(int).astype(str)).value_counts()
            for name, vals in values.items()}
    keys = [(cov, lv, ref, int(n_by[cov].get(lv, 0))) for cov, lv, ref, _ in points]
    method = method_text(cov_type)
    chain = None
    if len(sources) > 1:
        method = (f"{method}; the draws go round {len(sources)} fits of the "
                  "model (chains; topics aligned to the first's), so the intervals include "
                  f"the spread between fits ({_POOL_TEXT[pool]})")
        chain = np.arange(n_draws) % len(sources)
        for j, g in np.argwhere(~has):
            draws[chain == j, :, g] = np.nan
        if compared.any():
            low = int((agree.min(axis=0) < MIN_AGREEMENT).sum())
            method += (f"; the other fits' topics agree with the first's at a median share "
                       f"correlation over the cables of {np.median(agree[compared]):.2f}, "
                       f"{low} of {k} below {MIN_AGREEMENT:g} in some fit (found differently "
                       "there: unless left out, their intervals mix different topics)")
        if n_disagree:
            method += (f"; {n_disagree} of {(m - 1) * k} (fit, topic) pairs left out: the "
                       "fit's topic matches the first fit's poorly (share correlation over "
                       f"the cables below {min_agreement:g}: the fits split or merged it "
                       "differently)")
        if n_missing:
            method += f"; {n_missing} (fit, group) pairs without topics of the group"
    out = _tables(keys, draws, level, method, chain=chain, pool=pool)
    if keep_draws:
        out.draws, out.keys = draws, keys
    return out


_POOL_TEXT = {"rubin": "pooled by Rubin's rules: each fit an imputation, between-fit "
                       "variance times 1 + 1/m, t reference",
              "mixture": "pooled as one mixture of draws"}


def _tables(keys: list[tuple], draws: np.ndarray, level: float, method: str | None = None,
            *, chain: np.ndarray | None = None, pool: str = DEFAULT_POOL) -> ModelEffects:
    """The effects tables of ``draws`` (n_draws, n_points, n_topics) at the points ``keys``
    (covariate, level, reference or None, n_cables); ``chain`` (n_draws,) the fit of each
    draw, pooled as ``pool`` says (`rubin_factor`)."""
    n_draws, _, k = draws.shape
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    # NaN: a fit's draws left out of a topic (``min_agreement``); the first fit's never are
    est = np.nanmean(draws, axis=0)
    lower = np.nanquantile(draws, lo_q, axis=0)
    upper = np.nanquantile(draws, hi_q, axis=0)
    if chain is not None and pool == "rubin":
        f = rubin_factor(draws, chain, level)
        lower = est - (est - lower) * f
        upper = est + (upper - est) * f
    lev_rows, con_rows = [], []
    for i, (cov, lv, ref, n_cables) in enumerate(keys):
        for t in range(k):
            if ref is None:
                lev_rows.append({"covariate": cov, "level": lv, "topic": t,
                                 "estimate": est[i, t], "lower": lower[i, t],
                                 "upper": upper[i, t], "n_cables": n_cables})
            else:
                con_rows.append({"covariate": cov, "level": lv, "reference": ref, "topic": t,
                                 "difference": est[i, t], "lower": lower[i, t],
                                 "upper": upper[i, t]})
    levels_df = pd.DataFrame(lev_rows, columns=["covariate", "level", "topic", "estimate",
                                                "lower", "upper", "n_cables"])
    con_df = pd.DataFrame(con_rows, columns=["covariate", "level", "reference", "topic",
                                             "difference", "lower", "upper"])
    if method is None:
        return ModelEffects(levels_df, con_df, n_draws, level)
    return ModelEffects(levels_df, con_df, n_draws, level, method)


def rubin_factor(draws: np.ndarray, chain: np.ndarray, level: float) -> np.ndarray:
    """How much wider than the pooled draws' percentile interval Rubin's rules are.

    With ``m`` fits (imputations of the topics), per estimand: ``Q_j`` and ``U_j`` the mean
    and variance of fit ``j``'s draws, ``W`` the mean of the ``U_j``, ``B`` the variance of
    the ``Q_j`` (``m - 1`` in the denominator), total variance ``T = W + (1 + 1/m) B`` and
    a t reference with ``nu = (m - 1) (1 + W / ((1 + 1/m) B))^2`` degrees of freedom
    (Rubin 1987; Little & Rubin 2019, ch. 10). The factor is ``t_nu sqrt(T) / (z
    sqrt(V))``, ``V`` the variance of all draws together (what the percentile interval
    reflects), and never below 1. Pooling draws as one mixture counts ``B`` as ``(m - 1) / m
    B`` with a normal reference: with 3 fits and ``B`` as large as ``W`` the interval is 1.5
    times too narrow.

    Parameters
    ----------
    draws : numpy.ndarray, shape (n_draws, ...)
    chain : numpy.ndarray of int, shape (n_draws,)
        The fit (0..m-1) of each draw; each fit needs at least two draws.
    level : float

    Returns
    -------
    numpy.ndarray, shape ``draws.shape[1:]``
    """
    from scipy.stats import norm, t

    chain = np.asarray(chain)
    fits = np.unique(chain)
    m = fits.size
    if m < 2:
        return np.ones(draws.shape[1:])
    if min(int(np.sum(chain == j)) for j in fits) < 2:
        raise ValueError("rubin_factor: each fit needs at least two draws")
    with warnings.catch_warnings():  # a fit left out of an estimand: all its draws NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.stack([np.nanmean(draws[chain == j], axis=0) for j in fits])
        w = np.nanmean([np.nanvar(draws[chain == j], axis=0, ddof=1) for j in fits], axis=0)
        b = np.nanvar(q, axis=0, ddof=1)
    m = np.isfinite(q).sum(axis=0)  # fits per estimand (all of them unless left out)
    with np.errstate(divide="ignore", invalid="ignore"):  # B = 0: nu infinite (or nan)
        between = (1 + 1 / m) * b
        total = w + between
        nu = (m - 1) * (1 + w / between) ** 2
    hi_q = 1 - (1 - level) / 2
    crit = np.where(np.isfinite(nu), t.ppf(hi_q, np.where(np.isfinite(nu), nu, 1.0)),
                    norm.ppf(hi_q))
    mixed = np.nanvar(draws, axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = crit * np.sqrt(total) / (norm.ppf(hi_q) * np.sqrt(mixed))
    return np.where(np.isfinite(f), np.maximum(f, 1.0), 1.0)


def pool_chains(effects: list[ModelEffects], pool: str = DEFAULT_POOL) -> ModelEffects:
    """Effects of several fits of the same model (chains: other seeds, or refits on
    resampled cables) pooled into one table: their draws together, so the intervals hold
    the spread between fits as well as within each; ``pool="rubin"`` widens them to Rubin's
    rules for multiple imputation (`rubin_factor`).

    Parameters
    ----------
    effects : list of ModelEffects
        From `estimate_model_effects(..., keep_draws=True)` with the same formula, levels and
        topic order: the caller aligns the topics (``groups=``) so that topic ``t`` of every
        chain is the same theme.
    pool : {"mixture", "rubin"}
        The percentiles of all draws as one mixture, or Rubin's rules (`rubin_factor`).

    Returns
    -------
    ModelEffects
        ``n_draws`` the total over the chains.
    """
    if not effects:
        raise ValueError("pool_chains: no effects to pool")
    for e in effects:
        if e.draws is None:
            raise ValueError("pool_chains: estimate each chain with keep_draws=True")
        if [x[:3] for x in e.keys] != [x[:3] for x in effects[0].keys] or \
                e.draws.shape[1:] != effects[0].draws.shape[1:]:
            raise ValueError("pool_chains: the chains' effects are not at the same points "
                             "(formula, levels) or for the same number of topics")
    if pool not in POOLS:
        raise ValueError(f"pool_chains: pool must be one of {POOLS}; got {pool!r}")
    draws = np.concatenate([e.draws for e in effects], axis=0)
    chain = np.concatenate([np.full(e.draws.shape[0], j) for j, e in enumerate(effects)])
    method = (f"{effects[0].method}; pooled over {len(effects)} fits (chains), so the "
              f"intervals include the spread between fits ({_POOL_TEXT[pool]})")
    out = _tables(effects[0].keys, draws, effects[0].level, method, chain=chain, pool=pool)
    out.draws, out.keys = draws, effects[0].keys
    return out
