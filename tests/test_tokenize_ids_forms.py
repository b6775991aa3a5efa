"""`topics.tokenids.tokenize_ids`' merge of worker forms (`Tokenizer.encode_forms`): the
same ids, offsets and vocabulary order as tokenizing text by text, whatever the chunks, the
processes, the chunks the numba scan cannot take and the tokenizer's resets."""

from __future__ import annotations

import numpy as np
import pytest

import topics.tokenize as tk
from corpora.synthetic import iter_synthetic_cables
from topics.tokenids import TokenIds, tokenize_ids
from topics.tokenize import TextOptions, Tokenizer

OPTS = TextOptions(phrases=False, drop_person_names=False)


@pytest.fixture(scope="module")
def texts():
    out = [c.text for c in iter_synthetic_cables(30, seed=11, profile="cablegate")]
    # beyond Unicode's first plane: that chunk takes the vocabulary road ("v")
    out[7] = out[7] + " Delegation \U0001F600 missile talks"
    out[19] = ""
    return out


def _expected(texts):
    tok = Tokenizer(OPTS)
    return TokenIds.from_lists([tok(t) for t in texts])


def _same(got: TokenIds, want: TokenIds) -> None:
    assert got.vocab == want.vocab
    assert np.array_equal(got.offsets, want.offsets)
    assert got.ids.dtype == np.uint32 and np.array_equal(got.ids, want.ids)


@pytest.mark.parametrize("n_jobs,chunksize", [(1, 4), (2, 3), (2, 64)])
def test_ids_equal_text_by_text(texts, n_jobs, chunksize):
    _same(tokenize_ids(texts, OPTS, n_jobs=n_jobs, chunksize=chunksize), _expected(texts))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_ids_equal_when_the_tokenizer_starts_over(texts, n_jobs, monkeypatch):
    # a few hundred interned matches: every worker tokenizer resets (new forms_key) often
    monkeypatch.setattr(tk, "_MAX_MATCH_IDS", 300)
    tok = Tokenizer(OPTS)
    keys = set()
    for i in range(0, len(texts), 2):
        tok.encode_forms(texts[i:i + 2])
        keys.add(tok.forms_key)
    assert len(keys) > 2  # the resets happen
    _same(tokenize_ids(texts, OPTS, n_jobs=n_jobs, chunksize=2), _expected(texts))


def test_encode_forms_order_indexes_forms(texts):
    tok = Tokenizer(OPTS)
    vocab, order, ids, lengths = tok.encode_forms(texts[:5])
    assert vocab is None
    assert [tok.forms[f] for f in order.tolist()] == tok.encode(texts[:5])[0]
    vocab, order, ids, lengths = tok.encode_forms(texts[7:8])  # beyond the first plane
    assert order is None and vocab == list(dict.fromkeys(tok(texts[7])))
