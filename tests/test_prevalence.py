"""Theme prevalence weighted by coverage (topics.prevalence) and its report section."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from corpora.coverage import coverage
from topics.prevalence import load_coverage, post_year_keys, weighted_prevalence


def _planted():
    """Post A sent 1,000 cables in 2008, 100 here, 80% theme 0; post B sent 1,000, 500 here,
    80% theme 1. Raw: theme 0 = (80 + 100) / 600 = 0.30; of what was sent: 0.50."""
    refs, themes = [], []
    for post, n_here, main in (("AAA", 100, 0), ("BBB", 500, 1)):
        for i in range(n_here):
            refs.append(f"08{post}{i * (1000 // n_here) + 1}")
            themes.append(main if i < 0.8 * n_here else 1 - main)
    onehot = np.eye(2)[themes]
    cov = pd.DataFrame({"post": ["AAA", "BBB"], "year": [2008, 2008], "n_observed": [100, 500],
                        "n_mvu": [1000.0, 1000.0], "n_ml": [991.0, 999.0],
                        "n_bayes": [1000.0, 1000.0], "meaningful": [True, True]})
    return refs, onehot, cov


def test_weighting_recovers_the_sent_mix():
    refs, onehot, cov = _planted()
    res = weighted_prevalence(refs, onehot, [0, 1], cov)
    t = res.table.set_index("theme")
    assert t.loc[0, "raw"] == pytest.approx(0.30)
    assert t.loc[0, "weighted"] == pytest.approx(0.50)
    assert t.loc[0, "difference"] == pytest.approx(0.20)
    assert res.n_weighted == 600 and res.note == ""
    # weights 10 (A) and 2 (B): Kish n = (100*10 + 500*2)^2 / (100*100 + 500*4)
    assert res.effective_n == pytest.approx(2000 ** 2 / 12000)
    assert {p["post"] for p in res.top_post_years} == {"AAA", "BBB"}
    assert [p["weight_share"] for p in res.top_post_years] == pytest.approx([0.5, 0.5])


def test_weights_are_the_inverse_observed_share_of_the_coverage_table():
    # the run holds 100 of the 200 AAA cables the archive (the coverage table) holds: a
    # cable weighs N / k_archive = 5, not N / n_run = 10 (the sampling is not undone)
    refs, onehot, cov = _planted()
    cov.loc[0, "n_observed"] = 200
    res = weighted_prevalence(refs, onehot, [0, 1], cov)
    assert res.table.set_index("theme").loc[0, "weighted"] == pytest.approx(
        (0.8 * 500 + 0.2 * 1000) / 1500)
    assert res.top_post_years[0]["post"] == "BBB"  # 500 cables x 2 outweigh 100 x 5
    assert res.top_post_years[1]["share_observed"] == pytest.approx(0.2)


def test_cables_outside_meaningful_post_years_get_no_weight():
    refs, onehot, cov = _planted()
    cov.loc[1, "meaningful"] = False
    res = weighted_prevalence(refs, onehot, [0, 1], cov)
    assert res.n_weighted == 100
    t = res.table.set_index("theme")
    assert t.loc[0, "weighted"] == pytest.approx(0.8)
    assert t.loc[0, "raw_weighted_subset"] == pytest.approx(0.8)


def test_frus_ids_say_weighting_is_not_possible():
    refs = [f"frus1977-80v11p1d{i}" for i in range(20)]
    res = weighted_prevalence(refs, np.eye(2)[np.arange(20) % 2], [0, 1])
    assert "no cable id carries a post and serial" in res.note
    assert res.n_serial_refs == 0 and res.table["weighted"].isna().all()
    assert res.table["raw"].tolist() == [0.5, 0.5]


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r"expected \(3, 2\)"):
        weighted_prevalence(["08A1", "08A2", "08A3"], np.ones((3, 3)), [0, 1])


def test_load_coverage_applies_post_name_variants(tmp_path):
    ids = [f"08LONDON{i}" for i in range(1, 400, 3)] + ["08EFTOLONDON7"]
    coverage(ids, tmp_path / "cov")
    table, variants = load_coverage(tmp_path / "cov")
    assert variants == {"EFTOLONDON": "LONDON"}
    assert post_year_keys(["08EFTOLONDON7", "frus1"], variants) == [("LONDON", 2008), None]
    assert table["meaningful"].dtype == bool
    with pytest.raises(FileNotFoundError, match="cable-topics coverage"):
        load_coverage(tmp_path / "nope")


def test_report_shows_weighted_beside_raw(tmp_path):
    from tests.test_events import write_run
    from topics.report import render_report

    refs, onehot, cov = _planted()
    (tmp_path / "cov").mkdir()
    cov.to_csv(tmp_path / "cov" / "coverage.csv", index=False)
    dates = [datetime(2008, 1 + i % 12, 3, tzinfo=UTC) for i in range(len(refs))]
    cables = pd.DataFrame({"ref": refs, "date": dates, "theme": np.argmax(onehot, axis=1)})
    run = write_run(tmp_path, cables, {"events": False, "weighted_prevalence": True,
                                       "coverage": str(tmp_path / "cov")})
    html = render_report(run, n_boot=20).read_text()
    assert 'id="weighted-prevalence"' in html and "Re-weighted estimate" in html
    table = pd.read_csv(run / "report" / "weighted_prevalence.csv").set_index("theme")
    # the run's doc-topic rows are 0.9 / 0.05 / 0.05, so shares move toward 1/3
    assert table.loc[0, "weighted"] > table.loc[0, "raw"] + 0.1
    assert (run / "report" / "figures" / "weighted_prevalence.png").exists()
    assert "| 0 | label <0> |" not in (run / "report" / "report.md").read_text()


def test_report_on_frus_ids_says_so(tmp_path):
    from tests.test_events import write_run
    from topics.report import render_report

    refs = [f"frus1969-76v{i:02d}d{i}" for i in range(30)]
    cables = pd.DataFrame({"ref": refs, "date": [datetime(1970, 1 + i % 12, 1, tzinfo=UTC)
                                                 for i in range(30)], "theme": np.arange(30) % 3})
    run = write_run(tmp_path, cables, {"events": False, "weighted_prevalence": True})
    html = render_report(run, n_boot=20).read_text()
    assert "Not available:" in html and "no cable id carries a post and serial" in html
    assert not (run / "report" / "weighted_prevalence.csv").exists()


def test_dev_corpus_refs_find_their_post_years_in_the_cablegate_coverage(shared_data):
    """The dev corpus's ids, read and merged the same way as the archive's, land in
    meaningful post-years of the 251,287-id coverage table."""
    ids = shared_data / "cablegate-metadata" / "cable2month.csv.gz"
    manifest = shared_data / "cablegate-dev" / "MANIFEST.csv"
    if not ids.exists() or not manifest.exists():
        pytest.skip("Cablegate metadata or dev corpus manifest absent")
    res = coverage(ids)
    variants = dict(zip(res.variants["variant"], res.variants["post"], strict=True))
    refs = pd.read_csv(manifest)["ref"].astype(str).tolist()
    themes = np.eye(2)[np.arange(len(refs)) % 2]
    out = weighted_prevalence(refs, themes, [0, 1], res.table, variants, source="cablegate")
    assert out.n_serial_refs == len(refs)
    assert out.n_weighted >= 0.97 * len(refs)
    # themes assigned regardless of post: weighting cannot move them far
    assert out.table["weighted"].tolist() == pytest.approx([0.5, 0.5], abs=0.1)


def test_config_check_names_a_missing_coverage_file(tmp_path):
    from topics.config import ConfigError, RunConfig

    cfg = RunConfig.from_dict({"corpus": {"store": str(tmp_path)},
                               "report": {"weighted_prevalence": True, "coverage": "nope"}},
                              base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"\[report\] coverage: path .*nope.* does not exist"):
        cfg.check_inputs()
    RunConfig.from_dict({"corpus": {"store": str(tmp_path)},
                         "report": {"weighted_prevalence": False, "coverage": "nope"}},
                        base_dir=tmp_path).check_inputs()
