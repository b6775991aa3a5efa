"""The straight road from raw cable files to a report, driven by one `RunConfig`.

Stages run in order: ``ingest -> tokenize -> vectorize -> model -> themes -> evaluate ->
report``. Each stage's output is cached in the run directory under the hash of its own
parameters and its upstream stage's key, so changing a report option re-renders the report
only, and changing a text option re-does text and everything after it. ``force=True``
re-runs every stage.

A stage is trusted only once it finished: its marker (``.stages/NAME.json``) is deleted
before it runs and written after its outputs are complete and on disk, with the sha256 of
every output file; a cached stage is served only when its files still have those hashes
(a killed stage, a half-written report or an edited file makes it run again). The next
stage's key includes those hashes, so a stage re-run with other results re-runs what
depends on it. One run at a time writes a run directory (`corpora.locking`); holding the
lock, a run first removes temporary files a killed run left.

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
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from corpora.locking import exclusive_lock, remove_stale
from topics.config import ConfigError, RunConfig
from topics.runinfo import (
    atomic_write_json,
    atomic_write_text,
    code_version,
    git_commit,
    library_versions,
    release_memory,
    stage_seed,
)

__all__ = ["STAGES", "PipelineError", "Run", "compare_runs", "run", "verify"]

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
    # phrases.json and genres.json may be absent
    "tokenize": ("tokens.parquet", "token_vocab.parquet", "phrases.json", "genres.json"),
    "vectorize": ("dtm",),
    "model": ("model", "covariates.parquet"),  # covariates: dmr and dtm only
    "themes": ("doc_topics.parquet", "topics.json"),
    "evaluate": ("evaluation.json",),
    "report": ("report",),
}


#: Store files a cached ingest stage must still have (the rest are locks and temp files).
_STORE_FILES = ("cables.parquet", "rejects.jsonl", "manifest.json")
#: Temporary names of `topics.runinfo.atomic_write` (``.NAME.XXXXXXXX.tmp``) and of model
#: saves (``.model.tmp-PID`` / ``.model.old-PID``): leftovers of a killed run.
_RUN_TEMP = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp|\..+\.(tmp|old)-\d+")


class PipelineError(RuntimeError):
    """A stage could not run; the message says which and why."""


def output_hashes(paths: list[Path], base: Path, *, sync: bool = False) -> dict[str, str]:
    """sha256 of every file under ``paths`` (files or folders), keyed by path relative to
    ``base`` (absolute when outside it); with ``sync`` each is flushed to disk (``fsync``).

    Hidden names (locks, temporary files) are left out.
    """
    out: dict[str, str] = {}
    for top in paths:
        if top.is_dir():
            files = sorted(f for f in top.rglob("*") if f.is_file() and not any(
                part.startswith(".") or ".tmp-" in part for part in f.relative_to(top).parts))
        elif top.is_file():
            files = [top]
        else:
            files = []
        for f in files:
            try:
                rel = str(f.relative_to(base))
            except ValueError:
                rel = str(f.resolve())
            h = hashlib.sha256()
            with open(f, "rb") as fh:
                while block := fh.read(1 << 20):
                    h.update(block)
                if sync:
                    os.fsync(fh.fileno())
            out[rel] = h.hexdigest()
    return out


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

    def outputs(self, stage: str) -> list[Path]:
        """The files and folders a stage writes (the store's three files for ingest)."""
        if stage == "ingest":
            return [self.store_path / name for name in _STORE_FILES]
        return [self.dir / o for o in STAGE_OUTPUTS[stage]]

    def cached(self, stage: str, key: str) -> dict | None:
        """The stage's marker when it finished with ``key`` and its outputs are unchanged.

        The outputs' hashes are checked, not only their presence: a stage killed half-way
        (no marker), or whose files changed since (a later run killed mid-stage, an edit),
        is not served from the cache.
        """
        marker = self.stage_dir / f"{stage}.json"
        if not marker.exists():
            return None
        try:
            prior = json.loads(marker.read_text())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            return None
        if not isinstance(prior, dict) or prior.get("key") != key:
            return None
        recorded = prior.get("outputs")
        if not isinstance(recorded, dict) or not recorded:
            return None
        if output_hashes(self.outputs(stage), self.dir) != recorded:
            logger.warning("stage %s: outputs changed since it finished; running it again",
                           stage)
            return None
        return prior

    def unmark(self, stage: str) -> None:
        """Forget a stage before it runs: a run killed half-way through it is not cached."""
        (self.stage_dir / f"{stage}.json").unlink(missing_ok=True)

    def mark(self, stage: str, key: str, record: dict) -> dict[str, str]:
        """Record a finished stage with the hashes of its outputs (flushed to disk first)."""
        hashes = output_hashes(self.outputs(stage), self.dir, sync=True)
        atomic_write_json(self.stage_dir / f"{stage}.json",
                          {"key": key, **record, "outputs": hashes})
        return hashes


def _content_key(key: str, hashes: dict[str, str]) -> str:
    """A stage's key for the next stage: its own key and the hashes of what it wrote."""
    payload = json.dumps({"key": key, "outputs": hashes}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


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
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"the run directory {run_dir} is a file; choose another --out.")
    with exclusive_lock(run_dir, "run directory"):
        remove_stale(run_dir, _RUN_TEMP, recursive=True)
        return _run_locked(config, run_dir, overrides, force=force, progress=progress,
                           until=until)


def _run_locked(config: RunConfig, run_dir: Path, overrides: list[str] | None, *,
                force: bool, progress: bool, until: str | None) -> Path:
    state = Run(config, run_dir, overrides)
    log_handler = _attach_log(run_dir / "run.log")
    try:
        atomic_write_text(run_dir / "config.toml", config.to_toml())
        atomic_write_json(run_dir / "overrides.json", state.overrides)
        if config.backend.engine == "spark":  # docs/spark.md; pyspark imported only here
            from topics.spark import stages
        else:
            from topics import stages  # late import: stages pull in the heavy libraries

        upstream: str | None = None
        for stage in STAGES:
            func: Callable = getattr(stages, f"stage_{stage}")
            extra = ""
            if stage == "ingest":
                extra = _source_fingerprint(config.corpus.sources) if config.corpus.sources \
                    else str(Path(config.corpus.store).resolve())
            if stage == "model" and config.themes.seeds:  # seed words shape the model
                extra = json.dumps(config.themes.seeds, sort_keys=True)
            if stage == "model" and config.backend.engine == "spark":
                # a model fitted on a sample differs from one fitted on every cable
                extra += f" spark sample={config.backend.sample}"
            if stage == "report" and not config.report.enabled:
                state.records[stage] = {"skipped": "report.enabled = false"}
                continue
            key = state.stage_key(stage, upstream, extra)
            state.keys[stage] = key
            prior = None if force else state.cached(stage, key)
            if prior is not None:
                hashes = prior.pop("outputs")
                prior.pop("key", None)
                state.records[stage] = {**prior, "cached": True}
                logger.info("stage %s: cached (key %s), skipped", stage, key)
            else:
                logger.info("stage %s: running (key %s)", stage, key)
                state.unmark(stage)
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
                hashes = state.mark(stage, key, record)
                state.records[stage] = {**record, "cached": False}
                logger.info("stage %s: done in %.2f s %s", stage, record["seconds"], counts)
                release_memory()  # a stage's freed peak is not carried into the next
            upstream = _content_key(key, hashes)
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

#: What each stage's comparable outputs are, in stage order, for `verify` (a folder stands
#: for every file under it).
_VERIFY_FILES = (
    ("tokenize", ("tokens.parquet", "token_vocab.parquet")),
    ("vectorize", ("dtm/dtm.npz", "dtm/dtm.json")),
    ("model", ("model/topic_term.npy", "model/doc_topic.npy")),
    ("themes", ("topics.json", "doc_topics.parquet")),
    ("evaluate", ("evaluation.json",)),
    ("report", ("report",)),
)
#: What may differ between the reports of two identical runs: when each was generated and
#: how long each stage took (the report's stage table; HTML and Markdown rows).
_VOLATILE = (
    (re.compile(rb"generated \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC"), b"generated <time>"),
    # the stage table: seconds and whether the stage was cached (a resumed run caches some)
    (re.compile(rb'(<td>[a-z_]+</td><td class="num">)[0-9.,]+(</td><td>)(?:yes|no)(</td>)'),
     rb"\1<s>\2<c>\3"),
    (re.compile(rb'(<th>total</th><th class="num">)[0-9.,]+'), rb"\1<s>"),
    (re.compile(rb"(?m)^(\| [a-z_]+ \| )[0-9.,]+( \| )(?:yes|no)( \|)"), rb"\1<s>\2<c>\3"),
    (re.compile(rb"(?m)^(\| total \| )[0-9.,]+"), rb"\1<s>"),
    # the code commit the run was made with
    (re.compile(rb"\b[0-9a-f]{40}(-dirty)?\b"), b"<commit>"),
)


def _comparable(path: Path, masks: dict[bytes, bytes]) -> bytes:
    """A file's bytes; in HTML/Markdown the generation time, stage timings, the run's own
    path and code commit (``masks``) are blanked out: they differ between identical runs."""
    data = path.read_bytes()
    if path.suffix in (".html", ".md", ".htm"):
        for old, new in masks.items():
            data = data.replace(old, new)
        for pattern, repl in _VOLATILE:
            data = pattern.sub(repl, data)
    return data


def _masks(*run_dirs: Path) -> dict[bytes, bytes]:
    """Run-specific strings of ``run_dirs`` (their paths, the commit in their manifests)."""
    masks: dict[bytes, bytes] = {}
    for d in run_dirs:
        for form in {str(d), str(d.resolve())}:
            masks[form.encode()] = b"<run>"
        try:
            commit = json.loads((d / "manifest.json").read_text()).get("git_commit")
        except (OSError, ValueError):
            commit = None
        if commit:
            masks[str(commit).encode()] = b"<commit>"
    return dict(sorted(masks.items(), key=lambda kv: -len(kv[0])))


def _verify_files(run_dir: Path, redo: Path, rel: str) -> list[str]:
    """The files to compare for ``rel``: itself, or every file under it in either run."""
    if (run_dir / rel).is_dir() or (redo / rel).is_dir():
        found = set()
        for top in (run_dir, redo):
            if (top / rel).is_dir():
                found.update(str(f.relative_to(top)) for f in (top / rel).rglob("*")
                             if f.is_file() and not f.name.startswith("."))
        return sorted(found)
    return [rel]


def compare_runs(run_a: str | Path, run_b: str | Path) -> list[dict]:
    """The results that differ between two run directories, in stage order.

    Compares what `verify` compares (tokens, matrix, model arrays, themes, evaluation and
    every report file, with the report's generation time, stage timings, run paths and code
    commit masked). Returns ``[{"stage", "file"}, ...]``, empty when identical.
    """
    run_a, run_b = Path(run_a), Path(run_b)
    differences = []
    masks = _masks(run_a, run_b)
    for stage, entries in _VERIFY_FILES:
        for rel in (f for entry in entries for f in _verify_files(run_a, run_b, entry)):
            a, b = run_a / rel, run_b / rel
            if not a.exists() and not b.exists():
                continue
            if not a.exists() or not b.exists() or _comparable(a, masks) != _comparable(b, masks):
                differences.append({"stage": stage, "file": rel})
    return differences


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
    # the rerun has the run's own folder name (reports show it); only the path differs
    redo = Path(work_dir) if work_dir is not None else Path(tmp_ctx.name) / run_dir.name
    try:
        run(cfg, redo, force=True)
        differences = compare_runs(run_dir, redo)
        first = differences[0]["stage"] if differences else None
        return {"identical": not differences, "first_difference": first,
                "differences": differences}
    finally:
        if tmp_ctx is not None:
            tmp_ctx.cleanup()

