"""CSV and Parquet exports of the report tables, written atomically.

CSV cells are neutralised against formula injection (OWASP's rule): a text cell starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` so a
spreadsheet shows it as text instead of running it (cable subjects and origins come from
the cables, and ``=HYPERLINK(...)`` or ``=cmd|' /C calc'!A0`` would otherwise be live).
Parquet files keep the true values.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from corpora.csvsafe import neutralize_cell, neutralize_frame
from topics.runinfo import atomic_write_bytes

__all__ = [
    "atomic_write", "csv_bytes", "export_sources", "export_tables", "neutralize_cell",
    "neutralize_frame", "themes_frame", "topics_frame",
]

logger = logging.getLogger(__name__)


def atomic_write(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    A reader never sees a half-written file; an interrupted write leaves the old one.

    Parameters
    ----------
    path : str or Path
    data : bytes

    Returns
    -------
    Path
    """
    return atomic_write_bytes(path, data)


def _join(values: list) -> str:
    return "; ".join(str(v) for v in values)


def themes_frame(themes: list[dict]) -> pd.DataFrame:
    """The themes table (one row per theme, lists joined with ``"; "``)."""
    return pd.DataFrame(
        [
            {
                "id": t["id"],
                "label": t["label"],
                "size": t["size"],
                "share": t["share"],
                "top_terms": _join(t["top_terms"]),
                "top_phrases": _join(t["top_phrases"]),
                "tags": _join(f"{g['tag']} ({g['name']})" if g["name"] else g["tag"]
                              for g in t["tags"]),
                "coherence": t["coherence"],
                "topics": _join(t["topics"]),
            }
            for t in themes
        ],
        columns=["id", "label", "size", "share", "top_terms", "top_phrases", "tags",
                 "coherence", "topics"],
    )


def topics_frame(topics: list[dict]) -> pd.DataFrame:
    """The topics table (one row per topic, model ids)."""
    return pd.DataFrame(
        [
            {
                "id": t["id"],
                "label": t["label"],
                "share": t["share"],
                "coherence": t["coherence"],
                "theme": t["theme"],
                "top_terms": _join(t["top_terms"]),
            }
            for t in topics
        ],
        columns=["id", "label", "share", "coherence", "theme", "top_terms"],
    ).astype({"theme": "Int64"})


def export_sources(out_dir: str | Path, sources: list[dict]) -> Path:
    """Write ``sources.csv``: one row per source file (path, format, size_bytes, sha256).

    Parameters
    ----------
    out_dir : str or Path
        The report directory.
    sources : list of dict
        ``{"path", "sha256", "format", "size"}`` (``size`` may be None).

    Returns
    -------
    Path
    """
    table = pa.table({
        "path": pa.array([str(s["path"]) for s in sources], type=pa.string()),
        "format": pa.array([str(s.get("format") or "") for s in sources], type=pa.string()),
        "size_bytes": pa.array([s.get("size") for s in sources], type=pa.int64()),
        "sha256": pa.array([str(s["sha256"]) for s in sources], type=pa.string()),
    })
    return atomic_write(Path(out_dir) / "sources.csv", _csv_bytes(table))


def csv_bytes(table: pa.Table) -> bytes:
    """``table`` as CSV bytes, every text cell passed through `neutralize_cell`."""
    cols = []
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            col = pa.array([neutralize_cell(v) for v in col.to_pylist()], type=col.type)
        cols.append(col)
    sink = io.BytesIO()
    pacsv.write_csv(pa.table(cols, names=table.column_names), sink)
    return sink.getvalue()


_csv_bytes = csv_bytes


def _parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def export_tables(
    out_dir: str | Path,
    doc_topics_path: str | Path,
    themes: pd.DataFrame,
    topics: pd.DataFrame,
    effects: pd.DataFrame,
) -> list[Path]:
    """Write ``doc_topics``, ``themes``, ``topics`` and ``effects`` as CSV and Parquet.

    ``doc_topics.parquet`` is copied byte for byte; its CSV joins TAGS with ``;`` and writes
    dates as ISO 8601 (UTC).

    Parameters
    ----------
    out_dir : str or Path
        The report directory.
    doc_topics_path : str or Path
        The run's ``doc_topics.parquet``.
    themes, topics, effects : pandas.DataFrame

    Returns
    -------
    list of Path
        The files written.
    """
    out_dir = Path(out_dir)
    written = [atomic_write(out_dir / "doc_topics.parquet", Path(doc_topics_path).read_bytes())]
    table = pq.read_table(doc_topics_path)
    cols = {}
    for name in table.column_names:
        col = table.column(name)
        if pa.types.is_list(col.type) or pa.types.is_large_list(col.type):
            cols[name] = pa.array([";".join(v) if v else "" for v in col.to_pylist()],
                                  type=pa.string())
        elif pa.types.is_timestamp(col.type):
            cols[name] = pa.array(
                [None if v is None else v.isoformat() for v in col.to_pylist()], type=pa.string()
            )
        else:
            cols[name] = col
    written.append(atomic_write(out_dir / "doc_topics.csv", _csv_bytes(pa.table(cols))))
    for name, frame in (("themes", themes), ("topics", topics), ("effects", effects)):
        t = pa.Table.from_pandas(frame, preserve_index=False)
        written.append(atomic_write(out_dir / f"{name}.csv", _csv_bytes(t)))
        written.append(atomic_write(out_dir / f"{name}.parquet", _parquet_bytes(t)))
    logger.info("exported %d tables to %s", len(written), out_dir)
    return written
