"""llda / plda: subject TAGS as labels on generated cables with planted TAG vocabularies."""

from __future__ import annotations

import numpy as np
import pytest

from topics.models import load_model, make_model
from topics.models.base import ModelFormatError
from topics.models.tomotopy_labeled import name_rows, subject_labels
from topics.vectorize import build_dtm

#: Each planted TAG's own words; cables also draw from a shared background.
PLANTED = {
    "PHUM": ["detention", "torture", "activists", "prisoners", "rights", "abuses"],
    "PTER": ["terrorist", "attack", "bombing", "militants", "extremist", "cell"],
    "KNNP": ["enrichment", "uranium", "iaea", "safeguards", "centrifuge", "reactor"],
    "ETRD": ["tariff", "exports", "imports", "wto", "quota", "dumping"],
}
BACKGROUND = [f"common{i}" for i in range(30)]


def corpus(n: int = 240, seed: int = 0):
    """Token lists, refs and TAGS (each cable 1-2 planted TAGS, plus PREL and a country)."""
    rng = np.random.default_rng(seed)
    tags_all = list(PLANTED)
    tokens, refs, tags = [], [], []
    for i in range(n):
        k = 1 + int(rng.random() < 0.3)
        mine = list(rng.choice(tags_all, size=k, replace=False))
        words = list(rng.choice(BACKGROUND, size=25))
        for t in mine:
            words += list(rng.choice(PLANTED[t], size=15))
        tokens.append(words)
        refs.append(f"09POST{i}")
        tags.append(["PREL", *mine, "IR"])
    dtm = build_dtm(tokens, refs, min_df=1, max_df=1.0, max_terms=None)
    return dtm, tags


@pytest.fixture(scope="module")
def data():
    return corpus()


def test_subject_labels_keeps_handbook_subject_tags_only():
    assert subject_labels(["prel", "KNNP", "IR", "IAEA", "ZOELLICK", "KNNP"]) == ["PREL", "KNNP"]
    assert subject_labels(None) == []


@pytest.mark.parametrize("engine", ["plda", "llda"])
def test_tag_topics_hold_the_planted_words(data, engine):
    dtm, tags = data
    model = make_model(engine, n_topics=2 if engine == "plda" else 20, seed=3,
                       iterations=150).fit(dtm, labels=tags)
    assert set(model.labels_) == {"PREL", *PLANTED}  # IR is a country code, not a label
    n_latent = 2 if engine == "plda" else 0
    assert model.n_topics_ == len(model.labels_) + n_latent
    terms = np.asarray(model.terms_)
    for j, tag in enumerate(model.labels_):
        if tag == "PREL":
            continue
        top = set(terms[np.argsort(-model.topic_term_[j])[:6]])
        assert len(top & set(PLANTED[tag])) >= 5, (tag, top)
    # training mixtures stay on each cable's own TAGS (plus latent topics)
    own = model.label_scores(model.doc_topic_)
    allowed = np.array([[t in row for t in model.labels_] for row in tags])
    assert np.all(own[~allowed] < 1e-9)
    # unseen cables are inferred without TAGS: the planted TAG gets the largest share
    new, new_tags = corpus(40, seed=9)
    scores = model.label_scores(model.transform(new))
    hits = [model.labels_[int(np.argmax(np.where(np.array(model.labels_) == "PREL", -1, s)))]
            in t for s, t in zip(scores, new_tags, strict=True)]
    assert np.mean(hits) > 0.9


def test_same_seed_same_arrays_save_load_transform(data, tmp_path):
    dtm, tags = data
    a = make_model("plda", n_topics=2, seed=5, iterations=60).fit(dtm, labels=tags)
    b = make_model("plda", n_topics=2, seed=5, iterations=60).fit(dtm, labels=tags)
    assert np.array_equal(a.topic_term_, b.topic_term_)
    assert np.array_equal(a.doc_topic_, b.doc_topic_)
    sub = dtm.subset(list(range(30)))
    before = a.transform(sub)
    a.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    assert loaded.labels_ == a.labels_ and loaded.topic_names_ == a.topic_names_
    assert np.array_equal(loaded.transform(sub), before)
    (tmp_path / "m" / "tomotopy.bin").write_bytes(b"damaged")
    with pytest.raises(ModelFormatError, match="sha256"):
        load_model(tmp_path / "m")


def test_missing_labels_and_rare_tags_are_clear_errors(data):
    dtm, tags = data
    with pytest.raises(ValueError, match="needs the cables' TAGS"):
        make_model("plda", n_topics=2).fit(dtm)
    with pytest.raises(ValueError, match="label lists for 240 matrix rows"):
        make_model("plda", n_topics=2).fit(dtm, labels=tags[:10])
    with pytest.raises(ValueError, match="no subject TAG is carried by 1000"):
        make_model("llda", n_topics=5, min_label_docs=1000).fit(dtm, labels=tags)
    with pytest.raises(ValueError, match="not a corpus store"):
        make_model("plda", n_topics=2, label_store="/nonexistent").fit(dtm)


def test_llda_keeps_the_most_common_tags(data):
    dtm, tags = data
    model = make_model("llda", n_topics=2, iterations=20).fit(dtm, labels=tags)
    counts = {t: sum(t in row for row in tags) for t in PLANTED}
    assert set(model.labels_) == {"PREL", max(counts, key=counts.get)}


def test_seed_words_make_a_named_theme(data):
    dtm, _ = data
    seeds = {"nonproliferation": ["enrichment", "iaea"], "terror": ["bombing"]}
    model = make_model("lda-gibbs", n_topics=6, seed=1, iterations=150,
                       seed_words=seeds).fit(dtm)
    terms = np.asarray(model.terms_)
    for i, name in enumerate(seeds):
        top = set(terms[np.argsort(-model.topic_term_[i])[:6]])
        planted = PLANTED["KNNP" if i == 0 else "PTER"]
        assert len(top & set(planted)) >= 4, (name, top)
    assert model.topic_names_[:3] == ("nonproliferation", "terror", "")
    topics = [{"id": j, "label": "a, b"} for j in range(6)]
    themes = [{"id": 1, "label": "x", "topics": [1]}, {"id": 4, "label": "y", "topics": [4]}]
    assert name_rows(topics, themes, model.topic_names_) == 1
    assert themes[0]["label"] == "terror: x" and "name" not in themes[1]
    with pytest.raises(ValueError, match="given for both"):
        make_model("lda-gibbs", n_topics=4, seed_words={"a": ["x"], "b": ["x"]}).fit(dtm)
    with pytest.raises(ValueError, match="none of its seed words"):
        make_model("lda-gibbs", n_topics=4, seed_words={"a": ["zzzz"]}).fit(dtm)



def test_plda_seed_labels_make_a_named_theme_beside_the_tags(data, tmp_path):
    dtm, tags = data
    # KNNP is no TAG here: only the seed words can make its theme
    no_knnp = [[t for t in row if t != "KNNP"] for row in tags]
    seeds = {"nonproliferation": ["enrichment", "iaea", "notaword"]}
    model = make_model("plda", n_topics=2, seed=2, iterations=150,
                       seed_words=seeds).fit(dtm, labels=no_knnp)
    assert "KNNP" not in model.labels_ and "nonproliferation" not in model.labels_
    j = model.seed_topics_["nonproliferation"]
    assert model.topic_names_[j] == "nonproliferation"
    assert model.n_topics_ == len(model.labels_) + 1 + 2
    top = set(np.asarray(model.terms_)[np.argsort(-model.topic_term_[j])[:6]])
    assert len(top & set(PLANTED["KNNP"])) >= 5, top
    assert model.label_scores(model.doc_topic_).shape == (dtm.n_docs, len(model.labels_))
    # the theme is open in training only to the cables using a seed word
    col = [dtm.vocabulary.index(w) for w in ("enrichment", "iaea")]
    uses = np.asarray(dtm.matrix[:, col].sum(axis=1)).ravel() > 0
    assert np.all(model.doc_topic_[~uses, j] < 1e-9) and model.doc_topic_[uses, j].mean() > 0.1
    model.save(tmp_path / "m")
    back = load_model(tmp_path / "m")
    assert back.seed_topics_ == model.seed_topics_ and back.labels_ == model.labels_
    with pytest.raises(ValueError, match="none of its seed words"):
        make_model("plda", n_topics=2, seed_words={"a": ["zzzz"]}).fit(dtm, labels=tags)


def test_plda_takes_themes_seeds_in_the_config():
    from topics.config import RunConfig

    seeds = {"a": ["x"], "b": ["y"], "c": ["z"]}
    cfg = RunConfig.from_dict({"model": {"engine": "plda", "n_topics": 2},
                               "themes": {"seeds": seeds}})  # themes come on top of n_topics
    assert cfg.themes.seeds == seeds
