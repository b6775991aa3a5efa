"""Render a run directory into ``report/index.html``, ``report.md``, figures and exports.

Everything taken from cables (subjects, posts, excerpts, labels) is escaped: Jinja2
autoescapes the HTML; Markdown cells go through `md_escape`. Excerpt highlighting escapes
first and wraps the matches after, so a cable's text can never become markup.
"""

from __future__ import annotations

import base64
import logging
import time
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from topics.report.contrasts import (
    MIN_LEVEL_CABLES,
    choose_comparisons,
    difference_table,
    differences_figure,
    estimate_contrasts,
)
from topics.report.data import build_report_data, classification_order, load_run
from topics.report.effects import estimate_effects
from topics.report.explorer import MAX_CABLES, embed_json, explorer_data, write_cable_pages
from topics.report.exports import (
    atomic_write,
    export_sources,
    export_tables,
    neutralize_frame,
    themes_frame,
    topics_frame,
)
from topics.report.figures import (
    distinct_colors,
    encode_figures,
    report_figures,
    theme_colors,
)
from topics.report.figures_many import MIN_POST_CABLES
from topics.report.ldavis import ldavis_data, write_ldavis_json

__all__ = ["highlight_html", "highlight_md", "md_escape", "render_report"]

logger = logging.getLogger(__name__)

_TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Source files listed in report.md; the rest are in sources.csv.
_MD_SOURCES = 20
_MD_SPECIAL = str.maketrans({
    "\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;", "*": "\\*",
    "_": "\\_", "`": "\\`", "[": "\\[", "]": "\\]", "#": "\\#", "\n": " ", "\r": " ",
})


def md_escape(value: Any) -> str:
    """Escape text for a GitHub Markdown table cell or paragraph (``|``, ``<``, ``>``, ...)."""
    if value is None:
        return ""
    return str(value).translate(_MD_SPECIAL)


def highlight_html(text: str, spans: list[tuple[int, int]]) -> Markup:
    """Escape ``text`` piece by piece and wrap ``spans`` in ``<mark>``."""
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(escape(text[pos:a]))
        out.append(Markup("<mark>") + escape(text[a:b]) + Markup("</mark>"))
        pos = b
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def highlight_md(text: str, spans: list[tuple[int, int]]) -> str:
    """Markdown-escape ``text`` piece by piece and make ``spans`` bold."""
    out, pos = [], 0
    for a, b in sorted(spans):
        if a < pos:
            continue
        out.append(md_escape(text[pos:a]))
        out.append("**" + md_escape(text[a:b]) + "**")
        pos = b
    out.append(md_escape(text[pos:]))
    return "".join(out)


def _fmt_pct(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{100 * v:.1f}%"


def _fmt_num(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    return f"{float(v):.{digits}f}"


def _fmt_bytes(v: Any) -> str:
    """Human byte count: ``512 B``, ``1.5 KB``, ``2.3 MB`` (powers of 1,000)."""
    if v is None:
        return ""
    v = float(v)
    for unit in ("B", "KB", "MB", "GB"):
        if abs(v) < 1000 or unit == "GB":
            return f"{v:,.0f} {unit}" if unit == "B" else f"{v:,.1f} {unit}"
        v /= 1000
    return f"{v:,.1f} TB"  # pragma: no cover - the loop returns at GB


def _env(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = _fmt_pct
    env.filters["num"] = _fmt_num
    env.filters["bytes"] = _fmt_bytes
    env.filters["md"] = md_escape
    env.filters["hl"] = highlight_html if html else highlight_md
    return env


def _pivot(effects: pd.DataFrame, cov: str, themes: list[dict], order: list[str]) -> dict:
    """Theme x level table of ``mean [low, high]`` cells for one covariate."""
    eff = effects[effects["covariate"] == cov]
    levels = [lv for lv in order if lv in set(eff["level"])]
    n_by_level = eff.drop_duplicates("level").set_index("level")["n_cables"].to_dict()
    cells = {(r.theme, r.level): r for r in eff.itertuples(index=False)}
    rows = []
    for t in themes:
        row = []
        for lv in levels:
            r = cells.get((t["id"], lv))
            row.append(None if r is None else {"mean": r.mean, "lo": r.ci_low, "hi": r.ci_high,
                                               "n": int(r.n_cables)})
        rows.append({"id": t["id"], "label": t["label"], "cells": row})
    return {"covariate": cov, "levels": [{"name": lv, "n": int(n_by_level[lv])} for lv in levels],
            "rows": rows}


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (the forked figure encoders)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return 0.0
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def render_report(
    run_dir: str | Path, *, out: str | Path | None = None, excerpt_chars: int = 400,
    n_boot: int = 500, title: str | None = None, explorer_cables: int = MAX_CABLES,
) -> Path:
    """Write the summary report of a run; nothing is refitted.

    Parameters
    ----------
    run_dir : str or Path
        A run directory (``docs/architecture.md``, "A run directory").
    out : str or Path, optional
        Report directory; default ``run_dir / "report"``.
    excerpt_chars : int
        Length of the cable excerpts shown per theme.
    n_boot : int
        Bootstrap replicates for the covariate-effect intervals.
    title : str, optional
        Report title; default ``[report] title`` of the run's ``config.toml``, else
        "Themes of a cable corpus".
    explorer_cables : int
        Cables in the explorer's table at most (the most representative of each theme
        beyond it); each links to its text in ``cables/theme-<id>.html``.

    Returns
    -------
    Path
        The written ``index.html``. Beside it: ``report.md``, ``figures/*.png``,
        ``doc_topics.csv``/``.parquet``, ``themes.csv``/``.parquet``,
        ``topics.csv``/``.parquet``, ``effects.csv``/``.parquet``, ``ldavis.json`` (when
        the topic-term matrix is there) and ``cables/theme-<id>.html``.

    Raises
    ------
    topics.report.data.RunDirectoryError
        When the run directory lacks ``doc_topics.parquet`` or ``topics.json`` or they do
        not follow the contract.
    ValueError
        When ``excerpt_chars`` or ``n_boot`` is not positive.

    Examples
    --------
    >>> render_report("runs/demo")  # doctest: +SKIP
    PosixPath('runs/demo/report/index.html')
    """
    if int(excerpt_chars) < 1 or int(n_boot) < 1:
        raise ValueError(
            f"render_report needs excerpt_chars >= 1 and n_boot >= 1; got "
            f"excerpt_chars={excerpt_chars}, n_boot={n_boot}"
        )
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds per stage: steadier than wall time on a busy host
    t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
    run_dir = Path(run_dir)
    out_dir = Path(out) if out is not None else run_dir / "report"
    run = load_run(run_dir)
    data = build_report_data(run, excerpt_chars=int(excerpt_chars))
    timings["data"] = time.perf_counter() - t0
    cpu["data"] = time.process_time() - c0

    t1, c1 = time.perf_counter(), time.process_time()
    cables = data.frames["cables"]
    seed = data.sections["model"]["seed"]
    class_order = classification_order(list(cables["classification_"]))
    covariates = {
        "year": cables["year"].astype(object).where(cables["year"].notna(), None),
        "classification": cables["classification_"],
        "post": cables["post"],
    }
    # a small corpus (the 400-cable sample) has few levels of 30 cables: 1% of the cables
    small = max(5, len(cables) // 100)
    comparisons = choose_comparisons(
        cables["classification_"], cables["year"], cables["post"], data.window, class_order,
        min_cables=min(MIN_LEVEL_CABLES, small), min_post=min(MIN_POST_CABLES, small))
    run_seed = int(seed) if isinstance(seed, int | np.integer) else 0
    post_levels = [a for a, _ in comparisons.get("post", [])]
    effects = estimate_effects(
        data.theme_weight,
        data.theme_ids,
        covariates if post_levels else {k: v for k, v in covariates.items() if k != "post"},
        n_boot=int(n_boot),
        seed=run_seed,
        level_order={"classification": class_order, "post": post_levels},
        cache=(draws := {}),
    )
    diffs = estimate_contrasts(data.theme_weight, data.theme_ids, covariates, comparisons,
                               n_boot=int(n_boot), seed=run_seed, cache=draws)
    timings["effects"] = time.perf_counter() - t1
    cpu["effects"] = time.process_time() - c1

    t2, c2, k2 = time.perf_counter(), time.process_time(), _children_cpu()
    figs = report_figures(data, effects)
    diff_fig = differences_figure(diffs, [t["id"] for t in data.sections["themes"]],
                                  {t["id"]: t["label"] for t in data.sections["themes"]})
    if diff_fig is not None:
        figs["differences"] = (diff_fig, "Forest plots of the difference in mean theme share "
                               "between two classifications and between two years, with "
                               "bootstrap 95% confidence intervals")
    # optional sections of topics.report.extras (coverage-weighted prevalence, events); the
    # events are shaded on the theme figures, so this comes before they are saved
    from topics.report.extras import extra_sections

    extras = extra_sections(run, data.theme_weight, data.theme_ids, out_dir, figures=figs)
    figures = []
    pngs = encode_figures({stem: fig for stem, (fig, _) in figs.items()})
    for stem, (_, alt) in figs.items():
        png = pngs[stem]
        atomic_write(out_dir / "figures" / f"{stem}.png", png)
        figures.append({
            "stem": stem,
            "alt": alt,
            "path": f"figures/{stem}.png",
            "data_uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        })
    fig_by = {f["stem"]: f for f in figures}
    timings["figures"] = time.perf_counter() - t2
    cpu["figures"] = time.process_time() - c2 + _children_cpu() - k2  # + forked encoders

    t3, c3 = time.perf_counter(), time.process_time()
    s = data.sections
    if title:
        s["title"] = str(title)
    themes_df = themes_frame(s["themes"])
    topics_df = topics_frame(s["topics"])
    export_tables(out_dir, run_dir / "doc_topics.parquet", themes_df, topics_df, effects)
    exports = ["doc_topics.csv", "doc_topics.parquet", "themes.csv", "themes.parquet",
               "topics.csv", "topics.parquet", "effects.csv", "effects.parquet"]
    atomic_write(out_dir / "differences.csv", neutralize_frame(diffs).to_csv(index=False).encode("utf-8"))
    exports.append("differences.csv")
    if s["corpus"]["sources"]:
        export_sources(out_dir, s["corpus"]["sources"])
        exports.append("sources.csv")
    ldavis = None
    if data.topic_term is not None and len(run.terms) == data.topic_term.shape[1]:
        w = data.frames["cables"][run.topic_columns].to_numpy(dtype=np.float64)
        lengths = data.doc_lengths if data.doc_lengths is not None else np.ones(len(w))
        ldavis = ldavis_data(data.topic_term, w, lengths, run.terms,
                             topic_ids=[int(c.split("_")[1]) for c in run.topic_columns])
        write_ldavis_json(out_dir / "ldavis.json", ldavis)
        exports.append("ldavis.json")
    explorer = explorer_data(data, ldavis, max_cables=int(explorer_cables),
                             text_pages=run.store_path is not None)
    write_cable_pages(out_dir, run.store_path, explorer)
    timings["exports"] = time.perf_counter() - t3
    cpu["exports"] = time.process_time() - c3

    t4, c4 = time.perf_counter(), time.process_time()
    years = sorted({str(v) for v in effects.loc[effects["covariate"] == "year", "level"]})
    context = {
        **s,
        "fig": fig_by,
        "colors": theme_colors(data.theme_ids),
        # past 16 themes every theme is grey: a swatch would say nothing
        "colors_distinct": distinct_colors(data.theme_ids),
        "effects": [
            _pivot(effects, "year", s["themes"], years),
            _pivot(effects, "classification", s["themes"], class_order),
            *([_pivot(effects, "post", s["themes"], post_levels)] if post_levels else []),
        ],
        "differences": [t for t in (difference_table(diffs, cov, s["themes"])
                                    for cov in ("classification", "year", "post")) if t],
        "n_boot": int(n_boot),
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "exports": exports,
        "md_sources": _MD_SOURCES,
        "explorer": explorer,
        "explorer_json": embed_json(explorer),
        "extras": extras,
    }
    html = _env(True).get_template("report.html.j2").render(**context)
    md = _env(False).get_template("report.md.j2").render(**context)
    index = atomic_write(out_dir / "index.html", html.encode("utf-8"))
    atomic_write(out_dir / "report.md", md.encode("utf-8"))
    timings["render"] = time.perf_counter() - t4
    cpu["render"] = time.process_time() - c4
    logger.info(
        "report for %s: %d cables, %d themes, %d figures in %.1f s, %.1f s CPU (%s)",
        run_dir, s["n_cables"], len(s["themes"]), len(figures), time.perf_counter() - t0,
        time.process_time() - c0 + _children_cpu() - k0,
        ", ".join(f"{k} {v:.2f}s/{cpu[k]:.2f}s CPU" for k, v in timings.items()),
    )
    return index
