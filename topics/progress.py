"""Progress bars for long work: the right tqdm class, and an ingest bar with a total.

`tqdm_class` picks tqdm's notebook widget only where ipywidgets is installed; elsewhere
(a terminal, or a Jupyter kernel without ipywidgets, where ``tqdm.auto`` prints
"TqdmWarning: IProgress not found") the text bar. `ingest_bar` counts the files and bytes
to read before the ingest starts, so the bar shows a total and an ETA from the first file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

__all__ = ["IngestProgress", "ingest_bar", "progress_bar", "tqdm_class"]


def tqdm_class() -> type:
    """``tqdm.auto.tqdm`` where ipywidgets is installed, else the text ``tqdm.std.tqdm``
    (no warning in notebooks without widgets)."""
    try:
        import ipywidgets  # noqa: F401  (only asked whether it is there)
    except ImportError:
        from tqdm.std import tqdm
    else:
        from tqdm.auto import tqdm
    return tqdm


def progress_bar(**kw: Any):
    """A tqdm bar of `tqdm_class` (keyword arguments as for ``tqdm``)."""
    return tqdm_class()(**kw)


class IngestProgress:
    """An ingest's bar in bytes, its total known up front; call it as
    ``CorpusStore.ingest(..., progress=...)`` (``progress(path, n_records)`` after each
    file). Close it when done (also a context manager).

    Parameters
    ----------
    sizes : dict
        Absolute path -> size in bytes of every file the ingest will read.
    **kw
        For the tqdm bar (``disable``, ``file``, ...).
    """

    def __init__(self, sizes: dict[str, int], **kw: Any) -> None:
        self.sizes = dict(sizes)
        self.n_files = len(sizes)
        self.bar = progress_bar(desc=kw.pop("desc", "ingest"), total=sum(sizes.values()),
                                unit="B", unit_scale=True, unit_divisor=1024, **kw)
        self.done_files = 0
        self.records = 0

    def __call__(self, path: str, n_records: int) -> None:
        size = self.sizes.pop(os.path.abspath(path), None)
        if size is not None:
            self.done_files += 1
            self.bar.update(size)
        self.records = n_records
        self.bar.set_postfix_str(f"{self.done_files:,}/{self.n_files:,} files, "
                                 f"{n_records:,} records", refresh=False)

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> IngestProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ingest_bar(sources: str | os.PathLike | Iterable[str | os.PathLike], *,
               follow_symlinks: bool = False, **kw: Any) -> IngestProgress:
    """An `IngestProgress` for ``sources``: the files `corpora.read.iter_entries` lists
    (those it would skip are not counted) and their sizes, walked before the ingest starts.

    Parameters
    ----------
    sources : path or iterable of paths
        As for `corpora.store.CorpusStore.ingest`.
    follow_symlinks : bool
        As for the ingest.
    **kw
        For the tqdm bar (``disable``, ``file``, ``desc``).
    """
    from corpora.read import iter_entries

    sizes: dict[str, int] = {}
    if kw.get("disable") is True:  # no bar: no walk
        return IngestProgress(sizes, **kw)
    for path, why in iter_entries(sources, follow_symlinks=follow_symlinks):
        if why is None:
            try:
                sizes[os.path.abspath(path)] = os.path.getsize(path)
            except OSError:
                sizes[os.path.abspath(path)] = 0
    return IngestProgress(sizes, **kw)
