"""Report views that must hold on real, lopsided corpora at K = 50: time axes that start
where the data is dense, sparse periods as gaps, heat maps that scale to many themes and
leave thin cells empty, topic correlation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from topics.report.figures import plot_prevalence, theme_colors
from topics.report.figures_many import (
    lift_over_time,
    plot_post_heatmap,
    plot_time_heatmap,
    plot_year_counts,
    topic_correlation,
)
from topics.report.timeaxis import dense_window

# cables per year shaped like Cablegate's: a long thin tail, then the dense years
_YEARS = {"1966": 1, "1972": 1, "1986": 1, "1990": 12, "2001": 3, "2002": 5, "2003": 26,
          "2004": 92, "2005": 270, "2006": 456, "2007": 404, "2008": 871, "2009": 1459,
          "2010": 365}


def test_dense_window_starts_where_the_data_is_dense():
    w = dense_window(list(_YEARS), list(_YEARS.values()))
    # 1990 has 12 cables (>= 10) but stands alone; 2003 holds 26 >= 1% of the peak
    assert (w.start, w.end) == ("2003", "2010")
    assert w.n_before == 1 + 1 + 1 + 12 + 3 + 5 and w.n_after == 0
    assert w.dense == tuple(str(y) for y in range(2003, 2011))
    assert w.note() == ("2003-2010; 23 cables of 1966-2002 before not drawn; years with "
                        "fewer than 10 cables left as gaps")
    # a sparse year inside the dense run is a gap, not a cut
    holed = dict(_YEARS, **{"2006": 4})
    w2 = dense_window(list(holed), list(holed.values()))
    assert (w2.start, w2.end) == ("2003", "2010") and "2006" not in w2.dense
    assert w2.contains("2006") and not w2.contains("2002")
    # months work the same way, across a year boundary
    wm = dense_window(["2009-11", "2009-12", "2010-01", "2010-02"], [30, 40, 2, 50],
                      unit="month")
    assert (wm.start, wm.end, wm.dense) == ("2009-11", "2010-02", ("2009-11", "2009-12",
                                                                   "2010-02"))
    none = dense_window(["2001"], [3])
    assert none.start is None and "no year has 10+ cables" in none.note()


def _counts(themes: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = {}
    for year, n in _YEARS.items():
        rows[year] = rng.multinomial(n, np.full(themes, 1 / themes))
    df = pd.DataFrame.from_dict(rows, orient="index", columns=list(range(themes)))
    df.loc["1990"] = [12, 0, 0]  # the early spike that used to dominate the figure
    return df.sort_index()


def test_prevalence_axis_skips_sparse_tail_and_leaves_gaps():
    counts = _counts()
    counts.loc["2006"] = [1, 1, 2]  # a sparse year inside the window
    fig = Figure()
    ax, ax_n = fig.add_subplot(211), fig.add_subplot(212)
    plot_prevalence(ax, ax_n, counts, [0], theme_colors([0, 1, 2]), title="t", unit="year")
    lo, hi = ax.get_xlim()
    assert 2002 < lo < 2003 and 2010 < hi < 2011
    x, y = ax.lines[0].get_data()
    x, y = np.asarray(x), np.asarray(y, dtype=float)
    assert list(x) == list(range(2003, 2011))
    assert np.isnan(y[x == 2006]).all()  # the gap: no share from four cables
    dense = np.isin(x, [2005, 2007, 2008])
    sub = counts.loc[["2005", "2007", "2008"]]
    expect = sub[0] / sub.sum(axis=1)
    np.testing.assert_allclose(y[dense], expect.to_numpy())
    assert ax_n.get_xlabel() == "2003-2010 (23 earlier cables not drawn); gaps: < 10 cables"


def test_year_counts_spaced_as_real_years():
    rows = [{"name": y, "count": n} for y, n in _YEARS.items()] + [
        {"name": "(unknown)", "count": 4}]
    fig = Figure()
    ax = plot_year_counts(fig.add_subplot(), rows, window=dense_window(list(_YEARS),
                                                                       list(_YEARS.values())))
    xs = sorted(round(p.get_x() + p.get_width() / 2) for p in ax.containers[0])
    assert xs == sorted(int(y) for y in _YEARS)  # 1972 sits 6 units right of 1966
    assert "4 undated" in ax.get_title(loc="left")


def test_time_heatmap_orders_by_peak_and_blanks_sparse_years():
    years = [str(y) for y in range(2003, 2011)]
    counts = pd.DataFrame(20, index=years, columns=[0, 1, 2])
    counts.loc["2004", 2] = counts.loc["2007", 1] = counts.loc["2010", 0] = 60
    counts.loc["2006"] = [1, 2, 1]  # sparse: a gap
    counts.loc["1970"] = [5, 0, 0]  # the thin tail: cut
    w = dense_window(list(counts.index), counts.sum(axis=1).tolist())
    lift, overall = lift_over_time(counts, [0, 1, 2], w)
    assert list(lift.columns) == years and lift["2006"].isna().all()
    np.testing.assert_allclose(overall.sum(), 1.0)
    assert lift.loc[2, "2004"] == pytest.approx((60 / 100) / overall[2])
    fig = Figure()
    ax = fig.add_subplot()
    order = plot_time_heatmap(ax, counts, [0, 1, 2], {0: "a", 1: "b", 2: "c"}, w, fig=fig)
    assert order == [2, 1, 0]  # by the year of the peak: a chronology
    assert ax.images[0].get_array().mask[:, years.index("2006")].all()


def test_post_heatmap_hides_small_posts_and_thin_cells():
    counts = pd.DataFrame({0: [40, 3, 5, 2], 1: [60, 30, 0, 1], 2: [0, 2, 0, 0]},
                          index=["Embassy A", "Embassy B", "Embassy Tel Aviv", "Embassy C"])
    fig = Figure()
    ax = fig.add_subplot()
    posts, n_left = plot_post_heatmap(ax, counts, [0, 1, 2], {}, fig=fig, min_post=20,
                                      min_cell=3)
    assert posts == ["Embassy A", "Embassy B"] and n_left == 2  # Tel Aviv's 5 cables: out
    arr = ax.images[0].get_array()
    assert arr.shape == (3, 2)
    assert arr.mask[2, 1] and arr.mask[2, 0]  # 2 and 0 cables: empty cells
    assert arr[0, 1] == pytest.approx(3 / 35) and not arr.mask[0, 1]
    assert sorted(t.get_text() for t in ax.texts) == sorted(["40", "60", "3", "30"])


def test_topic_correlation_matches_numpy():
    rng = np.random.default_rng(1)
    w = rng.dirichlet(np.ones(6), 300)
    w[:, 5] = 1.0 / 6  # a topic without variance correlates with nothing
    c = topic_correlation(w)
    np.testing.assert_allclose(c[:5, :5], np.corrcoef(w[:, :5].T), atol=1e-12)
    assert (c[5, :5] == 0).all() and c[5, 5] == 1


def test_rankings_separate_frequent_from_exclusive_terms():
    from topics.report.termviews import RANKINGS, stm_score, term_rankings

    terms = ["common", "iaea", "uranium", "tariff", "wto", "rare"]
    # "common" is the most probable term of both topics; "rare" is used by topic 0 only
    tt = np.array([[0.40, 0.25, 0.20, 0.05, 0.05, 0.05],
                   [0.40, 0.05, 0.05, 0.25, 0.25, 0.00]])
    freq = np.array([1000, 60, 50, 60, 50, 2])
    r = term_rankings(tt, terms, n=3, term_freq=freq)
    assert [t for t, _ in r[0]["prob"]] == ["common", "iaea", "uranium"]
    assert r[0]["frex"][0][0] != "common" and "common" not in [t for t, _ in r[0]["score"]]
    assert r[0]["lift"][0][0] == "rare"  # 0.05 / (2 / 1222): the corpus rarity wins
    assert "rare" not in [t for t, _ in r[1]["lift"]]  # a term the topic never uses
    # every ranking carries p(w | k) as the bar weight
    assert r[0]["frex"][0][1] == pytest.approx(tt[0, terms.index(r[0]["frex"][0][0])])
    assert set(r[0]) == set(RANKINGS)
    s = stm_score(tt)
    logb = np.log(tt[:, 1])
    assert s[0, 1] == pytest.approx(tt[0, 1] * (logb[0] - logb.mean()))
    with pytest.raises(ValueError, match="5 terms for a topic_term matrix of shape"):
        term_rankings(tt, terms[:5])


def test_npmi_of_lists_matches_hand_computation():
    import scipy.sparse as sp

    from topics.report.termviews import npmi_of_lists

    docs = [{"a", "b"}, {"a", "b"}, {"a"}, {"c"}, {"b", "c"}, {"d"}]
    terms = ["a", "b", "c", "d"]
    m = sp.csr_matrix([[int(t in d) for t in terms] for d in docs])
    n = len(docs)
    pa, pb, pab = 3 / n, 3 / n, 2 / n
    want = np.log(pab / (pa * pb)) / -np.log(pab)
    got = npmi_of_lists([["a", "b"], ["a", "zzz"], ["b", "a", "nope"]], (m, terms))
    assert got[0] == pytest.approx(want) and got[2] == pytest.approx(want)
    assert got[1] is None  # one known term: no pair to score


def test_report_scores_the_terms_it_shows(tmp_path):
    import json
    import re

    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    from tests.test_report import build_run, synthetic_cables
    from topics.report import render_report
    from topics.report.termviews import npmi_of_lists

    cables = synthetic_cables(60, seed=5)
    run = build_run(tmp_path, cables, n_topics=5, n_themes=3)
    vocab = json.loads((run / "model" / "vocabulary.json").read_text())
    terms = vocab["terms"] if isinstance(vocab, dict) else vocab
    cv = CountVectorizer(vocabulary=terms, token_pattern=r"(?u)\b[a-z][a-z]+\b")
    m = sp.csr_matrix(cv.transform([c["body"].lower() for c in cables]))
    (run / "dtm").mkdir()
    sp.save_npz(run / "dtm" / "dtm.npz", m)
    (run / "dtm" / "dtm.json").write_text(json.dumps({"terms": terms}))
    index = render_report(run, n_boot=20)
    html = index.read_text(encoding="utf-8")
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    topics = json.loads((run / "topics.json").read_text())["topics"]
    want = npmi_of_lists([t["top_terms"][:10] for t in topics], (m, terms))
    for t, v in zip(topics, want, strict=True):
        assert re.search(rf"^\| {t['id']} \| .*? \| {v:.3f} \| ", md, re.M), t["id"]
    assert "NPMI (terms shown)" in html and 'id="rankings-table"' in html
    assert html.count('<div class="bars">') == len(topics)
    # the bars are p(w | k) of the most probable terms, widest first
    first = html[html.index('<div class="bars">'):]
    first = first[: first.index("</div>\n</div>") if "</div>\n</div>" in first else 2000]
    widths = [float(x) for x in re.findall(r'class="bar" style="width:([\d.]+)%"', first)]
    assert widths[0] == 100.0 and widths == sorted(widths, reverse=True)


def test_differences_between_levels_find_planted_contrast():
    from topics.report.effects import estimate_differences

    rng = np.random.default_rng(2)
    level = np.repeat(["UNCLASSIFIED", "SECRET", "CONFIDENTIAL"], [400, 300, 300])
    share = np.select([level == "SECRET", level == "UNCLASSIFIED"], [0.5, 0.2], 0.21)
    share = np.clip(share + rng.normal(0, 0.1, len(level)), 0, 1)
    w = np.column_stack([share, 1 - share])
    d = estimate_differences(w, [4, 9], level, [("SECRET", "UNCLASSIFIED"),
                                                ("CONFIDENTIAL", "UNCLASSIFIED"),
                                                ("SECRET", None), ("TOP SECRET", None)],
                             covariate="classification", n_boot=400, seed=1)
    t4 = d[d["theme"] == 4].set_index(["level", "reference"])
    s_u = t4.loc[("SECRET", "UNCLASSIFIED")]
    assert s_u["ci_low"] < 0.3 < s_u["ci_high"] and s_u["ci_low"] > 0.2  # 0.5 - 0.2
    assert (s_u["n_level"], s_u["n_reference"]) == (300, 400)
    c_u = t4.loc[("CONFIDENTIAL", "UNCLASSIFIED")]
    assert c_u["ci_low"] < 0.01 < c_u["ci_high"] < 0.05  # the planted 0.01, tightly
    s_all = t4.loc[("SECRET", "all cables")]
    assert s_all["diff"] == pytest.approx(w[level == "SECRET", 0].mean() - w[:, 0].mean())
    assert "TOP SECRET" not in set(d["level"])  # a level without cables is skipped
    # the two themes' differences mirror each other (weights sum to 1)
    t9 = d[d["theme"] == 9].set_index(["level", "reference"])
    assert t9.loc[("SECRET", "UNCLASSIFIED"), "diff"] == pytest.approx(-s_u["diff"])


def test_contrasts_chosen_as_a_reader_asks():
    from topics.report.contrasts import choose_comparisons

    years = pd.Series([int(y) for y, n in _YEARS.items() for _ in range(n)])
    n = len(years)
    cls = pd.Series(np.resize(["UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET"], n))
    cls.iloc[:n - 3] = np.resize(["UNCLASSIFIED", "CONFIDENTIAL", "SECRET"], n - 3)
    post = pd.Series(np.resize(["Embassy A"] * 5 + ["Embassy B"] * 3 + ["Tel Aviv"], n))
    post.iloc[:5] = "Embassy Tiny"
    window = dense_window(list(_YEARS), list(_YEARS.values()))
    c = choose_comparisons(cls, years, post, window,
                           ["UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET"])
    assert c["classification"] == [("SECRET", "UNCLASSIFIED"), ("CONFIDENTIAL", "UNCLASSIFIED")]
    assert c["year"] == [("2009", "2006")]  # the busiest late year against the busiest early
    assert [a for a, _ in c["post"]] == ["Embassy A", "Embassy B", "Tel Aviv"]


def test_one_label_per_id_for_dominant_themes(tmp_path):
    import json

    from tests.test_report import build_run, synthetic_cables
    from topics.report.data import build_report_data, load_run

    run = build_run(tmp_path, synthetic_cables(48, seed=3), n_topics=4, n_themes=2)
    meta = json.loads((run / "topics.json").read_text())
    dt = pd.read_parquet(run / "doc_topics.parquet")
    w = dt[[f"topic_{k}" for k in range(4)]].to_numpy()
    dt["theme"] = np.argmax(w, axis=1)
    dt.to_parquet(run / "doc_topics.parquet", index=False)
    meta["theme_method"] = "dominant"
    meta["themes"] = [{"id": k, "label": f"theme words {k}", "topics": [k],
                       "top_terms": meta["topics"][k]["top_terms"]} for k in range(4)]
    (run / "topics.json").write_text(json.dumps(meta))
    data = build_report_data(load_run(run))
    topic_label = {t["id"]: t["label"] for t in data.sections["topics"]}
    for t in data.sections["themes"] + data.sections["per_theme"]:
        assert t["label"] == topic_label[t["id"]] == meta["topics"][t["id"]]["label"]


def test_large_levels_take_the_bootstraps_normal_limit():
    from topics.report.effects import bootstrap_replicates, level_replicates

    rng = np.random.default_rng(5)
    w = rng.dirichlet([0.3, 0.5, 2.0], 30_000)
    exact = bootstrap_replicates(w, n_boot=1000, seed=1)
    normal = level_replicates(w, n_boot=1000, seed=1, exact_up_to=20_000)
    assert not np.array_equal(exact, normal)  # the normal limit was taken
    for q in (0.025, 0.5, 0.975):
        np.testing.assert_allclose(np.quantile(normal, q, axis=0),
                                   np.quantile(exact, q, axis=0), atol=6e-4)
    # the themes' correlation survives: shares summing to 1 stay summing to 1
    np.testing.assert_allclose(normal.sum(axis=1), 1.0, atol=1e-9)
    small = level_replicates(w[:500], n_boot=50, seed=2)
    np.testing.assert_array_equal(small, bootstrap_replicates(w[:500], n_boot=50, seed=2))


def test_encode_figures_in_workers_matches_serial():
    from matplotlib.image import imread

    from topics.report.figures import encode_figures, figure_png

    figs = {}
    for i in range(13):
        fig = Figure(figsize=(2, 1.5))
        fig.add_subplot().plot([0, 1, 2], [i, 0, i])
        figs[f"f{i}"] = fig
    many = encode_figures(figs, processes=2)
    one = {k: figure_png(f) for k, f in figs.items()}
    assert list(many) == list(figs)
    import io

    for k in figs:  # the same pixels, whichever process drew them
        np.testing.assert_array_equal(imread(io.BytesIO(many[k])), imread(io.BytesIO(one[k])))


def test_reject_kind_says_what_without_where():
    from topics.report.data import reject_kind

    rec = {"path": "../shared/x.zip", "reason": "cable not parsed: cable has no body text "
           "after the header (only routing/header lines found) (at ../shared/x.zip:member "
           "2007/10/07MANAMA963.html 07MANAMA963)"}
    assert reject_kind(rec) == ("cable not parsed: cable has no body text after the header "
                                "(only routing/header lines found)")
    assert reject_kind({"reason": "unrecognised format: /data/x.bin"}) == "unrecognised format"
    assert reject_kind({"path": "/d/a.txt", "reason": "cannot read /d/a.txt"}) == "cannot read"
    assert reject_kind({"reason": "no date-time group"}) == "no date-time group"
    assert reject_kind({}) == "(unknown)"


@pytest.mark.parametrize("n", [8, 12])
def test_tiny_corpus_renders_without_warnings(tmp_path, n):
    # pytest turns warnings into errors: a post heat map with no post big enough used to
    # warn about an empty axis
    from tests.test_report import build_run, synthetic_cables
    from topics.report import render_report

    run = build_run(tmp_path, synthetic_cables(n, seed=1), n_topics=2, n_themes=2)
    index = render_report(run, n_boot=20)
    assert (index.parent / "figures" / "themes_by_post.png").exists()
