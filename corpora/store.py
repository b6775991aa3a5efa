"""`CorpusStore`: a directory of parsed cables (Parquet), rejects and a manifest.

::

    store/
      cables.parquet   one row per kept cable, one column per `Cable` field
      rejects.jsonl    one {"path", "locator", "reason", "field", "format"} per reject
      manifest.json    inputs (path, sha256, format, counts), totals, parser version, times

Ingest streams: records are written in batches to a temporary Parquet file while a
``ref -> (released, position)`` index picks the winner of each reference id; a second pass
copies only the winners. Memory holds one batch and the index, never all cables. Files are
written under temporary names in the store directory, flushed to disk and moved in place
with `os.replace`, so an interrupted ingest leaves the previous store intact.

One writer at a time: an ingest holds the store's exclusive lock (`corpora.locking`); a
second ingest into the same store fails at once with a message naming the first one's pid
(or waits ``lock_wait`` seconds for it). Holding the lock, an ingest first deletes the
temporary files a killed ingest left behind. Only regular files are read: FIFOs, devices
and (unless ``follow_symlinks``) symlinks leaving a source folder become rejects with the
reason, as does a file that cannot be opened.

De-duplication by ``ref``: the newest ``released`` wins (a missing release time counts as
oldest); ties go to the later record (old store rows come first, then new inputs in
reading order). Re-ingesting a file whose path and sha256 are already in the manifest
reads nothing and changes nothing; a file whose content changed replaces its old records.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corpora.cable import Cable, Disagreement, Paragraph, Source
from corpora.read import check_format

__all__ = ["CorpusStore", "SCHEMA", "PARSER_VERSION", "cable_to_row", "cables_to_batch",
           "row_to_cable"]

logger = logging.getLogger(__name__)

#: Version of the reading/parsing code recorded in each manifest (2: page breaks glued into
#: text whose newlines were lost keep the words around them).
PARSER_VERSION = "cable-topics-readers 4"
STORE_FORMAT = 1
CABLES = "cables.parquet"
REJECTS = "rejects.jsonl"
MANIFEST = "manifest.json"
BATCH = 1000
#: Names of an ingest's temporary files (``cables.parquet.tmp-PID-new``, ...).
_TEMP_NAME = re.compile(r"(cables\.parquet|rejects\.jsonl|manifest\.json)\.tmp-\d+.*")

_TS = pa.timestamp("us", tz="UTC")
_STRS = pa.list_(pa.string())
SCHEMA = pa.schema(
    [
        ("ref", pa.string()),
        ("date", _TS),
        ("origin", pa.string()),
        ("origin_raw", pa.string()),
        ("to", _STRS),
        ("info", _STRS),
        ("classification", pa.string()),
        ("caveats", _STRS),
        ("tags", _STRS),
        ("subject_tags", _STRS),
        ("country_tags", _STRS),
        ("subject", pa.string()),
        ("references", _STRS),
        ("classified_by", pa.string()),
        ("reasons", pa.string()),
        ("declassify_on", pa.string()),
        (
            "paragraphs",
            pa.list_(
                pa.struct(
                    [("number", pa.string()), ("marking", pa.string()), ("text", pa.string())]
                )
            ),
        ),
        ("body", pa.string()),
        (
            "source",
            pa.struct(
                [
                    ("path", pa.string()),
                    ("locator", pa.string()),
                    ("sha256", pa.string()),
                    ("format", pa.string()),
                ]
            ),
        ),
        ("released", _TS),
        (
            "disagreements",
            pa.list_(
                pa.struct(
                    [("field", pa.string()), ("container", pa.string()), ("header", pa.string())]
                )
            ),
        ),
        ("notes", _STRS),
    ]
)
assert tuple(SCHEMA.names) == Cable.field_names(), "SCHEMA must follow Cable's fields"
_TUPLE_FIELDS = ("to", "info", "caveats", "tags", "subject_tags", "country_tags",
                 "references", "notes")


def cable_to_row(cable: Cable) -> dict[str, Any]:
    """A `Cable` as a dict matching `SCHEMA` (tuples as lists, records as dicts)."""
    row: dict[str, Any] = {}
    for name in SCHEMA.names:
        value = getattr(cable, name)
        if name == "paragraphs":
            value = [{"number": p.number, "marking": p.marking, "text": p.text} for p in value]
        elif name == "source":
            value = {"path": value.path, "locator": value.locator, "sha256": value.sha256,
                     "format": value.format}
        elif name == "disagreements":
            value = [{"field": d.field, "container": d.container, "header": d.header}
                     for d in value]
        elif isinstance(value, tuple):
            value = list(value)
        row[name] = value
    return row


def row_to_cable(row: dict[str, Any]) -> Cable:
    """Rebuild a `Cable` from a row of `SCHEMA` (as given by ``RecordBatch.to_pylist``)."""
    kw: dict[str, Any] = {}
    for name in SCHEMA.names:
        value = row[name]
        if name == "paragraphs":
            value = tuple(Paragraph(p["number"], p["marking"], p["text"]) for p in value or ())
        elif name == "source":
            value = Source(**value)
        elif name == "disagreements":
            value = tuple(Disagreement(**d) for d in value or ())
        elif name in ("date", "released") and value is not None:
            value = value.astimezone(UTC)
        elif name in _TUPLE_FIELDS:
            if value is not None:
                value = tuple(value)
            elif name in ("caveats", "notes"):
                value = ()
        kw[name] = value
    return Cable(**kw)


def _as_utc(value: Any, end: bool) -> datetime | None:
    """A filter bound as an aware datetime; a bare date covers the whole day."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.max if end else time.min, tzinfo=UTC)
    raise TypeError(
        f"date_range bounds must be dates, datetimes or ISO strings, got {type(value).__name__}"
    )


def _reason_kind(reason: str) -> str:
    """The category of a reject reason: the text before its first colon."""
    head = reason.split(":", 1)[0].strip()
    if head == "cable not parsed" and ":" in reason:
        detail = reason.split(":", 2)[1].strip()
        return f"{head}: {re.sub(r'[0-9]+', 'N', detail.split('(')[0].strip())[:80]}"
    return head[:80]


def filter_batch(batch: pa.RecordBatch, *, date_range: tuple[Any, Any] | None = None,
                 origins: Iterable[str] | None = None, tags: Iterable[str] | None = None,
                 classifications: Iterable[str] | None = None,
                 min_length: int | None = None) -> pa.RecordBatch:
    """The rows of one batch of the store that pass `CorpusStore.iter_batches`'s filters
    (same parameters; the Spark backend applies it to each row group on the executors)."""
    def values(x: Any) -> pa.Array:
        return x if isinstance(x, pa.Array) else pa.array(list(x), pa.string())

    mask = np.ones(batch.num_rows, dtype=bool)
    if date_range is not None:
        start, end = _as_utc(date_range[0], False), _as_utc(date_range[1], True)
        dates = batch.column("date")
        mask &= ~np.asarray(pc.is_null(dates))
        if start is not None:
            mask &= np.asarray(pc.fill_null(pc.greater_equal(dates, start), False))
        if end is not None:
            mask &= np.asarray(pc.fill_null(pc.less_equal(dates, end), False))
    for wanted, column in ((origins, "origin"), (classifications, "classification")):
        if wanted is not None:
            mask &= np.asarray(pc.fill_null(pc.is_in(batch.column(column), values(wanted)),
                                            False))
    if tags is not None:
        col = batch.column("tags")
        hit = np.zeros(batch.num_rows, dtype=bool)
        flat = pc.list_flatten(col)
        if len(flat):
            parents = np.asarray(pc.list_parent_indices(col))
            found = np.asarray(pc.fill_null(pc.is_in(flat, values(tags)), False))
            hit[parents[found]] = True
        mask &= hit
    if min_length is not None:
        lengths = pc.fill_null(pc.utf8_length(batch.column("body")), 0)
        mask &= np.asarray(pc.greater_equal(lengths, int(min_length)))
    return batch if mask.all() else batch.filter(pa.array(mask))



def read_bodies(store: str | os.PathLike, refs: Iterable[str],
                column: str = "body") -> dict[str, str | None]:
    """``{ref: text}`` of the cables ``refs`` of the store folder ``store`` (refs it does not
    hold are left out), read batch by batch: memory grows with the cables asked for, not
    with the store (a whole-column read with a ``ref in`` filter held every body: 2 GB at
    251,287 cables)."""
    wanted = pa.array(sorted({str(r) for r in refs}), pa.string())
    out: dict[str, str | None] = {}
    if len(wanted) == 0:
        return out
    pf = pq.ParquetFile(Path(store) / CABLES, pre_buffer=False)
    for batch in pf.iter_batches(batch_size=5 * BATCH, columns=["ref", column]):
        hit = pc.is_in(batch.column("ref"), value_set=wanted)
        if pc.any(hit).as_py():
            part = batch.filter(hit)
            out.update(zip(part.column("ref").to_pylist(), part.column(column).to_pylist(),
                           strict=True))
    return out

class CorpusStore:
    """A directory holding parsed cables, rejects and a manifest.

    Parameters
    ----------
    path : str or path-like
        A store directory written by `CorpusStore.ingest`.

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a store (no ``manifest.json`` / ``cables.parquet``).

    Examples
    --------
    >>> store = CorpusStore.ingest(["../shared/data"], out="store")  # doctest: +SKIP
    >>> len(store), store.summary()["by_year"]  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        missing = [n for n in (MANIFEST, CABLES) if not (self.path / n).is_file()]
        if missing:
            raise FileNotFoundError(
                f"{self.path} is not a corpus store: {', '.join(missing)} missing; create "
                f"one with CorpusStore.ingest(sources, out={str(self.path)!r}) "
                "(or `cable-topics ingest`)"
            )
        with open(self.path / MANIFEST, encoding="utf-8") as fh:
            self.manifest: dict[str, Any] = json.load(fh)

    # ------------------------------------------------------------------ ingest
    @classmethod
    def ingest(
        cls,
        sources: str | os.PathLike | Iterable[str | os.PathLike],
        out: str | os.PathLike,
        format: str = "auto",
        *,
        append: bool = True,
        progress: Callable[[str, int], None] | None = None,
        n_jobs: int = 2,
        follow_symlinks: bool = False,
        lock_wait: float = 0.0,
        columns: str | dict[str, str] | None = None,
    ) -> CorpusStore:
        """Read ``sources`` into the store at ``out`` (created if needed) and open it.

        Parameters
        ----------
        sources : path or iterable of paths
            Files, folders and archives, as for `corpora.read.read_cables`.
        out : path
            Store directory.
        format : str
            ``"auto"``, ``"table"`` (your own CSV/JSON Lines/Parquet, `corpora.read.table`)
            or a key of `corpora.read.FORMATS`.
        append : bool
            Keep the records already in the store (default). With False the store is
            rebuilt from ``sources`` alone.
        progress : callable, optional
            ``progress(path, n_records)`` after each file.
        n_jobs : int
            Processes that parse files (default 2). With 1 everything runs in this process;
            with more, chunks of small files are parsed in a `multiprocessing` pool (results
            kept in reading order) while this process writes; files over 8 MiB are always
            read here, streaming. The store is the same for every ``n_jobs``.
        follow_symlinks : bool
            Read symlinks whose target lies outside the source folder (default False: they
            become rejects).
        lock_wait : float
            Seconds to wait for another ingest into ``out`` to finish (default 0: fail at
            once with `corpora.locking.FolderLocked`).
        columns : dict or str, optional
            Field -> column mapping for tables (``{"ref": "doc_id", "body": "text",
            "date": "sent"}`` or ``"ref=doc_id,body=text,date=sent"``); implies
            ``format="table"``. The manifest records it: a changed mapping re-reads the files.

        Returns
        -------
        CorpusStore

        Raises
        ------
        corpora.locking.FolderLocked
            When another process is writing the store.
        FileExistsError
            When ``out`` is a non-empty folder that is not a store.
        """
        format = check_format(format, columns, "CorpusStore.ingest")
        out = Path(out)
        if out.exists() and not out.is_dir():
            raise FileExistsError(f"{out} is a file, not a folder; choose another out= directory")
        if not isinstance(n_jobs, int) or n_jobs < 1:
            raise ValueError(
                f"The 'n_jobs' parameter of CorpusStore.ingest must be an int >= 1. "
                f"Got {n_jobs!r} instead."
            )
        from corpora.ingest import _Ingest, ingest_target

        with ingest_target(out, append=append, lock_wait=lock_wait) as (old, files_in):
            return _Ingest(out, old, files_in, format, progress, n_jobs,
                           follow_symlinks).run(sources)

    @classmethod
    def ingest_frame(cls, frame: Any, out: str | os.PathLike,
                     columns: str | dict[str, str] | None = None, *, name: str = "dataframe",
                     **kw: Any) -> CorpusStore:
        """Ingest a pandas DataFrame (one row per document) into the store at ``out``.

        The frame is written as ``NAME.parquet`` in a temporary folder and ingested with
        ``format="table"`` (`corpora.read.table`): rows that cannot be read become rejects
        naming the row and field, the rest is stored as from any file.

        Parameters
        ----------
        frame : pandas.DataFrame
        out : path
            Store directory.
        columns : dict or str, optional
            Field -> column mapping (default: columns named like the fields, ``text`` for
            the body).
        name : str
            The file name the manifest and rejects show.
        **kw
            As for `ingest` (``append``, ``lock_wait``, ...).

        Raises
        ------
        ValueError
            When a mapped column is missing (the message lists the frame's columns).
        """
        import tempfile

        from corpora.read import table

        cols = table.parse_columns(columns)
        check = table._resolve(cols, [str(c) for c in frame.columns])  # noqa: SLF001
        if isinstance(check, str):
            raise ValueError(f"ingest_frame: {check}")
        if not re.fullmatch(r"[\w.-]{1,100}", name):
            raise ValueError(f"ingest_frame: name must be a short file name (letters, digits, "
                             f"'.', '_', '-'). Got {name!r} instead.")
        with tempfile.TemporaryDirectory(prefix="cable-topics-frame-") as tmp:
            path = Path(tmp) / f"{name}.parquet"
            frame = frame.rename(columns=str)
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
            return cls.ingest([path], out, format=table.format_spec(check), **kw)

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return pq.ParquetFile(self.path / CABLES).metadata.num_rows

    def __repr__(self) -> str:
        return f"CorpusStore({str(self.path)!r}, {len(self)} cables)"

    def iter_batches(
        self,
        batch_size: int = BATCH,
        *,
        columns: Sequence[str] | None = None,
        date_range: tuple[Any, Any] | None = None,
        origins: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        classifications: Iterable[str] | None = None,
        min_length: int | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Stream the cables as Arrow record batches, filtered.

        Parameters
        ----------
        batch_size : int
            Rows read per batch (filtered batches can be smaller; empty ones are skipped).
        columns : sequence of str, optional
            Columns to return (all by default).
        date_range : (start, end), optional
            Inclusive bounds on ``date`` (dates, datetimes or ISO strings; a bare date
            covers its whole day; either may be None). Cables without a date are dropped.
        origins, tags, classifications : iterable of str, optional
            Keep cables whose origin / any tag / classification is in the list.
        min_length : int, optional
            Keep cables whose body has at least this many characters.
        """
        if columns is not None:
            unknown = sorted(set(columns) - set(SCHEMA.names))
            if unknown:
                raise ValueError(f"unknown columns {unknown}; the store has {SCHEMA.names}")
        origins, tags, classifications = (
            None if x is None else pa.array(list(x), pa.string())
            for x in (origins, tags, classifications))
        # pre_buffer=False: with Arrow's default read-ahead cache, iterating the whole file
        # kept every row group's buffers until the end (2.3 GB at 251,287 cables)
        pf = pq.ParquetFile(self.path / CABLES, pre_buffer=False)
        read = None  # the columns asked for and those the filters look at, not all of them
        if columns is not None:
            needed = {"date": date_range, "origin": origins, "tags": tags,
                      "classification": classifications, "body": min_length}
            extra = [c for c, f in needed.items() if f is not None and c not in columns]
            read = list(dict.fromkeys([*columns, *extra]))
        for batch in pf.iter_batches(batch_size=batch_size, columns=read):
            batch = filter_batch(batch, date_range=date_range, origins=origins, tags=tags,
                                 classifications=classifications, min_length=min_length)
            if batch.num_rows == 0:
                continue
            yield batch.select(list(columns)) if columns is not None else batch

    def iter_cables(self, **filters: Any) -> Iterator[Cable]:
        """Stream the cables as `Cable` records (filters as in `iter_batches`)."""
        for batch in self.iter_batches(**filters):
            for row in batch.to_pylist():
                yield row_to_cable(row)

    def to_pandas(self, **filters: Any):
        """The (filtered) cables as a pandas DataFrame, one row per cable."""
        batches = list(self.iter_batches(**filters))
        columns = filters.get("columns")
        schema = SCHEMA if columns is None else pa.schema([SCHEMA.field(c) for c in columns])
        return pa.Table.from_batches(batches, schema=schema).to_pandas()

    def rejects(self) -> list[dict[str, Any]]:
        """Every reject as ``{"path", "locator", "reason", "field", "format"}``."""
        path = self.path / REJECTS
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    def summary(self) -> dict[str, Any]:
        """Counts: cables by year, classification and origin; rejects by reason category."""
        by_year: Counter = Counter()
        by_class: Counter = Counter()
        by_origin: Counter = Counter()
        cols = ["date", "classification", "origin"]
        for batch in self.iter_batches(columns=cols):
            years = pc.year(batch.column("date")).to_pylist()
            by_year.update(str(y) if y is not None else "unknown" for y in years)
            by_class.update(c or "unknown" for c in batch.column("classification").to_pylist())
            by_origin.update(o or "unknown" for o in batch.column("origin").to_pylist())
        rejects = Counter(_reason_kind(r["reason"]) for r in self.rejects())
        return {
            "cables": len(self),
            "counts": dict(self.manifest.get("counts", {})),
            "by_year": dict(sorted(by_year.items())),
            "by_classification": dict(by_class.most_common()),
            "by_origin": dict(by_origin.most_common()),
            "rejects_by_reason": dict(rejects.most_common()),
        }


def cables_to_batch(cables: Sequence[Cable]) -> pa.RecordBatch:
    """Cables as one `SCHEMA` record batch, built column by column (no per-row dicts)."""
    cols: dict[str, list] = {name: [] for name in SCHEMA.names}
    p_off, p_num, p_mark, p_text = [0], [], [], []
    d_off, d_field, d_cont, d_head = [0], [], [], []
    s_path, s_loc, s_sha, s_fmt = [], [], [], []
    simple = [n for n in SCHEMA.names if n not in ("paragraphs", "source", "disagreements")]
    for cable in cables:
        for name in simple:
            cols[name].append(getattr(cable, name))
        for para in cable.paragraphs:
            p_num.append(para.number)
            p_mark.append(para.marking)
            p_text.append(para.text)
        p_off.append(len(p_num))
        for d in cable.disagreements:
            d_field.append(d.field)
            d_cont.append(d.container)
            d_head.append(d.header)
        d_off.append(len(d_field))
        src = cable.source
        s_path.append(src.path)
        s_loc.append(src.locator)
        s_sha.append(src.sha256)
        s_fmt.append(src.format)
    arrays = []
    for fld in SCHEMA:
        name = fld.name
        if name == "paragraphs":
            values = pa.StructArray.from_arrays(
                [pa.array(p_num, pa.string()), pa.array(p_mark, pa.string()),
                 pa.array(p_text, pa.string())],
                fields=list(fld.type.value_type),
            )
            arrays.append(pa.ListArray.from_arrays(pa.array(p_off, pa.int32()), values,
                                                   type=fld.type))
        elif name == "disagreements":
            values = pa.StructArray.from_arrays(
                [pa.array(d_field, pa.string()), pa.array(d_cont, pa.string()),
                 pa.array(d_head, pa.string())],
                fields=list(fld.type.value_type),
            )
            arrays.append(pa.ListArray.from_arrays(pa.array(d_off, pa.int32()), values,
                                                   type=fld.type))
        elif name == "source":
            arrays.append(pa.StructArray.from_arrays(
                [pa.array(v, pa.string()) for v in (s_path, s_loc, s_sha, s_fmt)],
                fields=list(fld.type),
            ))
        else:
            arrays.append(pa.array(cols[name], fld.type))
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)
