"""Events: bursts in a theme's share of the monthly cables (Kleinberg's burst automaton).

Kleinberg ("Bursty and hierarchical structure in streams", KDD 2002, section 4, the
enumerating model) reads a theme's monthly counts ``r_t`` out of ``d_t`` cables as emitted
by a two-state automaton: a base state with the theme's overall rate ``p0 = sum r / sum d``
and a burst state with rate ``p1 = s * p0``; entering the burst state costs
``gamma * ln(T)`` (``T`` months), leaving it is free, and the Viterbi path of least cost marks
the burst months. A burst's weight is what the burst state saves over the base state across
its months.

The automaton always finds something in a long enough noisy series, so each theme's bursts
are kept only when their weight beats the ``1 - alpha`` quantile of the largest burst weight
in ``n_sim`` series simulated from a flat theme (the same ``d_t``, ``r_t ~ Binomial(d_t,
p0)``): a theme with no burst shows one with probability at most ``alpha`` (Monte Carlo,
family-wise per theme). `detect_events` does this for every theme of a run and names the
cables that carry each burst.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Burst", "burst_weights", "detect_events", "find_bursts", "kleinberg_states"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Burst:
    """One burst of one theme.

    Attributes
    ----------
    theme : int
    start, end : str
        First and last month of the burst (``YYYY-MM``, inclusive).
    n_cables : int
        The theme's cables in those months.
    expected : float
        What the theme's overall rate predicts for those months.
    weight : float
        Kleinberg's burst weight (cost saved by the burst state), in nats.
    p_value : float
        Monte Carlo p-value of the weight against the largest burst of a flat theme.
    refs : tuple of str
        The theme's cables in the burst, highest theme weight first (at most ``max_refs``).
    """

    theme: int
    start: str
    end: str
    n_cables: int
    expected: float
    weight: float
    p_value: float
    refs: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["refs"] = " ".join(self.refs)
        return d


def _state_costs(r: np.ndarray, d: np.ndarray, p0: float, s: float) -> np.ndarray:
    """Negative log-likelihood per month of the base and burst states, shape (2, ..., T);
    the binomial coefficient is the same in both states and left out."""
    p1 = min(s * p0, 0.9999)
    p = np.array([p0, p1]).reshape((2,) + (1,) * r.ndim)
    return -(r * np.log(p) + (d - r) * np.log1p(-p))


def kleinberg_states(
    r: np.ndarray, d: np.ndarray, *, s: float = 2.0, gamma: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """The least-cost state path of the two-state automaton (Viterbi), vectorized.

    Parameters
    ----------
    r, d : numpy.ndarray, shape (T,) or (n_series, T)
        Theme counts and all-cable counts per month (``0 <= r <= d``).
    s : float
        Burst rate over base rate (Kleinberg's ``s``), > 1.
    gamma : float
        Cost of entering a burst, in units of ``ln(T)``.

    Returns
    -------
    states : numpy.ndarray of int8, same shape as ``r``
        1 in burst months.
    saving : numpy.ndarray of float, same shape
        Cost of the base state minus cost of the burst state, per month.
    """
    r = np.asarray(r, dtype=float)
    d = np.asarray(d, dtype=float)
    single = r.ndim == 1
    if single:
        r, d = r[None, :], d[None, :]
    n, t_len = r.shape
    p0 = np.clip(r.sum(axis=1) / np.maximum(d.sum(axis=1), 1.0), 1e-9, 0.999)
    costs = np.stack([_state_costs(r[i], d[i], float(p0[i]), s) for i in range(n)], axis=1)
    up = gamma * np.log(max(t_len, 2))
    best = np.zeros((2, n))
    best[1] = up
    back = np.zeros((t_len, 2, n), dtype=np.int8)
    for t in range(t_len):
        stay0, from1 = best[0], best[1]           # to state 0: from 0 or from 1 (free)
        to0 = np.minimum(stay0, from1)
        back[t, 0] = (from1 < stay0).astype(np.int8)
        up1, stay1 = best[0] + up, best[1]        # to state 1: from 0 (pay) or stay
        to1 = np.minimum(up1, stay1)
        back[t, 1] = (stay1 <= up1).astype(np.int8)
        best = np.stack([to0 + costs[0, :, t], to1 + costs[1, :, t]])
    states = np.zeros((n, t_len), dtype=np.int8)
    cur = (best[1] < best[0]).astype(np.int8)
    for t in range(t_len - 1, -1, -1):
        states[:, t] = cur
        cur = back[t, cur, np.arange(n)]
    saving = costs[0] - costs[1]
    if single:
        return states[0], saving[0]
    return states, saving


def burst_weights(states: np.ndarray, saving: np.ndarray) -> list[tuple[int, int, float]]:
    """Maximal runs of burst months as ``(first, last, weight)``, for one series."""
    out = []
    t = 0
    n = len(states)
    while t < n:
        if states[t]:
            a = t
            while t + 1 < n and states[t + 1]:
                t += 1
            out.append((a, t, float(saving[a:t + 1].sum())))
        t += 1
    return out


def _null_max_weights(d: np.ndarray, p0: float, *, s: float, gamma: float, n_sim: int,
                      rng: np.random.Generator) -> np.ndarray:
    sims = rng.binomial(d.astype(np.int64), p0, size=(n_sim, d.size)).astype(float)
    dd = np.broadcast_to(d.astype(float), sims.shape)
    states, saving = kleinberg_states(sims, dd, s=s, gamma=gamma)
    # the largest run weight of each simulated series (0 when it has no burst)
    out = np.zeros(n_sim)
    for i in np.flatnonzero(states.any(axis=1)):
        out[i] = max(w for _, _, w in burst_weights(states[i], saving[i]))
    return out


def find_bursts(
    r: np.ndarray, d: np.ndarray, *, s: float = 2.0, gamma: float = 1.0, alpha: float = 0.05,
    n_sim: int = 199, seed: int = 0,
) -> list[tuple[int, int, float, float]]:
    """Bursts of one theme that a flat theme would show with probability at most ``alpha``.

    Parameters
    ----------
    r, d : array_like, shape (T,)
        Theme counts and all-cable counts per month.
    s, gamma : float
        See `kleinberg_states`.
    alpha : float
        False-positive rate per theme (Monte Carlo).
    n_sim : int
        Simulated flat series.
    seed : int

    Returns
    -------
    list of (first, last, weight, p_value)
        Month indices inclusive.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"find_bursts needs 0 < alpha < 1; got {alpha!r}")
    if s <= 1.0:
        raise ValueError(f"find_bursts needs s > 1 (burst rate over base rate); got {s!r}")
    r = np.asarray(r, dtype=float)
    d = np.asarray(d, dtype=float)
    if r.shape != d.shape or r.ndim != 1:
        raise ValueError(f"find_bursts needs r and d of the same 1-d shape; got {r.shape}, "
                         f"{d.shape}")
    if ((r < 0) | (r > d)).any():
        raise ValueError("find_bursts needs 0 <= r <= d in every month")
    if r.sum() == 0 or r.size < 3:
        return []
    states, saving = kleinberg_states(r, d, s=s, gamma=gamma)
    runs = burst_weights(states, saving)
    if not runs:
        return []
    p0 = float(r.sum() / d.sum())
    null = _null_max_weights(d, p0, s=s, gamma=gamma, n_sim=int(n_sim),
                             rng=np.random.default_rng(seed))
    out = []
    for a, b, w in runs:
        p = (1 + int((null >= w).sum())) / (n_sim + 1)
        if p <= alpha:
            out.append((a, b, w, p))
    return out


def detect_events(
    refs: Sequence[str], dates: pd.Series, themes: Sequence[int], weights: np.ndarray | None,
    theme_ids: Sequence[int], *, s: float = 2.0, gamma: float = 1.0, alpha: float = 0.05,
    n_sim: int = 199, min_month_cables: int = 10, min_theme_cables: int = 20,
    max_refs: int = 10, seed: int = 0,
) -> tuple[list[Burst], pd.DataFrame]:
    """Bursts of every theme in the monthly cables of a run.

    Parameters
    ----------
    refs : sequence of str, length n_cables
    dates : pandas.Series of datetimes, length n_cables (NaT: left out)
    themes : sequence of int, length n_cables
        Each cable's theme.
    weights : numpy.ndarray, shape (n_cables,), optional
        The cable's weight on its theme, to rank the cables that carry a burst.
    theme_ids : sequence of int
    s, gamma, alpha, n_sim : see `find_bursts`.
    min_month_cables : int
        The series runs from the first to the last month with at least this many cables.
    min_theme_cables : int
        Themes with fewer cables in that span are not tested.
    max_refs : int
        Cables listed per burst.
    seed : int
        Each theme's simulations are seeded from ``(seed, theme)``.

    Returns
    -------
    bursts : list of Burst
        Sorted by theme, then start.
    monthly : pandas.DataFrame
        Index ``YYYY-MM`` months of the series; column ``all`` (cables) and one column per
        tested theme id (its cables).
    """
    dates = pd.to_datetime(pd.Series(list(dates)), utc=True)
    frame = pd.DataFrame({"ref": list(refs), "theme": np.asarray(themes, dtype=np.int64),
                          "w": np.ones(len(refs)) if weights is None else np.asarray(weights)})
    frame["month"] = dates.dt.strftime("%Y-%m").to_numpy()
    frame = frame[dates.notna().to_numpy()]
    if frame.empty:
        return [], pd.DataFrame()
    per_month = frame.groupby("month").size()
    busy = per_month[per_month >= min_month_cables].index
    if len(busy) < 3:
        logger.info("events: fewer than 3 months with %d+ cables; no burst detection",
                    min_month_cables)
        return [], pd.DataFrame()
    months = pd.period_range(busy.min(), busy.max(), freq="M").strftime("%Y-%m")
    frame = frame[frame["month"].isin(set(months))]
    counts = pd.crosstab(frame["month"], frame["theme"]).reindex(months, fill_value=0)
    d = counts.sum(axis=1).to_numpy(dtype=float)
    monthly = pd.DataFrame({"all": d.astype(np.int64)}, index=months)
    bursts: list[Burst] = []
    for tid in theme_ids:
        if tid not in counts.columns:
            continue
        r = counts[tid].to_numpy(dtype=float)
        if r.sum() < min_theme_cables:
            continue
        monthly[tid] = r.astype(np.int64)
        theme_seed = int(np.random.SeedSequence([int(seed), zlib.crc32(b"events"), int(tid)])
                         .generate_state(1)[0])
        p0 = r.sum() / d.sum()
        for a, b, w, p in find_bursts(r, d, s=s, gamma=gamma, alpha=alpha, n_sim=n_sim,
                                      seed=theme_seed):
            span = set(months[a:b + 1])
            carry = frame[(frame["theme"] == tid) & frame["month"].isin(span)]
            carry = carry.sort_values(["w", "ref"], ascending=[False, True], kind="stable")
            bursts.append(Burst(int(tid), months[a], months[b], int(r[a:b + 1].sum()),
                                round(float(p0 * d[a:b + 1].sum()), 3), round(w, 6), p,
                                tuple(carry["ref"].head(max_refs))))
    logger.info("events: %d bursts in %d tested themes over %d months", len(bursts),
                monthly.shape[1] - 1, len(months))
    return bursts, monthly
