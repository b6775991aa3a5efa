"""How much of what was sent does a corpus hold? Sent volume estimated from reference serials.

A cable reference ``09TOKYO1346`` is Tokyo's 1,346th cable of 2009: each post numbers its
outgoing telegrams from 1 each calendar year. Treating the serials a corpus holds for one
post-year as a sample drawn without replacement from ``1..N`` (a discrete uniform with
unknown maximum, the "German tank problem"), the number ``N`` the post sent that year can be
estimated, and with it the share of its traffic the corpus holds. Gill & Spirling
("Estimating the Severity of the WikiLeaks U.S. Diplomatic Cables Disclosure", Political
Analysis 23(2), 2015) compare three estimators; all three are here:

* maximum likelihood: ``N = m`` (the highest serial seen);
* minimum-variance unbiased: ``N = m + m/k - 1`` (``k`` serials seen);
* Bayesian, with an improper discrete uniform prior on ``N`` (Hoehle & Held 2006, "Bayesian
  estimation of the size of a population"): the posterior is ``P(N = n) ∝ 1 / C(n, k)`` for
  ``n >= m``, whose tail has the closed form ``P(N >= x) = C(m-1, k-1) / C(x-1, k-1)``; its
  mean ``(m-1)(k-1)/(k-2)`` exists for ``k >= 3`` and an equal-tailed credible interval for
  ``k >= 2``.

`coverage_table` gives one row per post-year; `summarize_coverage` the overall observed share
with a credible interval (posterior draws of every post-year's ``N``, summed); `coverage`
does both from a corpus store or a file of reference ids and writes ``coverage.csv`` and
``summary.json``. The parsing of references copes with what real Cablegate ids hold
(``7575LIBREVILLE1895``, ``06SECTION01OF02HARARE628``, ``06MADRID002583ZFR2585``,
``90STATE255195TOSEC140301``, ``EFTOLONDON``, one-off misspellings of post names); ids
without a serial (FRUS documents, ``06ASTANA``) are counted and listed, never guessed.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import math
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

from corpora.csvsafe import neutralize_frame

__all__ = [
    "COVERAGE_COLUMNS",
    "CoverageResult",
    "ParsedRef",
    "bayes_interval",
    "bayes_mean",
    "bayes_sample",
    "coverage",
    "coverage_table",
    "normalize_posts",
    "parse_reference",
    "read_references",
    "summarize_coverage",
]

logger = logging.getLogger(__name__)

#: Columns of ``coverage.csv``, in order.
COVERAGE_COLUMNS = (
    "post", "year", "n_observed", "min_serial", "max_serial",
    "n_ml", "n_mvu", "n_bayes", "n_bayes_low", "n_bayes_high",
    "share_ml", "share_mvu", "share_bayes", "share_low", "share_high",
    "uniform_p", "meaningful", "flags", "dropped_serials",
)

# Every pattern below is anchored and made of character classes that cannot overlap at
# their boundaries (letters, then digits), so matching is linear in the id's length.
_PLAIN = re.compile(r"(\d\d)([A-Z]+)(\d+)")
_PLUSD = re.compile(r"((?:19|20)\d\d)([A-Z]+)(\d+)(?:_[A-Z0-9]+)?")
_DOUBLE_YEAR = re.compile(r"(\d\d)(\d\d)([A-Z]+)(\d+)")
_SUFFIXED = re.compile(r"(\d\d)([A-Z]+)(\d+)([A-Z]+)(\d+)")
_SECTIONED = re.compile(r"(\d\d)([A-Z0-9]{2,16}?)([A-Z]+)(\d+)")
_FRUS = re.compile(r"frus\S*", re.IGNORECASE)

#: Fragments of handling markings glued onto a post name in the archive
#: (``EFTOLONDON``: "encrypt for transmission only"; ``SIFIEDABUJA``: "...SIFIED").
GLUED_PREFIXES = ("AMEMBASSY", "AMCONSUL", "NOFORN", "SIFIED", "EFTO")


@dataclass(frozen=True)
class ParsedRef:
    """A reference id read as post, year and serial.

    Attributes
    ----------
    ref : str
        The id as given.
    year : int
        Four-digit year (two-digit years 66-99 are 19xx, as in Cablegate).
    post : str
        Post name as written in the id (upper case, no spaces), before variant merging.
    serial : int
        The post's serial number for that year.
    fix : str
        What was repaired to read it (``""`` when nothing): ``double year``,
        ``section marker``, ``trailing suffix``.
    """

    ref: str
    year: int
    post: str
    serial: int
    fix: str = ""


def _year(two: str) -> int:
    yy = int(two)
    return 1900 + yy if yy >= 66 else 2000 + yy


def parse_reference(ref: str) -> ParsedRef | str:
    """Read a reference id as (year, post, serial), or say why it cannot be read.

    Parameters
    ----------
    ref : str
        ``09TOKYO1346``, PlusD's ``1974ATHENS02959`` or one of the archive's malformed ids.

    Returns
    -------
    ParsedRef or str
        The parsed id, or a short reason (``"no serial"``, ``"FRUS document id"``, ...)
        when the id carries no usable post and serial.

    Examples
    --------
    >>> parse_reference("7575LIBREVILLE1895")
    ParsedRef(ref='7575LIBREVILLE1895', year=1975, post='LIBREVILLE', serial=1895, fix='double year')
    >>> parse_reference("06ASTANA")
    'no serial'
    """
    s = str(ref).strip().upper()
    if not s:
        return "empty id"
    if _FRUS.fullmatch(s):
        return "FRUS document id (no serial)"
    if (m := _PLAIN.fullmatch(s)) is not None:
        return ParsedRef(str(ref), _year(m.group(1)), m.group(2), int(m.group(3)))
    if (m := _PLUSD.fullmatch(s)) is not None:
        return ParsedRef(str(ref), int(m.group(1)), m.group(2), int(m.group(3)))
    if (m := _DOUBLE_YEAR.fullmatch(s)) is not None and m.group(1) == m.group(2):
        return ParsedRef(str(ref), _year(m.group(1)), m.group(3), int(m.group(4)), "double year")
    if (m := _SUFFIXED.fullmatch(s)) is not None:
        # 06MADRID002583ZFR2585, 90STATE255195TOSEC140301: the zero-padded number right
        # after the post is the post's own serial; what follows is a second numbering.
        return ParsedRef(str(ref), _year(m.group(1)), m.group(2), int(m.group(3)),
                         "trailing suffix")
    if (m := _SECTIONED.fullmatch(s)) is not None:
        # 06SECTION01OF02HARARE628, 0901OF02RPODUBAI288: a "section N of M" marker (often
        # misspelt) glued between year and post; the post is the last run of letters.
        junk = m.group(2)
        post_ok = len(m.group(3)) >= 3  # 092OF5 would give a post "F"
        if post_ok and any(c.isdigit() for c in junk) and ("O" in junk or "F" in junk):
            return ParsedRef(str(ref), _year(m.group(1)), m.group(3), int(m.group(4)),
                             "section marker")
    if re.fullmatch(r"\d\d[A-Z]+", s):
        return "no serial"
    return "not a post-year-serial id"


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits),
    ``limit + 1`` as soon as it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def normalize_posts(
    counts: dict[str, int], *, typo_max: int = 3, target_min: int = 100,
    aliases: dict[str, str] | None = None,
) -> dict[str, tuple[str, str]]:
    """Merge the variants of post names found in reference ids.

    Three rules, in order: an explicit alias; a handling-marking fragment glued in front
    (`GLUED_PREFIXES`: ``EFTOLONDON`` -> ``LONDON``) when the rest is a post seen elsewhere;
    a rare name (at most ``typo_max`` ids) one edit (two for names of 8+ letters) from a
    single common post (at least ``target_min`` ids): ``BEIJIG`` -> ``BEIJING``. Rare names
    with no such neighbour stay as they are (``KRAKOW``, ``LENINGRAD`` are real posts).

    Parameters
    ----------
    counts : dict of str to int
        Number of ids per post name as written.
    typo_max, target_min : int
        See above.
    aliases : dict, optional
        Extra ``{variant: post}`` mappings applied first.

    Returns
    -------
    dict of str to (str, str)
        ``{variant: (post, rule)}`` for every name that changes; ``rule`` is ``alias``,
        ``glued prefix`` or ``misspelling``.
    """
    out: dict[str, tuple[str, str]] = {}
    for name, target in (aliases or {}).items():
        if name in counts and target != name:
            out[name] = (target, "alias")
    common = sorted((p for p, n in counts.items() if n >= target_min), key=lambda p: (-counts[p], p))
    for name, n in sorted(counts.items()):
        if name in out:
            continue
        for prefix in GLUED_PREFIXES:
            rest = name[len(prefix):]
            if name.startswith(prefix) and rest and counts.get(rest, 0) > 0:
                out[name] = (rest, "glued prefix")
                break
        if name in out or n > typo_max or n >= target_min:
            continue
        limit = 2 if len(name) >= 8 else 1
        best = [(d, p) for p in common if (d := _osa_distance(name, p, limit)) <= limit]
        if best:
            d_min = min(d for d, _ in best)
            closest = [p for d, p in best if d == d_min]
            if len(closest) == 1:
                out[name] = (closest[0], "misspelling")
    return out


# --------------------------------------------------------------------------- estimators
def _log_tail(x: np.ndarray, m: np.ndarray, k: np.ndarray) -> np.ndarray:
    """log P(N >= x) under the uniform-prior posterior, for x >= m (float arrays)."""
    return gammaln(m) - gammaln(m - k + 1) - gammaln(x) + gammaln(x - k + 1)


def _tail_quantile(u: np.ndarray, m: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The largest integer x >= m with P(N >= x) >= u (vectorized bisection)."""
    u = np.clip(np.asarray(u, dtype=float), 1e-300, 1.0)
    m = np.asarray(m, dtype=float)
    k = np.asarray(k, dtype=float)
    # P(N >= x) = prod_{j=1}^{k-1} (m-j)/(x-j), whose factors fall with j, lies between
    # ((m-k+1)/(x-k+1))^(k-1) and ((m-1)/(x-1))^(k-1): a bracket a few units wide
    g = np.exp(-np.log(u) / (k - 1.0))
    lo = np.maximum(m, np.floor((k - 1.0) + (m - k + 1.0) * g) - 1.0)
    hi = np.maximum(np.floor(2.0 + (m - 1.0) * g), lo)
    log_u = np.log(u)
    for _ in range(200):
        todo = hi > lo
        if not todo.any():
            break
        mid = np.floor((lo + hi + 1.0) / 2.0)
        ok = _log_tail(mid, m, k) >= log_u
        lo = np.where(todo & ok, mid, lo)
        hi = np.where(todo & ~ok, mid - 1.0, hi)
    return lo


def bayes_mean(m: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Posterior mean of N, ``(m-1)(k-1)/(k-2)``; NaN where ``k < 3`` (no finite mean)."""
    m = np.atleast_1d(np.asarray(m, dtype=float))
    k = np.atleast_1d(np.asarray(k, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (m - 1.0) * (k - 1.0) / (k - 2.0)
    return np.where(k >= 3, np.maximum(mean, m), np.nan)


def bayes_interval(m, k, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed credible interval for N; NaN where ``k < 2`` (improper posterior).

    Parameters
    ----------
    m, k : array_like
        Highest serial and number of distinct serials seen, per post-year.
    level : float
        Credible level in (0, 1).

    Returns
    -------
    (low, high) : tuple of numpy.ndarray
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"bayes_interval needs 0 < level < 1; got {level!r}")
    m = np.atleast_1d(np.asarray(m, dtype=float))
    k = np.atleast_1d(np.asarray(k, dtype=float))
    ok = k >= 2
    mm, kk = np.where(ok, m, 2.0), np.where(ok, k, 2.0)
    alpha = 1.0 - level
    low = _tail_quantile(np.full(m.shape, 1.0 - alpha / 2), mm, kk)
    high = _tail_quantile(np.full(m.shape, alpha / 2), mm, kk)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def bayes_sample(m, k, n_draws: int, rng: np.random.Generator) -> np.ndarray:
    """Posterior draws of N per post-year (inverse-CDF sampling), shape (n_draws, len(m)).

    Every ``k`` must be at least 2 (the posterior is improper below that).
    """
    m = np.asarray(m, dtype=float)
    k = np.asarray(k, dtype=float)
    if (k < 2).any():
        raise ValueError("bayes_sample needs k >= 2 serials per post-year")
    u = 1.0 - rng.random((int(n_draws), m.size))  # in (0, 1]
    return _tail_quantile(u, np.broadcast_to(m, u.shape), np.broadcast_to(k, u.shape))


# --------------------------------------------------------------------------- tables
def _uniform_p(serials: np.ndarray, n_hat: float) -> float:
    """Kolmogorov-Smirnov p-value of serials against uniform on (0, n_hat]."""
    if serials.size < 5 or n_hat <= 0:
        return float("nan")
    return float(stats.kstest(serials / n_hat, "uniform").pvalue)


def _drop_outliers(serials: np.ndarray, min_cables: int) -> tuple[np.ndarray, list[int]]:
    """Drop top serials that cannot belong to the year's sequence (``10LAGOS50005`` beside
    Lagos's other 2010 serials, all below 82): the highest serial goes when it is more than
    twice the next and, given it, the other ``k - 1`` would all lie below the next with
    probability under 1e-6 (``(s2 / (m - 1)) ** (k - 1)``). A post-year that stops early
    in the year (coverage ending in August) has a gap of a few tens of percent, not 2x."""
    dropped: list[int] = []
    while serials.size >= max(min_cables, 3):
        m, s2, k = float(serials[-1]), float(serials[-2]), serials.size
        if m <= 2.0 * s2 or (k - 1) * math.log(s2 / (m - 1.0)) > math.log(1e-6):
            break
        dropped.append(int(serials[-1]))
        serials = serials[:-1]
    return serials, dropped


def coverage_table(
    refs: Iterable[str], *, min_cables: int = 10, level: float = 0.95,
    uniform_alpha: float = 0.001, aliases: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One row per post-year: cables observed, highest serial, sent volume by three estimators.

    Parameters
    ----------
    refs : iterable of str
        Reference ids (duplicates are counted once).
    min_cables : int
        Below this many distinct serials a post-year's estimate is flagged ``few cables`` and
        ``meaningful`` is False (it stays in the table, out of the totals).
    level : float
        Credible level of the Bayesian interval.
    uniform_alpha : float
        A post-year whose serials fail a Kolmogorov-Smirnov test of uniformity on
        ``(0, N_mvu]`` at this level is flagged ``not uniform`` (the corpus holds one part
        of the year, so the shares are right for the year but the interval is too narrow).
    aliases : dict, optional
        Extra post-name mappings for `normalize_posts`.

    Returns
    -------
    table : pandas.DataFrame
        Columns `COVERAGE_COLUMNS`, sorted by post then year. ``n_bayes`` is the posterior
        mean (NaN for fewer than 3 serials), ``n_bayes_low``/``high`` the credible interval,
        ``share_*`` = ``n_observed / N``, ``share_low``/``high`` from the interval.
        ``dropped_serials`` lists serials set aside as out of line with the rest of the
        post-year (see `_drop_outliers`); ``n_observed`` counts the serials kept.
    variants : pandas.DataFrame
        ``variant, post, rule, n_refs``: every post name merged into another.
    unparsed : pandas.DataFrame
        ``ref, reason``: ids without a usable post and serial.
    """
    if int(min_cables) < 1:
        raise ValueError(f"coverage_table needs min_cables >= 1; got {min_cables!r}")
    parsed: list[ParsedRef] = []
    bad: list[tuple[str, str]] = []
    seen: set[str] = set()
    for ref in refs:
        if ref in seen:
            continue
        seen.add(ref)
        p = parse_reference(ref)
        if isinstance(p, str):
            bad.append((ref, p))
        else:
            parsed.append(p)
    unparsed = pd.DataFrame(bad, columns=["ref", "reason"])
    name_counts: dict[str, int] = {}
    for p in parsed:
        name_counts[p.post] = name_counts.get(p.post, 0) + 1
    mapping = normalize_posts(name_counts, aliases=aliases)
    variants = pd.DataFrame(
        [(v, t, r, name_counts[v]) for v, (t, r) in sorted(mapping.items())],
        columns=["variant", "post", "rule", "n_refs"],
    )
    frame = pd.DataFrame({
        "post": [mapping.get(p.post, (p.post, ""))[0] for p in parsed],
        "year": np.array([p.year for p in parsed], dtype=np.int64),
        "serial": np.array([p.serial for p in parsed], dtype=np.int64),
    })
    frame = frame[frame["serial"] > 0].drop_duplicates(["post", "year", "serial"])
    rows, dropped = [], []
    for (post, year), grp in frame.groupby(["post", "year"], sort=True):
        serials, out_of_line = _drop_outliers(np.sort(grp["serial"].to_numpy()), min_cables)
        rows.append((post, int(year), serials))
        dropped.append(" ".join(str(int(x)) for x in out_of_line))
    k = np.array([r[2].size for r in rows], dtype=float)
    m = np.array([r[2][-1] if r[2].size else 0 for r in rows], dtype=float)
    n_mvu = m + m / np.maximum(k, 1) - 1.0
    n_bayes = bayes_mean(m, k) if rows else np.zeros(0)
    low, high = bayes_interval(m, k, level) if rows else (np.zeros(0), np.zeros(0))
    table = pd.DataFrame({
        "post": [r[0] for r in rows],
        "year": np.array([r[1] for r in rows], dtype=np.int64),
        "n_observed": k.astype(np.int64),
        "min_serial": np.array([r[2][0] for r in rows], dtype=np.int64),
        "max_serial": m.astype(np.int64),
        "n_ml": m,
        "n_mvu": n_mvu,
        "n_bayes": n_bayes,
        "n_bayes_low": low,
        "n_bayes_high": high,
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share_ml"] = k / m
        table["share_mvu"] = k / n_mvu
        table["share_bayes"] = k / n_bayes
        table["share_low"] = k / high
        table["share_high"] = k / low
    table["uniform_p"] = [_uniform_p(r[2].astype(float), n) for r, n in zip(rows, n_mvu, strict=True)]
    flags = []
    for kk, p in zip(k, table["uniform_p"], strict=True):
        f = []
        if kk < 2:
            f.append("single cable")
        elif kk < min_cables:
            f.append("few cables")
        if not math.isnan(p) and p < uniform_alpha:
            f.append("not uniform")
        flags.append(";".join(f))
    table["flags"] = flags
    table["dropped_serials"] = dropped
    for i, d in enumerate(dropped):
        if d:
            table.loc[i, "flags"] = ";".join(x for x in (flags[i], "serial out of line") if x)
    table["meaningful"] = k >= min_cables
    return table[list(COVERAGE_COLUMNS)], variants, unparsed


def summarize_coverage(
    table: pd.DataFrame, *, years: tuple[int, int] | None = None, exclude: Iterable[str] = (),
    level: float = 0.95, n_draws: int = 2000, seed: int = 0,
) -> dict:
    """Overall observed share, with a credible interval, over the meaningful post-years.

    The shares are ``sum(n_observed) / sum(N)``: ``observed_share`` with the posterior
    median of ``sum(N)`` from ``n_draws`` joint posterior draws (post-years independent),
    its credible interval from the same draws, ``observed_share_mvu``/``_ml`` with the
    other two estimators' sums.

    Parameters
    ----------
    table : pandas.DataFrame
        From `coverage_table`.
    years : (int, int), optional
        Inclusive year range; default all years.
    exclude : iterable of str
        Posts to leave out (e.g. ``["STATE"]``: the Department's own serials).
    level : float
        Credible level.
    n_draws : int
        Posterior draws for the interval.
    seed : int
        Seed of the draws (the same seed gives the same interval).

    Returns
    -------
    dict
        ``observed_share`` (Bayesian), ``observed_share_low``/``high``,
        ``observed_share_mvu``/``ml``, counts of cables and post-years in and out,
        per-year shares and the quantiles of the post-year shares.
    """
    sel = table.copy()
    if years is not None:
        sel = sel[(sel["year"] >= years[0]) & (sel["year"] <= years[1])]
    excluded_posts = sorted(set(exclude))
    if excluded_posts:
        sel = sel[~sel["post"].isin(excluded_posts)]
    use = sel[sel["meaningful"]]
    k = use["n_observed"].to_numpy(dtype=float)
    m = use["max_serial"].to_numpy(dtype=float)
    out: dict = {
        "years": list(years) if years is not None else None,
        "excluded_posts": excluded_posts,
        "level": level,
        "n_post_years": int(len(use)),
        "n_cables": int(k.sum()),
        "n_post_years_left_out": int(len(sel) - len(use)),
        "n_cables_left_out": int(sel["n_observed"].sum() - k.sum()),
    }
    if len(use) == 0:
        out.update(observed_share=None, observed_share_low=None, observed_share_high=None)
        return out
    sent_mvu = float(use["n_mvu"].sum())
    out["estimated_sent_ml"] = float(m.sum())
    out["estimated_sent_mvu"] = sent_mvu
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xC0FE]))
    totals = np.zeros(int(n_draws))
    for start in range(0, len(use), 500):  # chunks bound the draw matrix's memory
        totals += bayes_sample(m[start:start + 500], k[start:start + 500], n_draws, rng).sum(axis=1)
    alpha = 1.0 - level
    lo_t, hi_t = np.quantile(totals, [alpha / 2, 1 - alpha / 2])
    out["estimated_sent_bayes_median"] = float(np.median(totals))
    out["estimated_sent_bayes_low"] = float(lo_t)
    out["estimated_sent_bayes_high"] = float(hi_t)
    # the headline is the posterior median, so that it always lies inside its interval
    # (with few serials per post-year the heavy posterior tails pull the sum above MVU)
    out["observed_share"] = float(k.sum() / np.median(totals))
    out["observed_share_mvu"] = float(k.sum() / sent_mvu)
    out["observed_share_ml"] = float(k.sum() / m.sum())
    out["observed_share_low"] = float(k.sum() / hi_t)
    out["observed_share_high"] = float(k.sum() / lo_t)
    shares = use["share_mvu"].to_numpy()
    out["post_year_share_quantiles"] = {
        q: float(np.quantile(shares, float(q))) for q in ("0.05", "0.25", "0.5", "0.75", "0.95")
    }
    by_year = use.groupby("year").agg(n=("n_observed", "sum"), sent=("n_mvu", "sum"),
                                      posts=("post", "size"))
    out["by_year"] = {
        str(int(y)): {"n_cables": int(r.n), "estimated_sent_mvu": float(r.sent),
                      "observed_share": float(r.n / r.sent), "n_posts": int(r.posts)}
        for y, r in by_year.iterrows()
    }
    return out


# --------------------------------------------------------------------------- sources
def read_references(source: str | os.PathLike) -> list[str]:
    """Reference ids from a corpus store or a file of ids.

    Parameters
    ----------
    source : str or path-like
        A `corpora.store.CorpusStore` directory (its ``ref`` column), or a text/CSV file,
        optionally gzipped, whose first column holds ids (``cable2month.csv.gz``:
        ``REFERENCE_ID,MONTH``); a first line whose first field has no digit (a header)
        is skipped.

    Returns
    -------
    list of str

    Raises
    ------
    FileNotFoundError
        When `source` does not exist.
    ValueError
        When a file holds no ids, or a line has an empty first field (file and line named).
    """
    path = Path(source)
    if path.is_dir():
        from corpora.store import CorpusStore

        store = CorpusStore(path)
        refs: list[str] = []
        for batch in store.iter_batches(columns=["ref"]):
            refs.extend(r for r in batch.column("ref").to_pylist() if r)
        return refs
    if not path.is_file():
        raise FileNotFoundError(
            f"coverage source {str(path)!r} does not exist; give a corpus store directory or "
            "a file of reference ids (one per line, or a CSV whose first column is the id)"
        )
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8-sig", errors="strict")
    refs = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip():
            continue
        first = row[0].strip()
        if lineno == 1 and not any(c.isdigit() for c in first):
            continue  # a header line (REFERENCE_ID, ref): ids all carry digits
        if not first:
            raise ValueError(f"{path}: line {lineno}: field 1 (reference id) is empty")
        refs.append(first)
    if not refs:
        raise ValueError(f"{path}: no reference ids found (expected one id per line)")
    return refs


@dataclass
class CoverageResult:
    """What `coverage` computed: the tables and the summary it wrote."""

    table: pd.DataFrame
    variants: pd.DataFrame
    unparsed: pd.DataFrame
    summary: dict


def _atomic_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def coverage(
    source: str | os.PathLike | Iterable[str], out: str | os.PathLike | None = None, *,
    min_cables: int = 10, level: float = 0.95, years: tuple[int, int] | None = None,
    exclude: Iterable[str] = (), n_draws: int = 2000, seed: int = 0,
) -> CoverageResult:
    """Estimate how much of each post-year's traffic a corpus holds, and write it out.

    Parameters
    ----------
    source : path or iterable of str
        A corpus store, a file of reference ids (see `read_references`) or the ids.
    out : path, optional
        Directory for ``coverage.csv`` (one row per post-year, `COVERAGE_COLUMNS`),
        ``summary.json``, ``variants.csv`` (merged post names) and ``unparsed.csv`` (ids
        without a serial). Nothing is written when None.
    min_cables, level : see `coverage_table`.
    years, exclude, n_draws, seed : see `summarize_coverage`.

    Returns
    -------
    CoverageResult

    Examples
    --------
    >>> res = coverage(["09TOKYO10", "09TOKYO20", "09TOKYO30"], min_cables=2)
    >>> int(res.table.loc[0, "max_serial"]), round(float(res.table.loc[0, "n_mvu"]), 1)
    (30, 39.0)
    """
    if isinstance(source, (str, os.PathLike)):
        refs = read_references(source)
        source_name = str(source)
    else:
        refs = [str(r) for r in source]
        source_name = "(ids)"
    table, variants, unparsed = coverage_table(refs, min_cables=min_cables, level=level)
    summary = summarize_coverage(table, years=years, exclude=exclude, level=level,
                                 n_draws=n_draws, seed=seed)
    summary = {
        "source": source_name,
        "n_ids": len(refs),
        "n_ids_distinct": len(set(refs)),
        "n_ids_unparsed": int(len(unparsed)),
        "n_post_names_merged": int(len(variants)),
        "min_cables": int(min_cables),
        "prior": "improper discrete uniform on N >= max serial (Hoehle & Held 2006)",
        "point_estimator": "posterior median of the summed sent volume",
        **summary,
    }
    if len(refs) and len(unparsed) == len(set(refs)):
        logger.warning("coverage: none of the %d ids in %s carries a post and serial "
                       "(e.g. %r: %s)", len(refs), source_name, unparsed.iloc[0]["ref"],
                       unparsed.iloc[0]["reason"])
    if out is not None:
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        # ids and post names come from the data: no live formula cells (corpora.csvsafe)
        _atomic_text(out_dir / "coverage.csv",
                     neutralize_frame(table).to_csv(index=False, float_format="%.6g"))
        _atomic_text(out_dir / "variants.csv", neutralize_frame(variants).to_csv(index=False))
        _atomic_text(out_dir / "unparsed.csv", neutralize_frame(unparsed).to_csv(index=False))
        _atomic_text(out_dir / "summary.json", json.dumps(summary, indent=2) + "\n")
        logger.info("coverage of %s: %d post-years, observed share %s -> %s", source_name,
                    len(table), summary.get("observed_share"), out_dir)
    return CoverageResult(table, variants, unparsed, summary)
