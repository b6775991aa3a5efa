"""Apache Spark as an optional backend (``[backend] engine = "spark"``; docs/spark.md).

The same run config and run-directory layout as the single-machine road; what runs on the
executors is the project's own code (the readers of `corpora.read`, `topics.text`'s
tokenizer and phrases, `topics.vectorize`'s pruning rule, the engines' ``transform``):

- `topics.spark.ingest`: files parsed on the executors into Parquet parts, merged by the
  driver into the same `corpora.store.CorpusStore` a single-machine ingest writes;
- `topics.spark.text`: genres, person names, tokens, phrases and document frequencies
  counted on the executors;
- `topics.spark.model`: a model fitted on a seeded sample on the driver, every cable's
  topic shares inferred on the executors;
- `topics.spark.stages`: the stages `topics.pipeline.run` calls with this backend.

pyspark is imported only here, never by ``import topics``: install the extra with
``pip install 'cable-topics[spark]'`` (and Java 17).
"""

from __future__ import annotations

__all__ = ["SparkUnavailable", "require_pyspark", "spark_session", "stop_session"]

from topics.spark.session import SparkUnavailable, require_pyspark, spark_session, stop_session
