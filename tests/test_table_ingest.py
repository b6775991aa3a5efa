"""Your own corpus as a table (issue 13, item 8): CSV / TSV / JSON Lines / Parquet files and
pandas DataFrames with a column mapping, from the CLI and the API; bad rows are rejects
naming file, row and field; a missing column is a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpora.cable import Cable, Reject
from corpora.read import read_cables
from corpora.read.table import parse_columns, read_frame
from corpora.store import CorpusStore

ROOT = Path(__file__).resolve().parents[1]
PROSE = ("The harbour commission met on Tuesday to discuss the new fishing quotas for the "
         "northern coast. Members of the council argued that the herring catch had fallen "
         "for three years in a row and asked the ministry for a survey.")
SEED_CABLE = ROOT / "corpora" / "data" / "sample" / "cables" / "2003" / "01" / "03SEOUL1.txt"


def _csv(path: Path, rows: list[list[str]], tail: str = "") -> Path:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue() + tail, encoding="utf-8")
    return path


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from topics.cli import main; "
                           "sys.exit(main())", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, check=False)


def test_cli_ingests_a_csv_with_a_column_mapping_and_rejects_bad_rows(tmp_path):
    cable = SEED_CABLE.read_text(encoding="latin-1")
    rows = [["doc_id", "text", "sent", "keywords", "from"],
            ["L-1", PROSE, "1998-04-02", "FISH;TRADE", "Harbour office"],
            ["L-2", PROSE.replace("herring", "cod"), "1998-05-17T10:30:00+02:00", "", ""],
            ["", PROSE.replace("herring", "salmon"), "1999-01-01", "", ""],   # no id
            ["L-4", PROSE, "next tuesday", "", ""],                           # bad date
            ["L-5", "   ", "1998-01-01", "", ""],                             # no text
            ["03SEOUL1", cable, "", "", ""]]                                  # a cable's text
    src = _csv(tmp_path / "letters.csv", rows, tail='L-7,"cut short')
    out = tmp_path / "store"
    done = _cli("ingest", str(src), "--out", str(out),
                "--columns", "ref=doc_id,body=text,date=sent,tags=keywords,origin=from")
    assert done.returncode == 0, done.stderr
    store = CorpusStore(out)
    df = store.to_pandas().set_index("ref")
    assert {"L-1", "L-2", "03SEOUL1"} <= set(df.index) and len(df) == 4
    noref = [r for r in df.index if r.startswith("NOREF-")]
    assert len(noref) == 1 and "salmon" in df.loc[noref[0], "body"]
    assert df.loc["L-1", "date"] == datetime(1998, 4, 2, tzinfo=UTC)
    assert df.loc["L-2", "date"] == datetime(1998, 5, 17, 8, 30, tzinfo=UTC)
    assert list(df.loc["L-1", "tags"]) == ["FISH", "TRADE"]
    assert df.loc["L-1", "origin"] == "Harbour office"
    assert "herring catch" in df.loc["L-1", "body"]
    # the cable's own header is read (the container has no date for it)
    assert df.loc["03SEOUL1", "date"].year == 2003 and df.loc["03SEOUL1", "subject"]
    rejects = {r["locator"].split(" (")[0]: r for r in store.rejects()}
    assert rejects["row 4"]["locator"] == "row 4 (line 5)"
    assert rejects["row 4"]["field"] == "date"
    assert "next tuesday" in rejects["row 4"]["reason"]
    assert rejects["row 5"]["field"] == "body"
    assert "truncated CSV" in rejects["row 7"]["reason"]
    assert all(str(src) in r["reason"] or r["path"] == str(src) for r in rejects.values())
    assert len(rejects) == 3
    # the mapping is recorded: the same files with another mapping are read again
    manifest = json.loads((out / "manifest.json").read_text())
    assert json.loads(manifest["sources"][0]["format_asked"].split(":", 1)[1])["ref"] == "doc_id"


def test_missing_column_and_bad_mapping_are_clear(tmp_path):
    src = _csv(tmp_path / "a.csv", [["id", "body"], ["1", PROSE]])
    done = _cli("ingest", str(src), "--out", str(tmp_path / "s"), "--columns", "ref=doc_id,body=body")
    assert done.returncode == 1  # nothing stored
    rej = CorpusStore(tmp_path / "s").rejects()
    assert len(rej) == 1 and rej[0]["field"] == "columns"
    assert "missing column: 'doc_id' (for ref)" in rej[0]["reason"]
    assert "'id', 'body'" in rej[0]["reason"] and str(src) in rej[0]["reason"]
    done = _cli("ingest", str(src), "--out", str(tmp_path / "t"), "--columns", "ref=id,txt=body")
    assert done.returncode == 2 and "unknown field 'txt'" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    with pytest.raises(ValueError, match="no column for 'body'"):
        parse_columns("ref=id")


def test_dataframe_ingest_from_python(tmp_path):
    frame = pd.DataFrame({
        "doc": ["a1", "a2", "a3"],
        "content": [PROSE, PROSE.replace("herring", "tuna"), PROSE],
        "when": pd.to_datetime(["2001-02-03", "2001-03-04", None]),
        "labels": [["FISH", "ECON"], [], ["X"]],
        "sender": ["Harbour office", None, "=HYPERLINK(1)"],
    }, index=["x", "y", "z"])
    cols = {"ref": "doc", "body": "content", "date": "when", "tags": "labels",
            "origin": "sender"}
    store = CorpusStore.ingest_frame(frame, tmp_path / "store", cols, name="letters")
    df = store.to_pandas().set_index("ref")
    assert list(df.index) == ["a1", "a2", "a3"]
    assert df.loc["a1", "date"] == datetime(2001, 2, 3, tzinfo=UTC)
    assert pd.isna(df.loc["a3", "date"]) and list(df.loc["a1", "tags"]) == ["FISH", "ECON"]
    assert df.loc["a3", "origin"] == "=HYPERLINK(1)"  # stored as given; CSV exports quote it
    with pytest.raises(ValueError, match=r"missing column: 'body_text' \(for body\).*'doc'"):
        CorpusStore.ingest_frame(frame, tmp_path / "s2", {"body": "body_text"})
    bad = frame.assign(when=["2001-02-03", "not a date", "9999-12-31T23:00:00-05:00"])
    records = list(read_frame(bad, cols, name="letters"))
    assert isinstance(records[0], Cable)
    assert [(r.source.locator, r.field) for r in records[1:]] == [
        ("row 2 (index 'y')", "date"), ("row 3 (index 'z')", "date")]
    assert "letters row 2 (index 'y')" in records[1].reason


def test_parquet_and_jsonl_tables(tmp_path):
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": [PROSE, ""],
                             "day": [datetime(2005, 1, 1), datetime(2005, 1, 2)]}),
                   tmp_path / "t.parquet")
    (tmp_path / "t.jsonl").write_text(
        json.dumps({"key": "j1", "words": PROSE, "d": "2006-06-06"}) + "\n"
        + "[1, 2]\n" + json.dumps({"key": "j3", "words": PROSE, "d": "2006-06-07"}) + "\n")
    got = list(read_cables([tmp_path / "t.parquet"], columns="ref=id,body=text,date=day"))
    assert [type(r).__name__ for r in got] == ["Cable", "Reject"]
    assert got[0].date == datetime(2005, 1, 1, tzinfo=UTC)
    assert (got[1].source.locator, got[1].field) == ("row 2", "body")
    got = list(read_cables([tmp_path / "t.jsonl"], columns={"ref": "key", "body": "words",
                                                           "date": "d"}))
    assert [r.ref if isinstance(r, Cable) else r.source.locator for r in got] == [
        "j1", "line 2", "j3"]
    # default mapping: columns named like the fields ("text" for the body)
    got = list(read_cables([tmp_path / "t.parquet"], format="table"))
    assert isinstance(got[0], Cable) and got[0].date is None
    assert isinstance(got[1], Reject)


def test_run_config_reads_tables(tmp_path):
    from topics.config import ConfigError, RunConfig
    from topics.pipeline import run

    src = _csv(tmp_path / "a.csv", [["id", "words", "day"], ["a1", PROSE, "2001-01-01"],
                                    ["a2", PROSE.replace("herring", "cod"), "2001-01-02"]])
    data = {"corpus": {"sources": [str(src)],
                       "columns": {"ref": "id", "body": "words", "date": "day"}}}
    cfg = RunConfig.from_dict(data)
    again = RunConfig.from_dict(__import__("tomllib").loads(cfg.to_toml()))
    assert again.corpus.columns == cfg.corpus.columns
    run(cfg, tmp_path / "run", until="ingest")
    assert sorted(CorpusStore(tmp_path / "run" / "store").to_pandas()["ref"]) == ["a1", "a2"]
    bad = {"corpus": {"sources": [str(src)], "columns": {"ref": "id", "text": "words"}}}
    with pytest.raises(ConfigError, match=r"\[corpus\] columns: unknown field 'text'"):
        RunConfig.from_dict(bad)
    bad = {"corpus": {"sources": [str(src)], "format": "jsonl", "columns": {"body": "w"}}}
    with pytest.raises(ConfigError, match="reads tables"):
        RunConfig.from_dict(bad)


def test_an_archive_is_not_read_as_a_table(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "t.zip", "w") as zf:
        zf.writestr("t.csv", "id,text\n1,hello there\n")
    got = list(read_cables([tmp_path / "t.zip"], format="table"))
    assert len(got) == 1 and isinstance(got[0], Reject) and "unpack it" in got[0].reason
