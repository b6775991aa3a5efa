"""numba kernels of `topics.models.sparse_lda` (imported on first use: numba's import and
the first compilation cost seconds; ``cache=True`` keeps the machine code on disk).

Random numbers: xorshift64* (Vigna 2016), one uint64 state per partition or cable.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import njit

__all__ = ["add_counts", "build_alias", "build_word_lists", "gather_cables", "infer", "init_from_counts",
           "init_topics", "sample", "sample_mh",
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


@njit(inline="always")
def _first_above(cum, n, u):
    """The first ``k < n`` with ``u < cum[k]`` (``cum`` running sums); ``n - 1`` when
    rounding runs past the end."""
    for k in range(n):
        if u < cum[k]:
            return k
    return n - 1


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

@njit(cache=True, fastmath=True, parallel=True)
def init_from_counts(ptr, words, z, ndk, nkw, nk, alpha, beta, vbeta, d_lo, d_hi, seeds):
    """Topics for cables ``d_lo..d_hi`` drawn against the counts of the others (``nkw``,
    ``nk``, held fixed), token by token from ``(alpha_k + n_dk) (beta + n_kw) /
    (V beta + n_k)`` with the cable's own counts growing as it goes: the cables of the
    second stage of a ``subsample`` fit join the sampled ones this way. Cables run in
    parallel, each with its own generator (``seeds[d - d_lo]``), so the draws do not depend
    on the thread count. Only ``z`` and ``ndk`` are written: add the counts with
    `add_counts`."""
    n_topics = nk.shape[0]
    inv = np.empty(n_topics)
    for k in range(n_topics):
        inv[k] = 1.0 / (nk[k] + vbeta)
    for j in nb.prange(d_hi - d_lo):
        d = d_lo + j
        x = seeds[j]
        p = np.empty(n_topics)
        for i in range(ptr[d], ptr[d + 1]):
            w = words[i]
            tot = 0.0
            for k in range(n_topics):
                tot += (ndk[d, k] + alpha[k]) * (nkw[w, k] + beta) * inv[k]
                p[k] = tot
            x, u = _next(x)
            new = _first_above(p, n_topics, u * tot)
            z[i] = new
            ndk[d, new] += 1


@njit(cache=True)
def gather_cables(ptr, words, perm, new_ptr, out):
    """``out`` = the tokens of cables ``perm`` in that order (``new_ptr`` their offsets),
    without an index array of one entry per token."""
    for j in range(perm.shape[0]):
        a = ptr[perm[j]]
        o = new_ptr[j]
        for i in range(ptr[perm[j] + 1] - a):
            out[o + i] = words[a + i]


@njit(cache=True)
def add_counts(ptr, words, z, nkw, nk, d_lo, d_hi):
    """Add the topic-term counts of cables ``d_lo..d_hi`` (their ``z``) to ``nkw``/``nk``."""
    for i in range(ptr[d_lo], ptr[d_hi]):
        k = z[i]
        nkw[words[i], k] += 1
        nk[k] += 1


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
                new = _first_above(p, n_topics, u * tot)
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


# ------------------------------------------------- doc-sparse sampler with a word bucket
@njit(cache=True, nogil=True)
def _word_buckets(nkw, nk, alpha, beta, inv, ab, wsum):
    """Refresh the cached coefficients: ``inv_k = 1 / (n_k + V beta)``, ``ab_k = alpha_k
    inv_k`` and every term's smoothing bucket ``wsum_w = sum_k ab_k (n_kw + beta)``."""
    n_terms, n_topics = nkw.shape
    vbeta = beta * n_terms
    for k in range(n_topics):
        inv[k] = 1.0 / (nk[k] + vbeta)
        ab[k] = alpha[k] * inv[k]
    base = 0.0
    for k in range(n_topics):
        base += ab[k] * beta
    for w in range(n_terms):
        s = base
        for k in range(n_topics):
            s += ab[k] * nkw[w, k]
        wsum[w] = s


@njit(cache=True, fastmath=True, nogil=True)
def _cable_bucket(dlist, dn, dc, nkw, w, beta, p):
    """``p[j] = dc[k] (n_kw + beta)`` for the cable's topics ``k = dlist[j]``; their sum
    (four independent sums, so the additions do not wait on each other)."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    j = 0
    while j + 4 <= dn:
        k0 = dlist[j]
        k1 = dlist[j + 1]
        k2 = dlist[j + 2]
        k3 = dlist[j + 3]
        v0 = dc[k0] * (nkw[w, k0] + beta)
        v1 = dc[k1] * (nkw[w, k1] + beta)
        v2 = dc[k2] * (nkw[w, k2] + beta)
        v3 = dc[k3] * (nkw[w, k3] + beta)
        p[j] = v0
        p[j + 1] = v1
        p[j + 2] = v2
        p[j + 3] = v3
        s0 += v0
        s1 += v1
        s2 += v2
        s3 += v3
        j += 4
    while j < dn:
        k0 = dlist[j]
        v0 = dc[k0] * (nkw[w, k0] + beta)
        p[j] = v0
        s0 += v0
        j += 1
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, fastmath=True, nogil=True)
def _find(p, n, u):
    """The first ``j < n`` where the running sum of ``p`` passes ``u`` (four at a time,
    then one at a time); ``n - 1`` when rounding runs past the end."""
    j = 0
    while j + 4 <= n:
        s4 = (p[j] + p[j + 1]) + (p[j + 2] + p[j + 3])
        if u < s4:
            break
        u -= s4
        j += 4
    while j < n:
        if u < p[j]:
            return j
        u -= p[j]
        j += 1
    return n - 1


@njit(cache=True, fastmath=True, nogil=True)
def sample_docsparse(ptr, words, z, ndk, nkw, nk, alpha, beta, d_lo, d_hi, refresh, state,
                     stride, offset):
    """One collapsed Gibbs sweep over cables ``d_lo:d_hi`` with the conditional split as
    ``(n_dk + alpha_k)(n_kw + beta) inv_k = n_dk (n_kw + beta) inv_k`` (the cable bucket:
    only the cable's non-zero topics; kept entry by entry while the same term repeats, as
    in CSR order) ``+ alpha_k (n_kw + beta) inv_k`` (the term bucket: its total kept per
    term, updated in O(1) per count change; scanned only when the draw falls in it). The
    coefficients ``inv_k = 1 / (n_k + V beta)`` are refreshed every ``refresh`` tokens at
    a cable boundary (stale in between, as in AD-LDA). The cables are visited in the order
    ``d_lo + (j * stride + offset) % n`` (``stride`` coprime with ``n = d_hi - d_lo``; 1
    and 0 for corpus order). Returns the generator state."""
    n_terms, n_topics = nkw.shape
    x = state
    inv = np.empty(n_topics)
    ab = np.empty(n_topics)
    wsum = np.empty(n_terms)
    dc = np.zeros(n_topics)
    p = np.empty(n_topics)
    dlist = np.empty(n_topics, np.int32)
    dpos = np.empty(n_topics, np.int32)
    since = refresh
    n_cables = d_hi - d_lo
    for jd in range(n_cables):
        d = d_lo + (jd * stride + offset) % n_cables
        a = ptr[d]
        b = ptr[d + 1]
        if a == b:
            continue
        if since >= refresh:
            _word_buckets(nkw, nk, alpha, beta, inv, ab, wsum)
            since = 0
        since += b - a
        dn = 0
        for k in range(n_topics):
            c = ndk[d, k]
            dc[k] = c * inv[k]
            if c > 0:
                dlist[dn] = k
                dpos[k] = dn
                dn += 1
        last_w = -1
        b1 = 0.0
        for i in range(a, b):
            w = words[i]
            old = z[i]
            same = w == last_w
            # ---- remove the token (keeping p and b1 current while the term repeats)
            ndk[d, old] -= 1
            nkw[w, old] -= 1
            nk[old] -= 1
            wsum[w] -= ab[old]
            j = dpos[old]
            if ndk[d, old] == 0:
                dc[old] = 0.0
                dn -= 1
                last = dlist[dn]
                dlist[j] = last
                dpos[last] = j
                if same:
                    b1 -= p[j]
                    p[j] = p[dn]
            else:
                dc[old] = ndk[d, old] * inv[old]
                if same:
                    v = dc[old] * (nkw[w, old] + beta)
                    b1 += v - p[j]
                    p[j] = v
            if not same:
                b1 = _cable_bucket(dlist, dn, dc, nkw, w, beta, p)
                last_w = w
            elif b1 < 0.0:
                b1 = 0.0
            # ---- draw
            x, u = _next(x)
            u *= b1 + wsum[w]
            if u < b1 and dn > 0:
                new = dlist[_find(p, dn, u)]
            else:
                u -= b1
                new = n_topics - 1
                for k in range(n_topics):
                    u -= ab[k] * (nkw[w, k] + beta)
                    if u <= 0.0:
                        new = k
                        break
            # ---- add it back under the new topic
            ndk[d, new] += 1
            nkw[w, new] += 1
            nk[new] += 1
            wsum[w] += ab[new]
            dc[new] = ndk[d, new] * inv[new]
            v = dc[new] * (nkw[w, new] + beta)
            if ndk[d, new] == 1:
                dlist[dn] = new
                dpos[new] = dn
                p[dn] = v
                dn += 1
                b1 += v
            else:
                j = dpos[new]
                b1 += v - p[j]
                p[j] = v
            z[i] = new
    return x


@njit(cache=True, parallel=True)
def sample_docsparse_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha, beta, bounds, refresh,
                              states, stride, offsets):
    for p in nb.prange(bounds.shape[0] - 1):
        states[p] = sample_docsparse(ptr, words, z, ndk, nkw_p[p], nk_p[p], alpha, beta,
                                     bounds[p], bounds[p + 1], refresh, states[p], stride,
                                     offsets[p])


# ---------------------------------------------- exact sampler, scan in the cable's order
@njit(cache=True, fastmath=True, nogil=True)
def sample_ordered(ptr, words, z, ndk, nkw, nk, alpha, beta, d_lo, d_hi, state):
    """One exact collapsed Gibbs sweep over cables ``d_lo:d_hi``.

    ``p_k = (n_dk + alpha_k) / (n_k + V beta) * (n_kw + beta)``: the first factor is kept
    per cable and topic (two entries change per token), the second per term while the term
    repeats (CSR order), so the K products are one vectorised float32 multiply and sum.
    The draw scans the topics in the cable's order of decreasing ``n_dk`` (kept roughly
    sorted by one swap per count change; any order gives the same distribution), so it
    usually stops after a few topics. Returns the generator state."""
    n_terms, n_topics = nkw.shape
    padded = ((n_topics + 15) // 16) * 16
    vbeta = beta * n_terms
    x = state
    inv = np.zeros(padded, np.float32)
    adinv = np.zeros(padded, np.float32)
    row = np.zeros(padded, np.float32)
    p = np.zeros(padded, np.float32)
    order = np.empty(n_topics, np.int32)
    pos = np.empty(n_topics, np.int32)
    fbeta = np.float32(beta)
    for k in range(n_topics):
        inv[k] = 1.0 / (nk[k] + vbeta)
    for d in range(d_lo, d_hi):
        a = ptr[d]
        b = ptr[d + 1]
        if a == b:
            continue
        nd = ndk[d]
        order[:] = np.argsort(-nd)
        for j in range(n_topics):
            k = order[j]
            pos[k] = j
            adinv[k] = (nd[k] + alpha[k]) * inv[k]
        last_w = -1
        for i in range(a, b):
            w = words[i]
            old = z[i]
            nd[old] -= 1
            nkw[w, old] -= 1
            nk[old] -= 1
            inv[old] = 1.0 / (nk[old] + vbeta)
            adinv[old] = (nd[old] + alpha[old]) * inv[old]
            j = pos[old]
            if j + 1 < n_topics:
                nxt = order[j + 1]
                if nd[nxt] > nd[old]:
                    order[j] = nxt
                    pos[nxt] = j
                    order[j + 1] = old
                    pos[old] = j + 1
            if w != last_w:
                wrow = nkw[w]
                for k in range(n_topics):
                    row[k] = wrow[k] + fbeta
                last_w = w
            else:
                row[old] -= 1.0
            tot = np.float32(0.0)
            for k in range(padded):
                v = adinv[k] * row[k]
                p[k] = v
                tot += v
            x, u = _next(x)
            u = u * tot
            new = order[n_topics - 1]
            for j in range(n_topics):
                k = order[j]
                u -= p[k]
                if u <= 0.0:
                    new = k
                    break
            while p[new] <= 0.0 and new > 0:  # rounding past the last positive topic
                new -= 1
            nd[new] += 1
            nkw[w, new] += 1
            nk[new] += 1
            inv[new] = 1.0 / (nk[new] + vbeta)
            adinv[new] = (nd[new] + alpha[new]) * inv[new]
            row[new] += 1.0
            j = pos[new]
            if j > 0:
                prv = order[j - 1]
                if nd[prv] < nd[new]:
                    order[j] = prv
                    pos[prv] = j
                    order[j - 1] = new
                    pos[new] = j - 1
            z[i] = new
    return x


@njit(cache=True, parallel=True)
def sample_ordered_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha, beta, bounds, states):
    for p in nb.prange(bounds.shape[0] - 1):
        states[p] = sample_ordered(ptr, words, z, ndk, nkw_p[p], nk_p[p], alpha, beta,
                                   bounds[p], bounds[p + 1], states[p])
