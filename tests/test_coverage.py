"""Sent-volume estimation from reference serials (corpora.coverage)."""

from __future__ import annotations

import gzip
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import gammaln

from corpora.coverage import (
    ParsedRef,
    bayes_interval,
    bayes_mean,
    bayes_sample,
    coverage,
    coverage_table,
    normalize_posts,
    parse_reference,
    read_references,
    summarize_coverage,
)
from topics.cli import main


@pytest.mark.parametrize(("ref", "year", "post", "serial", "fix"), [
    ("09TOKYO1346", 2009, "TOKYO", 1346, ""),
    ("66BUENOSAIRES2481", 1966, "BUENOSAIRES", 2481, ""),
    ("1974ATHENS02959_b", 1974, "ATHENS", 2959, ""),
    ("7575LIBREVILLE1895", 1975, "LIBREVILLE", 1895, "double year"),
    ("90STATE255195TOSEC140301", 1990, "STATE", 255195, "trailing suffix"),
    ("06MADRID002583ZFR2585", 2006, "MADRID", 2583, "trailing suffix"),
    ("08ACCRA001382SUSPECTEDDUPLICATE1392", 2008, "ACCRA", 1382, "trailing suffix"),
    ("06SECION01OF02HARARE628", 2006, "HARARE", 628, "section marker"),
    ("06SECTION01O02HONGKONG2311", 2006, "HONGKONG", 2311, "section marker"),
    ("09SECTION0QF05HANOI297", 2009, "HANOI", 297, "section marker"),
    ("0901OF02RPODUBAI288", 2009, "RPODUBAI", 288, "section marker"),
])
def test_parse_reference_reads_real_oddities(ref, year, post, serial, fix):
    assert parse_reference(ref) == ParsedRef(ref, year, post, serial, fix)


@pytest.mark.parametrize(("ref", "reason"), [
    ("06ASTANA", "no serial"),
    ("092OF5", "not a post-year-serial id"),
    ("frus1977-80v11p1d3", "FRUS document id (no serial)"),
    ("", "empty id"),
])
def test_parse_reference_says_why_an_id_has_no_serial(ref, reason):
    assert parse_reference(ref) == reason


@given(st.text(max_size=60))
def test_parse_reference_returns_a_record_or_a_reason(text):
    out = parse_reference(text)
    assert isinstance(out, (ParsedRef, str))
    if isinstance(out, ParsedRef):
        assert out.serial >= 0 and out.post.isalpha() and 1900 <= out.year <= 2099


def test_parse_reference_is_linear_on_long_hostile_ids():
    import time

    hostile = "09" + "SECTION01OF" * 2000 + "X"
    t0 = time.perf_counter()
    assert isinstance(parse_reference(hostile), str)
    assert time.perf_counter() - t0 < 0.5


def test_normalize_posts_merges_variants_and_keeps_real_small_posts():
    counts = {"LONDON": 900, "EFTOLONDON": 16, "BEIJING": 400, "BEIJIG": 1, "KRAKOW": 2,
              "BRUSSELS": 300, "BRUSSLS": 1, "BAKU": 150, "BAU": 1, "HANOI": 200,
              "AMEMBASSYHANOI": 11, "EFTOFOO": 1}
    got = normalize_posts(counts)
    assert got["EFTOLONDON"] == ("LONDON", "glued prefix")
    assert got["AMEMBASSYHANOI"] == ("HANOI", "glued prefix")
    assert got["BEIJIG"] == ("BEIJING", "misspelling")
    assert got["BRUSSLS"] == ("BRUSSELS", "misspelling")
    assert got["BAU"] == ("BAKU", "misspelling")
    assert "KRAKOW" not in got and "LONDON" not in got
    assert "EFTOFOO" not in got  # the rest is no post seen anywhere


def test_normalize_posts_leaves_a_name_equally_close_to_two_posts():
    got = normalize_posts({"PARIS": 500, "PARIT": 500, "PARIX": 1})
    assert "PARIX" not in got


# ------------------------------------------------------------------ estimators
def _brute_posterior(m: int, k: int, upto: int) -> tuple[np.ndarray, np.ndarray]:
    n = np.arange(m, upto, dtype=float)
    logw = -(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))  # 1 / C(n, k)
    w = np.exp(logw - logw.max())
    return n, w / w.sum()


def _tail(x: int, m: int, k: int) -> float:
    """P(N >= x) = C(m-1, k-1) / C(x-1, k-1), in exact integers."""
    return math.comb(m - 1, k - 1) / math.comb(x - 1, k - 1)


def test_closed_form_tail_matches_the_summed_posterior():
    n, p = _brute_posterior(40, 5, upto=40 * 2000)
    for x in (40, 41, 60, 200):
        assert _tail(x, 40, 5) == pytest.approx(p[n >= x].sum(), rel=1e-3)


@pytest.mark.parametrize(("m", "k"), [(40, 5), (300, 12), (1000, 3), (57, 2), (250000, 4000)])
def test_bayes_interval_is_the_posterior_quantile(m, k):
    low, high = bayes_interval(m, k, 0.9)
    lo, hi = int(low[0]), int(high[0])
    # high: the largest x with P(N >= x) >= 0.05; low: P(N <= low) >= 0.05 first reached
    # (up to floating-point ties: 56/1120 is exactly 0.05)
    eps = 1e-9
    assert _tail(hi, m, k) >= 0.05 * (1 - eps) and _tail(hi + 1, m, k) < 0.05 * (1 + eps)
    assert _tail(lo, m, k) >= 0.95 * (1 - eps) and _tail(lo + 1, m, k) < 0.95 * (1 + eps)


@pytest.mark.parametrize(("m", "k"), [(40, 5), (300, 12), (57, 2)])
def test_bayes_mean_matches_the_summed_posterior(m, k):
    if k < 3:
        assert math.isnan(bayes_mean(m, k)[0])
        return
    n, p = _brute_posterior(m, k, upto=m * 2000)
    assert bayes_mean(m, k)[0] == pytest.approx(float((n * p).sum()), rel=0.01)


def test_estimators_on_simulated_draws_unbiased_and_interval_covers():
    rng = np.random.default_rng(7)
    n_true, k, reps = 3000, 60, 300
    ml, mvu, covered = [], [], 0
    for _ in range(reps):
        s = rng.choice(n_true, size=k, replace=False) + 1
        m = s.max()
        ml.append(m)
        mvu.append(m + m / k - 1)
        lo, hi = bayes_interval(m, k, 0.9)
        covered += lo[0] <= n_true <= hi[0]
    assert abs(np.mean(mvu) / n_true - 1) < 0.01  # unbiased
    assert np.mean(ml) < n_true * 0.99  # ML is biased low by about N/k
    assert 0.85 <= covered / reps <= 0.95


def test_bayes_sample_follows_the_posterior():
    rng = np.random.default_rng(3)
    draws = bayes_sample(np.array([200.0]), np.array([6.0]), 20000, rng)[:, 0]
    n, p = _brute_posterior(200, 6, upto=200 * 400)
    assert draws.min() >= 200
    assert np.median(draws) == pytest.approx(n[np.searchsorted(np.cumsum(p), 0.5)], rel=0.03)
    with pytest.raises(ValueError, match="k >= 2"):
        bayes_sample(np.array([10.0]), np.array([1.0]), 5, rng)


# ------------------------------------------------------------------ tables
def _sample_refs(rng, posts_n: dict[tuple[str, int], int], share: float) -> list[str]:
    refs = []
    for (post, year), n in posts_n.items():
        k = max(2, int(round(share * n)))
        for s in rng.choice(n, size=k, replace=False) + 1:
            refs.append(f"{year % 100:02d}{post}{s}")
    return refs


def test_coverage_recovers_a_known_share_with_an_interval():
    rng = np.random.default_rng(0)
    truth = {(f"POST{chr(65 + i)}", 2000 + j): int(rng.integers(500, 4000))
             for i in range(8) for j in range(5)}
    refs = _sample_refs(rng, truth, 0.08)
    res = coverage(refs)
    s = res.summary
    assert s["n_post_years"] == 40
    true_share = s["n_cables"] / sum(truth.values())
    assert s["observed_share_low"] <= true_share <= s["observed_share_high"]
    assert s["observed_share"] == pytest.approx(true_share, rel=0.05)
    assert s["observed_share_mvu"] == pytest.approx(true_share, rel=0.05)
    # few serials per post-year: the heavy posterior tails pull the MVU sum out of the
    # interval, the headline (posterior median) stays inside it
    small = coverage(_sample_refs(np.random.default_rng(2), truth, 0.002), min_cables=2).summary
    assert small["observed_share_low"] <= small["observed_share"] <= small["observed_share_high"]
    row = res.table.set_index(["post", "year"]).loc[("POSTA", 2000)]
    assert row["n_ml"] == row["max_serial"] <= truth[("POSTA", 2000)]
    assert row["n_bayes_low"] <= row["n_bayes"] <= row["n_bayes_high"]
    assert row["share_low"] <= row["share_bayes"] <= row["share_high"]
    # same seed, same interval; another seed, another draw
    assert coverage(refs).summary == s
    assert coverage(refs, seed=1).summary["observed_share_low"] != s["observed_share_low"]


def test_coverage_flags_small_and_out_of_line_post_years():
    refs = ["09TINY5", "09TINY9", "09ONE3"]
    refs += [f"10LAGOS{i}" for i in range(3, 82, 3)] + ["10LAGOS50005"]
    table, _, _ = coverage_table(refs, min_cables=10)
    t = table.set_index("post")
    assert t.loc["TINY", "flags"] == "few cables" and not t.loc["TINY", "meaningful"]
    assert t.loc["ONE", "flags"] == "single cable" and math.isnan(t.loc["ONE", "n_bayes_low"])
    assert t.loc["LAGOS", "max_serial"] == 81 and t.loc["LAGOS", "dropped_serials"] == "50005"
    assert "serial out of line" in t.loc["LAGOS", "flags"]
    s = summarize_coverage(table)
    assert s["n_post_years"] == 1 and s["n_post_years_left_out"] == 2


def test_coverage_flags_a_year_held_only_in_part():
    # serials only from the last quarter of the year: not uniform on (0, N]
    refs = [f"08LATE{s}" for s in range(900, 1200, 5)] + ["08LATE3"]
    table, _, _ = coverage_table(refs)
    assert "not uniform" in table.loc[0, "flags"]


def test_summary_years_and_excluded_posts():
    refs = [f"09AAA{i}" for i in range(1, 200, 2)] + [f"09STATE{i}" for i in range(1, 90000, 900)]
    refs += [f"05AAA{i}" for i in range(1, 100, 4)]
    table, _, _ = coverage_table(refs)
    s = summarize_coverage(table, years=(2009, 2009), exclude=["STATE"])
    assert s["n_post_years"] == 1 and s["n_cables"] == 100
    assert s["observed_share_mvu"] == pytest.approx(100 / (199 + 199 / 100 - 1))


def test_read_references_from_gzipped_csv_with_header(tmp_path):
    path = tmp_path / "ids.csv.gz"
    path.write_bytes(gzip.compress(b"REFERENCE_ID,MONTH\n09TOKYO1,1\n09TOKYO7,2\n\n"))
    assert read_references(path) == ["09TOKYO1", "09TOKYO7"]
    plain = tmp_path / "ids.txt"
    plain.write_text("09TOKYO1\n,3\n")
    with pytest.raises(ValueError, match=r"ids.txt: line 2: field 1"):
        read_references(plain)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_references(tmp_path / "nope.csv")


def test_coverage_from_a_store(tmp_path):
    from corpora.store import CorpusStore
    from corpora.synthetic import generate_corpus

    generate_corpus(tmp_path / "syn", n_cables=30, seed=1)
    store = CorpusStore.ingest([tmp_path / "syn" / "cables"], tmp_path / "store", n_jobs=1)
    refs = read_references(tmp_path / "store")
    assert sorted(refs) == sorted(store.to_pandas(columns=["ref"])["ref"])
    res = coverage(tmp_path / "store", tmp_path / "cov", min_cables=2)
    assert int(res.table["n_observed"].sum()) + len(res.unparsed) == len(set(refs))


def test_cli_coverage_writes_table_and_summary(tmp_path, capsys):
    ids = tmp_path / "ids.txt"
    rng = np.random.default_rng(1)
    ids.write_text("\n".join(_sample_refs(rng, {("TOKYO", 2009): 2000, ("PARIS", 2009): 900},
                                          0.1)) + "\n06ASTANA\n")
    assert main(["coverage", str(ids), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "observed share:" in printed
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["n_ids_unparsed"] == 1 and 0.05 < summary["observed_share"] < 0.2
    header = (tmp_path / "out" / "coverage.csv").read_text().splitlines()[0]
    assert header.startswith("post,year,n_observed,min_serial,max_serial,n_ml,n_mvu,n_bayes")
    assert "06ASTANA,no serial" in (tmp_path / "out" / "unparsed.csv").read_text()
    assert main(["coverage", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o")]) == 2
    assert "missing.csv" in capsys.readouterr().err


# ------------------------------------------------------------------ real references
def test_cablegate_reference_ids_reproduce_the_headline(shared_data):
    path = shared_data / "cablegate-metadata" / "cable2month.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    res = coverage(path, n_draws=400)
    s = res.summary
    assert s["n_ids"] == 251_287
    assert set(res.unparsed["ref"]) <= {"06ASTANA", "092OF5"}
    # Gill & Spirling 2015: "approximately 5% of all cables from this timeframe"
    assert 0.03 < s["observed_share"] < 0.07
    assert s["observed_share_low"] <= s["observed_share"] <= s["observed_share_high"]
    q = s["post_year_share_quantiles"]
    assert q["0.95"] > 5 * q["0.05"]  # "varies considerably at the embassy-year level"
    merged = dict(zip(res.variants["variant"], res.variants["post"], strict=True))
    assert merged["EFTOLONDON"] == "LONDON" and merged["BEIJIG"] == "BEIJING"


def test_coverage_of_ids_without_serials_says_so(tmp_path, capsys, caplog):
    ids = tmp_path / "frus.txt"
    ids.write_text("\n".join(f"frus1969-76v{i:02d}d{i}" for i in range(1, 30)) + "\n")
    with caplog.at_level("WARNING", logger="corpora.coverage"):
        res = coverage(ids, tmp_path / "out")
    assert res.summary["observed_share"] is None and len(res.table) == 0
    assert res.summary["n_ids"] == 29  # the first id is not taken for a header
    assert "carries a post and serial" in caplog.text
    assert main(["coverage", str(ids), "--out", str(tmp_path / "out2"), "--figures"]) == 0
    assert "no post-year has 10+ serials" in capsys.readouterr().out
    assert (tmp_path / "out2" / "coverage_heatmap.png").exists()


def test_cli_coverage_figures(tmp_path):
    rng = np.random.default_rng(4)
    truth = {(p, y): 1500 for p in ("TOKYO", "PARIS", "LIMA") for y in (2007, 2008)}
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(_sample_refs(rng, truth, 0.05)) + "\n")
    assert main(["coverage", str(ids), "--out", str(tmp_path / "o"), "--figures",
                 "--years", "2008:2008", "--exclude", "LIMA"]) == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["n_post_years"] == 2 and summary["excluded_posts"] == ["LIMA"]
    for name in ("coverage_heatmap.png", "coverage_ranked.png"):
        assert (tmp_path / "o" / name).read_bytes()[:4] == b"\x89PNG"
    assert main(["coverage", str(ids), "--out", str(tmp_path / "o"), "--years", "x"]) == 2
