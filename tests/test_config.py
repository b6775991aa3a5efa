"""RunConfig: validation names the key, the value and what is expected, before any work."""

from __future__ import annotations

import pytest

from topics.config import (
    ConfigError,
    RunConfig,
    config_reference,
    parse_override,
    sample_corpus_path,
)
from topics.pipeline import run


def test_defaults_round_trip_through_toml(tmp_path):
    cfg = RunConfig.from_dict({"model": {"n_topics": 12, "params": {"iterations": 50}}})
    path = tmp_path / "c.toml"
    path.write_text(cfg.to_toml())
    again = RunConfig.load(path)
    assert again == cfg
    assert again.config_hash() == cfg.config_hash()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"modle": {}}, "Did you mean 'model'"),
        ({"model": {"n_topcs": 3}}, "Did you mean 'n_topics'"),
        ({"model": {"n_topics": -4}}, "model.n_topics must be >= 2; got -4"),
        ({"model": {"n_topics": "ten"}}, "model.n_topics must be an integer; got 'ten'"),
        ({"model": {"engine": "ldaa"}}, "model.engine must be one of"),
        ({"text": {"phrases": "yes"}}, "text.phrases must be true or false"),
        ({"vocabulary": {"max_df": 1.5}}, "vocabulary.max_df must be <= 1.0"),
        ({"corpus": {"sources": "a.csv"}}, "corpus.sources must be a list of strings"),
        ({"seed": -1}, "seed must be >= 0"),
    ],
)
def test_bad_config_names_the_problem(data, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        RunConfig.from_dict(data)


def test_overrides_parse_as_toml(tmp_path):
    assert parse_override("model.n_topics=30") == ("model.n_topics", 30)
    assert parse_override("model.engine=nmf") == ("model.engine", "nmf")
    assert parse_override('corpus.tags=["PREL"]') == ("corpus.tags", ["PREL"])
    path = tmp_path / "c.toml"
    path.write_text('[model]\nn_topics = 5\n')
    cfg = RunConfig.load(path, ["model.n_topics=7", "text.phrases=false"])
    assert cfg.model.n_topics == 7 and cfg.text.phrases is False
    with pytest.raises(ConfigError, match="must look like"):
        parse_override("model.n_topics")


def test_missing_source_fails_before_any_work(tmp_path):
    cfg = RunConfig.from_dict({"corpus": {"sources": [str(tmp_path / "nope.csv")]}})
    with pytest.raises(ConfigError, match="does not exist"):
        run(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_no_source_at_all_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="needs 'sources'"):
        run(RunConfig(), tmp_path / "run")


def test_relative_sources_resolve_against_config_folder(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "c.toml"
    path.write_text('[corpus]\nsources = ["data", "@sample"]\n')
    cfg = RunConfig.load(path)
    assert cfg.corpus.sources == [str((tmp_path / "data").resolve()), str(sample_corpus_path() / "cables")]


def test_config_reference_documents_every_key():
    ref = config_reference()
    cfg = RunConfig().to_dict()
    for section, values in cfg.items():
        if isinstance(values, dict):
            for key in values:
                assert f"`{section}.{key}`" in ref


def test_docs_config_md_is_current():
    from pathlib import Path

    doc = Path(__file__).resolve().parents[1] / "docs" / "config.md"
    assert doc.read_text() == config_reference(), "run: python -m topics.config > docs/config.md"
