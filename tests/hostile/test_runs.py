"""Items 7-9: a killed stage is never served from the cache; one writer at a time; temp
files of dead processes are cleaned."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from corpora.store import CorpusStore
from tests.hostile.conftest import N_SAMPLE, ROOT, SAMPLE, sample_refs
from topics.config import RunConfig
from topics.pipeline import run, verify


def small_config(**sections) -> RunConfig:
    data = {"name": "hostile", "seed": 0, "corpus": {"sources": ["@sample"]},
            "model": {"n_topics": 6}, "evaluation": {"coherence": False}}
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value}
    return RunConfig.from_dict(data, base_dir=None)._resolve_paths(Path("."))


@pytest.fixture(scope="module")
def done_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("hostile-run") / "r"
    run(small_config(), out)
    return out


def _stages(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())["stages"]


def test_item7_a_stage_killed_half_way_is_not_cached(done_run, monkeypatch):
    """kill -9 during the report, rerun -> "stage report: cached" with 2 figures and no
    index.html."""
    from topics import stages
    from topics.report import render_report

    def killed_report(state, *, seed, progress):
        fig = state.dir / "report" / "figures"
        fig.mkdir(parents=True, exist_ok=True)
        (fig / "half.png").write_bytes(b"\x89PNG half")
        raise KeyboardInterrupt  # stands for the SIGKILL (tested for real in the fault test)

    monkeypatch.setattr(stages, "stage_report", killed_report)
    with pytest.raises(KeyboardInterrupt):  # another title: the report stage runs, is killed
        run(small_config(report={"title": "Another title"}), done_run)
    monkeypatch.undo()
    assert render_report  # the real stage again
    run(small_config(), done_run)
    assert _stages(done_run)["report"]["cached"] is False
    assert (done_run / "report" / "index.html").is_file()
    assert not (done_run / "report" / "figures" / "half.png").exists()


def test_item7_changed_outputs_are_not_served(done_run):
    """run K=8, kill a K=12 run mid-report, rerun K=8 -> a "cached" report with K=12
    figures: the cache now checks what it serves against the hashes recorded."""
    (done_run / "report" / "figures" / "theme_11.png").write_bytes(b"from another run")
    (done_run / "report" / "index.html").unlink()
    run(small_config(), done_run)
    stages = _stages(done_run)
    assert stages["model"]["cached"] is True and stages["report"]["cached"] is False
    assert (done_run / "report" / "index.html").is_file()
    assert not (done_run / "report" / "figures" / "theme_11.png").exists()


def test_item7_every_file_a_stage_writes_is_checked(done_run):
    """The tokenize stage writes genres.json and phrases.json beside tokens.parquet: an
    edited genres.json (read by the report's groups) is not served from the cache."""
    genres = done_run / "genres.json"
    good = genres.read_bytes()
    genres.write_text('{"by_ref": {}}')
    run(small_config(), done_run)
    stages = _stages(done_run)
    assert stages["tokenize"]["cached"] is False and genres.read_bytes() == good
    # the same tokens again: what depends on them is still served from the cache
    assert stages["model"]["cached"] is True and stages["report"]["cached"] is True


def test_item7_forced_ingest_killed_is_redone(done_run, monkeypatch):
    """`run --force` killed during ingest -> every stage "cached", exit 0, and store/ holding
    only temp files."""
    def killed_ingest(*args, **kwargs):
        store = done_run / "store"
        store.mkdir(exist_ok=True)
        (store / "cables.parquet.tmp-999999-new").write_bytes(b"PAR1 half")
        raise KeyboardInterrupt

    monkeypatch.setattr(CorpusStore, "ingest", killed_ingest)
    with pytest.raises(KeyboardInterrupt):
        run(small_config(), done_run, force=True)
    monkeypatch.undo()
    run(small_config(), done_run)
    assert _stages(done_run)["ingest"]["cached"] is False
    assert len(CorpusStore(done_run / "store")) == N_SAMPLE
    assert not list((done_run / "store").glob("*.tmp-*"))


def test_item7_model_save_is_atomic(tmp_path, monkeypatch):
    from topics.models import load_model, make_model
    from topics.vectorize import build_dtm

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    docs = [list(rng.choice(words, 20)) for _ in range(40)]
    dtm = build_dtm(docs, [f"r{i}" for i in range(40)], min_df=1, max_df=1.0)
    first = make_model("nmf", n_topics=3, seed=0).fit(dtm)
    first.save(tmp_path / "m")
    second = make_model("nmf", n_topics=4, seed=0).fit(dtm)
    real_save = np.save
    calls = []

    def dying_save(path, arr, **kw):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_save(path, arr, **kw)

    monkeypatch.setattr(np, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        second.save(tmp_path / "m")
    monkeypatch.undo()
    loaded = load_model(tmp_path / "m")
    assert loaded.n_topics_ == 3
    np.testing.assert_array_equal(loaded.topic_term_, first.topic_term_)


def _ingest_cmd(sources: list[Path], out: Path) -> list[str]:
    return [sys.executable, "-c", "import sys; from topics.cli import main; sys.exit(main())",
            "ingest", *map(str, sources), "--out", str(out)]


def test_item8_two_ingests_into_one_store_lose_nothing(tmp_path):
    """Two ingests into the same --out at once both exited 0 and lost 5,634 of 12,001
    cables ("duplicates: -235"). Now the second fails with a clear message (and is then
    re-run) or waits; either way every cable is stored."""
    years = sorted(p for p in SAMPLE.iterdir() if p.is_dir())
    halves = [years[: len(years) // 2], years[len(years) // 2:]]
    out = tmp_path / "store"
    procs = [subprocess.Popen(_ingest_cmd(h, out), cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for h in halves]
    results = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    for (_, err, rc), half in zip(results, halves, strict=True):
        if rc != 0:
            assert rc == 2 and "being written by another process" in err, err[-2000:]
            assert len(err.strip().splitlines()) == 1
            again = subprocess.run(_ingest_cmd(half, out), cwd=ROOT, capture_output=True,
                                   text=True, timeout=300, check=False)
            assert again.returncode == 0, again.stderr[-2000:]
    store = CorpusStore(out)
    assert set(store.to_pandas(columns=["ref"])["ref"]) == sample_refs()
    counts = store.manifest["counts"]
    assert counts["kept"] == N_SAMPLE and counts["duplicate"] == 0


def test_item8_a_locked_store_or_run_directory_is_refused_clearly(tmp_path):
    from corpora.locking import FolderLocked, exclusive_lock

    with exclusive_lock(tmp_path / "store", "corpus store"):
        with pytest.raises(FolderLocked, match=r"being written by another process \(pid"):
            CorpusStore.ingest([SAMPLE / "2003"], tmp_path / "store")
    t0 = time.monotonic()
    with exclusive_lock(tmp_path / "run", "run directory"):
        with pytest.raises(FolderLocked, match="run directory"):
            run(small_config(), tmp_path / "run")
    assert time.monotonic() - t0 < 10


def test_item9_temp_files_of_a_killed_ingest_are_cleaned(tmp_path):
    """A killed first ingest left *.tmp-PID-new files and the next ingest failed with
    FileExistsError until they were deleted by hand."""
    out = tmp_path / "store"
    out.mkdir()
    for name in ("cables.parquet.tmp-999999-new", "rejects.jsonl.tmp-999999-new",
                 "cables.parquet.tmp-999999"):
        (out / name).write_bytes(b"left by a killed ingest")
    store = CorpusStore.ingest([SAMPLE / "2003"], out)
    assert len(store) > 0
    assert not list(out.glob("*.tmp-*"))
    # and a non-store folder is still refused
    other = tmp_path / "papers"
    other.mkdir()
    (other / "thesis.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a corpus store"):
        CorpusStore.ingest([SAMPLE / "2003"], other)


def test_item9_temp_files_in_a_run_directory_are_cleaned(done_run):
    stale = [done_run / ".topics.json.k3j_x9ab.tmp", done_run / "report" / ".index.html.abcdefgh.tmp",
             done_run / ".model.tmp-999999"]
    for path in stale[:2]:
        path.write_text("half")
    stale[2].mkdir()
    run(small_config(), done_run)
    assert not any(p.exists() for p in stale)


def test_item13_verify_sees_edits_to_the_report(done_run):
    """`verify` missed edits to index.html, report.md, the report's exports and effects.csv."""
    out = done_run  # the last test of this module: it edits the finished run
    report = out / "report"
    (report / "index.html").write_text((report / "index.html").read_text().replace(
        "</body>", "<p>edited</p></body>"))
    (report / "report.md").write_text((report / "report.md").read_text() + "\nedited\n")
    (report / "effects.csv").write_text((report / "effects.csv").read_text() + "x,1\n")
    (report / "themes.parquet").write_bytes((report / "themes.parquet").read_bytes()[:-40])
    result = verify(out)
    changed = {d["file"] for d in result["differences"]}
    edited = {"report/index.html", "report/report.md", "report/effects.csv",
              "report/themes.parquet"}
    assert not result["identical"] and result["first_difference"] == "report"
    assert changed == edited, changed ^ edited
