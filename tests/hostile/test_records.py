"""Items 5-6: one bad record costs one reject, never the ingest or a later fit."""

from __future__ import annotations

import json

import pytest

from corpora.read import read_file
from corpora.store import CorpusStore
from tests.hostile.conftest import N_SAMPLE, SAMPLE, frus_doc, jsonl_cable, run_python, sample_refs


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory, seed_text):
    """One file per per-record failure seen on the old code, each beside good records."""
    d = tmp_path_factory.mktemp("bad")
    (d / "overflow.jsonl").write_text(
        jsonl_cable("03BADDATE1", "9999-12-31T23:00:00-05:00")
        + jsonl_cable("03GOODJSON1", "2003-01-06 23:41"))
    (d / "frus-9999.xml").write_text(frus_doc("d1", date="9999-12-31T23:00:00-05:00"))
    (d / "frus-0001.xml").write_text(frus_doc("d2", date="0001-01-01T01:00:00+05:00"))
    (d / "frus-deep.xml").write_text(frus_doc("d3", depth=1500))
    (d / "deep.jsonl").write_text('{"body": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
                                  + jsonl_cable("03GOODJSON2", "2003-01-06 23:41"))
    return d


def test_item5_bad_records_cost_one_reject_each_and_every_good_cable_is_stored(
        tmp_path, bad_files):
    """OverflowError dates and RecursionError nesting aborted the whole ingest (no good
    cable stored, a traceback naming no file)."""
    code = (
        "import json; from corpora.store import CorpusStore; "
        f"s = CorpusStore.ingest([{str(SAMPLE)!r}, {str(bad_files)!r}], "
        f"{str(tmp_path / 'store')!r}, n_jobs=1); "
        "print(json.dumps([sorted(s.to_pandas(columns=['ref'])['ref']), s.rejects()]))"
    )
    proc = run_python(code, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    refs, rejects = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sample_refs() <= set(refs) and len(sample_refs()) == N_SAMPLE
    assert {"03GOODJSON1", "03GOODJSON2"} <= set(refs)
    by_file = {}
    for r in rejects:
        by_file.setdefault(r["path"].rsplit("/", 1)[-1], []).append(r)
    bad = by_file["overflow.jsonl"][0]
    assert bad["field"] == "date" and bad["locator"] == "line 1" and "overflow.jsonl" in \
        bad["reason"]
    deep = by_file["frus-deep.xml"][0]
    assert "nested too deep" in deep["reason"] and "frus-deep.xml" in deep["reason"]
    assert "deep.jsonl" in by_file and by_file["deep.jsonl"][0]["locator"] == "line 1"
    # FRUS documents whose dates overflow in UTC are kept, without a date
    assert {"frus1977-80v99-d1", "frus1977-80v99-d2"} <= set(refs)


def test_item6_cable_without_a_ref_gets_a_stable_synthetic_ref(tmp_path, seed_text):
    """A cable whose DTG could not be read was stored with no ref; every fit then crashed
    (``TypeError: build_dtm: ref 400 must be a str``)."""
    text = (seed_text.replace("DE RUEHUL #0001/01 0062341\n", "")
            .replace("SECTION 01 OF 03 SEOUL 000001", "")
            .replace("R 062341Z JAN 03", "R 9999Z XYZ 03"))
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "noref.txt").write_text(text, encoding="latin-1")
    refs = [next(iter(read_file(str(tmp_path / n / "noref.txt")))).ref for n in ("a", "b")]
    assert refs[0] == refs[1] and refs[0].startswith("NOREF-")
    store = CorpusStore.ingest([SAMPLE, tmp_path / "a"], tmp_path / "store", n_jobs=1)
    df = store.to_pandas(columns=["ref", "notes"])
    assert df["ref"].notna().all() and len(df) == N_SAMPLE + 1
    note = df.loc[df["ref"] == refs[0], "notes"].iloc[0]
    assert any("synthetic ref" in n for n in note)
    from topics.vectorize import build_dtm

    dtm = build_dtm([["trade"]] * len(df), list(df["ref"]), min_df=1, max_df=1.0)
    assert dtm.n_docs == len(df)


def test_item6_truncated_csv_row_is_rejected(tmp_path, seed_text):
    """A truncated CSV (unterminated quote in the last row) kept the half cable silently."""
    body = seed_text.replace('"', "'")
    row = '"{n}","1/6/2003 23:41","03SEOUL{n}","Embassy Seoul","CONFIDENTIAL","","","{b}"\n'
    full = row.format(n=1, b=body) + row.format(n=2, b=body)
    f = tmp_path / "cables.csv"
    f.write_text(full[: len(full) - len(body) // 2], encoding="utf-8")
    records = list(read_file(str(f)))
    assert [type(r).__name__ for r in records] == ["Cable", "Reject"], records
    assert "truncated CSV" in records[1].reason and records[1].field == "body"
    f.write_text(full, encoding="utf-8")
    assert [type(r).__name__ for r in read_file(str(f))] == ["Cable", "Cable"]
