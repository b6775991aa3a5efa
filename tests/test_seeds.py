"""[themes.seeds]: guided themes through the config road (config checks, the pipeline)."""

from __future__ import annotations

import json

import pytest

from topics.config import ConfigError, RunConfig

SEEDS = {"nonproliferation": ["iaea", "enrichment", "uranium"], "narcotics": ["cocaine"]}


def test_seeds_config_validates_and_round_trips(tmp_path):
    cfg = RunConfig.from_dict({"model": {"engine": "lda-gibbs", "n_topics": 5},
                               "themes": {"seeds": SEEDS}})
    assert cfg.themes.seeds == SEEDS
    path = tmp_path / "c.toml"
    path.write_text(cfg.to_toml())
    assert RunConfig.load(path).themes.seeds == SEEDS
    with pytest.raises(ConfigError, match="needs a model engine that takes seed words"):
        RunConfig.from_dict({"themes": {"seeds": SEEDS}})  # the default engine is nmf
    with pytest.raises(ConfigError, match="the word 'iaea' seeds both"):
        RunConfig.from_dict({"model": {"engine": "lda-gibbs"},
                             "themes": {"seeds": {"a": ["iaea"], "b": ["iaea"]}}})
    with pytest.raises(ConfigError, match="non-empty list of words"):
        RunConfig.from_dict({"model": {"engine": "lda-gibbs"}, "themes": {"seeds": {"a": []}}})
    with pytest.raises(ConfigError, match="raise n_topics"):
        RunConfig.from_dict({"model": {"engine": "lda-gibbs", "n_topics": 2},
                             "themes": {"seeds": {"a": ["x"], "b": ["y"], "c": ["z"]}}})


def test_seeded_run_keeps_named_themes(tmp_path):
    """The config road on 160 generated cables (ingested once, in-process: fast)."""
    from corpora.store import CorpusStore
    from corpora.synthetic import generate_corpus
    from topics.pipeline import run

    gen = generate_corpus(tmp_path / "gen", 160, seed=2) / "cables"
    CorpusStore.ingest([gen], out=tmp_path / "store", n_jobs=1)
    data = {"corpus": {"store": str(tmp_path / "store")},
            "text": {"n_jobs": 1, "phrases": False},
            "model": {"engine": "lda-gibbs", "n_topics": 8, "params": {"iterations": 60}},
            "themes": {"seeds": SEEDS},
            "evaluation": {"coherence": False}, "report": {"enabled": False}}
    out = run(RunConfig.from_dict(data), tmp_path / "run", until="themes")
    topics = json.loads((out / "topics.json").read_text())
    named = {t["name"]: t for t in topics["themes"] if "name" in t}
    assert set(named) == set(SEEDS)
    by_name = {t["name"]: t for t in topics["topics"] if "name" in t}
    assert [t["id"] for t in topics["topics"] if "name" in t] == [0, 1]
    assert {"iaea", "enrichment", "uranium"} <= set(by_name["nonproliferation"]["top_terms"][:5])
    assert "cocaine" in by_name["narcotics"]["top_terms"][:10]
    assert named["nonproliferation"]["size"] > 10
    assert named["nonproliferation"]["label"].startswith("nonproliferation: ")
    params = json.loads((out / "model" / "params.json").read_text())
    assert params["params"]["seed_words"] == SEEDS
    # other seeds -> the model stage runs again (its key holds the seeds)
    key = json.loads((out / ".stages" / "model.json").read_text())["key"]
    data["themes"]["seeds"] = {"nonproliferation": ["iaea"]}
    run(RunConfig.from_dict(data), out, until="model")
    assert json.loads((out / ".stages" / "model.json").read_text())["key"] != key
