"""CSV cells a spreadsheet will not run (OWASP's CSV injection rule), for every CSV writer.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading ``'``, so Excel or LibreOffice shows it as text instead of evaluating it: cable
subjects, origins and ids come from the cables, and ``=HYPERLINK(...)`` or
``=cmd|' /C calc'!A0`` would otherwise be live. Parquet and JSON keep the true values.

This is the one copy of the rule: `corpora.coverage` and the report exports
(`topics.report.exports`) use it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_START", "neutralize_cell", "neutralize_frame"]

#: First characters that make a spreadsheet read a cell as a formula (or a DDE command).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will not run: text starting with ``= + - @``, a tab
    or a carriage return gets a leading ``'`` (OWASP CSV injection); other values as given.

    Examples
    --------
    >>> neutralize_cell("=HYPERLINK(\\"http://x\\")"), neutralize_cell("Embassy Rome"), neutralize_cell(-1)
    ('\\'=HYPERLINK("http://x")', 'Embassy Rome', -1)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells went through `neutralize_cell` (for CSV writers
    that use ``DataFrame.to_csv``; the frame given is not changed). Numbers stay numbers:
    a negative value is not text."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(neutralize_cell)
    return out
