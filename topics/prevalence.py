"""Theme prevalence re-weighted by how much of each post-year's traffic the corpus holds.

A leaked or declassified archive holds different shares of different posts' cables (Gill &
Spirling 2015; `corpora.coverage`). A theme's raw share of the corpus mixes what posts wrote
about with which posts' traffic survived. Weighting every cable by the inverse of its
post-year's observed share in a coverage table, ``N_sent / n_observed``, estimates the
theme's share of what was *sent*. When the coverage table describes the run's own cables,
each post-year's mean theme mix counts in proportion to its estimated sent volume
(post-stratification); when it describes a fuller archive the run samples evenly (the
Cablegate metadata for a 4,000-cable sample), the weights correct for which posts leaked,
not for the sampling.

Cables whose post-year has no meaningful estimate (too few serials, no serial at all as in
FRUS) get no weight; the result says how many. The Kish effective sample size says how
much the weights cost: a few post-years with huge estimated volumes and one or two cables
in the corpus can carry most of the weight.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from corpora.coverage import coverage_table, parse_reference

__all__ = ["WeightedPrevalence", "load_coverage", "post_year_keys", "weighted_prevalence"]

logger = logging.getLogger(__name__)


def load_coverage(path: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read ``coverage.csv`` (and ``variants.csv`` beside it) written by `corpora.coverage`.

    Parameters
    ----------
    path : str or Path
        The ``coverage.csv`` file or the folder holding it.

    Returns
    -------
    table : pandas.DataFrame
    variants : dict of str to str
        Post-name variant -> post.

    Raises
    ------
    FileNotFoundError, ValueError
        When the file is missing or lacks the columns ``post, year, n_mvu, meaningful``.
    """
    path = Path(path)
    csv_path = path / "coverage.csv" if path.is_dir() else path
    if not csv_path.is_file():
        raise FileNotFoundError(
            f"coverage file {str(csv_path)!r} does not exist; write one with "
            "`cable-topics coverage SOURCE --out DIR` and set [report] coverage = 'DIR'"
        )
    table = pd.read_csv(csv_path, keep_default_na=False, na_values=[""])
    missing = [c for c in ("post", "year", "n_observed", "n_mvu", "meaningful")
               if c not in table.columns]
    if missing:
        raise ValueError(f"{csv_path}: columns {missing} missing; expected the coverage.csv "
                         "written by `cable-topics coverage`")
    table["meaningful"] = table["meaningful"].astype(str).str.lower().isin(["true", "1"])
    variants: dict[str, str] = {}
    var_path = csv_path.parent / "variants.csv"
    if var_path.is_file():
        v = pd.read_csv(var_path, keep_default_na=False)
        variants = dict(zip(v["variant"].astype(str), v["post"].astype(str), strict=True))
    return table, variants


def post_year_keys(refs: Sequence[str], variants: dict[str, str] | None = None) -> list:
    """``(post, year)`` of each reference id (post names merged by ``variants``), None where
    the id carries no serial."""
    variants = variants or {}
    out: list = []
    for ref in refs:
        p = parse_reference(ref)
        out.append(None if isinstance(p, str) else (variants.get(p.post, p.post), p.year))
    return out


@dataclass
class WeightedPrevalence:
    """Raw and weighted theme prevalence side by side.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per theme: ``theme``, ``raw`` (share of all cables' theme weight),
        ``raw_weighted_subset`` (the same over the cables that got a weight), ``weighted``,
        ``difference`` (weighted - raw).
    n_cables, n_weighted : int
        Cables in the run; cables with a weight.
    n_serial_refs : int
        Cables whose id carries a post and serial.
    effective_n : float
        Kish effective sample size of the weights, ``(sum w)^2 / sum w^2``.
    top_post_years : list of dict
        The post-years that carry the most weight: ``post, year, n_in_corpus,
        estimated_sent, share_observed, weight_share``.
    source : str
        Where the sent volumes came from.
    note : str
        Why nothing could be weighted, when so.
    """

    table: pd.DataFrame
    n_cables: int
    n_weighted: int
    n_serial_refs: int
    effective_n: float
    top_post_years: list = field(default_factory=list)
    source: str = ""
    note: str = ""


def weighted_prevalence(
    refs: Sequence[str], theme_weight: np.ndarray, theme_ids: Sequence[int],
    coverage: pd.DataFrame | None = None, variants: dict[str, str] | None = None, *,
    estimator: str = "n_mvu", source: str = "", top: int = 10,
) -> WeightedPrevalence:
    """Theme prevalence weighted by the inverse of each post-year's observed share.

    A cable of post-year ``p`` weighs ``N_p / k_p``: the sent volume over the cables
    observed, both from ``coverage``.

    Parameters
    ----------
    refs : sequence of str, length n_cables
        The run's cable ids.
    theme_weight : numpy.ndarray, shape (n_cables, n_themes)
        Each cable's weight on each theme (rows summing to 1, or one-hot).
    theme_ids : sequence of int, length n_themes
    coverage : pandas.DataFrame, optional
        A `corpora.coverage.coverage_table` (or `load_coverage`) of the sent volumes; when
        None it is estimated from ``refs`` themselves (poor for a sample: a post-year
        with few cables in the corpus has no meaningful estimate).
    variants : dict, optional
        Post-name variants of ``coverage``.
    estimator : str
        Column of ``coverage`` with the sent volume: ``n_mvu`` (default), ``n_ml`` or
        ``n_bayes``.
    source : str
        Described in the result.
    top : int
        Post-years listed in ``top_post_years``.

    Returns
    -------
    WeightedPrevalence
    """
    theme_weight = np.asarray(theme_weight, dtype=float)
    if theme_weight.shape != (len(refs), len(theme_ids)):
        raise ValueError(f"weighted_prevalence: theme_weight has shape {theme_weight.shape}; "
                         f"expected ({len(refs)}, {len(theme_ids)}) (cables x themes)")
    if estimator not in ("n_mvu", "n_ml", "n_bayes"):
        raise ValueError(f"estimator must be 'n_mvu', 'n_ml' or 'n_bayes'; got {estimator!r}")
    if coverage is None:
        coverage, vframe, _ = coverage_table(refs)
        variants = dict(zip(vframe["variant"], vframe["post"], strict=True))
        source = source or "the run's own cable ids"
    keys = post_year_keys(refs, variants)
    n_serial = sum(k is not None for k in keys)
    usable = coverage[coverage["meaningful"].astype(bool) & coverage[estimator].notna()]
    sent = {(str(p), int(y)): float(n)
            for p, y, n in zip(usable["post"], usable["year"], usable[estimator], strict=True)}
    seen = {(str(p), int(y)): float(n) for p, y, n in
            zip(usable["post"], usable["year"], usable["n_observed"], strict=True)}
    in_corpus: dict = {}
    for k in keys:
        if k is not None and k in sent:
            in_corpus[k] = in_corpus.get(k, 0) + 1
    # the inverse of the post-year's observed share in the coverage table
    w = np.array([sent[k] / seen[k] if k is not None and k in sent else 0.0 for k in keys])
    total = theme_weight.sum()
    raw = theme_weight.sum(axis=0) / total if total > 0 else np.zeros(len(theme_ids))
    has = w > 0
    note = ""
    if n_serial == 0:
        note = ("no cable id carries a post and serial (FRUS volumes, PlusD document numbers "
                "without serials, ...): weighting by post-year is not possible")
    elif not has.any():
        note = ("no cable falls in a post-year with a meaningful sent-volume estimate; give a "
                "fuller list of ids to `cable-topics coverage` (e.g. the archive's metadata)")
    if has.any():
        sub = theme_weight[has]
        raw_sub = sub.sum(axis=0) / sub.sum()
        weighted = (w[has, None] * sub).sum(axis=0) / (w[has, None] * sub).sum()
        eff = float(w[has].sum() ** 2 / (w[has] ** 2).sum())
    else:
        raw_sub = weighted = np.full(len(theme_ids), np.nan)
        eff = 0.0
    table = pd.DataFrame({"theme": list(theme_ids), "raw": raw, "raw_weighted_subset": raw_sub,
                          "weighted": weighted, "difference": weighted - raw})
    tops = []
    if has.any():
        tot_w = float(w.sum())
        carried = {k: n * sent[k] / seen[k] for k, n in in_corpus.items()}
        for k in sorted(carried, key=lambda kk: (-carried[kk], kk))[:top]:
            tops.append({"post": k[0], "year": k[1], "n_in_corpus": in_corpus[k],
                         "estimated_sent": sent[k], "share_observed": seen[k] / sent[k],
                         "weight_share": carried[k] / tot_w})
    logger.info("weighted prevalence: %d of %d cables weighted (effective n %.0f) from %s",
                int(has.sum()), len(refs), eff, source or "a coverage table")
    return WeightedPrevalence(table, len(refs), int(has.sum()), n_serial, eff, tops,
                              source or "a coverage table", note)
