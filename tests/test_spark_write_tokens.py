"""The Spark road's `topics.spark.text._write_tokens` (no Spark session needed): tasks'
records streamed in store order make the same ``tokens.parquet`` and
``token_vocab.parquet`` as `topics.tokenids.write_token_ids` on the whole corpus, also when
records straddle the file's row groups (the test store of tests/test_spark.py is one row
group, so its end-to-end test writes one record)."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from topics.spark.text import _write_tokens
from topics.tokenids import VOCAB_FILE, TokenIds, write_token_ids


@pytest.mark.parametrize("rows_per_group", [1, 3, 4, 100])
def test_streamed_records_write_the_single_machine_files(tmp_path, rows_per_group):
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(40)]
    docs = [[str(w) for w in rng.choice(words, size=int(rng.integers(0, 9)))]
            for _ in range(13)]
    docs[5] = []  # an empty cable inside a record
    refs = [f"R{i}" for i in range(len(docs))]
    origins = [f"Post {i % 3}" for i in range(len(docs))]
    # the driver's corpus ids: not in order of first appearance (they are renumbered)
    index = {w: len(words) - 1 - i for i, w in enumerate(words)}
    corpus_words = [None] * len(words)
    for w, i in index.items():
        corpus_words[i] = w
    records, lo = [], 0
    for g, size in enumerate([4, 1, 0, 5, 3]):  # a task may keep no cable
        part = docs[lo:lo + size]
        ids = np.array([index[w] for d in part for w in d], dtype=np.uint32)
        records.append((g, refs[lo:lo + size], origins[lo:lo + size], ids,
                        np.array([len(d) for d in part], dtype=np.int64)))
        lo += size
    assert lo == len(docs)
    a, b = tmp_path / "a" / "tokens.parquet", tmp_path / "b" / "tokens.parquet"
    a.parent.mkdir()
    b.parent.mkdir()
    n_docs, n_tokens = _write_tokens(iter(records), corpus_words, a, rows_per_group)
    write_token_ids(b, refs, origins, TokenIds.from_lists(docs), rows_per_group=rows_per_group)
    assert (n_docs, n_tokens) == (len(docs), sum(map(len, docs)))
    assert pq.ParquetFile(a).metadata.num_row_groups == pq.ParquetFile(b).metadata.num_row_groups
    assert pq.read_table(a).equals(pq.read_table(b))
    assert pq.read_table(a.with_name(VOCAB_FILE)).equals(pq.read_table(b.with_name(VOCAB_FILE)))
