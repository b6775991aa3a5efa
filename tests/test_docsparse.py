"""``lda-numba``'s default sampler ``docsparse``: counts kept exactly, draws from the
collapsed conditional (checked against the exact joint of a two-token cable)."""

from __future__ import annotations

import itertools

import numpy as np

from topics.models import _sparse_kernels as kern
from topics.models.sparse_lda import _seed_words


def _state(seed=0, n_docs=40, n_terms=30, k=4):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 25, n_docs)
    ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    words = np.concatenate([np.sort(rng.integers(0, n_terms, n)) for n in lengths]).astype(np.int32)
    z = np.empty(words.size, np.int32)
    ndk = np.zeros((n_docs, k), np.int32)
    nkw = np.zeros((n_terms, k), np.int32)
    nk = np.zeros(k, np.int64)
    kern.init_topics(ptr, words, z, ndk, nkw, nk, _seed_words(seed, 1)[0])
    return ptr, words, z, ndk, nkw, nk


def test_docsparse_keeps_every_count_and_repeats_for_a_seed():
    runs = []
    for _ in range(2):
        ptr, words, z, ndk, nkw, nk = _state()
        alpha = np.linspace(0.05, 0.4, nk.size)
        x = _seed_words(3, 1)  # the generator state stays a uint64 (an array element)
        for _ in range(5):
            x[0] = kern.sample_docsparse(ptr, words, z, ndk, nkw, nk, alpha, 0.01, 0,
                                         ptr.size - 1, 64, x[0], 7, 3)
        doc = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
        recount = np.zeros_like(ndk)
        np.add.at(recount, (doc, z), 1)
        np.testing.assert_array_equal(ndk, recount)
        wrecount = np.zeros_like(nkw)
        np.add.at(wrecount, (words, z), 1)
        np.testing.assert_array_equal(nkw, wrecount)
        np.testing.assert_array_equal(nk, np.bincount(z, minlength=nk.size))
        runs.append(z.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


def test_docsparse_draws_follow_the_exact_joint_of_a_two_token_cable():
    # Background counts (cable 0) fixed, beta large so the term buckets carry weight; cable 1 holds two tokens of terms 0 and 1 and is
    # resampled again and again: the visit frequencies of its (z1, z2) must match the
    # collapsed joint p(z1, z2 | rest), computed exactly by enumeration.
    k, v, beta = 3, 2, 200.0
    alpha = np.array([0.3, 0.6, 1.2])
    # Background n_kw (terms 0, 1), large enough that the refresh-stale 1 / (n_k + V beta)
    # (it counts the cable's own two tokens) moves the joint by well under the tolerance.
    back = np.array([[5, 1, 2], [0, 4, 3]], np.int32) * 300
    bg_words = np.repeat(np.array([0, 0, 0, 1, 1, 1], np.int32), back.ravel())
    bg_z = np.tile(np.arange(k, dtype=np.int32), 2).repeat(back.ravel())
    order = np.argsort(bg_words, kind="stable")
    words = np.concatenate([bg_words[order], [0, 1]]).astype(np.int32)
    z = np.concatenate([bg_z[order], [0, 0]]).astype(np.int32)
    ptr = np.array([0, bg_words.size, bg_words.size + 2], np.int64)
    ndk = np.zeros((2, k), np.int32)
    np.add.at(ndk, (np.repeat([0, 1], np.diff(ptr)), z), 1)
    nkw = np.zeros((v, k), np.int32)
    np.add.at(nkw, (words, z), 1)
    nk = nkw.sum(axis=0).astype(np.int64)
    bk = back.sum(axis=0)
    joint = np.zeros((k, k))
    for a, b in itertools.product(range(k), range(k)):
        same = a == b
        joint[a, b] = (alpha[a] * (alpha[b] + same) * (back[0, a] + beta)
                       * (back[1, b] + beta)
                       / ((bk[a] + v * beta) * (bk[b] + same + v * beta)))
    joint /= joint.sum()
    x = _seed_words(7, 1)
    seen = np.zeros((k, k))
    n = 60_000
    for _ in range(n):
        x[0] = kern.sample_docsparse(ptr, words, z, ndk, nkw, nk, alpha, beta, 1, 2, 1, x[0],
                                     1, 0)
        seen[z[-2], z[-1]] += 1
    # Successive states are correlated; 60,000 sweeps keep the error well under 0.01.
    np.testing.assert_allclose(seen / n, joint, atol=0.01)


def test_visit_order_is_a_permutation_of_every_partition():
    from topics.models.sparse_lda import _visit_order

    rng = np.random.default_rng(0)
    sizes = np.array([65537 * 2, 5, 1, 0, 1000])
    stride, offsets = _visit_order(rng, sizes, True)
    assert stride != 1 and not np.any((sizes > 0) & (sizes % stride == 0))
    for n, off in zip(sizes[1:], offsets[1:], strict=True):
        seen = (np.arange(n) * stride + off) % n
        assert sorted(seen.tolist()) == list(range(n))
    assert _visit_order(rng, sizes, False)[0] == 1
