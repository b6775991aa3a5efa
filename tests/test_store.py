"""CorpusStore: ingest, de-duplication, idempotence, append, filters, summary, safety."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpora.cable import Cable
from corpora.read import read_cables
from corpora.store import SCHEMA, CorpusStore, read_bodies
from tests.test_readers import _csv_row, _html_page, _jsonl_line, cable_text


def _page(serial: int, released: str, extra: str = "") -> str:
    page = _html_page(serial).replace("2010-11-30 16:04", released)
    return page.replace("herring", f"{extra}herring") if extra else page


@pytest.fixture
def corpus(tmp_path):
    src = tmp_path / "src"
    (src / "raw").mkdir(parents=True)
    (src / "raw" / "a.txt").write_bytes(
        ("\n" + "".join(cable_text(1)) + "".join(cable_text(2))).encode("latin-1")
    )
    (src / "c.csv").write_text(_csv_row(1, 3) + '"2","x"\n')
    (src / "d.jsonl").write_text(_jsonl_line(4))
    return src


def test_ingest_writes_parquet_rejects_and_manifest(tmp_path, corpus):
    store = CorpusStore.ingest([corpus], out=tmp_path / "store")
    assert len(store) == 4
    assert pq.read_schema(tmp_path / "store" / "cables.parquet").equals(SCHEMA)
    m = store.manifest
    assert m["counts"] == {"read": 5, "rejected": 1, "kept": 4, "duplicate": 0}
    assert {f["format"] for f in m["sources"]} == {"raw", "cablegate-csv", "jsonl"}
    assert all(len(f["sha256"]) == 64 for f in m["sources"])
    assert m["parser_version"] and m["created"]
    (rej,) = store.rejects()
    assert rej["field"] is None and "wrong column count" in rej["reason"]
    assert rej["path"].endswith("c.csv") and rej["locator"].startswith("row 2")
    s = store.summary()
    assert s["by_year"] == {"2009": 4}
    assert s["by_classification"] == {"CONFIDENTIAL": 4}
    assert s["rejects_by_reason"] == {"wrong column count": 1}
    reopened = CorpusStore(tmp_path / "store")
    assert list(reopened.iter_cables()) == list(store.iter_cables())
    assert not [p for p in (tmp_path / "store").iterdir() if ".tmp-" in p.name]


def test_manifest_is_indented_json_with_one_line_a_source(tmp_path, corpus):
    CorpusStore.ingest([corpus], out=tmp_path / "store")
    text = (tmp_path / "store" / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    lines = text.splitlines()
    for src in manifest["sources"]:
        assert json.dumps(src, ensure_ascii=False) in [ln.strip().rstrip(",") for ln in lines]
    assert '  "counts": {' in lines


def test_round_trip_equals_the_reader_output(tmp_path, corpus):
    read = [r for r in read_cables(corpus) if isinstance(r, Cable)]
    store = CorpusStore.ingest([corpus], out=tmp_path / "store")
    assert list(store.iter_cables()) == read
    df = store.to_pandas()
    assert list(df.columns) == list(Cable.field_names())
    assert str(df["date"].dtype) == "datetime64[us, UTC]"


def test_duplicates_newest_release_wins_and_ties_go_to_the_later_source(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "1-old.html").write_text(_page(7, "2010-12-01 10:00", "OLD VERSION. "))
    (src / "2-new.html").write_text(_page(7, "2011-02-01 10:00", "NEW VERSION. "))
    (src / "3-older.html").write_text(_page(7, "2010-11-28 10:00", "OLDEST VERSION. "))
    (src / "4-tie-a.html").write_text(_page(8, "2011-01-01 10:00", "TIE A. "))
    (src / "5-tie-b.html").write_text(_page(8, "2011-01-01 10:00", "TIE B. "))
    store = CorpusStore.ingest([src], out=tmp_path / "store")
    by_ref = {c.ref: c for c in store.iter_cables()}
    assert len(store) == 2
    assert "NEW VERSION" in by_ref["09ZEMBLA7"].body
    assert by_ref["09ZEMBLA7"].released == datetime(2011, 2, 1, 10, tzinfo=UTC)
    assert "TIE B" in by_ref["09ZEMBLA8"].body
    assert store.manifest["counts"]["duplicate"] == 3


def test_ingest_is_idempotent_and_append_keeps_old_records(tmp_path, corpus):
    out = tmp_path / "store"
    first = CorpusStore.ingest([corpus], out=out)
    before = (out / "cables.parquet").read_bytes()
    counts = first.manifest["counts"]
    again = CorpusStore.ingest([corpus], out=out)
    assert again.manifest["counts"] == counts
    assert (out / "cables.parquet").read_bytes() == before
    assert len(again.rejects()) == 1
    more = tmp_path / "more"
    more.mkdir()
    (more / "e.jsonl").write_text(_jsonl_line(5) + _jsonl_line(4))  # 4 is a duplicate
    appended = CorpusStore.ingest([more], out=out)
    assert sorted(c.ref for c in appended.iter_cables()) == [
        f"09ZEMBLA{i}" for i in range(1, 6)
    ]
    assert appended.manifest["counts"] == {"read": 7, "rejected": 1, "kept": 5, "duplicate": 1}
    rebuilt = CorpusStore.ingest([more], out=out, append=False)
    assert len(rebuilt) == 2 and rebuilt.rejects() == []


def test_changed_source_replaces_its_old_records(tmp_path, corpus):
    out = tmp_path / "store"
    CorpusStore.ingest([corpus], out=out)
    (corpus / "d.jsonl").write_text(_jsonl_line(9))
    store = CorpusStore.ingest([corpus], out=out)
    refs = sorted(c.ref for c in store.iter_cables())
    assert refs == ["09ZEMBLA1", "09ZEMBLA2", "09ZEMBLA3", "09ZEMBLA9"]
    assert store.manifest["counts"]["read"] == 5


def test_interrupted_ingest_leaves_the_previous_store_intact(tmp_path, corpus):
    out = tmp_path / "store"
    CorpusStore.ingest([corpus], out=out)
    snapshot = {p.name: p.read_bytes() for p in out.iterdir()}
    more = tmp_path / "more"
    more.mkdir()
    (more / "a.jsonl").write_text(_jsonl_line(20))
    (more / "b.jsonl").write_text(_jsonl_line(21))

    def crash(path, n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        CorpusStore.ingest([more], out=out, progress=crash)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == snapshot
    assert len(CorpusStore(out)) == 4


def test_filters(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [
        json.dumps({"reference_id": f"{yy}ZEMBLA{i}", "origin": origin,
                    "date_time": f"20{yy}-03-0{i} 10:00", "classification": cls,
                    "header": "", "body": "".join(cable_text(i)).replace("PREL ECON", tags)
                    + ("LONG TEXT " * 300 if i == 3 else "")}) + "\n"
        for i, yy, origin, cls, tags in [
            (1, "08", "Embassy Zembla", "CONFIDENTIAL", "PREL ECON"),
            (2, "09", "Embassy Zembla", "SECRET", "EFIS"),
            (3, "09", "Consulate Onhava", "UNCLASSIFIED", "ECON KPAO"),
        ]
    ]
    (src / "f.jsonl").write_text("".join(rows))
    store = CorpusStore.ingest([src], out=tmp_path / "store")

    def refs(**kw):
        return [c.ref for c in store.iter_cables(**kw)]

    assert refs() == ["08ZEMBLA1", "09ZEMBLA2", "09ZEMBLA3"]
    assert refs(date_range=("2009-01-01", "2009-03-02")) == ["09ZEMBLA2"]
    assert refs(date_range=(None, "2008-03-01")) == ["08ZEMBLA1"]
    assert refs(origins=["Consulate Onhava"]) == ["09ZEMBLA3"]
    assert refs(classifications=["SECRET", "CONFIDENTIAL"]) == ["08ZEMBLA1", "09ZEMBLA2"]
    assert refs(tags=["ECON"]) == ["08ZEMBLA1", "09ZEMBLA3"]
    assert refs(tags=["EFIS"], origins=["Embassy Zembla"]) == ["09ZEMBLA2"]
    assert refs(min_length=2000) == ["09ZEMBLA3"]
    assert refs(tags=["NOPE"]) == []
    df = store.to_pandas(columns=["ref", "origin"], origins=["Embassy Zembla"])
    assert df.to_dict("list") == {"ref": ["08ZEMBLA1", "09ZEMBLA2"],
                                  "origin": ["Embassy Zembla", "Embassy Zembla"]}
    # Only the asked columns come back, filtered on columns that were not asked for
    # (the reader fetches those too and drops them).
    for kw in ({"tags": ["ECON"]}, {"min_length": 2000}, {"classifications": ["SECRET"]},
               {"date_range": ("2009-01-01", None), "origins": ["Embassy Zembla"]}):
        got = [b for b in store.iter_batches(columns=["ref"], **kw)]
        assert all(b.schema.names == ["ref"] for b in got)
        assert [r for b in got for r in b.column("ref").to_pylist()] == refs(**kw)
    bodies = read_bodies(store.path, ["09ZEMBLA3", "08ZEMBLA1", "NOT-THERE"])
    assert sorted(bodies) == ["08ZEMBLA1", "09ZEMBLA3"]
    assert bodies["09ZEMBLA3"] == next(store.iter_cables(min_length=2000)).body
    assert read_bodies(store.path, []) == {}
    batches = list(store.iter_batches(batch_size=1))
    assert [b.num_rows for b in batches] == [1, 1, 1]
    assert isinstance(batches[0], pa.RecordBatch)


def test_opening_a_directory_that_is_not_a_store(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a corpus store.*CorpusStore.ingest"):
        CorpusStore(tmp_path)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FileExistsError, match="not a corpus store"):
        CorpusStore.ingest([tmp_path / "notes.txt"], out=tmp_path)
    with pytest.raises(ValueError, match="'format' parameter of CorpusStore.ingest"):
        CorpusStore.ingest([tmp_path], out=tmp_path / "s", format="pdf")


def test_parallel_ingest_gives_the_same_store(tmp_path, corpus, monkeypatch):
    """n_jobs=2 (a worker pool over chunks of small files, big files streamed in the parent)
    writes the same rows, rejects and counts as n_jobs=1, in the same order."""
    import corpora.ingest as ingest_mod
    from corpora.synthetic import generate_corpus

    gen = generate_corpus(tmp_path / "gen", 150, seed=3) / "cables"  # 150 files: 3 chunks
    # a "big" file (over BIG_FILE, read in the parent in BATCH-row flushes) with duplicates
    lines = [_jsonl_line(i % 900) for i in range(1200)]
    (corpus / "big.jsonl").write_text("".join(lines))
    monkeypatch.setattr(ingest_mod, "BIG_FILE", 200_000)
    assert (corpus / "big.jsonl").stat().st_size > ingest_mod.BIG_FILE
    one = CorpusStore.ingest([corpus, gen], out=tmp_path / "one", n_jobs=1)
    two = CorpusStore.ingest([corpus, gen], out=tmp_path / "two", n_jobs=2)
    t1 = pq.read_table(tmp_path / "one" / "cables.parquet")
    t2 = pq.read_table(tmp_path / "two" / "cables.parquet")
    assert t1.num_rows == 150 + 900  # the fixture's 09ZEMBLA1-4 are in big.jsonl too
    assert t1.equals(t2)
    assert one.rejects() == two.rejects() and len(one.rejects()) == 1
    assert one.manifest["counts"] == two.manifest["counts"]
    assert one.manifest["sources"] == two.manifest["sources"]
    assert one.manifest["counts"]["duplicate"] == 1200 - 900 + 4
    # the same rows as the per-record reader gives, through the column-wise batch builder
    first = next(read_cables([gen]))
    assert next(CorpusStore(tmp_path / "two").iter_cables(min_length=0)) is not None
    assert any(c == first for c in two.iter_cables(origins=[first.origin]))
    with pytest.raises(ValueError, match="'n_jobs' parameter"):
        CorpusStore.ingest([corpus], out=tmp_path / "three", n_jobs=0)
