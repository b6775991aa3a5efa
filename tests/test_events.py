"""Bursts in theme prevalence (topics.events) and the report's events section."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from topics.events import burst_weights, detect_events, find_bursts, kleinberg_states


def _months(n: int, start: int = 2004) -> list[datetime]:
    return [datetime(start + m // 12, 1 + m % 12, 1, tzinfo=UTC) for m in range(n)]


def generated_cables(seed: int, *, n_months: int = 60, per_month: int = 80,
                     burst: tuple[int, int] | None = (30, 33), base: float = 0.06,
                     lift: float = 3.0) -> pd.DataFrame:
    """Cables over ``n_months`` with three themes: 0 bursts in ``burst`` months (rate
    ``base * lift``), 1 is flat at ``base``, 2 takes the rest."""
    rng = np.random.default_rng(seed)
    rows = []
    for m, month in enumerate(_months(n_months)):
        n = int(rng.poisson(per_month))
        p0 = base * lift if burst is not None and burst[0] <= m <= burst[1] else base
        themes = rng.choice(3, size=n, p=[p0, base, 1 - p0 - base])
        for i, t in enumerate(themes):
            day = 1 + int(rng.integers(0, 28))
            rows.append({"ref": f"{month.year % 100:02d}POST{m * 1000 + i + 1}",
                         "date": month.replace(day=day), "theme": int(t),
                         "w": float(rng.uniform(0.3, 1.0))})
    return pd.DataFrame(rows)


def test_viterbi_marks_a_clear_burst_and_nothing_in_a_flat_series():
    d = np.full(40, 100.0)
    r = np.full(40, 5.0)
    r[20:25] = 30
    states, saving = kleinberg_states(r, d)
    assert states[20:25].all() and states[:19].sum() == 0 and states[26:].sum() == 0
    (a, b, w), = burst_weights(states, saving)
    assert (a, b) == (20, 24) and w == pytest.approx(saving[20:25].sum())
    flat_states, _ = kleinberg_states(np.full(40, 5.0), d)
    assert flat_states.sum() == 0


def test_vectorized_viterbi_equals_one_series_at_a_time():
    rng = np.random.default_rng(1)
    d = rng.integers(20, 90, size=(6, 30)).astype(float)
    r = rng.binomial(d.astype(int), 0.1).astype(float)
    r[2, 10:14] = d[2, 10:14] * 0.5
    together, _ = kleinberg_states(r, d)
    for i in range(6):
        alone, _ = kleinberg_states(r[i], d[i])
        assert (together[i] == alone).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_burst_found_within_a_month(seed):
    cables = generated_cables(seed)
    bursts, monthly = detect_events(cables["ref"], cables["date"], cables["theme"], cables["w"],
                                    [0, 1, 2], seed=seed)
    planted = [b for b in bursts if b.theme == 0]
    assert len(planted) == 1
    b = planted[0]
    start, end = monthly.index.get_loc(b.start), monthly.index.get_loc(b.end)
    assert abs(start - 30) <= 1 and abs(end - 33) <= 1
    assert b.p_value <= 0.05 and b.n_cables > 2 * b.expected
    # the cables that carry it: theme 0, dated inside the burst, highest weight first
    carry = cables.set_index("ref").loc[list(b.refs)]
    assert (carry["theme"] == 0).all()
    months = carry["date"].dt.strftime("%Y-%m")
    assert ((months >= b.start) & (months <= b.end)).all()
    assert list(carry["w"]) == sorted(carry["w"], reverse=True)


def test_flat_theme_false_positive_rate_is_at_most_alpha():
    alpha, reps = 0.1, 150
    rng = np.random.default_rng(11)
    d = rng.poisson(80, 60).astype(float)
    hits = sum(bool(find_bursts(rng.binomial(d.astype(int), 0.06).astype(float), d,
                                alpha=alpha, seed=i)) for i in range(reps))
    # binomial(150, 0.1): mean 15, sd 3.7; allow 2.5 sd
    assert hits / reps <= alpha + 2.5 * np.sqrt(alpha * (1 - alpha) / reps)
    # and the test is not vacuous: a burst of the same size as the planted one is found
    r = rng.binomial(d.astype(int), 0.06).astype(float)
    r[30:34] = rng.binomial(d[30:34].astype(int), 0.18)
    assert find_bursts(r, d, alpha=alpha)


def test_no_burst_in_flat_generated_cables_and_short_series():
    cables = generated_cables(5, burst=None)
    bursts, _ = detect_events(cables["ref"], cables["date"], cables["theme"], None, [0, 1, 2],
                              alpha=0.01)
    assert not bursts
    short = cables[cables["date"] < datetime(2004, 3, 1, tzinfo=UTC)]
    bursts, monthly = detect_events(short["ref"], short["date"], short["theme"], None, [0, 1, 2])
    assert bursts == [] and monthly.empty


def test_find_bursts_rejects_bad_input():
    with pytest.raises(ValueError, match="0 <= r <= d"):
        find_bursts(np.array([5.0, 1, 1]), np.array([3.0, 3, 3]))
    with pytest.raises(ValueError, match="alpha"):
        find_bursts(np.ones(5), np.ones(5) * 3, alpha=1.5)
    with pytest.raises(ValueError, match="s > 1"):
        find_bursts(np.ones(5), np.ones(5) * 3, s=1.0)


# ------------------------------------------------------------------ report section
def write_run(root, cables: pd.DataFrame, report: dict) -> object:
    """A minimal run directory: one topic per theme, doc-topic one-hot-ish."""
    run = root / "run"
    run.mkdir()
    k = 3
    dt = np.full((len(cables), k), 0.05)
    dt[np.arange(len(cables)), cables["theme"].to_numpy()] = 0.9
    frame = pd.DataFrame({
        "ref": cables["ref"], "date": pd.to_datetime(cables["date"], utc=True),
        "origin": "Embassy Somewhere", "classification": "UNCLASSIFIED",
        "tags": [["PREL"]] * len(cables), "subject": "S",
        **{f"topic_{j}": dt[:, j] for j in range(k)}, "theme": cables["theme"].astype(np.int64),
    })
    frame.to_parquet(run / "doc_topics.parquet", index=False)
    themes = [{"id": j, "label": f"label <{j}>", "size": int((cables["theme"] == j).sum()),
               "share": 0.3, "top_terms": ["a", "b"], "topics": [j]} for j in range(k)]
    topics = [{"id": j, "label": "t", "top_terms": ["a", "b"], "term_weights": [0.5, 0.5],
               "share": 0.3} for j in range(k)]
    (run / "topics.json").write_text(json.dumps({"engine": "nmf", "n_topics": k, "seed": 0,
                                                 "topics": topics, "themes": themes}))
    lines = ["seed = 0", "[report]"] + [f"{key} = {json.dumps(v)}" for key, v in report.items()]
    (run / "config.toml").write_text("\n".join(lines) + "\n")
    return run


def test_report_lists_events_and_marks_them(tmp_path):
    from topics.report import render_report

    cables = generated_cables(0, n_months=36, burst=(20, 22))
    run = write_run(tmp_path, cables, {"events": True})
    index = render_report(run, n_boot=20)
    events = pd.read_csv(run / "report" / "events.csv")
    assert list(events["theme"]) == [0]
    assert (run / "report" / "figures" / "events.png").stat().st_size > 1000
    html = index.read_text()
    assert 'id="events"' in html and events.loc[0, "start"] in html
    assert "label &lt;0&gt;" in html  # labels are escaped
    md = (run / "report" / "report.md").read_text()
    assert "## Events: bursts in themes over time" in md and events.loc[0, "refs"].split()[0] in md
    assert "bursts shaded (see Events)" in html  # the theme's over-time figure is marked


def test_mark_bursts_shades_the_theme_over_time_panel():
    from matplotlib.figure import Figure

    from topics.events import Burst
    from topics.report.extras import mark_bursts

    fig = Figure()
    ax_t = fig.add_subplot(2, 1, 1)
    ax_t.set_title("Theme 3 over time", loc="left")
    other = fig.add_subplot(2, 1, 2)
    figs = {"theme_3": (fig, "Theme 3 by month"), "theme_4": (Figure(), "x")}
    bursts = [Burst(3, "2008-09", "2008-10", 38, 15.9, 12.2, 0.005, ("08CAIRO2160",)),
              Burst(9, "2005-01", "2005-02", 5, 1.0, 3.0, 0.01)]
    assert mark_bursts(figs, bursts) == 1
    (span,) = ax_t.patches
    x0, x1 = span.get_x(), span.get_x() + span.get_width()
    assert x0 == pytest.approx(2008 + 7.5 / 12) and x1 == pytest.approx(2008 + 9.5 / 12)
    assert not other.patches and figs["theme_3"][1].endswith("bursts shaded (see Events)")


def test_report_without_events_or_weighting_has_neither_section(tmp_path):
    from topics.report import render_report

    run = write_run(tmp_path, generated_cables(1, n_months=24), {"events": False})
    html = render_report(run, n_boot=20).read_text()
    assert 'id="events"' not in html and 'id="weighted-prevalence"' not in html
    assert not (run / "report" / "events.csv").exists()
