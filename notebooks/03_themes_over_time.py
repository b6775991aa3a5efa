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
# # Themes over time, by post and by classification
#
# With a fitted run, how does each theme's prevalence move over the years, which posts
# write about it, and is it more common in SECRET cables? The covariate effects follow R
# stm's `estimateEffect` in spirit: each theme's expected share by year and by
# classification, with 95% bootstrap confidence intervals over cables.

# %% tags=["parameters"]
SOURCES = ["@sample"]
OUT = "runs/nb-time"
N_TOPICS = 8

# %%
from pathlib import Path

import pandas as pd

from topics.config import RunConfig
from topics.pipeline import run
from topics.report.effects import estimate_effects

out = Path(OUT)
cfg = RunConfig.from_dict(
    {"corpus": {"sources": SOURCES},
     "model": {"n_topics": N_TOPICS}},
    base_dir=Path("."),
)
run(cfg, out)
doc = pd.read_parquet(out / "doc_topics.parquet")

# %% [markdown]
# ## Prevalence by year (share of cables in each theme, with the number of cables per year)

# %%
doc["year"] = pd.to_datetime(doc["date"], utc=True).dt.year
by_year = pd.crosstab(doc["year"], doc["theme"], normalize="index").round(3)
by_year["n_cables"] = doc.groupby("year").size()
by_year

# %% [markdown]
# ## By post (top 10 posts)

# %%
top_posts = doc["origin"].value_counts().head(10).index
pd.crosstab(doc.loc[doc.origin.isin(top_posts), "origin"],
            doc.loc[doc.origin.isin(top_posts), "theme"])

# %% [markdown]
# ## Covariate effects with 95% bootstrap intervals

# %%
# Each cable's weight on each theme: its doc-topic weight on the theme's topic
# (with the default "dominant" themes, theme id = topic id).
theme_ids = sorted(doc["theme"].unique())
weights = doc[[f"topic_{t}" for t in theme_ids]].to_numpy()
effects = estimate_effects(
    weights, theme_ids, {"classification": doc["classification"], "year": doc["year"]},
    n_boot=200, seed=0,
)
effects.query("covariate == 'classification'").head(12)
