"""Prevalence formulas (``"post + s(year) + classification"``) and the cables' covariates.

A formula is a ``+``-separated list of terms, as in R's stm ``prevalence = ~ ...``:

``post``
    the sending post (categorical, one level per post);
``region``
    the State Department regional bureau of the post's country (``AF``, ``EAP``, ``EUR``,
    ``NEA``, ``SCA``, ``WHA``; ``IO`` for missions to international organisations,
    ``WASHINGTON`` for the Department's own cables; ``unknown`` for a post not in the
    table `corpora/data/post_regions.csv`, see `post_region`);
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
`post_region` maps a post to its region (`post_regions` reads the table).
"""

from __future__ import annotations

import csv
import functools
import json
import logging
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CATEGORICAL",
    "NUMERIC",
    "FormulaError",
    "Term",
    "REGIONS",
    "cable_covariates",
    "parse_formula",
    "post_region",
    "post_regions",
    "regions_of",
]

logger = logging.getLogger(__name__)

#: Categorical covariates a formula may name.
CATEGORICAL = ("post", "region", "classification", "genre")
#: The values of ``region`` (`post_region`).
REGIONS = ("AF", "EAP", "EUR", "NEA", "SCA", "WHA", "IO", "WASHINGTON", "unknown")
#: The post -> region table (package data).
POST_REGIONS_CSV = Path(__file__).resolve().parent.parent / "corpora" / "data" / "post_regions.csv"
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


@functools.lru_cache(maxsize=4)
def post_regions(path: str | Path | None = None) -> dict[str, str]:
    """The post -> region table: ``{"Embassy Tokyo": "EAP", ...}``.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with columns ``post`` and ``region`` (lines starting with ``#`` are comments).
        Default: the package's ``corpora/data/post_regions.csv`` (every origin of the
        development corpus and the synthetic generator's posts, ~280 posts).

    Raises
    ------
    ValueError
        On a row without both fields, a region not in `REGIONS`, or a post listed twice;
        the message names the file and the line.
    """
    p = Path(path) if path is not None else POST_REGIONS_CSV
    out: dict[str, str] = {}
    seen: set[str] = set()
    with open(p, encoding="utf-8", newline="") as fh:
        lines = [(i, line) for i, line in enumerate(fh, 1) if not line.startswith("#")]
    reader = csv.reader(line for _, line in lines)
    header = next(reader, None)
    if header != ["post", "region"]:
        raise ValueError(f"{p}: the first row must be 'post,region'; got {header!r}")
    for (lineno, _), row in zip(lines[1:], reader, strict=True):
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise ValueError(f"{p}, line {lineno}: expected 'post,region'; got {row!r}")
        post, region = row[0].strip(), row[1].strip()
        if region not in REGIONS[:-1]:
            raise ValueError(f"{p}, line {lineno}, field 'region': {region!r} is not one of "
                             f"{', '.join(REGIONS[:-1])}")
        if post.lower() in seen:
            raise ValueError(f"{p}, line {lineno}, field 'post': {post!r} is listed twice")
        seen.add(post.lower())
        out[post] = region
    return out


@functools.lru_cache(maxsize=1)
def _lower_regions() -> dict[str, str]:
    return {k.lower(): v for k, v in post_regions().items()}


def post_region(origin: str | None) -> str:
    """The regional bureau of a sending post, ``"unknown"`` when the table lacks it.

    The post may be written as Cablegate names it (``Embassy Tokyo``) or as a cable's FM
    line (``AMEMBASSY TOKYO``, put in Cablegate's form by `corpora.header.canonical_origin`);
    case does not matter.

    Examples
    --------
    >>> post_region("Embassy Tokyo"), post_region("AMEMBASSY PARIS"), post_region("Mars")
    ('EAP', 'EUR', 'unknown')
    """
    if not origin or not isinstance(origin, str):
        return "unknown"
    table = _lower_regions()
    key = origin.strip().lower()
    if key in table:
        return table[key]
    from corpora.header import canonical_origin

    canon = canonical_origin(origin.strip().upper())
    return table.get(canon.lower(), "unknown") if canon else "unknown"


def regions_of(posts) -> list[str]:
    """`post_region` of each post; logs how many posts (and cables) the table lacks."""
    cache: dict[str, str] = {}
    out = []
    for p in posts:
        key = p if isinstance(p, str) else ""
        if key not in cache:
            cache[key] = post_region(key)
        out.append(cache[key])
    missing = sorted(k for k, v in cache.items() if v == "unknown")
    if missing:
        n = sum(1 for r in out if r == "unknown")
        logger.warning("region: %d post(s) not in the post -> region table (%d cable(s) get "
                    "region 'unknown'): %s", len(missing), n,
                    ", ".join(repr(m) for m in missing[:10]) + (" ..." if len(missing) > 10
                                                                 else ""))
    return out


def cable_covariates(store_path: str | Path, refs, genres_json: str | Path | None = None):
    """The covariates of the cables ``refs`` (in that order) as a pandas DataFrame.

    Columns ``ref``, ``post`` (origin, ``"(unknown)"`` when missing), ``region``
    (`post_region`), ``classification``
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
        "region": regions_of(meta["origin"]),
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
