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
# 6,000 cables in about a minute. By default this notebook runs on the 4,000-cable
# Cablegate dev corpus when the project's `shared/data/` folder is there (K = 50), else on
# the bundled sample (K = 8); set `SOURCES` to your files.

# %% tags=["parameters"]
from pathlib import Path

DEV = next((d / "shared/data/cablegate-dev/cables-4000.zip"
            for d in [Path.cwd(), *Path.cwd().parents]
            if (d / "shared/data/cablegate-dev/cables-4000.zip").exists()), None)
SOURCES = [str(DEV)] if DEV else ["@sample"]
OUT = "runs/nb-real"
N_TOPICS = 50 if DEV else 8

# %%
import time

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

# %% [markdown]
# The numbers in words, computed from the run (so the text cannot drift from them):

# %%
ta = evaluation["tag_agreement"]
tag, post = ta.get("ami_tag", ta.get("nmi_tag")), ta.get("ami_post", ta.get("nmi_post"))
measure = "AMI" if "ami_tag" in ta else "NMI"
print(f"{summary['cables']:,} cables, {N_TOPICS} topics: themes agree with the subject TAGS "
      f"at {measure} {tag:.3f} and with the sending post at {post:.3f}; they follow "
      f"{'subject more than geography' if tag > post else 'geography at least as much as subject'}.")

# %% [markdown]
# ## The themes, as figures
# The run's report (`report/index.html`, with an interactive explorer) holds every figure;
# here are two of them: every theme over time (a ranked heat map that stays readable at
# K = 50) and the themes' differences between levels of classification and between years.

# %%
from IPython.display import Image, display

from topics.results import Run

result = Run.open(out)
figures = out / "report" / "figures"
display(Image(filename=str(figures / "themes_over_time.png")))
if (figures / "differences.png").exists():
    display(Image(filename=str(figures / "differences.png")))

# %% [markdown]
# The largest theme, its terms by four rankings (as R stm's `labelTopics`) and its most
# representative cables:

# %%
largest = int(result.themes.index[0])
topic = int(result.themes.loc[largest, "topics"][0])
rankings = pd.concat({r: result.top_terms(topic, n=8, ranking=r)["term"]
                      for r in ("prob", "frex", "lift", "score")}, axis=1)
print(f"theme {largest}: {result.themes.loc[largest, 'label']} "
      f"({result.themes.loc[largest, 'size']:,} cables)")
rankings

# %%
result.cables(theme=largest)[["date", "origin", "subject", "weight"]].head()
