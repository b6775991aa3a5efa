"""Report section: what words State's tagging means by each TAG, and the seeded themes.

For an ``llda``/``plda`` run every subject TAG the model learned has a topic (or
``topics_per_label`` of them): its most probable words say what the Department's taggers
meant by PHUM, PTER or KNNP in these cables. For a run with ``[themes.seeds]`` the seeded
themes are listed with their seed words, top words and size. A run with neither gets no
section. With a TAG suggester in the run (``RUN/tag_suggest/``, `topics.tagsuggest`) its
test scores per TAG are shown beside the words.

`tag_topic_rows` is the table (also for notebooks); `tag_sections` returns the report
sections as ``{"id", "html", "md"}`` dicts like `topics.report.extras`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from corpora.csvsafe import neutralize_frame
from topics.runinfo import atomic_write_bytes

__all__ = ["seeded_theme_rows", "tag_sections", "tag_topic_rows"]

logger = logging.getLogger(__name__)

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)

_TAGS_HTML = _ENV.from_string("""
<section id="tag-topics">
<h2>What the TAGS mean: one topic per subject TAG ({{ engine }})</h2>
<p>Each subject TAG on {{ min_docs }} or more cables has its own topic, learned from the cables
that carry it{% if latent %}, beside {{ latent }} free latent topics{% endif %}. Its most
probable words are what the tagging means in these cables. The cables' themes follow their
own TAGS by construction here, so agreement of themes with TAGS says nothing about the model.
{% if suggest %}F1: the run's TAG suggester (method <code>{{ suggest }}</code>, see docs/engines.md)
on held-out tagged cables (<code>tag_suggest/evaluation.csv</code>).{% endif %}</p>
<table><thead><tr><th>TAG</th><th>name</th><th>cables</th><th>top words</th>
{% if suggest %}<th>F1</th>{% endif %}</tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.tag }}</td><td>{{ r.name }}</td><td>{{ r.n_cables }}</td>
<td>{{ r.words }}</td>{% if suggest %}<td>{{ r.f1 }}</td>{% endif %}</tr>
{% endfor %}</tbody></table>
</section>
""")

_SEEDS_HTML = _ENV.from_string("""
<section id="seeded-themes">
<h2>Seeded themes</h2>
<p>Themes given by seed words (<code>[themes.seeds]</code>); the model found the rest.</p>
<table><thead><tr><th>theme</th><th>seed words</th><th>cables</th><th>share</th>
<th>top words</th></tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.name }}</td><td>{{ r.seeds }}</td><td>{{ r.size }}</td>
<td>{{ r.share }}</td><td>{{ r.words }}</td></tr>
{% endfor %}</tbody></table>
</section>
""")


def _md(v: Any) -> str:
    from topics.report.render import md_escape

    return md_escape(v)


def tag_topic_rows(model: Any, tag_lists: Any = None, n_words: int = 10,
                   suggest_eval: dict | None = None) -> pd.DataFrame:
    """One row per learned TAG: its name, cables carrying it, top words (by probability).

    Parameters
    ----------
    model : TomotopyLlda or TomotopyPlda
        Fitted or loaded.
    tag_lists : sequence of sequences of str, optional
        The modelled cables' TAGS, to count the cables per TAG.
    n_words : int
    suggest_eval : dict, optional
        ``evaluation.json`` of `topics.tagsuggest`: its chosen method's per-TAG F1 is added.

    Returns
    -------
    pandas.DataFrame
        Columns ``tag``, ``name``, ``n_cables``, ``words`` (comma-joined), ``f1`` (or NaN);
        most common TAG first.
    """
    from corpora.tags import tag_name

    counts = Counter(t for tags in (tag_lists if tag_lists is not None else ())
                     if tags is not None for t in set(tags))
    tt = np.asarray(model.topic_term_)
    terms = list(model.terms_)
    f1 = {}
    if suggest_eval:
        chosen = suggest_eval.get("methods", {}).get(suggest_eval.get("chosen"), {})
        f1 = {r["tag"]: r["f1"] for r in chosen.get("per_tag", [])}
    rows = []
    for j, tag in enumerate(model.labels_):
        topics = np.flatnonzero(model.label_topics_ == j)
        dist = tt[topics].mean(axis=0)
        top = np.argsort(-dist, kind="stable")[:n_words]
        rows.append({"tag": tag, "name": tag_name(tag) or "", "n_cables": counts.get(tag, 0),
                     "words": ", ".join(terms[i] for i in top),
                     "f1": f1.get(tag, np.nan)})
    df = pd.DataFrame(rows, columns=["tag", "name", "n_cables", "words", "f1"])
    return df.sort_values(["n_cables", "tag"], ascending=[False, True], kind="stable") \
        .reset_index(drop=True)


def seeded_theme_rows(topics_json: dict, seeds: dict, n_words: int = 10) -> pd.DataFrame:
    """The seeded themes of ``topics.json``: name, seed words, size, share, top words."""
    rows = []
    for th in topics_json.get("themes", []):
        name = th.get("name")
        if name in seeds:
            rows.append({"name": name, "seeds": ", ".join(seeds[name]), "size": th["size"],
                         "share": th["share"], "words": ", ".join(th["top_terms"][:n_words])})
    for name in seeds:  # a seeded theme no cable has as its dominant theme
        if not any(r["name"] == name for r in rows):
            rows.append({"name": name, "seeds": ", ".join(seeds[name]), "size": 0,
                         "share": 0.0, "words": ""})
    return pd.DataFrame(rows, columns=["name", "seeds", "size", "share", "words"])


def tag_sections(run: Any, out_dir: str | Path) -> list[dict]:
    """The TAG-topic and seeded-theme sections for a run (none when neither applies)."""
    out = []
    path = Path(run.path)
    engine = (run.params or {}).get("engine")
    if engine in ("llda", "plda"):
        from topics.models import load_model

        model = load_model(path / "model")
        tags = list(run.doc_topics["tags"]) if "tags" in run.doc_topics else None
        ev_path = path / "tag_suggest" / "evaluation.json"
        ev = json.loads(ev_path.read_text(encoding="utf-8")) if ev_path.is_file() else None
        df = tag_topic_rows(model, tags, suggest_eval=ev)
        atomic_write_bytes(Path(out_dir) / "tag_topics.csv",  # TAGS come from the cables
                           neutralize_frame(df).to_csv(index=False).encode("utf-8"))
        params = run.params.get("params", {})
        rows = [{**r, "f1": "" if pd.isna(r["f1"]) else f"{r['f1']:.2f}"}
                for r in df.to_dict("records")]
        latent = params.get("n_topics") if engine == "plda" else 0
        html = _TAGS_HTML.render(engine=engine, min_docs=params.get("min_label_docs", 10),
                                 latent=latent, rows=rows,
                                 suggest=str(ev.get("chosen", "")) if ev else "")
        md = ["## What the TAGS mean: one topic per subject TAG", "",
              "The cables' themes follow their own TAGS by construction (circular)."
              + (f" F1: the run's TAG suggester (method {_md(ev.get('chosen'))}) on held-out "
                 "tagged cables." if ev else ""), "",
              "| TAG | name | cables | top words |" + (" F1 |" if ev else ""),
              "|---|---|---|---|" + ("---|" if ev else "")]
        md += [f"| {_md(r['tag'])} | {_md(r['name'])} | {r['n_cables']} | {_md(r['words'])} |"
               + (f" {r['f1']} |" if ev else "") for r in rows]
        out.append({"id": "tag-topics", "html": html, "md": "\n".join(md) + "\n"})
    seeds = ((run.config or {}).get("themes") or {}).get("seeds") or {}
    if seeds:
        df = seeded_theme_rows(run.topics, seeds)
        rows = [{**r, "share": f"{r['share']:.1%}"} for r in df.to_dict("records")]
        html = _SEEDS_HTML.render(rows=rows)
        md = ["## Seeded themes", "", "| theme | seed words | cables | share | top words |",
              "|---|---|---|---|---|"]
        md += [f"| {_md(r['name'])} | {_md(r['seeds'])} | {r['size']} | {r['share']} | "
               f"{_md(r['words'])} |" for r in rows]
        out.append({"id": "seeded-themes", "html": html, "md": "\n".join(md) + "\n"})
    return out
