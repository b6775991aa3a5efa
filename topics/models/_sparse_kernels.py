"""numba kernels of `topics.models.sparse_lda` (imported on first use: numba's import and
the first compilation cost seconds; ``cache=True`` keeps the machine code on disk).

Random numbers: xorshift64* (Vigna 2016), one uint64 state per partition or cable.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import njit

__all__ = ["build_alias", "build_word_lists", "infer", "init_topics", "sample", "sample_mh",
           "sample_mh_parallel", "sample_parallel"]

_U12, _U25, _U27, _U11 = (np.uint64(x) for x in (12, 25, 27, 11))
_MULT = np.uint64(0x2545F4914F6CDD1D)
_SCALE = 1.0 / 9007199254740992.0


@njit(inline="always")
def _next(x):
    x ^= x >> _U12
    x ^= x << _U25
    x ^= x >> _U27
    return x, float((x * _MULT) >> _U11) * _SCALE


@njit(cache=True)
def build_word_lists(nkw, wt, wnz, wpos):
    """Each term's topics with a non-zero count, sorted by count (largest first)."""
    n_terms, n_topics = nkw.shape
    for w in range(n_terms):
        row = nkw[w]
        order = np.argsort(-row, kind="mergesort")
        n = 0
        for j in range(n_topics):
            k = order[j]
            if row[k] <= 0:
                break
            wt[w, n] = k
            wpos[w, k] = n
            n += 1
        wnz[w] = n

@njit(cache=True, fastmath=True)
def sample(ptr, words, z, ndk, nkw, nk, alpha, beta, vbeta, d_lo, d_hi, wt, wnz, wpos,
           state):
    """One sweep over cables ``d_lo:d_hi``; returns the generator state."""
    n_topics = nk.shape[0]
    x = state
    inv = np.empty(n_topics)
    c = np.empty(n_topics)
    qbuf = np.empty(n_topics)
    dlist = np.empty(n_topics, np.int32)
    dpos = np.empty(n_topics, np.int32)
    for k in range(n_topics):
        inv[k] = 1.0 / (nk[k] + vbeta)
    for d in range(d_lo, d_hi):
        a = ptr[d]
        b = ptr[d + 1]
        if a == b:
            continue
        s = 0.0
        r = 0.0
        dn = 0
        for k in range(n_topics):
            nd = ndk[d, k]
            s += alpha[k] * inv[k]
            c[k] = (alpha[k] + nd) * inv[k]
            if nd > 0:
                dlist[dn] = k
                dpos[k] = dn
                dn += 1
                r += nd * inv[k]
        s *= beta
        r *= beta
        for i in range(a, b):
            w = words[i]
            k = z[i]
            # ---- remove the token
            s -= alpha[k] * beta * inv[k]
            r -= beta * ndk[d, k] * inv[k]
            ndk[d, k] -= 1
            nkw[w, k] -= 1
            nk[k] -= 1
            inv[k] = 1.0 / (nk[k] + vbeta)
            s += alpha[k] * beta * inv[k]
            r += beta * ndk[d, k] * inv[k]
            c[k] = (alpha[k] + ndk[d, k]) * inv[k]
            if ndk[d, k] == 0:
                p = dpos[k]
                dn -= 1
                last = dlist[dn]
                dlist[p] = last
                dpos[last] = p
            if nkw[w, k] == 0:
                p = wpos[w, k]
                n = wnz[w] - 1
                last = wt[w, n]
                wt[w, p] = last
                wpos[w, last] = p
                wnz[w] = n
            # ---- draw
            q = 0.0
            nw = wnz[w]
            for j in range(nw):
                kk = wt[w, j]
                v = nkw[w, kk] * c[kk]
                qbuf[j] = v
                q += v
            x, u = _next(x)
            u *= s + r + q
            if u < q and nw > 0:
                new = wt[w, nw - 1]
                for j in range(nw):
                    u -= qbuf[j]
                    if u <= 0.0:
                        new = wt[w, j]
                        break
            elif u < q + r and dn > 0:
                u -= q
                new = dlist[dn - 1]
                for j in range(dn):
                    kk = dlist[j]
                    u -= beta * ndk[d, kk] * inv[kk]
                    if u <= 0.0:
                        new = kk
                        break
            else:
                u -= q + r
                new = n_topics - 1
                for kk in range(n_topics):
                    u -= alpha[kk] * beta * inv[kk]
                    if u <= 0.0:
                        new = kk
                        break
            # ---- add it back under the new topic
            k = new
            s -= alpha[k] * beta * inv[k]
            r -= beta * ndk[d, k] * inv[k]
            ndk[d, k] += 1
            nkw[w, k] += 1
            nk[k] += 1
            inv[k] = 1.0 / (nk[k] + vbeta)
            s += alpha[k] * beta * inv[k]
            r += beta * ndk[d, k] * inv[k]
            c[k] = (alpha[k] + ndk[d, k]) * inv[k]
            if ndk[d, k] == 1:
                dlist[dn] = k
                dpos[k] = dn
                dn += 1
            if nkw[w, k] == 1:
                n = wnz[w]
                wt[w, n] = k
                wpos[w, k] = n
                wnz[w] = n + 1
            z[i] = k
    return x

@njit(cache=True, parallel=True)
def sample_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha, beta, vbeta, bounds, wt_p,
                    wnz_p, wpos_p, states):
    for p in nb.prange(bounds.shape[0] - 1):
        states[p] = sample(ptr, words, z, ndk, nkw_p[p], nk_p[p], alpha, beta, vbeta,
                           bounds[p], bounds[p + 1], wt_p[p], wnz_p[p], wpos_p[p],
                           states[p])

@njit(cache=True)
def init_topics(ptr, words, z, ndk, nkw, nk, state):
    n_topics = nk.shape[0]
    x = state
    for d in range(ptr.shape[0] - 1):
        for i in range(ptr[d], ptr[d + 1]):
            x, u = _next(x)
            k = min(int(u * n_topics), n_topics - 1)
            z[i] = k
            ndk[d, k] += 1
            nkw[words[i], k] += 1
            nk[k] += 1
    return x

@njit(cache=True, fastmath=True)
def infer(ptr, words, phi_wk, alpha, iterations, seeds, out):
    """Gibbs sampling of each cable against fixed topics; ``out`` gets the mean counts
    of the second half of the sweeps."""
    n_docs = ptr.shape[0] - 1
    n_topics = alpha.shape[0]
    for d in range(n_docs):
        a = ptr[d]
        b = ptr[d + 1]
        if a == b:
            continue
        x = seeds[d]
        nd = np.zeros(n_topics)
        zz = np.empty(b - a, np.int64)
        p = np.empty(n_topics)
        for i in range(a, b):
            x, u = _next(x)
            k = min(int(u * n_topics), n_topics - 1)
            zz[i - a] = k
            nd[k] += 1.0
        keep = iterations // 2
        for it in range(iterations):
            for i in range(a, b):
                w = words[i]
                k = zz[i - a]
                nd[k] -= 1.0
                tot = 0.0
                for kk in range(n_topics):
                    tot += (nd[kk] + alpha[kk]) * phi_wk[w, kk]
                    p[kk] = tot
                x, u = _next(x)
                u *= tot
                new = n_topics - 1
                for kk in range(n_topics):
                    if u < p[kk]:
                        new = kk
                        break
                zz[i - a] = new
                nd[new] += 1.0
            if it >= iterations - keep:
                for kk in range(n_topics):
                    out[d, kk] += nd[kk]



# ------------------------------------------------------------------------------ MH sampler
@njit(cache=True)
def build_alias(nkw, nk, beta, vbeta, tab):
    """Per term, Walker's alias table of the word proposal ``(n_kw + beta) / (n_k + V beta)``
    (Vose's construction), packed per (term, topic) as float32 ``tab[w, k] = (threshold,
    alias topic, unnormalised proposal, -)`` so one draw reads one cache line."""
    n_terms, n_topics = nkw.shape
    small = np.empty(n_topics, np.int32)
    large = np.empty(n_topics, np.int32)
    scaled = np.empty(n_topics)
    wprop = np.empty(n_topics)
    inv = np.empty(n_topics)
    for k in range(n_topics):
        inv[k] = 1.0 / (nk[k] + vbeta)
    for w in range(n_terms):
        tot = 0.0
        for k in range(n_topics):
            v = (nkw[w, k] + beta) * inv[k]
            wprop[k] = v
            tab[w, k, 2] = v
            tot += v
        ns = 0
        nl = 0
        for k in range(n_topics):
            scaled[k] = wprop[k] * n_topics / tot
            if scaled[k] < 1.0:
                small[ns] = k
                ns += 1
            else:
                large[nl] = k
                nl += 1
        while ns > 0 and nl > 0:
            ns -= 1
            s = small[ns]
            g = large[nl - 1]
            tab[w, s, 0] = scaled[s]
            tab[w, s, 1] = g
            scaled[g] = scaled[g] + scaled[s] - 1.0
            if scaled[g] < 1.0:
                nl -= 1
                small[ns] = g
                ns += 1
        while nl > 0:
            nl -= 1
            tab[w, large[nl], 0] = 2.0
            tab[w, large[nl], 1] = large[nl]
        while ns > 0:
            ns -= 1
            tab[w, small[ns], 0] = 2.0
            tab[w, small[ns], 1] = small[ns]


@njit(cache=True, fastmath=True)
def sample_mh(ptr, words, z, ndk, nkw, nk, alpha, alpha_cdf, beta, vbeta, d_lo, d_hi, tab,
              mh_steps, state):
    """One sweep of Metropolis-Hastings with LightLDA's cycle of a word proposal (alias
    table, stale within the sweep) and a document proposal (the topic of a random token of
    the cable, or a draw from alpha); returns the generator state."""
    n_topics = nk.shape[0]
    x = state
    alpha_sum = alpha_cdf[n_topics - 1]
    for d in range(d_lo, d_hi):
        a = ptr[d]
        b = ptr[d + 1]
        n_d = b - a
        if n_d == 0:
            continue
        p_doc = n_d / (n_d + alpha_sum)
        for i in range(a, b):
            w = words[i]
            s0 = z[i]
            ndk[d, s0] -= 1
            nkw[w, s0] -= 1
            nk[s0] -= 1
            s = s0
            pi_s = (ndk[d, s] + alpha[s]) * (nkw[w, s] + beta) / (nk[s] + vbeta)
            for _ in range(mh_steps):
                # ---- word proposal
                x, u = _next(x)
                u *= n_topics
                t = int(u)
                if t >= n_topics:
                    t = n_topics - 1
                if u - t >= tab[w, t, 0]:
                    t = int(tab[w, t, 1])
                if t != s:
                    pi_t = (ndk[d, t] + alpha[t]) * (nkw[w, t] + beta) / (nk[t] + vbeta)
                    x, u = _next(x)
                    if u * pi_s * tab[w, t, 2] < pi_t * tab[w, s, 2]:
                        s = t
                        pi_s = pi_t
                # ---- document proposal: q_d(k) ∝ n_dk (with this token at s0) + alpha_k
                x, u = _next(x)
                if u < p_doc:
                    j = a + int(u / p_doc * n_d)
                    if j >= b:
                        j = b - 1
                    t = z[j]
                else:
                    x, u = _next(x)
                    u *= alpha_sum
                    lo = 0
                    hi = n_topics - 1
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if alpha_cdf[mid] < u:
                            lo = mid + 1
                        else:
                            hi = mid
                    t = lo
                if t != s:
                    pi_t = (ndk[d, t] + alpha[t]) * (nkw[w, t] + beta) / (nk[t] + vbeta)
                    q_s = ndk[d, s] + alpha[s] + (1.0 if s == s0 else 0.0)
                    q_t = ndk[d, t] + alpha[t] + (1.0 if t == s0 else 0.0)
                    x, u = _next(x)
                    if u * pi_s * q_t < pi_t * q_s:
                        s = t
                        pi_s = pi_t
            ndk[d, s] += 1
            nkw[w, s] += 1
            nk[s] += 1
            z[i] = s
    return x


@njit(cache=True, parallel=True)
def sample_mh_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha, alpha_cdf, beta, vbeta, bounds,
                       tab, mh_steps, states):
    for p in nb.prange(bounds.shape[0] - 1):
        states[p] = sample_mh(ptr, words, z, ndk, nkw_p[p], nk_p[p], alpha, alpha_cdf, beta,
                              vbeta, bounds[p], bounds[p + 1], tab, mh_steps,
                              states[p])


# ------------------------------------------------------------------ exact dense sampler
@njit(cache=True, fastmath=True)
def sample_dense(ptr, words, z, ndk, nkw, nk, alpha, beta, vbeta, d_lo, d_hi, state):
    """One exact collapsed Gibbs sweep with the K products computed in one vectorised pass
    and the draw found by a two-level scan (blocks of 8 topics, then the topic)."""
    n_topics = nk.shape[0]
    n_blocks = (n_topics + 7) // 8
    padded = n_blocks * 8
    x = state
    inv = np.zeros(padded, np.float32)
    ad = np.zeros(padded, np.float32)
    p = np.zeros(padded, np.float32)
    bs = np.zeros(n_blocks, np.float32)
    row = np.zeros(padded, np.float32)
    fbeta = np.float32(beta)
    for k in range(n_topics):
        inv[k] = 1.0 / (nk[k] + vbeta)
    for d in range(d_lo, d_hi):
        a = ptr[d]
        b = ptr[d + 1]
        if a == b:
            continue
        for k in range(n_topics):
            ad[k] = ndk[d, k] + alpha[k]
        last_w = -1
        for i in range(a, b):
            w = words[i]
            old = z[i]
            ad[old] -= 1.0
            ndk[d, old] -= 1
            nkw[w, old] -= 1
            nk[old] -= 1
            inv[old] = 1.0 / (nk[old] + vbeta)
            if w != last_w:
                for k in range(n_topics):
                    row[k] = nkw[w, k] + fbeta
                last_w = w
            else:
                row[old] -= 1.0
            for k in range(padded):
                p[k] = ad[k] * row[k] * inv[k]
            tot = np.float32(0.0)
            for bl in range(n_blocks):
                acc = np.float32(0.0)
                for j in range(8):
                    acc += p[bl * 8 + j]
                bs[bl] = acc
                tot += acc
            x, u = _next(x)
            u = u * tot
            bl = n_blocks - 1
            for c in range(n_blocks):
                if u < bs[c]:
                    bl = c
                    break
                u -= bs[c]
            new = -1
            for j in range(8):
                k = bl * 8 + j
                if k >= n_topics:
                    break
                if u < p[k]:
                    new = k
                    break
                u -= p[k]
            if new < 0:
                new = min(bl * 8 + 7, n_topics - 1)
                while new > 0 and p[new] <= 0.0:
                    new -= 1
            ad[new] += 1.0
            ndk[d, new] += 1
            nkw[w, new] += 1
            nk[new] += 1
            inv[new] = 1.0 / (nk[new] + vbeta)
            row[new] += 1.0
            z[i] = new
    return x


@njit(cache=True, parallel=True)
def sample_dense_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha, beta, vbeta, bounds, states):
    for p in nb.prange(bounds.shape[0] - 1):
        states[p] = sample_dense(ptr, words, z, ndk, nkw_p[p], nk_p[p], alpha, beta, vbeta,
                                 bounds[p], bounds[p + 1], states[p])
