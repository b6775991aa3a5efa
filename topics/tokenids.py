"""Tokens as ids: uint32 token ids + int64 document offsets + a vocabulary, not strings.

A corpus of 251,287 cables holds ~150 M tokens. As Python lists of str that is ~9 GB (a
pointer and a ~55-byte str object per token); as ids it is 4 bytes a token. This module
keeps the tokenize and vectorize stages on ids from the workers to the matrix:

- `tokenize_ids`: the `topics.tokenize.Tokenizer` over worker processes; each worker
  encodes its chunk against a chunk vocabulary and sends ids, the parent maps chunk ids to
  corpus ids (one dict lookup per distinct token per chunk, not per token);
- phrases on ids (gensim's ``Phrases`` scores and ``FrozenPhrases`` joining): in
  `topics.phrases_ids`;
- `token_table` / `ids_from_table`: to and from the ``tokens.parquet`` table
  (``ref``, ``origin``, ``tokens: list<string>``; Arrow builds the strings in C++);
- `count_matrix_ids`: `topics.vectorize.build_dtm` on ids, batch by batch.

The layout (``TokenIds``): document ``d`` is ``ids[offsets[d]:offsets[d + 1]]``, each id
an index into ``vocab`` (a list of distinct str). ``offsets`` starts at 0 and ends at
``len(ids)``. This is what `topics.evaluate.ReferenceCorpus` takes too.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "TokenIds",
    "count_matrix_ids",
    "ids_from_table",
    "read_token_ids",
    "token_table",
    "tokenize_ids",
    "VOCAB_FILE",
    "convert_token_parts",
    "first_appearance",
    "read_token_lists",
    "write_token_ids",
]

logger = logging.getLogger(__name__)

_SEP = "\x1f"


@dataclass
class TokenIds:
    """A tokenized corpus: ``ids`` (uint32), ``offsets`` (int64, n_docs + 1), ``vocab``."""

    ids: np.ndarray
    offsets: np.ndarray
    vocab: list[str]

    @property
    def n_docs(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_tokens(self) -> int:
        return len(self.ids)

    def doc(self, d: int) -> list[str]:
        """Tokens of document ``d`` as str."""
        v = self.vocab
        return [v[i] for i in self.ids[self.offsets[d]:self.offsets[d + 1]].tolist()]

    def to_lists(self) -> list[list[str]]:
        """Every document's tokens as str (small corpora and tests)."""
        return [self.doc(d) for d in range(self.n_docs)]

    @classmethod
    def from_lists(cls, docs: Iterable[Sequence[str]]) -> TokenIds:
        """Encode token lists (ids in order of first appearance)."""
        index: dict[str, int] = {}
        flat: list[int] = []
        lengths: list[int] = []
        for doc in docs:
            flat.extend(index.setdefault(t, len(index)) for t in doc)
            lengths.append(len(doc))
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(np.array(flat, dtype=np.uint32), offsets, list(index))


# --- tokenizing -------------------------------------------------------------------------

#: Worker side of the forms protocol: per tokenizer `forms_key`, how many of its forms
#: were sent to the parent already.
_FORMS_SENT: dict[tuple[int, int], int] = {}


def _encode_chunk(offset: int, texts: list[str]) -> tuple:
    """Worker: the tokens of a chunk, for `_Merger.add`.

    Where the numba scan applies: ``("f", forms_key, n_sent, new forms joined by \x1f,
    order, ids, lengths)``; ``order`` (uint32) maps the chunk's ids to the worker
    tokenizer's forms (`Tokenizer.encode_forms`), and only the forms the parent has not
    had from this tokenizer travel, as one str. Otherwise ``("v", vocabulary joined by
    \x1f, ids, lengths)``. Arrays travel as arrays (one buffer each), not as strs.
    """
    from topics import tokenize as tk

    tok = tk._WORKER_TOKENIZER
    if tok is None:  # pragma: no cover - initializer always runs first
        raise RuntimeError("worker tokenizer not initialised")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"tokenize_ids: text {offset + i} is a {type(text).__name__}, expected str; "
                f"pass '' for a missing body"
            )
    vocab, order, ids, lengths = tok.encode_forms(texts)
    ids = np.asarray(ids, dtype=np.uint32)
    lengths = np.asarray(lengths, dtype=np.int64)
    if order is None:
        return ("v", _SEP.join(vocab), ids, lengths)
    key, forms = tok.forms_key, tok.forms
    sent = _FORMS_SENT.get(key, 0)
    _FORMS_SENT[key] = len(forms)
    return ("f", key, sent, _SEP.join(forms[sent:]), order.astype(np.uint32), ids, lengths)


class _FormMap:
    """Parent side of one worker tokenizer's forms: their tokens and corpus ids (-1: none
    yet)."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.ids = np.full(1024, -1, dtype=np.int64)


class _Merger:
    """Parent side: maps each chunk's tokens onto the corpus vocabulary.

    Chunks are added in corpus order, so a token new to the corpus in a chunk is given
    the next id in order of first appearance in that chunk. A worker takes its chunks in
    corpus order (one task queue), so when one of its chunks is added, every form its
    tokenizer had made before it is known here (`_FormMap`): only forms new to that map
    are looked up by their str; the ids of the rest are one numpy take.
    """

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.parts: list[np.ndarray] = []
        self.lengths: list[np.ndarray] = []
        self.forms: dict[tuple[int, int], _FormMap] = {}

    def add(self, packed: tuple) -> int:
        index = self.index
        if packed[0] == "v":
            _, words, ids, lengths = packed
            local = words.split(_SEP) if words else []
            mapping = np.array([index.setdefault(w, len(index)) for w in local],
                               dtype=np.uint32)
        else:
            _, key, sent, words, order, ids, lengths = packed
            fm = self.forms.get(key)
            if fm is None:
                fm = self.forms[key] = _FormMap()
            if sent != len(fm.tokens):  # pragma: no cover - the task queue is FIFO
                raise RuntimeError(
                    f"tokenize_ids: a worker's chunk came with forms from {sent}, "
                    f"expected {len(fm.tokens)} (chunks merged out of order)")
            if words:
                fm.tokens.extend(words.split(_SEP))
            if len(fm.tokens) > len(fm.ids):
                grown = np.full(2 * len(fm.tokens), -1, dtype=np.int64)
                grown[:len(fm.ids)] = fm.ids
                fm.ids = grown
            mapped = fm.ids[order]
            fresh = np.flatnonzero(mapped < 0)  # in order of first appearance
            if len(fresh):
                tokens = fm.tokens
                forms = order[fresh]
                new = np.array([index.setdefault(tokens[f], len(index))
                                for f in forms.tolist()], dtype=np.int64)
                mapped[fresh] = new
                fm.ids[forms] = new
            mapping = mapped.astype(np.uint32)
        self.parts.append(mapping[ids] if len(ids) else np.zeros(0, np.uint32))
        self.lengths.append(lengths)
        return len(lengths)

    def result(self) -> TokenIds:
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, np.int64)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # copied part by part, each freed once copied: the ids are never held twice
        ids = np.empty(int(offsets[-1]), dtype=np.uint32)
        at = 0
        self.parts.reverse()
        while self.parts:
            part = self.parts.pop()
            ids[at:at + len(part)] = part
            at += len(part)
        return TokenIds(ids, offsets, list(self.index))


def tokenize_ids(
    texts: Iterable[str],
    options: Any = None,
    n_jobs: int = 2,
    chunksize: int = 256,
    progress: Callable[[int], None] | None = None,
) -> TokenIds:
    """Tokenize texts over ``n_jobs`` processes into ids; the same tokens as `iter_tokenize`.

    Parameters
    ----------
    texts : iterable of str
        Read once; at most ``4 * n_jobs`` chunks are in flight.
    options : topics.tokenize.TextOptions, optional
    n_jobs : int, default 2
        ``1`` tokenizes in this process. The result does not depend on it.
    chunksize : int, default 256
    progress : callable, optional
        Called with the number of texts done after each chunk.

    Returns
    -------
    TokenIds
        Ids in order of first appearance in the corpus (phrases not applied).
    """
    from topics import tokenize as tk

    options = tk.TextOptions() if options is None else options
    tk._check_jobs(n_jobs, chunksize)
    merger = _Merger()
    done = 0
    if n_jobs == 1:
        tk._init_worker(options)
        try:
            sent = 0
            for chunk in tk._chunks(texts, chunksize):
                done += merger.add(_encode_chunk(sent, chunk))
                sent += len(chunk)
                if progress is not None:
                    progress(done)
        finally:
            tk._WORKER_TOKENIZER = None
            _FORMS_SENT.clear()
        return merger.result()
    import multiprocessing as mp

    tk.Tokenizer(options)  # option errors surface here, not in a worker
    with mp.get_context().Pool(n_jobs, initializer=tk._init_worker,
                               initargs=(options,)) as pool:
        pending: deque[Any] = deque()
        sent = 0
        for chunk in tk._chunks(texts, chunksize):
            pending.append(pool.apply_async(_encode_chunk, (sent, chunk)))
            sent += len(chunk)
            while len(pending) >= 4 * n_jobs:
                done += merger.add(pending.popleft().get())
                if progress is not None:
                    progress(done)
        while pending:
            done += merger.add(pending.popleft().get())
            if progress is not None:
                progress(done)
    return merger.result()


# --- tokens.parquet ---------------------------------------------------------------------

def token_table(refs: Sequence[str], origins: Sequence[str], corpus: TokenIds):
    """The ``tokens.parquet`` table (``ref``, ``origin``, ``tokens: list<string>``).

    The token strings are gathered by Arrow (``take`` on the vocabulary), not built one
    Python str at a time.
    """
    import pyarrow as pa

    return _token_table(refs, origins, corpus, pa.array(corpus.vocab, pa.string()))


def _token_table(refs: Sequence[str], origins: Sequence[str], corpus: TokenIds, vocab):
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pc.take(vocab, pa.array(corpus.ids))
    tokens = pa.ListArray.from_arrays(pa.array(corpus.offsets.astype(np.int32)), values)
    return pa.table({
        "ref": pa.array(list(refs), pa.string()),
        "origin": pa.array(list(origins), pa.string()),
        "tokens": tokens.cast(pa.list_(pa.string())),
    })


#: The tokenize stage's vocabulary file, beside ``tokens.parquet`` (one column ``token``).
VOCAB_FILE = "token_vocab.parquet"


def first_appearance(corpus: TokenIds) -> TokenIds:
    """The same corpus with ids renumbered by first appearance, unused vocabulary dropped.

    Two roads to the same tokens (chunked workers, Spark partitions, phrases applied to
    ids or to strings) then give the same ids and vocabulary.
    """
    n_vocab = len(corpus.vocab)
    first = np.full(n_vocab, corpus.n_tokens, dtype=np.int64)
    np.minimum.at(first, corpus.ids, np.arange(corpus.n_tokens, dtype=np.int64))
    used = np.flatnonzero(first < corpus.n_tokens)
    order = used[np.argsort(first[used], kind="stable")]
    if order.size == n_vocab and np.array_equal(order, np.arange(n_vocab)):
        return corpus
    remap = np.zeros(n_vocab, dtype=np.uint32)
    remap[order] = np.arange(order.size, dtype=np.uint32)
    return TokenIds(remap[corpus.ids], corpus.offsets, [corpus.vocab[i] for i in order])


def write_token_ids(path, refs: Sequence[str], origins: Sequence[str], corpus: TokenIds,
                    *, rows_per_group: int = 20_000) -> None:
    """Write the tokenize stage's ``tokens.parquet`` and its ``token_vocab.parquet``.

    ``tokens.parquet``: ``ref``, ``origin``, ``ids: list<uint32>`` (a list's offsets are
    the document offsets), ``rows_per_group`` cables a row group; ``token_vocab.parquet``
    beside it: one ``token`` column, row ``i`` the string of id ``i``. Ids are numbered by
    first appearance (`first_appearance`), so the file does not depend on how the corpus
    was tokenized; each file is written atomically, the vocabulary first.
    Read them back with `read_token_ids` (or `read_token_lists` for strings).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from topics.runinfo import atomic_write

    if not (len(refs) == len(origins) == corpus.n_docs):
        raise ValueError(f"write_token_ids: {len(refs)} refs, {len(origins)} origins and "
                         f"{corpus.n_docs} documents; pass one ref and origin per document")
    corpus = first_appearance(corpus)
    path = Path(path)
    vocab = pa.table({"token": pa.array(corpus.vocab, pa.string())})
    atomic_write(path.with_name(VOCAB_FILE),
                 lambda fh: pq.write_table(vocab, fh, compression="zstd"))

    def write(fh) -> None:
        with pq.ParquetWriter(fh, IDS_SCHEMA, compression="zstd") as writer:
            for lo in range(0, max(corpus.n_docs, 1), rows_per_group):
                hi = min(lo + rows_per_group, corpus.n_docs)
                a, b = corpus.offsets[lo], corpus.offsets[hi]
                ids = pa.ListArray.from_arrays(
                    pa.array((corpus.offsets[lo:hi + 1] - a).astype(np.int32)),
                    pa.array(corpus.ids[a:b], pa.uint32()))
                writer.write_table(pa.table(
                    {"ref": pa.array(list(refs[lo:hi]), pa.string()),
                     "origin": pa.array(list(origins[lo:hi]), pa.string()), "ids": ids},
                    schema=IDS_SCHEMA))

    atomic_write(path, write)


def _ids_schema():
    import pyarrow as pa

    return pa.schema([("ref", pa.string()), ("origin", pa.string()),
                      ("ids", pa.list_(pa.uint32()))])


IDS_SCHEMA = _ids_schema()


def convert_token_parts(parts: Sequence[str | Path], path, *, batch_size: int = 20_000) -> int:
    """Parquet parts of ``(ref, origin, tokens: list<string>)`` rows, in order, written as
    `write_token_ids` writes a corpus (the Spark road's parts); returns the rows.

    Streams: one batch of strings at a time is encoded (`ids_from_table`) and mapped onto
    the corpus vocabulary; only the ids stay in memory.
    """
    import pyarrow.parquet as pq

    def batches():
        for part in parts:
            with pq.ParquetFile(part, pre_buffer=False) as pf:
                yield from pf.iter_batches(batch_size=batch_size,
                                           columns=["ref", "origin", "tokens"])

    refs, origins, corpus = _encode_string_batches(batches())
    write_token_ids(path, refs, origins, corpus)
    return len(refs)


def _encode_string_batches(batches) -> tuple[list[str], list[str], TokenIds]:
    """(refs, origins, `TokenIds`) of ``(ref, origin, tokens: list<string>)`` record
    batches: each batch's strings hashed by Arrow, its vocabulary mapped onto the corpus's."""
    refs: list[str] = []
    origins: list[str] = []
    merger = _Merger()
    for batch in batches:
        refs += batch.column("ref").to_pylist()
        origins += batch.column("origin").to_pylist()
        enc = ids_from_table(batch.column("tokens"))
        merger.add(("v", _SEP.join(enc.vocab), enc.ids.astype(np.uint32, copy=False),
                    np.diff(enc.offsets).astype(np.int64, copy=False)))
    return refs, origins, merger.result()


def ids_from_table(column) -> TokenIds:
    """`TokenIds` of a ``list<string>`` column (Arrow array or chunked array).

    Arrow hashes the strings (``dictionary_encode``); ids follow first appearance.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    offsets = np.asarray(column.offsets, dtype=np.int64)
    values = column.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    offsets = offsets - offsets[0]
    enc = pc.dictionary_encode(values)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    ids = np.asarray(enc.indices, dtype=np.uint32)
    return TokenIds(ids, offsets, enc.dictionary.to_pylist())


# --- document-term matrix ------------------------------------------------------------------

def count_matrix_ids(
    corpus: TokenIds,
    refs: Sequence[str],
    *,
    min_df: int | float = 3,
    max_df: int | float = 0.5,
    max_terms: int | None = 20000,
    batch_tokens: int = 10_000_000,
):
    """`topics.vectorize.build_dtm` on ids: the same matrix, counted in batches of documents.

    Each row lists its terms in order of first appearance in the document, as
    `build_dtm` does; terms are pruned and ordered by the same rule
    (`topics.vectorize._prune_columns`).
    """
    import scipy.sparse as sp

    from topics.vectorize import (
        DocTermMatrix,
        Vocabulary,
        _check_df_limit,
        _check_refs,
        _prune_columns,
    )

    refs_t = _check_refs(refs, "build_dtm")
    _check_df_limit("min_df", min_df)
    _check_df_limit("max_df", max_df)
    n_docs = corpus.n_docs
    if n_docs == 0:
        raise ValueError("build_dtm got 0 documents; pass at least one token list")
    if n_docs != len(refs_t):
        raise ValueError(
            f"build_dtm got {n_docs:,} documents but {len(refs_t):,} refs; pass one ref per "
            f"token list, in the same order"
        )
    n_vocab = len(corpus.vocab)
    offsets = corpus.offsets
    if corpus.n_tokens == 0:
        raise ValueError(
            f"build_dtm: all {n_docs:,} documents are empty (no tokens); check the "
            f"tokenizer options"
        )
    # Per batch of documents: (first document, its terms, their counts, terms per document)
    parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    df = np.zeros(n_vocab, dtype=np.int64)
    d0 = 0
    while d0 < n_docs:
        # Documents [d0, d1) hold about batch_tokens tokens (at least one document).
        d1 = int(np.searchsorted(offsets, offsets[d0] + batch_tokens, side="right")) - 1
        d1 = min(max(d1, d0 + 1), n_docs)
        lo, hi = int(offsets[d0]), int(offsets[d1])
        ids = corpus.ids[lo:hi].astype(np.int64)
        doc = np.repeat(np.arange(d1 - d0, dtype=np.int64), np.diff(offsets[d0:d1 + 1]))
        keys = doc * n_vocab + ids
        uk, first, counts = np.unique(keys, return_index=True, return_counts=True)
        order = np.argsort(first, kind="stable")  # by document, then first appearance
        uk, counts = uk[order], counts[order]
        term = uk % n_vocab
        df += np.bincount(term, minlength=n_vocab)
        # int32 while the batches pile up (8 bytes a cable's distinct term, not 16)
        parts.append((d0, term.astype(np.int32), counts.astype(np.int32),
                      np.bincount(uk // n_vocab, minlength=d1 - d0)))
        del keys, uk, first, counts, order, term, doc, ids
        d0 = d1
    keep = _prune_columns(df, corpus.vocab, n_docs, min_df, max_df, max_terms)
    remap = np.full(n_vocab, -1, dtype=np.int32)
    remap[keep] = np.arange(keep.size, dtype=np.int32)
    # The kept entries are copied batch by batch into arrays of their final size, each
    # batch's own arrays freed as it is done: no whole-corpus concatenation or mask.
    nnz = sum(int(np.count_nonzero(remap[term] >= 0)) for _, term, _, _ in parts)
    indices = np.empty(nnz, dtype=np.int32)
    values = np.empty(nnz, dtype=np.int64)
    row_len = np.zeros(n_docs, dtype=np.int64)
    pos = 0
    for b in range(len(parts)):
        d0, term, counts, lengths = parts[b]
        parts[b] = None  # type: ignore[call-overload]
        new_term = remap[term]
        kept = new_term >= 0
        m = int(np.count_nonzero(kept))
        indices[pos:pos + m] = new_term[kept]
        values[pos:pos + m] = counts[kept]
        rows = np.repeat(np.arange(lengths.size, dtype=np.int64), lengths)
        row_len[d0:d0 + lengths.size] = np.bincount(rows[kept], minlength=lengths.size)
        pos += m
        del term, counts, lengths, new_term, kept, rows
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(row_len, out=indptr[1:])
    matrix = sp.csr_matrix((values, indices, indptr), shape=(n_docs, keep.size))
    vocabulary = Vocabulary([corpus.vocab[j] for j in keep], df[keep], n_docs)
    logger.info("count_matrix_ids: %d documents, kept %d of %d terms", n_docs, keep.size,
                n_vocab)
    return DocTermMatrix(matrix, refs_t, vocabulary, "count")


def _leaf_values(pf, column: str) -> int:
    """The number of leaf values of list column ``column`` in a Parquet file's metadata."""
    md = pf.metadata
    leaves = [j for j in range(len(pf.schema)) if pf.schema.column(j).path.startswith(column + ".")]
    return sum(md.row_group(i).column(j).num_values for i in range(md.num_row_groups)
               for j in leaves)


def read_token_ids(path, batch_size: int = 20_000) -> tuple[list[str], list[str], TokenIds]:
    """(refs, origins, `TokenIds`) of a ``tokens.parquet``, read ``batch_size`` rows at a time.

    The ids layout (`write_token_ids`: ``ids`` with ``token_vocab.parquet`` beside) is read
    as it is. The older string layout (``tokens: list<string>``, runs of earlier versions)
    is encoded batch by batch: Arrow hashes each batch's strings, only its distinct tokens
    meet Python, so memory holds the ids, not the strings.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    refs: list[str] = []
    origins: list[str] = []
    with pq.ParquetFile(path, pre_buffer=False) as pf:  # no whole-file read-ahead cache
        if "ids" in pf.schema_arrow.names:
            # the ids go straight into one array of the size the file's metadata gives (its
            # leaf values: the tokens, plus one per empty list), not into batches joined at
            # the end: one copy of the corpus in memory, not two
            flat = np.empty(_leaf_values(pf, "ids"), dtype=np.uint32)
            pos = 0
            lengths: list[np.ndarray] = []
            for batch in pf.iter_batches(batch_size=batch_size, columns=["ref", "origin", "ids"]):
                refs += batch.column("ref").to_pylist()
                origins += batch.column("origin").to_pylist()
                col = batch.column("ids")
                off = np.asarray(col.offsets, dtype=np.int64)
                k = int(off[-1] - off[0])
                if pos + k > flat.size:  # metadata that undercounts: grow (never seen)
                    grown = np.empty(max(pos + k, 2 * flat.size), dtype=np.uint32)
                    grown[:pos] = flat[:pos]
                    flat = grown
                flat[pos:pos + k] = np.asarray(col.values, dtype=np.uint32)[off[0]:off[-1]]
                pos += k
                lengths.append(np.diff(off))
            flat = flat[:pos] if pos == flat.size or pos > flat.size // 2 else flat[:pos].copy()
            vocab = pq.read_table(path.with_name(VOCAB_FILE)).column("token").to_pylist()
            n = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
            offsets = np.zeros(n.size + 1, dtype=np.int64)
            np.cumsum(n, out=offsets[1:])
            if flat.size and int(flat.max()) >= len(vocab):
                raise ValueError(f"{path}: token id {int(flat.max())} is past the "
                                 f"{len(vocab):,} tokens of {path.with_name(VOCAB_FILE)}")
            return refs, origins, TokenIds(flat, offsets, vocab)
        return _encode_string_batches(pf.iter_batches(batch_size=batch_size,
                                                      columns=["ref", "origin", "tokens"]))


def read_token_lists(path) -> tuple[list[str], list[str], list[list[str]]]:
    """(refs, origins, token lists as str) of a ``tokens.parquet`` (small corpora)."""
    refs, origins, corpus = read_token_ids(path)
    return refs, origins, corpus.to_lists()
