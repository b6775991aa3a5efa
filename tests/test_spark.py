"""The Spark backend against the single-machine road, on a local-cluster of two executors.

One SparkSession (``local-cluster[2,1,1024]``: two worker JVMs with one core and 1 GiB
each, so tasks really cross processes) serves every test; the corpus is the bundled
sample plus a duplicate file and a file no reader accepts. Skipped with the reason when
pyspark or Java is absent (`pip install 'cable-topics[spark]'`, Java 17).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from corpora.store import CorpusStore
from topics.config import RunConfig, sample_corpus_path

pytestmark = [
    pytest.mark.slow,
    # pyspark 4.3 warns that it does not fully support pandas 3 (it is not used here)
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

MASTER = "local-cluster[2,1,1024]"


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="pyspark absent: pip install 'cable-topics[spark]'")
    from topics.spark import SparkUnavailable, spark_session, stop_session

    try:
        session = spark_session(MASTER, conf={"spark.ui.enabled": False,
                                              "spark.executor.memory": "768m"})
    except SparkUnavailable as exc:
        pytest.skip(str(exc))
    yield session
    stop_session()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The sample's cables, a second copy of one file (duplicates) and an unreadable file."""
    root = tmp_path_factory.mktemp("spark-corpus") / "cables"
    shutil.copytree(sample_corpus_path() / "cables", root)
    first = sorted(p for p in root.rglob("*") if p.is_file())[0]
    shutil.copy(first, root / "zz-copy-of-first.txt")
    (root / "zz-junk.txt").write_text("this is not a cable\n" * 20)
    return root


@pytest.fixture(scope="module")
def spark_store(spark, corpus, tmp_path_factory) -> CorpusStore:
    """The corpus ingested on Spark; the few files over 5,000 bytes take the
    big-file road (one task each, streamed), the rest go 64 to a task."""
    import corpora.ingest
    from topics.spark.ingest import spark_ingest

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpora.ingest, "BIG_FILE", 5000)
        return spark_ingest(spark, [corpus], tmp_path_factory.mktemp("spark-store") / "store")


def test_spark_ingest_stores_the_single_machine_records(spark_store, corpus, tmp_path):
    local = CorpusStore.ingest([corpus], tmp_path / "local", n_jobs=1)
    assert spark_store.manifest["counts"] == local.manifest["counts"]
    assert spark_store.manifest["counts"]["duplicate"] >= 1
    assert spark_store.manifest["counts"]["rejected"] >= 1
    assert spark_store.manifest["sources"] == local.manifest["sources"]
    assert spark_store.rejects() == local.rejects()
    a, b = spark_store.to_pandas(), local.to_pandas()
    assert len(a) == len(local) > 300
    assert a.equals(b)  # every field of every record, in the same order
    # the executors' parts are gone once the store is written
    assert not [p for p in spark_store.path.iterdir() if p.name.startswith(".spark-parts")]


def test_spark_run_matches_single_machine_vocabulary_and_writes_a_report(
        spark, spark_store, tmp_path):
    from topics.pipeline import run
    from topics.stages import load_dtm

    base = {"corpus": {"store": str(spark_store.path)}, "model": {"n_topics": 6},
            "evaluation": {"coherence": False}, "report": {"events": False}}
    on_spark = RunConfig.from_dict({**base, "backend": {"engine": "spark", "master": MASTER,
                                                        "sample": 200, "partitions": 3}})
    local = RunConfig.from_dict(base)
    run(on_spark, tmp_path / "spark")
    run(local, tmp_path / "local", until="vectorize")
    s_dtm, l_dtm = load_dtm(tmp_path / "spark" / "dtm"), load_dtm(tmp_path / "local" / "dtm")
    assert s_dtm.vocabulary.terms == l_dtm.vocabulary.terms
    assert np.array_equal(s_dtm.vocabulary.df, l_dtm.vocabulary.df)
    assert s_dtm.refs == l_dtm.refs
    assert (s_dtm.matrix != l_dtm.matrix).nnz == 0
    for name in ("phrases.json", "genres.json"):
        assert json.loads((tmp_path / "spark" / name).read_text()) == \
            json.loads((tmp_path / "local" / name).read_text())
    for name in ("tokens.parquet", "token_vocab.parquet"):
        assert pq.read_table(tmp_path / "spark" / name).equals(
            pq.read_table(tmp_path / "local" / name))
    manifest = json.loads((tmp_path / "spark" / "manifest.json").read_text())
    model = manifest["stages"]["model"]["counts"]
    assert model["fitted_on"] == 200 and model["inferred_on_executors"] == s_dtm.n_docs
    doc = pq.read_table(tmp_path / "spark" / "doc_topics.parquet").to_pydict()
    shares = np.array([doc[f"topic_{j}"] for j in range(6)]).T
    assert shares.shape == (s_dtm.n_docs, 6) and np.allclose(shares.sum(axis=1), 1.0)
    report = tmp_path / "spark" / "report" / "index.html"
    assert report.is_file() and "theme" in report.read_text().lower()


def test_spark_backend_config_is_validated():
    from topics.config import ConfigError

    with pytest.raises(ConfigError, match="backend.engine"):
        RunConfig.from_dict({"backend": {"engine": "dask"}})
    cfg = RunConfig.from_dict({"backend": {"engine": "spark", "master": " "},
                               "corpus": {"sources": [str(sample_corpus_path())]}})
    import importlib.util

    needs = "master" if importlib.util.find_spec("pyspark") else "pip install"
    with pytest.raises(ConfigError, match=needs):
        cfg.check_inputs()


@pytest.mark.parametrize("scoring,threshold", [("default", 0.1), ("npmi", 0.2)])
def test_spark_phrases_equal_learn_phrases_ids_with_underscore_tokens(spark, scoring, threshold):
    """Row groups' counts, shuffled and scored on the driver, give `learn_phrases_ids`'
    phrases and `apply_phrases_ids`' tokens, also with tokens that hold "_" (their pairs
    are scored as strings) and a token equal to a pair's ``a_b``."""
    from topics.phrases_ids import apply_phrases_ids, learn_phrases_ids
    from topics.spark.text import _apply_joins, _corpus_vocab, _learn_phrases, _phrase_joins
    from topics.tokenids import TokenIds, first_appearance

    rng = np.random.default_rng(7)
    words = ["new", "york", "united", "states", "united_states", "government", "talks",
             "arms", "control", "the", "minister", "said", "visit", "trade"]
    p = np.array([8, 6, 5, 5, 4, 5, 3, 4, 4, 12, 3, 6, 2, 2], dtype=float)
    docs = []
    for _ in range(90):
        doc = [str(w) for w in rng.choice(words, size=int(rng.integers(0, 40)), p=p / p.sum())]
        for _ in range(int(rng.integers(0, 4))):  # planted pairs, also after "_" tokens
            at = int(rng.integers(0, len(doc) + 1))
            doc[at:at] = [["new", "york"], ["united_states", "government"],
                          ["arms", "control"], ["united", "states"]][int(rng.integers(0, 4))]
        docs.append(doc)
    whole = TokenIds.from_lists(docs)
    ref = learn_phrases_ids(whole, min_count=2, threshold=threshold, scoring=scoring)
    assert {"united_states_government", "united_states", "new_york"} <= set(ref.phrasegrams)
    records = []
    for g, lo in enumerate(range(0, len(docs), 30)):
        part = first_appearance(TokenIds.from_lists(docs[lo:lo + 30]))
        records.append((g, [], [], part.ids, np.diff(part.offsets), part.vocab))
    sc = spark.sparkContext
    toks = sc.parallelize(records, len(records))
    vocab = _corpus_vocab([(g, "\x1f".join(v), np.bincount(ids, minlength=len(v)))
                           for g, _, _, ids, _, v in records])
    mb = sc.broadcast(vocab.mappings)
    model = _learn_phrases(sc, toks, mb, vocab, min_count=2, threshold=threshold,
                           scoring=scoring)
    assert model.phrasegrams == ref.phrasegrams
    keys, joined, new = _phrase_joins(model, vocab)
    strings = vocab.words + new
    got = []
    for g, _, _, ids, lengths, _ in records:
        out, lens = _apply_joins(mb.value[g][ids], lengths, len(vocab.words), keys, joined, new)
        at = np.concatenate([[0], np.cumsum(lens)])
        got += [[strings[i] for i in out[at[d]:at[d + 1]].tolist()] for d in range(len(lens))]
    assert got == apply_phrases_ids(ref, whole).to_lists()


def test_spark_tasks_over_many_row_groups_give_the_single_machine_tokens(spark, corpus,
                                                                         tmp_path):
    """A store of many small row groups, read by Spark tasks that each take several
    consecutive ones (and tasks that straddle the phrase and vocabulary merges), gives
    the single-machine road's tokens, vocabulary, phrases, genres and matrix, byte for
    byte."""
    import corpora.ingest
    import topics.spark.text
    from topics.pipeline import run
    from topics.stages import load_dtm

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpora.ingest, "BATCH", 40)  # row groups of ~40 cables
        store = CorpusStore.ingest([corpus], tmp_path / "store", n_jobs=1)
    n_groups = pq.ParquetFile(str(next(store.path.glob("cables*.parquet")))).num_row_groups
    assert n_groups >= 6
    base = {"corpus": {"store": str(store.path)}, "model": {"n_topics": 4},
            "evaluation": {"coherence": False}, "report": {"events": False}}
    with pytest.MonkeyPatch.context() as mp:
        # 2 tasks a pass (1 a core), so each takes ~n_groups / 2 row groups
        mp.setattr(topics.spark.text, "TASKS_PER_CORE", 1)
        run(RunConfig.from_dict({**base, "backend": {"engine": "spark", "master": MASTER}}),
            tmp_path / "spark", until="vectorize")
    run(RunConfig.from_dict(base), tmp_path / "local", until="vectorize")
    for name in ("tokens.parquet", "token_vocab.parquet"):
        assert pq.read_table(tmp_path / "spark" / name).equals(
            pq.read_table(tmp_path / "local" / name)), name
    for name in ("phrases.json", "genres.json"):
        assert json.loads((tmp_path / "spark" / name).read_text()) == \
            json.loads((tmp_path / "local" / name).read_text()), name
    s_dtm, l_dtm = load_dtm(tmp_path / "spark" / "dtm"), load_dtm(tmp_path / "local" / "dtm")
    assert s_dtm.vocabulary.terms == l_dtm.vocabulary.terms and s_dtm.refs == l_dtm.refs
    assert (s_dtm.matrix != l_dtm.matrix).nnz == 0
