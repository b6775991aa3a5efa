"""The ``dmr`` engine, its prevalence formula and the model-based effects."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from topics.formula import FormulaError, Term, parse_formula
from topics.models import load_model, make_model

pytest.importorskip("tomotopy")


# --- the formula ------------------------------------------------------------------------

def test_formula_terms():
    assert parse_formula("post + s(year) + classification") == (
        Term("post"), Term("year", True, 3), Term("classification"))
    assert parse_formula("~ genre + s( year , 5 )") == (Term("genre"), Term("year", True, 5))
    assert parse_formula("year") == (Term("year"),)
    assert parse_formula("") == () and parse_formula("1") == ()
    assert str(parse_formula("s(year, 4)")[0]) == "s(year, 4)"


@pytest.mark.parametrize("formula, named", [
    ("post + sender", "'sender'"),
    ("post + s(post)", "'s(post)'"),
    ("s(year, 9)", "'s(year, 9)'"),
    ("s(year", "without its"),
    ("post + + year", "empty term"),
    ("post + post", "'post' appears twice"),
    ("s((year))", "nested"),
    ("year)", "')' without '('"),
    ("1post", "'1post'"),
])
def test_formula_errors_name_the_term(formula, named):
    with pytest.raises(FormulaError, match=None) as exc:
        parse_formula(formula)
    assert named in str(exc.value)


def test_formula_parser_is_linear():
    with pytest.raises(FormulaError, match="at most"):
        parse_formula("post + " * 100_000)
    t0 = time.perf_counter()
    with pytest.raises(FormulaError):
        parse_formula("(" * 499)
    assert time.perf_counter() - t0 < 0.5


# --- the engine on generated cables --------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    from benchmarks.bench_dmr import corpus

    dtm, meta, _, effect = corpus(seed=7, n_docs=300)
    return dtm, meta


def _fit(dtm, meta, seed=0, **kw):
    # one chain unless a test is about chains (the default, 3, triples the fit time)
    params = {"prevalence": "post + s(year) + classification", "iterations": 30,
              "chains": 1, **kw}
    return make_model("dmr", n_topics=8, seed=seed, **params).fit(dtm, metadata=meta)


def test_dmr_deterministic_save_load_transform(small, tmp_path):
    dtm, meta = small
    a, b = _fit(dtm, meta), _fit(dtm, meta)
    np.testing.assert_array_equal(a.doc_topic_, b.doc_topic_)
    np.testing.assert_array_equal(a.topic_term_, b.topic_term_)
    np.testing.assert_array_equal(a.counts_, b.counts_)
    assert a.counts_.sum() == dtm.matrix.sum()
    # the prior depends on the covariates: cables of different posts get different priors
    assert len(np.unique(a.prior_.round(6), axis=0)) > 8
    a.save(tmp_path / "m")
    c = load_model(tmp_path / "m")
    np.testing.assert_array_equal(c.prior_, a.prior_)
    np.testing.assert_array_equal(c.counts_, a.counts_)
    assert c.levels_ == a.levels_
    pd.testing.assert_frame_equal(c.covariates_, a.covariates_, check_dtype=False)
    sub = dtm.subset(np.arange(20))
    np.testing.assert_allclose(c.transform(sub), a.transform(sub))
    np.testing.assert_allclose(c.transform(sub, metadata=meta), a.transform(sub))
    # an unseen post is pooled into "(other)" or left out; never a crash
    odd = meta.assign(post="Consulate Nowhere")
    assert np.allclose(a.transform(sub, metadata=odd).sum(axis=1), 1.0)


def test_dmr_needs_covariates(small, tmp_path):
    dtm, meta = small
    with pytest.raises(ValueError, match="needs each cable's covariates"):
        make_model("dmr", n_topics=4, iterations=5, chains=1).fit(dtm)
    with pytest.raises(ValueError, match=r"\['genre'\]"):
        make_model("dmr", n_topics=4, iterations=5, chains=1, prevalence="genre").fit(
            dtm, metadata=meta.drop(columns="genre"))
    with pytest.raises(ValueError, match="'prevalence' parameter.*'country'"):
        make_model("dmr", n_topics=4, prevalence="country", chains=1).fit(dtm, metadata=meta)
    with pytest.raises(ValueError, match="no covariates row"):
        make_model("dmr", n_topics=4, iterations=5, chains=1).fit(dtm, metadata=meta.iloc[5:])
    # the covariates file the pipeline writes
    from topics.formula import write_covariates

    path = write_covariates(meta, tmp_path / "cov.parquet")
    m = make_model("dmr", n_topics=4, iterations=5, chains=1, covariates=str(path)).fit(dtm)
    assert m.counts_.shape == (dtm.n_docs, 4)
    # the file is an input, not part of the saved model (two runs' models stay identical)
    from topics.models.base import read_params

    m.save(tmp_path / "m")
    assert read_params(tmp_path / "m")["params"]["covariates"] == ""
    assert m.covariates == str(path)


def test_planted_effect_recovered_one_seed():
    """One generated corpus (seed 3, not chosen): the planted theme's share rises with the
    year and is higher at Tokyo; the model-based effects find both directions (intervals
    above 0), the yearly shares rise, and most of the planted yearly shares lie in their
    intervals. Coverage over 20 seeds is `benchmarks/bench_dmr.py`'s job."""
    from benchmarks.bench_dmr import planted_dmr

    r = planted_dmr(seed=3, n_docs=700, iterations=80, n_draws=40)
    rows: dict[str, list] = {}
    for name, truth, est, lo, hi in r["rows"]:
        rows.setdefault(name, []).append((truth, est, lo, hi))
    (truth, est, lo, hi), = rows["Tokyo - reference post"]
    assert lo > 0, "the post effect's interval should exclude 0"
    (truth, est, lo, hi), = rows["2010 - 2003 (intervals of both years disjoint)"]
    assert lo > 0, "the year effect's interval should exclude 0"
    years = rows["year y"]
    assert np.corrcoef(np.arange(8), [e for _, e, _, _ in years])[0, 1] > 0.9
    assert np.mean([lo <= t <= hi for t, _, lo, hi in years]) >= 0.5


def test_model_effects_deterministic_and_shaped(small):
    from topics.report.model_effects import estimate_model_effects

    dtm, meta = small
    m = _fit(dtm, meta)
    a = estimate_model_effects(m, n_draws=60, seed=1)
    b = estimate_model_effects(m, n_draws=60, seed=1)
    pd.testing.assert_frame_equal(a.levels, b.levels)
    assert set(a.levels["covariate"]) == {"post", "year", "classification"}
    assert (a.levels["lower"] <= a.levels["estimate"]).all()
    assert (a.levels["estimate"] <= a.levels["upper"]).all()
    cls = a.contrasts[a.contrasts["covariate"] == "classification"]
    assert set(cls["reference"]) == {"UNCLASSIFIED"}
    assert {"SECRET", "CONFIDENTIAL"} <= set(cls["level"])
    # the expected shares at each year sum to one over the topics (up to the independent
    # coefficient draws of each topic: 60 draws here; HC3 widens the sparse last year)
    year = a.levels[a.levels["covariate"] == "year"].groupby("level")["estimate"].sum()
    np.testing.assert_allclose(year.to_numpy(), 1.0, atol=0.06)
    with pytest.raises(ValueError, match="level"):
        estimate_model_effects(m, level=1.5)


def test_dmr_sweep_scores_through_transform(small, tmp_path):
    """The sweep fits dmr from the covariates file and scores held-out cables through
    `transform` (tomotopy's make_doc without covariates would abort the process)."""
    from topics import evaluate as ev
    from topics.formula import write_covariates

    dtm, meta = small
    path = write_covariates(meta, tmp_path / "cov.parquet")
    texts = [[dtm.vocabulary.terms[j] for j in row.indices] for row in dtm.matrix]
    table = ev.sweep(dtm, texts, [3], seeds=[0], engine="dmr", out_dir=tmp_path / "sweep",
                     n_jobs=1, covariates=str(path), iterations=10, chains=1)
    assert np.isfinite(table.loc[0, "heldout_ll_mean"])


def test_model_effects_of_topic_groups_and_pooled_chains(small):
    """``groups=`` estimates sums of topics (singletons: the per-topic tables exactly);
    `pool_chains` pools the draws of several fits (estimate = the chains' mean)."""
    from topics.report.model_effects import estimate_model_effects, pool_chains

    dtm, meta = small
    m = _fit(dtm, meta)
    plain = estimate_model_effects(m, n_draws=30, seed=2)
    single = estimate_model_effects(m, n_draws=30, seed=2, groups=[[t] for t in range(8)])
    pd.testing.assert_frame_equal(plain.levels, single.levels)
    pd.testing.assert_frame_equal(plain.contrasts, single.contrasts)
    # a sum of two topics: the sum of their estimates (up to the draws' noise; the yearly
    # shares, which every cable informs)
    pair = estimate_model_effects(m, n_draws=200, seed=2, groups=[[0, 1]], keep_draws=True)
    many = estimate_model_effects(m, n_draws=200, seed=4)
    lv = many.levels[many.levels["covariate"] == "year"].set_index(["level", "topic"])
    both = lv["estimate"].xs(0, level="topic") + lv["estimate"].xs(1, level="topic")
    got = pair.levels[pair.levels["covariate"] == "year"].set_index("level")["estimate"]
    np.testing.assert_allclose(got.loc[both.index], both, atol=0.02)
    with pytest.raises(ValueError, match="group 0"):
        estimate_model_effects(m, n_draws=5, groups=[[0, 0]])
    other = estimate_model_effects(_fit(dtm, meta, seed=5), n_draws=200, seed=3,
                                   groups=[[0, 1]], keep_draws=True)
    pooled = pool_chains([pair, other])
    assert pooled.n_draws == 400 and "pooled over 2 fits" in pooled.method
    np.testing.assert_allclose(pooled.levels["estimate"],
                               (pair.levels["estimate"] + other.levels["estimate"]) / 2)
    with pytest.raises(ValueError, match="keep_draws"):
        pool_chains([plain])


def test_dmr_chains_aligned_saved_and_drawn_from(small, tmp_path):
    """``chains=2``: a second fit's counts kept with its topics aligned to the first's (each
    topic's counts per cable agree across the fits), saved and loaded; the effects draw from
    both fits and say so."""
    from topics.report.model_effects import estimate_model_effects

    dtm, meta = small
    m = _fit(dtm, meta, chains=2)
    assert m.chain_counts_.shape == (1, dtm.n_docs, 8) == m.chain_prior_.shape
    assert (m.chain_counts_.sum(axis=2) == m.counts_.sum(axis=1)).all()
    r = [np.corrcoef(m.counts_[:, t], m.chain_counts_[0, :, t])[0, 1] for t in range(8)]
    assert np.median(r) > 0.7, r
    one = _fit(dtm, meta)
    np.testing.assert_array_equal(one.counts_, m.counts_)  # the first fit is the same
    assert one.chain_counts_.shape == (0, dtm.n_docs, 8)
    # the other fit's word distributions, aligned: topic t's is nearest the first's topic t
    tt = m.chain_topic_term_
    assert tt.shape == (1, 8, len(m.terms_)) and tt.dtype == np.float32
    np.testing.assert_allclose(tt.sum(axis=2), 1.0, atol=1e-4)
    sim = np.sqrt(m.topic_term_) @ np.sqrt(tt[0].astype(np.float64)).T
    assert (np.diag(sim) >= sim.max(axis=1) - 1e-9).mean() >= 0.75
    agree = m.chain_agreement()
    assert agree.shape == (1, 8) and np.median(agree) > 0.7
    np.testing.assert_allclose(agree[0, 0], np.corrcoef(
        m.counts_[:, 0] / m.counts_.sum(axis=1),
        m.chain_counts_[0, :, 0] / m.chain_counts_[0].sum(axis=1))[0, 1])
    assert one.chain_agreement().shape == (0, 8)
    m.save(tmp_path / "m")
    back = load_model(tmp_path / "m")
    np.testing.assert_array_equal(back.chain_counts_, m.chain_counts_)
    np.testing.assert_array_equal(back.chain_topic_term_, m.chain_topic_term_)
    np.testing.assert_array_equal(back.chain_agreement(), agree)
    eff = estimate_model_effects(back, n_draws=10, seed=0)
    assert "2 fits" in eff.method
    assert "fits" not in estimate_model_effects(one, n_draws=10, seed=0).method
