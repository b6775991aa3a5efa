"""Co-occurrence counting kernels of `topics.evaluate.coherence`: boolean counts of the
pairs of terms within each topic, over whole documents (packed presence bits and popcounts)
or sliding windows (each term's windows as intervals, turned into +bit/-bit events whose
running sum is the mask of the terms present). See the `topics.evaluate.coherence` module
docstring for the definitions (gensim's semantics) these counts follow.

Per-occurrence arrays are int32 while the counts fit (`_index_dtype`), and the large steps
run in bounded chunks, so memory grows with the top terms' occurrences (about 12 bytes
each), not with the corpus.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Window counting: terms per bit mask (larger groups are split into pairs of halves), and
# bounds per batch on events (memory: at most ~4 arrays of 8 bytes an event at once),
# mask-histogram bins and the sort key's range.
_MASK_BITS = 16
_CHUNK_EVENTS = 4_000_000
_CHUNK_BINS = 1 << 22
_KEY_LIMIT = 1 << 57
# Document presence bits: 64-bit words per batch of pairs (8 bytes each), and occurrences
# turned into bits per step.
_CHUNK_WORDS = 4_000_000
_CHUNK_OCCURRENCES = 1 << 22


def _index_dtype(n: int) -> type[np.signedinteger]:
    """int32 for indices and counts below ``n`` when ``n < 2**31`` (4 bytes an entry), else
    int64: occurrence arrays hold one entry per occurrence of a top term (tens of millions
    on a large corpus)."""
    return np.int32 if n < 2**31 else np.int64


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(s, s + n)`` for each start ``s`` and length ``n``."""
    total = int(lengths.sum())
    shift = starts - (np.cumsum(lengths) - lengths)
    return np.repeat(shift, lengths) + np.arange(total, dtype=np.int64)


def _slot_table(groups: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(G, N) table of indices into the distinct term ids (-1: padding or absent term)."""
    n = max((len(g) for g in groups), default=0)
    table = np.full((len(groups), n), -1, dtype=np.int64)
    for g, ids in enumerate(groups):
        table[g, :len(ids)] = ids
    rel_ids, inverse = np.unique(table[table >= 0], return_inverse=True)
    slots = np.full_like(table, -1)
    slots[table >= 0] = inverse
    return slots, rel_ids.astype(np.int64)


def _doc_bits(x: np.ndarray, doc: np.ndarray, n_rel: int, n_docs: int) -> np.ndarray:
    """Packed presence bits, shape (n_rel, ceil(n_docs / 64)), from (term, doc) sorted pairs."""
    n_words = max(1, (n_docs + 63) // 64)
    bits = np.zeros(n_rel * n_words, dtype=np.uint64)
    # a chunk of occurrences at a time (8-byte keys and bits for each); a (term, word) key
    # cut by a chunk boundary gets the bits of both chunks (OR)
    for lo in range(0, len(x), _CHUNK_OCCURRENCES):
        d = doc[lo:lo + _CHUNK_OCCURRENCES]
        key = x[lo:lo + _CHUNK_OCCURRENCES].astype(np.int64) * n_words + (d >> 6)
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        one = np.left_shift(np.uint64(1), (d & 63).astype(np.uint64))
        bits[key[starts]] |= np.bitwise_or.reduceat(one, starts)
    return bits.reshape(n_rel, n_words)


if hasattr(np, "bitwise_count"):  # numpy >= 2.0
    def _popcount_rows(words: np.ndarray) -> np.ndarray:
        return np.bitwise_count(words).sum(axis=1, dtype=np.int64)
else:  # pragma: no cover - numpy 1.26
    _BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)

    def _popcount_rows(words: np.ndarray) -> np.ndarray:
        return _BYTE_BITS[words.view(np.uint8)].sum(axis=1)


def _bitset_pair_counts(slots: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """co[g, i, j] = popcount(bits[slots[g, i]] & bits[slots[g, j]]) for i <= j, symmetrized."""
    n_groups, n = slots.shape
    co = np.zeros((n_groups, n, n), dtype=np.int64)
    gi, i, j = np.nonzero(np.triu(np.ones((n, n), dtype=bool))[None] & (slots[:, :, None] >= 0)
                          & (slots[:, None, :] >= 0))
    ra, rb = slots[gi, i], slots[gi, j]
    step = max(1, _CHUNK_WORDS // bits.shape[1])
    for lo in range(0, len(ra), step):
        hit = _popcount_rows(bits[ra[lo:lo + step]] & bits[rb[lo:lo + step]])
        co[gi[lo:lo + step], i[lo:lo + step], j[lo:lo + step]] = hit
        co[gi[lo:lo + step], j[lo:lo + step], i[lo:lo + step]] = hit
    return co


def _window_intervals(occurrences: list[np.ndarray], offsets: np.ndarray,
                      win_offsets: np.ndarray, n_win_doc: np.ndarray, window: int,
                      n_tokens: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each term's presence over the (global) windows as disjoint intervals ``[a, b]``.

    ``occurrences``: ``[x, doc, pos]``, the relevant index, document and global position
    of each occurrence, sorted by ``x`` then ``pos`` (`ReferenceCorpus._occurrences`). The
    list is emptied: the arrays are freed as soon as they are used up (they are one entry
    per occurrence of a top term, tens of millions on a large corpus). Returns (x, a, b)
    sorted by ``x`` then ``a``, with touching intervals of one term merged; ``a`` and ``b``
    are int32 while there are fewer than 2**31 windows.
    """
    x, doc, pos = occurrences
    occurrences.clear()
    if len(x) == 0:
        return x, x.copy(), x.copy()
    win_type = _index_dtype(int(win_offsets[-1]))
    doc_offsets = offsets.astype(pos.dtype)
    # pos - (window - 1), with the window capped at the corpus (same values: the start is
    # the document's first token either way) so that int32 positions cannot overflow
    start = np.maximum(doc_offsets[doc], pos - pos.dtype.type(min(window - 1, n_tokens)))
    # gensim clears a word when its first occurrence inside the window leaves the left edge:
    # the windows counting this occurrence end at the first occurrence at or after `start`.
    # The term's occurrences are one sorted run of positions: search within the run (the
    # first at or after `start` is in it: the occurrence itself is); a search over
    # (term, position) keys would need 8-byte keys for every occurrence
    first_in_window = np.empty_like(pos)
    bounds = np.flatnonzero(np.r_[True, x[1:] != x[:-1], True])
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        run = pos[lo:hi]
        first_in_window[lo:hi] = run[np.searchsorted(run, start[lo:hi], side="left")]
    del pos, run
    # a = start - doc_start + win_offsets[doc], b = min(first_in_window - doc_start,
    # n_win_doc[doc] - 1) + win_offsets[doc]: in place, one occurrence-long array at a time
    doc_start = doc_offsets[doc]
    start -= doc_start
    first_in_window -= doc_start
    del doc_start
    last_window = n_win_doc.astype(first_in_window.dtype) - 1  # per document
    np.minimum(first_in_window, last_window[doc], out=first_in_window)
    first_window = win_offsets.astype(win_type)[doc]
    del doc
    a = start.astype(win_type, copy=False)
    del start
    a += first_window
    b = first_in_window.astype(win_type, copy=False)
    del first_in_window
    b += first_window
    del first_window
    # merge one term's overlapping or touching intervals (a and b are non-decreasing per term)
    new = np.empty(len(x), dtype=bool)
    new[0] = True
    new[1:] = (x[1:] != x[:-1]) | (a[1:] > b[:-1] + 1)
    last = np.empty_like(new)  # an interval's last occurrence: the next one starts anew
    last[:-1] = new[1:]
    last[-1] = True
    x, a = x[new], a[new]
    return x, a, b[last]


def _subgroups(slots: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Split groups into (group, slot positions) parts of <= _MASK_BITS terms covering all pairs."""
    parts = []
    half = _MASK_BITS // 2
    for g, row in enumerate(slots):
        where = np.flatnonzero(row >= 0)
        if len(where) == 0:
            continue
        if len(where) <= _MASK_BITS:
            parts.append((g, where))
            continue
        blocks = [where[k:k + half] for k in range(0, len(where), half)]
        parts.extend((g, np.r_[blocks[u], blocks[v]])
                     for u in range(len(blocks)) for v in range(u + 1, len(blocks)))
    return parts


def _interval_pair_counts(slots: np.ndarray, x: np.ndarray, a: np.ndarray, b: np.ndarray,
                          n_rel: int, n_windows: int) -> np.ndarray:
    """Within-group co-occurrence counts from each term's disjoint window intervals.

    For each group the intervals of its terms become +bit / -bit events at their first
    window and one past their last; sorted by window, the running sum is the bit mask of the
    terms present, constant between events. Weighting each mask by the windows it lasts
    gives a histogram over masks, and ``co[i, j]`` sums the masks holding bits i and j.
    """
    n_groups, n = slots.shape
    co = np.zeros((n_groups, n, n), dtype=np.int64)
    per_term = np.bincount(x, minlength=n_rel)
    seg_start = np.cumsum(per_term) - per_term
    parts = _subgroups(slots)
    n_events = np.array([2 * per_term[slots[g, w]].sum() for g, w in parts], dtype=np.int64)
    n_bits = max((len(w) for _, w in parts), default=1)
    stride = n_windows + 1
    lo = 0
    while lo < len(parts):
        # parts per batch: bounded events, mask histogram bins and key range
        hi = lo + 1
        total = int(n_events[lo])
        while (hi < len(parts) and total + n_events[hi] <= _CHUNK_EVENTS
               and (hi - lo + 1) << n_bits <= _CHUNK_BINS
               and (hi - lo + 1) * stride < _KEY_LIMIT):
            total += int(n_events[hi])
            hi += 1
        batch = parts[lo:hi]
        if total == 0:
            lo = hi
            continue
        sizes = np.array([len(w) for _, w in batch])
        rel = np.concatenate([slots[g, w] for g, w in batch])
        lengths = per_term[rel]
        take = _ranges(seg_start[rel], lengths)
        part_base = np.repeat(np.arange(len(batch), dtype=np.int64) * stride, sizes)
        base = np.repeat(part_base, lengths)
        bit = np.repeat(_ranges(np.zeros(len(batch), dtype=np.int64), sizes), lengths)
        # key bits: (part * stride + window) << 5 | is_start << 4 | term bit. One term's
        # events are already in key order, so the stable sort (timsort) merges N sorted runs
        # per part; at equal windows ends (-bit) come before starts (+bit).
        events = np.empty(2 * len(take), dtype=np.int64)
        events[0::2] = ((base + a[take]) << 5) | 16 | bit
        events[1::2] = ((base + b[take] + 1) << 5) | bit
        del base, bit, take
        events.sort(kind="stable")
        # +bit for a start (flag 16 set), -bit for an end; in place where it can be (each
        # array is 8 bytes an event)
        mask = events >> 3
        mask &= 2
        mask -= 1
        shift = events & 15
        np.left_shift(mask, shift, out=mask)
        del shift
        np.cumsum(mask, out=mask)
        events >>= 5  # the window of each event
        # the windows until the next event, as the float weights bincount takes (exact:
        # counts below 2**53)
        run = np.empty(len(events), dtype=np.float64)
        np.subtract(events[1:], events[:-1], out=run[:-1], dtype=np.int64)  # exact in int64
        run[-1] = 0
        del events
        # keys never decrease, so runs are >= 0; the mask is 0 between a part's last event
        # and the next part's first, so those runs fall in each part's (ignored) bin 0
        part = np.repeat(np.arange(len(batch), dtype=np.int64) << n_bits, n_events[lo:hi])
        part |= mask
        del mask
        hist = np.bincount(part, weights=run, minlength=len(batch) << n_bits)
        del part, run
        hist = np.rint(hist).astype(np.int64).reshape(len(batch), 1 << n_bits)
        hist[:, 0] = 0
        shifts = np.arange(n_bits)
        for k, (g, where) in enumerate(batch):
            masks = np.flatnonzero(hist[k])
            present = (masks[:, None] >> shifts[:len(where)]) & 1
            block = present.T @ (present * hist[k, masks][:, None])
            co[g, where[:, None], where[None, :]] = block
        lo = hi
    return co
