"""Covariate effects on theme prevalence, in the spirit of R stm's ``estimateEffect``.

stm regresses topic proportions on document covariates and draws from the posterior of the
proportions (Roberts et al. 2019). Here the model is already fitted and refits nothing: for
each theme and each level of a categorical covariate (year, classification) we report the
expected share, the mean over the level's cables of the theme's doc-topic weight, with a
percentile bootstrap confidence interval over cables (Efron & Tibshirani 1993).
"""

from __future__ import annotations

import logging
import zlib

import numpy as np
import pandas as pd

__all__ = ["bootstrap_means", "bootstrap_replicates", "estimate_differences", "estimate_effects",
           "level_replicates"]

logger = logging.getLogger(__name__)

# bootstrap replicates are drawn in chunks so that chunk * n_cables stays under this size
_CHUNK_CELLS = 4_000_000
#: Levels with more cables take the bootstrap's normal limit (`level_replicates`).
EXACT_UP_TO = 20_000


def bootstrap_replicates(
    weights: np.ndarray, *, n_boot: int = 500, seed: int | np.random.SeedSequence = 0,
) -> np.ndarray:
    """Column means of ``weights`` over ``n_boot`` resamplings of its rows.

    Resampling is vectorised: the draws of a chunk of replicates are counted per row with
    one ``bincount`` (a replicate's count vector is multinomial, the law of drawing n rows
    with replacement), so all columns share the draws and a replicate's means are one
    matrix product.

    Parameters
    ----------
    weights : numpy.ndarray
        Shape (n_cables, n_themes), at least one row.
    n_boot : int
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    numpy.ndarray
        Shape (n_boot, n_themes).
    """
    weights = np.asarray(weights, dtype=np.float64)
    n = weights.shape[0]
    if n == 1:
        return np.repeat(weights, int(n_boot), axis=0)
    rng = np.random.default_rng(seed)
    chunk = max(1, min(int(n_boot), _CHUNK_CELLS // n))
    reps = []
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        draws = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n)
        reps.append(counts.astype(np.float64) @ weights / n)
        done += b
    return np.vstack(reps)


def bootstrap_means(
    weights: np.ndarray, *, n_boot: int = 500, seed: int = 0, ci: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column means of ``weights`` with percentile bootstrap intervals over rows.

    Parameters
    ----------
    weights : numpy.ndarray
        Shape (n_cables, n_themes).
    n_boot : int
        Bootstrap replicates.
    seed : int or numpy.random.SeedSequence
        Seed of the resampling generator (no global RNG is touched).
    ci : float
        Confidence level in (0, 1).

    Returns
    -------
    mean, low, high : numpy.ndarray
        Each shape (n_themes,). With one row, ``low == high == mean``.

    Raises
    ------
    ValueError
        When ``weights`` has no rows, ``n_boot < 1`` or ``ci`` is outside (0, 1).
    """
    weights = _check(weights, n_boot, ci, "bootstrap_means")
    mean = weights.mean(axis=0)
    if weights.shape[0] == 1:
        return mean, mean.copy(), mean.copy()
    boot = bootstrap_replicates(weights, n_boot=n_boot, seed=seed)
    alpha = (1.0 - ci) / 2.0
    low, high = np.quantile(boot, [alpha, 1.0 - alpha], axis=0)
    return mean, low, high


def level_replicates(
    weights: np.ndarray, *, n_boot: int, seed: int | np.random.SeedSequence,
    exact_up_to: int = EXACT_UP_TO,
) -> np.ndarray:
    """Bootstrap replicates of a level's mean shares; the normal limit for large levels.

    Up to ``exact_up_to`` cables: `bootstrap_replicates`. Beyond, the replicates are drawn
    from the bootstrap's normal limit, N(mean, S / n) with S the themes' covariance over
    the level's cables (the mean of n resampled rows is a sum of n i.i.d. draws; at
    20,000 cables its percentile interval and the normal one agree to well under a
    percentage point of share), at O(n K²) instead of O(n_boot n K).

    Parameters
    ----------
    weights : numpy.ndarray
        Shape (n_cables, n_themes).
    n_boot : int
    seed : int or numpy.random.SeedSequence
    exact_up_to : int

    Returns
    -------
    numpy.ndarray
        Shape (n_boot, n_themes).
    """
    weights = np.asarray(weights, dtype=np.float64)
    n = weights.shape[0]
    if n <= exact_up_to:
        return bootstrap_replicates(weights, n_boot=n_boot, seed=seed)
    mean = weights.mean(axis=0)
    cov = np.atleast_2d(np.cov(weights, rowvar=False, ddof=0)) / n
    # the shares sum to at most 1 per cable: S is singular, so factor it without Cholesky
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = np.random.default_rng(seed).standard_normal((int(n_boot), len(mean)))
    return mean + z @ root.T


def _stream(seed: int, covariate: str, level: str) -> np.random.SeedSequence:
    """The resampling stream of one covariate level, derived from the run seed."""
    return np.random.SeedSequence(
        [int(seed), zlib.crc32(b"report-effects"), zlib.crc32(f"{covariate}={level}".encode())])


def _check(weights: np.ndarray, n_boot: int, ci: float, who: str) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim != 2 or weights.shape[0] == 0:
        raise ValueError(
            f"{who} needs a 2-D array with at least one row; got shape {weights.shape}"
        )
    if int(n_boot) < 1 or not 0 < ci < 1:
        raise ValueError(
            f"{who} needs n_boot >= 1 and 0 < ci < 1; got n_boot={n_boot}, ci={ci}"
        )
    return weights


def estimate_differences(
    theme_weight: np.ndarray,
    theme_ids: list[int],
    values: pd.Series | np.ndarray | list,
    comparisons: list[tuple[str, str | None]],
    *,
    covariate: str,
    n_boot: int = 500,
    seed: int = 0,
    ci: float = 0.95,
    cache: dict | None = None,
) -> pd.DataFrame:
    """Differences in mean theme share between levels, with bootstrap intervals.

    For a pair ``(a, b)`` the cables of level ``a`` and of level ``b`` are resampled
    independently and the interval is the percentile interval of the difference of the
    replicate means (as stm's ``plot.estimateEffect(method = "difference")`` contrasts
    two levels). For ``(a, None)`` the reference is all cables: the difference is level
    ``a``'s mean minus the corpus mean, the interval from resampling ``a``'s cables (the
    corpus mean is held fixed; it rests on every cable).

    Parameters
    ----------
    theme_weight : numpy.ndarray
        Shape (n_cables, n_themes).
    theme_ids : list of int
    values : sequence
        The covariate per cable (missing values are left out).
    comparisons : list of (str, str or None)
    covariate : str
        Its name, written in the result.
    n_boot, seed, ci
        As in `estimate_effects`; a level's draws are the same as there.
    cache : dict, optional
        Replicates by ``(covariate, level)`` from `estimate_effects` (filled here too).

    Returns
    -------
    pandas.DataFrame
        Columns ``theme, covariate, level, reference, n_level, n_reference, diff, ci_low,
        ci_high``; ``reference`` is "all cables" for ``(a, None)``. Pairs with a level
        without cables are skipped.
    """
    w = _check(theme_weight, n_boot, ci, "estimate_differences")
    vals = pd.Series(values).reset_index(drop=True)
    if len(vals) != len(w):
        raise ValueError(
            f"estimate_differences: covariate '{covariate}' has {len(vals)} values for "
            f"{len(w)} cables; align it with the rows of theme_weight"
        )
    keys = vals.astype(object).where(vals.notna(), None).map(
        lambda v: None if v is None else str(v)).to_numpy()
    alpha = (1.0 - ci) / 2.0
    rows = []

    store = cache if cache is not None else {}

    def reps(level: str) -> tuple[np.ndarray, int]:
        idx = np.flatnonzero(keys == level)
        if idx.size == 0:
            return np.empty((0, w.shape[1])), 0
        if (covariate, level) not in store:
            store[(covariate, level)] = level_replicates(
                w[idx], n_boot=n_boot, seed=_stream(seed, covariate, level))
        return store[(covariate, level)], int(idx.size)

    corpus_mean = w.mean(axis=0)
    for a, b in comparisons:
        ra, na = reps(str(a))
        if na == 0:
            continue
        if b is None:
            diff_reps = ra - corpus_mean
            point = w[keys == str(a)].mean(axis=0) - corpus_mean
            ref, nb = "all cables", len(w)
        else:
            rb, nb = reps(str(b))
            if nb == 0:
                continue
            diff_reps = ra - rb
            point = w[keys == str(a)].mean(axis=0) - w[keys == str(b)].mean(axis=0)
            ref = str(b)
        low, high = np.quantile(diff_reps, [alpha, 1.0 - alpha], axis=0)
        for j, tid in enumerate(theme_ids):
            rows.append((int(tid), covariate, str(a), ref, na, int(nb), float(point[j]),
                         float(low[j]), float(high[j])))
    return pd.DataFrame(rows, columns=["theme", "covariate", "level", "reference", "n_level",
                                       "n_reference", "diff", "ci_low", "ci_high"])


def estimate_effects(
    theme_weight: np.ndarray,
    theme_ids: list[int],
    covariates: dict[str, pd.Series | np.ndarray | list],
    *,
    n_boot: int = 500,
    seed: int = 0,
    ci: float = 0.95,
    level_order: dict[str, list] | None = None,
    cache: dict | None = None,
) -> pd.DataFrame:
    """Mean theme share per level of each covariate, with bootstrap confidence intervals.

    These are per-level means (what share of a level's cables' topic weight falls in the
    theme), not regression coefficients: no level is adjusted for the others. Differences
    between levels are `estimate_differences`.

    Parameters
    ----------
    theme_weight : numpy.ndarray
        Shape (n_cables, n_themes): each cable's weight on each theme (summed doc-topic
        weight of the theme's topics, or 0/1 membership).
    theme_ids : list of int
        The model's theme ids, one per column.
    covariates : dict
        Name -> values per cable (length n_cables); missing values (None/NaN) are left out.
    n_boot : int
        Bootstrap replicates per level.
    seed : int
        Run seed; each covariate level derives its own stream from it and its name.
    ci : float
        Confidence level.
    level_order : dict, optional
        Name -> levels in display order (default: sorted).
    cache : dict, optional
        Filled with each level's bootstrap replicates, keyed ``(covariate, level)``, for
        `estimate_differences` to reuse.

    Returns
    -------
    pandas.DataFrame
        Columns ``theme, covariate, level, n_cables, mean, ci_low, ci_high``.

    Raises
    ------
    ValueError
        When a covariate's length differs from the number of cables or the theme ids do not
        match the columns.
    """
    theme_weight = np.asarray(theme_weight, dtype=np.float64)
    n, t = theme_weight.shape
    if len(theme_ids) != t:
        raise ValueError(
            f"estimate_effects: {len(theme_ids)} theme ids for {t} theme_weight columns; "
            "pass one id per column"
        )
    rows = []
    for name, values in covariates.items():
        vals = pd.Series(values).reset_index(drop=True)
        if len(vals) != n:
            raise ValueError(
                f"estimate_effects: covariate '{name}' has {len(vals)} values for {n} cables; "
                "align it with the rows of theme_weight"
            )
        present = vals.notna().to_numpy()
        keys = vals[present].astype(str).to_numpy()
        levels = (level_order or {}).get(name) or sorted(set(keys))
        idx_all = np.flatnonzero(present)
        for level in levels:
            rows_idx = idx_all[keys == str(level)]
            if rows_idx.size == 0:
                continue
            sub = theme_weight[rows_idx]
            mean = sub.mean(axis=0)
            if rows_idx.size == 1:
                low, high = mean.copy(), mean.copy()
            else:
                boot = level_replicates(sub, n_boot=n_boot, seed=_stream(seed, name, level))
                if cache is not None:  # estimate_differences reuses the same draws
                    cache[(name, str(level))] = boot
                low, high = np.quantile(boot, [(1 - ci) / 2, (1 + ci) / 2], axis=0)
            for j, tid in enumerate(theme_ids):
                rows.append((int(tid), name, str(level), int(rows_idx.size),
                             float(mean[j]), float(low[j]), float(high[j])))
    logger.info("estimated effects: %d rows from %d bootstrap draws per level", len(rows), n_boot)
    return pd.DataFrame(
        rows, columns=["theme", "covariate", "level", "n_cables", "mean", "ci_low", "ci_high"]
    )
