"""The real tier: the 4,000 Cablegate pages of ``../shared/data/cablegate-dev`` ingested
whole, each stored cable compared with its own page (`benchmarks.fidelity`). Skipped with a
reason when ``../shared`` is absent. ``python -m benchmarks fidelity`` prints the same
comparison as a table."""

from __future__ import annotations

import pytest

from benchmarks.fidelity import (
    LEFTOVERS,
    compare,
    page_words,
    read_manifest,
    read_pages,
)
from corpora.store import CorpusStore

pytestmark = [pytest.mark.real, pytest.mark.slow]


@pytest.fixture(scope="module")
def dev(shared_data):
    folder = shared_data / "cablegate-dev"
    if not (folder / "cables-4000.zip").exists():
        pytest.skip(f"{folder}/cables-4000.zip is absent")
    return folder


@pytest.fixture(scope="module")
def report(dev, tmp_path_factory):
    """The zip ingested as it is (2 workers) and compared page by page."""
    store = CorpusStore.ingest([dev / "cables-4000.zip"], out=tmp_path_factory.mktemp("dev") / "s",
                               n_jobs=2)
    table = store.to_pandas()
    records = {}
    for row in table.to_dict("records"):
        row["date"] = row["date"].to_pydatetime() if row["date"] is not None else None
        for key in ("tags", "references"):
            row[key] = list(row[key]) if row[key] is not None else None
        for key in ("subject", "classified_by", "reasons", "body"):
            row[key] = row[key] if isinstance(row[key], str) else None
        records[row["ref"]] = row
    rejects = {}
    for rej in store.rejects():
        for key in str(rej.get("locator") or "").split()[1:]:
            rejects[key.removesuffix(".html").rsplit("/", 1)[-1]] = rej["reason"]
    manifest = read_manifest(dev / "MANIFEST.csv")
    rep = compare(read_pages(dev / "cables-4000.zip", manifest), records, rejects)
    for row in rep.rows():
        print(" | ".join(str(c) for c in row))
    return rep, store, manifest


def test_every_page_is_read(report):
    rep, store, manifest = report
    assert rep.pages == len(manifest) == 4000
    assert store.manifest["counts"]["read"] == 4000
    assert rep.records + sum(rep.rejects.values()) == rep.pages


def test_only_pages_without_prose_are_rejected(report, dev):
    rep, store, manifest = report
    reasons = {r for r in rep.rejects}
    assert all(r.startswith("cable has no prose") for r in reasons), reasons
    rejected = {ref for refs in rep.reject_refs.values() for ref in refs}
    assert len(rejected) < 0.01 * rep.pages
    for page in read_pages(dev / "cables-4000.zip", manifest):
        if page.row["ref"] in rejected:
            # a cut-off preview or another cable's record: a few dozen words at most
            assert len(page_words(page.body, page.row["ref"])) < 400, page.row["ref"]


def test_fields_agree_with_the_pages(report):
    rep, _, _ = report
    for name in ("created", "classification", "origin"):
        assert rep.rate_stored(name) >= 0.995, (name, rep.disagree_refs.get(name, [])[:10])
    # the TAGS line and the lines that continue it (the site linked only the first line)
    assert rep.rate_stored("tags (line + continuation)") >= 0.99


def test_no_boilerplate_left_in_bodies(report):
    rep, _, _ = report
    for name in ("page-break line", "SIPDIS", "end-of-cable marker"):
        assert rep.leftovers[name] == 0, (name, rep.leftover_refs.get(name))
    # E.O./TAGS/Classified By/routing in a handful of bodies where a mirror glued another
    # copy of the header into the text (see docs/fidelity.md); never more than 0.2%
    for name in LEFTOVERS:
        assert rep.leftovers[name] <= 0.002 * rep.records, (name, rep.leftover_refs.get(name))


def test_words_of_marked_paragraphs_are_kept(report):
    rep, _, _ = report
    assert rep.words_lost <= 0.002 * rep.words_compared, rep.words_lost
    assert len(rep.lost_cables) <= 0.003 * rep.records, sorted(rep.lost_cables)
