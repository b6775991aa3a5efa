"""TAG suggestion: split, thresholds, scores, the suggester's save/load and the CLI's checks."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from sklearn.metrics import f1_score

from tests.test_labeled import PLANTED, corpus
from topics.cli import main
from topics.tagsuggest import (
    METHODS,
    TagSuggester,
    binarize,
    build_suggester,
    choose_thresholds,
    evaluate_predictions,
    f1_intervals,
    split_tagged,
    top_specific_tags,
)
from topics.tagtext import CableTexts


def texts_of(dtm, tags, seed=0):
    """Cable texts for a generated matrix: the row's words as the body, three of them as the
    subject, a post, and the row's non-subject TAGS as country TAGS."""
    rng = np.random.default_rng(seed)
    terms = np.asarray(dtm.vocabulary.terms)
    subjects, bodies = [], []
    for i in range(dtm.n_docs):
        row = dtm.matrix[i]
        words = list(np.repeat(terms[row.indices], row.data.astype(int)))
        rng.shuffle(words)
        bodies.append(" ".join(words))
        subjects.append(" ".join(words[:3]).upper())
    return CableTexts(subject=subjects, body=bodies, origin=["Embassy Tehran"] * dtm.n_docs,
                      country_tags=[[t for t in row if len(t) == 2] for row in tags])


def test_split_is_seeded_disjoint_and_only_tagged():
    has = np.array([i % 5 != 0 for i in range(200)])
    a = split_tagged(has, seed=1)
    b = split_tagged(has, seed=1)
    c = split_tagged(has, seed=2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[2], c[2])
    rows = np.concatenate(a)
    assert len(rows) == len(set(rows.tolist())) == has.sum()
    assert has[rows].all()
    assert [len(x) for x in a] == [96, 24, 40]
    with pytest.raises(ValueError, match="too few"):
        split_tagged([True, True], seed=0)


def test_thresholds_maximise_f1_on_what_they_see():
    rng = np.random.default_rng(0)
    y = rng.random((300, 3)) < 0.3
    scores = np.where(y, rng.normal(0.7, 0.1, y.shape), rng.normal(0.4, 0.1, y.shape))
    th = choose_thresholds(scores, y)
    f_best = [f1_score(y[:, j], scores[:, j] >= th[j]) for j in range(3)]
    for j in range(3):
        for t in np.linspace(0.2, 0.9, 15):  # no other threshold does better
            assert f1_score(y[:, j], scores[:, j] >= t) <= f_best[j] + 1e-12
    # a column without positives gets the shared threshold
    y[:, 2] = False
    th2 = choose_thresholds(scores, y)
    assert np.isfinite(th2[2]) and np.array_equal(th2[:2], th[:2])


def test_evaluation_matches_sklearn():
    rng = np.random.default_rng(3)
    y = rng.random((100, 4)) < 0.3
    pred = rng.random((100, 4)) < 0.3
    e = evaluate_predictions(y, pred, ["A", "B", "C", "D"], specific=["B", "C"])
    assert e["micro_f1"] == pytest.approx(f1_score(y, pred, average="micro"))
    assert [r["f1"] for r in e["per_tag"]] == pytest.approx(
        f1_score(y, pred, average=None).tolist())
    assert e["micro_f1_specific"] == pytest.approx(f1_score(y[:, 1:3], pred[:, 1:3],
                                                            average="micro"))
    assert top_specific_tags([["PREL", "PHUM"], ["PHUM", "KNNP"], ["PGOV"]], n=1) == ["PHUM"]
    assert binarize([["A", "Z"], []], ["A", "B"]).tolist() == [[1, 0], [0, 0]]


def test_build_suggester_learns_planted_tags_and_round_trips(tmp_path):
    dtm, tags = corpus(320, seed=4)
    sugg, report = build_suggester(dtm, tags, engine="plda", n_topics=2, seed=0,
                                   params={"iterations": 80}, texts=texts_of(dtm, tags))
    assert set(report["methods"]) == {*METHODS, "lr@0.5"}
    assert report["chosen"] in METHODS and sugg.method == report["chosen"]
    assert report["split"]["n_test"] == 80
    assert set(report["specific_tags"]) == set(PLANTED)
    assert report["thresholds_from"]["text"].startswith("cross-validation")
    for m in METHODS:
        e = report["methods"][m]
        assert e["micro_f1_specific"] > 0.8, (m, e["micro_f1_specific"])
        assert len(sugg.thresholds[m]) == len(sugg.labels)
        assert all(r["f1_low"] <= r["f1"] + 1e-9 and r["f1"] <= r["f1_high"] + 1e-9
                   for r in e["per_tag"] if r["support"])
    sugg.save(tmp_path / "s")
    back = TagSuggester.load(tmp_path / "s")
    new, new_tags = corpus(30, seed=11)
    new_texts = texts_of(new, new_tags, seed=1)
    for m in METHODS:
        assert np.array_equal(back.scores(new, m, texts=new_texts),
                              sugg.scores(new, m, texts=new_texts))
    with pytest.raises(ValueError, match="texts"):
        back.scores(new, "text")
    pred, _ = back.suggest(new, "text", texts=new_texts)
    col = {t: j for j, t in enumerate(back.labels)}
    hit = np.mean([all(pred[i, col[t]] for t in row if t in PLANTED)
                   for i, row in enumerate(new_tags)])
    assert hit > 0.8
    pred, _ = back.suggest(new, texts=new_texts)
    col = {t: j for j, t in enumerate(back.labels)}
    hit = np.mean([all(pred[i, col[t]] for t in row if t in PLANTED)
                   for i, row in enumerate(new_tags)])
    assert hit > 0.8
    meta = json.loads((tmp_path / "s" / "suggester.json").read_text())
    assert meta["method"] == sugg.method and meta["split"]["n_fit"] == 192
    # a suggester without its text part offers the other methods only
    s2 = dataclasses.replace(sugg, text=None)
    assert "text" not in s2.methods and "lr-cv" in s2.methods
    with pytest.raises(ValueError, match="must be one of"):
        s2.scores(new, "text", texts=new_texts)


def test_f1_intervals_cover_the_point_and_narrow_with_more_cables():
    rng = np.random.default_rng(5)
    y = rng.random((2000, 2)) < 0.2
    pred = np.where(rng.random(y.shape) < 0.8, y, ~y)  # 80% right
    e = evaluate_predictions(y, pred, ["A", "B"])
    wide = f1_intervals(y[:100], pred[:100], n_boot=300)
    narrow = f1_intervals(y, pred, n_boot=300)
    for j, row in enumerate(e["per_tag"]):
        assert narrow[j, 0] < row["f1"] < narrow[j, 1]
        assert narrow[j, 1] - narrow[j, 0] < wide[j, 1] - wide[j, 0]


def test_cli_suggest_tags_refuses_an_untagged_run(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text('[corpus]\nstore = "x"\n[model]\nengine = "nmf"\n')
    assert main(["suggest-tags", str(tmp_path), "--model", str(run), "--out",
                 str(tmp_path / "t.csv")]) == 2
    assert "TAG-supervised run" in capsys.readouterr().err
    assert not (tmp_path / "t.csv").exists()


def test_text_featurizer_reads_the_addressees():
    """A TAG that only the addressee tells (aid cables sent to USAID) is learned from the
    meta block; without addressees the same cables carry no such signal."""
    from topics.tagtext import CableFeaturizer, fit_text_tagger

    rng = np.random.default_rng(0)
    n = 240
    words = [f"w{i}" for i in range(60)]
    bodies = [" ".join(rng.choice(words, 40)) for _ in range(n)]
    aid = np.arange(n) % 4 == 0
    to = [["SECSTATE WASHDC", "USAID WASHDC"] if a else ["SECSTATE WASHDC"] for a in aid]
    texts = CableTexts(subject=["report"] * n, body=bodies, origin=["Embassy San Jose"] * n,
                       country_tags=[["CS"]] * n, to=to, info=[["AMEMBASSY MANAGUA"]] * n)
    feat = CableFeaturizer().fit(texts)
    assert "to:usaid_washdc" in feat.vocab["meta"] and "info:amembassy_managua" in feat.vocab["meta"]
    assert "post:embassy_san_jose" in feat.vocab["meta"]
    y = aid[:, None].astype(float)
    train, test = np.arange(n) < 180, np.arange(n) >= 180
    tagger, th, _ = fit_text_tagger(texts.subset(np.flatnonzero(train)), y[train])
    pred = tagger.scores(texts.subset(np.flatnonzero(test)))[:, 0] >= th[0]
    assert np.array_equal(pred, aid[test])
    # the same cables without their addressees: nothing tells the TAG
    blind = CableTexts(subject=texts.subject, body=bodies, origin=texts.origin,
                       country_tags=texts.country_tags)
    assert blind.to == [[] for _ in range(n)]
    tagger, th, _ = fit_text_tagger(blind.subset(np.flatnonzero(train)), y[train])
    pred = tagger.scores(blind.subset(np.flatnonzero(test)))[:, 0] >= th[0]
    assert not np.array_equal(pred, aid[test])
    with pytest.raises(ValueError, match="to values"):
        CableTexts(subject=["a"], body=["b"], origin=["c"], country_tags=[[]], to=[[], []])
