"""Synthetic cable generator and the committed sample corpus."""

from __future__ import annotations

import collections
import csv
import re
from pathlib import Path

import numpy as np
import pytest

from corpora.synthetic import (
    PLANTED_THEMES,
    POSTS,
    generate_corpus,
    iter_synthetic_cables,
    main,
)
from corpora.tags import split_tags, tag_name

SAMPLE = Path(__file__).resolve().parents[1] / "corpora" / "data" / "sample"
SAMPLE_N, SAMPLE_SEED = 400, 0

# Header line shapes, checked against the real seed cable as well as the synthetic ones.
LINE_SHAPES = {
    "start": r"^VZCZC[A-Z]{3}\d{4}\s*$",
    "de": r"^DE RUEH[A-Z]{1,3} #(\d{4})(/\d\d)? \d{7}\s*$",
    "zny": r"^ZN[YR] ([SCU])\1{4} ZZH\s*$",
    "dtg": r"^[RPO] \d{6}Z [A-Z]{3} \d\d\s*$",
    "fm": r"^FM (AMEMBASSY|AMCONSUL) [A-Z ]+?\s*$",
    "to": r"^TO RUEHC/SECSTATE WASHDC( PRIORITY| IMMEDIATE)? \d{4}\s*$",
    "eo": r"^E\.O\. 12958: (N/A|DECL: .+?)\s*$",
    "tags": r"^TAGS: .+$",
    "subject": r"^SUBJECT: .+$",
    "para": r"^¶?1\. (\([A-Z/]+\) )?[A-Z]",
}


def _shapes(text: str) -> dict[str, re.Match | None]:
    return {k: re.search(p, text, flags=re.M) for k, p in LINE_SHAPES.items()}


@pytest.fixture(scope="module")
def cables():
    return list(iter_synthetic_cables(300, seed=7))


def test_line_shapes_match_the_real_seed_cable(seed_cable_path):
    found = _shapes(seed_cable_path.read_text(encoding="utf-8"))
    assert all(found.values()), [k for k, v in found.items() if v is None]


def test_raw_format(cables):
    for c in cables:
        found = _shapes(c.text)
        assert all(found.values()), (c.ref, [k for k, v in found.items() if v is None])
        level = c.classification.split("//")[0]
        assert found["zny"].group(1) == level[0]
        serial = re.fullmatch(r"\d\d[A-Z]+(\d+)", c.ref).group(1)
        assert found["de"].group(1) == f"{int(serial) % 10000:04d}"
        city = c.post.split(" ", 1)[1]
        cls_line = re.search(rf"^(.+) {city} {int(serial):06d}$", c.text, flags=re.M).group(1)
        if level.startswith("UNCLASSIFIED"):
            assert cls_line.startswith("UNCLAS")
            assert "Classified By:" not in c.text
        else:
            assert cls_line.startswith(" ".join(level))  # letter-spaced: C O N F I ...
            assert re.search(r"^Classified By: .+ reasons 1\.4", c.text, flags=re.M)
        pages = re.search(r"SECTION 01 OF (\d\d)", cls_line)
        breaks = re.findall(rf"^{city} {int(serial):08d} +(\d{{3}})(?:\.2)? OF (\d{{3}})$",
                            c.text, flags=re.M)
        if pages:
            assert found["de"].group(2) == "/01"
            assert [int(b[0]) for b in breaks] == list(range(2, int(pages.group(1)) + 1))
        else:
            assert breaks == [] and found["de"].group(2) is None
        assert "SIPDIS" in c.text


def test_bodies_tags_and_themes(cables):
    for c in cables:
        theme = PLANTED_THEMES[c.theme]
        tags = found = c.text.split("\nTAGS: ", 1)[1].split("\n", 1)[0].split()
        subject, country = split_tags(tags)
        assert theme.tags[0] in subject
        assert all(tag_name(t) for t in tags), found
        post = next(p for p in POSTS if p.sender == c.post)
        assert country[0] == post.country_code
        body = c.text.split("¶1. ", 1)[1]
        words = [w for w in body.split() if re.fullmatch(r"[A-Za-z][A-Za-z'-]*[.,]?", w)]
        assert 150 <= len(words) <= 620, (c.ref, len(words))
        assert 2003 <= c.date.year <= 2010
    assert len({c.ref for c in cables}) == len(cables)


def test_page_breaks_split_sentences(cables):
    # Real page-break lines fall mid-sentence; the line before one must not always end
    # a sentence.
    before = []
    for c in cables:
        lines = c.text.split("\n")
        before += [lines[i - 1] for i, line in enumerate(lines)
                   if re.fullmatch(r"[A-Z ]+ \d{8} +\d{3}(\.2)? OF \d{3}", line)]
    assert before, "no multi-page cables generated"
    assert any(not b.rstrip().endswith(".") for b in before)


def test_deterministic_and_prefix_stable():
    a = [(c.ref, c.text, c.theme) for c in iter_synthetic_cables(30, seed=3)]
    b = [(c.ref, c.text, c.theme) for c in iter_synthetic_cables(60, seed=3)][:30]
    c = [(c.ref, c.text, c.theme) for c in iter_synthetic_cables(30, seed=4)]
    assert a == b
    assert a != c


def test_lazy():
    it = iter_synthetic_cables(10**9, seed=0)
    assert next(it).text.lstrip().startswith("VZCZC")


def test_geography_does_not_determine_theme():
    cs = list(iter_synthetic_cables(2000, seed=0))
    by_post = collections.defaultdict(collections.Counter)
    for c in cs:
        by_post[c.post][c.theme] += 1
    for post, themes in by_post.items():
        assert len(themes) == len(PLANTED_THEMES), post
        assert max(themes.values()) / sum(themes.values()) < 0.45, (post, themes)
    # ... but the post's country does show up in the text: geography is a confound.
    post = POSTS[0]
    share = np.mean([post.adjective in c.text for c in cs if c.post == post.sender])
    assert share > 0.5


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_bad_n(bad):
    with pytest.raises(ValueError, match="'n' must be an int >= 0"):
        list(iter_synthetic_cables(bad))


def test_bad_per_file(tmp_path):
    with pytest.raises(ValueError, match="'cables_per_file' must be an int >= 1"):
        generate_corpus(tmp_path, 5, 0, cables_per_file=0)


def test_many_per_file(tmp_path):
    out = generate_corpus(tmp_path / "c", n_cables=25, seed=1, cables_per_file=10)
    files = sorted((out / "cables").rglob("*.txt"))
    assert [f.relative_to(out / "cables").as_posix() for f in files] == [
        "0000/batch_0000000.txt", "0000/batch_0000001.txt", "0000/batch_0000002.txt"
    ]
    texts = [f.read_text(encoding="utf-8") for f in files]
    assert [t.count("\nNNNN\n") for t in texts] == [10, 10, 5]
    one = [c.text for c in iter_synthetic_cables(25, seed=1)]
    assert "".join(texts) == "".join(t + "NNNN\n" for t in one)
    with open(out / "truth.csv", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 25


def test_cli(tmp_path):
    assert main([str(tmp_path / "o"), "--n", "3", "--seed", "2"]) == 0
    assert len(list((tmp_path / "o" / "cables").rglob("*.txt"))) == 3
    with pytest.raises(SystemExit):
        main([str(tmp_path / "p"), "--n", "3", "--per-file", "0"])


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_committed_sample_is_reproducible(tmp_path):
    committed = _files(SAMPLE)
    fresh = _files(generate_corpus(tmp_path / "s", SAMPLE_N, SAMPLE_SEED))
    assert sorted(committed) == sorted(fresh)
    assert committed == fresh, "regenerate: python -m corpora.synthetic corpora/data/sample"
    assert sum(len(b) for b in committed.values()) < 2_000_000
    assert len(committed) == SAMPLE_N + 2  # cables + truth.csv + README.md


def test_sample_truth():
    with open(SAMPLE / "truth.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == SAMPLE_N
    names = {t.id: t.name for t in PLANTED_THEMES}
    assert all(names[int(r["theme"])] == r["theme_name"] for r in rows)
    counts = collections.Counter(int(r["theme"]) for r in rows)
    assert len(counts) == 8 and min(counts.values()) >= 30
    refs = {p.stem for p in (SAMPLE / "cables").rglob("*.txt")}
    assert refs == {r["ref"] for r in rows}


def test_sample_parses_with_the_header_parser():
    header = pytest.importorskip("corpora.header")
    from corpora.cable import Source

    with open(SAMPLE / "truth.csv", encoding="utf-8") as fh:
        truth = {r["ref"]: int(r["theme"]) for r in csv.DictReader(fh)}
    for path in sorted((SAMPLE / "cables").rglob("*.txt"))[:60]:
        cable = header.parse_cable(path.read_text(encoding="utf-8"), source=Source(str(path), "line 1"))
        assert cable.ref == path.stem
        assert PLANTED_THEMES[truth[cable.ref]].tags[0] in cable.tags
        assert cable.date is not None and cable.classification is not None


@pytest.mark.slow
def test_sample_themes_are_recoverable():
    # The downstream target is ARI >= 0.8; a plain scikit-learn LDA on bag-of-words
    # gets there on the committed sample.
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.metrics import adjusted_rand_score

    with open(SAMPLE / "truth.csv", encoding="utf-8") as fh:
        truth = {r["ref"]: int(r["theme"]) for r in csv.DictReader(fh)}
    paths = sorted((SAMPLE / "cables").rglob("*.txt"))
    docs = [p.read_text(encoding="utf-8").split("¶1. ", 1)[1] for p in paths]
    x = CountVectorizer(stop_words="english", min_df=3, max_df=0.5).fit_transform(docs)
    lda = LatentDirichletAllocation(8, learning_method="batch", max_iter=30, random_state=0)
    labels = lda.fit_transform(x).argmax(axis=1)
    ari = adjusted_rand_score([truth[p.stem] for p in paths], labels)
    assert ari >= 0.8, ari
