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
# # Choosing the number of topics
#
# "Why K = 40?" A sweep fits every K with several seeds and scores each fit:
# NPMI and C_V coherence (Röder et al. 2015), topic diversity (Dieng et al. 2020),
# stability across seeds (topics matched by Hungarian assignment) and held-out perplexity.
# Coherence alone rewards place-name topics on real cables, so read it beside diversity
# and stability, and check the themes' agreement with the cables' own TAGS.

# %% tags=["parameters"]
SOURCES = ["@sample"]
OUT = "runs/nb-sweep"
KS = [4, 6, 8, 10, 12]
SEEDS = 2
ENGINE = "lda-gibbs"

# %%
from pathlib import Path

from topics.config import RunConfig
from topics.pipeline import run
from topics.stages import sweep_store

out = Path(OUT)
cfg = RunConfig.from_dict({"corpus": {"sources": SOURCES}}, base_dir=Path("."))
run(cfg, out / "ingest", until="ingest")

# %%
table, (best_k, reason) = sweep_store(
    out / "ingest" / "store", KS, n_seeds=SEEDS, engine=ENGINE, out_dir=out / "sweep"
)
table

# %% [markdown]
# The recommended K and the one-sentence reason (the rule is documented in
# `topics.evaluate.recommend_k`):

# %%
print(best_k, "-", reason)

# %% [markdown]
# The figure `sweep.png` shows each score against K with its spread over seeds.
# An interrupted sweep resumes where it stopped: finished (K, seed) fits are read back.

# %%
from IPython.display import Image

Image(filename=str(out / "sweep" / "sweep.png"))
