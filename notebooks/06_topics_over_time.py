# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Topics over time: the dynamic topic model (`dtm`)
#
# A theme's vocabulary changes: "Iran" in 2003 is not "Iran" in 2009. The `dtm` engine
# fits one time slice per year: topics from one LDA fit over every cable, then each
# topic's word distribution per slice from the words assigned to it there, borrowing from
# the neighbouring slices (`method = "lda-slices"`, the default; `method = "dtmodel"` is
# tomotopy's `DTModel`). Below: each topic's top terms per slice, its share of the cables
# per slice, and three slices' term lists side by side.

# %% tags=["parameters"]
SOURCES = ["@sample"]
OUT = "runs/nb-dtm"
N_TOPICS = 8
ITERATIONS = 100

# %%
from pathlib import Path

from topics.config import RunConfig
from topics.models import load_model
from topics.pipeline import run
from topics.report.dtm_views import (
    drift_scores,
    plot_three_slices,
    slice_shares,
    slice_terms,
)

out = Path(OUT)
cfg = RunConfig.from_dict(
    {"corpus": {"sources": SOURCES},
     "model": {"engine": "dtm", "n_topics": N_TOPICS, "params": {"iterations": ITERATIONS}},
     "report": {"enabled": False}},
    base_dir=Path("."),
)
run(cfg, out, until="model")  # the model is all this notebook needs
model = load_model(out / "model")
model.slices_

# %% [markdown]
# ## Each topic's top terms in each slice
#
# `drift` is the Jaccard distance between the first and last slice's top 10 terms.

# %%
terms = slice_terms(model, n=10)
drift = drift_scores(terms, model.slices_)
table = (terms[terms["rank"] <= 5].groupby(["topic", "slice"])["term"]
         .agg(" ".join).unstack("slice")[model.slices_])
table.insert(0, "drift", drift.round(2))
table.sort_values("drift", ascending=False)

# %% [markdown]
# ## Share of the cables by slice (95% bootstrap intervals over cables)

# %%
shares = slice_shares(model)
shares.pivot(index="slice", columns="topic", values="share").round(3)

# %% [markdown]
# ## Three slices side by side (terms new since the first slice in red)

# %%
most = drift.sort_values(ascending=False).index[:4].tolist()
labels = {t: " ".join(terms.query("topic == @t and rank <= 3 and slice == @model.slices_[0]")
                      ["term"]) for t in most}
plot_three_slices(terms, model.slices_, most, labels)
