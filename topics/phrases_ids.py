"""Bigram phrases on token ids: gensim ``Phrases``' scores and ``FrozenPhrases``' greedy
joining, counted with numpy over a `topics.tokenids.TokenIds` corpus.

- `learn_phrases_ids`: the phrases `topics.phrases.learn_phrases` finds (gensim's
  arithmetic, exactly), from int64 pair keys instead of ``"a_b"`` strings;
- `apply_phrases_ids`: the learned phrases joined left to right, on ids;
- `_pair_positions`, `_score_phrases`, `_colliding_pairs`, `_gensim_vocab_size`: the
  pieces the Spark road (`topics.spark.text`) reuses on its executors' counts, so both
  roads score alike.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np

from topics.phrases import PhraseModel
from topics.tokenids import TokenIds

__all__ = ["apply_phrases_ids", "learn_phrases_ids"]

logger = logging.getLogger(__name__)

#: gensim ``Phrases``' default ``max_vocab_size``: above it gensim prunes its counts.
GENSIM_MAX_VOCAB = 40_000_000


def _pair_positions(offsets: np.ndarray, n_tokens: int) -> np.ndarray:
    """Bool mask over ``i in [0, n_tokens - 1)``: tokens i and i + 1 are in one document."""
    valid = np.ones(max(n_tokens - 1, 0), dtype=bool)
    ends = offsets[1:-1] - 1  # last token of every document but the last
    ends = ends[(ends >= 0) & (ends < n_tokens - 1)]
    valid[ends] = False
    return valid


def learn_phrases_ids(
    corpus: TokenIds,
    min_count: int = 5,
    threshold: float = 10.0,
    *,
    scoring: str = "default",
    max_pairs_per_pass: int = 20_000_000,
) -> PhraseModel:
    """`topics.phrases.learn_phrases` on ids: gensim ``Phrases``' phrases, counted with numpy.

    gensim counts every unigram and every adjacent pair of a document as ``"a_b"`` strings
    in one dict and scores every key with a ``_`` (split at the ``_``: first and last part).
    This does the same, exactly: pairs of tokens without ``_`` by int64 keys
    (``a * V + b``, in ``a mod P`` partitions of at most ``max_pairs_per_pass`` pairs so
    memory stays bounded), the few keys involving a token with ``_`` (``united_states``)
    as strings. The result equals gensim's as long as gensim's vocabulary stays below its
    ``max_vocab_size`` (40 M keys); above it gensim prunes rare keys on the way and its
    counts become approximate, while these stay exact (logged).

    Returns
    -------
    PhraseModel
    """
    if scoring not in ("default", "npmi"):
        raise ValueError(f"learn_phrases: scoring must be 'default' or 'npmi'. Got {scoring!r}.")
    ids = corpus.ids
    vocab = corpus.vocab
    n_vocab = len(vocab)
    n_tok = len(ids)
    cnt_u = np.bincount(ids, minlength=n_vocab).astype(np.int64) if n_tok else \
        np.zeros(n_vocab, np.int64)
    index = {t: i for i, t in enumerate(vocab)}
    under = np.fromiter(("_" in t for t in vocab), dtype=bool, count=n_vocab)
    valid = _pair_positions(corpus.offsets, n_tok)
    a = ids[:-1]
    b = ids[1:]
    if n_tok > 1 and under.any():
        u_pos = valid & (under[a] | under[b])
        clean = valid & ~u_pos
    else:
        u_pos = np.zeros(len(valid), dtype=bool)
        clean = valid
    # Pairs whose key string is also a unigram token ("united_states" from the tokenizer
    # and the pair united + states): their counts add up under one key.
    collide = _colliding_pairs(vocab, index)
    collide_keys = np.array(sorted(collide), dtype=np.int64)
    collide_count: dict[str, int] = {}
    # Keys with a "_" token, as strings (few): gensim's own arithmetic on them.
    special: dict[str, int] = {}
    if u_pos.any():
        ua = a[u_pos].astype(np.int64)
        ub = b[u_pos].astype(np.int64)
        uk, uc = np.unique(ua * n_vocab + ub, return_counts=True)
        for key, c in zip(uk.tolist(), uc.tolist(), strict=True):
            s = f"{vocab[key // n_vocab]}_{vocab[key % n_vocab]}"
            special[s] = special.get(s, 0) + c
    # Clean pairs by partition of the first token.
    n_pairs = int(np.count_nonzero(clean))
    parts = max(1, -(-n_pairs // max_pairs_per_pass))
    n_clean = 0
    cand_keys: list[np.ndarray] = []
    cand_counts: list[np.ndarray] = []
    low = min_count + 1 if scoring == "default" else min_count
    # each pair's partition, 1-2 bytes a pair (not a 4-byte temporary per partition)
    part_of = ((a % parts).astype(np.uint8 if parts < 256 else np.uint16) if parts > 1
               else None)
    for p in range(parts):
        sel = clean if part_of is None else clean & (part_of == p)
        keys = a[sel].astype(np.int64) * n_vocab + b[sel]
        uk, uc = np.unique(keys, return_counts=True)
        del keys
        n_clean += len(uk)
        if len(collide_keys):
            at = np.searchsorted(uk, collide_keys)
            ok = at < len(uk)
            ok[ok] = uk[at[ok]] == collide_keys[ok]
            for key, j in zip(collide_keys[ok].tolist(), at[ok].tolist(), strict=True):
                collide_count[collide[key]] = int(uc[j])
        keep = uc >= low
        cand_keys.append(uk[keep])
        cand_counts.append(uc[keep].astype(np.int64))
    len_vocab = _gensim_vocab_size(cnt_u, n_clean, special, collide_count, index,
                                   "learn_phrases_ids")
    keys = np.concatenate(cand_keys) if cand_keys else np.zeros(0, np.int64)
    counts = np.concatenate(cand_counts) if cand_counts else np.zeros(0, np.int64)
    # Colliding keys are scored with the strings below.
    if collide_count and len(keys):
        drop = np.isin(keys, np.array([index[s.partition("_")[0]] * n_vocab
                                       + index[s.partition("_")[2]] for s in collide_count],
                                      dtype=np.int64))
        keys, counts = keys[~drop], counts[~drop]
    grams = _score_phrases(keys, counts, vocab, index, cnt_u, special, collide_count,
                           len_vocab=len_vocab, min_count=min_count, threshold=threshold,
                           scoring=scoring)
    logger.info("learn_phrases_ids: %d phrases from %d documents", len(grams), corpus.n_docs)
    return PhraseModel(grams, min_count, float(threshold), scoring, "_")


def _colliding_pairs(vocab: Sequence[str], index: dict[str, int]) -> dict[int, str]:
    """Pair keys ``a * V + b`` whose string ``a_b`` is itself a token (``united_states``
    from the tokenizer and the pair united + states): gensim counts both under one key."""
    n_vocab = len(vocab)
    collide: dict[int, str] = {}
    for t in vocab:
        if t.count("_") == 1:
            x, _, y = t.partition("_")
            if x in index and y in index:
                collide[index[x] * n_vocab + index[y]] = t
    return collide


def _gensim_vocab_size(cnt_u: np.ndarray, n_clean: int, special: dict[str, int],
                       collide_count: dict[str, int], index: dict[str, int], who: str) -> int:
    """The number of keys gensim's ``Phrases`` vocabulary would hold (unigrams, distinct
    clean pairs, string keys, colliding pairs counted once); logged when above its
    ``max_vocab_size``. Call before `_score_phrases` adds to ``special``."""
    n_overlap = sum(1 for s in special if s in index)
    len_vocab = (int(np.count_nonzero(cnt_u)) + n_clean + len(special) - len(collide_count)
                 - n_overlap)
    if len_vocab > GENSIM_MAX_VOCAB:
        logger.warning("%s: %d unigram and bigram keys, above gensim's max_vocab_size=%d: "
                       "gensim would prune rare keys (approximate counts); these counts are "
                       "exact", who, len_vocab, GENSIM_MAX_VOCAB)
    return len_vocab


def _score_phrases(keys: np.ndarray, counts: np.ndarray, vocab: Sequence[str],
                   index: dict[str, int], cnt_u: np.ndarray, special: dict[str, int],
                   collide_count: dict[str, int], *, len_vocab: int, min_count: int,
                   threshold: float, scoring: str) -> dict[str, float]:
    """gensim's scores of the candidate pairs (int64 keys ``a * V + b`` with their counts,
    colliding keys already dropped) and of the string keys (``special``: pairs with a
    ``_`` token; the ``_`` tokens and the colliding pairs are added to it here); the
    phrases above ``threshold``, keys in that order."""
    n_vocab = len(vocab)
    n_tok = int(cnt_u.sum())
    ka = keys // n_vocab
    kb = keys % n_vocab
    grams: dict[str, float] = {}
    if scoring == "default":
        denom = (cnt_u[ka] * cnt_u[kb]).astype(np.float64)
        scores = (counts - min_count) / denom * len_vocab
        for j in np.flatnonzero(scores > threshold).tolist():
            grams[f"{vocab[ka[j]]}_{vocab[kb[j]]}"] = float(scores[j])
    else:
        for j in range(len(keys)):
            s = _npmi(int(cnt_u[ka[j]]), int(cnt_u[kb[j]]), int(counts[j]), min_count, n_tok)
            if s > threshold:
                grams[f"{vocab[ka[j]]}_{vocab[kb[j]]}"] = s
    # String keys: "_" pairs, tokens with "_" and the pairs that collide with them.
    for t in vocab:
        if "_" in t:
            special[t] = special.get(t, 0) + int(cnt_u[index[t]])
    for s, c in collide_count.items():
        special[s] = special.get(s, 0) + c
    for s, c in special.items():
        pieces = s.split("_")
        ca = int(cnt_u[index[pieces[0]]]) if pieces[0] in index else 0
        cb = int(cnt_u[index[pieces[-1]]]) if pieces[-1] in index else 0
        if ca <= 0 or cb <= 0 or c <= 0:
            continue
        if scoring == "default":
            score = (c - min_count) / float(ca * cb) * len_vocab
        else:
            score = _npmi(ca, cb, c, min_count, n_tok)
        if score > threshold:
            grams[s] = score
    return grams


def _npmi(ca: int, cb: int, cab: int, min_count: int, n_words: int) -> float:
    """gensim's ``npmi_scorer``, the same float operations."""
    if cab >= min_count:
        total = float(n_words)
        pa, pb, pab = ca / total, cb / total, cab / total
        try:
            return math.log(pab / (pa * pb)) / -math.log(pab)
        except ValueError:
            return float("-inf")
    return float("-inf")


def apply_phrases_ids(model: PhraseModel, corpus: TokenIds) -> TokenIds:
    """`PhraseModel.apply` on every document: pairs joined greedily, left to right.

    In a run of overlapping candidate pairs (``a b c`` with ``a_b`` and ``b_c`` phrases)
    the first, third, ... are joined, as the left-to-right scan does.
    """
    vocab = list(corpus.vocab)
    index = {t: i for i, t in enumerate(vocab)}
    n_vocab = len(vocab)
    pair_keys = sorted({index[x] * n_vocab + index[y] for x, y in model._pairs
                        if x in index and y in index})
    ids, offsets = corpus.ids, corpus.offsets
    n_tok = len(ids)
    if not pair_keys or n_tok < 2:
        return TokenIds(ids, offsets, vocab)
    pair_keys_a = np.array(pair_keys, dtype=np.int64)
    valid = _pair_positions(offsets, n_tok)
    cand = np.zeros(n_tok - 1, dtype=bool)
    step = 20_000_000
    for s in range(0, n_tok - 1, step):
        e = min(s + step, n_tok - 1)
        keys = ids[s:e].astype(np.int64) * n_vocab + ids[s + 1:e + 1]
        at = np.searchsorted(pair_keys_a, keys)
        at[at >= len(pair_keys_a)] = 0
        cand[s:e] = pair_keys_a[at] == keys
    cand &= valid
    pos = np.flatnonzero(cand)
    if not len(pos):
        return TokenIds(ids, offsets, vocab)
    # Runs of consecutive candidate positions; take every other one from each run's start.
    new_run = np.ones(len(pos), dtype=bool)
    new_run[1:] = np.diff(pos) != 1
    run_start = pos[new_run][np.cumsum(new_run) - 1]
    picked = pos[(pos - run_start) % 2 == 0]
    joined = {}
    new_ids = ids.copy()
    left = ids[picked].astype(np.int64)
    right = ids[picked + 1].astype(np.int64)
    uk, inv = np.unique(left * n_vocab + right, return_inverse=True)
    for j, key in enumerate(uk.tolist()):
        s = f"{vocab[key // n_vocab]}_{vocab[key % n_vocab]}"
        if s not in index:
            index[s] = len(vocab)
            vocab.append(s)
        joined[j] = index[s]
    code = np.array([joined[j] for j in range(len(uk))], dtype=np.uint32)
    new_ids[picked] = code[inv]
    del cand, valid, left, right, inv
    gone = picked + 1  # sorted: the right halves of the joined pairs
    # a document start moves left by the removed tokens before it (no n_tokens-long array)
    new_offsets = offsets - np.searchsorted(gone, offsets, side="left")
    keep = np.ones(n_tok, dtype=bool)
    keep[gone] = False
    return TokenIds(new_ids[keep], new_offsets, vocab)
