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
# # Quickstart: from cable files to themes and a report
#
# This notebook ingests a corpus of cables, fits a topic model, clusters the cables into
# themes and writes the summary report. By default it uses the bundled synthetic sample
# corpus (`"@sample"`); point `SOURCES` at your own files (a Cablegate `cables.csv`, a
# folder of Cablegate HTML pages, raw cable text, ...) to study a real corpus.

# %% tags=["parameters"]
SOURCES = ["@sample"]
OUT = "runs/nb-quickstart"
N_TOPICS = 8
ENGINE = "nmf"
SEED = 0

# %%
import tempfile
from pathlib import Path

import pandas as pd

from corpora.store import CorpusStore
from topics.config import RunConfig
from topics.pipeline import run

if OUT is None:
    OUT = tempfile.mkdtemp(prefix="cable-topics-")
out = Path(OUT)

# %% [markdown]
# ## 1. Ingest
# Every record is parsed into a typed `Cable`; bad records are kept in `rejects.jsonl`
# with their reason.

# %%
cfg = RunConfig.from_dict(
    {
        "name": "quickstart",
        "seed": SEED,
        "corpus": {"sources": SOURCES},
        "model": {"engine": ENGINE, "n_topics": N_TOPICS},
    },
    base_dir=Path("."),
)
run(cfg, out, until="ingest")
store = CorpusStore(out / "store")
summary = store.summary()
print(f"{summary['cables']} cables, {summary['counts']['rejected']} rejected")
store.to_pandas().loc[:, ["ref", "date", "origin", "classification", "subject"]].head()

# %% [markdown]
# ## 2. Fit the model, the themes and the report
# The run caches each stage: re-running with only a report option changed does not refit.

# %%
run(cfg, out)
themes = pd.read_csv(out / "report" / "themes.csv")
themes.head(10)

# %% [markdown]
# ## 3. One row per cable
# `doc_topics.parquet` holds each cable's topic weights and theme, with its metadata.

# %%
doc_topics = pd.read_parquet(out / "doc_topics.parquet")
assert len(doc_topics) > 0
doc_topics.loc[:, ["ref", "date", "origin", "theme"]].head()

# %%
print("report:", (out / "report" / "index.html").resolve())
