"""Differences between covariate levels, as the report presents them.

Which contrasts a reader asks first: a classification against the lowest one present
(SECRET vs UNCLASSIFIED), the busiest late year against the busiest early year of the
dense window (2009 vs 2006 on Cablegate), and each large post against the corpus. Levels
need ``min_cables`` cables. Estimation is `topics.report.effects.estimate_differences`;
here are the choice of contrasts, the forest plot and the table rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from topics.report.effects import estimate_differences
from topics.report.figures_many import MIN_POST_CABLES
from topics.report.timeaxis import DenseWindow

__all__ = ["MIN_LEVEL_CABLES", "choose_comparisons", "difference_table", "estimate_contrasts",
           "plot_differences"]

#: A classification or year level needs this many cables to be contrasted.
MIN_LEVEL_CABLES = 30
_NEUTRAL = "#5F6B73"


def choose_comparisons(
    classification: pd.Series, year: pd.Series, post: pd.Series, window: DenseWindow,
    class_order: Sequence[str], *, min_cables: int = MIN_LEVEL_CABLES,
    min_post: int = MIN_POST_CABLES, max_posts: int = 20,
) -> dict[str, list[tuple[str, str | None]]]:
    """The contrasts of each covariate: ``{"classification": [(a, b)], "year": [...], ...}``.

    Classification: every level with ``min_cables`` against the lowest such level in
    ``class_order``. Year: the busiest dense year of the window's second half against the
    busiest of its first half. Post: each of the ``max_posts`` largest posts with
    ``min_post`` cables against all cables (``(post, None)``).
    """
    out: dict[str, list[tuple[str, str | None]]] = {}
    cc = classification.astype(str).value_counts()
    levels = [c for c in class_order if cc.get(c, 0) >= min_cables]
    if len(levels) >= 2:
        out["classification"] = [(lv, levels[0]) for lv in reversed(levels[1:])]
    yc = year.dropna().astype(int).astype(str).value_counts()
    dense = [y for y in window.dense if yc.get(y, 0) >= min_cables and y.isdigit()]
    if len(dense) >= 2:
        half = len(dense) // 2
        early = max(dense[:half], key=lambda y: (yc[y], y))
        late = max(dense[half:], key=lambda y: (yc[y], y))
        out["year"] = [(late, early)]
    pc = post.astype(str).value_counts()
    posts = [p for p in pc.index if pc[p] >= min_post][:max_posts]
    if posts:
        out["post"] = [(p, None) for p in posts]
    return out


def estimate_contrasts(
    theme_weight: np.ndarray, theme_ids: list[int], covariates: dict[str, pd.Series],
    comparisons: dict[str, list[tuple[str, str | None]]], *, n_boot: int, seed: int,
    cache: dict | None = None,
) -> pd.DataFrame:
    """`estimate_differences` for every covariate of ``comparisons``, one frame."""
    frames = [
        estimate_differences(theme_weight, theme_ids, covariates[name], pairs, covariate=name,
                             n_boot=n_boot, seed=seed, cache=cache)
        for name, pairs in comparisons.items() if pairs
    ]
    cols = ["theme", "covariate", "level", "reference", "n_level", "n_reference", "diff",
            "ci_low", "ci_high"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def plot_differences(
    ax: Axes, diffs: pd.DataFrame, theme_ids: Sequence[int], labels: dict[int, str], *,
    title: str, order: Sequence[int] | None = None,
) -> Axes:
    """Forest plot of one contrast: each theme's difference with its interval.

    Intervals that exclude 0 are drawn dark, the others pale; themes top to bottom in
    ``order`` (default: by difference).
    """
    d = diffs.set_index("theme").reindex(list(theme_ids))
    if order is None:
        order = list(d.sort_values("diff", ascending=False, kind="stable").index)
    d = d.loc[list(order)]
    y = np.arange(len(d))[::-1]
    sig = (d["ci_low"] > 0) | (d["ci_high"] < 0)
    for col, mask in (("#0072B2", sig.to_numpy()), ("#B8C0C6", ~sig.to_numpy())):
        ax.errorbar(d["diff"].to_numpy()[mask], y[mask],
                    xerr=np.vstack([(d["diff"] - d["ci_low"]).to_numpy()[mask],
                                    (d["ci_high"] - d["diff"]).to_numpy()[mask]]).clip(0),
                    fmt="o", ms=3, color=col, capsize=2, lw=1)
    ax.axvline(0, color=_NEUTRAL, lw=0.8)
    fs = 6.5 if len(d) > 30 else 8
    ax.set_yticks(y, [f"{t}: {_short(labels.get(t, ''), 26)}" for t in d.index], fontsize=fs)
    ax.set_ylim(-0.7, len(d) - 0.3)
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlabel("difference in mean share (percentage points)", fontsize=8)
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{100 * v:+.0f}" if v else "0")
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def differences_figure(
    diffs: pd.DataFrame, theme_ids: Sequence[int], labels: dict[int, str],
) -> Figure | None:
    """Side-by-side forest plots of the first classification and the year contrast."""
    panels = []
    for cov in ("classification", "year"):
        sub = diffs[diffs["covariate"] == cov]
        if not sub.empty:
            first = sub.iloc[0]
            pair = sub[(sub["level"] == first["level"]) & (sub["reference"] == first["reference"])]
            panels.append((pair, f"{first['level']} (n={first['n_level']:,}) minus "
                                 f"{first['reference']} (n={first['n_reference']:,})"))
    if not panels:
        return None
    fig = Figure(figsize=(11, 1.4 + 0.17 * max(6, len(theme_ids))), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    order = list(panels[0][0].sort_values("diff", ascending=False, kind="stable")["theme"])
    for ax, (pair, title) in zip(axes, panels, strict=True):
        plot_differences(ax, pair, theme_ids, labels, title=_short(title, 60), order=order)
    fig.suptitle("Differences in mean theme share between levels (dot: difference; bar: "
                 "bootstrap 95% CI; dark: the interval excludes 0)", fontsize=10, x=0.01,
                 ha="left")
    return fig


def difference_table(
    diffs: pd.DataFrame, covariate: str, themes: list[dict],
) -> dict | None:
    """Theme x contrast cells ``{diff, lo, hi, sig}`` of one covariate for the templates."""
    sub = diffs[diffs["covariate"] == covariate]
    if sub.empty:
        return None
    pairs = list(dict.fromkeys(zip(sub["level"], sub["reference"], strict=True)))
    n = {(r.level, r.reference): (int(r.n_level), int(r.n_reference))
         for r in sub.drop_duplicates(["level", "reference"]).itertuples(index=False)}
    cells = {(r.theme, r.level, r.reference): r for r in sub.itertuples(index=False)}
    rows = []
    for t in themes:
        row = []
        for a, b in pairs:
            r = cells.get((t["id"], a, b))
            row.append(None if r is None else {
                "diff": r.diff, "lo": r.ci_low, "hi": r.ci_high,
                "sig": bool(r.ci_low > 0 or r.ci_high < 0)})
        rows.append({"id": t["id"], "label": t["label"], "cells": row})
    return {"covariate": covariate,
            "columns": [{"level": a, "reference": b, "n": n[(a, b)][0], "n_ref": n[(a, b)][1]}
                        for a, b in pairs],
            "rows": rows}
