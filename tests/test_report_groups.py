"""Report sections for form-cable genres and the sweep (topics.report.groups)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd

from topics.evaluate.selection import _write_outputs
from topics.report.groups import group_sections


def test_genre_and_sweep_sections(tmp_path):
    run = tmp_path / "run"
    (run / "sweep").mkdir(parents=True)
    (run / "genres.json").write_text(json.dumps({
        "counts": {"roster": 12, "visit logistics": 3}, "modelled": "subject",
        "by_year": {"roster": {"2009": 10, "2010": 2}, "visit logistics": {"2006": 3}},
        "by_post": {"roster": {"Embassy Cairo": 12}, "visit logistics": {"Embassy <X>": 3}},
        "by_ref": {}}))
    table = pd.DataFrame({"k": [10, 20, 30], "n_seeds": 1})
    for name in ("heldout_ll", "c_npmi", "c_v", "u_mass", "diversity", "exclusivity",
                 "stability", "perplexity", "ami_tag", "ami_post"):
        table[f"{name}_mean"] = [0.1, 0.3, 0.2] if name != "c_npmi" else [0.3, 0.2, 0.1]
        table[f"{name}_std"] = 0.0
    table["unstable_topics"] = 0
    _write_outputs(run / "sweep", table)
    rec = json.loads((run / "sweep" / "recommendation.json").read_text())
    out = tmp_path / "report"
    sections = group_sections(SimpleNamespace(path=run, topics={"n_topics": 30}), out)
    assert [s["id"] for s in sections] == ["genres", "sweep"]
    genres, sweep = sections
    assert "15 cables are forms" in genres["html"] and "Embassy &lt;X&gt; (3)" in genres["html"]
    assert "| roster | 12 | 2009: 10, 2010: 2 | Embassy Cairo (12) |" in genres["md"]
    assert f"Recommended K = {rec['k']} (this run: K = 30)" in sweep["md"]
    assert (out / "figures" / "sweep.png").read_bytes() == (run / "sweep" / "sweep.png").read_bytes()
    # a run without either has no section
    (tmp_path / "bare").mkdir()
    assert group_sections(SimpleNamespace(path=tmp_path / "bare", topics={}), out) == []
