"""Readers: every input format into a stream of `Cable` records (or `Reject`s).

`read_cables` walks files, folders (recursively, in sorted order) and archives, detects
each file's format from its first bytes (or takes ``format``), and yields records lazily:
memory holds one record (one page, one CSV row) at a time, never the corpus.

Formats (`FORMATS`): ``raw``, ``cablegate-csv``, ``cablegate-html``, ``jsonl``, ``plusd``,
``frus``, ``alx`` and ``archive`` (``.zip``/``.gz``). Each reader module has
``read(path, *, sha256)`` and ``sniff(head, path)``. Your own tables (CSV, JSON Lines,
Parquet with a column mapping) are read by `corpora.read.table` when asked for
(``format="table"`` or ``columns=``); they are never detected.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType

from corpora.read import archive, table
from corpora.read.base import (
    HEAD_BYTES,
    NotRegularFile,
    Record,
    file_kind,
    open_regular,
    reject,
)
from corpora.read.detect import ARCHIVE, READERS, detect_format

__all__ = [
    "FORMATS",
    "check_format",
    "detect_format",
    "iter_entries",
    "iter_files",
    "read_cables",
    "read_file",
    "sha256_file",
    "skip_reason",
]

logger = logging.getLogger(__name__)

#: Format name -> reader module.
FORMATS: dict[str, ModuleType] = {**READERS, ARCHIVE: archive}


def check_format(format: str, columns: str | dict[str, str] | None = None,
                 where: str = "read_cables") -> str:
    """The format string to read with: ``format`` checked, or the table spec for
    ``columns`` (`corpora.read.table.format_spec`).

    Raises
    ------
    ValueError
        On an unknown format, a bad mapping, or ``columns`` with a cable format.
    """
    if columns is not None:
        if format not in ("auto", table.NAME):
            raise ValueError(f"{where}: columns= reads tables (format 'table'); got "
                             f"format={format!r} too")
        return table.format_spec(columns)
    if table.is_table_format(format):
        table.spec_columns(format)  # checks the mapping
        return format
    if format != "auto" and format not in FORMATS:
        raise ValueError(
            f"The 'format' parameter of {where} must be 'auto', 'table' or one of "
            f"{', '.join(FORMATS)}. Got {format!r} instead."
        )
    return format


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def skip_reason(path: str, root: str | None = None, *, follow_symlinks: bool = False) -> str | None:
    """Why ``path`` is not read (None when it is a regular file to read).

    Only regular files are read: a FIFO would block forever and a device (``/dev/zero``)
    never ends. A symlink found while walking the folder ``root`` whose target lies outside
    ``root`` is not followed unless ``follow_symlinks``.
    """
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            target = os.path.realpath(path)
            if root is not None and not follow_symlinks and not _within(target, root):
                return (f"symlink leaving the source folder: {path} -> {target}; not followed "
                        "(pass follow_symlinks=True, or --follow-symlinks, to read it)")
            st = os.stat(path)
    except OSError as exc:
        return f"unreadable: {path}: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return f"not a regular file: {path} is {file_kind(st.st_mode)}; skipped"
    return None


def iter_entries(
    paths: str | os.PathLike | Iterable[str | os.PathLike], *, follow_symlinks: bool = False
) -> Iterator[tuple[str, str | None]]:
    """``(path, skip reason or None)`` for every file under ``paths``: files as given,
    folders walked recursively in sorted order. Hidden files and folders (``.name``) are
    left out; FIFOs, devices and sockets come with a reason (`skip_reason`), and so do
    symlinks leaving their folder unless ``follow_symlinks`` (symlinked folders inside the
    folder are then walked too, each real folder once).

    Raises
    ------
    FileNotFoundError
        When a path does not exist.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    for given in paths:
        p = Path(given)
        if p.is_dir():
            root = os.path.realpath(p)
            seen = {root}
            for dirpath, dirs, files in os.walk(p, followlinks=follow_symlinks):
                keep = []
                for d in sorted(d for d in dirs if not d.startswith(".")):
                    full = os.path.join(dirpath, d)
                    real = os.path.realpath(full)
                    if os.path.islink(full) and not follow_symlinks:
                        if not _within(real, root):
                            yield full, (f"symlink leaving the source folder: {full} -> "
                                         f"{real}; not followed (pass follow_symlinks=True, "
                                         "or --follow-symlinks, to read it)")
                        continue  # os.walk would not enter it; inside links repeat files
                    if real in seen:
                        continue
                    seen.add(real)
                    keep.append(d)
                dirs[:] = keep
                for name in sorted(files):
                    if not name.startswith("."):
                        full = os.path.join(dirpath, name)
                        yield full, skip_reason(full, root, follow_symlinks=follow_symlinks)
        elif os.path.lexists(p):
            yield str(p), skip_reason(str(p))
        else:
            raise FileNotFoundError(
                f"read_cables: input {str(p)!r} does not exist; pass cable files, folders "
                "or .zip/.gz archives"
            )


def iter_files(
    paths: str | os.PathLike | Iterable[str | os.PathLike], *, follow_symlinks: bool = False
) -> Iterator[str]:
    """Every file to read under ``paths`` (see `iter_entries`; skipped ones are logged).

    Raises
    ------
    FileNotFoundError
        When a path does not exist.
    """
    for path, why in iter_entries(paths, follow_symlinks=follow_symlinks):
        if why is None:
            yield path
        else:
            logger.warning("%s", why)


def read_file(
    path: str, format: str = "auto", *, sha256: str | None = None, data: bytes | None = None
) -> Iterator[Record]:
    """Records of one file (an archive's records included), with its format detected.

    Parameters
    ----------
    path : str
        The file.
    format : str
        A key of `FORMATS`, or ``"auto"``.
    sha256 : str, optional
        The file's hex sha256 when already known (computed otherwise).
    data : bytes, optional
        The whole file's bytes when already read (small files: the file is then not opened
        again, neither to hash, to detect nor to read it).

    A reader that fails part-way (an OS error, a limit of `corpora.limits`, a bug) costs
    the rest of this file only: the records before are kept and a `Reject` says where and
    why it stopped.
    """
    n = 0
    fmt_name = format if format != "auto" else ""
    try:
        for record in _read_file(path, format, sha256, data):
            n += 1
            fmt_name = record.source.format or fmt_name
            sha256 = record.source.sha256 or sha256
            yield record
    except (OSError, ValueError, TypeError, OverflowError, RecursionError, EOFError,
            UnicodeError, MemoryError) as exc:
        where = "file" if n == 0 else f"after record {n}"
        reason = (f"not a regular file: {exc}" if isinstance(exc, NotRegularFile) else
                  f"file not read to the end: {path} ({where}): {type(exc).__name__}: {exc}; "
                  f"the {n} records before were kept")
        yield reject(path, where, reason, fmt_name, sha256 or "")


def _read_file(path: str, format: str, sha256: str | None, data: bytes | None
               ) -> Iterator[Record]:
    if sha256 is None:
        sha256 = sha256_file(path) if data is None else hashlib.sha256(data).hexdigest()
    if table.is_table_format(format):
        columns = table.spec_columns(format)
        if data is not None:
            yield from table.read_stream(io.BytesIO(data), path=path, sha256=sha256,
                                         columns=columns)
        else:
            yield from table.read(path, sha256=sha256, columns=columns)
        return
    if format == "auto":
        if data is not None:
            head = data[:HEAD_BYTES]
        else:
            with open_regular(path) as fh:
                head = fh.read(HEAD_BYTES)
        try:
            fmt = detect_format(path, head)
        except ValueError as exc:
            yield reject(path, "file", str(exc), "", sha256, "format")
            return
    else:
        fmt = format
    if fmt == ARCHIVE:
        # format="archive" says what the container is; its members are still detected
        member_format = "auto" if format == ARCHIVE else format
        yield from archive.read(path, sha256=sha256, format=member_format)
    elif data is not None:
        yield from READERS[fmt].read_stream(io.BytesIO(data), path=path, sha256=sha256)
    else:
        yield from READERS[fmt].read(path, sha256=sha256)


def read_cables(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    format: str = "auto",
    *,
    on_progress: Callable[[str, int], None] | None = None,
    follow_symlinks: bool = False,
    columns: str | dict[str, str] | None = None,
) -> Iterator[Record]:
    """Read cables from files, folders and archives, lazily.

    Parameters
    ----------
    paths : path or iterable of paths
        Files, folders (walked recursively in sorted order) and ``.zip``/``.gz`` archives.
    format : str
        A key of `FORMATS` to force one reader for every file (archive members included),
        ``"table"`` for your own CSV/JSON Lines/Parquet tables (`corpora.read.table`), or
        ``"auto"`` to detect each file's format (logged per file).
    on_progress : callable, optional
        Called after each file as ``on_progress(path, n_records)`` with the number of
        records (cables and rejects) read so far.
    follow_symlinks : bool
        Follow symlinks whose target lies outside the folder being walked (default False:
        they become a `Reject`, as do FIFOs and devices, which are never read).
    columns : dict or str, optional
        Field -> column mapping of a table (``{"ref": "doc_id", "body": "text"}`` or
        ``"ref=doc_id,body=text"``): reads every file as a table (`corpora.read.table`).

    Yields
    ------
    Cable or Reject
        One per cable found; unreadable records become `Reject` with a reason naming the
        file and record, and reading continues.

    Raises
    ------
    ValueError
        When ``format`` is not a known format.
    FileNotFoundError
        When an input path does not exist.

    Examples
    --------
    >>> from corpora.read import read_cables
    >>> cables = [r for r in read_cables("data/") if not isinstance(r, Reject)]  # doctest: +SKIP
    """
    format = check_format(format, columns, "read_cables")
    n = 0
    n_files = 0
    for path, why in iter_entries(paths, follow_symlinks=follow_symlinks):
        if why is not None:
            logger.warning("%s", why)
            n += 1
            yield reject(path, "file", why, "", "", "path")
            continue
        for record in read_file(path, format):
            n += 1
            yield record
        n_files += 1
        if on_progress is not None:
            on_progress(path, n)
        if n_files % 1000 == 0:
            logger.info("read_cables: %d files, %d records", n_files, n)
