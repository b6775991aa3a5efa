"""``region`` in the prevalence formula: the post -> regional bureau table and its use."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pytest

from topics.formula import REGIONS, Term, parse_formula, post_region, post_regions, regions_of

MANIFEST = Path(__file__).resolve().parents[2] / "shared" / "data" / "cablegate-dev" / "MANIFEST.csv"


def test_region_is_a_formula_term():
    assert parse_formula("region + s(year)") == (Term("region"), Term("year", True, 3))


def test_the_table_agrees_with_the_generators_bureaus():
    """The synthetic generator gives every post its bureau (written independently of the
    table); the table must give each post the same one, from its FM-line form."""
    from corpora.synthetic import POSTS

    for post in POSTS:
        assert post_region(post.sender) == post.bureau, post.sender


def test_lookup_forms_and_unknown_posts(caplog):
    assert post_region("Embassy Tokyo") == "EAP"
    assert post_region("embassy tokyo") == "EAP"
    assert post_region("AMEMBASSY PARIS") == "EUR"
    assert post_region("USMISSION USUN NEW YORK") == "IO"
    assert post_region("SECSTATE WASHDC") == "WASHINGTON"
    assert post_region("Embassy Atlantis") == "unknown"
    assert post_region(None) == "unknown" and post_region("") == "unknown"
    with caplog.at_level(logging.WARNING, logger="topics.formula"):
        out = regions_of(["Embassy Cairo", "Embassy Atlantis", "Embassy Atlantis", None])
    assert out == ["NEA", "unknown", "unknown", "unknown"]
    msg = " ".join(r.getMessage() for r in caplog.records)
    assert "2 post(s)" in msg and "3 cable(s)" in msg and "Embassy Atlantis" in msg


def test_table_values_are_regions():
    table = post_regions()
    assert len(table) > 250
    assert set(table.values()) <= set(REGIONS) - {"unknown"}
    # each bureau of the issue is represented
    assert {"AF", "EAP", "EUR", "NEA", "SCA", "WHA", "IO"} <= set(table.values())


@pytest.mark.parametrize("text, named", [
    ("post,bureau\nEmbassy Tokyo,EAP\n", "first row"),
    ("post,region\nEmbassy Tokyo,ASIA\n", "line 2, field 'region'"),
    ("post,region\nEmbassy Tokyo,EAP\nembassy tokyo,EAP\n", "line 3, field 'post'"),
    ("# comment\npost,region\nEmbassy Tokyo\n", "line 3"),
])
def test_bad_table_names_file_and_line(tmp_path, text, named):
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="regions.csv") as exc:
        post_regions(path)
    assert named in str(exc.value)


@pytest.mark.skipif(not MANIFEST.is_file(),
                    reason="needs ../shared/data/cablegate-dev/MANIFEST.csv (the dev corpus)")
def test_every_dev_corpus_origin_has_a_region():
    with open(MANIFEST, encoding="utf-8", newline="") as fh:
        origins = {row["origin"] for row in csv.DictReader(fh)}
    missing = sorted(o for o in origins if post_region(o) == "unknown")
    assert not missing, missing


def test_dmr_with_region(tmp_path):
    """dmr fits ``region + s(year)``; a covariate table without a ``region`` column gets it
    from ``post``; the model-based effects tabulate the regions."""
    pytest.importorskip("tomotopy")
    from benchmarks.bench_dmr import corpus
    from topics.models import load_model, make_model
    from topics.report.model_effects import estimate_model_effects

    dtm, meta, _, _ = corpus(seed=11, n_docs=200)
    assert "region" not in meta.columns
    m = make_model("dmr", n_topics=6, seed=0, prevalence="region + s(year)",
                   iterations=10, chains=1).fit(dtm, metadata=meta)
    expected = {p: post_region(p) for p in meta["post"]}
    assert set(m.levels_["region"]) >= {"EAP", "EUR", "NEA", "SCA", "WHA"}
    assert m.covariates_["region"].tolist() == [expected[p] for p in meta["post"]]
    # cables of different regions get different priors
    assert len(np.unique(m.prior_.round(6), axis=0)) >= 5
    m.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    np.testing.assert_array_equal(again.prior_, m.prior_)
    eff = estimate_model_effects(m, n_draws=10, seed=0)
    assert set(eff.levels.loc[eff.levels["covariate"] == "region", "level"]) >= {"EAP", "WHA"}
