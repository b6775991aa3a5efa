"""Prevalence formulas (``"post + s(year) + classification"``) and the cables' covariates.

A formula is a ``+``-separated list of terms, as in R's stm ``prevalence = ~ ...``:

``post``
    the sending post (categorical, one level per post);
``classification``
    the classification's base word (``SECRET//NOFORN`` -> ``SECRET``; categorical);
``genre``
    the genre `corpora.genres.detect_genres` gave the cable at tokenize (``subject`` for
    ordinary cables; categorical);
``year``
    the cable's year as a number, linear;
``s(year)`` or ``s(year, 4)``
    the year as a smooth function: a Legendre polynomial of degree 3 (or the given degree,
    1 to 8) in tomotopy's g-DMR, a cubic polynomial basis in the effect regressions.

`parse_formula` reads it with a hand-written scanner (one pass over the characters, linear
time) and names the bad term in its error. `cable_covariates` builds the covariate table of
the modelled cables (one row per ref) from the corpus store and the run's ``genres.json``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CATEGORICAL",
    "NUMERIC",
    "FormulaError",
    "Term",
    "cable_covariates",
    "parse_formula",
]

logger = logging.getLogger(__name__)

#: Categorical covariates a formula may name.
CATEGORICAL = ("post", "classification", "genre")
#: Numeric covariates (``name`` linear, ``s(name)`` smooth).
NUMERIC = ("year",)
#: Longest formula accepted (characters).
MAX_FORMULA = 500
_MAX_DEGREE = 8


class FormulaError(ValueError):
    """A prevalence formula that cannot be read; the message names the bad term."""


@dataclass(frozen=True)
class Term:
    """One term of a formula.

    Attributes
    ----------
    name : str
        The covariate (``post``, ``classification``, ``genre``, ``year``).
    smooth : bool
        ``s(name)``: a smooth function of a numeric covariate.
    degree : int
        Polynomial degree of a numeric term (1 for a linear term).
    """

    name: str
    smooth: bool = False
    degree: int = 1

    @property
    def numeric(self) -> bool:
        return self.name in NUMERIC

    def __str__(self) -> str:
        if self.smooth:
            return f"s({self.name})" if self.degree == 3 else f"s({self.name}, {self.degree})"
        return self.name


def _term(text: str, formula: str) -> Term:
    """One term's text (spaces already stripped at both ends) as a `Term`."""
    where = f"prevalence formula {formula!r}: term {text!r}"
    if not text:
        raise FormulaError(f"prevalence formula {formula!r}: an empty term (two '+' in a row, "
                           "or a '+' at either end)")
    smooth = text.startswith("s(")
    if smooth:
        if not text.endswith(")"):
            raise FormulaError(f"{where}: 's(' without its closing ')'")
        inner = text[2:-1]
        name, _, deg_text = inner.partition(",")
        name, deg_text = name.strip(), deg_text.strip()
        degree = 3
        if _:
            if not deg_text.isdigit() or not 1 <= int(deg_text) <= _MAX_DEGREE:
                raise FormulaError(f"{where}: the degree must be an integer from 1 to "
                                   f"{_MAX_DEGREE}, got {deg_text!r}")
            degree = int(deg_text)
    else:
        name, degree = text, 1
    if not name.isidentifier():
        raise FormulaError(f"{where}: not a covariate name")
    if name not in CATEGORICAL + NUMERIC:
        raise FormulaError(f"{where}: unknown covariate {name!r}; known: "
                           f"{', '.join(CATEGORICAL + NUMERIC)} (write s(year) for a smooth "
                           "year)")
    if smooth and name not in NUMERIC:
        raise FormulaError(f"{where}: s() smooths a numeric covariate ({', '.join(NUMERIC)}); "
                           f"{name!r} is categorical")
    return Term(name, smooth, degree)


def parse_formula(formula: str) -> tuple[Term, ...]:
    """Terms of a prevalence formula, in order.

    Parameters
    ----------
    formula : str
        ``"post + s(year) + classification"``; an optional leading ``~`` is accepted. The
        empty formula (or ``"1"``) has no term: the model is plain LDA with a learned prior.

    Returns
    -------
    tuple of Term

    Raises
    ------
    FormulaError
        On an unknown covariate, a malformed ``s()``, an empty term, a repeated covariate or
        a formula longer than `MAX_FORMULA` characters; the message names the term.

    Examples
    --------
    >>> [str(t) for t in parse_formula("post + s(year) + classification")]
    ['post', 's(year)', 'classification']
    """
    if not isinstance(formula, str):
        raise FormulaError(f"prevalence formula must be a string, got {formula!r}")
    if len(formula) > MAX_FORMULA:
        raise FormulaError(f"prevalence formula is {len(formula)} characters long; at most "
                           f"{MAX_FORMULA}")
    text = formula.strip()
    if text.startswith("~"):
        text = text[1:].strip()
    if text in ("", "1"):
        return ()
    # One pass: split on '+' outside parentheses (so 's(year, 4)' stays one term).
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
            if depth > 1:
                raise FormulaError(f"prevalence formula {formula!r}: nested parentheses")
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise FormulaError(f"prevalence formula {formula!r}: ')' without '('")
        elif ch == "+" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise FormulaError(f"prevalence formula {formula!r}: '(' without its ')'")
    parts.append(text[start:])
    terms = []
    seen: set[str] = set()
    for raw in parts:
        # 's ( year )' -> 's(year)': spaces mean nothing inside a term
        term = _term("".join(raw.split()).replace(",", ", ") if "(" in raw else raw.strip(),
                     formula)
        if term.name in seen:
            raise FormulaError(f"prevalence formula {formula!r}: covariate {term.name!r} "
                               "appears twice")
        seen.add(term.name)
        terms.append(term)
    return tuple(terms)


# --- covariates of the modelled cables -----------------------------------------------------

def base_classification(value: str | None) -> str:
    """``"SECRET//NOFORN"`` -> ``"SECRET"``; empty or missing -> ``"(none)"``."""
    word = (value or "").split("//")[0].strip().upper()
    return word or "(none)"


def cable_covariates(store_path: str | Path, refs, genres_json: str | Path | None = None):
    """The covariates of the cables ``refs`` (in that order) as a pandas DataFrame.

    Columns ``ref``, ``post`` (origin, ``"(unknown)"`` when missing), ``classification``
    (`base_classification`), ``genre`` (from the run's ``genres.json``: form cables carry
    their genre, every other cable ``"subject"``), ``year`` (float; NaN without a date) and
    ``date`` (ISO day or ``""``).
    """
    import numpy as np
    import pandas as pd

    from topics.stages import load_cable_meta

    meta = load_cable_meta(Path(store_path), list(refs)).to_pydict()
    genres: dict[str, str] = {}
    if genres_json is not None and Path(genres_json).is_file():
        genres = json.loads(Path(genres_json).read_text(encoding="utf-8")).get("by_ref", {})
    dates = meta["date"]
    years = [float(d.year) if d is not None else np.nan for d in dates]
    return pd.DataFrame({
        "ref": meta["ref"],
        "post": [o or "(unknown)" for o in meta["origin"]],
        "classification": [base_classification(c) for c in meta["classification"]],
        "genre": [genres.get(r, "subject") for r in meta["ref"]],
        "year": np.asarray(years, dtype=np.float64),
        "date": [d.date().isoformat() if hasattr(d, "date") else (str(d) if d else "")
                 for d in dates],
    })


def write_covariates(frame, path: str | Path) -> Path:
    """Write a covariate table as deterministic Parquet, atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from topics.runinfo import atomic_write

    table = pa.Table.from_pandas(frame, preserve_index=False)
    atomic_write(Path(path), lambda fh: pq.write_table(table, fh, compression="zstd"))
    return Path(path)


def read_covariates(path: str | Path):
    """A covariate table written by `write_covariates` (checked: a ``ref`` column)."""
    import pyarrow.parquet as pq

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"covariates file {p} not found; the pipeline writes it "
                                "before fitting a covariate engine (dmr, dtm)")
    frame = pq.read_table(p).to_pandas()
    if "ref" not in frame.columns:
        raise ValueError(f"{p}: no 'ref' column; expected the table of cable_covariates")
    return frame
