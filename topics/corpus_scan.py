"""The tokenize stage's passes over a store: in batches, on worker processes, no corpus in memory.

Before tokens, the tokenize stage needs two things learned from the whole corpus: each
cable's genre (`corpora.genres`: form cables are set aside; templates are 5-grams shared
by several cables) and the corpus's person names (`topics.names`). Both used to take every
body into one process (~2 GB of text at Cablegate's 251,287 cables, plus their tables) on
one core. Here each is a pass over the store's batches whose per-batch work runs in
``n_jobs`` worker processes and returns small, mergeable results:

1. `scan_genres`: `corpora.genres.genre_features` per batch (5-gram hashes, structure
   tests), merged by `corpora.genres.GenreScan`; with the refs, posts and dates of every
   cable the filters keep.
2. `learn_names`: `topics.names.count_names` over the cables kept for modelling, merged;
   `first_names`; `count_beside` over them again; `final_names`.
3. `iter_bodies`: the kept bodies again, batch by batch, for `topics.tokenids.tokenize_ids`.

The results are those of `detect_genres` and `learn_person_names` over the same cables in
one list (tested). At most ``2 * n_jobs`` batches are in flight, so memory is bounded by
the batch size, not the corpus.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from topics.runinfo import release_memory

__all__ = ["GenreScanResult", "iter_bodies", "learn_names", "ordered_map", "release_memory",
           "scan_genres"]

logger = logging.getLogger(__name__)

#: Cables read from the store per batch (and sent to a worker as one task).
BATCH = 2000


def ordered_map(fn: Callable[..., Any], items: Iterable[tuple], n_jobs: int) -> Iterator[Any]:
    """``fn(*item)`` for each item, in order, over ``n_jobs`` processes (1: this one).

    Unlike ``Pool.imap`` (whose feeder thread reads the whole input ahead), at most
    ``2 * n_jobs`` items are read ahead, so a stream of batches never sits in memory whole.
    """
    if n_jobs <= 1:
        for item in items:
            yield fn(*item)
        return
    import multiprocessing as mp

    with mp.get_context().Pool(n_jobs) as pool:
        pending: deque[Any] = deque()
        for item in items:
            pending.append(pool.apply_async(fn, item))
            while len(pending) >= 2 * n_jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _bar(progress: bool, total: int, desc: str):
    from topics.progress import progress_bar

    return progress_bar(total=total, desc=desc, unit="cables", disable=not progress,
                        leave=False)


@dataclass
class GenreScanResult:
    """Every filtered cable's ref, post, date and genre, in store order."""

    refs: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    dates: list[Any] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.refs)


def _genre_batch(bodies: list, subjects: list):
    from corpora.genres import genre_features

    return genre_features(bodies, subjects)


#: The store columns the genre pass reads (the others are not read from disk).
_GENRE_COLUMNS = ("ref", "origin", "date", "body", "subject")


def scan_genres(store: Any, filters: dict, *, n_jobs: int = 2, progress: bool = False,
                batch_size: int = BATCH) -> GenreScanResult:
    """Pass 1: refs, posts, dates and genres of the cables ``filters`` keep.

    Parameters
    ----------
    store : corpora.store.CorpusStore
    filters : dict
        Keyword filters of `CorpusStore.iter_batches`.
    n_jobs : int, default 2
        Worker processes (the genres do not depend on it).
    """
    from corpora.genres import GenreScan

    out = GenreScanResult()
    scan = GenreScan()

    def batches() -> Iterator[tuple]:
        for batch in store.iter_batches(batch_size=batch_size, columns=_GENRE_COLUMNS,
                                        **filters):
            cols = batch.select(["ref", "origin", "date"]).to_pydict()
            out.refs += cols["ref"]
            out.origins += [o or "" for o in cols["origin"]]
            out.dates += cols["date"]
            yield (batch.column("body").to_pylist(), batch.column("subject").to_pylist())

    with _bar(progress, len(store), "genres") as bar:
        for features in ordered_map(_genre_batch, batches(), n_jobs):
            scan.add(features)
            bar.update(len(features))
    out.genres = scan.genres()
    del scan
    release_memory()
    return out


def iter_bodies(store: Any, filters: dict, keep: np.ndarray | None = None, *,
                columns: Sequence[str] = ("body",), batch_size: int = BATCH
                ) -> Iterator[dict[str, list]]:
    """The filtered cables' ``columns`` batch by batch (``{column: list}``), only the
    cables whose entry of ``keep`` (one bool per filtered cable, store order) is true."""
    start = 0
    for batch in store.iter_batches(batch_size=batch_size, columns=list(columns), **filters):
        n = batch.num_rows
        if keep is not None:
            mask = keep[start:start + n]
            start += n
            if not mask.any():
                continue
            if not mask.all():
                import pyarrow as pa

                batch = batch.filter(pa.array(mask))
        yield {c: batch.column(c).to_pylist() for c in columns}


def _count_batch(bodies: list):
    from topics.names import count_names

    return count_names(bodies)


def _beside_batch(bodies: list, names: frozenset):
    from topics.names import count_beside

    return count_beside(bodies, names)


def learn_names(store: Any, filters: dict, keep: np.ndarray | None = None, *,
                n_jobs: int = 2, progress: bool = False, batch_size: int = BATCH,
                total: int | None = None) -> frozenset[str]:
    """Pass 2: `topics.names.learn_person_names` over the kept cables, with their TAGS'
    candidates (`person_names_from_tags`), counted on ``n_jobs`` processes."""
    from topics.names import (
        NameCounts,
        final_names,
        first_names,
        load_kernels,
        person_names_from_tags,
    )

    load_kernels()  # before the workers fork: they inherit the compiled kernels
    counts = NameCounts()
    from_tags: set[str] = set()

    def first() -> Iterator[tuple]:
        for cols in iter_bodies(store, filters, keep, columns=("body", "tags"),
                                batch_size=batch_size):
            from_tags.update(person_names_from_tags(cols["tags"]))
            yield (cols["body"],)

    with _bar(progress, total or len(store), "names") as bar:
        for part in ordered_map(_count_batch, first(), n_jobs):
            counts.merge(part)
            bar.update(batch_size)
    names = frozenset(first_names(counts, extra_candidates=from_tags))
    beside: Counter = Counter()
    second = ((cols["body"], names) for cols in iter_bodies(store, filters, keep,
                                                            batch_size=batch_size))
    for part in ordered_map(_beside_batch, second, n_jobs):
        beside.update(part)
    out = final_names(counts, names, beside)
    del counts, beside
    release_memory()
    return out
