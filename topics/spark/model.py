"""A model fitted on a driver sample, every cable's topic shares inferred on executors.

The engine is the run's own (``[model] engine``, default ``nmf``): it is fitted on a seeded
sample of ``[backend] sample`` cables on the driver, saved as usual (no pickle), shipped to
the executors as its saved files (a broadcast) and loaded there once per partition; each
executor then runs the engine's ``transform`` on its block of rows of the document-term
matrix. The model's ``doc_topic_`` becomes the inferred shares of every cable, so themes,
evaluation and the report read the run directory as after a single-machine fit.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import scipy.sparse as sp

__all__ = ["distributed_transform", "fit_on_sample", "sample_rows"]

logger = logging.getLogger(__name__)


def sample_rows(n_docs: int, size: int, seed: int) -> np.ndarray:
    """Sorted row indices of a seeded uniform sample without replacement (all rows when
    ``size`` is 0 or at least ``n_docs``)."""
    if size <= 0 or size >= n_docs:
        return np.arange(n_docs)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x5A11]))
    return np.sort(rng.choice(n_docs, size=size, replace=False))


def _model_files(model) -> dict[str, bytes]:
    """A model's saved files (``save``), by path relative to its folder."""
    with tempfile.TemporaryDirectory(prefix="cable-topics-model-") as tmp:
        folder = Path(tmp) / "model"
        model.save(folder)
        return {str(p.relative_to(folder)): p.read_bytes()
                for p in sorted(folder.rglob("*")) if p.is_file()}


def distributed_transform(spark, model, dtm, *, partitions: int = 0) -> np.ndarray:
    """Topic shares of every row of ``dtm`` by ``model.transform``, run on the executors.

    Parameters
    ----------
    spark : pyspark.sql.SparkSession
    model : TopicModel
        Fitted; its saved files are broadcast and loaded by `topics.models.load_model`.
    dtm : DocTermMatrix
        Rows to infer (the model's vocabulary).
    partitions : int
        Blocks of rows (0: twice Spark's default parallelism).

    Returns
    -------
    numpy.ndarray, shape (n_docs, n_topics)
    """
    sc = spark.sparkContext
    n = dtm.n_docs
    n_parts = max(1, min(n, partitions or 2 * sc.defaultParallelism))
    bounds = np.linspace(0, n, n_parts + 1).astype(np.int64)
    m = dtm.matrix.tocsr()
    blocks = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if hi > lo:
            b = m[lo:hi]
            blocks.append((int(lo), b.data, b.indices, b.indptr, b.shape,
                           list(dtm.refs[lo:hi])))
    files = sc.broadcast(_model_files(model))
    voc = dtm.vocabulary  # sent as plain data: Vocabulary is immutable (no pickling)
    vocab = sc.broadcast((list(voc.terms), np.asarray(voc.df), int(voc.n_docs)))
    weighting = dtm.weighting

    def infer(part: Iterator[tuple]) -> Iterator[tuple[int, np.ndarray]]:
        from topics.models import load_model
        from topics.vectorize import DocTermMatrix, Vocabulary

        blocks_here = list(part)
        if not blocks_here:
            return
        with tempfile.TemporaryDirectory(prefix="cable-topics-model-") as tmp:
            for rel, data in files.value.items():
                path = Path(tmp) / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            local = load_model(tmp)
        vocabulary = Vocabulary(*vocab.value)
        for lo, data, indices, indptr, shape, refs in blocks_here:
            block = DocTermMatrix(sp.csr_matrix((data, indices, indptr), shape=shape), refs,
                                  vocabulary, weighting)
            yield lo, np.asarray(local.transform(block), dtype=np.float64)

    out = sorted(sc.parallelize(blocks, len(blocks)).mapPartitions(infer).collect(),
                 key=lambda x: x[0])
    files.unpersist()
    vocab.unpersist()
    return np.vstack([arr for _, arr in out])


def fit_on_sample(spark, model, dtm, *, sample: int, seed: int, partitions: int = 0) -> dict:
    """Fit ``model`` on a seeded sample of ``dtm``'s rows, then infer every row's shares
    on the executors (``model.doc_topic_`` and ``refs_`` become those of ``dtm``).

    With ``sample`` 0 or at least the number of rows, the model is fitted on every row
    on the driver, exactly as on the single-machine road. Returns counts for the manifest.
    """
    rows = sample_rows(dtm.n_docs, sample, seed)
    if rows.size == dtm.n_docs:
        model.fit(dtm)
        return {"fitted_on": int(dtm.n_docs), "inferred_on_executors": 0}
    model.fit(dtm.subset(rows))
    logger.info("model fitted on a sample of %d of %d cables; inferring the rest on Spark",
                rows.size, dtm.n_docs)
    doc_topic = distributed_transform(spark, model, dtm, partitions=partitions)
    model.doc_topic_ = doc_topic  # rows sum to 1 (transform's contract)
    model.refs_ = tuple(dtm.refs)
    return {"fitted_on": int(rows.size), "inferred_on_executors": int(dtm.n_docs)}
