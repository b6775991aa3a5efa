"""Tokenizing and vectorizing on Spark executors, with the single-machine rules.

What the tokenize stage learns from the whole corpus (form cables' template shingles,
person names, phrases) is counted on the executors and decided on the driver with the
same rules as `corpora.genres.detect_genres`, `topics.names.learn_person_names` and
gensim ``Phrases`` (`topics.text.learn_phrases`); the per-cable work (tokenizing with
`topics.text.Tokenizer`, applying `topics.text.PhraseModel`, counting terms) runs on the
executors. The vocabulary is pruned on the driver by `topics.vectorize`'s own rule
(`_prune_columns`) from document frequencies counted on the executors, so a Spark run's
tokens and vocabulary equal a single-machine run's on the same store and config
(tests/test_spark.py).

Rows keep the store's order: executors read the store's Parquet row groups (one task a
row group) and only narrow transformations follow, so partition order is row order.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpora.store import filter_batch

__all__ = [
    "count_df",
    "detect_genres_spark",
    "learn_person_names_spark",
    "learn_phrases_spark",
    "read_store_rdd",
    "read_tokens_rdd",
    "tokenize_rdd",
    "write_parts",
]

logger = logging.getLogger(__name__)

_DOC_COLUMNS = ["ref", "origin", "body", "tags", "subject", "date"]


# --- reading ------------------------------------------------------------------------------

def read_store_rdd(spark, cables_path: str | Path, filters: dict, columns=_DOC_COLUMNS):
    """The store's cables that pass ``filters``, as an RDD of dicts in store order (one
    partition per Parquet row group, read on the executors from shared storage)."""
    path = str(Path(cables_path).resolve())
    n_groups = pq.ParquetFile(path).metadata.num_row_groups
    cols = list(columns)
    needed = sorted(set(cols) | {"date", "origin", "classification", "tags", "body"})

    def read(groups: Iterator[int]) -> Iterator[dict]:
        pf = pq.ParquetFile(path)
        for g in groups:
            table = pf.read_row_group(g, columns=needed).combine_chunks()
            for b in table.to_batches():
                yield from filter_batch(b, **filters).select(cols).to_pylist()

    sc = spark.sparkContext
    return sc.parallelize(range(n_groups), max(n_groups, 1)).mapPartitions(read)


def read_tokens_rdd(spark, tokens_path: str | Path):
    """``(ref, origin, tokens)`` of a tokens.parquet, in order (row groups as partitions)."""
    path = str(Path(tokens_path).resolve())
    n_groups = pq.ParquetFile(path).metadata.num_row_groups

    def read(groups: Iterator[int]) -> Iterator[tuple]:
        from topics.tokenids import VOCAB_FILE

        pf = pq.ParquetFile(path)
        vocab = None
        if "ids" in pf.schema_arrow.names:  # topics.tokenids.write_token_ids' layout
            vocab = pa.array(pq.read_table(Path(path).with_name(VOCAB_FILE))
                             .column("token").combine_chunks())
        for g in groups:
            t = pf.read_row_group(g)
            if vocab is not None:
                col = t.column("ids").combine_chunks()
                tokens = pa.ListArray.from_arrays(col.offsets, vocab.take(col.values))
            else:
                tokens = t.column("tokens")
            yield from zip(t.column("ref").to_pylist(), t.column("origin").to_pylist(),
                           tokens.to_pylist(), strict=True)

    return spark.sparkContext.parallelize(range(n_groups), max(n_groups, 1)).mapPartitions(read)


# --- genres -------------------------------------------------------------------------------

def detect_genres_spark(docs, *, min_shingle_cables: int = 3, template_share: float = 0.4):
    """`corpora.genres.detect_genres` over an RDD of cable dicts: the same dicts, in the
    same order, each with its ``"genre"``.

    Template shingles (word 5-grams in more than ``min_shingle_cables`` cables) are
    counted on the executors; their sorted CRCs are broadcast and each cable's genre is
    decided on the executors by `corpora.genres`'s rule.
    """
    from corpora.genres import _shingles

    def shingles(d: dict) -> Iterable[int]:
        return _shingles(d["body"] or "").tolist()

    shared = (docs.flatMap(shingles).map(lambda x: (x, 1)).reduceByKey(lambda a, b: a + b)
              .filter(lambda kv: kv[1] > min_shingle_cables).keys().collect())
    template = docs.context.broadcast(np.unique(np.asarray(shared, dtype=np.uint32)))
    logger.info("genres: %d template shingles", len(shared))

    def genres(part: Iterator[dict]) -> Iterator[dict]:
        table = template.value
        for d in part:
            yield {**d, "genre": _genre_of(d["body"] or "", d.get("subject"), table,
                                           template_share)}

    return docs.mapPartitions(genres)


def _genre_of(body: str, subject: Any, template: np.ndarray, template_share: float) -> str:
    """One cable's genre by `corpora.genres.genre_of`, given the sorted CRCs of the
    corpus's template shingles."""
    from corpora.genres import _shingles, genre_of

    sh = _shingles(body)
    if sh.size and len(template):
        pos = np.minimum(np.searchsorted(template, sh), len(template) - 1)
        shared = int(np.count_nonzero(template[pos] == sh))
    else:
        shared = 0
    return genre_of(body, subject, sh.size > 0 and shared / sh.size >= template_share)


# --- person names -------------------------------------------------------------------------

def _name_counts(docs: Iterable[dict]) -> Iterator[tuple]:
    """First-pass counts of `learn_person_names` over some cables (`topics.names.
    count_names`), and the candidates of their TAGS (`person_names_from_tags`)."""
    from topics.names import count_names, person_names_from_tags

    docs = list(docs)
    yield (count_names(d["body"] for d in docs),
           set(person_names_from_tags(d["tags"] for d in docs)))


def _add_counts(a: tuple, b: tuple) -> tuple:
    return a[0].merge(b[0]), a[1] | b[1]


def learn_person_names_spark(docs, *, min_count: int = 2) -> frozenset[str]:
    """`topics.names.learn_person_names` over an RDD of cable dicts (``body``, ``tags``),
    with their TAGS' candidates (`topics.names.person_names_from_tags`), as the
    single-machine tokenize stage calls it: the counts of both passes are made on the
    executors (`count_names`, `count_beside`), the decisions on the driver by the same
    functions (`first_names`, `final_names`)."""
    from topics.names import NameCounts, count_beside, final_names, first_names

    counts, from_tags = docs.mapPartitions(_name_counts).fold((NameCounts(), set()),
                                                               _add_counts)
    names = first_names(counts, min_count=min_count, extra_candidates=from_tags)
    known = docs.context.broadcast(frozenset(names))

    def beside(part: Iterator[dict]) -> Iterator[Counter]:
        yield count_beside((d["body"] for d in part), known.value)

    near = docs.mapPartitions(beside).fold(Counter(), lambda a, b: a + b if b else a)
    return final_names(counts, names, near, min_count=min_count)


# --- tokens and phrases -------------------------------------------------------------------

def tokenize_rdd(docs, options):
    """``(ref, origin, tokens)`` of each cable dict, tokenized on the executors by
    `topics.text.Tokenizer` (phrases not applied)."""
    opts = docs.context.broadcast(options)

    def run(part: Iterator[dict]) -> Iterator[tuple]:
        from topics.text import Tokenizer

        tok = Tokenizer(opts.value)
        for d in part:
            yield d["ref"], d["origin"] or "", tok(d["body"])

    return docs.mapPartitions(run)


#: The key under which `learn_phrases_spark` counts words (no token holds a control
#: character).
_WORDS = "\x00words"


def learn_phrases_spark(tokens, min_count: int = 5, threshold: float = 10.0, *,
                        scoring: str = "default"):
    """`topics.text.learn_phrases` (gensim ``Phrases``) over an RDD of token lists.

    gensim counts unigrams and ``a_b`` bigrams in one vocabulary and scores each bigram
    with its scorer, its vocabulary size and word count; the same counts are made on the
    executors and scored there by gensim's own scorer. (gensim prunes its vocabulary past
    40 M unigram + bigram types; this does not.)
    """
    from topics.text import PhraseModel

    if scoring not in ("default", "npmi"):
        raise ValueError(f"learn_phrases: scoring must be 'default' or 'npmi'. Got {scoring!r}.")

    def keys(doc: Sequence[str]) -> Iterator[str]:
        prev = None
        for w in doc:
            yield w
            if prev is not None:
                yield f"{prev}_{w}"
            prev = w

    def keyed(doc: Sequence[str]) -> Iterator[tuple[str, int]]:
        yield _WORDS, len(doc)
        for k in keys(doc):
            yield k, 1

    vocab = tokens.flatMap(keyed).reduceByKey(lambda a, b: a + b)
    vocab.persist()
    try:  # one pass: the number of unigram + bigram types and the number of words
        n_keys, n_words = vocab.aggregate(
            (0, 0), lambda acc, kv: (acc[0] + 1, acc[1] + (kv[1] if kv[0] == _WORDS else 0)),
            lambda a, b: (a[0] + b[0], a[1] + b[1]))
        len_vocab = n_keys - 1  # without the word-count key
        # each candidate key "a_..._b" with the counts of its first and last parts
        cands = (vocab.filter(lambda kv: "_" in kv[0] and kv[0] != _WORDS)
                 .map(lambda kv: (kv[0].split("_")[0], (kv[0], kv[1]))))
        with_a = cands.join(vocab).map(lambda x: (x[1][0][0].split("_")[-1],
                                                  (x[1][0][0], x[1][0][1], x[1][1])))
        scored = with_a.join(vocab).map(lambda x: (x[1][0][0], x[1][0][1], x[1][0][2], x[1][1]))

        def score(part: Iterator[tuple]) -> Iterator[tuple[str, float]]:
            from gensim.models.phrases import npmi_scorer, original_scorer

            scorer = original_scorer if scoring == "default" else npmi_scorer
            for phrase, n_ab, n_a, n_b in part:
                s = scorer(worda_count=n_a, wordb_count=n_b, bigram_count=n_ab,
                           len_vocab=len_vocab, min_count=min_count,
                           corpus_word_count=n_words)
                if s > threshold:
                    yield phrase, float(s)

        grams = dict(scored.mapPartitions(score).collect())
    finally:
        vocab.unpersist()
    logger.info("learn_phrases (spark): %d phrases from %d token types", len(grams), len_vocab)
    return PhraseModel(grams, min_count, float(threshold), scoring, "_")


# --- writing parts ----------------------------------------------------------------------

def write_parts(rdd, folder: Path, schema: pa.Schema, to_batch) -> list[str]:
    """Each partition of ``rdd`` written by its executor as ``folder/part-NNNNNNN.parquet``
    (``to_batch(rows) -> RecordBatch``); returns the written paths in partition order."""
    where = str(Path(folder).resolve())

    def write(index: int, part: Iterator) -> Iterator[tuple[int, str | None]]:
        rows = list(part)
        if not rows:
            yield index, None
            return
        path = os.path.join(where, f"part-{index:07d}.parquet")
        tmp = f"{path}.tmp-{os.getpid()}"
        pq.write_table(pa.Table.from_batches([to_batch(rows)], schema=schema), tmp,
                       compression="zstd")
        os.replace(tmp, path)
        yield index, path

    done = sorted(rdd.mapPartitionsWithIndex(write).collect())
    return [p for _, p in done if p is not None]


def tokens_batch(rows: list[tuple]) -> pa.RecordBatch:
    """``(ref, origin, tokens)`` rows as a tokens.parquet batch."""
    refs, origins, toks = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.RecordBatch.from_arrays(
        [pa.array(list(refs), pa.string()), pa.array(list(origins), pa.string()),
         pa.array(list(toks), pa.list_(pa.string()))], schema=TOKENS_SCHEMA)


TOKENS_SCHEMA = pa.schema([("ref", pa.string()), ("origin", pa.string()),
                           ("tokens", pa.list_(pa.string()))])


# --- vocabulary ---------------------------------------------------------------------------

def count_df(tokens) -> tuple[list[str], np.ndarray, int]:
    """Document frequency of every term over an RDD of ``(ref, origin, tokens)``:
    ``(terms, df, n_docs)``, terms in no particular order."""
    pairs = (tokens.flatMap(lambda r: set(r[2])).map(lambda t: (t, 1))
             .reduceByKey(lambda a, b: a + b).collect())
    n_docs = tokens.count()
    terms = [t for t, _ in pairs]
    return terms, np.array([c for _, c in pairs], dtype=np.int64), n_docs

