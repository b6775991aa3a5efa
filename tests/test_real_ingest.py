"""Real cables from ../shared/data: ingest everything, check against the page metadata and
across formats. Skipped with a reason when ../shared is absent."""

from __future__ import annotations

import csv
import html
import re
import zipfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from benchmarks.fidelity import page_words
from corpora.cable import Cable, Reject
from corpora.read import iter_files, read_cables
from corpora.store import CorpusStore

pytestmark = pytest.mark.real


def _sources(shared_data: Path) -> list[Path]:
    """Every entry of the shared data folder but the dev corpus (cablegate-dev)."""
    return sorted(p for p in shared_data.iterdir() if p.name != "cablegate-dev")


@pytest.fixture(scope="module")
def ingested(shared_data, tmp_path_factory):
    """The whole shared data folder ingested once (about 25 s on one core), but for the
    4,000-page dev corpus: `test_real_dev` ingests that one on its own."""
    out = tmp_path_factory.mktemp("real") / "store"
    store = CorpusStore.ingest(_sources(shared_data), out=out)
    # every record of every file, winners and duplicates alike, from the reader itself
    return store


@pytest.fixture(scope="module")
def html_records(shared_data):
    recs = {}
    for rec in read_cables(shared_data / "cablegate-html"):
        if not rec.source.path.endswith(".html"):
            continue  # MANIFEST.csv, SOURCE.md
        recs[Path(rec.source.path).relative_to(shared_data / "cablegate-html").as_posix()] = rec
    return recs


def test_ingest_everything_without_crash(ingested, shared_data):
    m = ingested.manifest
    files = [f for src in _sources(shared_data) for f in iter_files(src)]
    assert len(m["sources"]) == len(files)
    # every file gave at least one record or a reject with a reason
    assert all(f["read"] >= 1 for f in m["sources"])
    assert all(r["reason"] and r["path"] for r in ingested.rejects())
    c = m["counts"]
    assert c["read"] == c["rejected"] + c["kept"] + c["duplicate"]
    print("real ingest counts:", c, "rejects:", ingested.summary()["rejects_by_reason"])
    # documentation and metadata tables are rejected as such, never taken for cables
    not_cables = {Path(r["path"]).name for r in ingested.rejects() if r["field"] == "format"}
    assert "SOURCE.md" in not_cables and "route2name.csv" in not_cables
    formats = {fmt for f in m["sources"] for fmt in (f["format"] or "").split(",") if fmt}
    assert formats - {"archive"} == {"cablegate-html", "cablegate-csv", "jsonl", "raw", "alx", "plusd", "frus"}
    # 446 distinct HTML cables, 14 raw, 2 PlusD, 2 FRUS, 1 alx; CSV and JSONL overlap HTML
    assert len(ingested) >= 446 + 14 + 2 + 2 + 1 + 219 - 21 - 6


def test_html_pages_agree_with_the_manifest(html_records, shared_data):
    with open(shared_data / "cablegate-html" / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(html_records) == 456
    agree: dict[str, int] = defaultdict(int)
    parsed = [r for r in rows if isinstance(html_records[r["file"]], Cable)]
    for row in parsed:
        rec = html_records[row["file"]]
        created = datetime.strptime(row["created"], "%Y-%m-%d %H:%M")
        agree["ref"] += rec.ref == row["refid"]
        agree["created"] += rec.date.replace(tzinfo=None) == created
        agree["classification"] += rec.classification == row["classification"]
        agree["origin"] += rec.origin == row["origin"]
    # the requirement: each field agrees on >= 99% of ALL pages (a reject counts as a
    # disagreement); only truly truncated pages (08JAKARTA1532, one 10MADRID49 copy whose
    # <pre> ends in "Classified By: A...") may be rejected
    rates = {k: agree[k] / len(rows) for k in ("ref", "created", "classification", "origin")}
    print(f"HTML vs MANIFEST over all {len(rows)} pages ({len(parsed)} parsed):", rates)
    rejected = sorted(Path(r["file"]).name for r in rows if r not in parsed)
    # a page may be rejected only when it has no prose of its own (a cut-off preview, or
    # another cable's record), and the reason must say so; the page itself confirms it
    for row in rows:
        if row in parsed:
            continue
        rej = html_records[row["file"]]
        assert "cable has no prose" in rej.reason, (row["file"], rej.reason)
        text = (shared_data / "cablegate-html" / row["file"]).read_text(encoding="utf-8",
                                                                        errors="replace")
        body = text[text.rfind("<pre"):]
        assert len(page_words(html.unescape(re.sub(r"<[^>]+>", " ", body)))) < 150, row["file"]
    assert len(rejected) <= 5, rejected
    assert all(rate >= 0.99 for rate in rates.values()), rates


def test_malformed_reference_id_is_kept_as_published(html_records):
    rec = html_records["MarkChips+cablegate-search-app/test-set/1975/11/7575LIBREVILLE1895.html"]
    assert isinstance(rec, Cable)
    assert rec.ref == "7575LIBREVILLE1895"
    assert rec.date.year == 1975
    assert any("looks malformed" in n for n in rec.notes)


def _by_ref(store: CorpusStore, fmt: str) -> dict[str, Cable]:
    out = {}
    for cable in store.iter_cables():
        if cable.source.format == fmt:
            out[cable.ref] = cable
    return out


def test_csv_and_html_agree_on_shared_cables(shared_data):
    csv_recs = {r.ref: r for r in read_cables(shared_data / "cablegate-csv")
                if isinstance(r, Cable)}
    html = {r.ref: r for r in read_cables(shared_data / "cablegate-html" /
                                          "MarkChips+cablegate-search-app")
            if isinstance(r, Cable)}
    for ref in ("66BUENOSAIRES2481", "72TEHRAN1164"):
        a, b = csv_recs[ref], html[ref]
        assert (a.ref, a.date, a.origin, a.classification) == (
            b.ref, b.date, b.origin, b.classification)
        assert a.tags == b.tags and a.subject == b.subject


def test_jsonl_and_html_agree_on_shared_cables(shared_data, html_records):
    jsonl = {r.ref: r for r in read_cables(shared_data / "cablegate-jsonl")
             if isinstance(r, Cable)}
    assert len(jsonl) == 219
    html = {r.ref: r for r in html_records.values() if isinstance(r, Cable)}
    shared = sorted(set(jsonl) & set(html))
    assert len(shared) == 21
    fields = ("ref", "date", "origin", "classification", "tags", "subject")
    agree = {f: sum(getattr(jsonl[r], f) == getattr(html[r], f) for r in shared)
             for f in fields}
    print("JSONL vs HTML agreement on 21 shared cables:", agree)
    for f in ("ref", "origin", "classification"):
        assert agree[f] == 21, f
    # The JSONL dump's own date_time differs from the DTG for 66BUENOSAIRES2481 (18:06 vs
    # 281848Z) and 72TEHRAN1164 (09:09 vs 09:30): a difference in the source data, where the
    # container's value is kept. Same day everywhere.
    assert agree["date"] >= 19
    assert all(jsonl[r].date.date() == html[r].date.date() for r in shared)
    # Subjects whose wrapped line end the dump deleted (07DUBAI355, 09BERLIN1609) keep their
    # last words. 10SANAA4's TAGS read "SAAE" where a deleted line break ran SA and AE
    # together; it is kept as written (real tags such as KSCA, KGIC or ENGY have the same
    # shape as two country codes run together).
    assert agree["tags"] >= 20 and agree["subject"] == 21, agree


def test_glued_page_breaks_keep_the_words_around_them(shared_data):
    # The JSON Lines dump lost its newlines, gluing page-break lines to the words on both
    # sides ("a seasonedAnkara 00001091 002 of 002politician") or to capitals before them
    # ("WITH SENATOR LIEBERMAN  DUBAI 00000355"): only the page break may go.
    jsonl = {r.ref: r for r in read_cables(shared_data / "cablegate-jsonl")
             if isinstance(r, Cable)}
    expected = {
        "07ANKARA1091": "a seasoned politician and operator",
        "07BERLIN802": "After success in Washington, Merkel can count",
        "06MOSCOW9533": "before the wedding, but there was a",
        "09BEIJING2494": "cease uranium enrichment activities",
    }
    for ref, phrase in expected.items():
        assert phrase in jsonl[ref].body, ref
    assert jsonl["07BAGHDAD3895"].subject.endswith("NEGOTIATING STYLE, TACTICS")
    page_break = re.compile(r"\d{8}\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}", re.I)
    assert [r for r, c in jsonl.items() if page_break.search(c.body)] == []


def test_no_boilerplate_survives_in_bodies(ingested):
    clean = pytest.importorskip("corpora.clean")
    patterns = clean.BOILERPLATE_PATTERNS
    hits = []
    for cable in ingested.iter_cables():
        for pat in patterns:
            m = pat.search(cable.body)
            if m:
                hits.append((cable.ref, pat.pattern[:40], m.group(0)[:60]))
    assert hits == []


def test_bad_containers_are_rejected_and_the_rest_ingested(shared_data, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    good_csv = (shared_data / "cablegate-csv" / "cables_sample.csv").read_bytes()
    (src / "bad.csv").write_bytes(good_csv + b'"3","1/1/1970 00:00","70X1"\n')
    raw_dir = shared_data / "cablegate-rawtext"
    with zipfile.ZipFile(src / "evil.zip", "w") as zf:
        zf.writestr("../../x", (raw_dir / "07BOGOTA1165.txt").read_bytes())
        zf.writestr("good/07KINGSTON382.txt", (raw_dir / "07KINGSTON382.txt").read_bytes())
    (src / "empty-page.html").write_text(
        "<html><head><title>Cable Viewer</title></head><body><p>Not found</p></body></html>"
    )
    store = CorpusStore.ingest([src], out=tmp_path / "store")
    assert sorted(c.ref for c in store.iter_cables()) == [
        "07KINGSTON382", "66BUENOSAIRES2481", "72TEHRAN1164"]
    reasons = {Path(r["path"]).name: r["reason"] for r in store.rejects()}
    assert "wrong column count" in reasons["bad.csv"] and "row 3" in reasons["bad.csv"]
    assert "unsafe member name" in reasons["evil.zip"]
    assert "no cable on page" in reasons["empty-page.html"]
    assert not (tmp_path / "x").exists() and not (tmp_path.parent / "x").exists()
    records = list(read_cables(src / "evil.zip"))
    assert isinstance(records[0], Reject) and records[0].source.locator == "member ../../x"
