"""The report's scores section: evaluation.json's coherence, diversity, stability and
agreement with the TAGS as rows, and per-topic coherence for the topic tables."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["scores_section"]

def _scalar_scores(obj: Any, prefix: str = "", depth: int = 0) -> list[dict]:
    """Flatten evaluation.json into (name, value) rows; per-topic lists are summarised."""
    rows: list[dict] = []
    if isinstance(obj, dict) and depth < 4:
        for k, v in obj.items():
            rows += _scalar_scores(v, f"{prefix}.{k}" if prefix else str(k), depth + 1)
    elif isinstance(obj, bool) or obj is None:
        pass
    elif isinstance(obj, int | float):
        rows.append({"name": prefix, "value": float(obj)})
    elif isinstance(obj, list) and obj and all(isinstance(x, int | float) for x in obj):
        rows.append({"name": f"{prefix} (mean of {len(obj)})", "value": float(np.mean(obj))})
    return rows


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


#: evaluation.json keys `scores_section` presents itself; the rest go to "other scores".
_KNOWN_SCORES = ("coherence_c_npmi", "coherence_c_v", "coherence_u_mass", "coherence_per_topic",
                 "diversity", "tag_agreement", "top_n", "stability", "coherence")


def _agreement_rows(ta: dict) -> list[dict]:
    """Rows for ``tag_agreement``: chance-adjusted AMI first, ARI, the shuffled baseline and
    NMI (secondary) in the detail; older runs with NMI only keep their NMI row."""
    rows: list[dict] = []
    for key, what, help_ in (
        ("tag", "subject TAGS",
         "adjusted mutual information with each cable's first subject TAG: 0 = no more than "
         "chance (shuffled themes), 1 = the same grouping"),
        ("post", "sending post",
         "adjusted mutual information with the sending post: lower means themes follow "
         "subject rather than geography"),
    ):
        ami, ari, nmi = (_num(ta.get(f"{m}_{key}")) for m in ("ami", "ari", "nmi"))
        if ami is None and nmi is None:
            continue
        parts = []
        if ami is not None:
            base = _num(ta.get(f"ami_{key}_shuffled"))
            parts.append(f"AMI {ami:.3f}" + (f" (shuffled {base:.3f})" if base is not None
                                             else ""))
        if ari is not None:
            base = _num(ta.get(f"ari_{key}_shuffled"))
            parts.append(f"ARI {ari:.3f}" + (f" (shuffled {base:.3f})" if base is not None
                                             else ""))
        if nmi is not None:
            base = _num(ta.get(f"nmi_{key}_shuffled"))
            parts.append(f"NMI {nmi:.3f}" + (f" (shuffled {base:.3f})" if base is not None
                                             else ""))
        extra = []
        if isinstance(ta.get(f"n_{key}"), int):
            extra.append(f"{ta[f'n_{key}']:,} cables")
        if isinstance(ta.get(f"n_{key}_classes"), int):
            extra.append(f"{ta[f'n_{key}_classes']} {'TAGS' if key == 'tag' else 'posts'}")
        missing = ta.get(f"n_without_{key}")
        if isinstance(missing, int) and missing:
            extra.append(f"{missing:,} without one left out")
        label = f"Agreement with {what} ({'AMI' if ami is not None else 'NMI'})"
        rows.append({"label": label, "value": ami if ami is not None else nmi,
                     "detail": "; ".join(parts) + (f" ({', '.join(extra)})" if extra else ""),
                     "help": help_})
    return rows


def scores_section(evaluation: dict | None) -> dict[str, Any]:
    """The model scores of ``evaluation.json`` with plain-language labels.

    Parameters
    ----------
    evaluation : dict or None
        As written by the pipeline's evaluate stage: ``coherence_c_npmi``, ``coherence_c_v``,
        ``coherence_u_mass``, ``coherence_per_topic``, ``diversity``, ``tag_agreement``,
        ``top_n`` and optionally ``stability``.

    Returns
    -------
    dict
        ``rows``: ``{"label", "value", "detail", "help"}`` in reading order (``value`` a
        float or None, ``detail`` a short string); ``other``: ``{"name", "value"}`` rows of
        keys not recognised; ``unstable``: ids of topics the stability check flags.
    """
    ev = evaluation or {}
    top_n = int(ev["top_n"]) if isinstance(ev.get("top_n"), int) else 10
    rows: list[dict] = []

    def add(label: str, value: Any, help_: str, detail: str = "") -> None:
        if value is not None or detail:
            rows.append({"label": label, "value": _num(value), "detail": detail, "help": help_})

    add(f"Coherence (NPMI, top {top_n} terms)", _num(ev.get("coherence_c_npmi")),
        "mean over topics; -1 to 1, higher: top terms co-occur more than chance")
    add("Coherence C_V", _num(ev.get("coherence_c_v")),
        "0 to 1, higher is more interpretable (Röder et al. 2015)")
    add("UMass", _num(ev.get("coherence_u_mass")),
        "negative; closer to 0 is more coherent")
    add("Topic diversity (top 25)", _num(ev.get("diversity")),
        "share of unique words among the topics' top 25 terms (Dieng et al. 2020); "
        "1 = no term repeated")
    ta = ev.get("tag_agreement")
    if isinstance(ta, dict):
        rows += _agreement_rows(ta)
    unstable: list[int] = []
    st = ev.get("stability")
    if isinstance(st, dict):
        n_runs = st.get("n_runs")
        runs = f" over {n_runs} seeds" if isinstance(n_runs, int) else ""
        add(f"Stability{runs} (matched topic similarity)", _num(st.get("overall")),
            "cosine similarity of each topic to its best match in refits with other seeds; "
            "1 = the same topics every time",
            f"± {st['overall_std']:.3f}" if _num(st.get("overall_std")) is not None else "")
        add("Stability: shared top terms", _num(st.get("top_overlap")),
            "mean share of top terms a topic keeps across seeds")
        raw = st.get("unstable_topics") or st.get("unstable") or []
        unstable = [int(t) for t in raw if isinstance(t, int | float)]
        thr = _num(st.get("threshold"))
        rows.append({"label": "Unstable topics", "value": None,
                     "detail": ", ".join(map(str, unstable)) if unstable else "none",
                     "help": "topics whose best match falls below "
                             f"{thr if thr is not None else 'the threshold'} in some refit"})
    elif evaluation:
        rows.append({"label": "Stability", "value": None, "detail": "not computed",
                     "help": "set evaluation.stability_seeds in the config to refit with "
                             "other seeds"})
    other = _scalar_scores({k: v for k, v in ev.items() if k not in _KNOWN_SCORES})
    # an older layout: {"coherence": {"per_topic": [...], ...}} and other nested scores
    if isinstance(ev.get("coherence"), dict):
        other += _scalar_scores({"coherence": ev["coherence"]})
    return {"rows": rows, "other": other, "unstable": unstable}


def _per_topic(evaluation: dict | None, metric: str, topic_ids: list[int]) -> dict[int, float]:
    """Per-topic scores of ``evaluation.json`` by topic id (lists follow the topic order)."""
    per = (evaluation or {}).get("coherence_per_topic")
    vals = per.get(metric) if isinstance(per, dict) else None
    if isinstance(vals, dict):
        return {int(k): float(v) for k, v in vals.items() if _num(v) is not None}
    if isinstance(vals, list):
        ids = topic_ids if len(topic_ids) == len(vals) else list(range(len(vals)))
        return {t: float(v) for t, v in zip(ids, vals, strict=True) if _num(v) is not None}
    return {}


def _topic_coherence(
    topics: list[dict], evaluation: dict | None, topic_ids: list[int] | None = None
) -> dict[int, float]:
    """NPMI coherence per topic id: ``coherence_per_topic.c_npmi``, else topics.json."""
    ids = topic_ids if topic_ids is not None else sorted(int(t["id"]) for t in topics)
    out = _per_topic(evaluation, "c_npmi", ids)
    if out:
        return out
    out = {int(t["id"]): float(t["coherence"]) for t in topics if t.get("coherence") is not None}
    if out or not evaluation:
        return out
    coh = evaluation.get("coherence")
    per = coh.get("per_topic") if isinstance(coh, dict) else None
    if isinstance(per, list):
        return {i: float(v) for i, v in enumerate(per) if isinstance(v, int | float)}
    if isinstance(per, dict):
        return {int(k): float(v) for k, v in per.items() if isinstance(v, int | float)}
    return out
