"""The default pipeline on real cables (../shared/data) and on the bundled synthetic sample.

Real cables: no boilerplate among any topic's top terms, and themes that follow different
subject TAGS. Sample: the planted themes come back (adjusted Rand index with ``truth.csv``,
cosine of each planted theme's term-frequency centroid with its matched topic).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import adjusted_rand_score

from corpora.synthetic import PLANTED_THEMES
from topics.config import RunConfig, sample_corpus_path
from topics.evaluate import match_topics
from topics.models import load_model
from topics.pipeline import run
from topics.vectorize import DocTermMatrix

#: Classification words and cable mechanics that must never be a topic's top term.
BOILERPLATE_WORDS = frozenset(
    {"secret", "confidential", "unclassified", "noforn", "classified", "reasons", "decl",
     "sipdis"}
)
_ROUTING = re.compile(r"rueh\w*")
_NUMBER = re.compile(r"\d+")  # page-break lines "2 of 5" / "00001346" leave bare numbers


def _boilerplate(term: str) -> list[str]:
    """The boilerplate words in a term (phrases are joined with ``_``)."""
    return [w for w in term.split("_")
            if w in BOILERPLATE_WORDS or _ROUTING.fullmatch(w) or _NUMBER.fullmatch(w)]


def _config(sources: list[str], **sections) -> RunConfig:
    """The default config on ``sources``; only the report is switched off (not tested)."""
    data = {"corpus": {"sources": sources}, "report": {"enabled": False}}
    data.update(sections)
    return RunConfig.from_dict(data)


@pytest.fixture(scope="module")
def real_run(shared_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("real") / "run"
    run(_config([str(shared_data)]), out, until="themes")
    return out


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "run"
    # The defaults, with K = the number of planted themes.
    run(_config([str(sample_corpus_path())], model={"n_topics": len(PLANTED_THEMES)}), out,
        until="themes")
    return out


def test_boilerplate_helper_flags_what_it_should():
    assert _boilerplate("ruehc") and _boilerplate("sipdis_tokyo") and _boilerplate("0042")
    assert not _boilerplate("secretary") and not _boilerplate("g8")


def test_real_topics_have_no_boilerplate_in_top_20(real_run):
    topics = json.loads((real_run / "topics.json").read_text())["topics"]
    assert len(topics) == RunConfig().model.n_topics
    model = load_model(real_run / "model")
    terms = list(model.terms_)
    for row, topic in zip(np.asarray(model.topic_term_), topics, strict=True):
        # Both rankings: the label terms (FREX) and plain probability.
        by_prob = [terms[j] for j in np.argsort(-row, kind="stable")[:20]]
        assert len(topic["top_terms"]) >= 20
        for term in [*topic["top_terms"][:20], *by_prob]:
            assert not _boilerplate(term), (topic["id"], term, by_prob)


def test_real_themes_follow_different_subject_tags(real_run):
    """Each theme's dominant TAG (as labelled in topics.json: frequent in the theme and
    over-represented there) differs from theme to theme."""
    themes = json.loads((real_run / "topics.json").read_text())["themes"]
    top_tag = {th["id"]: th["tags"][0]["tag"] for th in themes if th["tags"]}
    assert len(top_tag) >= 10, top_tag  # K=20 topics give at least 10 non-empty themes
    counts = Counter(top_tag.values())
    assert len(counts) >= len(top_tag) / 2, counts
    # PREL (external relations) heads a quarter of real cables: it may lead a quarter of
    # the themes, no more
    assert counts.most_common(1)[0][1] <= len(top_tag) / 4, counts
    # The labels are distinctive: each theme's dominant TAG is over-represented in it.
    assert all(th["tags"][0]["lift"] > 1.0 for th in themes if th["tags"])


def _truth() -> dict[str, int]:
    with open(sample_corpus_path() / "truth.csv", encoding="utf-8") as fh:
        return {r["ref"]: int(r["theme"]) for r in csv.DictReader(fh)}


def test_sample_themes_match_planted_labels(sample_run):
    doc = pq.read_table(sample_run / "doc_topics.parquet", columns=["ref", "theme"]).to_pydict()
    truth = _truth()
    assert len(doc["ref"]) >= 0.95 * len(truth)  # almost every cable is modelled
    planted = [truth[r] for r in doc["ref"]]
    ari = adjusted_rand_score(planted, doc["theme"])
    assert ari >= 0.8, ari


def test_sample_every_planted_theme_has_a_close_topic(sample_run):
    """Cosine between each planted theme's centroid of term frequencies (over the modelled
    vocabulary) and its one-to-one matched topic-term row."""
    dtm = DocTermMatrix.load(sample_run / "dtm")
    model = load_model(sample_run / "model")
    assert tuple(model.terms_) == tuple(dtm.vocabulary.terms)
    truth = _truth()
    labels = np.array([truth[r] for r in dtm.refs])
    x = dtm.matrix.astype(np.float64)
    freq = np.asarray(x.multiply(1.0 / np.maximum(x.sum(axis=1), 1)).todense())
    centroids = np.vstack([freq[labels == t].mean(axis=0) for t in range(len(PLANTED_THEMES))])
    tt = np.asarray(model.topic_term_)
    unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    cos = unit(centroids) @ unit(tt).T
    matched = match_topics(centroids, tt)[1]
    assert matched.min() >= 0.9, np.round(cos, 2)
    # The check can fail: a shuffled topic-term matrix does not match.
    rng = np.random.default_rng(0)
    shuffled = unit(np.apply_along_axis(rng.permutation, 1, tt))
    assert (unit(centroids) @ shuffled.T).max() < 0.9
