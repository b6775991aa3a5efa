"""topics.evaluate: coherence equal to gensim, stability, diversity, TAG agreement, bad input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from topics.evaluate import (
    ReferenceCorpus,
    coherence,
    coherence_scores,
    diversity,
    exclusivity,
    first_subject_tag,
    parse_k_range,
    per_tag_scores,
    recommend_k,
    stability,
    tag_agreement,
    tag_lift,
    top_terms,
)

GENSIM = {"u_mass": "u_mass", "c_npmi": "c_npmi", "c_v": "c_v"}


def _generated_texts(seed: int = 0, n_docs: int = 60) -> list[list[str]]:
    """Cable-like token lists with repeats inside windows, short and empty documents."""
    rng = np.random.default_rng(seed)
    themes = [["nuclear", "iran", "enrichment", "iaea", "sanctions", "centrifuge"],
              ["trade", "tariff", "export", "wto", "agriculture", "market"],
              ["election", "parliament", "party", "vote", "opposition", "campaign"]]
    filler = [f"w{i}" for i in range(40)]
    texts: list[list[str]] = [[], ["embassy"], ["iran", "iran", "nuclear", "iran"]]
    for _ in range(n_docs):
        theme = themes[rng.integers(len(themes))]
        n = int(rng.integers(5, 160))
        words = np.where(rng.random(n) < 0.35, rng.choice(theme, n), rng.choice(filler, n))
        texts.append([str(w) for w in words])
    return texts


def _real_texts(shared_data) -> list[list[str]]:
    files = sorted((shared_data / "cablegate-rawtext").glob("*.txt"))
    if not files:
        pytest.skip("no raw cables in cablegate-rawtext")
    return [re.findall(r"[a-z]{3,}", f.read_text(errors="replace").lower()) for f in files]


def _topics_for(texts: list[list[str]], n_topics: int = 6, size: int = 10) -> list[list[str]]:
    """Topics from frequent and mid-frequency terms, interleaved so pairs vary."""
    counts: dict[str, int] = {}
    for doc in texts:
        for t in doc:
            counts[t] = counts.get(t, 0) + 1
    ranked = sorted(counts, key=lambda t: (-counts[t], t))
    return [ranked[k::n_topics][:size] for k in range(n_topics)]


def _gensim_per_topic(topics, texts, measure, window):
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    dictionary = Dictionary(texts)
    if measure == "u_mass":
        kw = {"corpus": [dictionary.doc2bow(t) for t in texts]}
    else:
        kw = {"texts": texts, "window_size": window}
    cm = CoherenceModel(topics=topics, dictionary=dictionary, coherence=GENSIM[measure],
                        topn=max(len(t) for t in topics), processes=1, **kw)
    return np.array(cm.get_coherence_per_topic()), cm.get_coherence()


@pytest.mark.parametrize("measure,window,tol", [
    ("u_mass", None, 1e-6), ("c_npmi", 10, 1e-6), ("c_v", 110, 1e-4),
    ("c_npmi", 3, 1e-6), ("c_v", 25, 1e-4),
])
def test_coherence_equals_gensim_on_generated_corpus(measure, window, tol):
    texts = _generated_texts()
    topics = _topics_for(texts, n_topics=5, size=8) + [["iran", "nuclear", "embassy", "w1"]]
    ref = ReferenceCorpus.from_texts(texts)
    ours = coherence(topics, ref, measure=measure, window=window)
    theirs, mean = _gensim_per_topic(topics, texts, measure, window)
    assert len(ours.per_topic) == len(topics)
    np.testing.assert_allclose(ours.per_topic, theirs, rtol=0, atol=tol)
    assert abs(ours.mean - mean) < tol
    assert np.isfinite(ours.per_topic).all()


@pytest.mark.real
@pytest.mark.parametrize("measure,tol", [("u_mass", 1e-6), ("c_npmi", 1e-6), ("c_v", 1e-4)])
def test_coherence_equals_gensim_on_real_cables(shared_data, measure, tol):
    texts = _real_texts(shared_data)
    topics = _topics_for(texts, n_topics=8, size=10)
    ours = coherence_scores(topics, texts, measures=[measure])[measure]
    theirs, mean = _gensim_per_topic(topics, texts, measure, ours.window)
    np.testing.assert_allclose(ours.per_topic, theirs, rtol=0, atol=tol)
    assert abs(ours.mean - mean) < tol
    # topics differ, so a constant output would be a bug
    assert np.ptp(ours.per_topic) > 0


def test_umass_from_doc_term_matrix_equals_texts():
    texts = _generated_texts(seed=3)
    terms = sorted({t for d in texts for t in d})
    col = {t: j for j, t in enumerate(terms)}
    rows = [i for i, d in enumerate(texts) for _ in d]
    cols = [col[t] for d in texts for t in d]
    matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(texts), len(terms)))
    topics = _topics_for(texts, 4, 6)
    a = coherence(topics, (matrix, terms), measure="u_mass")
    b = coherence(topics, texts, measure="u_mass")
    np.testing.assert_allclose(a.per_topic, b.per_topic, atol=1e-12)
    with pytest.raises(ValueError, match="needs word order"):
        coherence(topics, (matrix, terms), measure="c_npmi")


def test_coherence_reads_as_per_topic_values_and_aliases():
    texts = _generated_texts(seed=1)
    topics = _topics_for(texts, 3, 5)
    c = coherence(topics, texts, measure="npmi")
    assert c.measure == "c_npmi" and c.window == 10
    assert list(c) == [float(v) for v in c.per_topic] and len(c) == 3
    assert np.asarray(c).shape == (3,)
    assert c.to_dict()["mean"] == pytest.approx(c.mean)


def test_pairs_that_never_cooccur_get_finite_documented_values():
    texts = [["alpha", "beta"] * 3, ["gamma", "delta"] * 3, ["alpha", "gamma"]]
    scores = coherence_scores([["beta", "delta"], ["alpha", "gamma"]], texts)
    npmi = scores["c_npmi"].per_topic
    assert npmi[0] == pytest.approx(-1, abs=0.15) and npmi[0] < npmi[1]
    assert scores["u_mass"].per_topic[0] < -20  # log(1e-12 / P(w*))
    for c in scores.values():
        assert np.isfinite(c.per_topic).all()


def test_missing_terms_are_named_or_dropped():
    texts = _generated_texts(seed=2)
    topics = [["iran", "nuclear", "zzmissing"], ["trade", "tariff", "export"]]
    with pytest.raises(ValueError, match=r"'zzmissing' \(topic 0\).*on_missing='drop'"):
        coherence(topics, texts, measure="c_v")
    dropped = coherence(topics, texts, measure="c_v", on_missing="drop")
    assert dropped.top_terms[0] == ("iran", "nuclear")
    assert dropped.mean == pytest.approx(
        coherence([["iran", "nuclear"], topics[1]], texts, measure="c_v").mean)
    with pytest.raises(ValueError, match="fewer than 2 terms"):
        coherence([["iran", "zz1", "zz2"], topics[1]], texts, on_missing="drop")


@pytest.mark.parametrize("topics,match", [
    ([], "non-empty"), ([["iran"]], ">= 2 top terms"), (["iran nuclear"], "is a str"),
    ([["iran", "iran"]], "repeats"),
])
def test_bad_topics(topics, match):
    with pytest.raises((ValueError, TypeError), match=match):
        coherence(topics, _generated_texts(), measure="c_npmi")


def test_bad_measure_and_reference():
    with pytest.raises(ValueError, match="one of"):
        coherence([["a", "b"]], [["a", "b"]], measure="c_uci")
    with pytest.raises(TypeError, match="ReferenceCorpus"):
        coherence([["a", "b"]], "a b", measure="c_npmi")
    with pytest.raises(TypeError, match="is a str"):
        ReferenceCorpus.from_texts(["a b c"])


def test_top_terms_breaks_ties_by_column():
    phi = np.array([[0.2, 0.4, 0.2, 0.2], [0.1, 0.1, 0.1, 0.7]])
    assert top_terms(phi, ["a", "b", "c", "d"], 3) == [("b", "a", "c"), ("d", "a", "b")]
    with pytest.raises(ValueError, match="4 terms"):
        top_terms(phi.T, ["a", "b", "c", "d"])


# ------------------------------------------------------------------------- stability


def _phi(seed: int = 0, k: int = 6, v: int = 200) -> np.ndarray:
    rng = np.random.default_rng(seed)
    phi = rng.dirichlet(np.full(v, 0.05), size=k)
    return phi


def test_stability_of_model_with_itself_is_one():
    phi = _phi()
    result = stability([phi, phi, phi])
    assert result["overall"] == pytest.approx(1.0)
    assert result["top_overlap"] == pytest.approx(1.0)
    assert result["unstable_topics"] == []
    assert result["per_topic_similarity"] == pytest.approx([1.0] * 6)


def test_stability_matches_permuted_topics():
    phi = _phi(1)
    perm = np.array([3, 0, 5, 1, 4, 2])
    result = stability([phi, phi[perm]])
    assert result["overall"] == pytest.approx(1.0)
    # reference topic k is row argsort(perm)[k] of the permuted run
    assert result["matches"][0] == np.argsort(perm).tolist()


def test_shuffled_columns_are_flagged_unstable():
    phi = _phi(2)
    rng = np.random.default_rng(7)
    shuffled = phi[:, rng.permutation(phi.shape[1])]
    terms = [f"t{i}" for i in range(phi.shape[1])]
    result = stability([phi, shuffled], terms=terms)
    assert result["overall"] < 0.5
    assert len(result["unstable_topics"]) >= 5
    assert set(result["unstable_terms"]) == {str(k) for k in result["unstable_topics"]}


def test_stability_bad_input():
    with pytest.raises(ValueError, match=">= 2 runs"):
        stability([_phi()])
    with pytest.raises(ValueError, match="1 topic"):
        stability([_phi(k=1), _phi(k=1)])
    with pytest.raises(ValueError, match="differ in shape"):
        stability([_phi(k=5), _phi(k=6)])


# ------------------------------------------------------------------ diversity etc.


def test_diversity():
    assert diversity([["a", "b"], ["c", "d"]], top_n=2) == 1.0
    assert diversity([["a", "b"], ["a", "b"]], top_n=2) == 0.5
    assert diversity([["a", "b", "x"], ["a", "c", "y"]], top_n=2) == 0.75
    with pytest.raises(ValueError, match=">= 2 topics"):
        diversity([["a", "b"]])


def test_exclusivity():
    disjoint = np.array([[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    same = np.array([[0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0], [0.5, 0.5, 0, 0]])
    np.testing.assert_allclose(exclusivity(disjoint, top_n=2), [1, 1])
    np.testing.assert_allclose(exclusivity(same, top_n=2), [1 / 3] * 3)
    with pytest.raises(ValueError, match=">= 2 topics"):
        exclusivity(disjoint[:1])
    with pytest.raises(ValueError, match="LSI"):
        exclusivity(-disjoint)


def test_tag_agreement():
    themes = np.array([0, 0, 1, 1, 2, 2, 2])
    tags = ["PREL", "PREL", "ECON", "ECON", "PGOV", None, "PGOV"]
    posts = ["Embassy Tokyo"] * 4 + ["Embassy Paris"] * 3
    res = tag_agreement(themes, tags, posts)
    assert res["nmi_tag"] == pytest.approx(1.0) and res["ari_tag"] == pytest.approx(1.0)
    assert res["n_tag"] == 6 and res["n_without_tag"] == 1
    assert 0 < res["nmi_post"] < 1
    doc_topic = np.eye(3)[themes]
    assert tag_agreement(doc_topic, tags)["nmi_tag"] == pytest.approx(1.0)
    assert "nmi_post" not in tag_agreement(doc_topic, tags)
    with pytest.raises(ValueError, match="6 entries for 7 cables"):
        tag_agreement(themes, tags[:6])


def test_tag_agreement_chance_adjusted():
    # Random themes: AMI and ARI near 0 and near their shuffled baseline, while NMI is
    # well above 0 (it grows with the number of groups): the reason AMI is the headline.
    rng = np.random.default_rng(1)
    tags = rng.choice(["PREL", "PGOV", "ECON", "PHUM", "ETRD"], size=3000).tolist()
    posts = rng.choice([f"Embassy {i}" for i in range(40)], size=3000).tolist()
    random_themes = rng.integers(0, 50, size=3000)
    res = tag_agreement(random_themes, tags, posts, seed=3)
    assert abs(res["ami_tag"]) < 0.01 and abs(res["ari_tag"]) < 0.01
    assert abs(res["ami_tag_shuffled"]) < 0.01
    assert res["nmi_post"] > 0.05 and abs(res["ami_post"]) < 0.01
    assert res["n_shuffles"] == 5 and res["n_groups"] == 50
    # Themes that follow the TAG: AMI far above the shuffled baseline.
    code = {t: i for i, t in enumerate(sorted(set(tags)))}
    themes = np.array([code[t] * 10 + rng.integers(0, 2) for t in tags])
    good = tag_agreement(themes, tags, posts, seed=3)
    assert good["ami_tag"] > 0.6 and good["ami_tag"] > good["ami_tag_shuffled"] + 0.5
    assert abs(good["ami_post"]) < 0.02
    # The baseline is seeded: same seed, same numbers; another seed, other shuffles.
    again = tag_agreement(themes, tags, posts, seed=3)
    assert again["ari_tag_shuffled"] == good["ari_tag_shuffled"]
    other = tag_agreement(themes, tags, posts, seed=4)
    assert other["ari_tag_shuffled"] != good["ari_tag_shuffled"]
    with pytest.raises(ValueError, match="n_shuffles"):
        tag_agreement(themes, tags, n_shuffles=0)


def test_tag_agreement_reads_whole_tag_lists():
    # Whole TAGS lists: the first four-letter TAG is the label; a cable with none is counted.
    themes = np.array([0, 0, 1, 1, 1])
    tags = [["IR", "PREL", "KNNP"], ["PREL"], ["VE", "ECON"], ["ECON", "PREL"], ["VE", "XY"]]
    res = tag_agreement(themes, tags)
    assert res["n_tag"] == 4 and res["n_without_tag"] == 1 and res["ami_tag"] == 1.0
    assert first_subject_tag(["VE", "CHAVEZ", "pgov"]) == "PGOV"
    assert first_subject_tag(None) is None and first_subject_tag(["KS"]) is None


def test_per_tag_scores():
    # Theme 0 is mostly PREL, theme 1 mostly ECON; PHUM dominates no theme.
    themes = [0, 0, 0, 0, 1, 1, 1, 0]
    tags = ["PREL", "PREL", "PREL", "ECON", "ECON", "ECON", "PREL", "PHUM"]
    rows = {r["tag"]: r for r in per_tag_scores(themes, tags)}
    assert rows["PREL"]["precision"] == pytest.approx(3 / 5)
    assert rows["PREL"]["recall"] == pytest.approx(3 / 4)
    assert rows["PREL"]["f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)
    assert rows["ECON"]["precision"] == pytest.approx(2 / 3)
    assert rows["ECON"]["recall"] == pytest.approx(2 / 3)
    assert rows["PHUM"]["precision"] is None and rows["PHUM"]["f1"] == 0.0
    assert rows["PREL"]["n_themes"] == 1 and rows["PHUM"]["n_themes"] == 0
    assert [r["tag"] for r in per_tag_scores(themes, tags, top=2)] == ["PREL", "ECON"]


def test_tag_lift():
    groups = [0, 0, 0, 1, 1, 1]
    tags = [("PREL", "IR"), ("PREL", "IR"), ("PREL",), ("ECON",), ("ECON", "IR"), ("ECON",)]
    lift = tag_lift(groups, tags, min_count=2)
    assert lift[0][0]["tag"] == "PREL" and lift[0][0]["lift"] == pytest.approx(2.0)
    assert [r["tag"] for r in lift[1]] == ["ECON"]
    assert lift[0][1]["tag"] == "IR" and lift[0][1]["lift"] == pytest.approx((2 / 3) / 0.5)


# ------------------------------------------------------------------------- selection


@pytest.mark.parametrize("text,expected", [
    ("10:100:10", list(range(10, 101, 10))), ("5:20", [5, 10, 15, 20]),
    ("30", [30]), ("50, 10,20", [10, 20, 50]), ("4:4:1", [4]),
])
def test_parse_k_range(text, expected):
    assert parse_k_range(text) == expected


@pytest.mark.parametrize("text,match", [
    ("10:5", "below START"), ("10:20:0", "STEP"), ("1:5:1", ">= 2"), ("a:b", "START:STOP"),
    ("10-20", "START:STOP"), ("", "START:STOP"), ("1:2:3:4", "START:STOP"),
])
def test_parse_k_range_errors(text, match):
    with pytest.raises(ValueError, match=match):
        parse_k_range(text)


def test_recommend_k_does_not_slide_to_the_edge():
    # NPMI, diversity and stability fall with K (as on real cables); held-out likelihood
    # and exclusivity rise and level off: the balance is inside the grid.
    table = pd.DataFrame({
        "k": [10, 20, 30, 40, 50, 60],
        "c_npmi_mean": [0.12, 0.115, 0.11, 0.10, 0.08, 0.06],
        "diversity_mean": [0.95, 0.93, 0.90, 0.85, 0.80, 0.70],
        "stability_mean": [0.85, 0.84, 0.82, 0.78, 0.70, 0.60],
        "exclusivity_mean": [0.40, 0.55, 0.62, 0.65, 0.66, 0.665],
        "heldout_ll_mean": [-8.0, -7.6, -7.45, -7.40, -7.39, -7.39],
    })
    k, reason = recommend_k(table)
    assert 20 <= k <= 40, reason
    assert "frontier" in reason and "held-out likelihood" in reason and "edge" not in reason
    # the old rule (NPMI, diversity, stability only) picked the smallest K
    old = table[["k", "c_npmi_mean", "diversity_mean", "stability_mean"]]
    k_old, reason_old = recommend_k(old)
    assert k_old == 10 and "WARNING" in reason_old and "edge of the grid" in reason_old
    assert "held-out likelihood" in reason_old and "not available" in reason_old
    # a K beaten on both coherence and exclusivity is never recommended
    dominated = table.assign(c_npmi_mean=[0.12, 0.115, 0.05, 0.10, 0.08, 0.06],
                             exclusivity_mean=[0.40, 0.55, 0.50, 0.65, 0.66, 0.665])
    assert recommend_k(dominated)[0] != 30
    assert recommend_k(table.iloc[[2]])[0] == 30
    with pytest.raises(ValueError, match="needs 'k'"):
        recommend_k(table[["k"]])


def test_sweep_figure_marks_the_chosen_k():
    from topics.evaluate import plot_sweep

    table = pd.DataFrame({"k": [10, 20, 30]})
    for name in ("heldout_ll", "c_npmi", "stability", "diversity", "exclusivity", "ami_tag",
                 "ami_post"):
        table[f"{name}_mean"] = [0.1, 0.2, 0.15]
        table[f"{name}_std"] = 0.01
    fig = plot_sweep(table, chosen=20)
    assert fig._suptitle.get_text() == "recommended K = 20"
    marked = [ax for ax in fig.axes
              if any(list(ln.get_xdata()) == [20, 20] for ln in ax.get_lines())]
    assert len(marked) == 5  # every panel over K (the frontier circles its point instead)


@pytest.mark.parametrize("window", [None, 1, 4, 10, 110])
def test_pair_counts_equal_gensim_accumulator_for_large_and_overlapping_groups(window):
    """Groups of 20 terms (split into 16-bit masks) and terms shared between groups."""
    from gensim.corpora import Dictionary
    from gensim.topic_coherence.text_analysis import (
        CorpusAccumulator,
        WordOccurrenceAccumulator,
    )

    texts = _generated_texts(seed=7, n_docs=40)
    ref = ReferenceCorpus.from_texts(texts)
    ranked = _topics_for(texts, 1, 40)[0]
    groups = [ranked[:20], ranked[10:30], ranked[25:28] + ["absent-term"], ranked[:2]]
    ids = [[ref.index(t) if t in ref else -1 for t in g] for g in groups]
    n_windows, co = ref.pair_counts(ids, window)
    dictionary = Dictionary(texts)
    relevant = {dictionary.token2id[t] for g in groups for t in g if t in dictionary.token2id}
    if window is None:
        acc = CorpusAccumulator(relevant).accumulate([dictionary.doc2bow(t) for t in texts])
    else:
        acc = WordOccurrenceAccumulator(relevant, dictionary).accumulate(texts, window)
    assert n_windows == acc.num_docs
    for g, terms in enumerate(groups):
        for i, a in enumerate(terms):
            for j, b in enumerate(terms):
                if "absent-term" in (a, b):
                    assert co[g, i, j] == 0
                    continue
                ia, ib = dictionary.token2id[a], dictionary.token2id[b]
                want = acc.get_occurrences(ia) if i == j else acc.get_co_occurrences(ia, ib)
                assert co[g, i, j] == want, (window, g, a, b)
    # padding of the shorter groups stays zero; one group equals counts()
    assert not co[3, 2:].any() and not co[3, :, 2:].any()
    np.testing.assert_array_equal(ref.counts(ids[1], window)[1], co[1])


def test_reference_corpus_encoding_and_index():
    ref = ReferenceCorpus.from_texts(iter([("b", "a", "b"), [], iter(["c", "a"])]))
    assert ref.terms == ("b", "a", "c")
    np.testing.assert_array_equal(ref.token_ids, [0, 1, 0, 2, 1])
    np.testing.assert_array_equal(ref.offsets, [0, 3, 3, 5])
    indptr, docs, positions = ref.build_index().postings()
    np.testing.assert_array_equal(docs[indptr[1]:indptr[2]], [0, 2])  # "a"
    np.testing.assert_array_equal(positions[indptr[1]:indptr[2]], [1, 4])
    with pytest.raises(ValueError, match="document 1, token 1 is None"):
        ReferenceCorpus.from_texts([["a"], ["b", None]])
