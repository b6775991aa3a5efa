"""Report sections on what the corpus represents: coverage-weighted prevalence and events.

Two sections the report adds after its own (`extra_sections`), each with its figure and CSV:

* **Weighted prevalence** (``[report] weighted_prevalence = true``; off by default): theme
  prevalence re-weighted by the inverse of each post-year's estimated observed share
  (`topics.prevalence`), beside the raw prevalence, from the ``coverage.csv`` named by
  ``[report] coverage`` (written by ``cable-topics coverage``), or else estimated from the
  run's own ids. Where no id carries a serial (FRUS), the section says so.
* **Events** (``[report] events = true``): bursts in each theme's share of the monthly cables
  (`topics.events`), with their months and the cables that carry them, shaded on each
  theme's over-time panel and on a figure of the themes' monthly shares.

The coverage figures (`plot_coverage_heatmap`, `plot_coverage_ranked`) also serve
``cable-topics coverage --figures`` and ``docs/coverage.md``. Plotting uses matplotlib's
object API only; nothing here touches pyplot's global state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from topics.events import detect_events
from topics.prevalence import load_coverage, weighted_prevalence
from topics.report.exports import neutralize_frame
from topics.runinfo import atomic_write_bytes as atomic_write

__all__ = [
    "coverage_figures",
    "extra_sections",
    "mark_bursts",
    "plot_coverage_heatmap",
    "plot_coverage_ranked",
    "plot_events",
    "plot_weighted_prevalence",
]

logger = logging.getLogger(__name__)

#: Defaults of the ``[report]`` keys read here (docs/config.md).
DEFAULTS = {"weighted_prevalence": False, "coverage": "", "events": True,
            "events_alpha": 0.05, "events_min_month_cables": 10}


def _fig(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _png(fig: Figure) -> bytes:
    from topics.report.figures import figure_png

    return figure_png(fig)


# --------------------------------------------------------------------------- coverage
def _empty(ax: Axes, text: str) -> Axes:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return ax


def plot_coverage_heatmap(table: pd.DataFrame, ax: Axes, *, n_posts: int = 40,
                          years: tuple[int, int] | None = None,
                          exclude: Sequence[str] = ()) -> Axes:
    """Share observed (MVU) by post and year, the ``n_posts`` posts with most cables.

    Blank cells: no cable, or fewer serials than the table's ``min_cables``."""
    t = table[~table["post"].isin(list(exclude))]
    if years is not None:
        t = t[(t["year"] >= years[0]) & (t["year"] <= years[1])]
    posts = (t.groupby("post")["n_observed"].sum().sort_values(ascending=False, kind="stable")
             .head(n_posts).index.tolist())
    ys = sorted(t["year"].unique())
    if not posts or not ys:
        return _empty(ax, "no post-year with a serial")
    share = t[t["meaningful"].astype(bool)].pivot_table(index="post", columns="year",
                                                        values="share_mvu")
    grid = share.reindex(index=posts, columns=ys).to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="viridis", vmin=0,
                   vmax=max(0.05, float(np.nanquantile(grid, 0.98)) if np.isfinite(grid).any()
                            else 0.05), interpolation="nearest")
    ax.set_yticks(range(len(posts)), posts, fontsize=7)
    ax.set_xticks(range(len(ys)), [str(y) for y in ys], fontsize=7, rotation=90)
    ax.figure.colorbar(im, ax=ax, label="estimated share observed (MVU)", shrink=0.6)
    ax.set_title(f"Share of each post-year's cables observed ({len(posts)} posts with most "
                 "cables)", fontsize=9)
    return ax


def plot_coverage_ranked(table: pd.DataFrame, ax: Axes, *,
                         years: tuple[int, int] | None = None,
                         exclude: Sequence[str] = ()) -> Axes:
    """Every meaningful post-year's share observed, ranked, with its credible interval."""
    t = table[table["meaningful"].astype(bool) & ~table["post"].isin(list(exclude))]
    if years is not None:
        t = t[(t["year"] >= years[0]) & (t["year"] <= years[1])]
    t = t.sort_values(["share_bayes", "post", "year"], kind="stable")
    if t.empty:
        return _empty(ax, "no post-year with enough serials")
    x = np.arange(len(t))
    ax.vlines(x, t["share_low"], t["share_high"], color="0.75", linewidth=0.6)
    ax.scatter(x, t["share_bayes"], s=3, color="C0", zorder=3, label="posterior mean")
    ax.set_yscale("log")
    ax.set_xlabel(f"post-years, ranked ({len(t):,})")
    ax.set_ylabel("estimated share observed")
    med = float(np.median(t["share_bayes"])) if len(t) else float("nan")
    if np.isfinite(med):
        ax.axhline(med, color="C1", linewidth=0.8, linestyle="--", label=f"median {med:.1%}")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Share observed by post-year (95% credible intervals)", fontsize=9)
    return ax


def coverage_figures(table: pd.DataFrame, out_dir: str | Path, *,
                     years: tuple[int, int] | None = None,
                     exclude: Sequence[str] = ()) -> list[Path]:
    """Write ``coverage_heatmap.png`` and ``coverage_ranked.png`` into ``out_dir``."""
    out_dir = Path(out_dir)
    fig = _fig(8, 9)
    plot_coverage_heatmap(table, fig.add_subplot(), years=years, exclude=exclude)
    paths = [atomic_write(out_dir / "coverage_heatmap.png", _png(fig))]
    fig = _fig(8, 4)
    plot_coverage_ranked(table, fig.add_subplot(), years=years, exclude=exclude)
    paths.append(atomic_write(out_dir / "coverage_ranked.png", _png(fig)))
    return paths


# --------------------------------------------------------------------------- figures
def plot_weighted_prevalence(table: pd.DataFrame, labels: dict[int, str], ax: Axes) -> Axes:
    """Raw (circles) and coverage-weighted (diamonds) prevalence per theme."""
    t = table.sort_values(["raw", "theme"], ascending=[True, True], kind="stable")
    y = np.arange(len(t))
    ax.hlines(y, t["raw"], t["weighted"], color="0.6", linewidth=1)
    ax.scatter(t["raw"], y, color="C0", label="raw", zorder=3)
    ax.scatter(t["weighted"], y, color="C3", marker="D", label="weighted by coverage", zorder=3)
    ax.set_yticks(y, [f"{tid}: {labels.get(int(tid), '')[:30]}" for tid in t["theme"]],
                  fontsize=7)
    ax.set_xlabel("share of cables (theme weight)")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Theme prevalence: raw and re-weighted by each post-year's observed share",
                 fontsize=9)
    return ax


def plot_events(monthly: pd.DataFrame, bursts: list, labels: dict[int, str], *,
                max_themes: int = 12) -> Figure | None:
    """Monthly share of each theme with bursts, burst months shaded."""
    themes = sorted({b.theme for b in bursts})[:max_themes]
    if not themes:
        return None
    ncols = 2 if len(themes) > 1 else 1
    nrows = int(np.ceil(len(themes) / ncols))
    fig = _fig(9, 1.9 * nrows + 0.5)
    months = list(monthly.index)
    x = np.arange(len(months))
    d = monthly["all"].to_numpy(dtype=float)
    for i, tid in enumerate(themes):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        share = np.divide(monthly[tid].to_numpy(dtype=float), d, out=np.zeros_like(d),
                          where=d > 0)
        ax.plot(x, share, color="C0", linewidth=1)
        for b in bursts:
            if b.theme == tid:
                ax.axvspan(months.index(b.start) - 0.5, months.index(b.end) + 0.5,
                           color="C3", alpha=0.25, linewidth=0)
        ax.set_title(f"{tid}: {labels.get(tid, '')[:40]}", fontsize=8)
        step = max(1, len(months) // 6)
        ax.set_xticks(x[::step], [months[j] for j in range(0, len(months), step)], fontsize=6)
        ax.tick_params(axis="y", labelsize=6)
    fig.suptitle("Monthly share of cables per theme; shaded: bursts (Kleinberg 2002)",
                 fontsize=9)
    return fig


def _month_x(month: str) -> float:
    """x of a ``YYYY-MM`` month on the report's time axes (year + (month - 1) / 12)."""
    year, _, mm = month.partition("-")
    return int(year) + (int(mm) - 1) / 12


def mark_bursts(figures: dict[str, tuple[Figure, str]], bursts: list) -> int:
    """Shade each burst's months on its theme's over-time panel (``theme_<id>`` figures,
    the axes titled ``Theme <id> over time``); returns the number of spans drawn."""
    n = 0
    for b in bursts:
        entry = figures.get(f"theme_{b.theme}")
        if entry is None:
            continue
        fig, alt = entry
        title = f"Theme {b.theme} over time"
        axes = [ax for ax in fig.axes
                if any(ax.get_title(loc).startswith(title) for loc in ("center", "left", "right"))]
        if not axes:
            continue
        axes[0].axvspan(_month_x(b.start) - 0.5 / 12, _month_x(b.end) + 0.5 / 12,
                        color="C3", alpha=0.18, linewidth=0, zorder=0)
        if "bursts shaded" not in alt:
            figures[f"theme_{b.theme}"] = (fig, alt + "; bursts shaded (see Events)")
        n += 1
    return n


# --------------------------------------------------------------------------- sections
_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)

_WEIGHTED_HTML = _ENV.from_string("""
<section id="weighted-prevalence">
<h2>Prevalence weighted by coverage</h2>
<p><strong>Re-weighted estimate</strong>: each cable counts 1 / (its post-year's estimated
observed share) cables, the share estimated from reference serials in {{ source }} (Gill
&amp; Spirling 2015). It estimates each theme's share of what the posts <em>sent</em>; the
raw share is what the corpus <em>holds</em>. See docs/coverage.md.</p>
{% if note %}<p><strong>Not available:</strong> {{ note }}.</p>{% else %}
<p>{{ n_weighted }} of {{ n_cables }} cables weighted ({{ n_serial }} carry a serial; the
others' post-years have no meaningful estimate); Kish effective sample size {{ eff }}: the
weighted shares are as precise as shares of that many unweighted cables.</p>
{% if fig %}<img src="{{ fig }}" alt="Raw and coverage-weighted prevalence per theme">{% endif %}
<table><thead><tr><th>theme</th><th>label</th><th>raw</th><th>weighted</th><th>difference</th>
</tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.theme }}</td><td>{{ r.label }}</td><td>{{ r.raw }}</td>
<td>{{ r.weighted }}</td><td>{{ r.difference }}</td></tr>
{% endfor %}</tbody></table>
<p>Post-years carrying the most weight:</p>
<table><thead><tr><th>post</th><th>year</th><th>cables here</th><th>estimated sent</th>
<th>share observed</th><th>share of weight</th></tr></thead><tbody>
{% for p in tops %}<tr><td>{{ p.post }}</td><td>{{ p.year }}</td><td>{{ p.n_in_corpus }}</td>
<td>{{ p.sent }}</td><td>{{ p.observed }}</td><td>{{ p.share }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
</section>
""")

_EVENTS_HTML = _ENV.from_string("""
<section id="events">
<h2>Events: bursts in themes over time</h2>
<p>Months in which a theme's share of the cables rose above its own rate (Kleinberg 2002,
two-state automaton), kept when a theme without bursts would show one with probability at
most {{ alpha }} (Monte Carlo).</p>
{% if not rows %}<p>No burst found{{ why }}.</p>{% else %}
{% if fig %}<img src="{{ fig }}" alt="Monthly theme shares with bursts shaded">{% endif %}
<table><thead><tr><th>theme</th><th>label</th><th>from</th><th>to</th><th>cables</th>
<th>expected</th><th>p</th><th>cables that carry it</th></tr></thead><tbody>
{% for b in rows %}<tr><td>{{ b.theme }}</td><td>{{ b.label }}</td><td>{{ b.start }}</td>
<td>{{ b.end }}</td><td>{{ b.n_cables }}</td><td>{{ b.expected }}</td><td>{{ b.p }}</td>
<td>{{ b.refs }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
</section>
""")


def _pct(v: float) -> str:
    return f"{v:.1%}" if v >= 0.01 else f"{v:.2%}"


def _md_cell(v: Any) -> str:
    from topics.report.render import md_escape

    return md_escape(v)


def _settings(run: Any) -> dict:
    cfg = dict(DEFAULTS)
    cfg.update({k: v for k, v in (run.config.get("report") or {}).items() if k in DEFAULTS})
    return cfg


def _weighted_section(run: Any, theme_weight: np.ndarray, theme_ids: list[int],
                      labels: dict[int, str], out_dir: Path, cfg: dict) -> dict:
    refs = [str(r) for r in run.doc_topics["ref"]]
    cov, variants, source = None, None, ""
    if cfg["coverage"]:
        cov, variants = load_coverage(cfg["coverage"])
        source = str(cfg["coverage"])
    res = weighted_prevalence(refs, theme_weight, theme_ids, cov, variants, source=source)
    fig_rel = ""
    if not res.note:
        atomic_write(out_dir / "weighted_prevalence.csv",
                     neutralize_frame(res.table.assign(
                         label=[labels.get(int(t), "") for t in res.table["theme"]]))
                     .to_csv(index=False, float_format="%.6g").encode("utf-8"))
        fig = _fig(8, 0.28 * len(theme_ids) + 1.2)
        plot_weighted_prevalence(res.table, labels, fig.add_subplot())
        atomic_write(out_dir / "figures" / "weighted_prevalence.png", _png(fig))
        fig_rel = "figures/weighted_prevalence.png"
    rows = [{"theme": int(r.theme), "label": labels.get(int(r.theme), ""),
             "raw": f"{r.raw:.1%}", "weighted": f"{r.weighted:.1%}",
             "difference": f"{r.difference:+.1%}"}
            for r in res.table.sort_values("raw", ascending=False, kind="stable").itertuples()]
    tops = [{**p, "sent": f"{p['estimated_sent']:,.0f}", "share": f"{p['weight_share']:.1%}",
             "observed": _pct(p["share_observed"])} for p in res.top_post_years]
    ctx = {"source": res.source, "note": res.note, "n_weighted": res.n_weighted,
           "n_cables": res.n_cables, "n_serial": res.n_serial_refs,
           "eff": f"{res.effective_n:,.0f}", "fig": fig_rel, "rows": rows, "tops": tops}
    md = ["## Prevalence weighted by coverage", "",
          "**Re-weighted estimate**: each cable counts 1 / (its post-year's estimated observed "
          f"share) cables, the share estimated from reference serials in {_md_cell(res.source)}"
          " (Gill & Spirling 2015). See docs/coverage.md.", ""]
    if res.note:
        md += [f"**Not available:** {_md_cell(res.note)}.", ""]
    else:
        md += [f"{res.n_weighted} of {res.n_cables} cables weighted; Kish effective sample "
               f"size {ctx['eff']}.", "", f"![weighted prevalence]({fig_rel})", "",
               "| theme | label | raw | weighted | difference |", "|---:|---|---:|---:|---:|"]
        md += [f"| {r['theme']} | {_md_cell(r['label'])} | {r['raw']} | {r['weighted']} | "
               f"{r['difference']} |" for r in rows]
        md += ["", "Post-years carrying the most weight:", "",
               "| post | year | cables here | estimated sent | share observed | share of weight |",
               "|---|---:|---:|---:|---:|---:|"]
        md += [f"| {_md_cell(p['post'])} | {p['year']} | {p['n_in_corpus']} | {p['sent']} | "
               f"{p['observed']} | {p['share']} |" for p in tops]
        md.append("")
    return {"id": "weighted-prevalence", "html": _WEIGHTED_HTML.render(**ctx),
            "md": "\n".join(md) + "\n"}


def _events_section(run: Any, theme_weight: np.ndarray, theme_ids: list[int],
                    labels: dict[int, str], out_dir: Path, cfg: dict, seed: int,
                    figures: dict | None) -> dict:
    dt = run.doc_topics.reset_index(drop=True)
    themes = dt["theme"].to_numpy()
    col = {tid: j for j, tid in enumerate(theme_ids)}
    own = np.array([theme_weight[i, col[t]] if t in col else 0.0 for i, t in enumerate(themes)])
    bursts, monthly = detect_events(
        dt["ref"].astype(str).tolist(), dt["date"], themes, own, theme_ids,
        alpha=float(cfg["events_alpha"]), min_month_cables=int(cfg["events_min_month_cables"]),
        seed=seed,
    )
    table = pd.DataFrame([b.to_dict() for b in bursts],
                         columns=["theme", "start", "end", "n_cables", "expected", "weight",
                                  "p_value", "refs"])
    table.insert(1, "label", [labels.get(int(t), "") for t in table["theme"]])
    atomic_write(out_dir / "events.csv", neutralize_frame(table).to_csv(index=False).encode("utf-8"))
    if figures is not None:
        mark_bursts(figures, bursts)
    fig_rel = ""
    fig = plot_events(monthly, bursts, labels) if bursts else None
    if fig is not None:
        atomic_write(out_dir / "figures" / "events.png", _png(fig))
        fig_rel = "figures/events.png"
    rows = [{"theme": b.theme, "label": labels.get(b.theme, ""), "start": b.start,
             "end": b.end, "n_cables": b.n_cables, "expected": f"{b.expected:.1f}",
             "p": f"{b.p_value:.3f}", "refs": " ".join(b.refs[:5])} for b in bursts]
    why = "" if len(monthly) else (f" (fewer than 3 months with "
                                   f"{cfg['events_min_month_cables']}+ cables)")
    ctx = {"alpha": cfg["events_alpha"], "rows": rows, "fig": fig_rel, "why": why}
    md = ["## Events: bursts in themes over time", "",
          "Months in which a theme's share rose above its own rate (Kleinberg 2002), kept at a "
          f"false-positive rate of {cfg['events_alpha']} per theme.", ""]
    if not rows:
        md += [f"No burst found{why}.", ""]
    else:
        md += [f"![events]({fig_rel})", "",
               "| theme | label | from | to | cables | expected | p | cables that carry it |",
               "|---:|---|---|---|---:|---:|---:|---|"]
        md += [f"| {r['theme']} | {_md_cell(r['label'])} | {r['start']} | {r['end']} | "
               f"{r['n_cables']} | {r['expected']} | {r['p']} | {_md_cell(r['refs'])} |"
               for r in rows]
        md.append("")
    return {"id": "events", "html": _EVENTS_HTML.render(**ctx), "md": "\n".join(md) + "\n"}


def extra_sections(run: Any, theme_weight: np.ndarray, theme_ids: Sequence[int],
                   out_dir: str | Path, figures: dict | None = None) -> list[dict]:
    """The sections this module adds to a run's report, as configured in ``[report]``.

    Parameters
    ----------
    run : topics.report.data.RunInputs
        The loaded run (``doc_topics``, ``topics``, ``config``).
    theme_weight : numpy.ndarray, shape (n_cables, n_themes)
        Aligned with ``run.doc_topics`` (``ReportData.theme_weight``).
    theme_ids : sequence of int
    out_dir : str or Path
        The report directory; figures go to ``figures/``, tables beside.
    figures : dict, optional
        The report's ``{stem: (Figure, alt)}`` before they are saved: each burst is shaded
        on its theme's over-time panel (`mark_bursts`).

    Returns
    -------
    list of dict
        ``{"id", "html" (escaped HTML), "md" (Markdown)}`` per section, in order.
    """
    cfg = _settings(run)
    out_dir = Path(out_dir)
    theme_ids = [int(t) for t in theme_ids]
    labels = {int(th["id"]): str(th.get("label") or f"theme {th['id']}")
              for th in run.topics.get("themes", [])}
    seed = run.config.get("seed", 0)
    seed = int(seed) if isinstance(seed, int) else 0
    out = []
    if cfg["weighted_prevalence"]:
        out.append(_weighted_section(run, theme_weight, theme_ids, labels, out_dir, cfg))
    if cfg["events"]:
        out.append(_events_section(run, theme_weight, theme_ids, labels, out_dir, cfg, seed,
                                   figures))
    from topics.report.groups import group_sections  # form-cable genres, the sweep

    out += group_sections(run, out_dir)
    from topics.report.tag_topics import tag_sections  # TAG topics (llda/plda), seeded themes

    out += tag_sections(run, out_dir)
    from topics.report.model_sections import model_sections  # dmr effects, dtm slices

    out += model_sections(run, out_dir)
    return out
