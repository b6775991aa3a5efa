"""Writing a `corpora.store.CorpusStore`: one ingest run (`CorpusStore.ingest` calls it).

Files are listed, small ones read in worker processes a chunk at a time (`CHUNK_FILES`,
`CHUNK_BYTES`), big ones (over `BIG_FILE`) streamed in the parent `BATCH` records at a
time; records are written in row groups to a temporary Parquet file while a ``ref ->
(released, group, position)`` index picks each reference id's winner, and a second pass
copies only the winners. Every output is written under a temporary name, flushed and moved
in place with `os.replace` under the store's exclusive lock (`ingest_target`), so a killed
ingest leaves the previous store intact and the next one removes its leftovers. The Spark
backend (`topics.spark.ingest`) reuses `_Ingest` with its executors' parts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from corpora.cable import Cable, Reject
from corpora.locking import LOCK_NAME, exclusive_lock, remove_stale
from corpora.read import iter_entries, read_file, sha256_file
from corpora.read.base import open_regular
from corpora.store import (
    _TEMP_NAME,
    BATCH,
    CABLES,
    MANIFEST,
    PARSER_VERSION,
    REJECTS,
    SCHEMA,
    STORE_FORMAT,
    CorpusStore,
    cables_to_batch,
)

logger = logging.getLogger(__name__)

@contextmanager
def ingest_target(out: Path, *, append: bool, lock_wait: float
                  ) -> Iterator[tuple[CorpusStore | None, dict[str, dict]]]:
    """The store folder ``out`` made ready for one ingest and locked for its duration.

    Creates the folder, refuses a non-empty one that is not a store, takes the store's
    exclusive lock, removes temporary files a killed ingest left, and yields the store
    being appended to (None without ``append`` or a manifest) with its sources by path.
    """
    out.mkdir(parents=True, exist_ok=True)
    _check_store_folder(out)
    with exclusive_lock(out, "corpus store", wait=lock_wait):
        remove_stale(out, _TEMP_NAME)
        old = CorpusStore(out) if append and (out / MANIFEST).exists() else None
        yield old, {f["path"]: f for f in (old.manifest["sources"] if old else [])}



#: Files larger than this are read in the parent, streaming, BATCH records at a time, so a
#: worker never holds a whole multi-gigabyte CSV or JSON Lines dump in memory.
BIG_FILE = 8 << 20
#: Files (at most) and bytes (about) handed to a worker process per task.
CHUNK_FILES = 64
CHUNK_BYTES = 4 << 20


class _Part:
    """What reading some files produced: their rows as one batch, rejects, per-file counts."""

    __slots__ = ("batch", "cables", "files", "refs", "released", "rejects")

    def __init__(self) -> None:
        self.batch: pa.RecordBatch | None = None
        self.cables: list[Cable] = []  # parsed, not yet in ``batch`` (dropped before pickling)
        self.refs: list[str | None] = []
        self.released: list[datetime | None] = []
        self.rejects: list[dict[str, Any]] = []
        self.files: list[dict[str, Any]] = []  # {"path", "key", "sha256", "skip", ...}


def _check_store_folder(out: Path) -> None:
    """Refuse a non-empty folder that is not a store (its only entries may be an ingest's
    lock and temporary files, left by a killed first ingest)."""
    if (out / MANIFEST).exists() or (out / CABLES).exists():
        return
    others = [p.name for p in out.iterdir()
              if p.name != LOCK_NAME and not _TEMP_NAME.fullmatch(p.name)]
    if others:
        raise FileExistsError(
            f"{out} exists, is not empty ({len(others)} entries, e.g. {sorted(others)[0]!r}) "
            "and is not a corpus store; choose another out= directory"
        )


def _skipped_part(path: str, key: str, why: str, part: _Part | None = None) -> _Part:
    """A `_Part` for a file that is not read: one reject with the reason."""
    part = part if part is not None else _Part()
    part.rejects.append({"path": path, "locator": "file", "reason": why, "field": "path",
                         "format": None})
    part.files.append({"path": path, "key": key, "sha256": None, "skip": False,
                       "format": None, "read": 1, "rejected": 1})
    return part


def _read_one(path: str, key: str, prev_sha: str | None, fmt: str,
              sink: Callable[[_Part, list[Cable]], None] | None = None,
              part: _Part | None = None) -> _Part:
    """Hash and read one file into ``part`` (rows as a batch; ``sink`` flushes big files).

    A small file (no ``sink``: at most `BIG_FILE` bytes) is read once, its bytes hashed,
    sniffed and parsed; a big one is hashed and then streamed. A file that cannot be opened
    (gone, no permission, not a regular file) becomes one reject.
    """
    part = part if part is not None else _Part()
    data: bytes | None = None
    try:
        if sink is None:
            with open_regular(path) as fh:
                data = fh.read(BIG_FILE + 1)
            if len(data) > BIG_FILE:  # it grew since it was listed: stream it
                data = None
        sha = hashlib.sha256(data).hexdigest() if data is not None else sha256_file(path)
    except OSError as exc:
        return _skipped_part(path, key, f"not read: {path}: {exc}", part)
    info: dict[str, Any] = {"path": path, "key": key, "sha256": sha, "skip": sha == prev_sha}
    part.files.append(info)
    if info["skip"]:
        return part
    cables: list[Cable] = []
    n_read = n_rej = 0
    fmt_seen: set[str] = set()
    for record in read_file(path, fmt, sha256=sha, data=data):
        n_read += 1
        fmt_seen.add(record.source.format)
        if isinstance(record, Reject):
            n_rej += 1
            part.rejects.append(_reject_dict(record))
            continue
        cables.append(record)
        if sink is not None and len(cables) >= BATCH:
            sink(part, cables)
            cables = []
    info.update(format=",".join(sorted(f for f in fmt_seen if f)) or None, read=n_read,
                rejected=n_rej)
    if sink is not None:
        sink(part, cables)
    else:
        part.cables.extend(cables)
    return part


def _read_chunk(task: tuple[list[tuple[str, str, str | None]], str]) -> _Part:
    """Read a chunk of (small) files into one `_Part` (the worker-process entry point)."""
    files, fmt = task
    part = _Part()
    for path, key, prev_sha in files:
        _read_one(path, key, prev_sha, fmt, part=part)
    return _finish_part(part)


def _finish_part(part: _Part) -> _Part:
    """Turn a part's parsed cables into its record batch (ready to send between processes)."""
    if part.cables:
        part.refs = [c.ref for c in part.cables]
        part.released = [c.released for c in part.cables]
        part.batch = cables_to_batch(part.cables)
        part.cables = []
    return part


class _Ingest:
    """One ingest run (kept apart from `CorpusStore` so the store class only reads)."""

    def __init__(self, out: Path, old: CorpusStore | None, files_in: dict, fmt: str,
                 progress: Callable[[str, int], None] | None, n_jobs: int = 2,
                 follow_symlinks: bool = False) -> None:
        self.out = out
        self.follow_symlinks = follow_symlinks
        self.old = old
        self.files_in = files_in
        self.format = fmt
        self.progress = progress
        self.n_jobs = n_jobs
        tag = f".tmp-{os.getpid()}"
        self.tmp_new = out / f"{CABLES}{tag}-new"
        self.tmp_cables = out / f"{CABLES}{tag}"
        self.tmp_new_rejects = out / f"{REJECTS}{tag}-new"
        self.tmp_rejects = out / f"{REJECTS}{tag}"
        self.tmp_manifest = out / f"{MANIFEST}{tag}"
        # ref -> (released, group, position): group 0 = old store rows, 1 = new rows; the
        # largest key wins, so the newest release wins and ties go to the later record.
        self.best: dict[str, tuple[datetime, int, int]] = {}
        self.n_rows = [0, 0]
        self.no_ref_rows: tuple[list[int], list[int]] = ([], [])
        self.writer: pq.ParquetWriter | None = None
        self.pending: list[pa.RecordBatch] = []
        self.n_pending = 0

    def run(self, sources) -> CorpusStore:
        try:
            return self._run(sources)
        finally:
            if self.writer is not None:
                self.writer.close()
            for tmp in (self.tmp_new, self.tmp_cables, self.tmp_new_rejects, self.tmp_rejects,
                        self.tmp_manifest):
                if tmp.exists():
                    tmp.unlink()

    def _index(self, group: int, ref: str | None, released: datetime | None) -> None:
        pos = self.n_rows[group]
        self.n_rows[group] += 1
        if ref is None:
            self.no_ref_rows[group].append(pos)
            return
        key = (released if released is not None else _OLDEST, group, pos)
        prev = self.best.get(ref)
        if prev is None or key > prev:
            self.best[ref] = key

    def _write_new(self, batch: pa.RecordBatch | None, final: bool = False) -> None:
        """Buffer new rows and write them in row groups of at least BATCH rows."""
        if batch is not None and batch.num_rows:
            self.pending.append(batch)
            self.n_pending += batch.num_rows
        if self.pending and (final or self.n_pending >= BATCH):
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.tmp_new, SCHEMA)
            self.writer.write_table(pa.Table.from_batches(self.pending, schema=SCHEMA))
            self.pending, self.n_pending = [], 0

    def _tasks(self, sources, seen: set[str]) -> Iterator[tuple[str, Any]]:
        """("chunk", [(path, key, prev_sha), ...]) of small files, ("big", (...)) of big ones."""
        chunk: list[tuple[str, str, str | None]] = []
        n_bytes = 0
        for path, why in iter_entries(sources, follow_symlinks=self.follow_symlinks):
            key = os.path.abspath(path)
            if key in seen:
                continue
            seen.add(key)
            if why is not None:
                logger.warning("%s", why)
                yield "skip", (path, key, why)
                continue
            prev = self.files_in.get(key)
            prev_sha = prev["sha256"] if prev is not None and prev["format_asked"] == \
                self.format else None
            item = (path, key, prev_sha)
            try:
                size = os.path.getsize(path)
            except OSError:
                size = 0  # vanished: reading it makes the reject
            if size > BIG_FILE:
                if chunk:
                    yield "chunk", chunk
                    chunk, n_bytes = [], 0
                yield "big", item
                continue
            chunk.append(item)
            n_bytes += size
            if len(chunk) >= CHUNK_FILES or n_bytes >= CHUNK_BYTES:
                yield "chunk", chunk
                chunk, n_bytes = [], 0
        if chunk:
            yield "chunk", chunk

    def _parts(self, sources, seen: set[str]) -> Iterator[_Part]:
        """Parts in reading order; small-file chunks are parsed by the pool when there is one."""

        def sink(part: _Part, cables: list[Cable]) -> None:
            for c in cables:
                self._index(1, c.ref, c.released)
            if cables:
                self._write_new(cables_to_batch(cables))

        tasks = self._tasks(sources, seen)
        head = list(itertools.islice(tasks, 2))
        tasks = itertools.chain(head, tasks)
        if self.n_jobs <= 1 or sum(kind == "chunk" for kind, _ in head) < 2:
            # one chunk (or none): a pool would cost more to start than it saves
            for kind, item in tasks:
                if kind == "chunk":
                    yield _read_chunk((item, self.format))
                elif kind == "skip":
                    yield _skipped_part(*item)
                else:
                    yield _read_one(*item, self.format, sink=sink)
            return
        import multiprocessing as mp
        from collections import deque

        ctx = mp.get_context("forkserver")
        # the workers fork from a server that already imported the readers and the compiled
        # clean kernel (numba), instead of each importing them
        ctx.set_forkserver_preload(["corpora.ingest", "corpora._clean_scan"])
        window = 4 * self.n_jobs  # tasks in flight: bounds memory, keeps workers busy
        with ctx.Pool(self.n_jobs) as pool:
            queue: deque = deque()
            exhausted = False
            while True:
                while not exhausted and len(queue) < window:
                    nxt = next(tasks, None)
                    if nxt is None:
                        exhausted = True
                        break
                    kind, item = nxt
                    if kind == "chunk":
                        queue.append(("chunk", pool.apply_async(_read_chunk,
                                                                ((item, self.format),))))
                    else:
                        queue.append((kind, item))
                if not queue:
                    break
                kind, item = queue.popleft()
                if kind == "chunk":
                    yield item.get()
                elif kind == "skip":
                    yield _skipped_part(*item)
                else:
                    yield _read_one(*item, self.format, sink=sink)

    def _run(self, sources) -> CorpusStore:
        seen: set[str] = set()
        replaced: set[str] = set()
        new_files: list[dict[str, Any]] = []
        n_total = 0
        with open(self.tmp_new_rejects, "w", encoding="utf-8") as rej_new:
            for part in self._parts(sources, seen):
                for ref, rel in zip(part.refs, part.released, strict=True):
                    self._index(1, ref, rel)
                self._write_new(part.batch)
                for rej in part.rejects:
                    rej_new.write(json.dumps(rej, ensure_ascii=False) + "\n")
                for info in part.files:
                    key = info["key"]
                    if info["skip"]:
                        logger.info("%s: unchanged since last ingest, not read again",
                                    info["path"])
                        if self.progress is not None:
                            self.progress(info["path"], n_total)
                        continue
                    if key in self.files_in:
                        replaced.add(key)
                    new_files.append({
                        "path": key,
                        "sha256": info["sha256"],
                        "format": info["format"],
                        "format_asked": self.format,
                        "read": info["read"],
                        "rejected": info["rejected"],
                    })
                    n_total += info["read"]
                    if self.progress is not None:
                        self.progress(info["path"], n_total)
            self._write_new(None, final=True)
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        files = [v for k, v in self.files_in.items() if k not in replaced] + new_files
        # Old rows come first (so later, new records win ties), minus replaced files.
        with open(self.tmp_rejects, "w", encoding="utf-8") as rej_out:
            if self.old is not None:
                for batch in self._old_batches(replaced):
                    for ref, rel in zip(batch.column("ref").to_pylist(),
                                        batch.column("released").to_pylist(), strict=True):
                        self._index(0, ref, rel)
                for rej in self.old.rejects():
                    if os.path.abspath(rej["path"]) not in replaced:
                        rej_out.write(json.dumps(rej, ensure_ascii=False) + "\n")
            with open(self.tmp_new_rejects, encoding="utf-8") as fh:
                for line in fh:
                    rej_out.write(line)
        n_new = self.n_rows[1]
        if self.old is None and n_new and len(self.best) + len(self.no_ref_rows[1]) == n_new:
            # every new row is kept (no duplicate, no old store): the file is already final
            os.replace(self.tmp_new, self.tmp_cables)
            kept = n_new
        else:
            kept = self._second_pass(replaced)
        counts = {
            "read": sum(f["read"] for f in files),
            "rejected": sum(f["rejected"] for f in files),
            "kept": kept,
        }
        counts["duplicate"] = counts["read"] - counts["rejected"] - kept
        now = datetime.now(UTC).isoformat(timespec="seconds")
        manifest = {
            "store_format": STORE_FORMAT,
            "parser_version": PARSER_VERSION,
            "created": self.old.manifest.get("created", now) if self.old else now,
            "updated": now,
            "counts": counts,
            "sources": sorted(files, key=lambda f: f["path"]),
        }
        with open(self.tmp_manifest, "w", encoding="utf-8") as fh:
            fh.write(_manifest_json(manifest))
        # On disk before any rename (a power cut must not leave a renamed, empty file), then
        # cables and rejects first, the manifest last: a store is valid once it is there.
        for tmp in (self.tmp_cables, self.tmp_rejects, self.tmp_manifest):
            _fsync(tmp)
        os.replace(self.tmp_cables, self.out / CABLES)
        os.replace(self.tmp_rejects, self.out / REJECTS)
        os.replace(self.tmp_manifest, self.out / MANIFEST)
        _fsync(self.out)
        logger.info(
            "ingest %s: read %d, rejected %d, kept %d, duplicates %d",
            self.out, counts["read"], counts["rejected"], kept, counts["duplicate"],
        )
        return CorpusStore(self.out)

    def _old_batches(self, replaced: set[str]) -> Iterator[pa.RecordBatch]:
        """The old store's rows, minus those of replaced files, in stored order."""
        for batch in self.old.iter_batches(batch_size=BATCH):
            if replaced:
                paths = [os.path.abspath(s["path"]) for s in
                         batch.column("source").to_pylist()]
                batch = batch.filter(pa.array([p not in replaced for p in paths]))
            yield batch

    def _second_pass(self, replaced: set[str]) -> int:
        """Copy the winning row of each ref (and every ref-less row) to the final file."""
        keep = [np.zeros(n, dtype=bool) for n in self.n_rows]
        for _, group, pos in self.best.values():
            keep[group][pos] = True
        for group, rows in enumerate(self.no_ref_rows):
            if rows:
                keep[group][np.asarray(rows, dtype=np.int64)] = True
        self.best.clear()
        writer = pq.ParquetWriter(self.tmp_cables, SCHEMA)
        kept = 0
        sources: list[Iterable[pa.RecordBatch]] = [
            self._old_batches(replaced) if self.old is not None else (),
            pq.ParquetFile(self.tmp_new, pre_buffer=False).iter_batches(batch_size=BATCH)
            if self.tmp_new.exists() else (),
        ]
        for group, batches in enumerate(sources):
            offset = 0
            for batch in batches:
                mask = keep[group][offset: offset + batch.num_rows]
                offset += batch.num_rows
                if mask.any():
                    out = batch.filter(pa.array(mask))
                    writer.write_batch(out)
                    kept += out.num_rows
        writer.close()
        return kept


_OLDEST = datetime.min.replace(tzinfo=UTC)


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _manifest_json(manifest: dict[str, Any]) -> str:
    """``manifest`` as indented JSON with one line a source: ``json.dumps(indent=...)`` runs
    the pure-Python encoder, seconds for 250,000 sources; one-line items use the C one."""
    head = {k: v for k, v in manifest.items() if k != "sources"}
    text = json.dumps(head, indent=2, ensure_ascii=False)
    sources = ",\n    ".join(json.dumps(s, ensure_ascii=False) for s in manifest["sources"])
    body = f"[\n    {sources}\n  ]" if sources else "[]"
    return text[:-2] + f',\n  "sources": {body}\n}}\n'


def _reject_dict(record: Reject) -> dict[str, Any]:
    return {
        "path": record.source.path,
        "locator": record.source.locator,
        "reason": record.reason,
        "field": record.field,
        "format": record.source.format,
    }
