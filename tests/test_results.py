"""Opening a finished run from Python (`topics.results.Run`) and the files for R users."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.test_report import build_run, synthetic_cables
from topics.report import RunDirectoryError
from topics.results import Run


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    root = tmp_path_factory.mktemp("results")
    cables = synthetic_cables(64, seed=4)
    run = build_run(root, cables, n_topics=5, n_themes=3)
    terms = json.loads((run / "model" / "vocabulary.json").read_text())
    cv = CountVectorizer(vocabulary=terms, token_pattern=r"(?u)\b[a-z][a-z]+\b")
    m = sp.csr_matrix(cv.transform([c["body"].lower() for c in cables]))
    (run / "dtm").mkdir()
    sp.save_npz(run / "dtm" / "dtm.npz", m)
    (run / "dtm" / "dtm.json").write_text(json.dumps(
        {"terms": terms, "refs": [c["ref"] for c in cables]}))
    return run, cables


def test_run_tables(run_dir):
    path, cables = run_dir
    run = Run.open(path)
    assert "64 cables, 5 topics, 3 themes" in repr(run)
    dt = run.doc_topics
    assert list(dt.index) == [c["ref"] for c in cables]
    assert dt.loc[cables[1]["ref"], "tags"] == cables[1]["tags"]  # a real list
    tt = run.topic_terms
    assert tt.shape == (5, len(json.loads((path / "model" / "vocabulary.json").read_text())))
    np.testing.assert_allclose(tt.sum(axis=1), 1.0)
    long = run.topic_terms_long(n=4)
    assert len(long) == 20 and list(long.columns) == ["topic", "term", "weight", "rank"]
    top0 = long[long["topic"] == 0]
    assert list(top0["term"]) == list(tt.loc[0].sort_values(ascending=False).index[:4])
    assert run.themes["size"].sum() == 64 and run.themes["size"].is_monotonic_decreasing


def test_top_terms_rankings_and_errors(run_dir):
    run = Run.open(run_dir[0])
    prob = run.top_terms(2, n=5)
    assert list(prob["term"]) == list(run.topic_terms.loc[2].sort_values(
        ascending=False, kind="stable").index[:5])
    assert (prob["weight"] == prob["score"]).all()
    frex = run.top_terms(2, n=5, ranking="frex")
    assert frex["score"].is_monotonic_decreasing
    with pytest.raises(ValueError, match="'ranking' parameter of Run.top_terms must be one of"):
        run.top_terms(2, ranking="best")
    with pytest.raises(KeyError, match="no topic 99"):
        run.top_terms(99)


def test_cables_of_a_theme_with_text(run_dir):
    path, cables = run_dir
    run = Run.open(path)
    theme = int(run.themes.index[0])
    got = run.cables(theme=theme, text=True)
    assert set(got["theme"]) == {theme} and len(got) == run.themes.loc[theme, "size"]
    assert got["weight"].is_monotonic_decreasing
    body = {c["ref"]: c["body"] for c in cables}
    assert all(got.loc[r, "body"] == body[r] for r in got.index)
    by_topic = run.cables(topic=1)
    assert by_topic["weight"].is_monotonic_decreasing and len(by_topic) == 64
    with pytest.raises(KeyError, match="no theme 42"):
        run.cables(theme=42)
    with pytest.raises(RunDirectoryError, match="doc_topics.parquet: file missing"):
        Run.open(path / "nowhere")


def test_export_for_r_has_real_lists(run_dir, tmp_path):
    run = Run.open(run_dir[0])
    files = {p.name for p in run.export_r(tmp_path)}
    assert {"doc_topics.parquet", "topic_terms.parquet", "themes.parquet", "topics.parquet",
            "ldavis.json", "dtm.mtx", "dtm_rows.txt", "dtm_terms.txt"} <= files
    schema = pq.read_schema(tmp_path / "doc_topics.parquet")
    assert str(schema.field("tags").type) == "list<element: string>"
    themes = pq.read_table(tmp_path / "themes.parquet").to_pylist()
    assert all(isinstance(t["top_terms"], list) and isinstance(t["topics"], list) for t in themes)
    import scipy.io

    m = scipy.io.mmread(tmp_path / "dtm.mtx")
    assert m.shape == (64, len((tmp_path / "dtm_terms.txt").read_text().split()))
    lda = json.loads((tmp_path / "ldavis.json").read_text())
    assert len(lda["mdsDat"]["x"]) == 5


def test_r_reads_the_export(run_dir, tmp_path):
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript not found: R is not installed here (apt-get install r-base-core "
                    "r-cran-matrix); the recipe is in docs/results.md")
    run = Run.open(run_dir[0])
    run.export_r(tmp_path)
    # Parquet with R's arrow where installed, else the CSV twins with base R; the dtm
    # through Matrix::readMM either way
    script = (
        "has_arrow <- requireNamespace('arrow', quietly = TRUE);"
        f"d <- '{tmp_path}';"
        "if (has_arrow) {"
        "  dt <- arrow::read_parquet(file.path(d, 'doc_topics.parquet'));"
        "  tt <- arrow::read_parquet(file.path(d, 'topic_terms.parquet'));"
        "  ntags <- length(dt$tags[[2]])"
        "} else {"
        "  dt <- read.csv(file.path(d, 'doc_topics.csv'));"
        "  tt <- read.csv(file.path(d, 'topic_terms.csv'));"
        "  ntags <- length(strsplit(dt$tags[2], ';')[[1]])"
        "};"
        "m <- Matrix::readMM(file.path(d, 'dtm.mtx'));"
        "rownames(m) <- readLines(file.path(d, 'dtm_rows.txt'));"
        "w <- tapply(tt$weight, tt$topic, sum);"
        "cat(nrow(dt), ntags, length(w), round(max(abs(w - 1)), 6), nrow(m),"
        "    rownames(m)[1] == dt$ref[1], if (has_arrow) 'arrow' else 'csv')"
    )
    res = subprocess.run([rscript, "-e", script], capture_output=True, text=True, timeout=300,
                         check=False)
    if res.returncode != 0 and "there is no package called" in res.stderr:
        pytest.skip(f"an R package is missing: {res.stderr.strip()[-200:]}")
    assert res.returncode == 0, res.stderr
    out = res.stdout.split()
    assert out[:6] == ["64", "3", "5", "0", "64", "TRUE"], res.stdout


def test_to_pyldavis(run_dir):
    pytest.importorskip("pyLDAvis", reason="pyLDAvis is not installed (pip install pyLDAvis)")
    prepared = Run.open(run_dir[0]).to_pyldavis(r=10)
    assert prepared.R == 10 and len(prepared.topic_coordinates) == 5
