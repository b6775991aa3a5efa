"""``lda-numba``'s ``sampler="simd"`` (`topics.models._simd_kernels`): counts kept exactly,
draws from the exact collapsed conditional, seeded repeats, AD-LDA partitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.test_docsparse import _state
from topics.models import _simd_kernels as simd
from topics.models import make_model
from topics.models.sparse_lda import _seed_words


def _scratch(k):
    kp = simd.padded(k)
    return simd.aligned(3 * kp, np.float32).reshape(3, kp)


@pytest.mark.parametrize("k", [3, 16, 50, 128])
def test_simd_keeps_every_count_and_repeats_for_a_seed(k):
    runs = []
    for _ in range(2):
        ptr, words, z, ndk, nkw, nk = _state(k=k)
        n_terms = nkw.shape[0]
        counts = simd.pad_counts(nkw)
        alpha = np.linspace(0.05, 0.4, k)
        x = _seed_words(3, 1)  # the generator state stays a uint64 (an array element)
        for _ in range(4):
            x[0] = simd.kernel(k)(ptr, words, z, ndk, counts, nk, alpha, 0.01, n_terms, 0,
                                  ptr.size - 1, x[0], 7, 3, _scratch(k))
        doc = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
        recount = np.zeros_like(ndk)
        np.add.at(recount, (doc, z), 1)
        np.testing.assert_array_equal(ndk, recount)
        wrecount = np.zeros_like(nkw)
        np.add.at(wrecount, (words, z), 1)
        rows = counts.reshape(n_terms, -1)
        np.testing.assert_array_equal(rows[:, :k], wrecount)
        assert not rows[:, k:].any()  # the padding columns stay empty
        np.testing.assert_array_equal(nk, np.bincount(z, minlength=k))
        assert z.min() >= 0 and z.max() < k
        runs.append(z.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def _cable_joint(alpha, beta, back, cable_words):
    """p(z_1..z_n | background counts) of one cable's tokens, by enumeration of every
    assignment: the collapsed joint as rising factorials."""
    k = alpha.size
    v = back.shape[0]
    bk = back.sum(axis=0)
    states = list(itertools.product(range(k), repeat=len(cable_words)))
    p = np.empty(len(states))
    for s, zs in enumerate(states):
        val = 1.0
        ndk = np.zeros(k, int)
        nkw = np.zeros((v, k), int)
        for w, t in zip(cable_words, zs, strict=True):
            val *= ((alpha[t] + ndk[t]) * (beta + back[w, t] + nkw[w, t])
                    / (v * beta + bk[t] + ndk[t]))
            ndk[t] += 1
            nkw[w, t] += 1
        p[s] = val
    return states, p / p.sum()


def test_simd_draws_follow_the_exact_joint_of_a_four_token_cable():
    # Cable 0 (fixed background counts) is never resampled; cable 1 holds four tokens
    # (terms 0, 0, 1, 1: a repeated term reuses the row kept in registers) and is swept
    # again and again. The sweep keeps 1 / (n_k + V beta) exact (no refresh window) and
    # a topic's coefficients for one count more and one less, so small counts test it
    # hard: the visit frequencies of (z1..z4) must match the collapsed joint, enumerated,
    # in a chi-square test.
    k, v, beta = 3, 2, 0.5
    alpha = np.array([0.3, 0.6, 1.2])
    back = np.array([[2, 1, 1], [0, 1, 2]], np.int32)  # background n_kw, terms x topics
    cable = np.array([0, 0, 1, 1], np.int32)
    bg_words = np.repeat(np.array([0, 0, 0, 1, 1, 1], np.int32), back.ravel())
    bg_z = np.tile(np.arange(k, dtype=np.int32), 2).repeat(back.ravel())
    words = np.concatenate([bg_words, cable]).astype(np.int32)
    z = np.concatenate([bg_z, np.zeros(cable.size, np.int32)]).astype(np.int32)
    ptr = np.array([0, bg_words.size, words.size], np.int64)
    ndk = np.zeros((2, k), np.int32)
    np.add.at(ndk, (np.repeat([0, 1], np.diff(ptr)), z), 1)
    nkw = np.zeros((v, k), np.int32)
    np.add.at(nkw, (words, z), 1)
    nk = nkw.sum(axis=0).astype(np.int64)
    states, joint = _cable_joint(alpha, beta, back, cable)
    index = {s: i for i, s in enumerate(states)}
    counts = simd.pad_counts(nkw)
    sweep = simd.kernel(k)
    scratch = _scratch(k)
    x = _seed_words(7, 1)
    n, thin = 60_000, 2  # every second sweep: successive states are nearly independent
    seen = np.zeros(len(states))
    for i in range(n * thin):
        x[0] = sweep(ptr, words, z, ndk, counts, nk, alpha, beta, v, 1, 2, x[0], 1, 0,
                     scratch)
        if i % thin == 0:
            seen[index[tuple(z[-4:].tolist())]] += 1
    expected = joint * n
    big = expected >= 5  # the rare states pooled into one cell
    obs = np.append(seen[big], seen[~big].sum()) if (~big).any() else seen
    exp = np.append(expected[big], expected[~big].sum()) if (~big).any() else expected
    chi2 = float(((obs - exp) ** 2 / exp).sum())
    dof = obs.size - 1
    # P(chi2 > dof + 4.3 sqrt(2 dof)) is below 0.001 for independent draws (normal approx.
    # of a chi-square with dof ~ 70).
    assert chi2 < dof + 4.3 * np.sqrt(2 * dof), (chi2, dof)
    # The background counts are untouched; the cable's own counts follow its tokens.
    np.testing.assert_array_equal(counts.reshape(v, -1)[:, :k].sum(axis=1),
                                  back.sum(axis=1) + 2)
    np.testing.assert_array_equal(ndk[0], np.bincount(bg_z, minlength=k))


def test_simd_refuses_too_many_topics():
    with pytest.raises(ValueError, match="128"):
        simd.kernel(129)
    with pytest.raises(ValueError, match="docsparse"):
        make_model("lda-numba", n_topics=200, sampler="simd")._validate_params()


def test_simd_fits_repeat_for_a_seed_and_worker_count():
    from tests.test_sparse_lda import K, match_topics, planted

    dtm, beta = planted()
    fits = {}
    for workers in (1, 2):
        a = make_model("lda-numba", n_topics=K, seed=4, iterations=40, sampler="simd",
                       workers=workers).fit(dtm)
        b = make_model("lda-numba", n_topics=K, seed=4, iterations=40, sampler="simd",
                       workers=workers).fit(dtm)
        np.testing.assert_array_equal(a.topic_term_, b.topic_term_)
        np.testing.assert_array_equal(a.doc_topic_, b.doc_topic_)
        assert match_topics(a.topic_term_, beta)[1].mean() >= 0.9
        fits[workers] = a
    # AD-LDA partitions (workers=2) follow another path than one sequential sweep
    assert not np.array_equal(fits[1].doc_topic_, fits[2].doc_topic_)
