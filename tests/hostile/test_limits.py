"""Items 1-4: no single file hangs a reader or takes unbounded memory."""

from __future__ import annotations

import gzip
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from corpora.read import detect_format, read_cables, read_file
from tests.hostile.conftest import SEED_CABLE, run_python


def _records(path):
    return list(read_file(str(path)))


def test_item1_sniffing_blank_lines_is_linear(tmp_path, seed_text):
    """16 KB of blank lines before a cable cost ~12 s in format sniffing (quadratic regex);
    a file of 1M newlines took 14 s to be rejected."""
    f = tmp_path / "blank.txt"
    f.write_bytes(b"\n" * 16384 + seed_text.encode("latin-1"))
    t0 = time.perf_counter()
    assert detect_format(str(f), f.read_bytes()[:65536]) == "raw"
    assert time.perf_counter() - t0 < 1.0
    g = tmp_path / "newlines.txt"
    g.write_bytes(b"\n" * 1_000_000)
    t0 = time.perf_counter()
    records = _records(g)
    assert time.perf_counter() - t0 < 5.0
    assert len(records) == 1 and not hasattr(records[0], "ref")


def test_item1_blank_line_runs_inside_a_cable_are_linear(tmp_path, seed_text):
    """4,000 blank lines inside a cable took 296 s to clean (cubic); 8,000 never ended.
    Run in a child process: a regression hangs the child, not the suite."""
    lines = seed_text.split("\n")
    mid = len(lines) // 2
    for n in (4000, 16000):
        f = tmp_path / f"blank{n}.txt"
        f.write_text("\n".join(lines[:mid] + [""] * n + lines[mid:]), encoding="latin-1")
    code = (f"import time; from corpora.read import read_file\n"
            f"for n in (4000, 16000):\n"
            f"    t = time.perf_counter()\n"
            f"    recs = list(read_file({str(tmp_path)!r} + f'/blank{{n}}.txt'))\n"
            f"    print(n, type(recs[0]).__name__, round(time.perf_counter() - t, 2))\n")
    done = run_python(code, timeout=60)
    assert done.returncode == 0, done.stderr[-1000:]
    rows = [line.split() for line in done.stdout.split("\n") if line.strip()]
    assert [r[:2] for r in rows] == [["4000", "Cable"], ["16000", "Cable"]]
    assert all(float(r[2]) < 5 for r in rows), rows


def test_item2_single_line_file_is_one_bounded_reject(tmp_path):
    """A 200 MB single-line file took 190 s and 4.3 GB (raw reader) to become one reject."""
    f = tmp_path / "one-line.txt"
    with open(f, "wb") as fh:
        fh.write(b"SUBJECT: x ")
        block = b"A" * (1 << 20)
        for _ in range(24):
            fh.write(block)
    tracemalloc.start()
    t0 = time.perf_counter()
    records = _records(f)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(records) == 1 and "line too long" in records[0].reason, records
    assert records[0].field == "body"
    assert peak < 12 << 20, f"peak {peak / 2**20:.0f} MiB for a 24 MiB line"
    assert seconds < 20


def test_item2_jsonl_cable_over_the_record_limit_is_rejected(tmp_path, seed_text):
    """The JSON Lines reader accepted a 200 MB "cable" (here 20 MiB, over the 16 MiB limit)."""
    import json

    f = tmp_path / "big.jsonl"
    good = json.dumps({"reference_id": "03SEOUL1", "date_time": "2003-01-06 23:41",
                       "body": seed_text})
    big = json.dumps({"reference_id": "03SEOUL2", "date_time": "2003-01-06 23:41",
                      "body": seed_text + "x" * (20 << 20)})
    f.write_text(good + "\n" + big + "\n" + good.replace("SEOUL1", "SEOUL3") + "\n")
    records = _records(f)
    assert [type(r).__name__ for r in records] == ["Cable", "Reject", "Cable"]
    assert "record too large" in records[1].reason and "line 2" in records[1].source.locator


def test_item2_tags_over_the_limit_are_a_reject(tmp_path, seed_text):
    """A 1 MB TAGS value made a run peak at 5.4 GB: TAGS count and length are bounded."""
    many = seed_text.replace("TAGS: PGOV KDEM KS", "TAGS: " + " ".join(
        f"K{chr(65 + i % 26)}{chr(65 + i // 26 % 26)}{chr(65 + i // 676)}" for i in range(400)))
    long = seed_text.replace("TAGS: PGOV KDEM KS", "TAGS: PGOV " + "X" * 300)
    for name, text in (("many.txt", many), ("long.txt", long)):
        (tmp_path / name).write_text(text, encoding="latin-1")
        records = _records(tmp_path / name)
        assert len(records) == 1 and records[0].field == "tags", (name, records)
        assert "corpora.limits" in records[0].reason


def _bomb_member(fh, n_mib: int) -> None:
    fh.write(SEED_CABLE.read_bytes())
    line = b"THE AMBASSADOR MET THE MINISTER TODAY ABOUT TRADE AND SECURITY MATTERS.\n"
    block = line * ((1 << 20) // len(line))
    for _ in range(n_mib):
        fh.write(block)


def test_item3_zip_member_expansion_is_bounded(tmp_path):
    """A 10 MB zip whose member looks like a cable reached 3.7 GB before MemoryError."""
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("a-good.txt", SEED_CABLE.read_bytes())
        with zf.open("b-bomb.txt", "w") as fh:
            _bomb_member(fh, 160)
    assert z.stat().st_size < 2 << 20
    records = _records(z)
    kinds = [type(r).__name__ for r in records]
    assert kinds[0] == "Cable" and kinds[-1] == "Reject", kinds
    assert records[-1].field == "size" and "expands past" in records[-1].reason


def test_item3_gzip_expansion_is_bounded(tmp_path):
    g = tmp_path / "bomb.txt.gz"
    with gzip.open(g, "wb", compresslevel=9) as fh:
        _bomb_member(fh, 160)
    records = _records(g)
    assert records[-1].field == "size" and "expands past" in records[-1].reason, records


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_item4_fifo_devices_and_outside_symlinks_are_skipped(tmp_path):
    """A symlink to /dev/zero was read until memory ran out; a FIFO blocked forever."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_bytes(SEED_CABLE.read_bytes())
    os.symlink("/dev/zero", src / "zero.txt")
    os.mkfifo(src / "pipe.txt")
    outside = tmp_path / "outside.txt"
    outside.write_bytes(SEED_CABLE.read_bytes().replace(b"SEOUL 000001", b"SEOUL 000002"))
    os.symlink(outside, src / "link.txt")
    out = tmp_path / "store"
    code = (
        "import json; from corpora.store import CorpusStore; "
        f"s = CorpusStore.ingest([{str(src)!r}], {str(out)!r}, n_jobs=1); "
        "print(json.dumps([len(s), s.rejects()]))"
    )
    proc = run_python(code, timeout=60, env={"PYTHONMALLOC": "malloc"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    n, rejects = __import__("json").loads(proc.stdout.strip().splitlines()[-1])
    assert n == 1
    reasons = {Path(r["path"]).name: r["reason"] for r in rejects}
    assert "FIFO" in reasons["pipe.txt"]
    assert "zero.txt" in reasons and "link.txt" in reasons
    assert "symlink leaving the source folder" in reasons["link.txt"]
    # with the explicit option, the outside file is read; devices never are
    cables = list(read_cables(src, follow_symlinks=True))
    names = {Path(c.source.path).name: type(c).__name__ for c in cables}
    assert names["link.txt"] == "Cable" and names["zero.txt"] == "Reject"
