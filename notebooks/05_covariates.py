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
# # Covariates in the model: `dmr` and model-based effects
#
# R's stm lets topic prevalence depend on document metadata inside the model. The `dmr`
# engine does this with tomotopy's Dirichlet-multinomial regression: each cable's
# topic prior is `exp(lambda . x)` for its covariates `x`, given as a short formula
# (`post + s(year) + classification`). The effects are then estimated stm-style: posterior
# draws of each cable's topic shares, a regression on the formula's design per draw, and
# intervals over the draws (docs/engines.md, `topics/report/model_effects.py`).

# %% tags=["parameters"]
SOURCES = ["@sample"]
OUT = "runs/nb-covariates"
N_TOPICS = 8
FORMULA = "post + s(year) + classification"
ITERATIONS = 100

# %%
from pathlib import Path

from topics.config import RunConfig
from topics.models import load_model
from topics.pipeline import run
from topics.report.model_effects import estimate_model_effects
from topics.report.model_sections import plot_time_effects

out = Path(OUT)
cfg = RunConfig.from_dict(
    {"corpus": {"sources": SOURCES},
     "model": {"engine": "dmr", "n_topics": N_TOPICS,
               "params": {"prevalence": FORMULA, "iterations": ITERATIONS}},
     "report": {"enabled": False}},
    base_dir=Path("."),
)
run(cfg, out, until="model")  # the model is all this notebook needs
model = load_model(out / "model")
model

# %% [markdown]
# ## What the model learned: the prior's expected topic shares by year
#
# `expected_share` gives `E[theta | x]` from the fitted lambdas (the prior before any
# words are seen); the levels of the other covariates are left out.

# %%
import pandas as pd

pd.DataFrame({year: model.expected_share({"year": year})
              for year in range(2003, 2011)}).round(3)

# %% [markdown]
# ## Model-based effects with intervals
#
# Expected share of each topic with every cable's classification (or year) set to a
# value, the other covariates as the cables have them; 95% intervals from 100 posterior
# draws.

# %%
effects = estimate_model_effects(model, n_draws=100, seed=0)
labels = {t: " ".join(model.terms_[j] for j in model.topic_term_[t].argsort()[::-1][:3])
          for t in range(model.n_topics_)}
levels = effects.levels.assign(label=effects.levels["topic"].map(labels))
levels.query("covariate == 'classification'").round(3)

# %% [markdown]
# ## Differences between levels: SECRET (and CONFIDENTIAL) against UNCLASSIFIED

# %%
diff = effects.contrasts.query("covariate == 'classification'")
diff.assign(label=diff["topic"].map(labels)).round(3)

# %% [markdown]
# ## Over the years

# %%
fig = plot_time_effects(effects.levels, labels, n=8)
fig
