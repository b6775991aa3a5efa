"""Your own corpus as a table: CSV, TSV, JSON Lines or Parquet (or a pandas DataFrame) with
a column mapping, for documents that are not in one of the cable formats.

A mapping names, for each record field, the column that holds it::

    {"ref": "doc_id", "body": "text", "date": "sent"}         # Python
    --columns ref=doc_id,body=text,date=sent                  # cable-topics ingest

Fields (`FIELDS`): ``body`` (required: the text), ``ref``, ``date``, ``released``,
``origin``, ``classification``, ``subject``, ``tags``, ``header``. Without a mapping, the
columns named like the fields are used (and ``text`` for ``body``). The text goes through
the cable parser as the other readers' does (the container's values win over what the
text's own header says), so cable text keeps its header fields and plain documents their
prose; a row without a ref gets a synthetic ``NOREF-`` ref (`corpora.read.base.synthetic_ref`).

Every bad row is a `Reject` naming the file, the row and the field (a date that cannot be
read, an empty text, a value too large); a mapped column missing from the file is one
reject for the file that lists the columns it has; a CSV cut inside a quoted field loses
its last row to a ``truncated CSV`` reject. Reading streams: one row at a time for CSV and
JSON Lines, one batch of rows for Parquet.

The table format is never detected from a file's bytes: ask for it (``format="table"`` or
``columns=...`` in `corpora.read.read_cables` and `corpora.store.CorpusStore.ingest`,
``--format table`` or ``--columns`` on the command line). Through the store the mapping
travels as the format string ``table:{json}`` (`format_spec`), so the manifest records it
and a changed mapping re-reads the files.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from corpora.cable import Reject, Source
from corpora.limits import MAX_RECORD_BYTES
from corpora.read.base import (
    open_regular,
    parse_timestamp,
    parse_with_header,
    read_line,
    reject,
    synthetic_ref,
    to_utc,
)

__all__ = [
    "FIELDS", "NAME", "format_spec", "is_table_format", "parse_columns", "read",
    "read_frame", "read_stream", "spec_columns",
]

logger = logging.getLogger(__name__)

NAME = "table"
#: Record fields a column may be mapped to.
FIELDS = ("ref", "body", "date", "released", "origin", "classification", "subject", "tags",
          "header")
_DEFAULT_ALIASES = {"body": ("body", "text")}
_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%d.%m.%Y", "%m/%d/%Y",
                 "%Y-%m")
_TAG_SPLIT = re.compile(r"[;,|\s]+")
_SUFFIX_KIND = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


# --- the mapping ---------------------------------------------------------------------------

def parse_columns(spec: str | Mapping[str, str] | None) -> dict[str, str] | None:
    """A column mapping from ``"ref=doc_id,body=text"`` or a dict (field -> column).

    Raises
    ------
    ValueError
        On an unknown field, a field given twice, an empty column name or no ``body``.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        pairs = []
        for item in (p for p in spec.split(",") if p.strip()):
            field, eq, column = item.partition("=")
            if not eq:
                raise ValueError(f"columns: {item.strip()!r} is not FIELD=COLUMN; expected e.g. "
                                 "'ref=doc_id,body=text,date=sent'")
            pairs.append((field.strip(), column.strip()))
    elif isinstance(spec, Mapping):
        pairs = [(str(k), str(v)) for k, v in spec.items()]
    else:
        raise TypeError(f"columns must be a dict or a 'field=column,...' string. "
                        f"Got {type(spec).__name__} instead.")
    out: dict[str, str] = {}
    for field, column in pairs:
        if field not in FIELDS:
            raise ValueError(f"columns: unknown field {field!r}; the fields are "
                             f"{', '.join(FIELDS)}")
        if field in out:
            raise ValueError(f"columns: field {field!r} is mapped twice")
        if not column:
            raise ValueError(f"columns: field {field!r} has an empty column name")
        out[field] = column
    if "body" not in out:
        raise ValueError("columns: no column for 'body' (the text); e.g. body=text")
    return out


def format_spec(columns: str | Mapping[str, str] | None) -> str:
    """The format string carrying a mapping through the store: ``table:{json}``
    (``table`` alone for the default mapping)."""
    cols = parse_columns(columns)
    return NAME if cols is None else f"{NAME}:{json.dumps(cols, sort_keys=True)}"


def is_table_format(fmt: str) -> bool:
    """True for ``"table"`` and ``"table:{...}"``."""
    return fmt == NAME or fmt.startswith(NAME + ":")


def spec_columns(fmt: str) -> dict[str, str] | None:
    """The mapping in a `format_spec` string (None for the default)."""
    if fmt == NAME:
        return None
    return parse_columns(json.loads(fmt[len(NAME) + 1:]))


def _resolve(columns: dict[str, str] | None, available: list[str]) -> dict[str, str] | str:
    """The mapping to use for a table with ``available`` columns, or why there is none."""
    if columns is None:
        lower = {c.lower(): c for c in available}
        columns = {}
        for field in FIELDS:
            for name in _DEFAULT_ALIASES.get(field, (field,)):
                if name in lower:
                    columns[field] = lower[name]
                    break
        if "body" not in columns:
            return ("no text column: none is named 'body' or 'text'; pass a mapping "
                    "(--columns body=COLUMN,ref=COLUMN,...)")
        return columns
    missing = [f"{c!r} (for {f})" for f, c in columns.items() if c not in available]
    if missing:
        return (f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}; "
                f"the table's columns are {', '.join(map(repr, available)) or '(none)'}")
    return columns


# --- files -----------------------------------------------------------------------------------

def read(path: str, *, sha256: str = "", columns: Mapping[str, str] | None = None
         ) -> Iterator[Reject | Any]:
    """Yield one `Cable` or `Reject` per row of the table file ``path`` (CSV, TSV, JSON
    Lines or Parquet, by its suffix; by its first bytes when the suffix says nothing)."""
    with open_regular(path) as fh:
        yield from read_stream(fh, path=path, sha256=sha256, columns=columns)


def read_stream(fh: BinaryIO, *, path: str, sha256: str = "", prefix: str = "",
                columns: Mapping[str, str] | None = None) -> Iterator[Any]:
    """Rows of an open binary table file (see `read`)."""
    cols = parse_columns(columns) if columns is not None else None
    head = fh.read(4)
    fh.seek(0)
    if head.startswith((b"PK\x03\x04", b"\x1f\x8b")):
        yield _file_reject(path, sha256, "an archive: tables are read from plain CSV, TSV, "
                           "JSON Lines or Parquet files; unpack it first")
        return
    kind = _SUFFIX_KIND.get(Path(path).suffix.lower())
    if kind is None:
        kind = "parquet" if head == b"PAR1" else "jsonl" if head.lstrip()[:1] == b"{" else "csv"
    if kind == "parquet":
        rows = _parquet_rows(fh, path, sha256, cols)
    elif kind == "jsonl":
        rows = _jsonl_rows(fh, path, sha256, cols)
    else:
        rows = _csv_rows(fh, path, sha256, cols, "\t" if kind == "tsv" else ",")
    n = 0
    for record in rows:
        n += 1
        yield record
    if n == 0:
        yield _file_reject(path, sha256, f"empty table: no rows ({kind})")


def _file_reject(path: str, sha256: str, reason: str, field: str | None = None) -> Reject:
    return reject(path, "file", f"{reason} ({path})", NAME, sha256, field)


def _csv_rows(fh: BinaryIO, path: str, sha256: str, columns: dict | None, delimiter: str
              ) -> Iterator[Any]:
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(min(sys.maxsize, MAX_RECORD_BYTES))
    try:
        try:
            header = next(reader)
        except StopIteration:
            yield _file_reject(path, sha256, "empty file: no header row")
            return
        except csv.Error as exc:
            yield _file_reject(path, sha256, f"malformed CSV header: {exc}")
            return
        mapping = _resolve(columns, header)
        if isinstance(mapping, str):
            yield _file_reject(path, sha256, mapping, "columns")
            return
        index = {f: header.index(c) for f, c in mapping.items()}
        row_no = 0
        while True:
            line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                locator = f"row {row_no + 1} (line {line})"
                why = ("truncated CSV: the file ends inside a quoted field; the row is "
                       "incomplete and was not kept (file cut short?)"
                       if "unexpected end of data" in str(exc) else
                       f"malformed CSV: {exc}; reading stopped here")
                yield reject(path, locator, f"{why} ({path} {locator})", NAME, sha256)
                break
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            row_no += 1
            values = {f: (row[i] if i < len(row) else None) for f, i in index.items()}
            yield _record(values, Source(path, f"row {row_no} (line {line})", sha256, NAME))
    finally:
        csv.field_size_limit(old_limit)
        text.detach()


def _jsonl_rows(fh: BinaryIO, path: str, sha256: str, columns: dict | None) -> Iterator[Any]:
    lineno = 0
    mapping: dict | str | None = None
    while True:
        raw, too_long = read_line(fh, MAX_RECORD_BYTES)
        if not raw:
            break
        lineno += 1
        if not raw.strip():
            continue
        source = Source(path, f"line {lineno}", sha256, NAME)
        if too_long:
            yield Reject(source, f"record too large: over {MAX_RECORD_BYTES:,} bytes "
                         f"(corpora.limits.MAX_RECORD_BYTES) at {source}", "body")
            continue
        try:
            obj = json.loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            yield Reject(source, f"malformed JSON at {source}: {type(exc).__name__}: "
                         f"{str(exc)[:200]}")
            continue
        if not isinstance(obj, dict):
            yield Reject(source, f"not a JSON object at {source}: a {type(obj).__name__}")
            continue
        if mapping is None or columns is None:
            mapping = _resolve(columns, list(obj))
        if isinstance(mapping, str):
            yield Reject(source, f"{mapping} (at {source})", "columns")
            if columns is not None:
                return  # the mapping names a column the file does not have
            mapping = None
            continue
        yield _record({f: obj.get(c) for f, c in mapping.items()}, source)


def _parquet_rows(fh: BinaryIO, path: str, sha256: str, columns: dict | None
                  ) -> Iterator[Any]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(fh)
    except Exception as exc:  # noqa: BLE001  (pyarrow raises its own error classes)
        yield _file_reject(path, sha256, f"not a Parquet file: {type(exc).__name__}: {exc}")
        return
    mapping = _resolve(columns, list(pf.schema_arrow.names))
    if isinstance(mapping, str):
        yield _file_reject(path, sha256, mapping, "columns")
        return
    import pyarrow as pa

    fields = list(mapping)
    row_no = 0
    batches = pf.iter_batches(batch_size=512, columns=sorted(set(mapping.values())))
    while True:
        try:
            batch = next(batches, None)
            if batch is None:
                break
            data = {f: batch.column(batch.schema.get_field_index(mapping[f])).to_pylist()
                    for f in fields}
        except (pa.ArrowException, OSError, ValueError, TypeError, IndexError, KeyError,
                NotImplementedError) as exc:  # a damaged file: keep the rows before
            yield reject(path, f"row {row_no + 1}", f"Parquet file not read to the end: "
                         f"{type(exc).__name__}: {str(exc)[:200]} ({path} after row "
                         f"{row_no}; the rows before were kept)", NAME, sha256)
            return
        for i in range(batch.num_rows):
            row_no += 1
            yield _record({f: data[f][i] for f in fields},
                          Source(path, f"row {row_no}", sha256, NAME))


# --- pandas ------------------------------------------------------------------------------------

def read_frame(frame: Any, columns: str | Mapping[str, str] | None = None, *,
               name: str = "DataFrame", sha256: str = "") -> Iterator[Any]:
    """One `Cable` or `Reject` per row of a pandas DataFrame (locators ``row N (index X)``).

    Parameters
    ----------
    frame : pandas.DataFrame
    columns : dict or str, optional
        Field -> column (see the module docstring); default: columns named like the fields.
    name : str
        What rejects call the table (its ``path``).
    sha256 : str
        Content hash for synthetic refs (`corpora.store.CorpusStore.ingest_frame` passes
        the hash of the frame's Parquet bytes).

    Raises
    ------
    ValueError
        When a mapped column is missing (the message lists the frame's columns).
    """
    cols = parse_columns(columns)
    mapping = _resolve(cols, [str(c) for c in frame.columns])
    if isinstance(mapping, str):
        raise ValueError(f"{name}: {mapping}")
    by_name = {str(c): c for c in frame.columns}
    data = {f: frame[by_name[c]].tolist() for f, c in mapping.items()}
    for i, label in enumerate(frame.index):
        source = Source(name, f"row {i + 1} (index {label!r})", sha256, NAME)
        yield _record({f: data[f][i] for f in mapping}, source)


# --- one row -----------------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    try:  # pandas NaT / NA
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, str)) else False
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _when(value: Any) -> datetime:
    """A UTC datetime from a cell (datetime, date, pandas Timestamp or ISO-like text)."""
    if isinstance(value, datetime):
        return to_utc(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = parse_timestamp(text, _TIME_FORMATS)
        if parsed is None:
            raise ValueError(f"{text[:60]!r} is not a date (expected YYYY-MM-DD, ISO 8601 "
                             "or a datetime column)") from None
        return parsed
    return to_utc(parsed)


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(t for t in _TAG_SPLIT.split(value.strip()) if t)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return tuple(str(t).strip() for t in value if not _missing(t) and str(t).strip())
    raise TypeError(f"a list or a ';'-separated string, not {type(value).__name__}")


def _record(values: dict[str, Any], source: Source) -> Any:
    """A `Cable` (or `Reject`) from one row's mapped values."""
    where = f"{source.path} {source.locator}"
    body = values.get("body")
    if _missing(body) or not isinstance(body, str):
        what = "empty" if _missing(body) else f"a {type(body).__name__}, not text"
        return Reject(source, f"no text: field 'body' is {what} at {where}", "body")
    meta: dict[str, Any] = {}
    for field, value in values.items():
        if field == "body" or _missing(value):
            continue
        try:
            if field in ("date", "released"):
                meta[field] = _when(value)
            elif field == "tags":
                meta[field] = _tags(value)
            else:
                meta[field] = _text(value)
        except (ValueError, TypeError, OverflowError) as exc:
            return Reject(source, f"bad {field}: {exc} at {where}", field)
    body = body.replace("\r\n", "\n")
    result = parse_with_header(body, source, meta)
    if (isinstance(result, Reject) and "ref" not in meta and result.field == "header"
            and "no cable found" in result.reason):
        # plain prose (no cable header) and no id column: keep it under a stable id
        result = parse_with_header(body, source, {**meta, "ref": synthetic_ref(source)})
    return result
