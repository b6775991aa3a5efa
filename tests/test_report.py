"""The summary report: sections, figures, exports, escaping, effects.

The run directories here come from a real (small) computation: scikit-learn NMF on TF-IDF of
generated cables written with the store and run-directory schema of docs/architecture.md,
and, when ../shared is present, of the 219 real cables of the first Cablegate release.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from matplotlib.image import imread

from topics.report import RunDirectoryError, render_report, theme_colors
from topics.report.data import excerpt
from topics.report.effects import bootstrap_means, estimate_effects
from topics.report.figures import PALETTE, classical_mds
from topics.report.render import highlight_html, md_escape

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
XSS = "<script>alert(1)</script>"

_THEMES = {
    "nuclear": "nuclear enrichment iaea centrifuge uranium reactor inspectors safeguards",
    "trade": "trade tariff export investment market wto bilateral textile quota",
    "election": "election parliament party vote coalition opposition campaign ballot",
    "narcotics": "narcotics cocaine trafficking police cartel extradition seizure drug",
}
_FILLER = "embassy minister government official meeting said week discuss".split()
_POSTS = ["Embassy Tokyo", "Embassy Paris", "Embassy Bogota", "Mission UNVIE", "Embassy Ankara"]
_CLASSES = ["UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "SECRET//NOFORN"]


def synthetic_cables(n: int = 96, seed: int = 7) -> list[dict]:
    """Cables whose bodies mix one planted theme's words with filler; one hostile subject."""
    rng = np.random.default_rng(seed)
    names = list(_THEMES)
    out = []
    for i in range(n):
        theme = names[i % len(names)]
        words = _THEMES[theme].split()
        body = " ".join(rng.choice(words, 40).tolist() + rng.choice(_FILLER, 15).tolist())
        year = 2004 + int(rng.integers(0, 6))
        post = _POSTS[(i // 4 + (i % 4 == 2)) % len(_POSTS)]
        out.append({
            "ref": f"{year % 100:02d}{post.split()[-1].upper()}{100 + i}",
            "date": datetime(year, 1 + int(rng.integers(0, 12)), 5, 12, 0, tzinfo=UTC),
            "origin": post,
            "classification": _CLASSES[int(rng.integers(0, len(_CLASSES)))],
            "tags": ["PREL", "KNNP" if theme == "nuclear" else "ETRD", "JA"],
            "subject": f"{theme.upper()} UPDATE {i}",
            "body": f"1. (C) {body}.",
        })
    out[0]["subject"] = XSS + " | pipe & <b>bold</b>"
    out[0]["body"] = "<img src=x onerror=alert(2)> " + out[0]["body"]
    return out


def write_store(root: Path, cables: list[dict], rejects: list[dict]) -> Path:
    store = root / "store"
    store.mkdir(parents=True)
    table = pa.table({
        "ref": [c["ref"] for c in cables],
        "date": pa.array([c["date"] for c in cables], type=pa.timestamp("us", tz="UTC")),
        "origin": [c["origin"] for c in cables],
        "classification": [c["classification"] for c in cables],
        "tags": pa.array([c["tags"] for c in cables], type=pa.list_(pa.string())),
        "subject": [c["subject"] for c in cables],
        "body": [c["body"] for c in cables],
        "source": [{"path": "cables.jsonl", "locator": f"line {i + 1}", "sha256": "ab" * 32,
                    "format": "jsonl"} for i in range(len(cables))],
    })
    pq.write_table(table, store / "cables.parquet")
    (store / "rejects.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rejects), encoding="utf-8"
    )
    (store / "manifest.json").write_text(json.dumps({
        "sources": [{"path": "cables.jsonl", "sha256": "ab" * 32, "format": "jsonl"}],
        "counts": {"read": len(cables) + len(rejects), "kept": len(cables)},
    }), encoding="utf-8")
    return store


def build_run(root: Path, cables: list[dict], *, n_topics: int = 6, n_themes: int = 4,
              seed: int = 0, rejects: list[dict] | None = None) -> Path:
    """A run directory from scikit-learn NMF on TF-IDF; themes group topics (agglomerative)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    rejects = rejects if rejects is not None else [
        {"path": "bad.txt", "locator": "line 3", "reason": "no date-time group", "field": "date"},
        {"path": "bad.txt", "locator": "line 9", "reason": "no date-time group", "field": "date"},
        {"path": "x.csv", "locator": "row 2", "reason": "empty body", "field": "body"},
    ]
    store = write_store(root, cables, rejects)
    run = root / "run"
    (run / "model").mkdir(parents=True)
    vec = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.9,
                          token_pattern=r"(?u)\b[a-z][a-z]+\b")
    x = vec.fit_transform([c["body"].lower() for c in cables])
    terms = vec.get_feature_names_out().tolist()
    nmf = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=400)
    w = nmf.fit_transform(x) + 1e-9
    doc_topic = w / w.sum(axis=1, keepdims=True)
    topic_term = nmf.components_ + 1e-12
    topic_term = topic_term / topic_term.sum(axis=1, keepdims=True)
    groups = AgglomerativeClustering(n_clusters=n_themes).fit_predict(doc_topic.T)
    theme_ids = sorted(set(groups.tolist()))
    theme_w = np.stack([doc_topic[:, groups == g].sum(axis=1) for g in theme_ids], axis=1)
    doc_theme = np.array(theme_ids)[np.argmax(theme_w, axis=1)]

    top = [np.argsort(-topic_term[k], kind="stable")[:20] for k in range(n_topics)]
    topics = [{
        "id": k, "label": " ".join(terms[i] for i in top[k][:3]),
        "top_terms": [terms[i] for i in top[k]],
        "term_weights": [float(topic_term[k, i]) for i in top[k]],
        "share": float(doc_topic[:, k].mean()),
    } for k in range(n_topics)]
    themes = []
    for j, g in enumerate(theme_ids):
        members = np.flatnonzero(doc_theme == g)
        center = topic_term[groups == g].mean(axis=0)
        tt = [terms[i] for i in np.argsort(-center, kind="stable")[:20]]
        best = members[np.argsort(-theme_w[members, j], kind="stable")][:5]
        themes.append({
            "id": int(g), "label": " / ".join(tt[:2]), "size": int(members.size),
            "share": members.size / len(cables), "top_terms": tt,
            "top_phrases": [f"{tt[0]}_{tt[1]}"],
            "tags": [{"tag": "KNNP", "name": "Non-Proliferation", "share": 0.5, "lift": 2.0}],
            "representative": [cables[i]["ref"] for i in best],
            "topics": [int(k) for k in np.flatnonzero(groups == g)],
        })
    frame = pd.DataFrame({
        "ref": [c["ref"] for c in cables],
        "date": pd.to_datetime([c["date"] for c in cables], utc=True),
        "origin": [c["origin"] for c in cables],
        "classification": [c["classification"] for c in cables],
        "tags": [c["tags"] for c in cables],
        "subject": [c["subject"] for c in cables],
        **{f"topic_{k}": doc_topic[:, k] for k in range(n_topics)},
        "theme": doc_theme.astype(np.int64),
    })
    frame.to_parquet(run / "doc_topics.parquet", index=False)
    (run / "topics.json").write_text(json.dumps({
        "engine": "nmf", "n_topics": n_topics, "seed": seed, "store": str(store),
        "topics": topics, "themes": themes,
    }), encoding="utf-8")
    np.save(run / "model" / "topic_term.npy", topic_term)
    np.save(run / "model" / "doc_topic.npy", doc_topic)
    (run / "model" / "vocabulary.json").write_text(json.dumps(terms), encoding="utf-8")
    (run / "model" / "params.json").write_text(json.dumps(
        {"engine": "nmf", "n_topics": n_topics, "seed": seed, "init": "nndsvda"}),
        encoding="utf-8")
    (run / "manifest.json").write_text(json.dumps({
        "store": str(store), "seeds": {"model": seed},
        "versions": {"numpy": np.__version__, "scikit-learn": "test"},
    }), encoding="utf-8")
    # a real (if simple) evaluation: topic diversity over top-10 terms
    top10 = {t for k in range(n_topics) for t in topics[k]["top_terms"][:10]}
    (run / "evaluation.json").write_text(json.dumps({
        "diversity": len(top10) / (10 * n_topics),
        "coherence": {"per_topic": [0.1 * k for k in range(n_topics)]},
    }), encoding="utf-8")
    (run / "config.toml").write_text('[report]\ntitle = "Test report"\n', encoding="utf-8")
    return run


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    cables = synthetic_cables()
    run = build_run(root, cables)
    index = render_report(run, n_boot=200)
    return run, index, cables


def _fig_names(run: Path) -> set[str]:
    return {p.stem for p in (run / "report" / "figures").glob("*.png")}


def test_report_files_sections_and_figures(rendered):
    run, index, _ = rendered
    assert index == run / "report" / "index.html"
    html = index.read_text(encoding="utf-8")
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    for anchor in ("corpus", "rejects", "sources", "model", "themes", "topics", "per-theme",
                   "across", "effects", "exports"):
        assert f'id="{anchor}"' in html, anchor
    for heading in ("## Corpus", "## Model", "## Themes", "## Topics", "## Across themes",
                    "## Covariate effects", "## Exports", "### Records not ingested"):
        assert heading in md, heading
    themes = json.loads((run / "topics.json").read_text())["themes"]
    expected = {"corpus_years", "corpus_classification", "corpus_posts", "rejects",
                "theme_sizes", "themes_over_time", "themes_by_post", "intertopic",
                "topic_correlation", "dendrogram", "effects_year", "effects_classification",
                "differences"}
    expected |= {f"theme_{t['id']}" for t in themes}
    assert _fig_names(run) == expected
    for png in (run / "report" / "figures").glob("*.png"):
        raw = png.read_bytes()
        assert raw.startswith(PNG_MAGIC), png
        img = imread(png)
        assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 200, png
        assert img[..., :3].std() > 0.01, f"{png} is blank"
        # every figure appears in both renderings: embedded in HTML, linked in Markdown
        assert f"](figures/{png.name})" in md
    assert html.count('src="data:image/png;base64,') == len(expected)
    assert "http://" not in html and "https://" not in html  # offline: no CDN
    assert "Test report" in html
    # every theme has its own section with representative cables and highlighted terms
    for t in themes:
        assert f'id="theme-{t["id"]}"' in html
        for ref in t["representative"][:5]:
            assert ref in html
    assert "<mark>" in html and "**" in md


def test_report_corpus_and_model_numbers(rendered):
    run, index, cables = rendered
    html = index.read_text(encoding="utf-8")
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    years = pd.Series([c["date"].year for c in cables]).value_counts()
    for year, n in years.items():
        assert re.search(rf"\| {year} \| {n} \| ", md), (year, n)
    assert "| no date-time group | 2 |" in md and "| empty body | 1 |" in md
    assert "ab" * 32 in html  # source hash from the store manifest
    assert "nndsvda" in html and "diversity" in html
    # theme sizes in the table are the counts in doc_topics.parquet
    dt = pd.read_parquet(run / "doc_topics.parquet")
    for tid, n in dt["theme"].value_counts().items():
        assert re.search(rf"\| \[{tid}\]\(#theme-{tid}\) \| [^\n]*? \| {n} \| ", md)
    # themes are listed largest first, ties by id
    ids = [int(m) for m in re.findall(r'<article id="theme-(\d+)">', html)]
    sizes = dt["theme"].value_counts()
    assert ids == sorted(ids, key=lambda t: (-sizes.get(t, 0), t))


def test_report_exports(rendered):
    run, _, cables = rendered
    rep = run / "report"
    dt = pd.read_csv(rep / "doc_topics.csv")
    assert len(dt) == len(cables)
    assert list(dt["ref"]) == [c["ref"] for c in cables]
    assert dt["tags"].iloc[1] == ";".join(cables[1]["tags"])
    assert (rep / "doc_topics.parquet").read_bytes() == (run / "doc_topics.parquet").read_bytes()
    themes = pd.read_csv(rep / "themes.csv")
    topics = json.loads((run / "topics.json").read_text())
    assert sorted(themes["id"]) == sorted(t["id"] for t in topics["themes"])
    assert themes["size"].sum() == len(cables)
    tp = pd.read_parquet(rep / "topics.parquet")
    assert list(tp["id"]) == list(range(topics["n_topics"]))
    eff = pd.read_csv(rep / "effects.csv")
    assert set(eff["covariate"]) == {"year", "classification", "post"}
    # per-post means only for posts with enough cables (20, or 1% of a small corpus)
    assert (eff.loc[eff["covariate"] == "post", "n_cables"] >= 5).all()
    diffs = pd.read_csv(rep / "differences.csv")
    assert {"classification", "year", "post"} <= set(diffs["covariate"])
    assert (eff["ci_low"] <= eff["mean"] + 1e-12).all()
    assert (eff["mean"] <= eff["ci_high"] + 1e-12).all()
    assert not list(rep.glob(".*.tmp")), "temporary files left behind"


def test_cable_text_is_escaped(rendered):
    run, index, _ = rendered
    html = index.read_text(encoding="utf-8")
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    assert XSS not in html and "<b>bold</b>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert html.count("<script>") == 2  # only the report's own: sorting and the explorer
    # the explorer's embedded JSON carries the hostile subject as data, never as markup
    blob = re.search(r'<script type="application/json" id="explorer-data">(.*?)</script>',
                     html, re.S)[1]
    assert "<" not in blob and json.loads(blob)["cables"]
    assert any(r[4] == XSS + " | pipe & <b>bold</b>" for r in json.loads(blob)["cables"])
    for page in (run / "report" / "cables").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert XSS not in text and "<img src=x" not in text and "<b>bold" not in text
    assert XSS not in md and "<b>" not in md and "<img" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| pipe &amp; &lt;b&gt;bold&lt;/b&gt;" in md
    # the Markdown table row of that cable keeps its column count despite the pipe
    row = next(line for line in md.splitlines() if "alert(1)" in line and line.startswith("|"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 7


def test_highlight_escapes_before_wrapping():
    text, spans = excerpt("The <b>enrichment</b> plant & uranium_stock", ["enrichment",
                                                                        "uranium"], 400)
    out = str(highlight_html(text, spans))
    assert out == ("The &lt;b&gt;<mark>enrichment</mark>&lt;/b&gt; plant &amp; "
                   "<mark>uranium</mark>_stock")
    assert md_escape("a|b<c>") == "a\\|b&lt;c&gt;"


def test_excerpt_window_and_phrases():
    body = "filler " * 200 + "the nuclear reactors at the site " + "tail " * 100
    text, spans = excerpt(body, ["reactor", "nuclear_reactor"], 120)
    assert len(text) <= 120 + 4 and text.startswith("… ") and text.endswith(" …")
    assert [text[a:b] for a, b in spans] == ["nuclear reactors"]


def test_theme_colors_consistent_and_safe():
    a = theme_colors([5, 1, 3])
    assert a == theme_colors([3, 5, 1]) == {1: PALETTE[0], 3: PALETTE[1], 5: PALETTE[2]}
    assert len(set(theme_colors(range(16)).values())) == 16
    # past 16 a colour would repeat and claim two themes are one: one neutral grey for all
    many = theme_colors(range(50))
    assert len(set(many.values())) == 1 and PALETTE[0] not in many.values()


def test_bootstrap_matches_resampling_law():
    rng = np.random.default_rng(3)
    w = rng.dirichlet(np.ones(3), size=400)
    mean, lo, hi = bootstrap_means(w, n_boot=2000, seed=1)
    np.testing.assert_allclose(mean, w.mean(axis=0))
    half = (hi - lo) / 2
    se = w.std(axis=0, ddof=1) / np.sqrt(len(w))
    np.testing.assert_allclose(half, 1.96 * se, rtol=0.12)
    again = bootstrap_means(w, n_boot=2000, seed=1)
    np.testing.assert_array_equal(again[1], lo)
    m1, l1, h1 = bootstrap_means(w[:1], n_boot=10, seed=0)
    np.testing.assert_array_equal(l1, m1)
    with pytest.raises(ValueError, match="at least one row"):
        bootstrap_means(np.zeros((0, 2)))


def test_estimate_effects_finds_planted_difference():
    rng = np.random.default_rng(0)
    year = np.repeat(["2001", "2002"], 300)
    share = np.where(year == "2001", 0.2, 0.6) + rng.normal(0, 0.05, 600)
    w = np.column_stack([share, 1 - share])
    year_obj = year.astype(object)
    year_obj[0] = None  # missing covariate values are left out
    eff = estimate_effects(w, [7, 9], {"year": year_obj}, n_boot=300, seed=4)
    t7 = eff[eff["theme"] == 7].set_index("level")
    assert list(t7["n_cables"]) == [299, 300]
    assert t7.loc["2001", "ci_high"] < t7.loc["2002", "ci_low"]
    assert t7.loc["2001", "ci_low"] < 0.2 < t7.loc["2001", "ci_high"]
    with pytest.raises(ValueError, match="covariate 'year' has 3 values for 600 cables"):
        estimate_effects(w, [7, 9], {"year": ["a", "b", "c"]})


def test_classical_mds_recovers_planar_points():
    pts = np.array([[0, 0], [3, 0], [0, 4], [3, 4], [1, 2]], dtype=float)
    d = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    xy = classical_mds(d)
    d2 = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    np.testing.assert_allclose(d2, d, atol=1e-9)


def test_missing_run_files_are_named(tmp_path):
    with pytest.raises(RunDirectoryError, match=r"doc_topics\.parquet: file missing"):
        render_report(tmp_path)
    pd.DataFrame({"ref": ["a"]}).to_parquet(tmp_path / "doc_topics.parquet")
    with pytest.raises(RunDirectoryError, match=r"columns .* missing"):
        render_report(tmp_path)


def test_report_without_store_or_evaluation(tmp_path):
    cables = synthetic_cables(40, seed=2)
    run = build_run(tmp_path, cables, n_topics=4, n_themes=2)
    (run / "evaluation.json").unlink()
    for p in (tmp_path / "store").iterdir():
        p.unlink()
    (tmp_path / "store").rmdir()
    out = tmp_path / "elsewhere"
    index = render_report(run, out=out, n_boot=50, title="Cables <b>& themes</b>")
    html = index.read_text(encoding="utf-8")
    assert "<h1>Cables &lt;b&gt;&amp; themes&lt;/b&gt;</h1>" in html
    assert index == out / "index.html"
    assert "No evaluation.json" in html and "corpus store was not found" in html
    assert "Body not available" in html
    # a hierarchy of two themes says nothing: no dendrogram, and the page says why
    assert not (out / "figures" / "dendrogram.png").exists()
    assert "No theme dendrogram: with 2 themes it would say nothing" in html


@pytest.mark.real
def test_report_on_real_cables(tmp_path, shared_data):
    """The 219 cables of the first Cablegate release (JSON Lines), modelled with NMF."""
    path = shared_data / "cablegate-jsonl" / "wikileaks-11-28-10.json"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    cables = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        body = rec["body"]
        tags = re.search(r"tags:\s*([a-z, ]+?)\s*subject:", body, re.IGNORECASE)
        subj = re.search(r"subject:\s*(.{5,120}?)(?:\(|ref:|classified by|¶)", body,
                         re.IGNORECASE)
        cables.append({
            "ref": rec["_id"],
            "date": datetime.strptime(rec["date_time"], "%Y-%m-%d %H:%M").replace(tzinfo=UTC),
            "origin": rec["origin"], "classification": rec["classification"],
            "tags": [t.strip().upper() for t in tags.group(1).split(",")] if tags else [],
            "subject": subj.group(1).strip() if subj else None,
            "body": body,
        })
    run = build_run(tmp_path, cables, n_topics=8, n_themes=5, rejects=[])
    index = render_report(run, n_boot=100)
    html = index.read_text(encoding="utf-8")
    assert "Every record read became a cable" in html
    assert "Embassy Ankara" in html and "SECRET//NOFORN" in html
    # 1966-2010 spans years: yearly periods, 1966 shown with its single cable
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    assert "| 1966 | 1 | " in md
    per_theme = [p for p in (run / "report" / "figures").glob("theme_*.png")
                 if re.fullmatch(r"theme_\d+", p.stem)]
    assert len(per_theme) == 5


@pytest.fixture(scope="module")
def pipeline_shaped(tmp_path_factory):
    """A run whose manifest, params.json and evaluation.json follow the pipeline's layout,
    and whose store lists 45 real source files in two folders and two formats."""
    root = tmp_path_factory.mktemp("pipeline-shaped")
    cables = synthetic_cables(48, seed=5)
    run = build_run(root, cables, n_topics=5, n_themes=3)
    src_root = root / "sources"
    sources = []
    for i in range(45):
        folder, fmt = ("cablegate-csv", "csv") if i % 3 else ("frus-tei", "xml")
        path = src_root / folder / f"part{i:02d}.{fmt}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * (100 + 37 * i))
        sources.append({"path": str(path), "sha256": f"{i:064x}", "format": f"fmt-{fmt}"})
    store = root / "store"
    (store / "manifest.json").write_text(json.dumps({"sources": sources}), encoding="utf-8")
    params = json.loads((run / "model" / "params.json").read_text())
    (run / "model" / "params.json").write_text(json.dumps({
        "format_version": 1, "engine": "nmf", "state": [], "n_docs": 48, "n_terms": 99,
        "params": {**params, "alpha_W": 0.25}, "versions": {"numpy": "x"},
    }), encoding="utf-8")
    rng = np.random.default_rng(0)
    npmi = rng.uniform(-0.2, 0.5, 5).round(4).tolist()
    (run / "evaluation.json").write_text(json.dumps({
        "coherence_c_npmi": float(np.mean(npmi)), "coherence_c_v": 0.61, "coherence_u_mass": -1.9,
        "coherence_per_topic": {"c_npmi": npmi, "c_v": [0.6] * 5, "u_mass": [-2.0] * 5},
        "diversity": 0.87, "top_n": 10,
        "tag_agreement": {"nmi_tag": 0.41, "ari_tag": 0.12, "nmi_post": 0.07, "ari_post": 0.01,
                          "ami_tag": 0.31, "ami_tag_shuffled": -0.002, "ami_post": 0.03,
                          "n_tag": 48, "n_post": 48, "n_tag_classes": 2, "n_post_classes": 5,
                          "n_without_tag": 0},
        "stability": {"overall": 0.83, "overall_std": 0.02, "top_overlap": 0.7, "n_runs": 3,
                      "unstable_topics": [4], "threshold": 0.5},
    }), encoding="utf-8")
    manifest = json.loads((run / "manifest.json").read_text())
    manifest.update({
        "versions": {"python": "3.11.7", "numpy": np.__version__, "gensim": "4.4.0"},
        "code_version": "0.1.0", "git_commit": "deadbeefcafe", "config_hash": "c0ffee" * 10,
        "stage_seeds": {"model": 11, "ingest": 7},
        "stages": {"model": {"seconds": 1.25, "cached": False, "counts": {"n_topics": 5}},
                   "ingest": {"seconds": 0.5, "cached": True, "counts": {"n_cables": 48}}},
    })
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    index = render_report(run, n_boot=20)
    return run, index, sources, npmi


def test_sources_summary_and_csv(pipeline_shaped):
    run, index, sources, _ = pipeline_shaped
    html = index.read_text(encoding="utf-8")
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    csv = pd.read_csv(run / "report" / "sources.csv")
    assert len(csv) == 45 and list(csv["sha256"]) == [s["sha256"] for s in sources]
    sizes = [Path(s["path"]).stat().st_size for s in sources]
    assert list(csv["size_bytes"]) == sizes  # sizes read from the files themselves
    # the summary counts files per top folder and per format; the full list is collapsed
    assert "45 source files" in html and "45 source files" in md
    assert re.search(r"<code>cablegate-csv/</code></td><td class=\"num\">30<", html)
    assert re.search(r"\| `frus-tei/` \| 15 \| ", md)
    assert re.search(r"\| fmt-xml \| 15 \| ", md)
    listing = html[html.index('<details id="sources-list">'):]
    assert listing.count("<tr><td><code>") == 45
    hashes_in_md = [s["sha256"] for s in sources if f"`{s['sha256']}`" in md]
    assert len(hashes_in_md) == 20
    assert "... and 25 more; full list in manifest.json / sources.csv" in md
    assert 'href="sources.csv"' in html


def test_scores_are_labelled_and_coherence_filled(pipeline_shaped):
    run, index, _, npmi = pipeline_shaped
    html = index.read_text(encoding="utf-8")
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    for label in ("Coherence (NPMI, top 10 terms)", "Coherence C_V", "UMass",
                  "Topic diversity (top 25)", "Agreement with subject TAGS (AMI)",
                  "Agreement with sending post (AMI)", "lower means themes follow subject",
                  "Stability over 3 seeds"):
        assert label in html, label
    assert "AMI 0.310 (shuffled -0.002); ARI 0.120; NMI 0.410" in html
    assert "coherence_per_topic" not in html  # no flat dump of keys
    # themes table: mean NPMI of the theme's topics; topics table: each topic's NPMI
    themes = json.loads((run / "topics.json").read_text())["themes"]
    for t in themes:
        want = f"{np.mean([npmi[k] for k in t['topics']]):.3f}"
        row = next(line for line in md.splitlines() if line.startswith(f"| [{t['id']}](#"))
        assert row.rstrip().endswith(f"| {want} |"), (row, want)
    for k, v in enumerate(npmi):
        assert re.search(rf"^\| {k} \| .*? \| {v:.3f} \| 0\.600 \| ", md, re.M), k


def test_model_section_versions_stages_params(pipeline_shaped):
    run, index, _, _ = pipeline_shaped
    html = index.read_text(encoding="utf-8")
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    assert "The run manifest records no versions" not in html
    assert "| python | 3.11.7 |" in md and "| gensim | 4.4.0 |" in md
    assert "deadbeefcafe" in html and "cable-topics 0.1.0" in html and "c0ffee" * 10 in md
    # stages in pipeline order with seconds, cached flag, seed and counts
    assert re.search(r"\| ingest \| 0\.50 \| yes \| 7 \| n\\_cables 48 \|", md)
    assert re.search(r"\| model \| 1\.25 \| no \| 11 \| n\\_topics 5 \|", md)
    assert md.index("| ingest |") < md.index("| model | 1.25")
    # engine parameters as key/value rows; bookkeeping keys hidden
    assert "| alpha\\_W | 0.25 |" in md and "| init | nndsvda |" in md
    assert "format_version" not in html and "format\\_version" not in md
    assert "<th>state</th>" not in html
    assert "48 cables, 99 terms" in html
