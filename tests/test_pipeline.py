"""The whole road on the bundled sample: caching, manifest, reproducibility, verify."""

from __future__ import annotations

import json

import pytest

from topics.config import RunConfig
from topics.pipeline import PipelineError, run, verify

FAST = {"model": {"n_topics": 8},
        "evaluation": {"coherence": True}}


def _cfg(**sections) -> RunConfig:
    data = {"name": "t", "seed": 0, "corpus": {"sources": ["@sample"]}, **FAST}
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    cfg = RunConfig.from_dict(data, base_dir=None)
    return cfg._resolve_paths(__import__("pathlib").Path("."))


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "a"
    run(_cfg(), out)
    return out


def test_run_directory_is_complete(sample_run):
    for rel in ("config.toml", "overrides.json", "manifest.json", "run.log", "model/params.json",
                "dtm/dtm.npz", "doc_topics.parquet", "topics.json", "evaluation.json",
                "report/index.html", "report/report.md", "report/themes.csv"):
        assert (sample_run / rel).exists(), rel
    manifest = json.loads((sample_run / "manifest.json").read_text())
    assert manifest["inputs"] and all(len(s["sha256"]) == 64 for s in manifest["inputs"])
    assert set(manifest["stage_seeds"]) >= {"tokenize", "model", "themes"}
    assert manifest["versions"]["tomotopy"] and manifest["versions"]["gensim"]
    for stage in ("ingest", "tokenize", "vectorize", "model", "themes", "evaluate", "report"):
        rec = manifest["stages"][stage]
        assert rec["cached"] is False and rec["seconds"] >= 0 and "counts" in rec
    assert manifest["workers"]["results_depend_on_workers"] is False


def test_changed_report_option_reuses_the_model(sample_run, tmp_path):
    before = (sample_run / "topics.json").read_bytes()
    run(_cfg(report={"title": "Another title"}), sample_run)
    manifest = json.loads((sample_run / "manifest.json").read_text())
    stages = manifest["stages"]
    for stage in ("ingest", "tokenize", "vectorize", "model", "themes", "evaluate"):
        assert stages[stage]["cached"] is True, stage
    assert stages["report"]["cached"] is False
    assert "Another title" in (sample_run / "report" / "index.html").read_text()
    assert (sample_run / "topics.json").read_bytes() == before


def test_changed_text_option_redoes_text_and_after(sample_run):
    run(_cfg(text={"phrases": False}), sample_run)
    stages = json.loads((sample_run / "manifest.json").read_text())["stages"]
    assert stages["ingest"]["cached"] is True
    for stage in ("tokenize", "vectorize", "model", "themes", "evaluate", "report"):
        assert stages[stage]["cached"] is False, stage


@pytest.mark.parametrize("engine", ["lda-gibbs", "nmf"])
def test_same_config_twice_gives_identical_bytes(tmp_path, engine):
    cfg = _cfg(model={"engine": engine, "params": {"iterations": 100} if engine == "lda-gibbs"
                      else {}})
    a, b = run(cfg, tmp_path / "a"), run(cfg, tmp_path / "b")
    for rel in ("topics.json", "doc_topics.parquet", "report/themes.csv", "report/topics.csv",
                "report/doc_topics.csv"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_verify_reports_identical_then_the_first_differing_stage(sample_run, tmp_path):
    result = verify(sample_run)
    assert result["identical"], result
    topics = json.loads((sample_run / "topics.json").read_text())
    topics["topics"][0]["top_terms"][0] = "tampered"
    (sample_run / "topics.json").write_text(json.dumps(topics))
    result = verify(sample_run)
    assert not result["identical"] and result["first_difference"] == "themes"


def test_every_cable_too_short_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="min_length"):
        run(_cfg(corpus={"min_length": 10_000_000}), tmp_path / "r")


def test_more_topics_than_cables_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="topics"):
        run(_cfg(model={"n_topics": 5000}), tmp_path / "r")


def test_worker_count_does_not_change_results(tmp_path):
    """Tokenizing on one or two processes gives the same themes (the default engine is
    deterministic); engines whose results depend on workers say so in the manifest."""
    a = run(_cfg(text={"n_jobs": 1}), tmp_path / "one")
    b = run(_cfg(text={"n_jobs": 2}), tmp_path / "two")
    for rel in ("tokens.parquet", "topics.json", "doc_topics.parquet"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    c = run(_cfg(model={"engine": "lda-multicore", "params": {"workers": 2}},
                 report={"enabled": False}, evaluation={"coherence": False}), tmp_path / "mc")
    workers = json.loads((c / "manifest.json").read_text())["workers"]
    assert workers == {"tokenize_n_jobs": 2, "model_workers": 2,
                       "results_depend_on_workers": True}


def test_vocabulary_pruned_to_nothing_says_what_to_change(tmp_path):
    with pytest.raises(PipelineError, match="min_df"):
        run(_cfg(vocabulary={"min_df": 100000.0}), tmp_path / "r")


def test_empty_store_is_a_clear_error(tmp_path):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("not a cable at all\n")
    cfg = RunConfig.from_dict({"corpus": {"sources": [str(junk)]}})
    with pytest.raises(PipelineError, match="holds no cables.*rejected"):
        run(cfg, tmp_path / "r")
