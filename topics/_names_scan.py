"""numba kernel of `topics.names.count_names`: the first pass's matches, in one call per batch.

`scan_names` reads a batch of cable bodies joined into one array of code points (every
character beyond ASCII replaced by ``?``: no pattern of `topics.names` matches one, so
the matches are the same) and finds, as the module's regexes do:

- what ``_LOWER_RE.findall`` and ``_CAP_RE.findall`` find in each mixed-case body, counted
  by their lower-case text (equal strings, one id; compared code point by code point);
- the tokens of ``_WORD_RE.findall`` (``[A-Za-z][A-Za-z'-]{0,30}\\.?``) that are, lower-cased,
  a title form, with the token after each (in the same body) when it is not one: the
  caller checks each pair with the module's own rules.

Imported on first use: numba's import and the first compilation cost seconds
(``cache=True`` keeps the machine code on disk). Every loop is linear in the text: a
match is tried at each position at most once, over at most 31 characters.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["head_case", "scan_names", "scan_pairs", "title_filter", "word_hash"]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_APOSTROPHE, _HYPHEN, _DOT = 39, 45, 46
_BITS = 4096
_BITS_MASK = np.uint64(_BITS - 1)


def title_filter(hashes: np.ndarray) -> np.ndarray:
    """Which of `_BITS` buckets (the low bits of a hash) hold one of ``hashes``."""
    bits = np.zeros(_BITS, dtype=np.bool_)
    bits[(hashes & _BITS_MASK).astype(np.int64)] = True
    return bits


@njit(inline="always")
def _letter(c) -> bool:
    return (65 <= c <= 90) or (97 <= c <= 122)


@njit(inline="always")
def _lower_part(c) -> bool:
    """``[a-z'-]``."""
    return (97 <= c <= 122) or c == _APOSTROPHE or c == _HYPHEN


@njit(inline="always")
def _fold(c):
    return c + 32 if 65 <= c <= 90 else c


@njit(cache=True)
def word_hash(cps):
    """The hash `scan_names` gives a word: FNV-1a of its ASCII-lower-cased code points."""
    h = _FNV_OFFSET
    for c in cps:
        h = (h ^ np.uint64(_fold(c))) * _FNV_PRIME
    return h


@njit(inline="always")
def _match_end(cps, j, low, end):
    """The end of a ``...{lo,hi}(?![A-Za-z])`` match whose greedy part stopped at ``j``:
    back from ``j`` to ``low`` to the first place not followed by a letter; -1 if none.
    ``end`` is the end of the body (followed by nothing)."""
    while j >= low:
        if j >= end or not _letter(cps[j]):
            return j
        j -= 1
    return -1


@njit(inline="always")
def _intern(cps, s, e, h, k0, k1, slots, id_hash, id_key, id_start, id_end, n_ids):
    """The id of ``cps[s:e]`` (case folded; hash ``h``, its first 16 folded code points
    packed in ``k0``, ``k1``) in the open-addressing table ``slots``; a new id is
    ``n_ids`` (the caller counts it). Returns (id, is_new)."""
    mask = np.uint64(len(slots) - 1)
    slot = h & mask
    length = e - s
    while True:
        k = slots[slot]
        if k < 0:
            slots[slot] = n_ids
            id_hash[n_ids] = h
            id_key[n_ids, 0] = k0
            id_key[n_ids, 1] = k1
            id_start[n_ids] = s
            id_end[n_ids] = e
            return n_ids, True
        if (id_hash[k] == h and id_end[k] - id_start[k] == length and id_key[k, 0] == k0
                and id_key[k, 1] == k1):
            a = id_start[k]
            same = True
            for m in range(16, length):  # the rest, beyond the packed 16
                if _fold(cps[a + m]) != _fold(cps[s + m]):
                    same = False
                    break
            if same:
                return k, False
        slot = (slot + np.uint64(1)) & mask


@njit(inline="always")
def _word_id(cps, s, e, slots, id_hash, id_key, id_start, id_end, n_ids):
    """`_intern` of ``cps[s:e]``, its hash and packed key computed here."""
    h = _FNV_OFFSET
    k0 = np.uint64(0)
    k1 = np.uint64(0)
    for q in range(s, e):
        c = np.uint64(_fold(cps[q]))
        h = (h ^ c) * _FNV_PRIME
        m = q - s
        if m < 8:
            k0 |= c << np.uint64(8 * m)
        elif m < 16:
            k1 |= c << np.uint64(8 * (m - 8))
    return _intern(cps, s, e, h, k0, k1, slots, id_hash, id_key, id_start, id_end, n_ids)


@njit(cache=True)
def _rehash(id_hash, n_ids, size):
    slots = np.full(size, -1, np.int32)
    mask = np.uint64(size - 1)
    for q in range(n_ids):
        s2 = id_hash[q] & mask
        while slots[s2] >= 0:
            s2 = (s2 + np.uint64(1)) & mask
        slots[s2] = q
    return slots


@njit(cache=True)
def _count_words(cps, start, p, end, kind, slots, id_hash, id_key, id_start, id_end, counts,
                 n_ids):
    """Count the matches of one pattern in ``cps[p:end]`` (a body from ``start``): kind 0,
    ``[a-z](?<![A-Za-z][a-z])[a-z'-]{1,30}(?![A-Za-z])``; kind 1,
    ``[A-Z](?<![A-Za-z][A-Z])[a-z][a-z'-]{0,29}(?![A-Za-z])``. Stops where the ids fill
    their arrays. Returns the number of ids and where the scan stopped (``end``: done)."""
    while p < end and n_ids < len(id_hash):
        c = cps[p]
        if kind == 0:
            ok = 97 <= c <= 122
        else:
            ok = 65 <= c <= 90 and p + 1 < end and 97 <= cps[p + 1] <= 122
        if not ok or (p > start and _letter(cps[p - 1])):
            p += 1
            continue
        j = p + 1 + kind
        while j < end and j < p + 31 and _lower_part(cps[j]):
            j += 1
        e = _match_end(cps, j, p + 2, end)
        if e < 0:
            p += 1
            continue
        k, new = _word_id(cps, p, e, slots, id_hash, id_key, id_start, id_end, n_ids)
        if new:
            counts[k, 0] = 0
            counts[k, 1] = 0
            n_ids += 1
        counts[k, kind] += 1
        p = e
    return n_ids, p


@njit(inline="always")
def _is_title(cps, s, e, titles, title_bits, forms, form_len):
    """Whether ``cps[s:e]``, lower-cased, is one of ``forms`` (rows of code points, sorted
    by their hashes ``titles``): the hash found, then the code points compared."""
    if e - s > forms.shape[1]:
        return False
    h = _FNV_OFFSET
    for q in range(s, e):
        h = (h ^ np.uint64(_fold(cps[q]))) * _FNV_PRIME
    if not title_bits[h & _BITS_MASK]:
        return False
    i = np.searchsorted(titles, h)
    while i < len(titles) and titles[i] == h:
        if form_len[i] == e - s:
            same = True
            for m in range(e - s):
                if _fold(cps[s + m]) != forms[i, m]:
                    same = False
                    break
            if same:
                return True
        i += 1
    return False


@njit(cache=True)
def _title_pairs(cps, b, p, end, prev_s, prev_e, titles, title_bits, forms, form_len, pairs,
                 n_pairs):
    """_WORD_RE's tokens of ``cps[p:end]``, left to right: each title-form token followed
    by a token that is not one, appended to ``pairs`` (a title followed by a title gives
    no name: the run of titles goes on). ``prev_s``, ``prev_e``: the title token before
    ``p`` (-1: none). Stops where ``pairs`` is full. Returns the number of pairs, where
    the scan stopped (``end``: done) and the title token before it."""
    while p < end and n_pairs < len(pairs):
        if not _letter(cps[p]):
            p += 1
            continue
        s = p
        p += 1
        while p < end and p < s + 31 and (_letter(cps[p]) or cps[p] == _APOSTROPHE
                                          or cps[p] == _HYPHEN):
            p += 1
        if p < end and cps[p] == _DOT:
            p += 1
        title = _is_title(cps, s, p, titles, title_bits, forms, form_len)
        if prev_s >= 0 and not title:
            pairs[n_pairs, 0] = b
            pairs[n_pairs, 1] = prev_s
            pairs[n_pairs, 2] = prev_e
            pairs[n_pairs, 3] = s
            pairs[n_pairs, 4] = p
            n_pairs += 1
        prev_s = s if title else -1
        prev_e = p
    return n_pairs, p, prev_s, prev_e


@njit(cache=True)
def _grown(a, size):
    out = np.zeros((size,) + a.shape[1:], a.dtype)
    out[:len(a)] = a
    return out


@njit(cache=True)
def _grown_ids(id_hash, id_key, id_start, id_end, n_ids):
    """The id arrays at twice their size, and a table for them (load at most 1/4)."""
    n_cap = 2 * len(id_hash)  # a power of two: the table's mask
    slots = _rehash(id_hash, n_ids, 4 * n_cap)
    return (slots, _grown(id_hash, n_cap), _grown(id_key, n_cap), _grown(id_start, n_cap),
            _grown(id_end, n_cap))


#: 1 for ``[A-Za-z]``, 2 for ``[A-Z]`` (a byte's bits for `head_case`).
_CASE = np.array([(1 if chr(c).isascii() and chr(c).isalpha() else 0)
                  + (2 if 65 <= c <= 90 else 0) for c in range(256)], dtype=np.int64)


@njit(cache=True)
def head_case(cps, starts, ends, head):
    """ASCII letters and capitals among the first ``head`` characters of each body (what
    `topics.names._is_all_caps` counts in an ASCII head)."""
    n = len(starts)
    letters = np.zeros(n, np.int64)
    upper = np.zeros(n, np.int64)
    for b in range(n):
        n_letters = 0
        n_upper = 0
        for p in range(starts[b], min(ends[b], starts[b] + head)):
            c = _CASE[cps[p]]
            n_letters += c & 1
            n_upper += c >> 1
        letters[b] = n_letters
        upper[b] = n_upper
    return letters, upper


@njit(cache=True)
def scan_names(cps, starts, ends, mixed, titles, title_bits, forms, form_len):
    """The first pass's matches over the bodies ``cps[starts[b]:ends[b]]``.

    Parameters
    ----------
    cps : uint8 array
        The bodies' code points (ASCII; anything else as ``?``), joined.
    starts, ends : int64 arrays
        Each body's span in ``cps``.
    mixed : bool array
        Whether each body is mixed case (its lower-case and capitalised words count).
    titles : sorted uint64 array
        `word_hash` of every title form (``mr``, ``mr.``, ...).
    title_bits : bool array
        `title_filter` of ``titles`` (a quick test before the search).
    forms, form_len : uint8 array (n, longest), int64 array
        The title forms' code points, in the order of ``titles``, and their lengths.

    Returns
    -------
    id_start, id_end : int64 arrays
        The first occurrence of each distinct word (lower case, or capitalised and
        lower-cased) that ``_LOWER_RE`` or ``_CAP_RE`` matches.
    counts : int64 array (n, 2)
        Each word's matches of ``_LOWER_RE`` and of ``_CAP_RE``.
    pairs : int64 array (n, 5)
        Body index, title token start and end, next token start and end: for each title
        form token whose next token in its body is not one.
    """
    n_cap = 1024
    slots = np.full(4 * n_cap, -1, np.int32)
    id_hash = np.empty(n_cap, np.uint64)
    id_key = np.empty((n_cap, 2), np.uint64)
    id_start = np.empty(n_cap, np.int64)
    id_end = np.empty(n_cap, np.int64)
    counts = np.zeros((n_cap, 2), np.int64)
    n_ids = 0
    pairs = np.empty((1024, 5), np.int64)
    n_pairs = 0
    for b in range(len(starts)):
        start, end = starts[b], ends[b]
        p, prev_s, prev_e = start, -1, -1
        while True:
            n_pairs, p, prev_s, prev_e = _title_pairs(cps, b, p, end, prev_s, prev_e, titles,
                                                      title_bits, forms, form_len, pairs,
                                                      n_pairs)
            if p >= end:
                break
            pairs = _grown(pairs, 2 * len(pairs))
        if not mixed[b]:
            continue
        for kind in range(2):
            p = start
            while True:
                n_ids, p = _count_words(cps, start, p, end, kind, slots, id_hash, id_key,
                                        id_start, id_end, counts, n_ids)
                if p >= end:
                    break
                slots, id_hash, id_key, id_start, id_end = _grown_ids(id_hash, id_key,
                                                                      id_start, id_end, n_ids)
                counts = _grown(counts, len(id_hash))
    return id_start[:n_ids], id_end[:n_ids], counts[:n_ids], pairs[:n_pairs]


@njit(inline="always")
def _lower_run(cps, p, end):
    """End of the run of ``[a-z]`` from ``p``, at most 31 long (one more than a pattern's
    ``[a-z]{1,30}`` takes, so that a longer run shows)."""
    j = p
    while j < end and j < p + 31 and 97 <= cps[j] <= 122:
        j += 1
    return j


@njit(cache=True)
def scan_pairs(cps, starts, ends, mixed):
    """``_PAIR_RE.findall`` over the mixed-case bodies ``cps[starts[b]:ends[b]]``:
    ``([A-Z](?<![A-Za-z][A-Z])[a-z]{1,30}) ([A-Z][a-z]{1,30})(?![A-Za-z])``, both words
    interned (case folded).

    Neither ``[a-z]{1,30}`` can give back a letter (a space, or no letter, must follow), so
    each is the whole run of lower-case letters after its capital, of 1 to 30.

    Returns
    -------
    id_start, id_end : int64 arrays
        The first occurrence of each distinct word.
    first, second : int64 arrays
        The ids of each match's two words, in order.
    """
    n_cap = 1024
    slots = np.full(4 * n_cap, -1, np.int32)
    id_hash = np.empty(n_cap, np.uint64)
    id_key = np.empty((n_cap, 2), np.uint64)
    id_start = np.empty(n_cap, np.int64)
    id_end = np.empty(n_cap, np.int64)
    n_ids = 0
    first = np.empty(1024, np.int64)
    second = np.empty(1024, np.int64)
    n_pairs = 0
    for b in range(len(starts)):
        if not mixed[b]:
            continue
        start, end = starts[b], ends[b]
        p = start
        while True:
            n_ids, n_pairs, p = _pairs(cps, start, p, end, slots, id_hash, id_key, id_start,
                                       id_end, n_ids, first, second, n_pairs)
            if p >= end:
                break
            if n_pairs >= len(first):
                first = _grown(first, 2 * len(first))
                second = _grown(second, 2 * len(second))
            else:
                slots, id_hash, id_key, id_start, id_end = _grown_ids(id_hash, id_key,
                                                                      id_start, id_end, n_ids)
    return id_start[:n_ids], id_end[:n_ids], first[:n_pairs], second[:n_pairs]


@njit(cache=True)
def _pairs(cps, start, p, end, slots, id_hash, id_key, id_start, id_end, n_ids, first, second,
           n_pairs):
    """`scan_pairs` in ``cps[p:end]`` (a body from ``start``), until the ids or the pairs
    fill their arrays. Returns the ids, the pairs and where the scan stopped."""
    while p < end and n_ids + 2 <= len(id_hash) and n_pairs < len(first):
        if not (65 <= cps[p] <= 90) or (p > start and _letter(cps[p - 1])):
            p += 1
            continue
        j = _lower_run(cps, p + 1, end)
        if j - p < 2 or j - p > 31 or j + 2 >= end or cps[j] != 32 or not 65 <= cps[j + 1] <= 90:
            p += 1
            continue
        m = _lower_run(cps, j + 2, end)
        if m - j - 2 < 1 or m - j - 2 > 30 or (m < end and _letter(cps[m])):
            p += 1
            continue
        a, new = _word_id(cps, p, j, slots, id_hash, id_key, id_start, id_end, n_ids)
        if new:
            n_ids += 1
        c, new = _word_id(cps, j + 1, m, slots, id_hash, id_key, id_start, id_end, n_ids)
        if new:
            n_ids += 1
        first[n_pairs] = a
        second[n_pairs] = c
        n_pairs += 1
        p = m
    return n_ids, n_pairs, p
