"""The straight road from raw cable files to a report, driven by one `RunConfig`.

Stages run in order: ``ingest -> tokenize -> vectorize -> model -> themes -> evaluate ->
report``. Each stage's output is cached in the run directory under the hash of its own
parameters and its upstream stage's key, so changing a report option re-renders the report
only, and changing a text option re-does text and everything after it. ``force=True``
re-runs every stage.

Example
-------
>>> from topics.pipeline import run
>>> from topics.config import RunConfig
>>> run(RunConfig.load("study.toml"), "runs/study")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from topics.config import ConfigError, RunConfig
from topics.runinfo import (
    atomic_write_json,
    atomic_write_text,
    code_version,
    git_commit,
    library_versions,
    stage_seed,
)

__all__ = ["STAGES", "PipelineError", "Run", "run", "verify"]

logger = logging.getLogger(__name__)

STAGES = ("ingest", "tokenize", "vectorize", "model", "themes", "evaluate", "report")

#: Which config sections each stage's output depends on (besides its upstream stage).
_STAGE_SECTIONS = {
    "ingest": ("corpus",),
    "tokenize": ("corpus", "text"),
    "vectorize": ("vocabulary", "text"),
    "model": ("model", "seed"),
    "themes": ("themes", "seed"),
    "evaluate": ("evaluation", "seed"),
    "report": ("report",),
}

#: Files and folders each stage writes (relative to the run directory).
STAGE_OUTPUTS = {
    "ingest": ("store",),
    "tokenize": ("tokens.parquet",),
    "vectorize": ("dtm",),
    "model": ("model",),
    "themes": ("doc_topics.parquet", "topics.json"),
    "evaluate": ("evaluation.json",),
    "report": ("report",),
}


class PipelineError(RuntimeError):
    """A stage could not run; the message says which and why."""


class Run:
    """A run directory and the state shared by the stages of one `run` call."""

    def __init__(self, config: RunConfig, run_dir: Path, overrides: list[str] | None = None):
        self.config = config
        self.dir = Path(run_dir)
        self.overrides = list(overrides or [])
        self.stage_dir = self.dir / ".stages"
        self.keys: dict[str, str] = {}
        self.records: dict[str, dict] = {}

    # -- paths -------------------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        """The configured store (read, or appended to with ``sources``), else ``RUN/store``."""
        return Path(self.config.corpus.store) if self.config.corpus.store else self.dir / "store"

    def stage_key(self, stage: str, upstream: str | None, extra: str = "") -> str:
        sections = _STAGE_SECTIONS[stage]
        payload = json.dumps(
            {
                "stage": stage,
                "upstream": upstream,
                "params": self.config.section_hash(*sections),
                "extra": extra,
                "code": code_version(),
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def cached(self, stage: str, key: str) -> bool:
        marker = self.stage_dir / f"{stage}.json"
        if not marker.exists():
            return False
        try:
            prior = json.loads(marker.read_text())
        except (OSError, json.JSONDecodeError):
            return False
        outputs = STAGE_OUTPUTS[stage]
        if stage == "ingest" and self.config.corpus.store:
            outputs = ()
        return prior.get("key") == key and all((self.dir / o).exists() for o in outputs)

    def mark(self, stage: str, key: str, record: dict) -> None:
        atomic_write_json(self.stage_dir / f"{stage}.json", {"key": key, **record})


def _source_fingerprint(paths: list[str]) -> str:
    """A cheap fingerprint of the inputs (path, size, mtime); the store records sha256s."""
    h = hashlib.sha256()
    for src in sorted(paths):
        p = Path(src)
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            st = f.stat()
            h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def run(
    config: RunConfig,
    run_dir: str | Path,
    *,
    overrides: list[str] | None = None,
    force: bool = False,
    progress: bool = False,
    until: str | None = None,
) -> Path:
    """Run every stage of ``config`` into ``run_dir`` and return the run directory.

    Parameters
    ----------
    config : RunConfig
        The validated config; inputs are checked before any work starts.
    run_dir : path
        The run directory (created). Stages already done with the same key are skipped.
    overrides : list of str, optional
        The ``key=value`` overrides as given on the command line (recorded).
    force : bool
        Re-run every stage even when cached.
    progress : bool
        Show progress bars (the CLI turns them on).
    until : str, optional
        Stop after this stage.

    Raises
    ------
    ConfigError
        A bad config or a missing input, before any work starts.
    PipelineError
        A stage failed; the message names the stage.
    """
    config.check_inputs()
    if until is not None and until not in STAGES:
        raise ConfigError(f"until must be one of {', '.join(STAGES)}; got {until!r}.")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    state = Run(config, run_dir, overrides)
    log_handler = _attach_log(run_dir / "run.log")
    try:
        atomic_write_text(run_dir / "config.toml", config.to_toml())
        atomic_write_json(run_dir / "overrides.json", state.overrides)
        from topics import stages  # late import: stages pull in the heavy libraries

        upstream: str | None = None
        for stage in STAGES:
            func: Callable = getattr(stages, f"stage_{stage}")
            extra = ""
            if stage == "ingest":
                extra = _source_fingerprint(config.corpus.sources) if config.corpus.sources \
                    else str(Path(config.corpus.store).resolve())
            if stage == "report" and not config.report.enabled:
                state.records[stage] = {"skipped": "report.enabled = false"}
                continue
            key = state.stage_key(stage, upstream, extra)
            state.keys[stage] = key
            if not force and state.cached(stage, key):
                prior = json.loads((state.stage_dir / f"{stage}.json").read_text())
                prior.pop("key", None)
                state.records[stage] = {**prior, "cached": True}
                logger.info("stage %s: cached (key %s), skipped", stage, key)
            else:
                logger.info("stage %s: running (key %s)", stage, key)
                for out in STAGE_OUTPUTS[stage]:
                    if stage == "ingest" and config.corpus.store:
                        break
                    target = run_dir / out
                    if target.is_dir():
                        shutil.rmtree(target)
                    elif target.exists():
                        target.unlink()
                t0 = time.perf_counter()
                try:
                    counts = func(state, seed=stage_seed(config.seed, stage),
                                  progress=progress) or {}
                except (ConfigError, PipelineError):
                    raise
                except ValueError as exc:
                    raise PipelineError(f"stage {stage} failed: {exc}") from exc
                record = {
                    "seconds": round(time.perf_counter() - t0, 3),
                    "counts": counts,
                    "seed": stage_seed(config.seed, stage),
                    "finished": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                state.mark(stage, key, record)
                state.records[stage] = {**record, "cached": False}
                logger.info("stage %s: done in %.2f s %s", stage, record["seconds"], counts)
            upstream = key
            # The manifest is rewritten after every stage: a later stage (the report) reads
            # it, and an interrupted run still records what it did.
            _write_manifest(state)
            if stage == until:
                break
    finally:
        logging.getLogger().removeHandler(log_handler)
        log_handler.close()
    return run_dir


def _attach_log(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler


def _write_manifest(state: Run) -> None:
    cfg = state.config
    inputs: list[dict] = []
    store_manifest = state.store_path / "manifest.json"
    if store_manifest.exists():
        sm = json.loads(store_manifest.read_text())
        inputs = sm.get("sources", [])
    manifest = {
        "name": cfg.name,
        "config_hash": cfg.config_hash(),
        "config": asdict(cfg),
        "overrides": state.overrides,
        "store": str(state.store_path.resolve()),
        "inputs": inputs,
        "code_version": code_version(),
        "git_commit": git_commit(),
        "versions": library_versions(),
        "seed": cfg.seed,
        "stage_seeds": {s: stage_seed(cfg.seed, s) for s in STAGES},
        "stages": state.records,
        "stage_keys": state.keys,
        "workers": {
            "tokenize_n_jobs": cfg.text.n_jobs,
            "model_workers": cfg.model.params.get("workers", 1),
            "results_depend_on_workers": cfg.model.engine == "lda-multicore",
        },
        "engine": cfg.model.engine,
        "n_topics": cfg.model.n_topics,
    }
    atomic_write_json(state.dir / "manifest.json", manifest)


# --- verify -------------------------------------------------------------------------

#: What each stage's comparable outputs are, in stage order, for `verify`.
_VERIFY_FILES = (
    ("tokenize", ("tokens.parquet",)),
    ("vectorize", ("dtm/dtm.npz", "dtm/dtm.json")),
    ("model", ("model/topic_term.npy", "model/doc_topic.npy")),
    ("themes", ("topics.json", "doc_topics.parquet")),
    ("evaluate", ("evaluation.json",)),
    ("report", ("report/themes.csv", "report/topics.csv", "report/doc_topics.csv")),
)


def verify(run_dir: str | Path, *, work_dir: str | Path | None = None) -> dict:
    """Re-run a finished run from its own config and compare the results.

    Returns ``{"identical": bool, "first_difference": stage or None, "differences": [...]}``.
    """
    import tempfile

    run_dir = Path(run_dir)
    cfg_path = run_dir / "config.toml"
    if not cfg_path.exists():
        raise ConfigError(f"{run_dir} is not a run directory (no config.toml).")
    cfg = RunConfig.load(cfg_path)
    tmp_ctx = tempfile.TemporaryDirectory(prefix="cable-topics-verify-") if work_dir is None \
        else None
    redo = Path(work_dir) if work_dir is not None else Path(tmp_ctx.name) / "rerun"
    try:
        run(cfg, redo, force=True)
        differences = []
        for stage, files in _VERIFY_FILES:
            for rel in files:
                a, b = run_dir / rel, redo / rel
                if not a.exists() and not b.exists():
                    continue
                if not a.exists() or not b.exists() or a.read_bytes() != b.read_bytes():
                    differences.append({"stage": stage, "file": rel})
        first = differences[0]["stage"] if differences else None
        return {"identical": not differences, "first_difference": first,
                "differences": differences}
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()

