"""Report figures that stay readable with many themes (K = 50-100) and lopsided dates.

Lines and colours stop telling themes apart past a dozen; these figures use position and
labels instead: heat maps with one labelled row per theme, ordered so that the order itself
says something (by the period of a theme's peak, by linkage), and cells left empty where
they would rest on too few cables. Same conventions as `topics.report.figures`: an ``ax``
in, the Axes out, matplotlib's object API only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullLocator
from scipy.cluster.hierarchy import leaves_list, linkage
from scipy.spatial.distance import squareform

from topics.report.timeaxis import DenseWindow, period_positions

__all__ = [
    "MIN_CELL_CABLES",
    "MIN_POST_CABLES",
    "lift_over_time",
    "plot_post_heatmap",
    "plot_time_heatmap",
    "plot_topic_correlation",
    "plot_year_counts",
    "topic_correlation",
]

#: Post x theme cells with fewer cables are left empty in the post heat map.
MIN_CELL_CABLES = 3
#: Posts with fewer cables are left out of the post heat map.
MIN_POST_CABLES = 20
_NEUTRAL = "#5F6B73"
_GAP = "#EEEEEE"
_TITLE = 11
_LABEL = 9


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _style(ax: Axes, title: str, xlabel: str, ylabel: str) -> Axes:
    ax.set_title(title, fontsize=_TITLE, loc="left")
    ax.set_xlabel(xlabel, fontsize=_LABEL)
    ax.set_ylabel(ylabel, fontsize=_LABEL)
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def plot_year_counts(
    ax: Axes, rows: list[dict], *, window: DenseWindow | None = None, unknown: str = "(unknown)",
) -> Axes:
    """Cables per year as bars at their real years (empty years are empty space).

    Parameters
    ----------
    rows : list of dict
        ``{"name": "YYYY" | unknown, "count"}``.
    window : DenseWindow, optional
        Shaded: the years the time figures draw.
    """
    dated = [r for r in rows if str(r["name"]).isdigit()]
    n_unknown = sum(int(r["count"]) for r in rows if not str(r["name"]).isdigit())
    title = "Cables by year"
    if not dated:
        ax.text(0.5, 0.5, "no dated cable", ha="center", va="center", transform=ax.transAxes)
        return _style(ax, title, "year", "cables")
    x = np.array([int(r["name"]) for r in dated], dtype=float)
    y = np.array([int(r["count"]) for r in dated])
    ax.bar(x, y, width=0.8, color=_NEUTRAL)
    if window is not None and window.start is not None and (window.n_before or window.n_after):
        lo, hi = period_positions([window.start, window.end])
        ax.axvspan(lo - 0.5, hi + 0.5, color="#0072B2", alpha=0.08, lw=0)
        ax.text(lo - 0.8, ax.get_ylim()[1] * 0.97, f"time figures draw {window.start}-"
                f"{window.end} →", fontsize=7, color="#0072B2", va="top", ha="right")
    # sparse early years are invisible bars at this scale: say how many cables they hold
    small = y < max(1, 0.01 * y.max())
    if small.any():
        title += f" ({int(y[small].sum()):,} cables in {int(small.sum())} years too small to see)"
    if n_unknown:
        title += f"; {n_unknown:,} undated"
    ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True, min_n_ticks=1))
    ax.set_xlim(x.min() - 1, x.max() + 1)
    return _style(ax, title, "year", "cables")


def lift_over_time(
    counts: pd.DataFrame, themes: Sequence[int], window: DenseWindow,
) -> tuple[pd.DataFrame, pd.Series]:
    """Theme share of each dense period divided by the theme's overall share.

    Parameters
    ----------
    counts : pandas.DataFrame
        Index period labels, columns theme ids, values cable counts.
    themes : sequence of int
    window : DenseWindow

    Returns
    -------
    lift : pandas.DataFrame
        Rows themes, columns every period label of the window (empty periods included,
        NaN where the period is sparse): 1 = as usual, 2 = twice the theme's usual share.
    share : pandas.Series
        The theme's share of all cables in the window's dense periods.
    """
    counts = counts.reindex(columns=list(themes), fill_value=0)
    if window.start is None:
        return pd.DataFrame(index=list(themes)), pd.Series(0.0, index=list(themes))
    lo, hi = period_positions([window.start, window.end])
    monthly = "-" in window.start
    if monthly:
        labels = [str(p) for p in pd.period_range(window.start, window.end, freq="M")]
    else:
        labels = [str(y) for y in range(int(lo), int(hi) + 1)]
    dense = [p for p in labels if p in set(window.dense)]
    sub = counts.reindex(dense, fill_value=0)
    total = sub.sum(axis=1)
    overall = sub.sum(axis=0) / max(int(total.sum()), 1)
    share = sub.div(total.where(total > 0, 1), axis=0)
    lift = share.div(overall.where(overall > 0, np.nan), axis=1).T
    return lift.reindex(columns=labels), overall


def plot_time_heatmap(
    ax: Axes, counts: pd.DataFrame, themes: Sequence[int], labels: dict[int, str],
    window: DenseWindow, *, fig: Figure, unit: str = "year",
) -> list[int]:
    """Ranked heat map of themes over time: rows by the period of their peak.

    Colour is the theme's share of a period's cables relative to its share overall (log
    scale, 1/4 to 4): whatever its size, a theme reads red where it is above its usual
    share. Sparse periods are grey gaps; rows are ordered by the period where the theme
    peaks, so the figure reads as a chronology.

    Returns
    -------
    list of int
        Theme ids top to bottom.
    """
    lift, overall = lift_over_time(counts, themes, window)
    if lift.empty or lift.shape[1] == 0:
        ax.text(0.5, 0.5, f"no {unit} has {window.min_cables}+ cables", ha="center",
                va="center", transform=ax.transAxes)
        return list(themes)
    vals = lift.to_numpy(dtype=float)
    x = period_positions(lift.columns)
    peak = np.where(np.isfinite(vals).any(axis=1),
                    np.nanargmax(np.where(np.isfinite(vals), vals, -np.inf), axis=1), 0)
    # the peak's position, then the size: a chronology of themes
    order = sorted(range(len(themes)), key=lambda i: (x[peak[i]], -overall.iloc[i], themes[i]))
    vals = vals[order]
    shown = np.clip(np.where(vals > 0, vals, 0.25), 0.25, 4.0)
    masked = np.ma.masked_invalid(np.where(np.isfinite(vals), shown, np.nan))
    ax.set_facecolor(_GAP)
    im = ax.imshow(masked, aspect="auto", cmap="RdBu_r", norm=LogNorm(0.25, 4.0),
                   interpolation="nearest")
    ids = [themes[i] for i in order]
    ax.set_yticks(np.arange(len(ids)), [f"{t}: {_short(labels.get(t, ''), 30)}" for t in ids],
                  fontsize=7 if len(ids) > 30 else 8)
    step = max(1, int(np.ceil(len(x) / 14)))
    ax.set_xticks(np.arange(len(x))[::step], list(lift.columns)[::step], rotation=45,
                  ha="right")
    cb = fig.colorbar(im, ax=ax, shrink=0.6, pad=0.01)
    cb.set_ticks([0.25, 0.5, 1, 2, 4], labels=["¼×", "½×", "1×", "2×", "4×"])
    cb.ax.yaxis.set_minor_locator(NullLocator())
    cb.set_label("share of the period's cables\nrelative to the theme's overall share",
                 fontsize=8)
    _style(ax, "", unit, "theme (ordered by the period of its peak)")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return ids


def plot_post_heatmap(
    ax: Axes, counts: pd.DataFrame, themes: Sequence[int], labels: dict[int, str], *,
    fig: Figure, min_post: int = MIN_POST_CABLES, min_cell: int = MIN_CELL_CABLES,
    max_posts: int = 20,
) -> tuple[list[str], int]:
    """Theme shares of each post's cables, with the counts printed; thin cells left empty.

    Only posts with ``min_post`` cables or more take part (the largest ``max_posts``), and a
    cell with fewer than ``min_cell`` cables stays empty: a post with five cables cannot be
    the brightest cell.

    Parameters
    ----------
    counts : pandas.DataFrame
        Index posts, columns theme ids, values cable counts (all posts).

    Returns
    -------
    posts : list of str
        The posts drawn, left to right.
    n_left_out : int
        Posts left out for having fewer than ``min_post`` cables.
    """
    counts = counts.reindex(columns=list(themes), fill_value=0)
    total = counts.sum(axis=1)
    keep = total[total >= min_post].sort_values(ascending=False, kind="stable")
    posts = list(keep.index[:max_posts])
    n_left = int((total < min_post).sum())
    if not posts:  # a small corpus: no post has enough cables for a share
        ax.text(0.5, 0.5, f"no post has {min_post}+ cables", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return posts, n_left
    sub = counts.loc[posts].T  # themes x posts
    c = sub.to_numpy(dtype=float)
    share = c / np.where(keep.iloc[: len(posts)].to_numpy() > 0, keep.iloc[: len(posts)], 1)
    share = np.where(c >= min_cell, share, np.nan)
    ax.set_facecolor("white")
    vmax = float(np.nanmax(share)) if np.isfinite(share).any() else 1.0
    im = ax.imshow(np.ma.masked_invalid(share), aspect="auto", cmap="cividis", vmin=0,
                   vmax=max(vmax, 1e-9), interpolation="nearest")
    for (i, j), v in np.ndenumerate(share):
        if np.isfinite(v):
            ax.text(j, i, f"{int(c[i, j])}", ha="center", va="center", fontsize=6,
                    color="black" if v > 0.5 * vmax else "white")
    ax.set_xticks(np.arange(len(posts)),
                  [f"{_short(str(p), 22)} ({int(keep[p]):,})" for p in posts], rotation=55,
                  ha="right")
    ax.set_yticks(np.arange(len(themes)), [f"{t}: {_short(labels.get(t, ''), 26)}"
                                           for t in themes], fontsize=7 if len(themes) > 30 else 8)
    cb = fig.colorbar(im, ax=ax, shrink=0.6, pad=0.01)
    cb.set_label("share of the post's cables", fontsize=_LABEL)
    _style(ax, "", "post (cables)", "theme")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return posts, n_left


def topic_correlation(doc_topic: np.ndarray) -> np.ndarray:
    """Pearson correlation between topic proportions over cables (``topicCorr`` in R stm).

    Parameters
    ----------
    doc_topic : numpy.ndarray
        Shape (n_cables, n_topics).

    Returns
    -------
    numpy.ndarray
        Shape (n_topics, n_topics); 0 where a topic has no variance.
    """
    w = np.asarray(doc_topic, dtype=np.float64)
    if w.shape[0] < 2:
        return np.eye(w.shape[1])
    w = w - w.mean(axis=0)
    sd = np.sqrt((w * w).sum(axis=0))
    sd = np.where(sd > 1e-9 * np.sqrt(len(w)), sd, 0.0)  # a constant column: rounding only
    cov = w.T @ w
    denom = np.outer(sd, sd)
    corr = np.divide(cov, denom, out=np.zeros_like(cov), where=denom > 0)
    np.fill_diagonal(corr, 1.0)
    return np.clip(corr, -1.0, 1.0)


def plot_topic_correlation(
    ax: Axes, corr: np.ndarray, topic_ids: Sequence[int], labels: dict[int, str], *,
    fig: Figure,
) -> list[int]:
    """Topic-correlation heat map, topics ordered by average linkage on 1 - correlation.

    Blocks along the diagonal are topics that share cables (positive correlation); the
    order is the hierarchy, so it replaces a dendrogram at large K.

    Returns
    -------
    list of int
        Topic ids in the drawn order.
    """
    k = len(topic_ids)
    if k > 2:
        dist = np.clip(1.0 - corr, 0, 2)
        np.fill_diagonal(dist, 0)
        order = leaves_list(linkage(squareform(dist, checks=False), method="average"))
    else:
        order = np.arange(k)
    c = corr[np.ix_(order, order)].copy()
    np.fill_diagonal(c, np.nan)
    lim = float(np.nanmax(np.abs(c))) if k > 1 and np.isfinite(c).any() else 1.0
    lim = max(lim, 0.05)
    ax.set_facecolor("white")
    im = ax.imshow(np.ma.masked_invalid(c), cmap="RdBu_r", vmin=-lim, vmax=lim,
                   interpolation="nearest")
    ids = [int(topic_ids[i]) for i in order]
    names = [f"{t}: {_short(labels.get(t, ''), 24)}" for t in ids]
    fs = 6 if k > 40 else 7 if k > 20 else 8
    ax.set_yticks(np.arange(k), names, fontsize=fs)
    ax.set_xticks(np.arange(k), [str(t) for t in ids], fontsize=fs, rotation=90)
    cb = fig.colorbar(im, ax=ax, shrink=0.6, pad=0.01)
    cb.set_label("correlation of topic proportions over cables", fontsize=8)
    _style(ax, "", "topic", "topic (ordered by average linkage)")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return ids
