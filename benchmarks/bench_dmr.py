"""Planted covariate effect: does ``dmr`` recover it within its intervals, at nominal coverage?

Generated cables (`corpora.synthetic_effects`): each cable's words are a mixture of the 8
planted themes, the mixture drawn from a Dirichlet whose mean gives theme 0 the expected share

    m(year, post) = 0.08 + 0.04 * (year - 2003) + 0.15 * [post == Embassy Tokyo]

(the other themes share the rest equally). For each seed: a fresh corpus, a ``dmr`` fit with
``prevalence = "post + s(year)"`` (K = 8), the model-based effects of
`topics.report.model_effects` (100 posterior draws, 95% intervals), and the fitted topic
that carries theme 0's words. Each interval is checked against the planted value of the same
estimand (average marginal prediction over that corpus's cables):

* ``year y``: expected share with every cable's year set to y (8 years per seed);
* ``post Tokyo``: expected share with every cable's post set to Tokyo;
* ``Tokyo - reference post``: the difference between Tokyo and the reference post (0.15);
* ``2010 - 2003``: the difference between the last and first year (0.28).

Beside it, in the same run, the model-free estimate a user of the plain library would make:
``lda-gibbs`` (tomotopy ``LDAModel``, same K, sweeps and seed) and the per-level mean of its
topic shares with a 95% bootstrap interval over cables (what the report's own effects
section does). Coverage is the share of intervals that hold the planted value; nominal 0.95.

Run::

    python -m benchmarks dmr                 # 20 seeds, 1,500 cables each
    python -m benchmarks dmr --seeds 5 --docs 800
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from benchmarks.common import print_table

THEME = 0
PLANTED_POST = "AMEMBASSY TOKYO"


def corpus(seed: int, n_docs: int, effect=None):
    """(DocTermMatrix, covariates DataFrame, documents) of one generated corpus."""
    from corpora.synthetic_effects import PlantedEffect, iter_effect_documents
    from topics.vectorize import build_dtm

    effect = effect or PlantedEffect(theme=THEME, post=PLANTED_POST)
    docs = list(iter_effect_documents(n_docs, seed, effect=effect))
    dtm = build_dtm([d.words for d in docs], [d.ref for d in docs], min_df=3, max_df=0.5)
    meta = pd.DataFrame({"ref": [d.ref for d in docs], "post": [d.post for d in docs],
                         "year": [float(d.year) for d in docs],
                         "classification": [d.classification for d in docs],
                         "genre": "subject"})
    return dtm, meta, docs, effect


def matched_topic(topic_term: np.ndarray, terms, theme: int = THEME) -> int:
    """The fitted topic with the most probability on the planted theme's words."""
    from corpora.synthetic import PLANTED_THEMES

    words = {w.replace(" ", "_") for w in PLANTED_THEMES[theme].words}
    cols = [j for j, t in enumerate(terms) if t in words]
    return int(np.argmax(np.asarray(topic_term)[:, cols].sum(axis=1)))


def purity(topic_term: np.ndarray, terms, topic: int, theme: int = THEME, n: int = 20) -> float:
    """Share of the topic's ``n`` most probable terms that are the planted theme's words
    (below ~0.75 the sampler merged the theme with another or split it)."""
    from corpora.synthetic import PLANTED_THEMES

    words = {w.replace(" ", "_") for w in PLANTED_THEMES[theme].words}
    top = np.argsort(-np.asarray(topic_term)[topic], kind="stable")[:n]
    return float(np.mean([terms[j] in words for j in top]))


def planted_dmr(seed: int, n_docs: int = 1500, *, iterations: int = 200, n_draws: int = 100,
                formula: str = "post + s(year)") -> dict:
    """Fit ``dmr`` on one generated corpus; each estimand's truth, estimate and interval."""
    from topics.models import make_model
    from topics.report.model_effects import estimate_model_effects

    dtm, meta, docs, eff = corpus(seed, n_docs)
    t0 = time.perf_counter()
    model = make_model("dmr", n_topics=8, seed=seed, prevalence=formula,
                       iterations=iterations).fit(dtm, metadata=meta)
    fit_s = time.perf_counter() - t0
    topic = matched_topic(model.topic_term_, model.terms_)
    res = estimate_model_effects(model, n_draws=n_draws, seed=seed, max_levels=1000)
    years = meta["year"].to_numpy()
    at_post = (meta["post"] == PLANTED_POST).to_numpy()
    lv = res.levels[res.levels["topic"] == topic]
    con = res.contrasts[res.contrasts["topic"] == topic]
    rows = []
    for y in range(2003, 2011):
        r = lv[(lv["covariate"] == "year") & (lv["level"] == str(y))].iloc[0]
        truth = eff.base + eff.per_year * (y - 2003) + eff.post_boost * at_post.mean()
        rows.append(("year y", truth, r.estimate, r.lower, r.upper))
    r = lv[(lv["covariate"] == "post") & (lv["level"] == PLANTED_POST)].iloc[0]
    truth = eff.base + eff.per_year * (years.mean() - 2003) + eff.post_boost
    rows.append(("post Tokyo", truth, r.estimate, r.lower, r.upper))
    c = con[(con["covariate"] == "post") & ((con["level"] == PLANTED_POST)
                                            | (con["reference"] == PLANTED_POST))].iloc[0]
    sign = 1.0 if c.level == PLANTED_POST else -1.0
    lo, hi = sorted((sign * c.lower, sign * c.upper))
    rows.append(("Tokyo - reference post", eff.post_boost, sign * c.difference, lo, hi))
    # 2010 - 2003: the difference of two marginal predictions, from the same draws
    y0 = lv[(lv["covariate"] == "year") & (lv["level"] == "2003")].iloc[0]
    y1 = lv[(lv["covariate"] == "year") & (lv["level"] == "2010")].iloc[0]
    rows.append(("2010 - 2003 (intervals of both years disjoint)", eff.per_year * 7,
                 y1.estimate - y0.estimate, y1.lower - y0.upper, y1.upper - y0.lower))
    return {"rows": rows, "topic": topic, "fit_s": fit_s, "docs": docs, "dtm": dtm,
            "meta": meta, "model": model,
            "purity": purity(model.topic_term_, model.terms_, topic)}


def planted_plain(seed: int, dtm, meta, *, iterations: int = 200, n_boot: int = 200) -> dict:
    """The model-free road: lda-gibbs, per-level mean of the matched topic's share with a
    bootstrap interval over cables (years and Tokyo)."""
    from topics.models import make_model

    t0 = time.perf_counter()
    lda = make_model("lda-gibbs", n_topics=8, seed=seed, iterations=iterations).fit(dtm)
    fit_s = time.perf_counter() - t0
    topic = matched_topic(lda.topic_term_, lda.terms_)
    share = np.asarray(lda.doc_topic_)[:, topic]
    rng = np.random.default_rng(seed)
    at_post = (meta["post"] == PLANTED_POST).to_numpy()
    years = meta["year"].to_numpy()
    eff_rows = []
    from corpora.synthetic_effects import PlantedEffect

    eff = PlantedEffect(theme=THEME, post=PLANTED_POST)
    for y in range(2003, 2011):
        idx = np.flatnonzero(years == y)
        boots = [share[rng.choice(idx, len(idx))].mean() for _ in range(n_boot)]
        # the per-level mean estimates the share among that year's cables (its own posts)
        truth = eff.base + eff.per_year * (y - 2003) + eff.post_boost * at_post[idx].mean()
        eff_rows.append(("year y", truth, share[idx].mean(), *np.quantile(boots, [.025, .975])))
    idx = np.flatnonzero(at_post)
    boots = [share[rng.choice(idx, len(idx))].mean() for _ in range(n_boot)]
    truth = eff.base + eff.per_year * (years[idx].mean() - 2003) + eff.post_boost
    eff_rows.append(("post Tokyo", truth, share[idx].mean(), *np.quantile(boots, [.025, .975])))
    return {"rows": eff_rows, "fit_s": fit_s,
            "purity": purity(lda.topic_term_, lda.terms_, topic)}


def _summary(name: str, rows: list[tuple], fit_s: list[float]) -> list[list]:
    df = pd.DataFrame(rows, columns=["estimand", "truth", "estimate", "lower", "upper"])
    df["covered"] = (df["lower"] <= df["truth"]) & (df["truth"] <= df["upper"])
    out = []
    for est, d in df.groupby("estimand", sort=False):
        out.append([name, est, len(d), round(float(d["covered"].mean()), 3),
                    round(float((d["estimate"] - d["truth"]).mean()), 4),
                    round(float((d["upper"] - d["lower"]).mean()), 4),
                    round(float(np.mean(fit_s)), 2)])
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line; see the module docstring."""
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(prog="python -m benchmarks dmr", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=20, help="number of seeds (corpora)")
    p.add_argument("--docs", type=int, default=1500, help="cables per corpus")
    p.add_argument("--iterations", type=int, default=200, help="Gibbs sweeps")
    a = p.parse_args(argv)
    runs = []
    for seed in range(a.seeds):
        r = planted_dmr(seed, a.docs, iterations=a.iterations)
        q = planted_plain(seed, r["dtm"], r["meta"], iterations=a.iterations)
        runs.append((r, q))
        cov = np.mean([lo <= t <= hi for _, t, _, lo, hi in r["rows"]])
        print(f"  seed {seed}: dmr topic {r['topic']} (purity {r['purity']:.2f}), {cov:.2f} of "
              f"intervals cover; lda-gibbs purity {q['purity']:.2f}; fit {r['fit_s']:.1f} s",
              flush=True)
    print()
    print(f"### Planted effect, {a.seeds} seeds x {a.docs:,} generated cables, K = 8, "
          f"{a.iterations} sweeps, nominal coverage 0.95\n")
    table = []
    for subset, keep in (("all seeds", lambda r: True),
                         ("theme recovered (purity >= 0.75)", lambda r: r["purity"] >= 0.75)):
        d = [(r, q) for r, q in runs if keep(r)]
        if not d:
            continue
        tag = f" [{subset}: {len(d)}]"
        table += _summary("dmr (model-based, posterior draws)" + tag,
                          [x for r, _ in d for x in r["rows"]], [r["fit_s"] for r, _ in d])
        dq = [(r, q) for r, q in runs if keep(q)]
        if dq:
            table += _summary("lda-gibbs + per-level mean (bootstrap)"
                              + f" [{subset}: {len(dq)}]",
                              [x for _, q in dq for x in q["rows"]], [q["fit_s"] for _, q in dq])
    print_table(["approach", "estimand", "intervals", "coverage", "mean bias", "mean width",
                 "fit s"], table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
