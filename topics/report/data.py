"""Plain report data built from a run directory (nothing is refitted).

The report is plain data first (dicts, lists and small DataFrames), rendered at the end into
HTML, Markdown, CSV and figures. This module reads the run directory laid out in
``docs/architecture.md`` ("A run directory") and the corpus store it names.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from corpora.cable import CLASSIFICATIONS
from topics.report.figures import intertopic_coords
from topics.report.figures_many import topic_correlation
from topics.report.scores import _num, _per_topic, _topic_coherence, scores_section
from topics.report.sources import UNKNOWN, _fill_sizes, _find_sources, sources_summary
from topics.report.termviews import load_dtm, npmi_of_lists, term_rankings
from topics.report.timeaxis import DenseWindow, dense_window

__all__ = [
    "ReportData",
    "RunInputs",
    "build_report_data",
    "classification_order",
    "excerpt",
    "load_run",
    "period_labels",
    "reject_kind",
]

logger = logging.getLogger(__name__)

_META_COLUMNS = ("ref", "date", "origin", "classification", "tags", "subject")


class RunDirectoryError(ValueError):
    """A run directory is missing a file or holds one that does not follow the contract."""


@dataclass
class RunInputs:
    """What a run directory holds, loaded once.

    Attributes
    ----------
    path : Path
        The run directory.
    doc_topics : pandas.DataFrame
        One row per cable: ref, date, origin, classification, tags, subject,
        topic_0..topic_{K-1}, theme.
    topic_columns : list of str
        ``topic_<id>`` columns in id order.
    topics : dict
        ``topics.json`` as read.
    topic_term : numpy.ndarray or None
        Shape (n_topics, n_terms), rows sum to 1.
    terms : list of str
    params : dict
        ``model/params.json``.
    manifest : dict
        ``manifest.json`` of the run.
    evaluation : dict or None
        ``evaluation.json`` where written.
    config : dict
        ``config.toml`` where written.
    store_path : Path or None
        The corpus store directory, None when it cannot be found.
    """

    path: Path
    doc_topics: pd.DataFrame
    topic_columns: list[str]
    topics: dict
    topic_term: np.ndarray | None
    terms: list[str]
    params: dict
    manifest: dict
    evaluation: dict | None
    config: dict
    store_path: Path | None


@dataclass
class ReportData:
    """Everything the report shows, as plain data.

    ``sections`` holds JSON-like values for the templates; ``frames`` holds the DataFrames
    the figures and exports are drawn from; ``theme_weight`` is (n_cables, n_themes), the
    summed doc-topic weight of each theme's topics, aligned with ``frames["cables"]``.
    """

    sections: dict[str, Any]
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    theme_ids: list[int] = field(default_factory=list)
    theme_weight: np.ndarray | None = None
    topic_term: np.ndarray | None = None
    topic_share: np.ndarray | None = None
    topic_theme: dict[int, int] = field(default_factory=dict)
    #: The periods time figures draw (`topics.report.timeaxis.dense_window`).
    window: DenseWindow | None = None
    #: Intertopic map positions, shape (n_topics, 2), when the topic-term matrix is there.
    topic_xy: np.ndarray | None = None
    #: Correlation of topic proportions over cables, shape (n_topics, n_topics).
    topic_corr: np.ndarray | None = None
    #: Tokens per cable (aligned with ``frames["cables"]``) from the run's dtm, else None.
    doc_lengths: np.ndarray | None = None


# --------------------------------------------------------------------------- loading
def _read_json(path: Path, *, required: bool) -> Any:
    if not path.exists():
        if required:
            raise RunDirectoryError(
                f"{path}: file missing; a run directory needs it (see docs/architecture.md "
                "'A run directory'); rerun the pipeline or point render_report at a run dir"
            )
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunDirectoryError(f"{path}: not valid JSON ({exc}); rewrite it") from exc


def _resolve_store(run_dir: Path, manifest: dict, topics: dict) -> Path | None:
    raw = manifest.get("store") or topics.get("store")
    if isinstance(raw, dict):
        raw = raw.get("path")
    if not raw:
        logger.warning("%s: manifest.json names no 'store'; corpus sections use doc_topics", run_dir)
        return None
    candidates = [Path(raw)] if Path(raw).is_absolute() else [run_dir / raw, Path(raw)]
    for cand in candidates:
        if (cand / "cables.parquet").exists():
            return cand
    logger.warning("%s: corpus store %s not found; excerpts and rejects are left out", run_dir, raw)
    return None


def load_run(run_dir: str | Path) -> RunInputs:
    """Read a run directory.

    Parameters
    ----------
    run_dir : str or Path

    Returns
    -------
    RunInputs

    Raises
    ------
    RunDirectoryError
        When ``doc_topics.parquet`` or ``topics.json`` is missing or malformed.
    """
    run_dir = Path(run_dir)
    dt_path = run_dir / "doc_topics.parquet"
    if not dt_path.exists():
        raise RunDirectoryError(
            f"{dt_path}: file missing; expected the per-cable table written by the pipeline "
            "(ref, date, origin, classification, tags, subject, topic_0.., theme)"
        )
    doc_topics = pq.read_table(dt_path).to_pandas()
    missing = [c for c in (*_META_COLUMNS, "theme") if c not in doc_topics.columns]
    topic_columns = sorted(
        (c for c in doc_topics.columns if re.fullmatch(r"topic_\d+", c)),
        key=lambda c: int(c.split("_")[1]),
    )
    if missing or not topic_columns:
        raise RunDirectoryError(
            f"{dt_path}: columns {missing or ['topic_0..']} missing; found "
            f"{list(doc_topics.columns)[:12]}; rewrite it with the schema in docs/architecture.md"
        )
    # an all-null or naive date column still gets the contract's UTC datetime dtype
    doc_topics["date"] = pd.to_datetime(doc_topics["date"], utc=True)
    topics = _read_json(run_dir / "topics.json", required=True)
    for key in ("topics", "themes"):
        if not isinstance(topics.get(key), list):
            raise RunDirectoryError(
                f"{run_dir / 'topics.json'}: field '{key}' must be a list; got "
                f"{type(topics.get(key)).__name__}; rewrite it with the schema in "
                "docs/architecture.md"
            )
    manifest = _read_json(run_dir / "manifest.json", required=False) or {}
    evaluation = _read_json(run_dir / "evaluation.json", required=False)
    params = _read_json(run_dir / "model" / "params.json", required=False) or {}
    topic_term = None
    tt_path = run_dir / "model" / "topic_term.npy"
    if tt_path.exists():
        topic_term = np.load(tt_path, allow_pickle=False)
        if topic_term.ndim != 2 or topic_term.shape[0] != len(topic_columns):
            raise RunDirectoryError(
                f"{tt_path}: shape {topic_term.shape} does not match the "
                f"{len(topic_columns)} topic columns of doc_topics.parquet; the model and the "
                "table come from different fits: rerun the pipeline"
            )
    vocab = _read_json(run_dir / "model" / "vocabulary.json", required=False)
    if isinstance(vocab, dict):
        vocab = vocab.get("terms", [])
    config: dict = {}
    if (run_dir / "config.toml").exists():
        config = tomllib.loads((run_dir / "config.toml").read_text(encoding="utf-8"))
    return RunInputs(
        path=run_dir,
        doc_topics=doc_topics,
        topic_columns=topic_columns,
        topics=topics,
        topic_term=topic_term,
        terms=list(vocab or []),
        params=params,
        manifest=manifest,
        evaluation=evaluation,
        config=config,
        store_path=_resolve_store(run_dir, manifest, topics),
    )


# --------------------------------------------------------------------------- helpers
def classification_order(values: list[str]) -> list[str]:
    """Classifications lowest to highest (``CLASSIFICATIONS``), caveated forms after their base."""

    def key(v: str) -> tuple[int, str]:
        base = v.split("//NOFORN")[0]
        rank = CLASSIFICATIONS.index(base) if base in CLASSIFICATIONS else len(CLASSIFICATIONS)
        return rank, v

    return sorted(set(values), key=key)


def period_labels(dates: pd.Series) -> tuple[pd.Series, str]:
    """Yearly periods when the cables span 3 years or more, else monthly.

    Returns
    -------
    labels : pandas.Series of str or None
    unit : {"year", "month"}
    """
    valid = dates.dropna()
    if valid.empty:
        return pd.Series([None] * len(dates), index=dates.index, dtype=object), "year"
    span = valid.max().year - valid.min().year
    unit = "year" if span >= 3 else "month"
    fmt = "%Y" if unit == "year" else "%Y-%m"
    labels = dates.dt.strftime(fmt)
    return labels.astype(object).where(dates.notna(), None), unit


def _counts(values: pd.Series, order: list[str] | None = None, top: int | None = None) -> list:
    vc = values.fillna(UNKNOWN).astype(str).value_counts(sort=False)
    if order is not None:
        items = [(k, int(vc[k])) for k in order if k in vc.index]
    else:
        # size desc then name, deterministic
        items = sorted(((k, int(v)) for k, v in vc.items()), key=lambda kv: (-kv[1], kv[0]))
    if top is not None:
        items = items[:top]
    total = int(vc.sum()) or 1
    return [{"name": k, "count": v, "share": v / total} for k, v in items]


def _term_pattern(terms: list[str]) -> re.Pattern | None:
    parts = []
    for t in sorted({t for t in terms if t and t.strip()}, key=lambda t: (-len(t), t)):
        words = [re.escape(w) for w in re.split(r"[_\s]+", t.strip()) if w]
        if words:
            # terms are lemmas or phrases: match inflected forms and either joiner
            parts.append(r"[\s_-]+".join(words) + r"[^\W_]*")
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")", re.IGNORECASE)


def excerpt(body: str, terms: list[str], n_chars: int) -> tuple[str, list[tuple[int, int]]]:
    """A window of ``body`` around the first match of ``terms`` and the match spans in it.

    Parameters
    ----------
    body : str
        The cable's clean text.
    terms : list of str
        Terms to find (lemmas; ``_`` joins phrase words).
    n_chars : int
        Window length.

    Returns
    -------
    text : str
        At most ``n_chars`` characters (plus ellipses), whitespace collapsed.
    spans : list of (start, end)
        Matches of ``terms`` inside ``text``, for highlighting after escaping.
    """
    text = re.sub(r"\s+", " ", body or "").strip()
    pat = _term_pattern(terms)
    start = 0
    if pat is not None and len(text) > n_chars:
        m = pat.search(text)
        if m is not None:
            start = max(0, m.start() - n_chars // 4)
            sp = text.rfind(" ", 0, start)
            start = sp + 1 if start and sp >= 0 and start - sp < 30 else start
    window = text[start : start + n_chars]
    if start + n_chars < len(text):
        cut = window.rfind(" ")
        window = (window[:cut] if cut > n_chars // 2 else window) + " …"
    if start > 0:
        window = "… " + window
    spans = [(m.start(), m.end()) for m in pat.finditer(window)] if pat is not None else []
    return window, spans


def _bodies(store: Path | None, refs: list[str]) -> dict[str, str]:
    if store is None or not refs:
        return {}
    from corpora.store import read_bodies

    return read_bodies(store, refs)


def _store_corpus(
    store: Path | None, cables: pd.DataFrame, run_manifest: dict | None = None
) -> dict[str, Any]:
    """Counts by year, classification, post; rejects; sources. From the store where found."""
    if store is not None:
        meta = pq.read_table(
            store / "cables.parquet", columns=["date", "origin", "classification"]
        ).to_pandas()
        meta["date"] = pd.to_datetime(meta["date"], utc=True)
        origin = "store"
    else:
        meta = cables[["date", "origin", "classification"]]
        origin = "doc_topics.parquet (corpus store not found)"
    rejects: list[dict] = []
    store_manifest: dict = {}
    if store is not None:
        rj = store / "rejects.jsonl"
        if rj.exists():
            for lineno, line in enumerate(rj.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    try:
                        rejects.append(json.loads(line))
                    except json.JSONDecodeError:
                        logger.warning("%s line %d: not JSON, counted as unreadable", rj, lineno)
                        rejects.append({"reason": "unreadable line in rejects.jsonl"})
        store_manifest = _read_json(store / "manifest.json", required=False) or {}
    years = meta["date"].dt.year.astype("Int64").astype(str).replace("<NA>", UNKNOWN)
    by_class = meta["classification"].fillna(UNKNOWN)
    reasons = pd.Series([reject_kind(r) for r in rejects], dtype=object)
    sources = _find_sources(store_manifest)
    if not sources and run_manifest:  # the run manifest lists its inputs too
        sources = _find_sources({"inputs": run_manifest.get("inputs") or []})
    _fill_sizes(sources, store)
    return {
        "origin": origin,
        "store": str(store) if store is not None else None,
        "n_cables": len(meta),
        "n_modelled": len(cables),
        "n_rejects": len(rejects),
        "date_min": _iso(meta["date"].min()),
        "date_max": _iso(meta["date"].max()),
        "by_year": _counts(years, order=sorted(set(years))),
        "by_classification": _counts(by_class, order=classification_order(list(by_class))),
        "by_post": _counts(meta["origin"], top=20),
        "n_posts": int(meta["origin"].nunique()),
        "rejects_by_reason": _counts(reasons) if len(reasons) else [],
        "sources": sources,
        "sources_summary": sources_summary(sources),
    }


def reject_kind(record: dict) -> str:
    """What a reject is, without where it is: its reason less paths and locators.

    ``"cable not parsed: cable has no body text after the header (...) (at f.zip:member
    x)"`` -> ``"cable not parsed: cable has no body text after the header (...)"``; a
    reason that names its file (``"unrecognised format: /data/x.bin"``) keeps its kind.
    """
    reason = str(record.get("reason") or UNKNOWN)
    reason = re.sub(r"\s*\(at [^()]*\)\s*$", "", reason)
    path = str(record.get("path") or "")
    if path and path in reason:
        reason = reason[: reason.index(path)].rstrip(" :(")
    head, sep, rest = reason.partition(": ")
    if sep and rest[:1] in ("/", ".", "~"):
        reason = head
    return reason.strip() or UNKNOWN


def _iso(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d")


# --------------------------------------------------------------------------- building
def build_report_data(
    run: RunInputs, *, excerpt_chars: int = 400, n_representative: int = 5
) -> ReportData:
    """Turn a loaded run into the report's plain data.

    Parameters
    ----------
    run : RunInputs
        From `load_run`.
    excerpt_chars : int
        Length of the cable excerpts.
    n_representative : int
        Cables shown per theme.

    Returns
    -------
    ReportData
    """
    dt = run.doc_topics.reset_index(drop=True)
    k = len(run.topic_columns)
    topic_ids = [int(c.split("_")[1]) for c in run.topic_columns]
    w = dt[run.topic_columns].to_numpy(dtype=np.float64)
    topic_share = w.mean(axis=0) if len(w) else np.zeros(k)
    coherence = _topic_coherence(run.topics["topics"], run.evaluation, topic_ids)
    coherence_cv = _per_topic(run.evaluation, "c_v", topic_ids)

    themes_in = run.topics["themes"]
    dominant = run.topics.get("theme_method") == "dominant"
    theme_col = dt["theme"].to_numpy()
    n = len(dt)
    theme_ids: list[int] = []
    theme_weight = np.zeros((n, len(themes_in)))
    topic_theme: dict[int, int] = {}
    for j, th in enumerate(themes_in):
        tid = int(th["id"])
        theme_ids.append(tid)
        members = [int(t) for t in th.get("topics") or [] if int(t) in topic_ids]
        for t in members:
            topic_theme.setdefault(t, tid)
        if members:
            theme_weight[:, j] = w[:, [topic_ids.index(t) for t in members]].sum(axis=1)
        else:  # no topic list: expected share is theme membership
            theme_weight[:, j] = theme_col == tid

    periods, unit = period_labels(dt["date"])
    dt = dt.assign(
        period=periods,
        post=dt["origin"].fillna(UNKNOWN),
        classification_=dt["classification"].fillna(UNKNOWN),
        year=dt["date"].dt.year.astype("Int64"),
    )
    sizes = {tid: int((theme_col == tid).sum()) for tid in theme_ids}
    order = sorted(range(len(themes_in)), key=lambda j: (-sizes[theme_ids[j]], theme_ids[j]))

    rep_refs: dict[int, list[str]] = {}
    ref_pos = {r: i for i, r in enumerate(dt["ref"])}
    for j, th in enumerate(themes_in):
        tid = theme_ids[j]
        refs = [r for r in th.get("representative") or [] if r in ref_pos][:n_representative]
        if not refs:
            members = np.flatnonzero(theme_col == tid)
            best = members[np.argsort(-theme_weight[members, j], kind="stable")]
            refs = [dt["ref"].iat[i] for i in best[:n_representative]]
        rep_refs[tid] = refs
    bodies = _bodies(run.store_path, sorted({r for v in rep_refs.values() for r in v}))

    class_order = classification_order(list(dt["classification_"]))
    themes_out = []
    per_theme = []
    for j in order:
        th = themes_in[j]
        tid = theme_ids[j]
        members = theme_col == tid
        topics_of = [int(t) for t in th.get("topics") or []]
        if not topics_of and dominant and tid in topic_ids:
            topics_of = [tid]  # dominant-topic themes: the theme id is the topic id
        coh = th.get("coherence")
        if coh is None and any(t in coherence for t in topics_of):
            coh = float(np.mean([coherence[t] for t in topics_of if t in coherence]))
        tags = [
            {
                "tag": str(tg.get("tag", "")),
                "name": str(tg.get("name") or _tag_name(str(tg.get("tag", ""))) or ""),
                "share": tg.get("share"),
                "lift": tg.get("lift"),
            }
            for tg in (th.get("tags") or [])[:5]
        ]
        row = {
            "id": tid,
            "label": str(th.get("label") or f"theme {tid}"),
            "size": sizes[tid],
            "share": sizes[tid] / n if n else 0.0,
            "top_terms": [str(t) for t in (th.get("top_terms") or [])[:10]],
            "top_phrases": [str(t) for t in (th.get("top_phrases") or [])[:5]],
            "tags": tags,
            "coherence": None if coh is None else float(coh),
            "topics": topics_of,
        }
        themes_out.append(row)
        terms = row["top_terms"] + row["top_phrases"]
        reps = []
        for ref in rep_refs[tid]:
            i = ref_pos[ref]
            text, spans = excerpt(bodies.get(ref, ""), terms, excerpt_chars)
            reps.append({
                "ref": str(ref),
                "date": _iso(dt["date"].iat[i]),
                "origin": _str(dt["origin"].iat[i]),
                "classification": _str(dt["classification"].iat[i]),
                "subject": _str(dt["subject"].iat[i]),
                "weight": float(theme_weight[i, j]),
                "excerpt": text,
                "spans": spans,
            })
        sub = dt[members]
        per_theme.append({
            **row,
            "representative": reps,
            "by_post": _counts(sub["post"], top=10),
            "by_classification": _counts(sub["classification_"], order=class_order),
        })

    # prevalence: share of a period's (post's) cables that belong to each theme
    by_period = (
        dt.dropna(subset=["period"]).groupby(["period", "theme"]).size().unstack(fill_value=0)
    )
    # every post: the post heat map applies its own minimum and takes the largest
    by_post = dt.groupby(["post", "theme"]).size().unstack(fill_value=0)
    by_post = by_post.loc[by_post.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    by_class = dt.groupby(["classification_", "theme"]).size().unstack(fill_value=0)
    by_class = by_class.reindex(class_order, fill_value=0)

    # one label per id: a theme made of its own-id topic alone (the "dominant" method) takes
    # the topic's label, so topic 3 and theme 3 never read differently. The topic's label
    # (FREX over the whole topic-term row) is kept over the theme's, which rests on the
    # cables assigned to it: a handful for a small theme
    topic_label = {int(t["id"]): str(t["label"]) for t in run.topics["topics"] if t.get("label")}
    for row in (*themes_out, *per_theme):
        if row["topics"] == [row["id"]] and row["id"] in topic_label:
            row["label"] = topic_label[row["id"]]
    topics_rows = []
    for t in sorted(run.topics["topics"], key=lambda t: int(t["id"])):
        tid = int(t["id"])
        share = t.get("share")
        if share is None and tid in topic_ids:
            share = float(topic_share[topic_ids.index(tid)])
        topics_rows.append({
            "id": tid,
            "label": str(t.get("label") or f"topic {tid}"),
            "share": None if share is None else float(share),
            "coherence": coherence.get(tid),
            "coherence_cv": coherence_cv.get(tid),
            "theme": topic_theme.get(tid),
            "top_terms": [str(x) for x in (t.get("top_terms") or [])[:10]],
        })
    term_views, doc_lengths = _term_views(run, topics_rows, themes_out + per_theme,
                                          list(dt["ref"]))

    model = _model_section(run, k)
    sections = {
        "title": str(run.config.get("report", {}).get("title") or "Themes of a cable corpus"),
        "run": {"path": str(run.path), "name": run.path.name},
        "corpus": _store_corpus(run.store_path, dt, run.manifest),
        "model": model,
        "themes": themes_out,
        "per_theme": per_theme,
        "topics": topics_rows,
        "period_unit": unit,
        "n_cables": n,
        "term_views": term_views,
    }
    frames = {
        "cables": dt,
        "theme_by_period": by_period,
        "theme_by_post": by_post,
        "theme_by_class": by_class,
    }
    per_period = by_period.sum(axis=1)
    window = dense_window(list(per_period.index), per_period.tolist(), unit=unit)
    sections["time"] = {"start": window.start, "end": window.end, "note": window.note(unit),
                        "min_cables": window.min_cables, "n_before": window.n_before,
                        "n_after": window.n_after}
    topic_xy = None
    if run.topic_term is not None and k > 1:
        topic_xy = intertopic_coords(run.topic_term)
    return ReportData(
        sections=sections,
        frames=frames,
        theme_ids=theme_ids,
        theme_weight=theme_weight,
        topic_term=run.topic_term,
        topic_share=topic_share,
        topic_theme=topic_theme,
        window=window,
        topic_xy=topic_xy,
        topic_corr=topic_correlation(w) if k > 1 else None,
        doc_lengths=doc_lengths,
    )


def _term_views(
    run: RunInputs, topics_rows: list[dict], theme_rows: list[dict], refs: list[str],
) -> tuple[dict, np.ndarray | None]:
    """Rankings and weights per topic; NPMI of the very terms each table shows.

    Adds ``rankings`` (name -> [(term, p(w|k))]) to each topic row and ``npmi_shown`` to
    topic and theme rows (None without ``dtm/``). Returns what the templates say about it
    and the token count of each cable of ``refs`` (None without ``dtm/``; a cable the dtm
    lacks counts the median length).
    """
    dtm = load_dtm(run.path)
    doc_lengths = None
    if dtm is not None:
        meta = json.loads((run.path / "dtm" / "dtm.json").read_text(encoding="utf-8"))
        row_sums = np.asarray(dtm[0].sum(axis=1)).ravel()
        dtm_refs = meta.get("refs") or []
        if len(dtm_refs) == len(row_sums):
            by_ref = dict(zip(dtm_refs, row_sums.tolist(), strict=True))
            fill = float(np.median(row_sums)) if len(row_sums) else 1.0
            doc_lengths = np.array([by_ref.get(r, fill) for r in refs], dtype=np.float64)
    term_freq = None
    if dtm is not None and dtm[1] == run.terms:
        term_freq = np.asarray(dtm[0].sum(axis=0)).ravel()
    ranked = False
    if run.topic_term is not None and len(run.terms) == run.topic_term.shape[1]:
        ids = [int(c.split("_")[1]) for c in run.topic_columns]
        rankings = term_rankings(run.topic_term, run.terms, n=10, term_freq=term_freq)
        for row in topics_rows:
            if row["id"] in ids:
                row["rankings"] = rankings[ids.index(row["id"])]
        ranked = True
    for row in topics_rows:
        row.setdefault("rankings", None)
    if dtm is not None:
        for rows in (topics_rows, theme_rows):
            for row, v in zip(rows, npmi_of_lists([r["top_terms"] for r in rows], dtm),
                              strict=True):
                row["npmi_shown"] = v
    else:
        for row in (*topics_rows, *theme_rows):
            row["npmi_shown"] = None
    return {"ranked": ranked, "npmi": dtm is not None,
            "lift_from": "corpus term counts" if term_freq is not None else
            "the mean of the topics' term distributions"}, doc_lengths


#: params.json keys that are bookkeeping, not model settings.
_PARAM_INTERNALS = frozenset({
    "format_version", "state", "versions", "terms", "vocabulary", "n_topics_", "params",
    "engine", "n_terms", "n_docs",
})


def _param_value(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list | tuple) and len(v) > 8:
        return json.dumps(list(v[:8]), default=str)[:-1] + f", … ({len(v)} values)]"
    return json.dumps(v, default=str)


def _stage_rows(manifest: dict) -> list[dict]:
    """One row per pipeline stage: seconds, cached, seed and its counts, in run order."""
    stages = manifest.get("stages")
    if not isinstance(stages, dict):
        return []
    seeds = manifest.get("stage_seeds") or {}
    order = ["ingest", "tokenize", "vectorize", "model", "themes", "evaluate", "report"]
    names = sorted(stages, key=lambda n: (order.index(n) if n in order else len(order), n))
    rows = []
    for name in names:
        st = stages[name] if isinstance(stages[name], dict) else {}
        counts = st.get("counts") if isinstance(st.get("counts"), dict) else {}
        parts = []
        for key, v in counts.items():
            if isinstance(v, bool) or v is None:
                continue
            if isinstance(v, float) and not float(v).is_integer():
                parts.append(f"{key} {v:.3f}")
            elif isinstance(v, int | float):
                parts.append(f"{key} {int(v):,}")
            elif isinstance(v, str):
                parts.append(f"{key} {v}")
        rows.append({
            "name": str(name),
            "seconds": _num(st.get("seconds")),
            "cached": st.get("cached") if isinstance(st.get("cached"), bool) else None,
            "seed": st.get("seed", seeds.get(name) if isinstance(seeds, dict) else None),
            "counts": ", ".join(parts),
        })
    return rows


def _model_section(run: RunInputs, k: int) -> dict[str, Any]:
    raw = dict(run.params)
    engine = run.topics.get("engine") or raw.get("engine") or run.manifest.get("engine")
    # the engine's settings: params.json "params" where present, else its top level
    params = raw["params"] if isinstance(raw.get("params"), dict) else raw
    seed = run.topics.get("seed", params.get("seed", run.manifest.get("seed")))
    versions = run.manifest.get("versions") or run.manifest.get("library_versions") or {}
    if not versions and isinstance(raw.get("versions"), dict):
        versions = raw["versions"]
    seeds = run.manifest.get("seeds") or {}
    param_rows = [
        {"name": str(key), "value": _param_value(v)}
        for key, v in sorted(params.items())
        if key not in _PARAM_INTERNALS and not str(key).startswith("_")
    ]
    fitted = {key: raw[key] for key in ("n_docs", "n_terms") if isinstance(raw.get(key), int)}
    version_rows = []
    if isinstance(versions, dict):
        # the interpreter first, then libraries by name
        first = [n for n in ("python", "platform", "cable-topics") if n in versions]
        rest = sorted(n for n in versions if n not in first)
        version_rows = [{"name": str(n), "value": str(versions[n])} for n in first + rest]
    stage_rows = _stage_rows(run.manifest)
    return {
        "engine": engine or UNKNOWN,
        "n_topics": int(run.topics.get("n_topics") or k),
        "n_themes": len(run.topics["themes"]),
        "theme_method": run.topics.get("theme_method"),
        "seed": seed,
        "seeds": [{"name": str(a), "value": str(b)} for a, b in sorted(seeds.items())]
        if isinstance(seeds, dict) and not stage_rows
        else [],
        "params": param_rows,
        "fitted": fitted,
        "versions": version_rows,
        "code_version": run.manifest.get("code_version"),
        "git_commit": run.manifest.get("git_commit"),
        "config_hash": run.manifest.get("config_hash"),
        "stages": stage_rows,
        "total_seconds": sum(r["seconds"] or 0.0 for r in stage_rows),
        "scores": scores_section(run.evaluation),
        "has_evaluation": run.evaluation is not None,
    }


def _str(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _tag_name(tag: str) -> str | None:
    try:
        from corpora.tags import tag_name
    except ImportError:  # the lexicon module is optional for the report
        return None
    return tag_name(tag)
