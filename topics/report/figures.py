"""Report figures: matplotlib's object API (``Figure``, Agg), never pyplot's global state.

Each ``plot_*`` function takes an ``ax`` and returns it; `report_figures` lays the report's
figures out and returns them; the render layer saves them. Theme colours come from
`theme_colors`, so one theme has one colour in every figure. The palette is Okabe & Ito
(2008) followed by Paul Tol's "muted" scheme, both chosen to stay distinct under the common
colour-vision deficiencies; sequential maps use ``cividis``.
"""

from __future__ import annotations

import io
import logging
import multiprocessing as mp
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import pdist, squareform

from topics.report.figures_many import (  # one figure style for both modules
    _LABEL,
    _TITLE,
    MIN_CELL_CABLES,
    MIN_POST_CABLES,
    _short,
    _style,
    plot_post_heatmap,
    plot_time_heatmap,
    plot_topic_correlation,
    plot_year_counts,
)
from topics.report.timeaxis import MIN_PERIOD_CABLES, DenseWindow, dense_window, period_positions

__all__ = [
    "PALETTE",
    "classical_mds",
    "distinct_colors",
    "encode_figures",
    "figure_png",
    "plot_counts",
    "plot_dendrogram",
    "plot_effects",
    "plot_heatmap",
    "plot_intertopic",
    "plot_prevalence",
    "abbreviate_classification",
    "report_figures",
    "theme_colors",
]

logger = logging.getLogger(__name__)

#: Okabe-Ito (black moved last) then Tol "muted": colour-blind-safe, 16 distinct colours.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
)
_NEUTRAL = "#5F6B73"
#: Small multiples show at most this many themes (the largest); tables show all.
MAX_PANELS = 16


def theme_colors(ids: Sequence[int]) -> dict[int, str]:
    """One colour per theme id, the same in every figure, never the same for two themes.

    Colours follow the sorted ids (so a theme keeps its colour whatever order a figure
    draws themes in). Past 16 themes no palette stays distinct, so every theme gets the
    same neutral grey and figures tell themes apart by position and label instead.

    Parameters
    ----------
    ids : sequence of int

    Returns
    -------
    dict
        id -> hex colour.
    """
    uniq = sorted(set(ids))
    if len(uniq) > len(PALETTE):
        return dict.fromkeys(uniq, _NEUTRAL)
    return {tid: PALETTE[i] for i, tid in enumerate(uniq)}


def distinct_colors(ids: Sequence[int]) -> bool:
    """Whether `theme_colors` gives these themes distinct colours (16 themes or fewer)."""
    return len(set(ids)) <= len(PALETTE)


def figure_png(fig: Figure, *, dpi: int = 96) -> bytes:
    """PNG bytes of a figure (Agg canvas; the figure is not kept anywhere global)."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


#: Figures handed to forked encoder processes (set only while `encode_figures` runs).
_TO_ENCODE: list[Figure] | None = None


def _encode_at(i: int) -> bytes:
    assert _TO_ENCODE is not None
    return figure_png(_TO_ENCODE[i])


def encode_figures(figs: dict[str, Figure], *, processes: int | None = None) -> dict[str, bytes]:
    """PNG bytes of every figure; many figures are encoded by forked processes.

    Drawing a figure to PNG is most of a report's figure time (50 per-theme figures at
    K = 50). With 12 figures or more and two CPUs or more, the figures, already built, are
    shared with forked worker processes (copy-on-write, nothing pickled but the PNG bytes)
    that draw their share; elsewhere (no ``fork``, one CPU) they are drawn in turn.

    Parameters
    ----------
    figs : dict
        Stem -> Figure.
    processes : int, optional
        Workers; default the CPUs this process may use, at most 4.

    Returns
    -------
    dict
        Stem -> PNG bytes, in the order of ``figs``.
    """
    global _TO_ENCODE
    stems = list(figs)
    try:
        n_cpu = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n_cpu = os.cpu_count() or 1
    n_proc = min(processes or n_cpu, 4, len(stems))
    if len(stems) < 12 or n_proc < 2 or "fork" not in mp.get_all_start_methods():
        return {stem: figure_png(figs[stem]) for stem in stems}
    _TO_ENCODE = [figs[stem] for stem in stems]
    try:
        with mp.get_context("fork").Pool(n_proc) as pool:
            pngs = pool.map(_encode_at, range(len(stems)), chunksize=2)
    finally:
        _TO_ENCODE = None
    return dict(zip(stems, pngs, strict=True))


def _new(width: float, height: float, *, constrained: bool = True) -> Figure:
    # constrained layout costs a full text-extent pass; the many per-theme figures use fixed
    # margins instead (labels are shortened to fit them)
    return Figure(figsize=(width, height), layout="constrained" if constrained else None)


def _year_ticks(ax: Axes) -> None:
    # ticks at whole years whatever the period: labels never crowd where periods do
    ax.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True, min_n_ticks=1))


def plot_counts(
    ax: Axes, rows: list[dict], *, title: str, xlabel: str, ylabel: str,
    horizontal: bool = False, color: str = _NEUTRAL, value: str = "count", max_label: int = 34,
) -> Axes:
    """Bars from ``[{"name", "count", "share"}, ...]``; horizontal bars read top-down."""
    names = [_short(str(r["name"]), max_label) for r in rows]
    vals = [r[value] for r in rows]
    if not rows:
        ax.text(0.5, 0.5, "nothing to show", ha="center", va="center", transform=ax.transAxes)
    elif horizontal:
        pos = np.arange(len(rows))[::-1]
        ax.barh(pos, vals, color=color, label=ylabel)
        ax.set_yticks(pos, names)
        if value == "count":
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        pos = np.arange(len(rows))
        ax.bar(pos, vals, color=color, label=ylabel)
        step = max(1, len(rows) // 20)
        ax.set_xticks(pos[::step], names[::step], rotation=45 if len(rows) > 8 else 0,
                      ha="right" if len(rows) > 8 else "center")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _style(ax, title, xlabel, ylabel)


def plot_prevalence(
    ax: Axes, ax_n: Axes | None, counts: pd.DataFrame, themes: Sequence[int],
    colors: dict[int, str], *, title: str, unit: str, labels: dict[int, str] | None = None,
    window: DenseWindow | None = None, min_cables: int = MIN_PERIOD_CABLES,
) -> Axes:
    """Share of each period's cables in each theme; bars of cables per period in ``ax_n``.

    The axis spans ``window`` (by default `dense_window` of ``counts``), periods spaced as
    real time; only periods with ``min_cables`` or more cables get a share point, so sparse
    periods are gaps that no line bridges. The cut is stated under the count bars.

    Parameters
    ----------
    counts : pandas.DataFrame
        Index periods (sorted str), columns theme ids, values cable counts.
    window : DenseWindow, optional
    """
    counts = counts.sort_index()
    if window is None:
        window = dense_window(list(counts.index), counts.sum(axis=1).tolist(),
                              min_cables=min_cables, unit=unit)
    step = 1.0 if unit == "year" else 1 / 12
    if window.start is None:
        ax.text(0.5, 0.5, window.note(unit), ha="center", va="center", transform=ax.transAxes)
        return _style(ax, title, unit, "share of the period's cables")
    inside = [p for p in counts.index if window.contains(str(p))]
    counts = counts.loc[inside]
    total = counts.sum(axis=1).to_numpy()
    x = period_positions(counts.index)
    dense = np.array([str(p) in set(window.dense) for p in counts.index], dtype=bool)
    lo, hi = period_positions([window.start, window.end])
    grid = np.round((np.arange(lo, hi + step / 2, step)) * 12) / 12
    slot = np.searchsorted(grid, np.round(x * 12) / 12)
    for tid in themes:
        col = counts[tid].to_numpy() if tid in counts.columns else np.zeros(len(counts))
        share = np.full(len(grid), np.nan)
        share[slot[dense]] = col[dense] / total[dense]
        name = f"{tid}: {_short(labels[tid], 22)}" if labels else str(tid)
        ax.plot(grid, share, lw=1.3, color=colors[tid], label=name, marker="o", ms=3)
    ax.set_ylim(bottom=0)
    ax.set_xlim(lo - 0.6 * step, hi + 0.6 * step)
    _style(ax, title, "" if ax_n is not None else unit, "share of the period's cables")
    if ax_n is not None:
        ax.tick_params(labelbottom=False)
        width = 0.8 * step
        ax_n.bar(x[dense], total[dense], color=_NEUTRAL, width=width)
        ax_n.bar(x[~dense], total[~dense], color="#C9CED2", width=width)
        _style(ax_n, "", "", "cables")
        ax_n.set_xlabel(window.short_note(unit), fontsize=7, color=_NEUTRAL)
        ax_n.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        _year_ticks(ax_n)
    else:
        ax.set_xlabel(window.short_note(unit), fontsize=7, color=_NEUTRAL)
        _year_ticks(ax)
    return ax


def plot_heatmap(
    ax: Axes, matrix: pd.DataFrame, *, title: str, xlabel: str, ylabel: str,
    cbar_label: str, fig: Figure,
) -> Axes:
    """Heat map of a (rows x columns) table of shares, cividis, values printed when few cells."""
    vals = matrix.to_numpy(dtype=float)
    im = ax.imshow(vals, aspect="auto", cmap="cividis", vmin=0,
                   vmax=max(float(np.nanmax(vals)) if vals.size else 1.0, 1e-9))
    ax.set_xticks(np.arange(matrix.shape[1]), [_short(str(c), 24) for c in matrix.columns],
                  rotation=55, ha="right")
    ax.set_yticks(np.arange(matrix.shape[0]), [str(r) for r in matrix.index])
    if vals.size <= 300:
        for (i, j), v in np.ndenumerate(vals):
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=6,
                    color="black" if v > 0.5 * im.norm.vmax else "white")
    cb = fig.colorbar(im, ax=ax, shrink=0.8)
    cb.set_label(cbar_label, fontsize=_LABEL)
    _style(ax, title, xlabel, ylabel)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return ax


def classical_mds(dist: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS / PCoA of a distance matrix, as LDAvis does.

    Parameters
    ----------
    dist : numpy.ndarray
        Shape (n, n), symmetric, zero diagonal.

    Returns
    -------
    numpy.ndarray
        Shape (n, n_components); signs fixed so each axis' largest coordinate is positive.
    """
    n = dist.shape[0]
    j = np.eye(n) - np.full((n, n), 1.0 / n)
    b = -0.5 * j @ (dist**2) @ j
    vals, vecs = np.linalg.eigh(b)
    order = np.argsort(-vals, kind="stable")[:n_components]
    coords = vecs[:, order] * np.sqrt(np.clip(vals[order], 0, None))
    if coords.shape[1] < n_components:
        coords = np.hstack([coords, np.zeros((n, n_components - coords.shape[1]))])
    flip = np.sign(coords[np.argmax(np.abs(coords), axis=0), np.arange(n_components)])
    return coords * np.where(flip == 0, 1, flip)


def intertopic_coords(topic_term: np.ndarray) -> np.ndarray:
    """Topic positions as in LDAvis: classical MDS of Jensen-Shannon distances.

    Parameters
    ----------
    topic_term : numpy.ndarray
        Shape (n_topics, n_terms); rows are normalised here.

    Returns
    -------
    numpy.ndarray
        Shape (n_topics, 2).
    """
    p = np.clip(np.asarray(topic_term, dtype=np.float64), 0, None)
    p = p / np.where(p.sum(axis=1, keepdims=True) > 0, p.sum(axis=1, keepdims=True), 1)
    if len(p) < 2:
        return np.zeros((len(p), 2))
    dist = squareform(np.nan_to_num(pdist(p, "jensenshannon"), nan=1.0))
    return classical_mds(dist)


def short_label(label: str, n: int = 14) -> str:
    """The first term of a label ("nuclear, iaea, ..." -> "nuclear"), at most ``n`` chars."""
    first = str(label).split(",")[0].strip().replace("_", " ")
    return _short(first, n)


def plot_intertopic(
    ax: Axes, topic_term: np.ndarray, share: np.ndarray, topic_ids: Sequence[int],
    topic_theme: dict[int, int], colors: dict[int, str], labels: dict[int, str] | None = None,
    xy: np.ndarray | None = None,
) -> Axes:
    """Topics placed by classical MDS of Jensen-Shannon distances, sized by prevalence.

    Each circle carries its id and, with ``labels``, a short label (the first term).
    """
    if xy is None:
        xy = intertopic_coords(topic_term)
    share = np.asarray(share, dtype=float)
    sizes = 40 + 2400 * share / max(float(share.max()), 1e-12)
    cols = [colors.get(topic_theme.get(t, -1), _NEUTRAL) for t in topic_ids]
    ax.scatter(xy[:, 0], xy[:, 1], s=sizes, c=cols, alpha=0.45, edgecolors="black",
               linewidths=0.6)
    ax.margins(0.12)
    span = np.ptp(xy, axis=0) if len(xy) > 1 else np.ones(2)
    span = np.where(span > 0, span, 1.0)
    many = len(topic_ids) > 30
    lab = _repel(xy / span, min_dist=0.05 if labels else 0.045) * span
    for (x, y), (lx, ly), t in zip(xy, lab, topic_ids, strict=True):
        moved = abs(lx - x) > 1e-9 or abs(ly - y) > 1e-9
        text = f"{t} {short_label(labels[t])}" if labels and t in labels else str(t)
        ax.annotate(text, (x, y), xytext=(lx, ly), ha="center", va="center",
                    fontsize=6.5 if many else 8, fontweight="bold" if not labels else "normal",
                    bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none",
                          "alpha": 0.75},
                    arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5}
                    if moved else None)
    _style(ax, "Intertopic distance map (Jensen-Shannon, classical MDS); "
           "area: prevalence", "PC1", "PC2")
    ax.axhline(0, color="#DDDDDD", lw=0.8, zorder=0)
    ax.axvline(0, color="#DDDDDD", lw=0.8, zorder=0)
    return ax


def _repel(xy: np.ndarray, *, min_dist: float, n_iter: int = 60) -> np.ndarray:
    """Label positions near ``xy`` (normalised units) at least about ``min_dist`` apart.

    Deterministic: overlapping labels push each other apart along the line joining them
    (a fixed direction per pair when they coincide).
    """
    pos = np.asarray(xy, dtype=float).copy()
    n = len(pos)
    for _ in range(n_iter):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                d = pos[j] - pos[i]
                dist = float(np.hypot(*d))
                if dist < min_dist:
                    if dist < 1e-12:
                        ang = 2 * np.pi * (i * 7 + j) / 13
                        d, dist = np.array([np.cos(ang), np.sin(ang)]), 1.0
                    push = (min_dist - min(dist, min_dist)) / 2 + 1e-4
                    pos[i] -= d / dist * push
                    pos[j] += d / dist * push
                    moved = True
        if not moved:
            break
    return pos


def plot_dendrogram(
    ax: Axes, centers: np.ndarray, theme_ids: Sequence[int], labels: dict[int, str],
    colors: dict[int, str],
) -> Axes:
    """Ward linkage over theme centers (mean doc-topic vectors), drawn leaves on the left."""
    z = linkage(centers, method="ward")
    names = [f"{t}: {_short(labels[t], 30)}" for t in theme_ids]
    d = dendrogram(z, no_plot=True, labels=names, orientation="right")
    for ys, xs in zip(d["icoord"], d["dcoord"], strict=True):
        ax.plot(xs, ys, color=_NEUTRAL, lw=1.2)
    pos = 5 + 10 * np.arange(len(d["ivl"]))
    ax.set_yticks(pos, d["ivl"])
    by_name = dict(zip(names, theme_ids, strict=True))
    # pale theme colours do not read as text: dark labels, a colour dot at each leaf
    ax.scatter(np.zeros(len(pos)), pos, s=36, c=[colors[by_name[n]] for n in d["ivl"]],
               edgecolors="black", linewidths=0.5, zorder=3, clip_on=False)
    ax.set_ylim(0, 10 * len(d["ivl"]))
    return _style(ax, "Theme hierarchy (Ward linkage over theme centers)",
                  "linkage distance", "theme")


def plot_effects(
    ax: Axes, eff: pd.DataFrame, color: str, *, title: str, xlabel: str, line: bool
) -> Axes:
    """Expected share with its confidence interval per covariate level (one theme).

    ``line=True`` reads levels as years (numeric x, a band); otherwise categories (points
    with error bars).
    """
    x = period_positions(eff["level"]) if line else np.arange(len(eff), dtype=float)
    mean = eff["mean"].to_numpy()
    err = np.vstack([mean - eff["ci_low"].to_numpy(), eff["ci_high"].to_numpy() - mean])
    if line:
        gap = np.flatnonzero(np.r_[False, np.diff(x) > 1.5])  # no band across missing years
        xs = np.insert(x, gap, np.nan)
        lo, hi = (np.insert(eff[c].to_numpy(dtype=float), gap, np.nan)
                  for c in ("ci_low", "ci_high"))
        ax.fill_between(xs, lo, hi, color=color, alpha=0.25, lw=0, label="95% CI")
        ax.plot(xs, np.insert(mean, gap, np.nan), color=color, marker="o", ms=2.5, lw=1.3,
                label="expected share")
    else:
        ax.errorbar(x, mean, yerr=np.clip(err, 0, None), fmt="o", color=color, ms=4,
                    capsize=3, label="expected share, 95% CI")
    if line:
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True, min_n_ticks=1))
    else:
        ax.set_xticks(x, [_short(abbreviate_classification(str(v)), 14) for v in eff["level"]],
                      rotation=40, ha="right")
    ax.set_ylim(bottom=0)
    _style(ax, "", xlabel, "expected share")
    ax.set_title(title, fontsize=_LABEL + 0.5, loc="left")
    return ax


_CLASS_ABBREV = (
    ("UNCLASSIFIED//FOR OFFICIAL USE ONLY", "U//FOUO"), ("LIMITED OFFICIAL USE", "LOU"),
    ("UNCLASSIFIED", "U"), ("CONFIDENTIAL", "C"), ("TOP SECRET", "TS"), ("SECRET", "S"),
    ("NOFORN", "NF"),
)


def abbreviate_classification(level: str) -> str:
    """Standard marking abbreviations (``SECRET//NOFORN`` -> ``S//NF``) for crowded axes."""
    out = level
    for full, short in _CLASS_ABBREV:
        out = out.replace(full, short)
    return out


def _grid(n: int, ncols: int) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return int(np.ceil(n / ncols)), ncols


def report_figures(data: Any, effects: pd.DataFrame) -> dict[str, tuple[Figure, str]]:
    """All figures of the report.

    Parameters
    ----------
    data : ReportData
        From `topics.report.data.build_report_data`.
    effects : pandas.DataFrame
        From `topics.report.effects.estimate_effects`.

    Returns
    -------
    dict
        File stem -> (figure, alt text). Stems: ``corpus_years``, ``corpus_classification``,
        ``corpus_posts``, ``rejects`` (when there are rejects), ``theme_sizes``,
        ``theme_<id>`` per theme, ``themes_over_time`` (ranked heat map),
        ``themes_by_post``, ``intertopic`` (when the topic-term matrix is present),
        ``topic_correlation`` (3 topics or more), ``dendrogram`` (3 to 30 themes),
        ``effects_year``, ``effects_classification``.
    """
    s = data.sections
    corpus = s["corpus"]
    ids = [t["id"] for t in s["themes"]]
    colors = theme_colors(data.theme_ids)
    labels = {t["id"]: t["label"] for t in s["themes"]}
    unit = s["period_unit"]
    window = data.window
    out: dict[str, tuple[Figure, str]] = {}

    fig = _new(7.5, 3.2)
    plot_year_counts(fig.add_subplot(), corpus["by_year"],
                     window=window if unit == "year" else None)
    out["corpus_years"] = (fig, "Bar chart of cables by year, years spaced as real years")
    fig = _new(7.5, 0.6 + 0.32 * max(2, len(corpus["by_classification"])))
    plot_counts(fig.add_subplot(), corpus["by_classification"], title="Cables by classification",
                xlabel="cables", ylabel="classification", horizontal=True)
    out["corpus_classification"] = (fig, "Bar chart of cables by classification")
    fig = _new(7.5, 0.8 + 0.26 * max(2, len(corpus["by_post"])))
    plot_counts(fig.add_subplot(), corpus["by_post"], title="Cables by post (top 20)",
                xlabel="cables", ylabel="post", horizontal=True)
    out["corpus_posts"] = (fig, "Bar chart of cables by sending post, top 20")
    if corpus["rejects_by_reason"]:
        fig = _new(7.5, 0.8 + 0.3 * len(corpus["rejects_by_reason"][:15]))
        plot_counts(fig.add_subplot(), corpus["rejects_by_reason"][:15],
                    title="Records not ingested, by reason", xlabel="records", ylabel="reason",
                    horizontal=True, color=PALETTE[3], max_label=60)
        out["rejects"] = (fig, "Bar chart of records not ingested, by reason")

    fig = _new(7.5, 0.8 + 0.2 * max(2, len(ids)))
    ax = fig.add_subplot()
    rows = [{"name": f"{t['id']}: {t['label']}", "count": t["size"]} for t in s["themes"]]
    plot_counts(ax, rows, title="Theme sizes", xlabel="cables", ylabel="theme", horizontal=True)
    if len(ids) > 30:
        ax.tick_params(axis="y", labelsize=6.5)
    for bar, t in zip(ax.patches, s["themes"], strict=True):
        bar.set_color(colors[t["id"]])
    out["theme_sizes"] = (fig, "Bar chart of cables per theme")

    by_period = data.frames["theme_by_period"]
    by_post = data.frames["theme_by_post"]
    by_class = data.frames["theme_by_class"]
    for th in s["per_theme"]:
        tid = th["id"]
        fig = _new(11, 4.2, constrained=False)
        gs = fig.add_gridspec(3, 3, width_ratios=[1.5, 1, 1], left=0.06, right=0.98,
                              bottom=0.17, top=0.84, wspace=0.62, hspace=0.35)
        ax_t = fig.add_subplot(gs[0:2, 0])
        ax_n = fig.add_subplot(gs[2, 0], sharex=ax_t)
        plot_prevalence(ax_t, ax_n, by_period, [tid], colors,
                        title=f"Theme {tid} over time", unit=unit, window=window)
        plot_counts(fig.add_subplot(gs[:, 1]), th["by_post"], title="Top 10 posts",
                    xlabel="cables in this theme", ylabel="", horizontal=True,
                    color=colors[tid], max_label=26)
        plot_counts(fig.add_subplot(gs[:, 2]), _share_rows(by_class, tid, top=None),
                    title="By classification", xlabel="share of the level's cables", ylabel="",
                    horizontal=True, color=colors[tid], value="share", max_label=24)
        fig.suptitle(f"Theme {tid}: {labels[tid]}", fontsize=_TITLE + 1, x=0.01, ha="left")
        out[f"theme_{tid}"] = (fig, f"Theme {tid} by {unit}, by post and by classification")

    fig = _new(11, 1.6 + 0.2 * max(4, len(ids)))
    plot_time_heatmap(fig.add_subplot(), by_period, ids, labels, window, fig=fig, unit=unit)
    fig.suptitle(f"Themes over time, {window.note(unit)}", fontsize=_TITLE, x=0.01, ha="left")
    out["themes_over_time"] = (fig, f"Heat map of every theme's share per {unit} relative to "
                               "its overall share, themes ordered by the period of their peak")

    fig = _new(11, 2.2 + 0.2 * max(4, len(ids)))
    # a small corpus (the 400-cable sample) has no post with 20 cables: 1% of the cables
    min_post = int(min(MIN_POST_CABLES, max(MIN_CELL_CABLES + 2, s["n_cables"] // 100)))
    posts, n_left = plot_post_heatmap(fig.add_subplot(), by_post, ids, labels, fig=fig,
                                      min_post=min_post)
    left = f"; {n_left:,} posts with fewer than {min_post} cables left out" if n_left \
        else ""
    fig.suptitle(f"Themes by post: the {len(posts)} largest posts; number: cables; empty: "
                 f"fewer than {MIN_CELL_CABLES}{left}", fontsize=_TITLE, x=0.01, ha="left")
    out["themes_by_post"] = (fig, "Heat map of theme shares by post with cable counts")

    topic_ids = [t["id"] for t in s["topics"]] if len(s["topics"]) == len(
        data.topic_share) else list(range(len(data.topic_share)))
    topic_labels = {t["id"]: t["label"] for t in s["topics"]}
    if data.topic_term is not None and len(data.topic_share) > 1:
        many = len(topic_ids) > 30
        fig = _new(10 if many else 7.5, 8.5 if many else 6.5)
        ax = fig.add_subplot()
        plot_intertopic(ax, data.topic_term, data.topic_share, topic_ids, data.topic_theme,
                        colors, labels=topic_labels, xy=data.topic_xy)
        one_each = all(len(t.get("topics") or []) <= 1 for t in s["themes"])
        if not one_each and distinct_colors(ids):  # colour says the theme
            handles = [ax.scatter([], [], s=40, color=colors[t], label=f"theme {t}")
                       for t in sorted(ids)]
            ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1),
                      frameon=False, title="colour", title_fontsize=8)
        out["intertopic"] = (fig, "Topics placed by the distance between their term "
                             "distributions; circle area follows prevalence")

    if len(topic_ids) >= 3 and data.topic_corr is not None:
        k = len(topic_ids)
        fig = _new(min(12, 4 + 0.16 * k), min(11, 2.5 + 0.15 * k))
        plot_topic_correlation(fig.add_subplot(), data.topic_corr, topic_ids, topic_labels,
                               fig=fig)
        fig.suptitle("Topic correlation (as stm's topicCorr): topics that share cables",
                     fontsize=_TITLE, x=0.01, ha="left")
        out["topic_correlation"] = (fig, "Heat map of correlations between topic proportions, "
                                    "topics ordered by average linkage")

    # a hierarchy of two leaves says nothing; past 30 the correlation view carries it
    if 3 <= len(ids) <= 30:
        w = data.frames["cables"]
        dtw = w[[c for c in w.columns if c.startswith("topic_")]].to_numpy(dtype=float)
        tw = data.theme_weight
        j_of = {t: j for j, t in enumerate(data.theme_ids)}
        cols = [j_of[t] for t in ids]
        denom = tw[:, cols].sum(axis=0)
        centers = (tw[:, cols].T @ dtw) / np.where(denom > 0, denom, 1)[:, None]
        fig = _new(7.5, 1.0 + 0.28 * len(ids))
        plot_dendrogram(fig.add_subplot(), centers, ids, labels, colors)
        out["dendrogram"] = (fig, "Dendrogram of themes")

    for cov, xlabel, line in (("year", "year", True), ("classification", "classification", False)):
        eff = effects[effects["covariate"] == cov]
        if line:  # the dense years only: a handful of cables gives bands wider than the panel
            eff = eff[eff["level"].astype(str).isin(set(window.dense))]
        if eff.empty or eff["level"].nunique() < 2:
            continue
        shown = ids[:MAX_PANELS]
        nrows, ncols = _grid(len(shown), 4)
        height = 0.9 + 2.1 * nrows
        fig = _new(11, height, constrained=False)
        fig.subplots_adjust(left=0.07, right=0.98, top=1 - 0.75 / height,
                            bottom=(0.75 if line else 1.3) / height, wspace=0.3, hspace=0.5)
        for i, tid in enumerate(shown):
            ax = fig.add_subplot(nrows, ncols, i + 1)
            plot_effects(ax, eff[eff["theme"] == tid], colors[tid],
                         title=f"{tid}: {_short(labels[tid], 27)}",
                         xlabel=xlabel if i >= len(shown) - ncols else "", line=line)
            if i + ncols < len(shown):  # the panel below carries the same level labels
                ax.tick_params(labelbottom=False)
        what = "line: mean share, band" if line else "point: mean share, bar"
        if line:
            what = f"{unit}s with {window.min_cables}+ cables; " + what
        fig.suptitle(f"Mean theme share per {cov} level ({what}: bootstrap 95% CI over "
                     "cables)", fontsize=_TITLE + 1, x=0.01, ha="left")
        if not line:
            fig.text(0.01, 0.01, "U: unclassified, FOUO: for official use only, LOU: limited "
                     "official use, C: confidential, S: secret, NF: NOFORN", fontsize=8,
                     color=_NEUTRAL)
        which = (f"the {len(shown)} largest of {len(ids)} themes (all are in the table)"
                 if len(shown) < len(ids) else "each theme")
        out[f"effects_{cov}"] = (fig, f"Mean share of {which} per {cov} level with bootstrap "
                                 "95% confidence intervals")
    return out


def _share_rows(counts: pd.DataFrame, tid: int, top: int | None = 10) -> list[dict]:
    """Rows ``{"name", "count", "share"}``: a theme's share of each level's cables."""
    if counts.empty:
        return []
    total = counts.sum(axis=1)
    col = counts[tid] if tid in counts.columns else pd.Series(0, index=counts.index)
    rows = [
        {"name": str(k), "count": int(col[k]), "share": float(col[k] / total[k]) if total[k] else 0}
        for k in counts.index
    ]
    return rows[:top] if top else rows
