"""Tests for topics.text: tokenizer, stopwords, phrases, parallel tokenizing, authorless."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from gensim.models.phrases import Phrases
from gensim.parsing.preprocessing import STOPWORDS as GENSIM_STOPWORDS
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from topics.text import (
    CABLE_STOPWORDS,
    ENGLISH_STOPWORDS,
    PhraseModel,
    TextOptions,
    Tokenizer,
    authorless_counts,
    authorless_keep_rates,
    authorless_weights,
    iter_tokenize,
    learn_phrases,
    place_names,
    tokenize_corpus,
)
from topics.vectorize import build_dtm

MIXED = (
    "1. (C) Summary: The U.S. and Japan discussed DPRK missile launches, BMD follow-on "
    "cooperation and the NPT review. XXXXXXXXXXXX told poloff the GOJ wants 2,500 more "
    "interceptors by 2012; see STATE 097844 and 09TOKYO1346, http://www.state.gov/x.html or "
    "mail jdoe@state.gov. End summary.\n2. (S//NF) Ambassador met the minister's staff."
)
ALLCAPS = (
    "1. (C) THE MINISTER TOLD US THAT THE US POSITION ON THE NPT IS FIRM AND ASKED US TO "
    "BRIEF THE US DELEGATION. REF: A. TOKYO 001346 B. SECSTATE 12345. SIPDIS NOFORN"
)


#: The tokenizer alone: no place names, demonyms, person names or phrases dropped/joined
#: (the defaults do all of these, as the run config does).
PLAIN = TextOptions(phrases=False, drop_place_names=False, drop_demonyms=False,
                    drop_person_names=False, authorless=False)


@pytest.fixture(scope="module")
def tok() -> Tokenizer:
    return Tokenizer(PLAIN)


def test_keeps_acronyms_and_hyphenated(tok):
    tokens = tok(MIXED)
    for kept in ("dprk", "bmd", "npt", "follow-on", "united_states", "missile", "interceptors"):
        assert kept in tokens
    assert "minister" in tokens  # possessive removed


def test_drops_numbers_refs_redactions_urls(tok):
    tokens = tok(MIXED)
    assert not any(re.search(r"\d", t) for t in tokens)
    joined = " ".join(tokens)
    for gone in ("xxxx", "state", "tokyo1346", "http", "www", "gov", "jdoe", "nf", "sbu"):
        assert gone not in tokens, gone
    assert "097844" not in joined and "2012" not in joined


def test_boilerplate_stopwords_removed(tok):
    tokens = tok(MIXED + " " + ALLCAPS)
    for gone in (
        "summary",
        "end",
        "poloff",
        "goj",
        "ambassador",
        "ref",
        "sipdis",
        "noforn",
        "secstate",
        "the",
        "and",
    ):
        assert gone not in tokens, gone
    assert {
        "sipdis",
        "reftel",
        "septel",
        "amembassy",
        "secstate",
        "washdc",
        "goj",
        "gob",
        "noforn",
        "december",
        "monday",
        "nea",
        "eur",
    } <= CABLE_STOPWORDS
    assert "minister" not in CABLE_STOPWORDS and "nuclear" not in CABLE_STOPWORDS


def test_english_stopwords_is_union():
    assert ENGLISH_STOPWORDS == frozenset(ENGLISH_STOP_WORDS) | frozenset(GENSIM_STOPWORDS)
    assert isinstance(ENGLISH_STOPWORDS, frozenset)


def test_us_pronoun_vs_country_in_allcaps(tok):
    assert tok(ALLCAPS) == [
        "minister",
        "united_states",
        "position",
        "npt",
        "firm",
        "brief",
        "united_states",
        "delegation",
    ]
    assert tok("The United States and the United Nations; the UK") == [
        "united_states",
        "united_nations",
        "united_kingdom",
    ]
    assert tok("Moscow said the U.S.S.R. and U.S.-Japan ties") == [
        "moscow",
        "ussr",
        "united_states",
        "japan",
        "ties",
    ]


def test_letter_digit_names_and_trimmed_numbers(tok):
    assert tok("F-16 sales to G-20 post-2009 in the 1970s, 5th round, H1N1") == [
        "f-16",
        "sales",
        "g-20",
        "round",
        "h1n1",
    ]


def test_options_extra_keep_lowercase():
    t = Tokenizer(TextOptions(extra_stopwords=("Missile",), keep_terms=("system", "summary")))
    assert t("Missile defense system summary") == ["defense", "system", "summary"]
    t = Tokenizer(TextOptions(lowercase=False, min_token_len=4))
    assert t("DPRK rejected the NPT review") == ["DPRK", "rejected", "review"]
    t = Tokenizer(TextOptions(stopwords=False, cable_stopwords=False))
    assert t("the summary of it") == ["the", "summary", "of", "it"]


def test_lemmatize_keeps_acronyms():
    t = Tokenizer(TextOptions(lemmatize=True))
    assert t("Talks on sanctions and forces; DPRK and BMD; the US delegations") == [
        "talk",
        "sanction",
        "force",
        "dprk",
        "bmd",
        "united_states",
        "delegation",
    ]


def test_lemmatize_all_caps_cable():
    t = Tokenizer(TextOptions(lemmatize=True))
    assert t("THE TALKS ON SANCTIONS AGAINST THE DPRK CONTINUED WITH NEW PROPOSALS") == [
        "talk",
        "sanction",
        "dprk",
        "proposal",
    ]


def test_drop_place_names():
    t = Tokenizer(TextOptions(drop_place_names=True))
    assert t("Talks in New Delhi, Tokyo and Buenos Aires with Japan on new trade") == [
        "talks",
        "trade",
    ]
    names = place_names()
    assert {"japan", "tokyo", "new delhi", "delhi"} <= names
    assert "new" not in names and "united_states" not in names


@pytest.mark.parametrize(
    ("kw", "exc", "match"),
    [
        ({"min_token_len": 0}, ValueError, "'min_token_len'"),
        ({"max_token_len": 1}, ValueError, "'max_token_len'"),
        ({"lemmatize": "yes"}, TypeError, "'lemmatize' option of TextOptions must be a bool"),
        ({"extra_stopwords": "abc"}, TypeError, "'extra_stopwords'"),
        ({"phrase_scoring": "pmi"}, ValueError, "'phrase_scoring'"),
        ({"phrase_scoring": "npmi", "phrase_threshold": 10.0}, ValueError, r"\[-1, 1\]"),
        ({"phrase_min_count": 0}, ValueError, "'phrase_min_count'"),
        ({"authorless_threshold": 0.5}, ValueError, "'authorless_threshold'"),
    ],
)
def test_options_validation(kw, exc, match):
    with pytest.raises(exc, match=match):
        TextOptions(**kw)


def test_options_dict_round_trip():
    opts = TextOptions(
        extra_stopwords=("foo",), lemmatize=True, phrase_threshold=0.5, phrase_scoring="npmi"
    )
    data = json.loads(json.dumps(opts.to_dict()))
    assert TextOptions.from_dict(data) == opts
    with pytest.raises(ValueError, match="Unknown TextOptions key.*'lematize'"):
        TextOptions.from_dict({"lematize": True})


def test_tokenizer_rejects_non_str(tok):
    with pytest.raises(TypeError, match="expects a str"):
        tok(b"bytes")
    with pytest.raises(TypeError, match="TextOptions"):
        Tokenizer({"lowercase": True})


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200))
@settings(max_examples=150, deadline=None)
def test_tokenizing_tokens_again_is_stable(text):
    t = Tokenizer(PLAIN)
    tokens = t(text)
    assert t(" ".join(tokens)) == tokens
    assert all(not tk[0].isdigit() and len(tk) >= 2 for tk in tokens)


# ---------------------------------------------------------------------------- phrases


def _deterrence_corpus(n: int = 300) -> list[list[str]]:
    rng = np.random.default_rng(7)
    filler = [f"word{i}" for i in range(200)]
    docs = []
    for i in range(n):
        doc = list(rng.choice(filler, size=30))
        if i % 3 == 0:
            pos = int(rng.integers(0, 25))
            doc[pos:pos] = ["extended", "deterrence"]
        if i % 5 == 0:
            doc.append("extended")  # the words also occur apart
            doc.insert(0, "deterrence")
        docs.append(doc)
    return docs


def test_learn_phrases_finds_extended_deterrence():
    docs = _deterrence_corpus()
    model = learn_phrases(docs, min_count=5, threshold=10.0)
    assert "extended_deterrence" in model.phrasegrams
    assert all(not k.startswith("word") or "deterrence" in k for k in model.phrasegrams)
    applied = model.apply(["the", "extended", "deterrence", "talks", "extended"])
    assert applied == ["the", "extended_deterrence", "talks", "extended"]
    npmi = learn_phrases(docs, min_count=5, threshold=0.5, scoring="npmi")
    assert "extended_deterrence" in npmi.phrasegrams
    assert all(-1 <= s <= 1 for s in npmi.phrasegrams.values())


def test_phrase_model_json_round_trip_and_matches_gensim():
    docs = _deterrence_corpus()
    model = learn_phrases(docs, min_count=5, threshold=10.0)
    again = PhraseModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model
    frozen = Phrases(docs, min_count=5, threshold=10.0, connector_words=frozenset()).freeze()
    for doc in docs[:60]:
        assert again.apply(doc) == frozen[doc]
    with pytest.raises(ValueError, match="two words"):
        PhraseModel({"nodelimiter": 1.0})


def test_phrase_model_save_load(tmp_path):
    model = learn_phrases(_deterrence_corpus(), min_count=5, threshold=10.0)
    path = model.save(tmp_path / "run" / "phrases.json")
    assert PhraseModel.load(path) == model
    assert [p.name for p in path.parent.iterdir()] == ["phrases.json"]
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="phrases.json: expected a JSON object"):
        PhraseModel.load(path)
    with pytest.raises(FileNotFoundError, match="no phrase model"):
        PhraseModel.load(tmp_path / "missing.json")


def test_tokenize_corpus_with_phrases():
    texts = [" ".join(d) for d in _deterrence_corpus(150)]
    docs = tokenize_corpus(texts, TextOptions(phrases=True), n_jobs=1)
    assert any("extended_deterrence" in d for d in docs)


# ---------------------------------------------------------------------------- corpus


def _texts(n: int) -> list[str]:
    base = [MIXED, ALLCAPS, "The NPT review and the U.N. vote on Iran.", "", "XXXXX 12 34"]
    return [f"{base[i % len(base)]} item{i} " for i in range(n)]


def test_tokenize_corpus_parallel_equals_serial():
    texts = _texts(700)
    serial = tokenize_corpus(texts, PLAIN, n_jobs=1)
    parallel = tokenize_corpus(iter(texts), PLAIN, n_jobs=2, chunksize=16)
    assert parallel == serial
    assert serial[3] == ["item3"]
    assert len(serial) == 700


def test_iter_tokenize_streams_and_reports_progress():
    seen = []
    texts = (t for t in _texts(50))
    out = iter_tokenize(texts, PLAIN, n_jobs=1, chunksize=20, progress=seen.append)
    first = next(out)
    assert "dprk" in first
    rest = list(out)
    assert len(rest) == 49 and seen == [20, 40, 50]


@pytest.mark.parametrize("kw", [{"n_jobs": 0}, {"chunksize": 0}, {"n_jobs": True}])
def test_tokenize_corpus_bad_params(kw):
    params = {"n_jobs": 1, "chunksize": 8} | kw
    with pytest.raises(ValueError, match="n_jobs|chunksize"):
        tokenize_corpus(["a text"], PLAIN, **params)


def test_tokenize_corpus_non_str_names_position():
    with pytest.raises(TypeError, match="text 2 is a NoneType"):
        tokenize_corpus(["a", "b", None], PLAIN, n_jobs=2, chunksize=2)


# ---------------------------------------------------------------------------- authorless


POSTS = [
    f"Embassy {c}"
    for c in (
        "Tokyo",
        "Paris",
        "Lima",
        "Rome",
        "Oslo",
        "Bern",
        "Kabul",
        "Quito",
        "Accra",
        "Dhaka",
        "Hanoi",
        "Sofia",
    )
]


def _post_corpus():
    rng = np.random.default_rng(3)
    shared = [f"shared{i}" for i in range(30)]
    docs, refs, posts = [], [], []
    for p, post in enumerate(POSTS):
        for j in range(10):
            doc = list(rng.choice(shared, size=40))
            if post == "Embassy Tokyo":
                doc += ["goj"] * 6 + ["diet"] * 3
            doc += [f"rare{p}"] if j == 0 else []
            docs.append(doc)
            refs.append(f"09P{p}N{j}")
            posts.append(post)
    docs[30] += ["diet"]  # a post-specific word also used once elsewhere
    return build_dtm(docs, refs, min_df=1, max_df=1.0), posts


def test_authorless_reduces_post_specific_words_only():
    dtm, posts = _post_corpus()
    labels, rates = authorless_keep_rates(dtm, posts, threshold=2.0, slack=2.0)
    assert labels == POSTS
    tokyo = labels.index("Embassy Tokyo")
    v = dtm.vocabulary
    goj = v.index("goj")
    counts = dtm.matrix.toarray()
    n_tokyo = counts[posts.index("Embassy Tokyo") : 10].sum()
    expected = 2.0 * n_tokyo * counts[:, goj].sum() / counts.sum() + 2.0
    assert rates[tokyo, goj] == pytest.approx(expected / counts[:10, goj].sum())
    assert rates[tokyo, goj] < 0.25 and rates[tokyo, v.index("diet")] < 0.35
    shared_cols = [v.index(f"shared{i}") for i in range(30)]
    assert np.all(rates[:, shared_cols] == 1.0)
    assert rates[labels.index("Embassy Lima"), v.index("rare2")] == 1.0  # slack
    assert rates[labels.index("Embassy Lima"), v.index("diet")] == 1.0
    out = authorless_weights(dtm, posts, seed=1)
    after = out.matrix.toarray()
    assert np.all(after <= counts)
    np.testing.assert_array_equal(after[:, shared_cols], counts[:, shared_cols])
    assert 0 < after[:, goj].sum() < 0.4 * counts[:, goj].sum()
    # deterministic for a seed, no global RNG
    again = authorless_weights(dtm, posts, seed=1)
    assert (again.matrix != out.matrix).nnz == 0
    assert out.refs == dtm.refs and out.vocabulary is dtm.vocabulary


def test_authorless_counts_info():
    dtm, posts = _post_corpus()
    out, info = authorless_counts(dtm, posts, seed=1)
    assert info["n_groups"] == len(POSTS)
    assert info["tokens_before"] == dtm.matrix.sum() > info["tokens_after"] == out.matrix.sum()
    assert info["n_pairs_downsampled"] >= 2  # goj and diet at Tokyo


def test_authorless_bad_inputs():
    dtm, posts = _post_corpus()
    with pytest.raises(ValueError, match="119 groups for 120 documents"):
        authorless_weights(dtm, posts[:-1])
    with pytest.raises(ValueError, match="count matrix"):
        authorless_weights(dtm.tfidf(), posts)
    with pytest.raises(ValueError, match="threshold"):
        authorless_keep_rates(dtm, posts, threshold=0.5)


# ---------------------------------------------------------------------------- real cables


def test_seed_cable_tokens(seed_cable_path: Path, tok):
    text = seed_cable_path.read_text(encoding="utf-8", errors="replace")
    tokens = tok(text)
    for kept in ("deterrence", "bmd", "united_states", "nuclear", "npr"):
        assert kept in tokens, kept
    for gone in ("sipdis", "summary", "secstate", "washdc", "amembassy", "united"):
        assert gone not in tokens, gone
    assert not any(t[0].isdigit() for t in tokens)


def test_real_jsonl_bodies_parallel(shared_data: Path):
    path = shared_data / "cablegate-jsonl" / "wikileaks-11-28-10.json"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    bodies = [
        json.loads(line)["body"]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(bodies) > 100
    serial = tokenize_corpus(bodies, PLAIN, n_jobs=1)
    assert tokenize_corpus(bodies, PLAIN, n_jobs=2, chunksize=32) == serial
    flat = [t for d in serial for t in d]
    assert "xxxxxxxxxxxx" not in flat and "sipdis" not in flat
    assert not any(re.fullmatch(r"[\d\W]+", t) for t in flat)
    assert flat.count("united_states") > 100


def test_media_partner_redaction_notes_are_dropped():
    t = Tokenizer(PLAIN)
    assert t("[SOURCE REMOVED] met khamenei; [Name removed] was removed from office") == [
        "khamenei", "removed", "office"]
