"""The ``cablegate`` profile of the synthetic generator (issue 16's benchmark corpus)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from corpora.synthetic import (
    PLANTED_THEMES,
    generate_corpus,
    iter_synthetic_cables,
    planted_themes,
)
from corpora.synthetic_cablegate import N_THEMES


def _body_words(text: str) -> int:
    # Body = after the SUBJECT block; the header is a few dozen words.
    return len(text.split("\n\n", 6)[-1].split())


def test_cablegate_profile_has_real_lengths_vocabulary_and_themes():
    cables = list(iter_synthetic_cables(400, seed=1, profile="cablegate"))
    words = np.array([_body_words(c.text) for c in cables])
    # Real Cablegate (dev store): median 951 body words, 5th/95th percentile 119/2,579.
    assert 500 < np.median(words) < 1400
    assert np.percentile(words, 95) > 2000
    assert np.percentile(words, 5) < 400
    vocab = {w.lower() for c in cables for w in c.text.split()}
    assert len(vocab) > 15_000  # the default corpus has ~470 distinct words
    themes = {c.theme for c in cables}
    assert len(themes) > 40 and max(themes) < N_THEMES
    years = {c.date.year for c in cables}
    assert 2009 in years and min(years) >= 2000


def test_cablegate_profile_is_reproducible_and_a_prefix():
    a = [c.text for c in iter_synthetic_cables(30, seed=5, profile="cablegate")]
    b = [c.text for c in iter_synthetic_cables(60, seed=5, profile="cablegate")]
    assert a == b[:30]
    c = [c.text for c in iter_synthetic_cables(30, seed=6, profile="cablegate")]
    assert a != c


def test_default_profile_is_the_planted_eight():
    assert planted_themes() is PLANTED_THEMES
    default = [c.text for c in iter_synthetic_cables(5, seed=2)]
    named = [c.text for c in iter_synthetic_cables(5, seed=2, profile="default")]
    cg = [c.text for c in iter_synthetic_cables(5, seed=2, profile="cablegate")]
    assert default == named and default != cg
    with pytest.raises(ValueError, match="profile"):
        next(iter_synthetic_cables(1, profile="cablegates"))


def test_generate_cablegate_corpus_writes_truth_and_ingests(tmp_path):
    from corpora.store import CorpusStore

    out = generate_corpus(tmp_path / "cg", 40, seed=3, cables_per_file=10, profile="cablegate")
    with open(out / "truth.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    names = {t.id: t.name for t in planted_themes("cablegate")}
    assert len(rows) == 40
    assert all(names[int(r["theme"])] == r["theme_name"] for r in rows)
    assert "--profile cablegate" in (out / "README.md").read_text(encoding="utf-8")
    store = CorpusStore.ingest([out / "cables"], tmp_path / "store", n_jobs=1)
    assert len(store) == 40
    refs = {r for b in store.iter_batches(columns=["ref"]) for r in b.column("ref").to_pylist()}
    assert refs == {r["ref"] for r in rows}
