"""Data for the report's interactive explorer, and the cable-text pages it links to.

The explorer lives inside ``index.html`` (no CDN, no fetch: it works from ``file://``
offline): an LDAvis-style intertopic map with term bars re-ranked by a relevance slider
(λ), and a searchable, filterable table of cables with their theme shares. Its data is one
JSON object embedded in the page (`embed_json` escapes it for a ``<script>`` element).

Each cable of the table links to its text in ``cables/theme-<id>.html`` beside the report,
one page per theme, written by `write_cable_pages`. On a very large corpus the table holds
at most ``max_cables`` cables, the most representative of each theme in proportion to the
theme's size; the full per-cable table is ``doc_topics.csv``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from topics.runinfo import atomic_write_bytes

__all__ = ["MAX_CABLES", "embed_json", "explorer_data", "pick_cables", "write_cable_pages"]

logger = logging.getLogger(__name__)

#: Cables in the explorer's table at most (the rest are in doc_topics.csv).
MAX_CABLES = 10_000
#: Characters of a cable's text on its theme page.
TEXT_CHARS = 6_000
_TEMPLATES = Path(__file__).resolve().parent / "templates"


def embed_json(obj: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``</script>``, no ``<!--``."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def pick_cables(theme: np.ndarray, weight: np.ndarray, max_cables: int) -> np.ndarray:
    """Row indices for the table: all cables, or the most representative of each theme.

    With more than ``max_cables`` cables, each theme keeps a number in proportion to its
    size (at least one), its cables with the highest weight on it first.

    Parameters
    ----------
    theme : numpy.ndarray
        Shape (n_cables,): the assigned theme id.
    weight : numpy.ndarray
        Shape (n_cables,): the cable's weight on its assigned theme.
    max_cables : int

    Returns
    -------
    numpy.ndarray
        Sorted row indices.
    """
    n = len(theme)
    if n <= max_cables:
        return np.arange(n)
    keep = []
    ids, sizes = np.unique(theme, return_counts=True)
    quota = np.maximum(1, np.floor(sizes / n * max_cables).astype(int))
    for tid, q in zip(ids, quota, strict=True):
        members = np.flatnonzero(theme == tid)
        best = members[np.argsort(-weight[members], kind="stable")[:q]]
        keep.append(best)
    return np.sort(np.concatenate(keep))


def explorer_data(
    data: Any, ldavis: dict | None, *, max_cables: int = MAX_CABLES, text_pages: bool = True,
) -> dict:
    """The explorer's JSON: LDAvis topics and terms, themes, and the cables table.

    Parameters
    ----------
    data : ReportData
    ldavis : dict or None
        From `topics.report.ldavis.ldavis_data`; None leaves the map out.
    max_cables : int
    text_pages : bool
        Whether the cables link to their text pages.

    Returns
    -------
    dict
    """
    s = data.sections
    cables = data.frames["cables"]
    tw = data.theme_weight
    ids = list(data.theme_ids)
    col_of = {t: j for j, t in enumerate(ids)}
    theme = cables["theme"].to_numpy()
    assigned = np.array([col_of.get(int(t), -1) for t in theme])
    own = np.where(assigned >= 0, tw[np.arange(len(theme)), np.maximum(assigned, 0)], 0.0)
    rows_idx = pick_cables(theme, own, int(max_cables))
    sub = tw[rows_idx]
    # the three largest theme shares of each cable, as [[theme id, share], ...]
    top3 = np.argsort(-sub, axis=1, kind="stable")[:, :3]
    top_share = np.round(np.take_along_axis(sub, top3, axis=1), 3)
    id_arr = np.asarray(ids)[top3]
    picked = cables.iloc[rows_idx]
    dates = picked["date"]
    date_s = dates.dt.strftime("%Y-%m-%d").where(dates.notna(), "").tolist()
    cols = [picked[c].astype(object).where(picked[c].notna(), "").astype(str).tolist()
            for c in ("ref", "origin", "classification", "subject")]
    own_r = np.round(own[rows_idx], 3).tolist()
    theme_r = theme[rows_idx].astype(int).tolist()
    rows = [
        [cols[0][i], date_s[i], cols[1][i], cols[2][i], cols[3][i], theme_r[i], own_r[i],
         [[int(t), float(v)] for t, v in zip(id_arr[i], top_share[i], strict=True) if v > 0]]
        for i in range(len(rows_idx))
    ]
    labels = {t["id"]: t["label"] for t in s["themes"]}
    topic_labels = {t["id"]: t["label"] for t in s["topics"]}
    out: dict[str, Any] = {
        "themes": [{"id": int(t), "label": labels.get(t, f"theme {t}")} for t in
                   sorted(ids)],
        "cables": rows,
        "n_total": len(cables),
        "n_shown": len(rows),
        "text_pages": bool(text_pages),
        "classifications": sorted({r[3] for r in rows if r[3]}),
        "topic_theme": {str(k): int(v) for k, v in data.topic_theme.items()},
    }
    if ldavis is not None:
        out["ldavis"] = {
            "mdsDat": ldavis["mdsDat"], "tinfo": ldavis["tinfo"], "R": ldavis["R"],
            "topic_ids": ldavis["topic_ids"],
            "labels": [topic_labels.get(t, f"topic {t}") for t in ldavis["topic_ids"]],
        }
    return out


def write_cable_pages(
    out_dir: Path, store: Path | None, explorer: dict, *, text_chars: int = TEXT_CHARS,
) -> list[Path]:
    """One page per theme with the text of its cables in the explorer's table.

    Parameters
    ----------
    out_dir : Path
        The report directory; pages go to ``out_dir / "cables"``.
    store : Path or None
        The corpus store; without it no page is written.
    explorer : dict
        From `explorer_data`.
    text_chars : int
        Text per cable at most (the rest is cut, and the page says so).

    Returns
    -------
    list of Path
    """
    if store is None or not explorer["cables"]:
        return []
    refs = [r[0] for r in explorer["cables"]]
    from corpora.store import read_bodies

    bodies = read_bodies(store, refs)
    labels = {t["id"]: t["label"] for t in explorer["themes"]}
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    template = env.get_template("cables.html.j2")
    frame = pd.DataFrame(explorer["cables"], columns=["ref", "date", "origin", "classification",
                                                      "subject", "theme", "share", "top"])
    written = []
    for tid, group in frame.groupby("theme", sort=True):
        items = []
        for r in group.itertuples(index=False):
            body = bodies.get(r.ref) or ""
            items.append({"ref": r.ref, "date": r.date, "origin": r.origin,
                          "classification": r.classification, "subject": r.subject,
                          "share": r.share, "text": body[:text_chars],
                          "cut": max(0, len(body) - text_chars)})
        html = template.render(theme={"id": int(tid), "label": labels.get(int(tid), "")},
                               cables=items, text_chars=text_chars)
        written.append(atomic_write_bytes(out_dir / "cables" / f"theme-{int(tid)}.html",
                                          html.encode("utf-8")))
    logger.info("explorer: %d cable-text pages for %d cables", len(written), len(frame))
    return written
