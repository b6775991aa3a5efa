"""The report's model-based sections: a `dmr` run's effects (`estimate_model_effects`, the
fits pooled as the model says) as tables and figures, and a `dtm` run's slices
(`topics.report.dtm_views`). `model_sections(run, out_dir)` is what the report calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from topics.report.model_effects import estimate_model_effects
from topics.runinfo import atomic_write_bytes

__all__ = ["model_sections", "plot_contrasts", "plot_time_effects"]

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)

_HTML = _ENV.from_string("""
<section id="model-effects">
<h2>Covariate effects estimated by the model (dmr)</h2>
<p>Prevalence formula <code>{{ formula }}</code>. Each topic's expected share with a covariate
set to a value (the other covariates as the cables have them), with {{ pct }} intervals from
{{ n_draws }} {{ method }}. The per-level means above are model-free; these use the formula.</p>
{% if time_fig %}<img src="{{ time_fig }}" alt="Expected topic shares over the years with intervals">{% endif %}
{% if diff_fig %}<img src="{{ diff_fig }}" alt="Differences between levels with intervals">{% endif %}
{% if contrasts %}
<table><thead><tr><th>topic</th><th>label</th><th>covariate</th><th>level</th><th>vs</th>
<th>difference</th><th>{{ pct }} interval</th></tr></thead><tbody>
{% for r in contrasts %}<tr><td>{{ r.topic }}</td><td>{{ r.label }}</td><td>{{ r.covariate }}</td>
<td>{{ r.level }}</td><td>{{ r.reference }}</td><td>{{ r.difference }}</td><td>{{ r.interval }}</td></tr>
{% endfor %}</tbody></table>{% endif %}
<p>Tables: <code>model_effects.csv</code> (expected shares), <code>model_contrasts.csv</code>
(differences).</p>
</section>
""")


def _labels(run: Any, k: int) -> dict[int, str]:
    labels = {}
    for row in (run.topics or {}).get("topics", []):
        tid = int(row.get("id", row.get("topic", -1)))
        terms = row.get("terms") or row.get("top_terms") or []
        label = row.get("label") or " ".join(str(t) for t in terms[:3])
        labels[tid] = str(label)
    return {t: labels.get(t, f"topic {t}") for t in range(k)}


def plot_time_effects(levels: pd.DataFrame, labels: dict[int, str], *, n: int = 12
                      ) -> Figure | None:
    """Small multiples: each topic's expected share by year with its interval band (the
    ``n`` topics whose share moves most over the years)."""
    t = levels[levels["covariate"] == "year"]
    if t.empty:
        return None
    t = t.assign(year=t["level"].astype(int))
    spread = t.groupby("topic")["estimate"].agg(lambda s: s.max() - s.min())
    topics = spread.sort_values(ascending=False, kind="stable").index[:n].tolist()
    ncols = 4
    nrows = int(np.ceil(len(topics) / ncols))
    fig = Figure(figsize=(10, 2.2 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    for ax in axes.ravel()[len(topics):]:
        ax.set_axis_off()
    for ax, tid in zip(axes.ravel(), topics, strict=False):
        d = t[t["topic"] == tid].sort_values("year")
        ax.fill_between(d["year"], d["lower"], d["upper"], color="#9ecae1", linewidth=0)
        ax.plot(d["year"], d["estimate"], color="#08519c")
        ax.set_title(f"{tid}: {labels.get(tid, '')[:28]}", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Expected share by year (dmr, with intervals)", fontsize=10)
    return fig


def plot_contrasts(con: pd.DataFrame, labels: dict[int, str]) -> Figure | None:
    """Each topic's difference between two levels with its interval (one panel per pair;
    classification levels first, at most four)."""
    if con.empty:
        return None
    pairs = list(dict.fromkeys(zip(con["covariate"], con["level"], con["reference"],
                                   strict=True)))
    # classification first (SECRET - UNCLASSIFIED ...), then genre, then posts
    rank = {"classification": 0, "genre": 1}
    pairs = sorted(pairs, key=lambda pr: rank.get(pr[0], 2))[:4]
    k = int(con["topic"].max()) + 1
    fig = Figure(figsize=(4 * len(pairs), max(2.5, 0.22 * k + 1)), layout="constrained")
    axes = fig.subplots(1, len(pairs), squeeze=False, sharey=True)[0]
    for ax, (cov, lv, ref) in zip(axes, pairs, strict=True):
        d = con[(con["covariate"] == cov) & (con["level"] == lv) & (con["reference"] == ref)]
        d = d.sort_values("topic")
        y = d["topic"].to_numpy()
        ax.errorbar(d["difference"], y, xerr=[d["difference"] - d["lower"],
                                              d["upper"] - d["difference"]],
                    fmt="o", ms=3, color="#08519c", ecolor="#6baed6")
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_title(f"{lv[:18]} - {ref[:18]}", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_yticks(range(k))
    axes[0].set_yticklabels([f"{t}: {labels.get(t, '')[:20]}" for t in range(k)], fontsize=6)
    axes[0].invert_yaxis()
    return fig


def _pairs_for_table(con: pd.DataFrame) -> pd.DataFrame:
    """The contrasts shown in the report: every classification level against its reference,
    else the first pair of each covariate; intervals that exclude 0 first."""
    if con.empty:
        return con
    keep = con["covariate"] == "classification"
    if not keep.any():
        first = con.groupby("covariate")["level"].transform("first")
        keep = con["level"] == first
    d = con[keep].copy()
    d["excludes_zero"] = (d["lower"] > 0) | (d["upper"] < 0)
    return d.sort_values(["excludes_zero", "covariate", "level", "topic"],
                         ascending=[False, True, True, True], kind="stable")


def _dmr_section(run: Any, model: Any, out_dir: Path) -> dict:
    from topics.report.exports import neutralize_frame
    from topics.report.figures import figure_png

    seed = run.config.get("seed", 0) if isinstance(run.config, dict) else 0
    eff = estimate_model_effects(model, seed=int(seed) if isinstance(seed, int) else 0)
    k = int(model.n_topics_)
    labels = _labels(run, k)
    for name, frame in (("model_effects.csv", eff.levels), ("model_contrasts.csv", eff.contrasts)):
        frame = frame.assign(label=[labels.get(int(t), "") for t in frame["topic"]])
        atomic_write_bytes(out_dir / name,
                           neutralize_frame(frame.round(6)).to_csv(index=False).encode("utf-8"))
    figs = {}
    for stem, fig in (("model_effects_time", plot_time_effects(eff.levels, labels)),
                      ("model_contrasts", plot_contrasts(eff.contrasts, labels))):
        if fig is not None:
            atomic_write_bytes(out_dir / "figures" / f"{stem}.png", figure_png(fig))
            figs[stem] = f"figures/{stem}.png"
    shown = _pairs_for_table(eff.contrasts).head(20)
    rows = [{"topic": int(r.topic), "label": labels.get(int(r.topic), ""),
             "covariate": r.covariate, "level": r.level, "reference": r.reference,
             "difference": f"{r.difference:+.3f}",
             "interval": f"[{r.lower:+.3f}, {r.upper:+.3f}]"} for r in shown.itertuples()]
    pct = f"{eff.level:.0%}"
    formula = str(model.prevalence)
    html = _HTML.render(formula=formula, pct=pct, n_draws=eff.n_draws, method=eff.method,
                        time_fig=figs.get("model_effects_time", ""),
                        diff_fig=figs.get("model_contrasts", ""), contrasts=rows)
    from topics.report.render import md_escape

    md = ["## Covariate effects estimated by the model (dmr)", "",
          f"Prevalence formula `{md_escape(formula)}`. Each topic's expected share with a "
          "covariate set to a value (the others as the cables have them), with "
          f"{pct} intervals from {eff.n_draws} {eff.method}.", ""]
    for stem, alt in (("model_effects_time", "expected share by year"),
                      ("model_contrasts", "differences between levels")):
        if stem in figs:
            md += [f"![{alt}]({figs[stem]})", ""]
    if rows:
        md += ["| topic | label | covariate | level | vs | difference | interval |",
               "|---:|---|---|---|---|---:|---|"]
        md += [f"| {r['topic']} | {md_escape(r['label'])} | {r['covariate']} | "
               f"{md_escape(r['level'])} | {md_escape(r['reference'])} | {r['difference']} | "
               f"{r['interval']} |" for r in rows]
        md.append("")
    md += ["Tables: `model_effects.csv`, `model_contrasts.csv`.", ""]
    return {"id": "model-effects", "html": html, "md": "\n".join(md) + "\n"}


def model_sections(run: Any, out_dir: str | Path) -> list[dict]:
    """The report sections of the covariate engines: model-based effects for ``dmr``, the
    topics over time for ``dtm`` (`topics.report.dtm_views`); none for other engines."""
    engine = (getattr(run, "params", None) or {}).get("engine")
    if engine not in ("dmr", "dtm"):
        return []
    from topics.models import load_model

    model = load_model(Path(run.path) / "model")
    out_dir = Path(out_dir)
    if engine == "dmr":
        if not model.formula_:
            return []
        return [_dmr_section(run, model, out_dir)]
    from topics.report.dtm_views import dtm_section

    return [dtm_section(run, model, out_dir)]
