"""TAGS lexicon: names, splitting, and coverage of the tags real cables carry."""

from __future__ import annotations

import collections
import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpora.tags import COUNTRY_CODES, TAG_NAMES, split_tags, tag_name


@pytest.mark.parametrize(
    ("tag", "name"),
    [
        ("PREL", "External Political Relations"),
        ("PGOV", "Internal Governmental Affairs"),
        ("MNUC", "Military Nuclear Applications"),
        ("KNNP", "Nuclear Non-Proliferation"),
        ("EUN", "European Union"),
        ("IAEA", "International Atomic Energy Agency"),
        ("GM", "Germany"),
        ("SZ", "Switzerland"),
        ("SP", "Spain"),
        ("IS", "Israel"),
        ("KN", "North Korea"),
        ("KS", "South Korea"),
        ("RS", "Russia"),
    ],
)
def test_tag_name_known(tag, name):
    assert tag_name(tag) == name
    assert tag_name(f" {tag.lower()}, ") == name


def test_state_codes_are_not_iso():
    # ISO DE/CH/ES/AT would be Germany/Switzerland/Spain/Austria; State uses FIPS-like codes.
    assert tag_name("DE") is None
    assert tag_name("CH") == "China"
    assert tag_name("ES") == "El Salvador"
    assert tag_name("AU") == "Austria"
    assert tag_name("ZOELLICK") is None


def test_lexicon_shapes():
    assert len(COUNTRY_CODES) >= 230
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in COUNTRY_CODES)
    # Only UN looks like a country code among the named tags; split_tags sends it to subject.
    assert [t for t in TAG_NAMES if re.fullmatch(r"[A-Z]{2}", t)] == ["UN"]
    assert split_tags(["UN", "UNSC", "IZ"]) == (("UN", "UNSC"), ("IZ",))
    assert all(name and name == name.strip() for name in {**TAG_NAMES, **COUNTRY_CODES}.values())


def test_split_tags_orders_and_routes():
    subject, country = split_tags(["PREL", "parm", "EUN", "ZOELLICK", "JA", "QQ", "KN", ""])
    assert subject == ("PREL", "PARM", "EUN", "ZOELLICK")
    # QQ is not in the lexicon but is two letters: still a country code.
    assert country == ("JA", "QQ", "KN")


def test_split_tags_rejects_a_string():
    with pytest.raises(TypeError, match="split it first"):
        split_tags("PREL PGOV JA")
    with pytest.raises(TypeError, match="tag #1"):
        split_tags(["PREL", 3])


@given(st.lists(st.from_regex(r"[A-Za-z]{2,8}", fullmatch=True), max_size=12))
def test_split_tags_partitions_input(tags):
    subject, country = split_tags(tags)
    assert sorted(subject + country) == sorted(t.upper() for t in tags)
    assert all(len(c) == 2 for c in country)
    assert split_tags(subject + country) == (subject, country)


def test_seed_cable_tags(seed_cable_path):
    text = seed_cable_path.read_text(encoding="utf-8")
    line = re.search(r"^TAGS:(.*)$", text, flags=re.M).group(1)
    tags = re.findall(r"[A-Z]{2,}", line)
    subject, country = split_tags(tags)
    assert subject == ("PREL", "PARM", "MNUC", "MARR")
    assert country == ("CH", "RU", "JA", "KN")
    assert all(tag_name(t) for t in tags)


def _real_tags(shared_data):
    pages = sorted((shared_data / "cablegate-html").rglob("*.html"))
    if not pages:
        pytest.skip("no Cablegate HTML pages in ../shared/data/cablegate-html")
    counts: collections.Counter[str] = collections.Counter()
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="replace")
        cable = text[max(text.find("<table class='cable'>"), 0) :]
        cable = html.unescape(re.sub(r"<[^>]+>", "", cable))
        m = re.search(r"^\s*TAGS:?[ \t]*([^\n]*)", cable, flags=re.M)
        if m:
            for tag in re.split(r"[\s,;]+", m.group(1)):
                tag = tag.strip(".:()[]").upper()
                if re.fullmatch(r"[A-Z][A-Z0-9-]+", tag):
                    counts[tag] += 1
    return counts


@pytest.mark.real
def test_lexicon_names_most_real_tags(shared_data):
    counts = _real_tags(shared_data)
    assert len(counts) > 200
    named = [t for t in counts if tag_name(t)]
    distinct_share = len(named) / len(counts)
    weighted_share = sum(counts[t] for t in named) / sum(counts.values())
    # Measured: 245 of 315 distinct tags (78%), 96% of tag occurrences; the rest are
    # person names, typos (VTPREL, EINVETC) and tags whose names we do not ship.
    assert distinct_share >= 0.75, distinct_share
    assert weighted_share >= 0.95, weighted_share
    for tag in ("PREL", "PGOV", "PTER", "PHUM", "KNNP", "IR", "IZ", "EUN"):
        assert tag in counts and tag_name(tag)
