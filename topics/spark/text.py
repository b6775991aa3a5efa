"""Tokenizing and vectorizing on Spark executors, with the single-machine rules.

The tokenize stage makes the single-machine stage's passes over the store
(`topics.corpus_scan`, `topics.tokenids`) on the executors, over the store's Parquet row
groups: a task takes a few consecutive row groups (`TASKS_PER_CORE`,
`MAX_GROUPS_PER_TASK`), so partition order is store order:

1. genres: `corpora.genres.genre_features` of each row group (kept on the executors'
   disks, ``DISK_ONLY``); the template 5-grams counted per row group with numpy and
   shuffled once per distinct hash and row group, by range of the hash space; each
   cable's genre decided on the executors by `corpora.genres.GenreScan`'s rule;
2. person names: `topics.names.count_names` and `count_beside` per row group, merged on
   the executors (``treeReduce``), decided on the driver (`first_names`, `final_names`);
3. tokens: `topics.tokenids.tokenize_ids` per task (one `Tokenizer` a task): uint32 ids
   against the task's own vocabulary (kept on the executors' disks, ``DISK_ONLY``); the
   driver maps each task's vocabulary onto the corpus's (one dict lookup per distinct
   token per task) and broadcasts the mappings (4 bytes a distinct token a task);
4. phrases: each task's adjacent pairs as int64 keys of corpus ids, counted with numpy
   (each distinct pair once per task), shuffled by the first id modulo the reduce
   partitions, summed; only the counts gensim's scorer needs come back to the driver,
   which scores them as `topics.phrases_ids.learn_phrases_ids` does (the same arithmetic);
5. the phrases applied per task on the executors (`apply_phrases_ids`' greedy rule on
   corpus ids); the driver takes the tasks' ids in order, a few at a time (`in_order`),
   renumbers them by first appearance and writes ``tokens.parquet`` and
   ``token_vocab.parquet`` as `topics.tokenids.write_token_ids` does.

No step holds the corpus's tokens as Python strings, a task holds at most its few row
groups' ids, and the driver the corpus vocabulary and a few tasks' ids at a time. The
vectorize stage counts document frequencies and rows per row group of ``tokens.parquet``
(in batches of 4,096 cables) with `topics.tokenids.count_matrix_ids`' numpy rule.
Tokens, phrases, genres, names, vocabulary and matrix equal the single-machine road's on
the same store and config (tests/test_spark.py).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpora.store import filter_batch
from topics.runinfo import release_memory

__all__ = [
    "Steps",
    "count_matrix_spark",
    "learn_names_spark",
    "scan_genres_spark",
    "tokenize_spark",
]

logger = logging.getLogger(__name__)

#: The store columns `corpora.store.filter_batch` may need.
_FILTER_COLUMNS = ("date", "origin", "classification", "tags", "body")
#: Joins a row group's vocabulary into one str for the driver (no token holds it).
_SEP = "\x1f"


class Steps:
    """Wall time of the stage's steps, logged as ``tokenize step NAME: S s``."""

    def __init__(self, stage: str = "tokenize") -> None:
        self.stage = stage
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        t = time.perf_counter()
        self.seconds[name] = round(t - self._t, 2)
        logger.info("%s step %s: %.1f s", self.stage, name, t - self._t)
        self._t = t


# --- reading ------------------------------------------------------------------------------

#: Tasks a pass makes per core of the session (fewer, larger tasks: a PySpark task costs
#: ~0.1-0.3 s of overhead) ...
TASKS_PER_CORE = 4
#: ... but no task takes more than this many row groups (~8,000 cables of the store).
MAX_GROUPS_PER_TASK = 8


def _row_groups(spark, path: str | Path):
    """An RDD of a Parquet file's row-group indices in order, a few consecutive row groups
    a partition (`TASKS_PER_CORE`, `MAX_GROUPS_PER_TASK`), and their number."""
    sc = spark.sparkContext
    n = pq.ParquetFile(str(path)).metadata.num_row_groups
    parts = min(n, max(TASKS_PER_CORE * sc.defaultParallelism, -(-n // MAX_GROUPS_PER_TASK)))
    return sc.parallelize(range(n), max(parts, 1)), n


def _read_group(pf: pq.ParquetFile, g: int, filters: dict, columns: Sequence[str],
                keep: np.ndarray | None = None) -> dict[str, list]:
    """``columns`` of row group ``g``'s cables that pass ``filters`` (and ``keep``: one
    bool per cable passing the filters), as lists."""
    needed = sorted(set(columns) | set(_FILTER_COLUMNS))
    table = pf.read_row_group(g, columns=needed)
    batches = [filter_batch(b, **filters).select(list(columns)) for b in table.to_batches()]
    out: dict[str, list] = {c: [] for c in columns}
    for b in batches:
        for c in columns:
            out[c] += b.column(c).to_pylist()
    if keep is not None:
        out = {c: [v for v, k in zip(vals, keep.tolist(), strict=True) if k]
               for c, vals in out.items()}
    return out


def in_order(rdd, chunk: int | None = None) -> Iterator:
    """The records of ``rdd`` on the driver, partition by partition in order, ``chunk``
    partitions a job (default 2 x parallelism, at most 8): the driver holds one chunk's
    records, and a chunk's tasks run in parallel (``toLocalIterator`` runs one job a
    partition)."""
    sc = rdd.context
    n = rdd.getNumPartitions()
    chunk = chunk or min(2 * sc.defaultParallelism, 8)
    for lo in range(0, n, chunk):
        yield from sc.runJob(rdd, lambda it: it, partitions=list(range(lo, min(lo + chunk, n))))


def _disk_only():
    from pyspark import StorageLevel

    return StorageLevel.DISK_ONLY


def _n_buckets(sc, n_groups: int) -> int:
    """Reduce partitions of the stage's shuffles: a power of two >= 2 x parallelism and
    >= an eighth of the row groups (so a reduce task takes ~8 row groups' keys)."""
    n = max(8, 2 * sc.defaultParallelism, n_groups // 8)
    return 1 << (n - 1).bit_length()


def _sum_by_key(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys of several (keys, counts) arrays and their summed counts."""
    keys = np.concatenate([k for k, _ in parts])
    counts = np.concatenate([c for _, c in parts]).astype(np.int64)
    uk, inv = np.unique(keys, return_inverse=True)
    total = np.zeros(uk.size, dtype=np.int64)
    np.add.at(total, inv, counts)
    return uk, total


def _split_sorted(uk: np.ndarray, uc: np.ndarray, bucket: np.ndarray, nb: int
                  ) -> Iterator[tuple[int, tuple[np.ndarray, np.ndarray]]]:
    """``(bucket, (keys, counts))`` for each non-empty bucket (``bucket`` per key)."""
    order = np.argsort(bucket, kind="stable")
    bounds = np.searchsorted(bucket[order], np.arange(nb + 1))
    for j in range(nb):
        lo, hi = int(bounds[j]), int(bounds[j + 1])
        if lo < hi:
            sel = order[lo:hi]
            yield j, (uk[sel], uc[sel])


def _grouped(it: Iterator[tuple[int, Any]]) -> dict[int, list]:
    by: dict[int, list] = {}
    for j, v in it:
        by.setdefault(j, []).append(v)
    return by


# --- 1. genres ----------------------------------------------------------------------------

@dataclass
class GenreResult:
    """Every filtered cable's ref, post, date and genre (store order), and per row group
    the genres of its filtered cables (for the keep masks)."""

    refs: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    dates: list[Any] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    by_group: dict[int, list[str]] = field(default_factory=dict)


def scan_genres_spark(spark, cables_path: str | Path, filters: dict) -> GenreResult:
    """`topics.corpus_scan.scan_genres` on the executors: the same genres.

    Each row group's `genre_features` are computed once and kept on the executors' disks;
    the 5-grams in more than ``min_shingle_cables`` cables are counted by range of the hash
    space (each row group sends each distinct hash once, with its count); each cable's
    genre is decided on the executors with the broadcast template hashes.
    """
    from corpora.genres import GenreScan

    path = str(Path(cables_path).resolve())
    sc = spark.sparkContext
    groups, n_groups = _row_groups(spark, path)
    nb = _n_buckets(sc, n_groups)
    bits = nb.bit_length() - 1
    rule = GenreScan()

    def features(it: Iterator[int]) -> Iterator[tuple]:
        from corpora.genres import genre_features

        pf = pq.ParquetFile(path)
        for g in it:
            c = _read_group(pf, g, filters, ("ref", "origin", "date", "body", "subject"))
            yield (g, c["ref"], [o or "" for o in c["origin"]], c["date"],
                   genre_features(c["body"], c["subject"]))

    feats = groups.mapPartitions(features).persist(_disk_only())
    try:
        def split(rec: tuple) -> Iterator[tuple]:
            uk, uc = np.unique(rec[4].shingles, return_counts=True)
            yield from _split_sorted(uk, uc.astype(np.int32),
                                     (uk >> np.uint32(32 - bits)).astype(np.int64), nb)

        def common(it: Iterator[tuple]) -> Iterator[np.ndarray]:
            for parts in _grouped(it).values():
                uk, df = _sum_by_key(parts)
                yield uk[df > rule.min_shingle_cables]

        found = feats.flatMap(split).partitionBy(nb, lambda j: j).mapPartitions(common).collect()
        template = np.sort(np.concatenate(found)) if found else np.zeros(0, np.uint32)
        logger.info("genres (spark): %d template shingles", template.size)
        tb = sc.broadcast(template)

        def decide(rec: tuple) -> tuple:
            g, refs, origins, dates, f = rec
            scan = GenreScan(min_shingle_cables=rule.min_shingle_cables,
                             template_share=rule.template_share)
            scan.template_hashes = lambda: tb.value  # type: ignore[method-assign]
            scan.add(f)
            return g, refs, origins, dates, scan.genres() if len(f) else []

        out = GenreResult()
        for g, refs, origins, dates, genres in feats.map(decide).collect():
            out.refs += refs
            out.origins += origins
            out.dates += dates
            out.genres += genres
            out.by_group[g] = genres
        tb.unpersist()
    finally:
        feats.unpersist()
    return out


# --- 2. person names ----------------------------------------------------------------------

def _add_counts(a: tuple, b: tuple) -> tuple:
    return a[0].merge(b[0]), a[1] | b[1]


def _add_counters(a: Counter, b: Counter) -> Counter:
    a.update(b)
    return a


def learn_names_spark(spark, cables_path: str | Path, filters: dict, keep=None) -> frozenset:
    """`topics.corpus_scan.learn_names` on the executors: `count_names` and the TAGS'
    candidates per row group, then `count_beside`, merged on the executors
    (``treeReduce``); `first_names` and `final_names` on the driver.

    ``keep`` is a broadcast ``{row group: bool mask over its filtered cables}`` or None.
    """
    from topics.names import final_names, first_names

    path = str(Path(cables_path).resolve())
    sc = spark.sparkContext
    groups, _ = _row_groups(spark, path)

    def bodies(pf, g: int, columns=("body",)) -> dict[str, list]:
        return _read_group(pf, g, filters, columns, None if keep is None else keep.value[g])

    def first(it: Iterator[int]) -> Iterator[tuple]:
        from topics.names import count_names, person_names_from_tags

        pf = pq.ParquetFile(path)
        for g in it:
            c = bodies(pf, g, ("body", "tags"))
            yield count_names(c["body"]), set(person_names_from_tags(c["tags"]))

    counts, from_tags = groups.mapPartitions(first).treeReduce(_add_counts)
    names = frozenset(first_names(counts, extra_candidates=from_tags))
    nb = sc.broadcast(names)

    def beside(it: Iterator[int]) -> Iterator[Counter]:
        from topics.names import count_beside

        pf = pq.ParquetFile(path)
        for g in it:
            yield count_beside(bodies(pf, g)["body"], nb.value)

    near = groups.mapPartitions(beside).treeReduce(_add_counters)
    nb.unpersist()
    return final_names(counts, names, near)


# --- 3-5. tokens, phrases, tokens.parquet ------------------------------------------------

def _offsets(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


@dataclass
class _Vocab:
    """The corpus vocabulary (phrases not applied), ids by first appearance, each task's
    local-to-corpus id mapping (keyed by task: a few consecutive row groups) and every
    token's count."""

    words: list[str]
    index: dict[str, int]
    mappings: dict[int, np.ndarray]
    counts: np.ndarray


def _corpus_vocab(parts: Iterable[tuple[int, str, np.ndarray]]) -> _Vocab:
    """The corpus vocabulary from each task's ``(index, vocabulary joined by \\x1f,
    token counts)`` in store order: a token new to the corpus gets the next id, so ids
    follow first appearance when each task's do (`first_appearance`). Reads ``parts``
    once (the tasks' strings need not be held together)."""
    index: dict[str, int] = {}
    mappings: dict[int, np.ndarray] = {}
    local_counts: list[tuple[np.ndarray, np.ndarray]] = []
    for g, words, c in parts:
        local = words.split(_SEP) if words else []
        mappings[g] = np.fromiter((index.setdefault(w, len(index)) for w in local),
                                  dtype=np.uint32, count=len(local))
        local_counts.append((mappings[g], c))
    counts = np.zeros(len(index), dtype=np.int64)
    for m, c in local_counts:
        counts[m] += c
    return _Vocab(list(index), index, mappings, counts)


def tokenize_spark(spark, cables_path: str | Path, filters: dict, options, out_path: Path,
                   *, keep=None, phrases: dict | None = None, steps: Steps | None = None
                   ) -> tuple[int, int, Any]:
    """Tokens of the kept cables on the executors, phrases learned and applied; the
    stage's ``tokens.parquet`` and ``token_vocab.parquet`` written at ``out_path``.

    Parameters
    ----------
    options : topics.tokenize.TextOptions
        With the person names already learned; phrases off (they are learned here).
    keep : broadcast of {row group: bool mask over its filtered cables}, optional
    phrases : dict, optional
        ``learn_phrases``' ``min_count`` and ``threshold``; None: no phrases.

    Returns
    -------
    (n_docs, n_tokens, PhraseModel or None)
    """
    path = str(Path(cables_path).resolve())
    sc = spark.sparkContext
    steps = steps or Steps()
    groups, n_groups = _row_groups(spark, path)
    ob = sc.broadcast(options)

    def tokenize(index: int, it: Iterator[int]) -> Iterator[tuple]:
        """One record a task: its row groups' tokens as ids against their own vocabulary
        (one `Tokenizer` a task; bodies streamed in)."""
        from topics.tokenids import first_appearance, tokenize_ids

        pf = pq.ParquetFile(path)
        refs: list[str] = []
        origins: list[str] = []

        def bodies() -> Iterator[str]:
            for g in it:
                c = _read_group(pf, g, filters, ("ref", "origin", "body"),
                                None if keep is None else keep.value[g])
                refs.extend(c["ref"])
                origins.extend(o or "" for o in c["origin"])
                yield from c["body"]

        corpus = first_appearance(tokenize_ids(bodies(), ob.value, n_jobs=1))
        yield index, refs, origins, corpus.ids, np.diff(corpus.offsets), corpus.vocab

    toks = groups.mapPartitionsWithIndex(tokenize).persist(_disk_only())
    broadcasts = [ob]
    try:
        vocab = _corpus_vocab(in_order(toks.map(lambda r: (
            r[0], _SEP.join(r[5]), np.bincount(r[3], minlength=len(r[5])))), 64))
        steps.done("tokens")
        mb = sc.broadcast(vocab.mappings)
        broadcasts.append(mb)
        model = None
        join = None
        if phrases is not None:
            model = _learn_phrases(sc, toks, mb, vocab, n_groups=n_groups, **phrases)
            join = _phrase_joins(model, vocab)
            steps.done("phrases")
        jb = sc.broadcast(join)
        broadcasts.append(jb)
        n_vocab = len(vocab.words)

        def apply(rec: tuple) -> tuple:
            g, refs, origins, ids, lengths, _ = rec
            gid = mb.value[g][ids] if len(ids) else np.zeros(0, np.uint32)
            if jb.value is not None:
                gid, lengths = _apply_joins(gid, lengths, n_vocab, *jb.value)
            return g, refs, origins, gid, lengths

        words = vocab.words + (join[2] if join is not None else [])
        del vocab
        n_docs, n_tokens = _write_tokens(in_order(toks.map(apply)), words, out_path)
        steps.done("write")
    finally:
        toks.unpersist()
        for b in broadcasts:
            b.unpersist()
        release_memory()
    return n_docs, n_tokens, model


def _pairs_of(ids: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) ids of every adjacent pair inside a document."""
    from topics.phrases_ids import _pair_positions

    valid = _pair_positions(_offsets(lengths), len(ids))
    return ids[:-1][valid], ids[1:][valid]


def _learn_phrases(sc, toks, mb, vocab: _Vocab, *, n_groups: int = 0, min_count: int = 5,
                   threshold: float = 10.0, scoring: str = "default"):
    """`topics.phrases_ids.learn_phrases_ids` over the row groups' ids: the same phrases.

    Each task's adjacent pairs (a few consecutive row groups) are int64 keys ``a * V + b``
    of corpus ids, made distinct with counts in the task, shuffled by ``a`` modulo the buckets and summed.
    A bucket returns how many distinct pairs of tokens without ``_`` it holds, those
    counted at least ``min_count + 1`` times (candidates), the pairs whose ``a_b`` is also
    a token, and the few pairs with a ``_`` token, which the driver scores as strings.
    """
    from topics.phrases import PhraseModel
    from topics.phrases_ids import _colliding_pairs, _gensim_vocab_size, _score_phrases

    if scoring not in ("default", "npmi"):
        raise ValueError(f"learn_phrases: scoring must be 'default' or 'npmi'. Got {scoring!r}.")
    words, index, cnt_u = vocab.words, vocab.index, vocab.counts
    n_vocab = len(words)
    under = np.fromiter(("_" in t for t in words), dtype=bool, count=n_vocab)
    collide = _colliding_pairs(words, index)
    low = min_count + 1 if scoring == "default" else min_count
    nb = _n_buckets(sc, n_groups)
    sb = sc.broadcast((under, np.array(sorted(collide), dtype=np.int64)))

    def split(rec: tuple) -> Iterator[tuple]:
        g, _, _, ids, lengths, _ = rec
        if len(ids) < 2:
            return
        a, b = _pairs_of(mb.value[g][ids], lengths)
        uk, uc = np.unique(a.astype(np.int64) * n_vocab + b, return_counts=True)
        yield from _split_sorted(uk, uc.astype(np.int32), (uk // n_vocab) % nb, nb)

    def reduce(it: Iterator[tuple]) -> Iterator[tuple]:
        under_, collide_keys = sb.value
        for parts in _grouped(it).values():
            uk, uc = _sum_by_key(parts)
            special = under_[uk // n_vocab] | under_[uk % n_vocab]
            ck, cc = uk[~special], uc[~special]
            hit = np.isin(ck, collide_keys)
            cand = cc >= low
            yield (int(ck.size), ck[cand], cc[cand], ck[hit], cc[hit], uk[special],
                   uc[special])

    out = toks.flatMap(split).partitionBy(nb, lambda j: j).mapPartitions(reduce).collect()
    sb.unpersist()
    n_clean = sum(r[0] for r in out)
    collide_count = {collide[k]: c for r in out
                     for k, c in zip(r[3].tolist(), r[4].tolist(), strict=True)}
    special: dict[str, int] = {}
    for r in out:
        for k, c in zip(r[5].tolist(), r[6].tolist(), strict=True):
            s = f"{words[k // n_vocab]}_{words[k % n_vocab]}"
            special[s] = special.get(s, 0) + c
    len_vocab = _gensim_vocab_size(cnt_u, n_clean, special, collide_count, index,
                                   "learn_phrases (spark)")
    keys = np.concatenate([r[1] for r in out]) if out else np.zeros(0, np.int64)
    counts = np.concatenate([r[2] for r in out]) if out else np.zeros(0, np.int64)
    if collide_count and len(keys):
        drop = np.isin(keys, np.array([k for r in out for k in r[3].tolist()], dtype=np.int64))
        keys, counts = keys[~drop], counts[~drop]
    order = np.argsort(keys, kind="stable")
    keys, counts = keys[order], counts[order]
    grams = _score_phrases(keys, counts, words, index, cnt_u, special, collide_count,
                           len_vocab=len_vocab, min_count=min_count, threshold=threshold,
                           scoring=scoring)
    logger.info("learn_phrases (spark): %d phrases from %d token types, %d distinct pairs",
                len(grams), n_vocab, n_clean)
    return PhraseModel(grams, min_count, float(threshold), scoring, "_")


def _phrase_joins(model, vocab: _Vocab) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """(sorted pair keys ``a * V + b``, the joined token's id of each, the joined tokens
    new to the vocabulary) of a phrase model over the corpus vocabulary."""
    index, n_vocab = vocab.index, len(vocab.words)
    joined: dict[int, int] = {}
    new: dict[str, int] = {}
    for x, y in model._pairs:
        if x in index and y in index:
            s = f"{x}_{y}"
            j = index.get(s)
            if j is None:
                j = new.setdefault(s, n_vocab + len(new))
            joined[index[x] * n_vocab + index[y]] = j
    if not joined:
        return None
    keys = np.array(sorted(joined), dtype=np.int64)
    return keys, np.array([joined[k] for k in keys.tolist()], dtype=np.uint32), list(new)


def _apply_joins(ids: np.ndarray, lengths: np.ndarray, n_vocab: int, keys: np.ndarray,
                 joined: np.ndarray, _new: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """`topics.phrases_ids.apply_phrases_ids`' greedy left-to-right joining on corpus ids."""
    from topics.phrases_ids import _pair_positions

    n_tok = len(ids)
    if n_tok < 2:
        return ids, lengths
    offsets = _offsets(lengths)
    pk = ids[:-1].astype(np.int64) * n_vocab + ids[1:]
    at = np.searchsorted(keys, pk)
    at[at >= len(keys)] = 0
    cand = (keys[at] == pk) & _pair_positions(offsets, n_tok)
    pos = np.flatnonzero(cand)
    if not len(pos):
        return ids, lengths
    new_run = np.ones(len(pos), dtype=bool)
    new_run[1:] = np.diff(pos) != 1
    run_start = pos[new_run][np.cumsum(new_run) - 1]
    picked = pos[(pos - run_start) % 2 == 0]
    out = ids.copy()
    out[picked] = joined[at[picked]]
    gone = picked + 1
    new_offsets = offsets - np.searchsorted(gone, offsets, side="left")
    keep = np.ones(n_tok, dtype=bool)
    keep[gone] = False
    return out[keep], np.diff(new_offsets)


def _write_tokens(parts: Iterator[tuple], words: list[str], path: Path,
                  rows_per_group: int = 20_000) -> tuple[int, int]:
    """Tasks' ``(g, refs, origins, corpus ids, lengths)`` in order (``g`` the task: a few
    consecutive row groups of the store), written as
    `topics.tokenids.write_token_ids` writes a corpus: ids renumbered by first appearance
    (as it renumbers them), ``rows_per_group`` cables a row group, zstd; then the
    vocabulary. Streams: one row group of the store and one of the file in memory."""
    from topics.runinfo import atomic_write
    from topics.tokenids import IDS_SCHEMA, VOCAB_FILE

    path = Path(path)
    remap = np.full(len(words), -1, dtype=np.int64)
    order: list[np.ndarray] = []
    n_next = 0
    totals = [0, 0]

    def renumber(ids: np.ndarray) -> np.ndarray:
        nonlocal n_next
        if not len(ids):
            return ids.astype(np.uint32)
        u, first = np.unique(ids, return_index=True)
        fresh = remap[u] < 0
        new = u[fresh][np.argsort(first[fresh], kind="stable")]
        remap[new] = np.arange(n_next, n_next + new.size)
        n_next += new.size
        order.append(new)
        return remap[ids].astype(np.uint32)

    def write(fh) -> None:
        refs: list[str] = []
        origins: list[str] = []
        ids: list[np.ndarray] = []
        lengths: list[np.ndarray] = []

        def flush(writer, n: int) -> None:
            nonlocal refs, origins, ids, lengths
            lens = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
            flat = np.concatenate(ids) if ids else np.zeros(0, np.uint32)
            off = _offsets(lens[:n])
            col = pa.ListArray.from_arrays(pa.array(off.astype(np.int32)),
                                           pa.array(flat[:off[-1]], pa.uint32()))
            writer.write_table(pa.table({"ref": pa.array(refs[:n], pa.string()),
                                         "origin": pa.array(origins[:n], pa.string()),
                                         "ids": col}, schema=IDS_SCHEMA))
            refs, origins = refs[n:], origins[n:]
            ids, lengths = [flat[off[-1]:]], [lens[n:]]

        with pq.ParquetWriter(fh, IDS_SCHEMA, compression="zstd") as writer:
            for _, r, o, gid, lens in parts:
                refs += r
                origins += o
                ids.append(renumber(gid))
                lengths.append(np.asarray(lens, dtype=np.int64))
                totals[0] += len(r)
                totals[1] += len(gid)
                while len(refs) >= rows_per_group:
                    flush(writer, rows_per_group)
            if refs or not totals[0]:
                flush(writer, len(refs))

    atomic_write(path, write)
    kept = np.concatenate(order) if order else np.zeros(0, np.int64)
    vocab = pa.table({"token": pa.array([words[i] for i in kept.tolist()], pa.string())})
    atomic_write(path.with_name(VOCAB_FILE),
                 lambda fh: pq.write_table(vocab, fh, compression="zstd"))
    return totals[0], totals[1]


# --- vectorize ----------------------------------------------------------------------------

def count_matrix_spark(spark, tokens_path: str | Path, *, min_df, max_df, max_terms):
    """`topics.tokenids.count_matrix_ids` over ``tokens.parquet``'s row groups on the
    executors: document frequencies per row group (numpy), summed on the executors; the
    vocabulary pruned on the driver by `topics.vectorize._prune_columns`; each row
    group's rows (terms in order of first appearance in the document) counted on the
    executors and assembled on the driver. The same matrix and vocabulary."""
    import scipy.sparse as sp

    from topics.tokenids import VOCAB_FILE
    from topics.vectorize import DocTermMatrix, Vocabulary, _check_refs, _prune_columns

    path = str(Path(tokens_path).resolve())
    sc = spark.sparkContext
    vocab = pq.read_table(Path(path).with_name(VOCAB_FILE)).column("token").to_pylist()
    n_vocab = len(vocab)
    groups, _ = _row_groups(spark, path)

    def rows_of(pf, g: int) -> Iterator[tuple[pa.RecordBatch, np.ndarray, np.ndarray,
                                              np.ndarray]]:
        """Row group ``g`` in batches of 4,096 cables: each cable's distinct terms (in
        order of first appearance), their counts and the number of them."""
        for t in pf.iter_batches(batch_size=4096, row_groups=[g],
                                 columns=["ref", "origin", "ids"]):
            col = t.column("ids")
            off = np.asarray(col.offsets, dtype=np.int64)
            ids = np.asarray(col.values, dtype=np.int64)[off[0]:off[-1]]
            off = off - off[0]
            n = len(off) - 1
            doc = np.repeat(np.arange(n, dtype=np.int64), np.diff(off))
            uk, first, counts = np.unique(doc * n_vocab + ids, return_index=True,
                                          return_counts=True)
            del doc, ids
            order = np.argsort(first, kind="stable")  # by document, then first appearance
            uk, counts = uk[order], counts[order]
            yield t, uk % n_vocab, counts, np.bincount(uk // n_vocab, minlength=n)

    def dfs(it: Iterator[int]) -> Iterator[tuple[int, np.ndarray]]:
        pf = pq.ParquetFile(path)
        n, df = 0, np.zeros(n_vocab, dtype=np.int64)
        for g in it:
            for t, term, _, _ in rows_of(pf, g):
                n += t.num_rows
                df += np.bincount(term, minlength=n_vocab)
        yield n, df

    n_docs, df = groups.mapPartitions(dfs).treeReduce(lambda a, b: (a[0] + b[0], a[1] + b[1]))
    if n_docs == 0:
        raise ValueError("build_dtm got 0 documents; pass at least one token list")
    if not int(df.sum()):
        raise ValueError(f"build_dtm: all {n_docs:,} documents are empty (no tokens); "
                         "check the tokenizer options")
    keep = _prune_columns(df, vocab, n_docs, min_df, max_df, max_terms)
    remap = np.full(n_vocab, -1, dtype=np.int32)
    remap[keep] = np.arange(keep.size, dtype=np.int32)
    rb = sc.broadcast(remap)

    def rows(it: Iterator[int]) -> Iterator[tuple]:
        pf = pq.ParquetFile(path)
        for g in it:
            for t, term, counts, lengths in rows_of(pf, g):
                new = rb.value[term]
                kept = new >= 0
                row = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
                yield (g, t.column("ref").to_pylist(), t.column("origin").to_pylist(),
                       new[kept], counts[kept].astype(np.int64),
                       np.bincount(row[kept], minlength=lengths.size))

    # streamed to the driver a few row groups at a time, in order (no collect of all rows)
    refs_l: list[str] = []
    origins: list[str] = []
    indices_l: list[np.ndarray] = []
    values_l: list[np.ndarray] = []
    row_len: list[np.ndarray] = []
    for _, r, o, ind, val, n in in_order(groups.mapPartitions(rows),
                                         min(sc.defaultParallelism, 4)):
        refs_l += r
        origins += o
        indices_l.append(ind.astype(np.int32))
        values_l.append(val)
        row_len.append(n)
    rb.unpersist()
    release_memory()
    refs = _check_refs(refs_l, "build_dtm")
    del refs_l
    indices = np.concatenate(indices_l)
    del indices_l
    values = np.concatenate(values_l)
    del values_l
    matrix = sp.csr_matrix((values, indices, _offsets(np.concatenate(row_len))),
                           shape=(len(refs), keep.size))
    vocabulary = Vocabulary([vocab[j] for j in keep], df[keep], n_docs)
    logger.info("vectorize (spark): %d documents, kept %d of %d terms", n_docs, keep.size,
                n_vocab)
    return DocTermMatrix(matrix, refs, vocabulary, "count"), origins

