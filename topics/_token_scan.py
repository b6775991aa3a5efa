"""numba kernel of `topics.tokenize`: the token pattern's matches, interned, in one pass.

`scan` finds what ``_TOKEN_RE.findall`` finds (``(?<![\\w])[^\\W\\d_][^\\W_]*(?:[-_][^\\W_]+)*``)
over an array of code points and gives every match a local id (equal strings, equal ids),
so that the tokenizer's filter runs once per distinct token, not once per token.
Imported on first use: numba's import and the first compilation cost seconds
(``cache=True`` keeps the machine code on disk).

Character classes, as Python's ``re`` defines them for ``str`` patterns: ``\\w`` is
``str.isalnum()`` or ``_``; ``\\d`` is ``str.isdecimal()``. `char_classes` computes them
for ASCII and for Unicode's first plane, once (texts beyond it take the regex road).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["ALNUM", "ASCII_CLASSES", "LETTER", "SPACE", "WORD", "bmp_classes", "run_starts",
           "scan", "sender_starts", "word_hash"]

#: ``\\w``; ``[^\\W_]`` (letters and digits); ``[^\\W\\d_]`` (what a token starts with);
#: ``\\s``.
WORD, ALNUM, LETTER, SPACE = 1, 2, 4, 8
_HYPHEN, _UNDERSCORE = 45, 95
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def _class_of(ch: str) -> int:
    cls = 0
    if ch.isalnum() or ch == "_":
        cls |= WORD
    if ch.isalnum():
        cls |= ALNUM
        if not ch.isdecimal():
            cls |= LETTER
    if ch.isspace():
        cls |= SPACE
    return cls


ASCII_CLASSES = np.array([_class_of(chr(c)) for c in range(128)], dtype=np.uint8)
_BMP_CLASSES: np.ndarray | None = None


def bmp_classes() -> np.ndarray:
    """Classes of the 65,536 code points of Unicode's first plane (computed once, ~50 ms)."""
    global _BMP_CLASSES
    if _BMP_CLASSES is None:
        _BMP_CLASSES = np.array([_class_of(chr(c)) for c in range(0x10000)], dtype=np.uint8)
    return _BMP_CLASSES


@njit(cache=True)
def scan(cps, table):
    """Token matches of ``cps`` (code points, any unsigned int array) with local ids.

    ``table`` holds the class of every code point of ``cps``: `ASCII_CLASSES` for ASCII
    text, `bmp_classes` for text within Unicode's first plane (the caller checks).

    Returns
    -------
    starts : int64 array
        Start of each token (in code points), in order.
    ids : int32 array
        Local id of each token: equal code point runs get equal ids, numbered by first
        appearance.
    first : int64 array
        Index (into ``starts``) of each id's first token.
    ends : int64 array
        End of each token.
    """
    n = len(cps)
    cap = n // 2 + 1  # a token and the character after it: at most one token per 2
    starts = np.empty(cap, np.int64)
    ends = np.empty(cap, np.int64)
    hashes = np.empty(cap, np.uint64)
    n_tok = 0
    i = 0
    while i < n:
        ci = table[cps[i]]
        if ci & 1 == 0:  # not \w
            i += 1
            continue
        # a \w run starts at i (its left neighbour is not \w, or i == 0)
        if ci & 4:  # [^\W\d_]: a token
            h = _FNV_OFFSET
            j = i
            while j < n and table[cps[j]] & 2:
                h = (h ^ np.uint64(cps[j])) * _FNV_PRIME
                j += 1
            while (j + 1 < n and (cps[j] == _HYPHEN or cps[j] == _UNDERSCORE)
                   and table[cps[j + 1]] & 2):
                h = (h ^ np.uint64(cps[j])) * _FNV_PRIME
                j += 1
                while j < n and table[cps[j]] & 2:
                    h = (h ^ np.uint64(cps[j])) * _FNV_PRIME
                    j += 1
            starts[n_tok] = i
            ends[n_tok] = j
            hashes[n_tok] = h
            n_tok += 1
            i = j
        # the rest of the \w run starts no token (each character follows a \w)
        while i < n and table[cps[i]] & 1:
            i += 1
    # intern: open addressing on the hash (the table grows with the distinct runs, so it
    # stays in cache), equal runs checked code point by code point
    size = 1024
    mask = np.uint64(size - 1)
    table = np.full(size, -1, np.int32)
    id_hash = np.empty(n_tok, np.uint64)
    ids = np.empty(n_tok, np.int32)
    first = np.empty(n_tok, np.int64)
    n_ids = 0
    for t in range(n_tok):
        h = hashes[t]
        slot = h & mask
        while True:
            k = table[slot]
            if k < 0:
                table[slot] = n_ids
                id_hash[n_ids] = h
                first[n_ids] = t
                ids[t] = n_ids
                n_ids += 1
                if 2 * n_ids > size:  # grow: re-insert every id
                    size *= 4
                    mask = np.uint64(size - 1)
                    table = np.full(size, -1, np.int32)
                    for q in range(n_ids):
                        s2 = id_hash[q] & mask
                        while table[s2] >= 0:
                            s2 = (s2 + np.uint64(1)) & mask
                        table[s2] = q
                break
            if id_hash[k] == h:
                f = first[k]
                length = ends[t] - starts[t]
                if ends[f] - starts[f] == length:
                    same = True
                    a, b = starts[f], starts[t]
                    for m in range(length):
                        if cps[a + m] != cps[b + m]:
                            same = False
                            break
                    if same:
                        ids[t] = k
                        break
            slot = (slot + np.uint64(1)) & mask
    return starts[:n_tok], ids, first[:n_ids], ends[:n_tok]


@njit(cache=True)
def word_hash(cps):
    """The hash `run_starts` gives a lower-case ASCII word (code points)."""
    h = _FNV_OFFSET
    for c in cps:
        h = (h ^ np.uint64(c)) * _FNV_PRIME
    return h


@njit(cache=True)
def run_starts(cps, table, wanted):
    """Starts of the ``\\w`` runs of ``cps`` whose ASCII-lower-cased hash is in ``wanted``
    (sorted uint64 hashes of lower-case ASCII words, `word_hash`).

    A superset of where those words start a run, case-insensitively: a hash may collide,
    so the caller checks each start. A run holding a character beyond ASCII gives none.
    """
    n = len(cps)
    out = np.empty(n // 2 + 1, np.int64)
    n_out = 0
    # a run's hash is searched for only where its low bits are some wanted hash's
    low = np.zeros(4096, np.uint8)
    for w in wanted:
        low[w & np.uint64(4095)] = 1
    i = 0
    while i < n:
        if table[cps[i]] & 1 == 0:
            i += 1
            continue
        start = i
        h = _FNV_OFFSET
        ascii = True
        while i < n and table[cps[i]] & 1:
            c = cps[i]
            if c >= 128:
                ascii = False
            elif 65 <= c <= 90:
                c += 32
            h = (h ^ np.uint64(c)) * _FNV_PRIME
            i += 1
        if ascii and low[h & np.uint64(4095)]:
            k = np.searchsorted(wanted, h)
            if k < len(wanted) and wanted[k] == h:
                out[n_out] = start
                n_out += 1
    return out[:n_out]


@njit(inline="always")
def _capital_run_start(cps, table, e):
    """Start of the run of ``[A-Z]`` ending at ``e``, or -1 if a word character precedes it
    (no word boundary: no match can start in the run)."""
    s = e
    while s > 0 and 65 <= cps[s - 1] <= 90:
        s -= 1
    if s > 0 and table[cps[s - 1]] & 1:
        return -1
    return s


@njit(cache=True)
def sender_starts(cps, table):
    """Where `topics.tokenize_passes._REF_SENDER_RE` can start a match, in order (a superset).

    Both of its branches end in ``\\s+\\d`` after a run of ``[A-Z]`` that starts at a
    word boundary (the second may put one more such run and one ``\\s`` before it). So
    for each digit after a space: back over the spaces, the capital run there, and the
    capital run one space before that.
    """
    n = len(cps)
    out = np.empty(n // 2 + 1, np.int64)
    n_out = 0
    for q in range(1, n):
        c = table[cps[q]]
        if not (c & 2 and not c & 4) or not table[cps[q - 1]] & 8:  # a digit after \s
            continue
        e = q - 1
        while e >= 0 and table[cps[e]] & 8:
            e -= 1
        if e < 0 or not 65 <= cps[e] <= 90:
            continue
        # the last word is a whole word run of capitals: after \b or after \s
        s1 = _capital_run_start(cps, table, e)
        if s1 < 0:
            continue
        if s1 >= 2 and table[cps[s1 - 1]] & 8 and 65 <= cps[s1 - 2] <= 90:
            s2 = _capital_run_start(cps, table, s1 - 2)
            if s2 >= 0:
                out[n_out] = s2
                n_out += 1
        out[n_out] = s1
        n_out += 1
    return out[:n_out]


@njit(cache=True)
def scan_global(cps, table, slots, id_hash, id_start, id_len, chars, counts):
    """`scan`, the ids global to a tokenizer: equal runs get the id they got in any earlier
    call. The state is ``slots`` (open addressing, -1 empty), per id its hash and its code
    points (``chars[id_start:id_start + id_len]``), ``counts = [n_ids, n_chars]``; the
    caller makes room for ``len(cps) // 2 + 1`` more ids and ``len(cps)`` more chars.

    Returns
    -------
    starts, ends : int64 arrays
        Each token's span.
    gids : int64 array
        Each token's id.
    slots : int32 array
        The table, grown (a new array) when it was over half full.
    """
    starts, ids, first, ends = scan(cps, table)
    n_ids, n_chars = counts[0], counts[1]
    size = len(slots)
    local_gid = np.empty(len(first), np.int64)
    for loc in range(len(first)):
        t = first[loc]
        a, length = starts[t], ends[t] - starts[t]
        h = _FNV_OFFSET
        for m in range(length):
            h = (h ^ np.uint64(cps[a + m])) * _FNV_PRIME
        mask = np.uint64(size - 1)
        slot = h & mask
        while True:
            k = slots[slot]
            if k < 0:
                slots[slot] = n_ids
                id_hash[n_ids] = h
                id_start[n_ids] = n_chars
                id_len[n_ids] = length
                for m in range(length):
                    chars[n_chars + m] = cps[a + m]
                n_chars += length
                local_gid[loc] = n_ids
                n_ids += 1
                if 2 * n_ids > size:
                    size *= 4
                    mask = np.uint64(size - 1)
                    slots = np.full(size, -1, np.int32)
                    for q in range(n_ids):
                        s2 = id_hash[q] & mask
                        while slots[s2] >= 0:
                            s2 = (s2 + np.uint64(1)) & mask
                        slots[s2] = q
                break
            if id_hash[k] == h and id_len[k] == length:
                b = id_start[k]
                same = True
                for m in range(length):
                    if chars[b + m] != cps[a + m]:
                        same = False
                        break
                if same:
                    local_gid[loc] = k
                    break
            slot = (slot + np.uint64(1)) & mask
    counts[0], counts[1] = n_ids, n_chars
    gids = np.empty(len(ids), np.int64)
    for t in range(len(ids)):
        gids[t] = local_gid[ids[t]]
    return starts, ends, gids, slots


@njit(cache=True)
def first_appearance(values, n_values, scratch):
    """``values`` (ints in ``[0, n_values)``) renumbered by first appearance, and the
    value of each new number. ``scratch`` (int64, at least ``n_values`` long, all -1) is
    left all -1."""
    out = np.empty(len(values), np.int64)
    order = np.empty(min(len(values), n_values), np.int64)
    n = 0
    for i in range(len(values)):
        v = values[i]
        r = scratch[v]
        if r < 0:
            r = n
            scratch[v] = n
            order[n] = v
            n += 1
        out[i] = r
    for j in range(n):
        scratch[order[j]] = -1
    return out, order[:n]
