"""Model-based effects drawn round several fits that found different topics.

A fit may split a theme into two topics (the theme, and the theme at one post) where the
first fit kept it whole; the engine's one-to-one alignment then pairs the first fit's
theme topic with half of it. `estimate_model_effects` takes each fit's own groups
(``fit_groups``) and can leave out a fit's draws of a topic it matches poorly
(``min_agreement``). No sampler here: the fits' counts are built by hand.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from topics.formula import parse_formula
from topics.report.model_effects import (
    MIN_AGREEMENT,
    _tables,
    estimate_model_effects,
    fit_agreement,
    rubin_factor,
)

POSTS = ["Paris", "Tokyo", "Rome"]


def _split_fits(seed: int = 0, n: int = 900, tokens: int = 400):
    """A model view with two fits of the same cables: theme share 0.2, 0.5 at Tokyo.

    Fit 0: topic 0 the theme, topics 1 and 2 two other themes. Fit 1: the theme split
    into topic 0 (its cables away from Tokyo) and topic 1 (its cables at Tokyo), the two
    other themes merged into topic 2. Returns the view and the true shares at each post.
    """
    rng = np.random.default_rng(seed)
    post = np.array(POSTS)[rng.integers(0, 3, n)]
    mean = np.where(post == "Tokyo", 0.5, 0.2)
    theme = rng.beta(mean * 4, (1 - mean) * 4)
    other = rng.uniform(0.0, 1.0, n) * (1 - theme)
    theta = np.column_stack([theme, other, 1 - theme - other])
    first = np.rint(theta * tokens).astype(np.int64)
    tokyo = post == "Tokyo"
    second = np.column_stack([np.where(tokyo, 0, first[:, 0]), np.where(tokyo, first[:, 0], 0),
                              first[:, 1] + first[:, 2]])
    prior = np.full((n, 3), 0.1)
    meta = pd.DataFrame({"post": post})
    view = SimpleNamespace(covariates_=meta, formula_=parse_formula("post"),
                           levels_={"post": POSTS}, numeric_fill_={}, numeric_range_={},
                           _level=lambda name, v: str(v),
                           counts_=first, prior_=prior, chain_counts_=second[None],
                           chain_prior_=prior[None])
    truth = {p: float((first[post == p, 0] / first[post == p].sum(axis=1)).mean())
             for p in POSTS}
    return view, truth


def _at(eff, post: str, group: int = 0) -> pd.Series:
    lv = eff.levels
    return lv[(lv["covariate"] == "post") & (lv["level"] == post)
              & (lv["topic"] == group)].iloc[0]


def test_split_theme_needs_each_fits_own_topics():
    view, truth = _split_fits()
    kw = dict(n_draws=60, seed=1, max_levels=10)
    # the first fit's topic 0 in both fits, every draw: half the draws (fit 1's topic 0)
    # have no Tokyo cables, so the estimate at Tokyo is about half the truth
    mixed = estimate_model_effects(view, groups=[[0]], min_agreement=None, **kw)
    assert _at(mixed, "Tokyo").estimate < 0.75 * truth["Tokyo"]
    # each fit's own topics of the theme: both fits agree, the estimate is the truth's
    own = estimate_model_effects(view, fit_groups=[[[0]], [[0, 1]]], **kw)
    for p in POSTS:
        row = _at(own, p)
        assert abs(row.estimate - truth[p]) < 0.01, (p, row.estimate, truth[p])
        assert row.lower < truth[p] < row.upper
    assert "pairs left out" not in own.method and "0 of 1 below" in own.method
    # the first fit's topics, fits that disagree left out (the default): the first fit's
    # draws alone for the theme (and for the merged topic), both fits for none of them
    many = {**kw, "n_draws": 400}
    alone = estimate_model_effects(view, groups=[[0]], min_agreement=MIN_AGREEMENT, **many)
    assert "1 of 1 (fit, topic) pairs left out" in alone.method
    assert abs(_at(alone, "Tokyo").estimate - truth["Tokyo"]) < 0.02
    one_fit = estimate_model_effects(
        SimpleNamespace(**{**vars(view), "chain_counts_": view.chain_counts_[:0],
                           "chain_prior_": view.chain_prior_[:0]}), groups=[[0]], **many)
    np.testing.assert_allclose(_at(alone, "Tokyo")[["lower", "upper"]].astype(float),
                               _at(one_fit, "Tokyo")[["lower", "upper"]].astype(float),
                               atol=0.008)
    # a fit given no topics of the theme (it merged it with another) is left out of it,
    # whichever fit it is; the group's reference is then the first fit that has it
    none_first = estimate_model_effects(view, fit_groups=[[[]], [[0, 1]]], **kw)
    assert "1 (fit, group) pairs without topics of the group" in none_first.method
    assert abs(_at(none_first, "Tokyo").estimate - truth["Tokyo"]) < 0.02
    with pytest.raises(ValueError, match="topics in no fit"):
        estimate_model_effects(view, fit_groups=[[[]], [[]]], **kw)
    # per topic: the split and merged topics are left out, all three here
    per_topic = estimate_model_effects(view, min_agreement=MIN_AGREEMENT, **kw)
    assert "3 of 3 (fit, topic) pairs left out" in per_topic.method
    # by default every draw is kept, and the method line says the fits disagree
    default = estimate_model_effects(view, **kw)
    assert "pairs left out" not in default.method
    assert "3 of 3 below 0.8 in some fit" in default.method
    np.testing.assert_allclose(default.levels["estimate"],
                               estimate_model_effects(view, min_agreement=None,
                                                      **kw).levels["estimate"])


def test_fit_groups_errors_name_the_problem():
    view, _ = _split_fits(n=90)
    with pytest.raises(ValueError, match="not both"):
        estimate_model_effects(view, n_draws=4, groups=[[0]], fit_groups=[[[0]], [[0]]])
    with pytest.raises(ValueError, match="one list of groups per fit"):
        estimate_model_effects(view, n_draws=4, fit_groups=[[[0]]])
    with pytest.raises(ValueError, match="same number of groups"):
        estimate_model_effects(view, n_draws=4, fit_groups=[[[0]], [[0], [1]]])
    with pytest.raises(ValueError, match="group 0"):
        estimate_model_effects(view, n_draws=4, fit_groups=[[[0]], [[3]]])


def test_fit_agreement_separates_a_split_topic():
    view, _ = _split_fits()
    first = view.counts_ / view.counts_.sum(axis=1, keepdims=True)
    second = view.chain_counts_[0] / view.chain_counts_[0].sum(axis=1, keepdims=True)
    agree = fit_agreement(first, second)
    assert (agree < MIN_AGREEMENT).all(), agree
    assert fit_agreement(first, first) == pytest.approx(np.ones(3))
    # the theme summed over the split topics is the first fit's theme again
    both = fit_agreement(first[:, [0]], second[:, [0, 1]].sum(axis=1, keepdims=True))
    assert both[0] == pytest.approx(1.0)
    const = np.ones((5, 1))
    assert fit_agreement(const, const)[0] == 1.0
    assert fit_agreement(const, np.arange(5.0)[:, None])[0] == 0.0


def test_tables_and_rubin_skip_the_draws_left_out():
    """A fit's draws left out (NaN) of one estimand: that estimand's table and Rubin factor
    are those of the other fits' draws alone; the other estimands are unchanged."""
    rng = np.random.default_rng(3)
    draws = rng.normal(0, 1, (90, 2, 1)) + np.repeat([0.0, 0.5, 3.0], 30)[:, None, None]
    chain = np.repeat(np.arange(3), 30)
    cut = draws.copy()
    cut[chain == 2, 1, :] = np.nan
    keys = [("x", "a", None, 1), ("x", "b", None, 1)]
    for pool in ("mixture", "rubin"):
        got = _tables(keys, cut, 0.95, "m", chain=chain, pool=pool).levels
        full = _tables(keys, draws, 0.95, "m", chain=chain, pool=pool).levels
        kept = _tables(keys[1:], draws[chain < 2][:, 1:], 0.95, "m", chain=chain[chain < 2],
                       pool=pool).levels
        pd.testing.assert_series_equal(got.iloc[0], full.iloc[0], check_names=False)
        np.testing.assert_allclose(got.iloc[1][["estimate", "lower", "upper"]].astype(float),
                                   kept.iloc[0][["estimate", "lower", "upper"]].astype(float))
    f = rubin_factor(cut, chain, 0.95)
    np.testing.assert_allclose(f[1], rubin_factor(draws[chain < 2][:, 1:], chain[chain < 2],
                                                  0.95)[0])
    # an estimand with one fit left: no spread between fits to widen by
    one = draws.copy()
    one[chain > 0, 0, :] = np.nan
    assert rubin_factor(one, chain, 0.95)[0, 0] == 1.0
