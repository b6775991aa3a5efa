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
# # Working with a real corpus
#
# Point the config at real cables: the leaked Cablegate `cables.csv` (8 columns, no
# header, MySQL-style escapes), a folder of Cablegate HTML pages (`cable/YYYY/MM/REF.html`),
# raw cable text files, the mongoexport JSON Lines, PlusD pages or FRUS TEI. `format =
# "auto"` detects the format per file and logs its choice.
#
# ```toml
# [corpus]
# sources = ["/data/cablegate/cables.csv"]      # or ["/data/cablegate-html/cable"]
# date_from = "2006-01-01"
# [model]
# n_topics = 40
# ```
#
# Expected run times on a 2-core laptop (measured on this project's benchmark machine; see
# `benchmarks/`): ingest runs at thousands of cables per second, so the full 251,287-cable
# `cables.csv` takes minutes; tokenizing uses both cores; `lda-gibbs` with K = 40 fits
# 6,000 cables in about a minute. By default this notebook runs on the bundled sample; set
# `SOURCES` to your files.

# %% tags=["parameters"]
SOURCES = ["@sample"]
OUT = "runs/nb-real"
N_TOPICS = 8

# %%
import time
from pathlib import Path

import pandas as pd

from corpora.store import CorpusStore
from topics.config import RunConfig
from topics.pipeline import run

out = Path(OUT)
cfg = RunConfig.from_dict(
    {"corpus": {"sources": SOURCES, "min_length": 200},
     "model": {"n_topics": N_TOPICS}},
    base_dir=Path("."),
)
t0 = time.perf_counter()
run(cfg, out)
print(f"whole run: {time.perf_counter() - t0:.1f} s")

# %% [markdown]
# ## What was read, what was rejected and why
# Rejected records are never dropped silently: each has its file, record and reason.

# %%
store = CorpusStore(out / "store")
summary = store.summary()
print(summary["cables"], "cables;", summary["counts"]["rejected"], "rejected")
pd.DataFrame(store.rejects()).head()

# %% [markdown]
# ## Do the themes follow subject or geography?
# Agreement of themes with the cables' first subject TAG and with the sending post
# (normalized mutual information). On real cables, naive pipelines agree more with the
# post than with the subject; the default pipeline drops place names and down-weights
# post-typical words to counter that.

# %%
import json

evaluation = json.loads((out / "evaluation.json").read_text())
evaluation["tag_agreement"]
