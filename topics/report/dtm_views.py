"""Report views of a ``dtm`` run: each topic's vocabulary and share across the time slices.

* **Top terms by slice**: each topic's most probable terms in every yearly slice
  (``p(term | topic, slice)``, `topics.models.tomotopy_dynamic.TomotopyDtm.slice_topic_term`),
  as a table
  (``dtm_terms.csv``: topic, slice, rank, term, probability);
* **Share over time**: each topic's mean share of the cables in each slice, with a 95%
  bootstrap interval over cables (``dtm_shares.csv``), as small multiples;
* **Three slices side by side**: the first, middle and last slice's term lists of the topics
  whose vocabulary changed most (Jaccard distance between the first and last slice's top
  10 terms), one figure (``figures/dtm_slices.png``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from topics.runinfo import atomic_write_bytes

__all__ = ["drift_scores", "dtm_section", "plot_three_slices", "slice_shares", "slice_terms"]

logger = logging.getLogger(__name__)


def slice_terms(model: Any, n: int = 10) -> pd.DataFrame:
    """Each topic's ``n`` most probable terms in each slice: topic, slice, rank, term, p."""
    per = model.slice_topic_term()
    rows = []
    for s, label in enumerate(model.slices_):
        for t in range(per.shape[1]):
            order = np.argsort(-per[s, t], kind="stable")[:n]
            rows += [{"topic": t, "slice": label, "rank": r + 1, "term": model.terms_[j],
                      "p": float(per[s, t, j])} for r, j in enumerate(order)]
    return pd.DataFrame(rows, columns=["topic", "slice", "rank", "term", "p"])


def drift_scores(terms: pd.DataFrame, slices: list[str], n: int = 10) -> pd.Series:
    """Jaccard distance between each topic's first- and last-slice top ``n`` terms."""
    out = {}
    for t, d in terms[terms["rank"] <= n].groupby("topic"):
        a = set(d.loc[d["slice"] == slices[0], "term"])
        b = set(d.loc[d["slice"] == slices[-1], "term"])
        out[int(t)] = 1.0 - len(a & b) / max(len(a | b), 1)
    return pd.Series(out, name="drift")


def slice_shares(model: Any, *, n_boot: int = 200, seed: int = 0) -> pd.DataFrame:
    """Mean share of each topic among each slice's cables, with 95% bootstrap intervals."""
    rng = np.random.default_rng(seed)
    theta = np.asarray(model.doc_topic_)
    rows = []
    for s, label in enumerate(model.slices_):
        idx = np.flatnonzero(np.asarray(model.doc_slice_) == s)
        if not len(idx):
            continue
        mean = theta[idx].mean(axis=0)
        boots = np.array([theta[rng.choice(idx, len(idx))].mean(axis=0) for _ in range(n_boot)])
        lo, hi = np.quantile(boots, [0.025, 0.975], axis=0)
        rows += [{"slice": label, "topic": t, "share": mean[t], "lower": lo[t], "upper": hi[t],
                  "n_cables": len(idx)} for t in range(theta.shape[1])]
    return pd.DataFrame(rows, columns=["slice", "topic", "share", "lower", "upper", "n_cables"])


def plot_three_slices(terms: pd.DataFrame, slices: list[str], topics: list[int],
                      labels: dict[int, str], n: int = 8) -> Figure:
    """The first, middle and last slice's top ``n`` terms of ``topics``, side by side."""
    picks = list(dict.fromkeys([slices[0], slices[len(slices) // 2], slices[-1]]))
    fig = Figure(figsize=(3.2 * len(picks) + 1.6, 0.19 * n * len(topics) + 0.9),
                 layout="constrained")
    axes = fig.subplots(len(topics), len(picks), squeeze=False)
    for i, t in enumerate(topics):
        d = terms[(terms["topic"] == t) & (terms["rank"] <= n)]
        first = set(d.loc[d["slice"] == picks[0], "term"])
        for j, s in enumerate(picks):
            ax = axes[i, j]
            ax.set_axis_off()
            words = d.loc[d["slice"] == s].sort_values("rank")["term"].tolist()
            for r, w in enumerate(words):
                new = j > 0 and w not in first
                ax.text(0.02, 1 - (r + 0.5) / n, w, fontsize=7, va="center",
                        transform=ax.transAxes, color="#b2182b" if new else "#222222",
                        fontweight="bold" if new else "normal")
            if i == 0:
                ax.set_title(s, fontsize=9)
            if j == 0:
                ax.text(-0.05, 0.5, f"{t}: {labels.get(t, '')[:22]}", fontsize=7,
                        rotation=90, va="center", ha="right", transform=ax.transAxes)
    fig.suptitle("Top terms in three slices (red: not in the first slice's list)", fontsize=9)
    return fig


def plot_slice_shares(shares: pd.DataFrame, slices: list[str], labels: dict[int, str],
                      topics: list[int]) -> Figure:
    """Small multiples of each topic's share by slice with its interval."""
    ncols = 4
    nrows = int(np.ceil(len(topics) / ncols))
    fig = Figure(figsize=(10, 2.0 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    x = np.arange(len(slices))
    for ax in axes.ravel()[len(topics):]:
        ax.set_axis_off()
    for ax, t in zip(axes.ravel(), topics, strict=False):
        d = shares[shares["topic"] == t].set_index("slice").reindex(slices)
        ax.fill_between(x, d["lower"], d["upper"], color="#c7e9c0", linewidth=0)
        ax.plot(x, d["share"], color="#238b45")
        ax.set_title(f"{t}: {labels.get(t, '')[:28]}", fontsize=8)
        ax.set_xticks(x[:: max(1, len(x) // 4)])
        ax.set_xticklabels(slices[:: max(1, len(x) // 4)], fontsize=6)
        ax.tick_params(labelsize=7)
    fig.suptitle("Share of the cables by slice (dtm, 95% bootstrap intervals)", fontsize=10)
    return fig


_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)

_HTML = _ENV.from_string("""
<section id="dtm">
<h2>Topics over time (dtm)</h2>
<p>A dynamic topic model with {{ n_slices }} time slices ({{ slices }}): each topic's word
distribution drifts from slice to slice ({{ how }}). Below, the topics whose top terms changed most,
three slices side by side; each topic's share of the cables per slice; and every topic's top
terms per slice.</p>
{% if three_fig %}<img src="{{ three_fig }}" alt="Top terms of the most changing topics in three slices">{% endif %}
{% if share_fig %}<img src="{{ share_fig }}" alt="Topic shares by time slice with intervals">{% endif %}
<table><thead><tr><th>topic</th><th>drift</th>{% for s in slice_list %}<th>{{ s }}</th>{% endfor %}
</tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.topic }}</td><td>{{ r.drift }}</td>{% for c in r.cells %}<td>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
<p>Tables: <code>dtm_terms.csv</code>, <code>dtm_shares.csv</code>.</p>
</section>
""")


#: How each ``dtm`` method makes the per-slice word distributions (the report says which).
_METHOD_TEXT = {
    "lda-slices": "topics from one LDA fit over every cable; each topic's words per slice "
                  "from the words assigned to it there, borrowing from the neighbouring "
                  "slices",
    "dtmodel": "tomotopy's DTModel: each topic's word distribution a random walk over the "
               "slices inside the sampler",
}


def dtm_section(run: Any, model: Any, out_dir: Path) -> dict:
    """The report section of a ``dtm`` run (``{"id", "html", "md"}``)."""
    from topics.report.exports import neutralize_frame
    from topics.report.figures import figure_png
    from topics.report.model_sections import _labels
    from topics.report.render import md_escape

    k = int(model.n_topics_)
    labels = _labels(run, k)
    slices = list(model.slices_)
    terms = slice_terms(model, n=10)
    shares = slice_shares(model)
    drift = drift_scores(terms, slices)
    for name, frame in (("dtm_terms.csv", terms), ("dtm_shares.csv", shares)):
        atomic_write_bytes(out_dir / name,
                           neutralize_frame(frame.round(6)).to_csv(index=False).encode("utf-8"))
    most = drift.sort_values(ascending=False, kind="stable").index[:6].tolist()
    figs = {}
    if len(slices) >= 2:
        figs["three"] = plot_three_slices(terms, slices, most, labels)
    top_share = shares.groupby("topic")["share"].mean().sort_values(ascending=False,
                                                                    kind="stable")
    figs["share"] = plot_slice_shares(shares, slices, labels, top_share.index[:12].tolist())
    rel = {}
    for key, stem in (("three", "dtm_slices"), ("share", "dtm_shares")):
        if key in figs:
            atomic_write_bytes(out_dir / "figures" / f"{stem}.png", figure_png(figs[key]))
            rel[key] = f"figures/{stem}.png"
    rows = []
    for t in drift.sort_values(ascending=False, kind="stable").index.tolist():
        d = terms[(terms["topic"] == t) & (terms["rank"] <= 5)]
        cells = [" ".join(d.loc[d["slice"] == s].sort_values("rank")["term"]) for s in slices]
        rows.append({"topic": int(t), "drift": f"{drift[t]:.2f}", "cells": cells})
    how = _METHOD_TEXT.get(getattr(model, "method", "dtmodel"), "")
    html = _HTML.render(n_slices=len(slices), slices=", ".join(slices), slice_list=slices, how=how,
                        rows=rows, three_fig=rel.get("three", ""),
                        share_fig=rel.get("share", ""))
    md = ["## Topics over time (dtm)", "",
          f"A dynamic topic model with {len(slices)} time slices ({md_escape(', '.join(slices))}): "
          f"{how}.", ""]
    for key, alt in (("three", "top terms in three slices"), ("share", "shares by slice")):
        if key in rel:
            md += [f"![{alt}]({rel[key]})", ""]
    md += ["| topic | drift | " + " | ".join(md_escape(s) for s in slices) + " |",
           "|---:|---:|" + "---|" * len(slices)]
    md += [f"| {r['topic']} | {r['drift']} | " + " | ".join(md_escape(c) for c in r["cells"])
           + " |" for r in rows]
    md += ["", "Tables: `dtm_terms.csv`, `dtm_shares.csv`.", ""]
    return {"id": "dtm", "html": html, "md": "\n".join(md) + "\n"}
