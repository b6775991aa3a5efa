"""Starting (or reusing) the SparkSession of a run."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Mapping
from typing import Any

from topics.config import ConfigError

__all__ = ["SparkUnavailable", "require_pyspark", "spark_session", "stop_session"]

logger = logging.getLogger(__name__)


class SparkUnavailable(ConfigError):
    """pyspark or Java is missing; the message says what to install (a `ConfigError`:
    the CLI prints it without a traceback)."""


def require_pyspark():
    """The ``pyspark`` module, or `SparkUnavailable` naming the extra and Java."""
    try:
        import pyspark
    except ImportError as exc:
        raise SparkUnavailable(
            "the Spark backend needs pyspark: pip install 'cable-topics[spark]' "
            "(pyspark 4.x) and Java 17 (Debian: apt-get install openjdk-17-jre-headless)"
        ) from exc
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkUnavailable(
            "the Spark backend needs Java 17: no 'java' on PATH and JAVA_HOME unset "
            "(Debian: apt-get install openjdk-17-jre-headless)"
        )
    return pyspark


def spark_session(master: str = "local[*]", *, app_name: str = "cable-topics",
                  conf: Mapping[str, Any] | None = None):
    """The active SparkSession, or a new one on ``master``.

    Executors run the Python that runs this process (``PYSPARK_PYTHON`` unless already
    set), so they import the same ``corpora``/``topics``; on a real cluster that Python
    must exist with the package on every node (docs/spark.md). Session time is UTC (the
    store's timestamps are UTC instants).

    Parameters
    ----------
    master : str
        Spark master URL; ignored when a session is already active (tests share one) or
        when this process was started by ``spark-submit`` (its ``--master`` applies).
    app_name : str
    conf : mapping, optional
        More Spark settings (``[backend] conf``).
    """
    require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # under spark-submit its --master rules
        builder = builder.master(master)
    builder = (builder.appName(app_name)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    for key, value in (conf or {}).items():
        builder = builder.config(str(key), str(value).lower() if isinstance(value, bool)
                                 else str(value))
    spark = builder.getOrCreate()
    logger.info("Spark session on %s (Spark %s, default parallelism %d)", spark.sparkContext.master,
                spark.version, spark.sparkContext.defaultParallelism)
    return spark


def stop_session() -> None:
    """Stop the active SparkSession, if any (the JVM stays for a later session)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return
    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
