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
# # The cables' own TAGS: supervision, suggestion, seeded themes
#
# Every cable carries State Department TAGS, a human subject coding. Here they become the
# labels of a partially labeled LDA (`plda`: one topic per subject TAG plus free latent
# topics), which tells what words the tagging means by PHUM, PTER or KNNP; the same model
# then suggests TAGS for cables without them, scored on held-out tagged cables against a
# logistic-regression baseline. Seed words keep a theme we want to see (`[themes.seeds]`,
# with `lda-gibbs`).
# On the bundled sample (synthetic cables); the numbers for 4,000 real cables are in
# docs/engines.md.

# %% tags=["parameters"]
SOURCES = ["@sample"]
OUT = "runs/nb-tags"
N_LATENT = 4
ITERATIONS = 100

# %%
from pathlib import Path

import pandas as pd

from topics.config import RunConfig
from topics.models import load_model
from topics.pipeline import run
from topics.report.tag_topics import tag_topic_rows

out = Path(OUT)
cfg = RunConfig.from_dict(
    {"corpus": {"sources": SOURCES},
     "text": {"n_jobs": 1},  # a small corpus: no worker processes
     "model": {"engine": "plda", "n_topics": N_LATENT, "params": {"iterations": ITERATIONS}},
     "evaluation": {"coherence": False},
     "report": {"enabled": False}},
    base_dir=Path("."),
)
run(cfg, out)
model = load_model(out / "model")
doc = pd.read_parquet(out / "doc_topics.parquet")
print(f"{len(doc)} cables, {len(model.labels_)} TAG topics + {N_LATENT} latent topics")

# %% [markdown]
# ## What the tagging means: each subject TAG's topic
#
# The topic of a TAG is learned only from the cables that carry it. (For the same reason
# agreement between this model's themes and the TAGS is circular: do not read it as
# quality.)

# %%
tags = tag_topic_rows(model, list(doc["tags"]))
tags[tags["tag"].isin(["PHUM", "PTER", "KNNP", "SNAR", "ETRD"])][["tag", "name", "n_cables",
                                                                  "words"]]

# %% [markdown]
# ## Seeded themes
#
# With `model.engine = "lda-gibbs"`, `[themes.seeds] consular = ["visa", "passport"]` ties
# those words to topic 0, which keeps the name; the model finds the rest. In a run the
# seeded themes get their names in `topics.json` and a report section
# (`seeded_theme_rows`); here the engine is called directly on the run's matrix.

# %%
import json

import numpy as np

from topics.models import make_model
from topics.stages import load_dtm

dtm = load_dtm(out / "dtm")
seeds = {"consular": ["visa", "passport"], "narcotics": ["cocaine"]}
guided = make_model("lda-gibbs", n_topics=8, seed=0, iterations=ITERATIONS,
                    seed_words=seeds).fit(dtm)
dominant = np.bincount(guided.doc_topic_.argmax(axis=1), minlength=guided.n_topics_)
pd.DataFrame(
    [{"theme": name, "seed words": ", ".join(seeds[name]), "cables": int(dominant[i]),
      "top words": ", ".join(np.asarray(guided.terms_)[np.argsort(-guided.topic_term_[i])[:8]])}
     for i, name in enumerate(seeds)]
)

# %% [markdown]
# ## Suggesting TAGS
#
# The first call splits the run's tagged cables (seeded: 60% fit, 15% calibration, 25%
# test), fits the model and the baseline on the fit cables, picks per-TAG thresholds on
# the calibration cables; `lr-cv` (the baseline) and `text` (ridge regression on the
# subject line, the first words, the body's word pairs, the post and country TAGS) are
# trained on fit + calibration cables with thresholds from 4-fold cross-validation. Each
# method is scored on the test cables (`RUN/tag_suggest/`), and the one with the best
# calibration / out-of-fold micro-F1 is kept. `cable-topics suggest-tags STORE --model RUN
# --out tags.csv` does the same from the command line.

# %%
from topics.tagsuggest import suggest_store

result = suggest_store(out / "store", out, out / "suggested.csv")
report = json.loads((out / "tag_suggest" / "evaluation.json").read_text())
pd.DataFrame(
    [{"method": m, "micro-F1": e["micro_f1"], "micro-F1, 20 specific TAGS":
      e.get("micro_f1_specific"), "specific TAGS with F1 >= 0.5": e.get("specific_f1_ge_0_5")}
     for m, e in report["methods"].items()]
).round(3).assign(chosen=lambda d: d["method"] == report["chosen"])

# %%
pd.read_csv(out / "suggested.csv").head(8)
