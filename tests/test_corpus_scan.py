"""The tokenize stage's batched passes (topics.corpus_scan) give the one-list answers.

Genres and person names learned batch by batch on worker processes must equal
`detect_genres` and `learn_person_names` over the same cables in one list; the vectorized
5-gram hashes must hash the same words as the regex definition; the batched token table
must hold the same rows as the one-table write.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpora.genres import SUBJECT, GenreScan, _shingles, detect_genres, genre_features
from corpora.store import CorpusStore
from corpora.synthetic import generate_corpus
from topics.corpus_scan import iter_bodies, learn_names, ordered_map, scan_genres
from topics.names import learn_person_names, person_names_from_tags
from topics.tokenids import (
    TokenIds,
    convert_token_parts,
    read_token_ids,
    token_table,
    write_token_ids,
)


def _roster(n: int, k: int) -> str:
    return "\n".join(f"RANK/NAME: Colonel Name{k}x{i}\nDOB: 1970\nUNIT/INSTITUTION: Police {i}"
                     for i in range(n))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A store of generated cables with form cables among them (rosters, a template)."""
    root = tmp_path_factory.mktemp("scan")
    src = root / "src"
    generate_corpus(src, n_cables=260, seed=3, cables_per_file=20)
    # mixed-case cables naming people after titles (the generated ones are all capitals)
    sentences = [
        "President Chavez met Foreign Minister Maduro on oil exports; Chavez said prices fell.",
        "Mr. Maduro told the Ambassador that the oil law would pass. Maduro left for Havana.",
        "Minister Lavrov discussed the treaty. The assembly voted; Lavrov abstained again.",
        "Senator Lugar raised the missile treaty with Minister Lavrov and Roberto Micheletti.",
        "The minister said exports will rise; Senator Lugar smiled at Mr. Micheletti.",
    ]
    with open(src / "named.jsonl", "w", encoding="utf-8") as fh:
        for i in range(30):
            body = " ".join(sentences[(i + k) % 5] for k in range(4)) * 3
            fh.write(json.dumps({"ref": f"09NAMED{i}", "date": f"2009-05-0{1 + i % 9} 10:00",
                                 "origin": "Embassy Caracas", "classification": "UNCLASSIFIED",
                                 "subject": f"OIL TALKS {i}", "body": body}) + "\n")
    return CorpusStore.ingest([src], out=root / "store")


def _all(store, cols=("ref", "body", "subject", "tags")):
    t = store.to_pandas()
    return {c: t[c].tolist() for c in cols}


def test_batched_genres_on_two_workers_equal_detect_genres(store):
    cols = _all(store)
    expected = detect_genres(cols["body"], cols["subject"])
    scan = scan_genres(store, {}, n_jobs=2, batch_size=37)
    assert scan.refs == cols["ref"]
    assert scan.genres == expected
    # the features of several batches merge into the same answer as one batch
    gs = GenreScan()
    for lo in range(0, len(cols["body"]), 50):
        gs.add(genre_features(cols["body"][lo:lo + 50], cols["subject"][lo:lo + 50]))
    assert gs.genres() == expected


def test_templates_found_across_batches():
    """A template filled in five cables, one per batch, is found only by merged counts."""
    template = ("Embassy requests country clearance for {} arriving on May {} for meetings "
                "with officials of the ministry; the control officer will meet the visitor "
                "at the airport and hotel reservations were made at the usual hotel.")
    rng = np.random.default_rng(1)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    prose = [" ".join("".join(rng.choice(letters, 6)) for _ in range(60)) for _ in range(5)]
    gs = GenreScan()
    for k in range(5):
        gs.add(genre_features([template.format(f"Person{k}", k + 2), prose[k]],
                              ["COUNTRY CLEARANCE", "POLITICS"]))
    genres = gs.genres()
    assert genres[0::2] == ["visit logistics"] * 5
    assert genres[1::2] == [SUBJECT] * 5


def test_batched_names_equal_learn_person_names(store):
    cols = _all(store)
    keep = np.array([i % 3 != 0 for i in range(len(cols["body"]))])
    kept = [b for b, k in zip(cols["body"], keep, strict=True) if k]
    tags = [t for t, k in zip(cols["tags"], keep, strict=True) if k]
    expected = learn_person_names(kept, extra_candidates=person_names_from_tags(tags))
    assert expected  # the generated cables name people after titles
    got = learn_names(store, {}, keep, n_jobs=2, batch_size=41)
    assert got == expected
    assert [b for c in iter_bodies(store, {}, keep, batch_size=41) for b in c["body"]] == kept


def _reference_shingles(body: str, n: int = 5) -> np.ndarray:
    """The definition: ``[a-z]+`` words of the lower-cased body, polynomial word hashes."""
    words = re.findall("[a-z]+", body.lower())
    base, mask = 0x100000001B3, (1 << 64) - 1
    h = []
    for w in words:
        v, p = 0, 1
        for ch in w.encode():
            v = (v + ch * p) & mask
            p = (p * base) & mask
        h.append(v)
    mix = [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
           0xFF51AFD7ED558CCD]
    out = set()
    for i in range(len(h) - n + 1):
        acc = sum(h[i + j] * mix[j] for j in range(n)) & mask
        acc ^= acc >> 31
        acc = (acc * mix[4]) & mask
        out.add(acc >> 32)
    return np.array(sorted(out), dtype=np.uint32)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcXYZ -.\n'é\u212aİ0")), max_size=120))
def test_vectorized_shingles_hash_the_regex_words(text):
    assert np.array_equal(_shingles(text), _reference_shingles(text))


def test_shingles_of_a_real_sentence():
    body = "The Minister said the talks are over; the Minister said the TALKS ARE OVER."
    sh = _shingles(body)
    assert sh.dtype == np.uint32 and np.all(np.diff(sh.astype(np.int64)) > 0)
    # 12 words, 8 5-grams, the second sentence repeats the first's after lower-casing
    assert sh.size == len({" ".join(re.findall("[a-z]+", body.lower())[i:i + 5])
                           for i in range(8)})


def test_ordered_map_keeps_order_on_workers():
    assert list(ordered_map(pow, ((i, 2) for i in range(25)), 2)) == [i * i for i in range(25)]


def test_token_ids_file_round_trip_in_first_appearance_order(tmp_path):
    docs = [["a", "b"], [], ["c"] * 5, ["b", "a", "d"], ["e"]]
    # a vocabulary out of first-appearance order with an unused entry ("zz")
    corpus = TokenIds.from_lists(docs)
    order = [4, 2, 0, 3, 1]  # permute: new id i holds old token order[i]
    vocab = [corpus.vocab[i] for i in order] + ["zz"]
    remap = np.argsort(order).astype(np.uint32)
    shuffled = TokenIds(remap[corpus.ids], corpus.offsets, vocab)
    refs = [f"R{i}" for i in range(5)]
    write_token_ids(tmp_path / "tokens.parquet", refs, refs, shuffled, rows_per_group=2)
    assert pq.ParquetFile(tmp_path / "tokens.parquet").num_row_groups == 3
    assert pq.read_schema(tmp_path / "tokens.parquet").field("ids").type.value_type == "uint32"
    got_refs, _, got = read_token_ids(tmp_path / "tokens.parquet")
    assert got_refs == refs and got.to_lists() == docs
    assert got.vocab == ["a", "b", "c", "d", "e"]  # renumbered, "zz" dropped
    assert np.array_equal(got.ids, corpus.ids)
    # the same file from string parts (the Spark road's), and the older string layout
    part = tmp_path / "part.parquet"
    pq.write_table(token_table(refs, refs, corpus), part)
    (tmp_path / "two").mkdir()
    assert convert_token_parts([part, part], tmp_path / "two" / "tokens.parquet") == 10
    assert read_token_ids(tmp_path / "two" / "tokens.parquet")[2].to_lists() == docs + docs
    assert read_token_ids(part)[2].to_lists() == docs
    with pytest.raises(ValueError, match="one ref and origin per document"):
        write_token_ids(tmp_path / "u.parquet", refs[:2], refs[:2], corpus)
    assert not (tmp_path / "u.parquet").exists()
