"""CLI manners: --version, help and defaults on every option, examples, refusing to
overwrite another run, a closed pipe, dates checked before any work, quiet libraries."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from topics.cli import build_parser, main
from topics.config import ConfigError, RunConfig, sample_corpus_path

SAMPLE_CABLES = sample_corpus_path() / "cables"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_version_help_defaults_and_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("cable-topics ")
    parser = build_parser()
    assert "examples:" in parser.format_help()
    for name, sub in _subparsers(parser).items():
        text = sub.format_help()
        assert "example:" in text, name
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.dest}: no help text"
    fit = _subparsers(parser)["fit"].format_help()
    assert "(default: 20)" in fit and "(default: nmf)" in fit and "(default: 0)" in fit
    assert "(default: None)" not in fit and "(default: False)" not in fit


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("manners") / "store"
    assert main(["ingest", str(SAMPLE_CABLES), "--out", str(out)]) == 0
    return out


def test_fit_refuses_to_overwrite_another_run(store, tmp_path, capsys):
    run_dir = tmp_path / "k3"
    args = ["fit", str(store), "--topics", "3", "--out", str(run_dir)]
    assert main(args) == 0
    assert main(args) == 0  # the same command again: its cache
    capsys.readouterr()
    assert main(["fit", str(store), "--topics", "4", "--out", str(run_dir)]) == 2
    assert "already holds a run with other settings; pass --force" in capsys.readouterr().err
    assert main(["fit", str(store), "--topics", "4", "--out", str(run_dir), "--force"]) == 0


def test_closed_pipe_is_not_an_error(store):
    # `cable-topics info STORE | head -1`: the reader is gone before the output is written
    proc = subprocess.Popen([sys.executable, "-m", "topics.cli", "info", str(store)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    with proc.stderr:
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "Broken pipe" not in err and "error" not in err


def test_dates_checked_before_any_work():
    with pytest.raises(ConfigError, match=r"corpus.date_from must be a date written "
                                          r"YYYY-MM-DD .*got '2009/01/01'"):
        RunConfig.from_dict({"corpus": {"sources": ["@sample"], "date_from": "2009/01/01"}})
    with pytest.raises(ConfigError, match="date_to"):
        RunConfig.from_dict({"corpus": {"sources": ["@sample"], "date_to": "2009-02-30"}})
    assert RunConfig.from_dict({"corpus": {"sources": ["@sample"],
                                           "date_from": "2009-01-01"}}).corpus.date_from


@pytest.mark.parametrize("flags, shown", [(["-v"], False), (["-vv"], True)])
def test_library_info_logs_only_with_vv(tmp_path, flags, shown):
    """gensim's INFO lines (its JSON lifecycle events) reach the terminal only with -vv;
    this tool's own INFO lines with -v."""
    code = ("import logging, sys\n"
            "from topics.cli import main\n"
            "import topics.cli as cli\n"
            "def noisy(args):\n"
            "    logging.getLogger('gensim.models.ldamodel').info('lifecycle event {}')\n"
            "    logging.getLogger('topics.pipeline').info('stage model: running')\n"
            "    return 0\n"
            "cli.cmd_info = noisy\n"
            f"sys.exit(main({flags!r} + ['info', {str(tmp_path)!r}]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "stage model: running" in done.stderr
    assert ("lifecycle event" in done.stderr) is shown
