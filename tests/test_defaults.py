"""The Python API's defaults are the config's: the documented pieces give `cable-topics fit`'s
themes; the model seed changes only the model (the prepared matrix is the same)."""

from __future__ import annotations

import inspect
import json
from dataclasses import fields

import numpy as np
import pyarrow.parquet as pq
import pytest

from corpora.store import CorpusStore
from topics.config import RunConfig, TextConfig, VocabularyConfig, sample_corpus_path
from topics.text import TextOptions
from topics.vectorize import build_dtm


def test_text_options_defaults_are_the_config_defaults():
    options = TextOptions()
    config = TextConfig()
    shared = [f.name for f in fields(TextConfig) if hasattr(options, f.name)]
    assert len(shared) >= 10
    for name in shared:
        want = getattr(config, name)
        want = tuple(want) if isinstance(want, list) else want
        assert getattr(options, name) == want, name


def test_build_dtm_defaults_are_the_config_defaults():
    params = inspect.signature(build_dtm).parameters
    vocab = VocabularyConfig()
    assert params["min_df"].default == vocab.min_df
    assert params["max_df"].default == vocab.max_df
    assert params["max_terms"].default == vocab.max_terms


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("store") / "store"
    CorpusStore.ingest([str(sample_corpus_path() / "cables")], out)
    return out


def _fit(store, out, seed):
    from topics.cli import main

    assert main(["fit", str(store), "--topics", "6", "--seed", str(seed), "--out", str(out)]) == 0
    return out


def test_documented_pieces_give_the_themes_of_fit(store, tmp_path):
    """README's "From the pieces" recipe reproduces `cable-topics fit` exactly."""
    from corpora.genres import detect_genres
    from topics.models import make_model
    from topics.names import person_names_from_tags
    from topics.runinfo import stage_seed
    from topics.text import authorless_counts, tokenize_corpus
    from topics.themes import fit_themes

    run_dir = _fit(store, tmp_path / "fit", seed=3)
    df = CorpusStore(store).to_pandas(min_length=RunConfig().corpus.min_length)
    df = df[[g == "subject" for g in detect_genres(df["body"], df["subject"])]]
    tokens = tokenize_corpus(df["body"].tolist(), TextOptions(),
                             name_candidates=person_names_from_tags(df["tags"]))
    dtm = build_dtm(tokens, df["ref"].tolist())
    dtm, _ = authorless_counts(dtm, df["origin"].fillna("").tolist())
    dtm = dtm.subset(np.flatnonzero(np.asarray(dtm.matrix.sum(axis=1)).ravel() > 0))
    model = make_model("nmf", n_topics=6, seed=stage_seed(3, "model")).fit(dtm)
    themes = fit_themes(model.doc_topic_, dtm=dtm, seed=stage_seed(3, "themes"))

    doc = pq.read_table(run_dir / "doc_topics.parquet", columns=["ref", "theme"]).to_pydict()
    assert doc["ref"] == list(dtm.refs)
    assert doc["theme"] == themes.labels.tolist()
    saved = json.loads((run_dir / "topics.json").read_text())
    from topics.themes import label_topics

    assert [t["top_terms"] for t in saved["topics"]] == [
        t["top_terms"] for t in label_topics(model, dtm)]


def test_model_seed_changes_only_the_model(store, tmp_path):
    a = _fit(store, tmp_path / "s0", seed=0)
    b = _fit(store, tmp_path / "s1", seed=1)
    assert (a / "dtm" / "dtm.npz").read_bytes() == (b / "dtm" / "dtm.npz").read_bytes()
    assert (a / "tokens.parquet").read_bytes() == (b / "tokens.parquet").read_bytes()
    seeds_a = json.loads((a / "manifest.json").read_text())["stage_seeds"]
    seeds_b = json.loads((b / "manifest.json").read_text())["stage_seeds"]
    assert seeds_a["model"] != seeds_b["model"]
