"""Report sections on cables outside the themes and on the choice of K.

* **Cable genres**: the form cables (rosters, visit logistics, demarche reports, press
  summaries, notices) that ``corpus.genres = "subject"`` leaves out of the themes, as their
  own groups: counts, by year and the posts sending most of them, from the run's
  ``genres.json`` (`corpora.genres`).
* **Choosing K**: when the run directory holds a sweep (``RUN/sweep/``, written by
  ``cable-topics sweep STORE --out RUN/sweep``), its recommendation and reason, the table
  of scores per K and ``sweep.png`` with the chosen K marked.

`group_sections` returns ``{"id", "html", "md"}`` dicts like `topics.report.extras`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import jinja2

from topics.runinfo import atomic_write_bytes

__all__ = ["group_sections"]

logger = logging.getLogger(__name__)

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                          trim_blocks=True, lstrip_blocks=True)

_GENRES_HTML = _ENV.from_string("""
<section id="genres">
<h2>Form cables: their own groups</h2>
<p>{{ n }} cables are forms rather than reports on a subject (detected from their structure:
repeated field labels, templates shared with other cables; see docs/themes.md).
{% if modelled == "subject" %}They are left out of the themes above and counted here.
{% else %}They are modelled with the other cables (<code>corpus.genres = "all"</code>).{% endif %}
</p>
<table><thead><tr><th>genre</th><th>cables</th><th>by year</th><th>posts sending most</th>
</tr></thead><tbody>
{% for r in rows %}<tr><td>{{ r.genre }}</td><td>{{ r.n }}</td><td>{{ r.years }}</td>
<td>{{ r.posts }}</td></tr>
{% endfor %}</tbody></table>
</section>
""")

_SWEEP_HTML = _ENV.from_string("""
<section id="sweep">
<h2>Choosing the number of topics</h2>
<p>Recommended K = {{ k }} (this run: K = {{ run_k }}). {{ reason }}</p>
{% if fig %}<img src="{{ fig }}" alt="Sweep scores against K, the recommended K marked">{% endif %}
<pre>{{ table }}</pre>
</section>
""")


def _md(v: Any) -> str:
    from topics.report.render import md_escape

    return md_escape(v)


def _genres_section(genres: dict) -> dict | None:
    counts = genres.get("counts") or {}
    if not counts:
        return None
    rows = []
    for genre, n in counts.items():
        years = genres.get("by_year", {}).get(genre, {})
        posts = list(genres.get("by_post", {}).get(genre, {}).items())[:3]
        rows.append({"genre": genre, "n": int(n),
                     "years": ", ".join(f"{y}: {c}" for y, c in years.items()),
                     "posts": ", ".join(f"{p} ({c})" for p, c in posts)})
    n = sum(r["n"] for r in rows)
    modelled = genres.get("modelled", "subject")
    md = ["## Form cables: their own groups", "",
          f"{n} cables are forms rather than reports on a subject"
          + (" and are left out of the themes." if modelled == "subject" else "."), "",
          "| genre | cables | by year | posts sending most |", "|---|---:|---|---|"]
    md += [f"| {_md(r['genre'])} | {r['n']} | {_md(r['years'])} | {_md(r['posts'])} |"
           for r in rows]
    return {"id": "genres", "html": _GENRES_HTML.render(n=n, rows=rows, modelled=modelled),
            "md": "\n".join(md) + "\n\n"}


def _sweep_section(sweep_dir: Path, out_dir: Path, run_k: Any) -> dict | None:
    rec_path = sweep_dir / "recommendation.json"
    if not rec_path.is_file():
        return None
    rec = json.loads(rec_path.read_text(encoding="utf-8"))
    table = ""
    md_path = sweep_dir / "sweep.md"
    if md_path.is_file():
        table = md_path.read_text(encoding="utf-8").split("\n\nRecommended K")[0].strip()
    fig = ""
    png = sweep_dir / "sweep.png"
    if png.is_file():
        atomic_write_bytes(out_dir / "figures" / "sweep.png", png.read_bytes())
        fig = "figures/sweep.png"
    k, reason = int(rec["k"]), str(rec["reason"])
    md = ["## Choosing the number of topics", "",
          f"Recommended K = {k} (this run: K = {run_k}). {_md(reason)}", ""]
    if fig:
        md += [f"![sweep]({fig})", ""]
    if table:
        md += [table, ""]
    return {"id": "sweep", "html": _SWEEP_HTML.render(k=k, run_k=run_k, reason=reason,
                                                      fig=fig, table=table),
            "md": "\n".join(md) + "\n"}


def group_sections(run: Any, out_dir: str | Path) -> list[dict]:
    """The genre and sweep sections of a run's report, where the run has them.

    Parameters
    ----------
    run : topics.report.data.RunInputs
        Its ``path`` is the run directory (``genres.json``, ``sweep/``).
    out_dir : str or Path
        The report directory (the sweep figure is copied to ``figures/sweep.png``).

    Returns
    -------
    list of dict
        ``{"id", "html", "md"}`` per section present.
    """
    run_dir = Path(run.path)
    out = []
    genres_path = run_dir / "genres.json"
    if genres_path.is_file():
        section = _genres_section(json.loads(genres_path.read_text(encoding="utf-8")))
        if section:
            out.append(section)
    run_k = (run.topics or {}).get("n_topics", "?") if hasattr(run, "topics") else "?"
    section = _sweep_section(run_dir / "sweep", Path(out_dir), run_k)
    if section:
        out.append(section)
    return out
