"""Time axes for real, unevenly dated corpora: where the data is dense, and what is cut.

Real cable corpora are lopsided in time: Cablegate runs 1966-2010 but nine cables in ten are
from 2004-2010, and the early years hold a handful each. A share computed from three cables
is noise drawn at full height, and a linear axis from 1966 squashes the years that hold the
data. Every time figure of the report therefore (1) gives a share only to periods with at
least ``min_cables`` cables (sparse periods are gaps, never bridged by a line), and (2)
starts and ends its axis on the *dense window*: the run of dense periods that holds the
most cables, with the cut stated in the figure. The counts figure keeps every year, spaced
as real years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_PERIOD_CABLES", "DenseWindow", "dense_window", "period_positions"]

#: Periods with fewer cables get no share in any time figure (too noisy to read).
MIN_PERIOD_CABLES = 10
#: A period is dense when it holds ``min_cables`` and this share of the busiest period.
_MIN_OF_PEAK = 0.01
#: Sparse periods inside a dense run up to this many in a row do not split it.
_MAX_GAP = 2


def period_positions(periods: Sequence[str]) -> np.ndarray:
    """Numeric x for ``YYYY`` or ``YYYY-MM`` labels, so gaps between periods stay visible."""
    out = []
    for p in periods:
        year, _, month = str(p).partition("-")
        out.append(int(year) + ((int(month) - 1) / 12 if month else 0.0))
    return np.asarray(out, dtype=float)


@dataclass(frozen=True)
class DenseWindow:
    """The periods a time figure draws, and what it leaves out.

    Attributes
    ----------
    start, end : str or None
        First and last period label drawn (None when no period is dense).
    dense : tuple of str
        Labels of the periods inside the window with ``min_cables`` or more cables: the
        ones that get a share.
    min_cables : int
    n_before, n_after : int
        Cables dated before ``start`` / after ``end`` (counted in tables, not drawn).
    first, last : str or None
        The corpus's first and last period label.
    """

    start: str | None
    end: str | None
    dense: tuple[str, ...]
    min_cables: int
    n_before: int
    n_after: int
    first: str | None
    last: str | None

    def contains(self, period: str) -> bool:
        """Whether ``period`` lies inside the window (dense or not)."""
        if self.start is None or self.end is None:
            return False
        x = period_positions([period])[0]
        lo, hi = period_positions([self.start, self.end])
        return bool(lo <= x <= hi)

    def note(self, unit: str = "year") -> str:
        """The cut in words, e.g. "2001-2010; 41 cables of 1966-2000 not drawn"; "" if none."""
        if self.start is None:
            return f"no {unit} has {self.min_cables}+ cables"
        parts = []
        if self.n_before:
            parts.append(f"{self.n_before:,} cable{'s' if self.n_before != 1 else ''} of "
                         f"{self.first}-{_prev(self.start)} before")
        if self.n_after:
            parts.append(f"{self.n_after:,} cable{'s' if self.n_after != 1 else ''} of "
                         f"{_next(self.end)}-{self.last} after")
        cut = f"; {' and '.join(parts)} not drawn" if parts else ""
        return (f"{self.start}-{self.end}{cut}; {unit}s with fewer than {self.min_cables} "
                "cables left as gaps")


    def short_note(self, unit: str = "year") -> str:
        """The cut in a few words for a small panel: "2003-2010 (18 earlier cables not
        drawn); gaps: < 10 cables"."""
        if self.start is None:
            return f"no {unit} has {self.min_cables}+ cables"
        out = [f"{self.n_before:,} earlier"] if self.n_before else []
        out += [f"{self.n_after:,} later"] if self.n_after else []
        cut = f" ({' and '.join(out)} cables not drawn)" if out else ""
        return f"{self.start}-{self.end}{cut}; gaps: < {self.min_cables} cables"


def _prev(label: str) -> str:
    year, _, month = label.partition("-")
    if not month:
        return str(int(year) - 1)
    m = int(month) - 1
    return f"{int(year) - 1}-12" if m == 0 else f"{year}-{m:02d}"


def _next(label: str) -> str:
    year, _, month = label.partition("-")
    if not month:
        return str(int(year) + 1)
    m = int(month) + 1
    return f"{int(year) + 1}-01" if m == 13 else f"{year}-{m:02d}"


def dense_window(
    periods: Sequence[str], counts: Sequence[int], *, min_cables: int = MIN_PERIOD_CABLES,
    unit: str = "year",
) -> DenseWindow:
    """The run of dense periods that holds the most cables.

    A period is dense when it has at least ``min_cables`` cables and at least 1% of the
    busiest period's count. Dense periods separated by at most two sparse (or empty)
    periods belong to the same run; the run with the most cables is the window.

    Parameters
    ----------
    periods : sequence of str
        ``YYYY`` (or ``YYYY-MM`` with ``unit="month"``) labels, any order, no repeats.
    counts : sequence of int
        Cables per period, aligned with ``periods``.
    min_cables : int
    unit : {"year", "month"}

    Returns
    -------
    DenseWindow

    Examples
    --------
    >>> w = dense_window(["1966", "1990", "2004", "2005", "2007"], [1, 12, 300, 500, 420])
    >>> (w.start, w.end, w.dense, w.n_before)
    ('2004', '2007', ('2004', '2005', '2007'), 13)
    """
    labels = [str(p) for p in periods]
    cnt = np.asarray(counts, dtype=np.int64)
    if len(labels) != len(cnt):
        raise ValueError(f"dense_window: {len(labels)} periods for {len(cnt)} counts")
    if not labels:
        return DenseWindow(None, None, (), int(min_cables), 0, 0, None, None)
    x = period_positions(labels)
    order = np.argsort(x, kind="stable")
    labels = [labels[i] for i in order]
    x, cnt = x[order], cnt[order]
    step = 1.0 if unit == "year" else 1 / 12
    threshold = max(int(min_cables), int(np.ceil(_MIN_OF_PEAK * cnt.max())))
    dense = cnt >= threshold
    if not dense.any():
        return DenseWindow(None, None, (), int(min_cables), int(cnt.sum()), 0, labels[0],
                           labels[-1])
    idx = np.flatnonzero(dense)
    # runs of dense periods; a gap of up to _MAX_GAP periods (missing or sparse) is bridged
    runs, begin = [], idx[0]
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        if (x[b] - x[a]) / step - 1 > _MAX_GAP + 1e-9:
            runs.append((begin, a))
            begin = b
    runs.append((begin, idx[-1]))
    lo, hi = max(runs, key=lambda r: (int(cnt[r[0]: r[1] + 1].sum()), -r[0]))
    inside = [labels[i] for i in range(lo, hi + 1) if cnt[i] >= min_cables]
    return DenseWindow(
        start=labels[lo], end=labels[hi], dense=tuple(inside), min_cables=int(min_cables),
        n_before=int(cnt[:lo].sum()), n_after=int(cnt[hi + 1:].sum()),
        first=labels[0], last=labels[-1],
    )
