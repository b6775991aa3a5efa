"""The command line: ingest, info, fit, report, run, verify, sweep and their errors."""

from __future__ import annotations

import json

import pytest

from topics.cli import main
from topics.config import sample_corpus_path

SAMPLE_CABLES = sample_corpus_path() / "cables"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "store"
    assert main(["ingest", str(SAMPLE_CABLES), "--out", str(out)]) == 0
    return out


def test_ingest_prints_a_summary(store, capsys):
    assert main(["info", str(store)]) == 0
    text = capsys.readouterr().out
    assert "cables kept: 400" in text
    assert "by classification:" in text and "by post (top 20):" in text


def test_ingest_of_nothing_readable_exits_non_zero(tmp_path, capsys):
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("shopping list: eggs, milk\n")
    assert main(["ingest", str(junk), "--out", str(tmp_path / "s")]) == 1
    assert "rejected: 1" in capsys.readouterr().out


def test_missing_source_is_a_clear_error(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "nope"), "--out", str(tmp_path / "s")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_fit_then_report(store, tmp_path, capsys):
    run_dir = tmp_path / "fit"
    assert main(["fit", str(store), "--model", "nmf", "--topics", "8", "--seed", "0",
                 "--out", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "themes (nmf, K=8)" in out
    for rel in ("model/params.json", "doc_topics.parquet", "topics.json"):
        assert (run_dir / rel).exists(), rel
    assert not (run_dir / "report").exists()
    assert main(["report", str(run_dir)]) == 0
    assert (run_dir / "report" / "index.html").exists()


@pytest.mark.parametrize("topics", ["0", "5000"])
def test_fit_with_impossible_topic_counts_says_what_to_change(store, tmp_path, capsys, topics):
    assert main(["fit", str(store), "--topics", topics, "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "n_topics" in err or "topics" in err


def test_run_with_overrides_and_verify(tmp_path, capsys):
    cfg = tmp_path / "study.toml"
    cfg.write_text(f'name = "study"\n[corpus]\nsources = ["{SAMPLE_CABLES}"]\n'
                   '[model]\nn_topics = 6\n[report]\nenabled = false\n')
    out = tmp_path / "run"
    assert main(["run", str(cfg), "model.n_topics=8", "--out", str(out)]) == 0
    assert json.loads((out / "overrides.json").read_text()) == ["model.n_topics=8"]
    assert json.loads((out / "topics.json").read_text())["n_topics"] == 8
    assert main(["verify", str(out)]) == 0
    assert "identical" in capsys.readouterr().out


def test_run_with_a_typo_fails_before_any_work(tmp_path, capsys):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[model]\nn_topcs = 8\n')
    assert main(["run", str(cfg), "--out", str(tmp_path / "run")]) == 2
    assert "Did you mean 'n_topics'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
