"""The coefficient covariances of `topics.report.model_effects` (``cov_type``: HC1, HC2, HC3):
hat values, small-group coverage, the leverage-1 guard, the method line."""

from __future__ import annotations

import numpy as np
import pytest

from topics.report.model_effects import (
    _adjusted_squares,
    _sandwich_roots,
    estimate_model_effects,
    hat_values,
)


def _small_group_design(n: int = 200, small: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Intercept plus one indicator for a group of ``small`` rows, and the indicator."""
    g = np.zeros(n)
    g[:small] = 1.0
    return np.column_stack([np.ones(n), g]), g


def test_hat_values_equal_the_explicit_projection_diagonal():
    rng = np.random.default_rng(3)
    X, _ = _small_group_design(60, 5)
    X = np.column_stack([X, rng.normal(size=60), np.zeros(60)])  # a zero column: X'X singular
    xtx_inv = np.linalg.pinv(X.T @ X)
    explicit = np.diag(X @ np.linalg.pinv(X.T @ X) @ X.T)
    np.testing.assert_allclose(hat_values(X, xtx_inv), explicit, atol=1e-12)
    # a projection onto the column space: leverages sum to the rank
    assert hat_values(X, xtx_inv).sum() == pytest.approx(np.linalg.matrix_rank(X))


def test_hc3_covers_a_small_groups_coefficient_better_than_hc1():
    """4,000 generated samples of a design with a group of 8 rows among 200 whose responses
    vary three times as much: Wald intervals of the group's coefficient from HC1 under-cover
    (the group's residuals are shrunk by its leverage 1/8); HC2 and HC3 cover more, HC3 most,
    with wider standard errors."""
    rng = np.random.default_rng(0)
    X, g = _small_group_design()
    sd = np.where(g == 1, 0.3, 0.1)
    y = 0.2 + 0.1 * g[:, None] + sd[:, None] * rng.standard_normal((len(g), 4000))
    xtx_inv = np.linalg.pinv(X.T @ X)
    hat = xtx_inv @ X.T
    beta = hat @ y
    cover, se = {}, {}
    for c in ("HC1", "HC2", "HC3"):
        roots = _sandwich_roots(X, xtx_inv, hat, [y], c)
        s = np.sqrt(np.einsum("kpq,kpq->kp", roots, roots)[:, 1])
        cover[c] = float(np.mean(np.abs(beta[1] - 0.1) <= 1.96 * s))
        se[c] = s
    assert cover["HC1"] < 0.90 < cover["HC3"], cover
    assert cover["HC1"] < cover["HC2"] < cover["HC3"], cover
    assert (se["HC3"] > se["HC1"]).all() and (se["HC3"] >= se["HC2"]).all()
    # HC1 is the plain sandwich scaled by n / (n - p), unchanged by this option
    sq = (y - X @ beta) ** 2
    np.testing.assert_allclose(_adjusted_squares(X, xtx_inv, sq, "HC1"), sq * 200 / 198)


def test_leverage_one_rows_get_the_other_rows_mean_square():
    """A level with one row has leverage 1 and a residual of 0 (up to rounding): HC2/HC3
    replace its 0/0 by the mean adjusted square of the other rows, finite and positive, so
    the level's coefficient keeps a variance; HC1 leaves it at 0. A saturated design (every
    row of leverage 1) leaves 0, not NaN."""
    rng = np.random.default_rng(1)
    X, _ = _small_group_design(50, 1)
    y = rng.uniform(0, 1, size=(50, 3))
    xtx_inv = np.linalg.pinv(X.T @ X)
    h = hat_values(X, xtx_inv)
    assert h[0] == pytest.approx(1.0)
    hat = xtx_inv @ X.T
    sq = (y - X @ (hat @ y)) ** 2
    assert sq[0].max() < 1e-20
    for c in ("HC2", "HC3"):
        adj = _adjusted_squares(X, xtx_inv, sq, c)
        assert np.isfinite(adj).all()
        power = 1 if c == "HC2" else 2
        np.testing.assert_allclose(adj[1:], sq[1:] / (1 - h[1:, None]) ** power)
        np.testing.assert_allclose(adj[0], adj[1:].mean(axis=0))
        roots = _sandwich_roots(X, xtx_inv, hat, [y], c)
        assert np.isfinite(roots).all()
        assert (np.einsum("kpq,kpq->kp", roots, roots)[:, 1] > 1e-3).all()
    hc1 = _sandwich_roots(X, xtx_inv, hat, [y], "HC1")
    # HC1: the singleton's coefficient variance is the intercept's alone (its own row adds 0)
    var1 = np.einsum("kpq,kpq->kp", hc1, hc1)
    np.testing.assert_allclose(var1[:, 1], var1[:, 0], rtol=1e-6)
    eye = np.eye(4)
    assert (_adjusted_squares(eye, np.eye(4), np.zeros((4, 2)), "HC3") == 0).all()
    with pytest.raises(ValueError, match="cov_type must be one of"):
        _adjusted_squares(X, xtx_inv, sq, "HC0")


def test_effects_of_a_one_cable_level_under_each_covariance():
    """A fitted dmr model whose design has a post of one cable (``min_level_docs=1``): the
    effects run under each covariance with finite intervals; HC3's interval at the
    one-cable post is more than twice HC1's (HC1 gives its coefficient no variance of its
    own); the method line names the covariance."""
    pytest.importorskip("tomotopy")
    from benchmarks.bench_dmr import corpus
    from topics.models import make_model

    dtm, meta, _, _ = corpus(seed=7, n_docs=300)
    meta = meta.copy()
    meta.loc[5, "post"] = "AMCONSUL LONELY"
    m = make_model("dmr", n_topics=4, seed=0, prevalence="post + s(year)", iterations=20,
                   chains=1, min_level_docs=1).fit(dtm, metadata=meta)
    eff = {c: estimate_model_effects(m, n_draws=40, seed=1, max_levels=1000, cov_type=c)
           for c in ("HC1", "HC2", "HC3")}
    for c, e in eff.items():
        assert np.isfinite(e.levels[["estimate", "lower", "upper"]].to_numpy()).all()
        assert f"{c} covariance" in e.method
    width = {}
    for c, e in eff.items():
        lone = e.levels[(e.levels["covariate"] == "post")
                        & (e.levels["level"] == "AMCONSUL LONELY")]
        assert lone["n_cables"].eq(1).all()
        width[c] = (lone["upper"] - lone["lower"]).to_numpy()
    assert (width["HC3"] > 2 * width["HC1"]).all(), width
    with pytest.raises(ValueError, match="cov_type"):
        estimate_model_effects(m, n_draws=5, cov_type="hc3")
