"""Ingest on Spark: files parsed on the executors, the same `CorpusStore` out.

The driver lists the files and cuts them into the same tasks as a single-machine ingest
(`corpora.store`: chunks of at most 64 small files or 4 MiB, a big file alone). Each task
runs on an executor: it reads and parses its files with the project's readers
(`corpora.ingest._read_chunk`, i.e. `corpora.read.read_file`, the header parser and the
cleaner) and writes its cables, in the store's `corpora.store.SCHEMA`, as one Parquet part
under the store folder; only the small things come back to the driver (per-file counts,
rejects, each cable's ``ref`` and ``released``). The driver then walks the parts in reading
order through the single-machine ingest's own bookkeeping (de-duplication by ``ref``,
rejects, manifest, atomic replace; `corpora.ingest._Ingest`), so the store holds the same
records in the same order as ``CorpusStore.ingest`` of the same files, whatever the number
of executors.

The parts folder (``STORE/.spark-parts-PID``) must be on storage every executor and the
driver see at the same path (one machine, or a shared file system on a cluster;
docs/spark.md); it is removed when the store is written.

Example
-------
>>> from topics.spark import spark_session
>>> from topics.spark.ingest import spark_ingest
>>> store = spark_ingest(spark_session("local[2]"), ["cables/"], "store")  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from corpora.ingest import (
    _Ingest,
    _Part,
    _read_chunk,
    _read_one,
    _skipped_part,
    ingest_target,
)
from corpora.read import check_format
from corpora.store import SCHEMA, CorpusStore
from topics.spark.session import require_pyspark

__all__ = ["spark_ingest"]

logger = logging.getLogger(__name__)


def spark_ingest(
    spark,
    sources: str | os.PathLike | Iterable[str | os.PathLike],
    out: str | os.PathLike,
    format: str = "auto",
    *,
    append: bool = True,
    columns: str | dict[str, str] | None = None,
    follow_symlinks: bool = False,
    progress: Callable[[str, int], None] | None = None,
    lock_wait: float = 0.0,
) -> CorpusStore:
    """`corpora.store.CorpusStore.ingest` with the files parsed on Spark executors.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
    sources, out, format, append, columns, follow_symlinks, progress, lock_wait
        As for `CorpusStore.ingest` (same store, same manifest, same rejects).

    Returns
    -------
    CorpusStore

    Raises
    ------
    ValueError
        On an unknown ``format``.
    FileExistsError
        When ``out`` is a file, or a non-empty folder that is not a store.
    """
    require_pyspark()
    format = check_format(format, columns, "spark_ingest")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file, not a folder; choose another out= directory")
    with ingest_target(out, append=append, lock_wait=lock_wait) as (old, files_in):
        job = _SparkIngest(out, old, files_in, format, progress, 1, follow_symlinks)
        job.spark = spark
        return job.run(sources)


class _SparkIngest(_Ingest):
    """The single-machine ingest with its parsing (`_parts`) done by Spark tasks."""

    spark: Any = None

    def _parts(self, sources, seen: set[str]) -> Iterator[_Part]:
        tasks = list(self._tasks(sources, seen))
        jobs = [(i, kind, item) for i, (kind, item) in enumerate(tasks) if kind != "skip"]
        part_dir = self.out / f".spark-parts-{os.getpid()}"
        if part_dir.exists():
            shutil.rmtree(part_dir)
        part_dir.mkdir()
        try:
            results: dict[int, dict] = {}
            if jobs:
                fmt, where = self.format, str(part_dir.resolve())
                sc = self.spark.sparkContext
                logger.info("spark ingest: %d tasks over %d files", len(jobs),
                            sum(len(item) if kind == "chunk" else 1 for _, kind, item in jobs))
                rdd = sc.parallelize(jobs, numSlices=len(jobs))
                results = dict(rdd.map(lambda job: _run_task(job, fmt, where)).collect())
            for i, (kind, item) in enumerate(tasks):
                if kind == "skip":
                    yield _skipped_part(*item)
                    continue
                yield _part_from(results[i])
        finally:
            shutil.rmtree(part_dir, ignore_errors=True)


def _part_from(result: dict) -> _Part:
    """A `_Part` from an executor's result: its Parquet part read back as one batch."""
    part = _Part()
    part.files, part.rejects = result["files"], result["rejects"]
    part.refs, part.released = result["refs"], result["released"]
    if result["path"] is not None:
        table = pq.read_table(result["path"], schema=SCHEMA).combine_chunks()
        batches = table.to_batches()
        part.batch = batches[0] if len(batches) == 1 else \
            pa.Table.from_batches(batches, schema=SCHEMA).combine_chunks().to_batches()[0]
        if part.batch.num_rows != len(part.refs):  # pragma: no cover - a lost write
            raise RuntimeError(f"spark ingest: part {result['path']} holds "
                               f"{part.batch.num_rows} rows, its task parsed {len(part.refs)}")
    return part


def _run_task(job: tuple[int, str, Any], fmt: str, part_dir: str) -> tuple[int, dict]:
    """Executor side: parse one task's files and write their cables as a Parquet part.

    Returns ``(task index, {"path", "files", "rejects", "refs", "released"})``; ``path``
    is None when the task kept no cable.
    """
    index, kind, item = job
    path = os.path.join(part_dir, f"part-{index:07d}.parquet")
    tmp = f"{path}.tmp-{os.getpid()}"
    if kind == "chunk":
        part = _read_chunk((item, fmt))
        batches = [part.batch] if part.batch is not None else []
    else:  # a big file, streamed: written in batches as it is parsed
        from corpora.store import cables_to_batch

        batches = []
        refs: list = []
        released: list = []

        def sink(_part: _Part, cables: list) -> None:
            refs.extend(c.ref for c in cables)
            released.extend(c.released for c in cables)
            if cables:
                batches.append(cables_to_batch(cables))

        part = _read_one(*item, fmt, sink=sink)
        part.refs, part.released = refs, released
    written = None
    if batches:
        with pq.ParquetWriter(tmp, SCHEMA) as writer:
            for batch in batches:
                writer.write_batch(batch)
        os.replace(tmp, path)
        written = path
    return index, {"path": written, "files": part.files, "rejects": part.rejects,
                   "refs": list(part.refs), "released": list(part.released)}
