"""Themes: clustering cables over topic mixtures, FREX/lift labels, theme labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from tests.test_models import K, planted
from topics.models import DEFAULT_ENGINE, make_model
from topics.themes import METHODS, fit_themes, label_themes, label_topics, term_scores, top_terms


@pytest.fixture(scope="module")
def setup():
    dtm, beta, labels = planted()
    model = make_model(DEFAULT_ENGINE, n_topics=K, seed=1).fit(dtm)
    return dtm, beta, labels, model


def test_dominant_themes_recover_planted_labels(setup):
    dtm, _, labels, model = setup
    themes = fit_themes(model.doc_topic_, method="dominant")
    assert themes.method == "dominant" and themes.n_themes == K
    assert adjusted_rand_score(labels, themes.labels) >= 0.8
    # Theme id = topic id.
    np.testing.assert_array_equal(themes.labels, model.doc_topic_.argmax(axis=1))
    assert themes.centers.shape == (K, K) and themes.linkage.shape == (K - 1, 4)


@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_themes_and_stable_ids(method, setup):
    dt = setup[3].doc_topic_
    n = None if method in ("dominant", "refined", "hdbscan") else K
    a = fit_themes(dt, method=method, n_themes=n, seed=4, dtm=setup[0])
    b = fit_themes(dt, method=method, n_themes=n, seed=4, dtm=setup[0])
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(a.centers, b.centers)
    assert adjusted_rand_score(setup[2], a.labels) >= 0.8
    if method not in ("dominant", "refined"):
        sizes = a.sizes
        assert list(sizes) == sorted(sizes, reverse=True)
        firsts = [int(np.argmax(a.labels == t)) for t in range(a.n_themes)]
        for t in range(a.n_themes - 1):
            if sizes[t] == sizes[t + 1]:
                assert firsts[t] < firsts[t + 1]
    d = a.to_dict()
    assert d["labels"] == a.labels.tolist() and len(d["linkage"]) == max(a.n_themes - 1, 0)


def test_cluster_ids_ordered_by_size_then_first_cable():
    # 2 cables lean to topic 1, 3 cables to topic 0, 3 cables to topic 2 (appearing later).
    dt = np.array(
        [[0.1, 0.8, 0.1], [0.9, 0.05, 0.05], [0.1, 0.85, 0.05], [0.92, 0.04, 0.04]]
        + [[0.88, 0.06, 0.06]]
        + [[0.05, 0.05, 0.9]] * 3
    )
    themes = fit_themes(dt, method="kmeans", n_themes=3, seed=0)
    assert themes.labels.tolist() == [2, 0, 2, 0, 0, 1, 1, 1]


def test_fit_themes_validation():
    dt = np.full((5, 3), 1 / 3)
    with pytest.raises(ValueError, match="'method' parameter of fit_themes"):
        fit_themes(dt, method="lda")
    with pytest.raises(ValueError, match="one theme per topic"):
        fit_themes(dt, n_themes=2)
    with pytest.raises(ValueError, match=r"'n_themes' parameter .* Got 9"):
        fit_themes(dt, method="kmeans", n_themes=9)
    with pytest.raises(ValueError, match="doc_topic must be a 2-D array"):
        fit_themes(np.ones(4))


def test_frex_and_lift_prefer_exclusive_term_over_shared_frequent():
    # "shared" is the most probable term of both topics; "exclusive" is second in topic 0
    # and nearly absent from topic 1; 18 filler terms are spread over both.
    rng = np.random.default_rng(1)
    tt = np.zeros((2, 20))
    tt[:, 0] = 0.30
    tt[0, 1], tt[1, 1] = 0.20, 0.001
    tt[:, 2:] = rng.uniform(0.01, 0.05, size=(2, 18))
    tt /= tt.sum(axis=1, keepdims=True)
    terms = ["shared", "exclusive"] + [f"f{i}" for i in range(18)]
    assert top_terms(tt, terms, n=3, method="prob")[0][0] == "shared"
    assert top_terms(tt, terms, n=3, method="frex")[0][0] == "exclusive"
    assert top_terms(tt, terms, n=3, method="lift")[0][0] == "exclusive"
    # Lift with corpus frequencies: p(w|k) / p(w).
    freq = np.arange(1, 21, dtype=float)
    scores = term_scores(tt, "lift", term_freq=freq)
    np.testing.assert_allclose(scores[0, 1], tt[0, 1] / (2 / freq.sum()))


def test_frex_matches_stm_formula():
    rng = np.random.default_rng(0)
    tt = rng.dirichlet(np.ones(8), size=3)
    s = term_scores(tt, "frex", frex_weight=0.3)
    excl = tt / tt.sum(axis=0)
    for k in range(3):
        fr = (np.argsort(np.argsort(tt[k])) + 1) / 8  # no ties in random data
        ex = (np.argsort(np.argsort(excl[k])) + 1) / 8
        np.testing.assert_allclose(s[k], 1 / (0.3 / fr + 0.7 / ex))


def test_label_topics_shapes(setup):
    dtm, beta, _, model = setup
    labels = label_topics(model, dtm, n=10)
    assert [t["id"] for t in labels] == list(range(K))
    for t in labels:
        assert len(t["top_terms"]) == 10 and len(t["term_weights"]) == 10
        assert t["label"] == ", ".join(t["top_terms"][:3])
        # Every top FREX term of a planted topic is one of that topic's own 50 terms.
        owner = {int(term[1:]) // 50 for term in t["top_terms"]}
        assert len(owner) == 1
    assert abs(sum(t["share"] for t in labels) - 1.0) < 1e-9


def test_label_themes(setup):
    dtm, _, _, model = setup
    themes = fit_themes(model.doc_topic_, method="dominant")
    # Cables of planted topic 0 carry TAGS PREL; every cable carries KPAO; meta is shuffled.
    own = themes.labels == themes.labels[0]
    rows = [
        {"ref": ref, "tags": ["PREL", "KPAO"] if own[i] else ["ECON", "KPAO"], "date": None}
        for i, ref in enumerate(dtm.refs)
    ]
    meta = pd.DataFrame(rows[::-1])
    out = label_themes(themes, dtm, model.doc_topic_, meta, n=8)
    assert [t["id"] for t in out] == list(range(K))
    assert sum(t["size"] for t in out) == dtm.n_docs
    first = out[int(themes.labels[0])]
    assert first["size"] == int(own.sum()) and first["topics"] == [int(themes.labels[0])]
    tags = {t["tag"]: t for t in first["tags"]}
    assert tags["PREL"]["share"] == 1.0 and tags["KPAO"]["lift"] == pytest.approx(1.0)
    assert tags["PREL"]["lift"] == pytest.approx(dtm.n_docs / own.sum())
    assert set(tags["PREL"]) == {"tag", "name", "share", "lift"}
    assert len(first["representative"]) == 5
    best = np.argsort(-model.doc_topic_[:, themes.labels[0]], kind="stable")[0]
    assert first["representative"][0] == dtm.refs[best]
    for t in out:
        assert len({int(w[1:]) // 50 for w in t["top_terms"]}) == 1
        assert t["top_phrases"] == []
        assert set(t) == {
            "id", "label", "size", "share", "top_terms", "top_phrases", "tags",
            "representative", "topics",
        }  # fmt: skip


def test_label_themes_length_mismatch(setup):
    dtm, _, _, model = setup
    themes = fit_themes(model.doc_topic_, method="dominant")
    with pytest.raises(ValueError, match="same cables"):
        label_themes(themes, dtm.subset(range(10)), model.doc_topic_)


def test_dominant_tag_is_over_represented_before_frequent(setup):
    # PREL is on every cable (lift 1: its share x lift of 1.0 beats ETRD's), ETRD on a
    # quarter of the theme's cables and a few others (lift > 1): ETRD leads the theme.
    dtm, _, _, model = setup
    themes = fit_themes(model.doc_topic_, method="dominant")
    own = themes.labels == themes.labels[0]
    inside = np.flatnonzero(own)
    outside = np.flatnonzero(~own)
    etrd = set(inside[::4].tolist()) | set(outside[: len(inside) // 2].tolist())
    rows = [{"ref": ref, "tags": ["PREL", "ETRD"] if i in etrd else ["PREL"], "date": None}
            for i, ref in enumerate(dtm.refs)]
    out = label_themes(themes, dtm, model.doc_topic_, pd.DataFrame(rows), n=8)
    tags = out[int(themes.labels[0])]["tags"]
    by_tag = {t["tag"]: t for t in tags}
    assert by_tag["PREL"]["lift"] == pytest.approx(1.0)
    assert by_tag["PREL"]["share"] * 1.0 > by_tag["ETRD"]["share"] * by_tag["ETRD"]["lift"]
    assert tags[0]["tag"] == "ETRD" and tags[0]["lift"] > 1.0


def test_refined_themes_move_a_cable_to_the_theme_of_its_words(setup):
    """A cable whose mixture says topic A but whose words are topic B's ends in B's theme;
    the other cables keep the theme of their dominant topic (theme id = topic id)."""
    dtm, _, labels, model = setup
    dt = np.array(model.doc_topic_, dtype=float)
    dominant = dt.argmax(axis=1)
    victim = 0
    wrong = (dominant[victim] + 1) % K
    dt[victim] = 0.0
    dt[victim, wrong] = 1.0  # the mixture lies about cable 0
    themes = fit_themes(dt, dtm=dtm, seed=0)
    assert themes.method == "refined" and themes.n_themes == K
    assert themes.labels[victim] == dominant[victim] != wrong
    assert adjusted_rand_score(labels, themes.labels) >= 0.8
    assert np.mean(themes.labels == dominant) >= 0.95
    assert themes.similarity is not None and themes.similarity.shape == (dtm.n_docs,)
    assert np.all(themes.similarity <= 1.0 + 1e-9)
    # Representative cables are the closest to the theme's mean vector.
    out = label_themes(themes, dtm, dt, n=5)
    for row in out:
        rows = np.flatnonzero(themes.labels == row["id"])
        if rows.size:
            best = rows[np.argmax(themes.similarity[rows])]
            assert row["representative"][0] == dtm.refs[best]


def test_refined_themes_need_the_count_matrix(setup):
    dtm, _, _, model = setup
    with pytest.raises(ValueError, match="needs dtm="):
        fit_themes(model.doc_topic_)
    with pytest.raises(ValueError, match="needs dtm="):
        fit_themes(model.doc_topic_, dtm=dtm.subset(range(10)))
    with pytest.raises(ValueError, match="dims"):
        fit_themes(model.doc_topic_, dtm=dtm, dims=0)
