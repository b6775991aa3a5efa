"""topics.evaluate.sweep: fits K x seeds in a pool, saves as it goes, resumes, recommends."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from topics.evaluate import heldout_likelihood, sweep
from topics.vectorize import build_dtm

THEMES = [
    ["nuclear", "iran", "enrichment", "iaea", "sanctions", "centrifuge", "reactor", "uranium"],
    ["trade", "tariff", "export", "wto", "agriculture", "market", "import", "quota"],
    ["election", "parliament", "party", "vote", "opposition", "campaign", "ballot", "seat"],
    ["military", "troops", "defense", "exercise", "navy", "base", "army", "patrol"],
]


def _planted(n_docs: int = 120, seed: int = 0) -> tuple[list[list[str]], list[str]]:
    rng = np.random.default_rng(seed)
    filler = [f"f{i}" for i in range(30)]
    texts = []
    for _ in range(n_docs):
        theme = THEMES[rng.integers(len(THEMES))]
        n = int(rng.integers(30, 80))
        words = np.where(rng.random(n) < 0.7, rng.choice(theme, n), rng.choice(filler, n))
        texts.append([str(w) for w in words])
    return texts, [f"09TEST{i}" for i in range(n_docs)]


@pytest.fixture(scope="module")
def corpus():
    texts, refs = _planted()
    return build_dtm(texts, refs, min_df=2, max_df=1.0), texts


PARAMS = {"engine": "lda-gibbs", "iterations": 60}


def test_sweep_writes_tables_and_resumes(corpus, tmp_path, caplog):
    dtm, texts = corpus
    out = tmp_path / "sweep"
    table = sweep(dtm, texts, [3, 4], seeds=[0, 1], out_dir=out, n_jobs=2, **PARAMS)
    assert list(table["k"]) == [3, 4]
    for col in ("c_npmi_mean", "c_v_mean", "u_mass_mean", "diversity_mean", "stability_mean",
                "perplexity_mean", "c_npmi_std"):
        assert table[col].notna().all(), col
    assert ((table["stability_mean"] > 0) & (table["stability_mean"] <= 1 + 1e-9)).all()
    for name in ("sweep.csv", "sweep.md", "sweep.png"):
        assert (out / name).stat().st_size > 0
    assert "Recommended K = " in (out / "sweep.md").read_text()
    pd.testing.assert_frame_equal(pd.read_csv(out / "sweep.csv"), table, check_dtype=False)
    results = sorted((out / "results").glob("*.json"))
    assert len(results) == 4 and len(list((out / "results").glob("*.npy"))) == 4
    first = json.loads(results[0].read_text())
    assert first["k"] == 3 and len(first["top_terms"]) == 3 and first["fit_seconds"] > 0

    # interrupted sweep: one result lost; only that one is refit
    stamps = {p.name: p.stat().st_mtime_ns for p in results}
    lost = out / "results" / "k0004_seed1.json"
    lost.unlink()
    caplog.set_level(logging.INFO, logger="topics.evaluate.selection")
    again = sweep(dtm, texts, [3, 4], seeds=[0, 1], out_dir=out, n_jobs=2, **PARAMS)
    assert "3 of 4 fits already done" in caplog.text and "fitting 1" in caplog.text
    assert lost.exists()
    for p in (out / "results").glob("*.json"):
        if p != lost:
            assert p.stat().st_mtime_ns == stamps[p.name], f"{p.name} was refit"
    # the same seed refits to the same model (deterministic engine): same table
    pd.testing.assert_frame_equal(
        again.drop(columns="fit_seconds"), table.drop(columns="fit_seconds"))

    # other settings in the same directory: results are not reused
    caplog.clear()
    sweep(dtm, texts, [3], seeds=[0], out_dir=out, n_jobs=1, engine="lda-gibbs", iterations=30)
    assert "made with other settings" in caplog.text


def test_sweep_bad_input(corpus, tmp_path):
    dtm, texts = corpus
    with pytest.raises(ValueError, match=r"K=\[500\] out of range"):
        sweep(dtm, texts, [3, 500], seeds=[0], out_dir=tmp_path, n_jobs=1, **PARAMS)
    with pytest.raises(ValueError, match=r"K=\[1\] out of range"):
        sweep(dtm, texts, [1], seeds=[0], out_dir=tmp_path, n_jobs=1, **PARAMS)
    with pytest.raises(ValueError, match="token lists for 120 matrix rows"):
        sweep(dtm, texts[:10], [3], seeds=[0], out_dir=tmp_path, n_jobs=1, **PARAMS)
    with pytest.raises(ValueError, match="distinct"):
        sweep(dtm, texts, [3], seeds=[0, 0], out_dir=tmp_path, n_jobs=1, **PARAMS)
    with pytest.raises(ValueError, match="unknown engine"):
        sweep(dtm, texts, [3], seeds=[0], out_dir=tmp_path, engine="lda2vec")


def test_heldout_likelihood_prefers_the_planted_structure(corpus):
    from topics.models import make_model

    dtm, _ = corpus
    train, held = dtm.subset(range(100)), dtm.subset(range(100, 120))
    fitted = make_model("lda-gibbs", n_topics=4, seed=0, iterations=100).fit(train)
    res = heldout_likelihood(fitted, held)
    assert res["n_docs"] == 20 and res["n_words"] == int(held.matrix.sum())
    assert np.isfinite(res["per_word_ll"]) and res["perplexity"] == pytest.approx(
        np.exp(-res["per_word_ll"]))
    # a uniform model over the vocabulary is worse than the fitted one
    assert res["perplexity"] < len(dtm.vocabulary)


SAMPLE = Path(__file__).resolve().parents[1] / "corpora" / "data" / "sample"


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["nmf", "lda-gibbs"])
def test_sweep_recommends_the_planted_number_of_themes(tmp_path, engine):
    """The whole road (ingest, tokenize, vectorize, sweep) on the bundled sample."""
    files = sorted((SAMPLE / "cables").rglob("*.txt"))
    if not files:
        pytest.skip(f"bundled sample corpus {SAMPLE} is absent")
    from corpora.synthetic import PLANTED_THEMES
    from topics.config import RunConfig
    from topics.pipeline import run
    from topics.stages import sweep_store

    cfg = RunConfig.from_dict({"corpus": {"sources": [str(SAMPLE / "cables")]}})
    run(cfg, tmp_path / "ingest", until="ingest")
    table, (k, reason) = sweep_store(tmp_path / "ingest" / "store", [4, 6, 8, 10, 12],
                                     n_seeds=2, engine=engine, out_dir=tmp_path / "sweep")
    planted = len(PLANTED_THEMES)
    assert abs(k - planted) <= 0.2 * planted, (k, reason)
    assert list(table["k"]) == [4, 6, 8, 10, 12]
    assert (tmp_path / "sweep" / "sweep.png").exists()


@pytest.mark.parametrize("engine,params,method", [
    ("lda-gibbs", {"iterations": 100}, "tomotopy log-likelihood"),
    ("lda", {"passes": 5}, "gensim variational bound"),
    ("lda-sklearn", {"max_iter": 20}, "scikit-learn approximate bound"),
    ("nmf", {}, None),
])
def test_heldout_scores_prefer_the_planted_number_of_topics(corpus, engine, params, method):
    from topics.evaluate import heldout_bound, heldout_completion
    from topics.models import make_model

    dtm, _ = corpus
    train, held = dtm.subset(range(90)), dtm.subset(range(90, 120))
    scores = {}
    for k in (2, 4):
        model = make_model(engine, n_topics=k, seed=0, **params).fit(train)
        done = heldout_completion(model, held)
        assert done["n_docs"] == 30 and 0 < done["n_words"] < held.matrix.sum()
        bound = heldout_bound(model, held)
        if method is None:
            assert bound is None
        else:
            assert bound["method"] == method and np.isfinite(bound["per_word_ll"])
        scores[k] = (done["per_word_ll"], bound["per_word_ll"] if bound else None)
    assert scores[4][0] > scores[2][0]  # completion: the 4 planted themes fit better
    if method is not None:
        assert scores[4][1] > scores[2][1]
    # seeded split: the same numbers again
    again = heldout_completion(model, held)
    assert again["per_word_ll"] == pytest.approx(scores[4][0])


def test_sweep_tabulates_heldout_and_agreement_and_writes_the_recommendation(corpus, tmp_path):
    dtm, texts = corpus
    # label = the planted theme of each document (its most common theme word's theme)
    theme_of = {w: i for i, words in enumerate(THEMES) for w in words}
    tags = [f"T{max(range(4), key=lambda i, t=t: sum(theme_of.get(w) == i for w in t))}"
            for t in texts]
    posts = [f"P{i % 3}" for i in range(len(texts))]
    table = sweep(dtm, texts, [2, 4, 8], seeds=[0], out_dir=tmp_path, n_jobs=1,
                  subject_tags=tags, origins=posts, **PARAMS)
    assert table["heldout_ll_mean"].notna().all() and table["ami_tag_mean"].notna().all()
    by_k = table.set_index("k")
    assert by_k.loc[4, "ami_tag_mean"] > 0.5 > abs(by_k.loc[4, "ami_post_mean"])
    rec = json.loads((tmp_path / "recommendation.json").read_text())
    assert rec["k"] in (2, 4, 8) and "frontier" in rec["reason"]
    result = json.loads((tmp_path / "results" / "k0004_seed0.json").read_text())
    assert result["heldout"]["method"] == "tomotopy log-likelihood"
    assert np.isfinite(result["heldout_completion"]["per_word_ll"])
