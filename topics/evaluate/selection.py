"""Choosing the number of topics: fit every K x seed, score, tabulate, plot, recommend.

`sweep` fits each (K, seed) in a process pool (every fit single-threaded, so ``n_jobs``
fits keep ``n_jobs`` cores busy) and saves each result as soon as it finishes; an
interrupted sweep picks up where it stopped, reading finished results instead of refitting.

Layout of ``out_dir``::

    results/k0010_seed0.json       scores of one fit (written last, atomically: the marker)
    results/k0010_seed0.npy        its topic-term matrix (for stability across seeds)
    sweep.csv, sweep.md            per K: mean and std over seeds of every score
    sweep.png                      held-out likelihood, coherence-exclusivity frontier,
                                   stability, NPMI, diversity, agreement with TAGS; the
                                   recommended K marked

The recommendation rule (`recommend_k`) balances scores that pull K in opposite
directions, so it does not slide to an edge of the grid: coherence (NPMI), diversity and
stability fall as K grows, while the held-out likelihood (the engine's own bound where it
has one, else document completion) and exclusivity rise or peak. Candidates are the K
values on the coherence-exclusivity frontier (no other K has both higher NPMI and higher
exclusivity; as R stm's ``searchK`` plots them); among them the K with the highest mean of
the standardised held-out likelihood, exclusivity, NPMI and stability wins (ties: the
smaller K). A recommendation at the smallest or largest K tried comes with a warning: the
best K may lie outside the grid.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from topics.evaluate.coherence import ReferenceCorpus, coherence_scores, top_terms
from topics.evaluate.scores import (
    diversity,
    exclusivity,
    heldout_bound,
    heldout_completion,
    tag_agreement,
)
from topics.evaluate.stability import stability
from topics.report.exports import neutralize_frame
from topics.runinfo import atomic_write

__all__ = ["parse_k_range", "plot_sweep", "recommend_k", "sweep"]

logger = logging.getLogger(__name__)

#: Scores tabulated per K (mean and std over seeds); stability is one value per K.
SCORES = ("heldout_ll", "c_npmi", "c_v", "u_mass", "diversity", "exclusivity", "stability",
          "perplexity", "ami_tag", "ami_post")
_RESULT_FORMAT = 2


def parse_k_range(text: str) -> list[int]:
    """Numbers of topics from ``"START:STOP:STEP"`` (STOP included), ``"a,b,c"`` or ``"K"``.

    Parameters
    ----------
    text : str
        ``"10:100:10"`` -> 10, 20, ..., 100; ``"5:20"`` steps by 5; ``"10,20,50"``; ``"30"``.

    Returns
    -------
    list of int
        Sorted, unique, each >= 2.

    Raises
    ------
    ValueError
        Malformed text, a step <= 0, STOP < START or a K below 2.
    """
    s = str(text).strip()
    hint = "expected START:STOP[:STEP] (e.g. 10:100:10), a list (10,20,50) or one K"
    if ":" in s:
        parts = s.split(":")
        if len(parts) not in (2, 3) or not all(re.fullmatch(r"\d+", p.strip()) for p in parts):
            raise ValueError(f"--topics {text!r}: {hint}.")
        start, stop = int(parts[0]), int(parts[1])
        step = int(parts[2]) if len(parts) == 3 else 5
        if step <= 0:
            raise ValueError(f"--topics {text!r}: STEP must be >= 1; got {step}.")
        if stop < start:
            raise ValueError(f"--topics {text!r}: STOP ({stop}) is below START ({start}).")
        ks = list(range(start, stop + 1, step))
    else:
        parts = [p.strip() for p in s.split(",")]
        if not parts or not all(re.fullmatch(r"\d+", p) for p in parts):
            raise ValueError(f"--topics {text!r}: {hint}.")
        ks = sorted({int(p) for p in parts})
    small = [k for k in ks if k < 2]
    if small:
        raise ValueError(f"--topics {text!r}: every K must be >= 2 (a 1-topic model explains "
                         f"nothing); got {small}.")
    return ks


# --------------------------------------------------------------------------------------------
# One fit (runs in a worker process)
# --------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(train: Any, held: Any, reference: ReferenceCorpus, settings: dict,
                 labels: dict | None = None) -> None:
    _WORKER.update(train=train, held=held, reference=reference, settings=settings,
                   labels=labels or {})



def _result_paths(out_dir: Path, k: int, seed: int) -> tuple[Path, Path]:
    stem = out_dir / "results" / f"k{k:04d}_seed{seed}"
    return stem.with_suffix(".json"), stem.with_suffix(".npy")


def _fit_one(k: int, seed: int) -> dict[str, Any]:
    from threadpoolctl import threadpool_limits

    from topics.models import make_model

    train, held, reference = _WORKER["train"], _WORKER["held"], _WORKER["reference"]
    settings = _WORKER["settings"]
    out_dir = Path(settings["out_dir"])
    t0 = time.perf_counter()
    with threadpool_limits(limits=1):
        model = make_model(settings["engine"], n_topics=k, seed=seed,
                           **settings["model_params"]).fit(train)
        fit_s = time.perf_counter() - t0
        phi = np.asarray(model.topic_term_, dtype=np.float64)
        top_n = settings["top_n"]
        tops = top_terms(phi, list(model.terms_), top_n=max(top_n, 25))
        coh = coherence_scores([t[:top_n] for t in tops], reference, on_missing="drop")
        result: dict[str, Any] = {
            "format": _RESULT_FORMAT, "k": k, "seed": seed, "config": settings["config"],
            "n_topics": int(phi.shape[0]),
            "fit_seconds": fit_s,
            "diversity": diversity(tops, top_n=25) if phi.shape[0] >= 2 else None,
            "exclusivity": float(np.mean(exclusivity(phi, top_n=top_n)))
            if phi.shape[0] >= 2 and np.all(phi >= 0) else None,
            "top_terms": [list(t[:top_n]) for t in tops],
        }
        for m, c in coh.items():
            result[m] = c.mean
            result[f"{m}_per_topic"] = [float(v) for v in c.per_topic]
        result["perplexity"] = result["heldout_ll"] = None
        if held is not None:
            try:
                # The engine's own bound where it has one, else document completion.
                result["heldout_completion"] = heldout_completion(model, held)
                bound = heldout_bound(model, held)
                result["heldout"] = bound or result["heldout_completion"]
                result["heldout"].setdefault("method", "document completion")
                result["heldout_ll"] = result["heldout"]["per_word_ll"]
                result["perplexity"] = float(np.exp(-result["heldout_ll"]))
            except (ValueError, NotImplementedError) as exc:
                result["heldout_error"] = str(exc)
        labels = _WORKER.get("labels") or {}
        if labels.get("tag") is not None:
            agree = tag_agreement(np.asarray(model.doc_topic_), labels["tag"],
                                  labels.get("post"), seed=seed, n_shuffles=1, per_tag=0)
            result["ami_tag"] = agree["ami_tag"]
            result["ami_post"] = agree.get("ami_post")
    result["seconds"] = time.perf_counter() - t0
    json_path, npy_path = _result_paths(out_dir, k, seed)
    # The scores first go: a matrix without its scores never counts as done, so a kill
    # between the two writes cannot pair an older fit's scores with this fit's matrix.
    json_path.unlink(missing_ok=True)
    atomic_write(npy_path, lambda fh: np.save(fh, phi, allow_pickle=False))
    atomic_write(json_path, lambda fh: fh.write(json.dumps(result, indent=1).encode()))
    return result


# --------------------------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------------------------


def _read_result(path: Path, config: dict) -> dict | None:
    try:
        result = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        logger.warning("sweep: ignoring unreadable result %s (%s); refitting", path, exc)
        return None
    if result.get("format") != _RESULT_FORMAT or result.get("config") != config:
        logger.warning("sweep: %s was made with other settings; refitting", path)
        return None
    return result


def _split(n_docs: int, share: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(np.random.SeedSequence([0, zlib.crc32(b"heldout")]))
    n_held = int(round(n_docs * share))
    perm = rng.permutation(n_docs)
    return np.sort(perm[n_held:]), np.sort(perm[:n_held])


def sweep(dtm: Any, texts: Sequence[Sequence[str]] | ReferenceCorpus, ks: Sequence[int],
          seeds: Sequence[int] = (0, 1, 2), engine: str = "lda-gibbs",
          out_dir: str | os.PathLike[str] = "sweep", n_jobs: int = 2, top_n: int = 10,
          heldout: float = 0.1, stability_threshold: float = 0.5,
          subject_tags: Sequence[Any] | None = None, origins: Sequence[Any] | None = None,
          **model_params: Any) -> pd.DataFrame:
    """Fit every K x seed, score each fit, and tabulate the scores per K.

    Parameters
    ----------
    dtm : DocTermMatrix
        Count matrix of the corpus (rows are cables).
    texts : list of list of str or ReferenceCorpus
        Token lists of the same cables, the reference corpus for coherence.
    ks : sequence of int
        Numbers of topics, each >= 2 and at most the number of training cables.
    seeds : sequence of int
        One fit per seed for every K; stability needs >= 2.
    engine : str
        A `topics.models.ENGINES` key. Engines with a ``workers`` parameter get
        ``workers=1`` unless given (the pool provides the parallelism).
    out_dir : path
        Results, tables and the figure go here (see the module docstring).
    n_jobs : int
        Fits run at once (processes); 1 runs in this process.
    top_n : int
        Top terms per topic for coherence, exclusivity and stability overlap.
    heldout : float
        Share of cables held out (the same cables for every fit) for the held-out
        likelihood; the models are fit on the rest. 0 disables it.
    stability_threshold : float
        Matched similarity below which a topic counts as unstable.
    subject_tags, origins : sequence, optional
        First subject TAG (or TAGS list) and sending post per cable (rows of ``dtm``): the
        chance-adjusted agreement of the dominant topics with them (``ami_tag``,
        ``ami_post``) is tabulated beside the other scores (not used to recommend K).
    **model_params
        Passed to `topics.models.make_model`.

    Returns
    -------
    pandas.DataFrame
        One row per K: ``k``, ``n_seeds``, ``<score>_mean`` and ``<score>_std`` for each of
        `SCORES` (stability: over run pairs), ``unstable_topics`` (mean count), ``fit_seconds``.
    """
    from topics.models import ENGINES

    ks = [int(k) for k in ks]
    seeds = [int(s) for s in seeds]
    n_docs = dtm.matrix.shape[0]
    if not ks or not seeds:
        raise ValueError(f"sweep needs at least one K and one seed; got ks={ks}, seeds={seeds}.")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"sweep: seeds must be distinct; got {seeds}.")
    if not 0 <= heldout < 0.5:
        raise ValueError(f"sweep: 'heldout' must be in [0, 0.5); got {heldout!r}.")
    if engine not in ENGINES:
        raise ValueError(f"sweep: unknown engine {engine!r}; valid engines: {sorted(ENGINES)}.")
    train_rows, held_rows = _split(n_docs, heldout)
    bad = [k for k in ks if k < 2 or k > len(train_rows)]
    if bad:
        raise ValueError(
            f"sweep: K={bad} out of range; each K must be >= 2 and at most the "
            f"{len(train_rows):,} training cables ({n_docs:,} cables, {heldout:.0%} held out).")
    if isinstance(texts, ReferenceCorpus):
        reference = texts
    else:
        reference = ReferenceCorpus.from_texts(texts)
    if reference.n_docs != n_docs:
        raise ValueError(f"sweep: {reference.n_docs:,} token lists for {n_docs:,} matrix rows; "
                         "pass the token lists of the same cables, in the same order.")
    params = dict(model_params)
    if "workers" in ENGINES[engine].param_names():
        params.setdefault("workers", 1)
    out = Path(out_dir)
    (out / "results").mkdir(parents=True, exist_ok=True)
    config = {"engine": engine, "model_params": params, "top_n": top_n, "heldout": heldout,
              "n_docs": n_docs, "n_terms": int(dtm.matrix.shape[1])}
    config = json.loads(json.dumps(config, default=str))
    results: dict[tuple[int, int], dict] = {}
    todo = []
    for k in ks:
        for s in seeds:
            path = _result_paths(out, k, s)[0]
            found = _read_result(path, config) if path.exists() else None
            if found is not None and _result_paths(out, k, s)[1].exists():
                results[(k, s)] = found
            else:
                todo.append((k, s))
    logger.info("sweep: %d of %d fits already done in %s; fitting %d", len(results),
                len(ks) * len(seeds), out, len(todo))
    train = dtm.subset(train_rows) if len(held_rows) else dtm
    held = dtm.subset(held_rows) if len(held_rows) else None
    settings = {"engine": engine, "model_params": params, "top_n": top_n,
                "out_dir": str(out), "config": config}
    labels = {}
    for key, values in (("tag", subject_tags), ("post", origins)):
        if values is not None:
            if len(values) != n_docs:
                raise ValueError(f"sweep: {len(values):,} {key} labels for {n_docs:,} cables.")
            labels[key] = [values[i] for i in train_rows]
    init = (train, held, reference, settings, labels)
    if n_jobs <= 1 or len(todo) <= 1:
        _init_worker(*init)
        for k, s in todo:
            results[(k, s)] = _fit_one(k, s)
            logger.info("sweep: fitted K=%d seed=%d (%d/%d)", k, s, len(results),
                        len(ks) * len(seeds))
    else:
        with ProcessPoolExecutor(max_workers=n_jobs, initializer=_init_worker,
                                 initargs=init) as pool:
            futures = {pool.submit(_fit_one, k, s): (k, s) for k, s in todo}
            for fut in as_completed(futures):
                results[futures[fut]] = fut.result()
                logger.info("sweep: fitted K=%d seed=%d (%d/%d)", *futures[fut], len(results),
                            len(ks) * len(seeds))
    table = _tabulate(out, ks, seeds, results, top_n, stability_threshold)
    _write_outputs(out, table)
    return table


def _tabulate(out: Path, ks: list[int], seeds: list[int], results: dict, top_n: int,
              threshold: float) -> pd.DataFrame:
    rows = []
    for k in ks:
        runs = [results[(k, s)] for s in seeds]
        row: dict[str, Any] = {"k": k, "n_seeds": len(seeds)}
        for name in SCORES:
            if name == "stability":
                continue
            vals = np.array([r.get(name) for r in runs], dtype=object)
            vals = np.array([v for v in vals if v is not None], dtype=np.float64)
            row[f"{name}_mean"] = float(vals.mean()) if len(vals) else np.nan
            row[f"{name}_std"] = float(vals.std()) if len(vals) else np.nan
        row["stability_mean"] = row["stability_std"] = np.nan
        row["unstable_topics"] = np.nan
        if len(seeds) >= 2:
            mats = [np.load(_result_paths(out, k, s)[1], allow_pickle=False) for s in seeds]
            if len({m.shape for m in mats}) == 1:  # hdp may vary its number of topics
                st = stability(mats, top_n=top_n, threshold=threshold)
                row["stability_mean"], row["stability_std"] = st["overall"], st["overall_std"]
                row["unstable_topics"] = len(st["unstable_topics"])
        row["fit_seconds"] = float(np.mean([r["fit_seconds"] for r in runs]))
        rows.append(row)
    return pd.DataFrame(rows)


def _write_outputs(out: Path, table: pd.DataFrame) -> None:
    atomic_write(out / "sweep.csv", lambda fh: fh.write(neutralize_frame(table).to_csv(index=False).encode()))
    k, reason = recommend_k(table)
    if "edge" in reason:
        logger.warning("sweep: %s", reason)
    md = _markdown(table) + f"\n\nRecommended K = {k}: {reason}\n"
    atomic_write(out / "sweep.md", lambda fh: fh.write(md.encode()))
    atomic_write(out / "recommendation.json",
                 lambda fh: fh.write(json.dumps({"k": k, "reason": reason}).encode()))
    fig = plot_sweep(table, chosen=k)
    atomic_write(out / "sweep.png", lambda fh: fig.savefig(fh, format="png", dpi=100))


def _markdown(table: pd.DataFrame) -> str:
    head = ["K", "seeds"] + [s.replace("_", " ") for s in SCORES] + ["unstable topics"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in table.iterrows():
        cells = [str(int(r["k"])), str(int(r["n_seeds"]))]
        for s in SCORES:
            m, sd = r[f"{s}_mean"], r[f"{s}_std"]
            cells.append("" if pd.isna(m) else f"{m:.4g} ± {sd:.2g}")
        cells.append("" if pd.isna(r["unstable_topics"]) else str(int(r["unstable_topics"])))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot_sweep(table: pd.DataFrame, fig: Any = None, chosen: int | None = None) -> Any:
    """The sweep's scores against K, mean ± std over seeds, the chosen K marked (6 panels).

    Held-out likelihood, the coherence-exclusivity frontier (each K a point, the frontier
    joined), stability, NPMI, diversity, and agreement with subject TAGS and sending post
    (AMI) where the sweep had them.

    Parameters
    ----------
    table : pandas.DataFrame
        As returned by `sweep`.
    fig : matplotlib.figure.Figure, optional
        Drawn into; a new ``Figure`` (object API, no pyplot) when omitted.
    chosen : int, optional
        The recommended K (`recommend_k`), marked in every panel.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    fig = fig or Figure(figsize=(12, 7.5), layout="constrained")
    axes = fig.subplots(2, 3).ravel()
    k = table["k"].to_numpy()

    def col(name: str) -> tuple[np.ndarray, np.ndarray]:
        if f"{name}_mean" not in table:
            return np.full(len(k), np.nan), np.zeros(len(k))
        return (table[f"{name}_mean"].to_numpy(float),
                np.nan_to_num(table[f"{name}_std"].to_numpy(float)))

    def line(ax, name: str, title: str, label: str | None = None) -> None:
        mean, std = col(name)
        ax.errorbar(k, mean, yerr=std, marker="o", capsize=3, label=label)
        ax.fill_between(k, mean - std, mean + std, alpha=0.15)
        ax.set_title(title)
        ax.set_xlabel("number of topics K")
        ax.grid(alpha=0.3)

    line(axes[0], "heldout_ll", "held-out log-likelihood per word")
    ax = axes[1]
    npmi, _ = col("c_npmi")
    excl, _ = col("exclusivity")
    ax.scatter(npmi, excl, color="C0")
    for x, y, kk in zip(npmi, excl, k, strict=True):
        ax.annotate(str(int(kk)), (x, y), textcoords="offset points", xytext=(4, 3))
    front = _frontier(npmi, excl)
    order = front[np.argsort(npmi[front])]
    ax.plot(npmi[order], excl[order], color="C0", alpha=0.5)
    ax.set_title("coherence-exclusivity frontier")
    ax.set_xlabel("NPMI (mean)")
    ax.set_ylabel("exclusivity (mean)")
    ax.grid(alpha=0.3)
    if np.isfinite(col("stability")[0]).any():
        line(axes[2], "stability", "stability across seeds")
    else:  # one seed per K: nothing to compare
        axes[2].set_title("stability across seeds")
        axes[2].text(0.5, 0.5, "not measured\n(one seed per K)", ha="center", va="center",
                     transform=axes[2].transAxes, color="0.4")
        axes[2].set_xticks([])
        axes[2].set_yticks([])
    line(axes[3], "c_npmi", "NPMI (window 10)")
    line(axes[4], "diversity", "topic diversity (top 25)")
    line(axes[5], "ami_tag", "agreement (AMI, dominant topic)", "subject TAG")
    line(axes[5], "ami_post", "agreement (AMI, dominant topic)", "sending post")
    axes[5].legend(fontsize=8)
    if chosen is not None:
        for ax in (axes[0], *axes[2:]):
            if ax.lines or ax.collections:  # not the empty stability panel
                ax.axvline(chosen, color="C3", linestyle="--", alpha=0.8)
        hit = np.flatnonzero(k == chosen)
        if len(hit):
            axes[1].scatter(npmi[hit], excl[hit], s=160, facecolors="none", edgecolors="C3")
        fig.suptitle(f"recommended K = {chosen}")
    return fig


def _frontier(coherence: np.ndarray, exclusivity: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats on both scores (NaN: never on it)."""
    out = []
    for i in range(len(coherence)):
        if np.isnan(coherence[i]) or np.isnan(exclusivity[i]):
            continue
        beaten = any(coherence[j] >= coherence[i] and exclusivity[j] >= exclusivity[i]
                     and (coherence[j] > coherence[i] or exclusivity[j] > exclusivity[i])
                     for j in range(len(coherence)) if j != i)
        if not beaten:
            out.append(i)
    return np.array(out, dtype=np.int64)


#: Scores averaged (standardised) by `recommend_k`, with their names in the reason.
CRITERIA = {"heldout_ll_mean": "held-out likelihood", "exclusivity_mean": "exclusivity",
            "c_npmi_mean": "NPMI", "stability_mean": "stability across seeds"}


def recommend_k(table: pd.DataFrame) -> tuple[int, str]:
    """The recommended number of topics from a `sweep` table, with the reason.

    Rule: the candidates are the K values on the coherence-exclusivity frontier (no other
    K has both a higher mean NPMI and a higher mean exclusivity); among them, the K with
    the highest mean of the z-scores (over all K tried) of the held-out likelihood,
    exclusivity, NPMI and stability wins (ties: the smaller K). A score missing for every
    K (stability with one seed, held-out likelihood with ``heldout=0``) is left out and the
    reason says so. When the chosen K is the smallest or largest tried, the reason says it
    lies at the edge of the grid (extend the grid to check).

    Parameters
    ----------
    table : pandas.DataFrame
        With ``k`` and some of ``heldout_ll_mean``, ``exclusivity_mean``, ``c_npmi_mean``,
        ``stability_mean``.

    Returns
    -------
    (int, str)
    """
    if len(table) == 0:
        raise ValueError("recommend_k: the sweep table is empty.")
    if "k" not in table.columns or not any(c in table.columns for c in CRITERIA):
        raise ValueError(f"recommend_k: the table needs 'k' and some of {list(CRITERIA)}; "
                         "pass sweep()'s table.")
    t = table.sort_values("k", kind="stable").reset_index(drop=True)
    used = [c for c in CRITERIA if c in t.columns and t[c].notna().all()]
    skipped = [CRITERIA[c] for c in CRITERIA if c not in used]
    if len(t) == 1 or not used:
        k = int(t["k"].iloc[0])
        return k, f"K={k} is the only number of topics tried." if len(t) == 1 else (
            f"K={k}: no score was available for every K, so the smallest K is returned.")
    z = []
    for c in used:
        v = t[c].to_numpy(float)
        sd = v.std()
        z.append((v - v.mean()) / sd if sd > 0 else np.zeros_like(v))
    score = np.mean(z, axis=0)
    candidates = np.arange(len(t))
    on_frontier = ""
    if "c_npmi_mean" in used and "exclusivity_mean" in used:
        candidates = _frontier(t["c_npmi_mean"].to_numpy(float),
                               t["exclusivity_mean"].to_numpy(float))
        on_frontier = (f" among the {len(candidates)} K on the coherence-exclusivity frontier "
                       f"({', '.join(str(int(t['k'].iloc[i])) for i in candidates)})")
    best = int(candidates[np.argsort(-score[candidates], kind="stable")[0]])
    k = int(t["k"].iloc[best])
    detail = ", ".join(f"{CRITERIA[c]} {t[c].iloc[best]:.3f}" for c in used)
    reason = (f"K={k} has the highest mean of standardized "
              f"{', '.join(CRITERIA[c] for c in used)}{on_frontier} of the {len(t)} values "
              f"of K tried ({detail}; mean z-score {score[best]:.2f})")
    if skipped:
        reason += f"; {', '.join(skipped)} not available"
    if best in (0, len(t) - 1):
        side = "smallest" if best == 0 else "largest"
        reason += (f"; WARNING: K={k} is the {side} K tried, at the edge of the grid: the "
                   f"best K may lie {'below' if best == 0 else 'above'} it, extend the grid")
    return k, reason + "."
