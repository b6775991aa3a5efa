"""``lda-numba``: LDA by collapsed Gibbs sampling, our own sampler compiled with numba.

numba is a PyPI wheel (no compiler at install time); the kernels live in
`topics.models._sparse_kernels`, compiled on first use and cached on disk (``cache=True``).
The collapsed Gibbs conditional of Griffiths & Steyvers (2004) for a token of term ``w`` in
cable ``d`` is::

    p(z = k) ∝ (alpha_k + n_dk) (beta + n_kw) / (V beta + n_k)

Five samplers (``sampler``):

``"docsparse"`` (default)
    Exact draws given ``n_k``, with the conditional split as ``n_dk (beta + n_kw) / (V beta
    + n_k)`` (the cable bucket, over the cable's non-zero topics only, kept entry by entry
    while a term repeats) plus ``alpha_k (beta + n_kw) / (V beta + n_k)`` (the term
    bucket, whose total is kept per term and updated in O(1) per count change, so it is
    scanned only when a draw falls in it: a few percent of draws). The coefficients
    ``1 / (V beta + n_k)`` are refreshed every ``max(V K / 4, 2048)`` tokens at a cable
    boundary and are stale in between (``n_k`` moves by a fraction of a percent there: the
    approximation of AD-LDA's partitions, and of tomotopy's parallel schemes). O(K_d) per
    token, K_d the topics of the cable. With ``shuffle=True`` (default) each sweep visits
    the cables in a new order (a prime stride and a random start drawn from ``seed``, as
    tomotopy's ``forShuffled``), which recovered planted topics better than corpus order
    (docs/engines.md).
``"simd"``
    Exact draws from the full conditional with nothing stale: per token the K products
    ``(n_dk + alpha_k) / (n_k + V beta) * (n_kw + beta)`` in 16-lane float32 vector
    registers, their prefix sums by shift-and-add and the draw as a count of the prefix
    sums below ``u * total`` (a compare and a popcount, no branch). The cable's
    coefficients, and those for one count more and one less, stay in registers and change
    by lane blends (two lanes a token), so no vector load waits on a scalar store
    (`topics.models._simd_kernels`, numba intrinsics; compiled per process in about a
    second). K <= 128. About twice tomotopy's tokens per CPU second at K = 50
    (docs/engines.md).
``"dense"``
    Exact draws: the K products in one vectorised float32 pass over the cable's topic
    counts and the term's counts (kept while the same term repeats, as in CSR order), the
    draw by a two-level scan (blocks of 8 topics, then the topic).
``"sparse"``
    Exact draws with the bucket decomposition of Yao, Mimno & McCallum (2009, SparseLDA):
    smoothing ``s = sum_k alpha_k beta / (V beta + n_k)``, cable bucket
    ``r = sum_{n_dk > 0} n_dk beta / (V beta + n_k)`` and term bucket
    ``q = sum_{n_kw > 0} n_kw (alpha_k + n_dk) / (V beta + n_k)``; each term's non-zero
    topics are rebuilt, sorted by count, every sweep. It pays where terms are sparse in
    topics (large K); with K = 50 and frequent terms shared by all topics it is slower
    than ``"dense"`` (docs/engines.md).
``"mh"``
    Metropolis-Hastings with LightLDA's cycle (Yuan et al. 2015) of a word proposal
    (Walker alias tables per term, rebuilt every sweep) and a document proposal (the topic
    of a random token of the cable, or a draw from alpha), ``mh_steps`` pairs per token:
    O(1) per token whatever K.

The asymmetric document-topic prior ``alpha`` is re-estimated every ``optim_interval``
sweeps after ``burn_in`` by Minka's fixed point, as tomotopy does by default; ``beta``
(``eta``) stays fixed. ``topic_term_`` is ``(n_kw + beta) / (n_k + V beta)`` of the last
sweep, ``doc_topic_`` the normalised ``n_dk + alpha_k``.

Determinism: the random numbers come from our own xorshift64* generators seeded from
``seed`` through `numpy.random.SeedSequence` (never a global RNG). With ``workers=1`` (the
default) the same seed gives identical arrays. With ``workers > 1`` the cables are cut
into ``workers`` contiguous partitions of about equal token counts, sampled in parallel
(numba ``prange``) against private copies of the topic-term counts that are merged after
each sweep (approximate distributed LDA, Newman et al. 2009): the result repeats itself
for a fixed ``workers`` but differs from ``workers=1``. `transform` samples each cable
against the fitted, fixed topics (``infer_iterations`` sweeps, the mean counts of the
second half) with a generator seeded by ``seed`` and the row number, so it repeats itself
whatever ``workers`` is (it runs in one thread: a parallel kernel costs ~25 s more to
compile than it saves on the cables a run transforms).

A saved model is plain ``.npy``: ``topic_term.npy`` (used by `transform`) and
``state_alpha.npy``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from topics.models.base import ModelFormatError, TopicModel, check_int, check_real
from topics.vectorize import DocTermMatrix

__all__ = ["NumbaLda"]

logger = logging.getLogger(__name__)

SAMPLERS = ("docsparse", "simd", "dense", "sparse", "mh")
_GOLDEN = 0x9E3779B97F4A7C15


def _numba():
    try:
        import numba
    except ImportError as exc:  # pragma: no cover - numba is a core dependency
        raise ImportError(
            "engine 'lda-numba' needs numba (pip install numba); it is a core dependency "
            "of cable-topics, so reinstall the package"
        ) from exc
    return numba


def _seed_words(seed: int, n: int, salt: int = 0) -> np.ndarray:
    """``n`` non-zero uint64 generator states derived from ``seed`` (SeedSequence)."""
    ss = np.random.SeedSequence([int(seed), 0x5D1A, int(salt)])
    out = ss.generate_state(n, dtype=np.uint64)
    out[out == 0] = np.uint64(_GOLDEN)
    return out


def _kernels():
    """The numba kernels (module `topics.models._sparse_kernels`), imported on first use."""
    _numba()
    from topics.models import _sparse_kernels

    return _sparse_kernels


def _tokens(dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Token offsets per cable (int64, n_docs + 1) and term ids (int32), CSR column order."""
    m = dtm.matrix.tocsr()
    counts = np.asarray(m.data)
    if counts.size and (np.any(counts < 0) or np.any(counts != np.round(counts))):
        raise ValueError(
            "NumbaLda: the DocTermMatrix holds negative or non-integer counts; pass the "
            "count matrix from build_dtm"
        )
    counts = counts.astype(np.int64)
    words = np.repeat(m.indices.astype(np.int32), counts)
    ends = np.concatenate([[0], np.cumsum(counts)])
    ptr = ends[m.indptr].astype(np.int64)
    return ptr, words


def _permuted(ptr: np.ndarray, words: np.ndarray, perm: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """The token arrays with the cables in the order ``perm``."""
    lengths = np.diff(ptr)[perm]
    new_ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    out = np.empty_like(words)
    _kernels().gather_cables(ptr, words, perm.astype(np.int64), new_ptr, out)
    return new_ptr, out


_PRIMES = (65537, 65539, 65543, 65551, 65557, 65563, 65579, 65581, 65587, 65599, 65609,
           65617, 65629, 65633, 65647, 65651)


def _visit_order(rng: np.random.Generator, sizes: np.ndarray, shuffle: bool
                 ) -> tuple[int, np.ndarray]:
    """The cable order of one sweep: ``(j * stride + offset) % n`` within each partition
    of ``sizes`` cables (tomotopy's scheme: a prime stride that divides no partition size,
    a random offset per partition); ``(1, zeros)`` keeps the corpus order."""
    sizes = np.asarray(sizes, dtype=np.int64)
    if not shuffle:
        return 1, np.zeros(sizes.size, dtype=np.int64)
    start = int(rng.integers(len(_PRIMES)))
    stride = 1
    for i in range(len(_PRIMES)):
        p = _PRIMES[(start + i) % len(_PRIMES)]
        if not np.any((sizes > 0) & (sizes % p == 0)):
            stride = p
            break
    offsets = (rng.random(sizes.size) * np.maximum(sizes, 1)).astype(np.int64)
    return stride, offsets


def optimize_alpha(ndk: np.ndarray, alpha: np.ndarray, iterations: int = 10) -> np.ndarray:
    """Minka's fixed-point update of an asymmetric Dirichlet prior from topic counts.

    ``alpha_k <- alpha_k * sum_d [psi(n_dk + alpha_k) - psi(alpha_k)] /
    sum_d [psi(n_d + alpha_0) - psi(alpha_0)]``, with each digamma difference written as
    ``sum_{i < n} 1 / (alpha + i)`` over count histograms (no digamma calls).

    Parameters
    ----------
    ndk : numpy.ndarray of int, shape (n_docs, n_topics)
        Topic counts per cable.
    alpha : numpy.ndarray, shape (n_topics,)
        The current prior.
    iterations : int
        Fixed-point steps.

    Returns
    -------
    numpy.ndarray, shape (n_topics,)
    """
    n_topics = ndk.shape[1]
    nd = ndk.sum(axis=1)
    nd = nd[nd > 0]
    ndk = ndk[ndk.sum(axis=1) > 0]
    if nd.size == 0:
        return alpha
    length = int(nd.max())
    # docs_gt[i] = number of cables with n_d > i; topic_gt[k, i] likewise for n_dk.
    docs_gt = np.bincount(nd, minlength=length + 1)[::-1].cumsum()[::-1][1:]
    topic_gt = np.zeros((n_topics, length))
    for k in range(n_topics):
        h = np.bincount(ndk[:, k], minlength=length + 1)
        topic_gt[k] = h[::-1].cumsum()[::-1][1:]
    steps = np.arange(length, dtype=np.float64)
    a = np.asarray(alpha, dtype=np.float64).copy()
    for _ in range(iterations):
        denom = float(np.sum(docs_gt / (a.sum() + steps)))
        num = (topic_gt / (a[:, None] + steps[None, :])).sum(axis=1)
        a = np.maximum(a * num / max(denom, 1e-300), 1e-5)
    return a


class NumbaLda(TopicModel):
    """LDA by collapsed Gibbs sampling, our numba sampler (see the module notes).

    Parameters
    ----------
    n_topics : int, default 20
        Number of topics K.
    seed : int, default 0
        Seed of our xorshift64* generators; same seed, same arrays (see the module notes
        for ``workers > 1``).
    iterations : int, default 500
        Gibbs sweeps over the corpus.
    alpha : float, default 0.1
        Initial symmetric document-topic Dirichlet prior.
    eta : float, default 0.01
        Symmetric topic-word Dirichlet prior (beta in Griffiths & Steyvers 2004).
    optim_interval : int, default 10
        Re-estimate an asymmetric alpha every this many sweeps (Minka's fixed point);
        0 keeps alpha fixed.
    burn_in : int, default 0
        Sweeps before the first alpha re-estimation.
    infer_iterations : int, default 100
        Gibbs sweeps per cable in `transform`.
    workers : int, default 1
        Partitions sampled in parallel (AD-LDA); 0 means numba's thread count.
    sampler : {"docsparse", "simd", "dense", "sparse", "mh"}, default "docsparse"
        ``"docsparse"``: cable bucket over the cable's topics plus a per-term bucket kept
        in O(1) (see the module notes); ``"simd"``: exact, the K products, prefix sums
        and draw in vector registers (K <= 128); ``"dense"``: the K products vectorised;
        ``"sparse"``: SparseLDA's buckets; ``"mh"``: Metropolis-Hastings with LightLDA's
        alternating word proposal (per-term alias tables rebuilt every sweep) and document
        proposal, O(1) per token.
    mh_steps : int, default 2
        Word + document proposal pairs per token and sweep (``"mh"`` only).
    shuffle : bool, default True
        Visit the cables in a new pseudo-random order every sweep (a prime stride and a
        random start, as tomotopy does); False keeps the corpus order (``"docsparse"``
        and ``"simd"`` only). At 50,000 planted cables the shuffled order recovered 0.744
        against 0.721 in corpus order (docs/engines.md).
    subsample : float, default 1.0
        Below 1, fit in two stages: ``subsample_iterations`` sweeps over this fraction of
        the cables (drawn from ``seed``), then the other cables join, each drawn against
        the sample's topics (on ``workers`` threads, the same draws whatever their
        number), and ``iterations`` sweeps run over all of them (``burn_in`` and
        ``optim_interval`` count from the start of each stage).
        The cost is ``subsample * subsample_iterations + iterations`` sweeps of the
        corpus, and what it saves depends on the sample's size: at 250,000 planted cables
        25% x 100 sweeps + 30 sweeps reached tomotopy's 100-sweep recovery in 2.1x less
        CPU time, while at 50,000 (a 12,500-cable sample) 25% x 100 + 25 sweeps recovered
        0.606 against 0.744 for 100 sweeps (docs/engines.md). 1 (the default) fits in
        one stage.
    subsample_iterations : int, default 100
        Sweeps of the first stage (``subsample < 1`` only).

    Attributes
    ----------
    alpha_ : numpy.ndarray, shape (n_topics,)
        The fitted (asymmetric) document-topic prior.
    """

    engine = "lda-numba"

    def __init__(
        self,
        n_topics: int = 20,
        seed: int = 0,
        iterations: int = 500,
        alpha: float = 0.1,
        eta: float = 0.01,
        optim_interval: int = 10,
        burn_in: int = 0,
        infer_iterations: int = 100,
        workers: int = 1,
        sampler: str = "docsparse",
        mh_steps: int = 2,
        shuffle: bool = True,
        subsample: float = 1.0,
        subsample_iterations: int = 100,
    ):
        self.n_topics = n_topics
        self.seed = seed
        self.iterations = iterations
        self.alpha = alpha
        self.eta = eta
        self.optim_interval = optim_interval
        self.burn_in = burn_in
        self.infer_iterations = infer_iterations
        self.workers = workers
        self.sampler = sampler
        self.mh_steps = mh_steps
        self.shuffle = shuffle
        self.subsample = subsample
        self.subsample_iterations = subsample_iterations

    def _validate_params(self) -> None:
        super()._validate_params()
        owner = type(self).__name__
        check_int(owner, "iterations", self.iterations, 1)
        check_int(owner, "infer_iterations", self.infer_iterations, 1)
        check_int(owner, "optim_interval", self.optim_interval, 0)
        check_int(owner, "burn_in", self.burn_in, 0)
        check_int(owner, "workers", self.workers, 0)
        check_real(owner, "alpha", self.alpha)
        check_real(owner, "eta", self.eta)
        check_int(owner, "mh_steps", self.mh_steps, 1)
        check_int(owner, "subsample_iterations", self.subsample_iterations, 1)
        if (isinstance(self.subsample, bool) or not isinstance(self.subsample, (int, float))
                or not 0.0 < float(self.subsample) <= 1.0):
            raise ValueError(f"The 'subsample' parameter of {owner} must be a number in "
                             f"(0, 1]. Got {self.subsample!r} instead.")
        if not isinstance(self.shuffle, bool):
            raise ValueError(f"The 'shuffle' parameter of {owner} must be a bool. "
                             f"Got {self.shuffle!r} instead.")
        if self.sampler == "simd" and isinstance(self.n_topics, int) and self.n_topics > 128:
            raise ValueError(f"The 'sampler' parameter of {owner}: 'simd' handles at most 128 "
                             f"topics (n_topics={self.n_topics}); use 'docsparse'.")
        if self.sampler not in SAMPLERS:
            raise ValueError(
                f"The 'sampler' parameter of {owner} must be one of {list(SAMPLERS)}. "
                f"Got {self.sampler!r} instead."
            )

    def _n_workers(self, n_docs: int) -> int:
        nb = _numba()
        w = self.workers or nb.config.NUMBA_NUM_THREADS
        return max(1, min(int(w), nb.config.NUMBA_NUM_THREADS, n_docs))

    def _fit(self, dtm: DocTermMatrix) -> tuple[np.ndarray, np.ndarray]:
        kern = _kernels()
        n_docs, n_terms = dtm.shape
        k = int(self.n_topics)
        ptr, words = _tokens(dtm)
        n_first, perm = self._stages(n_docs)
        if perm is not None:
            ptr, words = _permuted(ptr, words, perm)
        n_tokens = int(words.size)
        z = np.empty(n_tokens, dtype=np.int32)
        ndk = np.zeros((n_docs, k), dtype=np.int32)
        nkw = np.zeros((n_terms, k), dtype=np.int32)
        nk = np.zeros(k, dtype=np.int64)
        alpha = np.full(k, float(self.alpha))
        beta = float(self.eta)
        vbeta = beta * n_terms
        n_workers = self._n_workers(n_docs)
        states = _seed_words(self.seed, n_workers + 1)
        # the first stage's cables (all of them without `subsample`) start at random topics
        states[0] = kern.init_topics(ptr[:n_first + 1], words, z, ndk, nkw, nk, states[0])
        states = states[1:] if n_workers > 1 else states[:1]
        state = {"nkw": nkw, "nk": nk, "alpha": alpha, "states": states}
        order_rng = np.random.default_rng(np.random.SeedSequence([int(self.seed), 0x0D0C]))
        t0 = time.perf_counter()
        if n_first < n_docs:
            self._sweeps(ptr, words, z, ndk, state, n_first, int(self.subsample_iterations),
                         order_rng, t0, "sample stage")
            # the other cables join, drawn against the sample's topics (in parallel)
            seeds = _seed_words(self.seed, n_docs - n_first, salt=2)
            nb = _numba()
            previous = nb.get_num_threads()
            nb.set_num_threads(n_workers)
            try:
                kern.init_from_counts(ptr, words, z, ndk, state["nkw"], state["nk"],
                                      state["alpha"], beta, vbeta, n_first, n_docs, seeds)
            finally:
                nb.set_num_threads(previous)
            kern.add_counts(ptr, words, z, state["nkw"], state["nk"], n_first, n_docs)
            logger.info("lda-numba: %d more cables joined the %d sampled (%.1f s)",
                        n_docs - n_first, n_first, time.perf_counter() - t0)
        self._sweeps(ptr, words, z, ndk, state, n_docs, int(self.iterations), order_rng, t0,
                     "sweep")
        nkw, nk, alpha = state["nkw"], state["nk"], state["alpha"]
        self.alpha_ = alpha
        topic_term = (nkw.T.astype(np.float64) + beta) / (nk[:, None] + vbeta)
        doc_topic = np.empty((n_docs, k), dtype=np.float64)
        rows = perm if perm is not None else slice(None)
        doc_topic[rows] = ndk + alpha[None, :]
        return topic_term, doc_topic

    def _stages(self, n_docs: int) -> tuple[int, np.ndarray | None]:
        """Cables of the first stage and the order that puts them first (None: one stage)."""
        if float(self.subsample) >= 1.0 or n_docs < 2:
            return n_docs, None
        n_first = min(n_docs - 1, max(1, int(round(float(self.subsample) * n_docs))))
        rng = np.random.default_rng(np.random.SeedSequence([int(self.seed), 0x5AB5]))
        first = np.zeros(n_docs, dtype=bool)
        first[rng.choice(n_docs, size=n_first, replace=False)] = True
        perm = np.concatenate([np.flatnonzero(first), np.flatnonzero(~first)])
        return n_first, perm

    def _sweeps(self, ptr: np.ndarray, words: np.ndarray, z: np.ndarray, ndk: np.ndarray,
                state: dict, n_active: int, sweeps: int, order_rng: np.random.Generator,
                t0: float, what: str) -> None:
        """``sweeps`` Gibbs sweeps over cables ``0..n_active`` (``state``: the counts
        ``nkw``/``nk``, the prior ``alpha`` and the generator ``states``, updated)."""
        kern = _kernels()
        nkw, nk, alpha, states = state["nkw"], state["nk"], state["alpha"], state["states"]
        n_terms, k = nkw.shape
        beta = float(self.eta)
        vbeta = beta * n_terms
        n_workers = len(states)
        p_lo, p_hi = int(ptr[0]), int(ptr[n_active])
        cuts = np.searchsorted(ptr[:n_active + 1], np.linspace(p_lo, p_hi, n_workers + 1)[1:-1])
        bounds = np.concatenate([[0], cuts, [n_active]]).astype(np.int64)
        mh = self.sampler == "mh"
        if mh:
            tab = np.zeros((n_terms, k, 4), dtype=np.float32)
        elif self.sampler == "sparse":
            wt = np.zeros((n_workers, n_terms, k), dtype=np.int32)
            wnz = np.zeros((n_workers, n_terms), dtype=np.int32)
            wpos = np.zeros((n_workers, n_terms, k), dtype=np.int32)
        steps = int(self.mh_steps)
        if self.sampler == "simd":
            self._simd_sweeps(ptr, words, z, ndk, state, bounds, sweeps, order_rng, t0, what)
            return
        # docsparse: tokens between refreshes of 1 / (n_k + V beta) and the term buckets
        # (a refresh costs V K multiply-adds: at most a few percent of the sweep).
        refresh = max(n_terms * k // 4, 2048)
        nb = _numba()
        previous = nb.get_num_threads()
        for it in range(sweeps):
            if mh:
                kern.build_alias(nkw, nk, beta, vbeta, tab)
                alpha_cdf = np.cumsum(alpha)
            if self.sampler == "docsparse":
                stride, offsets = _visit_order(order_rng, np.diff(bounds), self.shuffle)
            if n_workers == 1 and self.sampler == "docsparse":
                states[0] = kern.sample_docsparse(ptr, words, z, ndk, nkw, nk, alpha, beta, 0,
                                                  n_active, refresh, states[0], stride,
                                                  offsets[0])
            elif n_workers == 1 and self.sampler == "dense":
                states[0] = kern.sample_dense(ptr, words, z, ndk, nkw, nk, alpha, beta, vbeta, 0,
                                              n_active, states[0])
            elif n_workers == 1 and mh:
                states[0] = kern.sample_mh(ptr, words, z, ndk, nkw, nk, alpha, alpha_cdf, beta,
                                           vbeta, 0, n_active, tab, steps,
                                           states[0])
            elif n_workers == 1:
                kern.build_word_lists(nkw, wt[0], wnz[0], wpos[0])
                states[0] = kern.sample(ptr, words, z, ndk, nkw, nk, alpha, beta, vbeta, 0,
                                        n_active, wt[0], wnz[0], wpos[0], states[0])
            else:
                nkw_p = np.repeat(nkw[None], n_workers, axis=0)
                nk_p = np.repeat(nk[None], n_workers, axis=0)
                nb.set_num_threads(n_workers)
                try:
                    if self.sampler == "docsparse":
                        kern.sample_docsparse_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha,
                                                       beta, bounds, refresh, states, stride,
                                                       offsets)
                    elif self.sampler == "dense":
                        kern.sample_dense_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha, beta,
                                                   vbeta, bounds, states)
                    elif mh:
                        kern.sample_mh_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha, alpha_cdf,
                                                beta, vbeta, bounds, tab, steps,
                                                states)
                    else:
                        for p in range(n_workers):
                            kern.build_word_lists(nkw, wt[p], wnz[p], wpos[p])
                        kern.sample_parallel(ptr, words, z, ndk, nkw_p, nk_p, alpha, beta,
                                             vbeta, bounds, wt, wnz, wpos, states)
                finally:
                    nb.set_num_threads(previous)
                nkw += (nkw_p - nkw[None]).sum(axis=0, dtype=np.int32)
                nk += (nk_p - nk[None]).sum(axis=0)
                del nkw_p, nk_p
            done = it + 1
            if self.optim_interval and done > self.burn_in and done % self.optim_interval == 0:
                alpha = optimize_alpha(ndk[:n_active], alpha)
            if done % 10 == 0 or done == sweeps:
                logger.info("lda-numba: %s %d/%d (%.1f s, %d cables, %d workers)", what,
                            done, sweeps, time.perf_counter() - t0, n_active, n_workers)
        state["alpha"] = alpha

    def _simd_sweeps(self, ptr: np.ndarray, words: np.ndarray, z: np.ndarray,
                     ndk: np.ndarray, state: dict, bounds: np.ndarray, sweeps: int,
                     order_rng: np.random.Generator, t0: float, what: str) -> None:
        """`_sweeps` for ``sampler="simd"`` (`topics.models._simd_kernels`): the counts
        live in a padded, aligned copy during the sweeps; ``workers > 1`` partitions run in
        threads (the kernel releases the GIL) against private copies merged after each
        sweep (AD-LDA, as the other samplers)."""
        from concurrent.futures import ThreadPoolExecutor

        from topics.models import _simd_kernels as simd

        nkw, nk, alpha, states = state["nkw"], state["nk"], state["alpha"], state["states"]
        n_terms, k = nkw.shape
        beta = float(self.eta)
        sweep = simd.kernel(k)
        kp = simd.padded(k)
        n_workers = len(states)
        parts = [(int(bounds[p]), int(bounds[p + 1])) for p in range(n_workers)]
        scratch = [simd.aligned(3 * kp, np.float32).reshape(3, kp) for _ in range(n_workers)]
        padded = simd.pad_counts(nkw)
        pool = ThreadPoolExecutor(n_workers) if n_workers > 1 else None

        def run(p, counts, totals, stride, offset):
            lo, hi = parts[p]
            states[p] = sweep(ptr, words, z, ndk, counts, totals, alpha, beta, n_terms, lo, hi,
                              states[p], stride, offset, scratch[p])

        try:
            for it in range(sweeps):
                stride, offsets = _visit_order(order_rng, np.diff(bounds), self.shuffle)
                if pool is None:
                    run(0, padded, nk, stride, int(offsets[0]))
                else:
                    # the kernel's vector loads need 64-byte aligned rows (ndarray.copy
                    # aligns to 16 only)
                    copies = [simd.aligned(padded.size, np.int32, padded)
                              for _ in range(n_workers)]
                    totals = [nk.copy() for _ in range(n_workers)]
                    list(pool.map(run, range(n_workers), copies, totals,
                                  [stride] * n_workers, [int(o) for o in offsets]))
                    padded += sum(c - padded for c in copies)
                    nk += sum(t - nk for t in totals)
                    del copies, totals
                done = it + 1
                if (self.optim_interval and done > self.burn_in
                        and done % self.optim_interval == 0):
                    alpha = optimize_alpha(ndk[:bounds[-1]], alpha)
                if done % 10 == 0 or done == sweeps:
                    logger.info("lda-numba: %s %d/%d (%.1f s, %d cables, %d workers)", what,
                                done, sweeps, time.perf_counter() - t0, int(bounds[-1]),
                                n_workers)
        finally:
            if pool is not None:
                pool.shutdown()
        nkw[:] = padded.reshape(n_terms, kp)[:, :k]
        state["alpha"] = alpha

    def _transform(self, dtm: DocTermMatrix) -> np.ndarray:
        kern = _kernels()
        ptr, words = _tokens(dtm)
        n_docs = dtm.n_docs
        # Seeds per row: the same cable at the same row gets the same draws.
        seeds = _seed_words(self.seed, n_docs, salt=1)
        out = np.zeros((n_docs, self.n_topics_))
        phi_wk = np.ascontiguousarray(self.topic_term_.T)
        nb = _numba()
        previous = nb.get_num_threads()
        nb.set_num_threads(self._n_workers(max(n_docs, 1)))
        try:
            kern.infer(ptr, words, phi_wk, self.alpha_, int(self.infer_iterations), seeds,
                          out)
        finally:
            nb.set_num_threads(previous)
        keep = max(int(self.infer_iterations) // 2, 1)
        out = out / keep + self.alpha_[None, :]
        empty = np.diff(ptr) == 0
        out[empty] = self.alpha_
        return out

    def _state(self, directory: Path) -> dict[str, np.ndarray]:
        return {"alpha": np.asarray(self.alpha_, dtype=np.float64)}

    def _restore(self, arrays: dict[str, np.ndarray], directory: Path) -> None:
        alpha = arrays.get("alpha")
        if alpha is None or alpha.shape != (self.n_topics_,) or not np.all(alpha > 0):
            raise ModelFormatError(
                f"{directory / 'state_alpha.npy'}: expected {self.n_topics_} positive floats "
                "(the fitted alpha); re-save the model with save()"
            )
        self.alpha_ = np.asarray(alpha, dtype=np.float64)
