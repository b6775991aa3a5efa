"""Pooling several fits' draws (`topics.report.model_effects`): Rubin's rules against one
mixture of draws, on simulated imputations whose coverage is known."""

from __future__ import annotations

import numpy as np
import pytest

from topics.report.model_effects import _tables, pool_chains, rubin_factor


def _imputations(rng, n_reps: int, m: int, per_fit: int, w: float, b: float):
    """Draws of ``m`` fits for ``n_reps`` estimands whose truth is 0.

    As for topic models refitted with other seeds: every fit shares the data's error
    (``N(0, w)``), each fit's centre adds its own deviation (``N(0, b)``), and the truth is
    where one more fit would centre (so the centres scatter around it as the fits' draws
    do); within a fit the draws spread with the data's variance ``w``."""
    data = rng.normal(0, np.sqrt(w), n_reps)
    fresh = rng.normal(0, np.sqrt(b), n_reps)
    centres = data + rng.normal(0, np.sqrt(b), (m, n_reps)) - fresh
    draws = np.concatenate([c + rng.normal(0, np.sqrt(w), (per_fit, n_reps))
                            for c in centres])
    chain = np.repeat(np.arange(m), per_fit)
    return draws, chain


def _coverage(draws, chain, pool):
    keys = [("x", str(i), None, 1) for i in range(draws.shape[1])]
    tab = _tables(keys, draws[:, :, None], 0.95, "m", chain=chain, pool=pool).levels
    return float(np.mean((tab["lower"] <= 0) & (0 <= tab["upper"])))


def test_rubin_pooling_covers_where_one_mixture_of_draws_does_not():
    rng = np.random.default_rng(0)
    draws, chain = _imputations(rng, 4000, m=3, per_fit=100, w=1.0, b=1.0)
    rubin, mixture = _coverage(draws, chain, "rubin"), _coverage(draws, chain, "mixture")
    # 4,000 estimands: a coverage's standard error is ~0.004
    assert 0.93 <= rubin <= 0.975
    assert mixture < 0.90
    # no spread between fits: Rubin's intervals are the draws' own, and nominal
    draws0, chain0 = _imputations(rng, 4000, m=3, per_fit=100, w=1.0, b=0.0)
    f = rubin_factor(draws0, chain0, 0.95)
    assert np.median(f) < 1.1 and f.min() >= 1.0
    assert 0.93 <= _coverage(draws0, chain0, "rubin") <= 0.97


def test_rubin_factor_follows_the_formula_and_pool_chains_uses_it():
    rng = np.random.default_rng(1)
    draws, chain = _imputations(rng, 5, m=4, per_fit=50, w=0.5, b=2.0)
    f = rubin_factor(draws, chain, 0.9)
    from scipy.stats import norm, t

    q = np.stack([draws[chain == j].mean(axis=0) for j in range(4)])
    w = np.mean([draws[chain == j].var(axis=0, ddof=1) for j in range(4)], axis=0)
    b = q.var(axis=0, ddof=1)
    nu = 3 * (1 + w / (1.25 * b)) ** 2
    want = t.ppf(0.95, nu) * np.sqrt(w + 1.25 * b) / (norm.ppf(0.95) *
                                                      np.sqrt(draws.var(axis=0, ddof=1)))
    np.testing.assert_allclose(f, np.maximum(want, 1.0))
    assert np.median(f) > 1.2  # between-fit spread four times the within: much wider
    # one fit: nothing to widen
    np.testing.assert_array_equal(rubin_factor(draws[:50], chain[:50], 0.9), np.ones(5))
    with pytest.raises(ValueError, match="two draws"):
        rubin_factor(draws[:51], chain[:51], 0.9)
    # pool_chains: the same estimates under both pools, Rubin's intervals contain the
    # mixture's and name the rule
    keys = [("x", str(i), None, 1) for i in range(5)]
    fits = []
    for j in range(4):
        e = _tables(keys, draws[chain == j][:, :, None], 0.95, "m")
        e.draws, e.keys = draws[chain == j][:, :, None], keys
        fits.append(e)
    r, mix = pool_chains(fits, pool="rubin"), pool_chains(fits)
    np.testing.assert_allclose(r.levels["estimate"], mix.levels["estimate"])
    assert (r.levels["lower"] <= mix.levels["lower"]).all()
    assert (r.levels["upper"] >= mix.levels["upper"]).all()
    assert (r.levels["upper"] - r.levels["lower"] > mix.levels["upper"] - mix.levels["lower"]).all()
    assert "Rubin" in r.method and "mixture" in mix.method
    with pytest.raises(ValueError, match="pool must be one of"):
        pool_chains(fits, pool="average")


def test_rubin_pool_with_fewer_than_two_draws_a_fit_names_n_draws_and_the_fits():
    """Regression: with 3 fits and n_draws = 5, `estimate_model_effects(pool="rubin")` gave
    only `rubin_factor`'s "each fit needs at least two draws", naming neither the argument
    nor the fits; it now says n_draws >= 6, before any work."""
    from types import SimpleNamespace

    from topics.report.model_effects import estimate_model_effects

    three = SimpleNamespace(chain_counts_=np.zeros((2, 4, 3)))  # the first fit and 2 more
    with pytest.raises(ValueError, match=r"n_draws >= 6 for the model's 3 fits.*got n_draws=5"):
        estimate_model_effects(three, n_draws=5, pool="rubin")
