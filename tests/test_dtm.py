"""The ``dtm`` engine (tomotopy DTModel, yearly slices) and its report views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from topics.models import load_model, make_model

pytest.importorskip("tomotopy")


@pytest.fixture(scope="module")
def drifted():
    """Generated cables whose theme 1 turns its words into `DRIFT_WORDS` from 2003 to 2010,
    and a dtm fitted on them."""
    from corpora.synthetic_effects import PlantedDrift, iter_effect_documents
    from topics.vectorize import build_dtm

    docs = list(iter_effect_documents(700, 0, drift=PlantedDrift(theme=1)))
    dtm = build_dtm([d.words for d in docs], [d.ref for d in docs], min_df=3, max_df=0.5)
    meta = pd.DataFrame({"ref": [d.ref for d in docs], "year": [float(d.year) for d in docs]})
    model = make_model("dtm", n_topics=8, seed=0, iterations=120).fit(dtm, metadata=meta)
    return dtm, meta, model


def _drift_topic(model) -> int:
    from corpora.synthetic import PLANTED_THEMES
    from corpora.synthetic_effects import DRIFT_WORDS

    words = {w.replace(" ", "_") for w in PLANTED_THEMES[1].words} | set(DRIFT_WORDS)
    cols = [j for j, t in enumerate(model.terms_) if t in words]
    return int(np.argmax(np.asarray(model.topic_term_)[:, cols].sum(axis=1)))


def test_planted_drift_recovered(drifted):
    """The drifting theme's topic: its own words lead the first slice, the drift words the
    last one (as planted: the drift share goes from 0 in 2003 to 1 in 2010)."""
    from corpora.synthetic import PLANTED_THEMES
    from corpora.synthetic_effects import DRIFT_WORDS

    _, _, model = drifted
    assert model.slices_ == [str(y) for y in range(2003, 2011)]
    own = {w.replace(" ", "_") for w in PLANTED_THEMES[1].words}
    first, *_, last = model.top_terms_by_slice(_drift_topic(model), 10)
    assert sum(w in own for w in first) >= 7 and not set(first) & set(DRIFT_WORDS)
    assert sum(w in DRIFT_WORDS for w in last) >= 7
    # a theme that does not drift keeps its words: another topic's first and last lists agree
    other = [t for t in range(8) if t != _drift_topic(model)]
    overlaps = [len(set(model.top_terms_by_slice(t, 10)[0])
                    & set(model.top_terms_by_slice(t, 10)[-1])) for t in other]
    assert np.median(overlaps) >= 6


def test_dtm_save_load_transform_deterministic(drifted, tmp_path):
    dtm, meta, model = drifted
    model.save(tmp_path / "m")
    back = load_model(tmp_path / "m")
    assert back.slices_ == model.slices_
    np.testing.assert_array_equal(back.doc_slice_, model.doc_slice_)
    np.testing.assert_allclose(back.slice_topic_term(), model.slice_topic_term())
    sub = dtm.subset(np.arange(15))
    np.testing.assert_allclose(back.transform(sub), model.transform(sub))
    small = dtm.subset(np.arange(200))
    a, b = (make_model("dtm", n_topics=4, seed=3, iterations=10).fit(small, metadata=meta)
            for _ in range(2))
    np.testing.assert_array_equal(a.doc_topic_, b.doc_topic_)
    np.testing.assert_array_equal(a.topic_term_, b.topic_term_)


def test_sparse_years_merge_into_slices(drifted):
    dtm, meta, _ = drifted
    years = meta["year"].to_numpy().copy()
    years[:3] = 1990.0  # three cables of 1990: too few for a slice of their own
    m = make_model("dtm", n_topics=3, iterations=5, min_slice_docs=20)
    m._slices(years.astype(int))
    assert m.slices_[0] == "1990-2003" and m.slice_of(1995) == 0 and m.slice_of(2050) == 7
    with pytest.raises(ValueError, match="needs each cable's covariates"):
        make_model("dtm", n_topics=3, iterations=5).fit(dtm)
    with pytest.raises(ValueError, match="no cable has a date"):
        make_model("dtm", n_topics=3, iterations=5).fit(dtm, metadata=meta.assign(year=np.nan))


def test_dtm_views(drifted):
    from matplotlib.figure import Figure

    from topics.report.dtm_views import (
        drift_scores,
        plot_three_slices,
        slice_shares,
        slice_terms,
    )

    _, _, model = drifted
    terms = slice_terms(model, n=10)
    assert len(terms) == 8 * 8 * 10
    drift = drift_scores(terms, model.slices_)
    assert int(drift.idxmax()) == _drift_topic(model)
    shares = slice_shares(model, n_boot=20)
    np.testing.assert_allclose(shares.groupby("slice")["share"].sum().to_numpy(), 1.0)
    assert (shares["lower"] <= shares["share"]).all() and (shares["share"] <= shares["upper"]).all()
    fig = plot_three_slices(terms, model.slices_, [_drift_topic(model)], {})
    assert isinstance(fig, Figure) and len(fig.axes) == 3


def test_chained_slice_distributions():
    """A thin slice borrows its neighbours' vocabulary, the nearer the more; a slice with
    many words keeps its own; without a prior each slice is on its own."""
    from topics.models.tomotopy_dynamic import chained_slice_distributions

    c = np.zeros((4, 1, 3))
    c[0, 0] = [1000, 0, 0]
    c[1, 0] = [0, 2, 0]        # thin
    c[2, 0] = [0, 0, 1000]
    c[3, 0] = [0, 1000, 0]
    out = chained_slice_distributions(c, prior=50, decay=0.5, eta=0.0)
    np.testing.assert_allclose(out.sum(axis=2), 1.0)
    thin = out[1, 0]
    # mostly its neighbours': the two next to it equally, the one two slices away half
    assert thin[0] > 0.3 and thin[2] > 0.3 and thin[1] < 0.3
    assert abs(thin[0] - thin[2]) < 1e-12
    assert out[0, 0, 0] > 0.9 and out[3, 0, 1] > 0.9             # heavy slices keep theirs
    np.testing.assert_allclose(chained_slice_distributions(c, prior=0, decay=0.5, eta=0.0),
                               c / c.sum(axis=2, keepdims=True))


def test_dtmodel_method_fits_saves_and_loads(drifted, tmp_path):
    """tomotopy's DTModel stays available (``method="dtmodel"``), saved and loaded as such."""
    dtm, meta, _ = drifted
    small = dtm.subset(np.arange(150))
    m = make_model("dtm", n_topics=4, seed=1, iterations=10, method="dtmodel").fit(
        small, metadata=meta)
    assert m.slice_topic_term().shape == (len(m.slices_), 4, len(m.terms_))
    m.save(tmp_path / "m")
    back = load_model(tmp_path / "m")
    assert back.method == "dtmodel"
    np.testing.assert_allclose(back.slice_topic_term(), m.slice_topic_term())
    sub = small.subset(np.arange(10))
    np.testing.assert_allclose(back.transform(sub), m.transform(sub))
    with pytest.raises(ValueError, match="'method'"):
        make_model("dtm", method="blei").fit(small, metadata=meta)


def test_dtm_report_section_names_the_method(drifted, tmp_path):
    from types import SimpleNamespace

    from topics.report.dtm_views import dtm_section

    _, _, model = drifted
    sec = dtm_section(SimpleNamespace(topics=None), model, tmp_path)
    assert "borrowing from the neighbouring slices" in sec["md"]
    assert (tmp_path / "dtm_terms.csv").is_file() and (tmp_path / "figures" / "dtm_slices.png").is_file()
