"""The HTML report in a real browser: headless Chromium loads it offline, every image decodes,
no script error fires, and the sortable themes table sorts.

Skips with a reason when Chromium is absent (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib.image import imread

from tests.test_report import build_run, synthetic_cables
from topics.report import render_report

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

# injected at the start of <head>: records script errors, then after load counts decoded
# images and clicks the "cables" heading of the themes table
_PROBE = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var th = document.querySelectorAll("#themes-table thead th")[2];
  th.click();
  var sizes = Array.prototype.map.call(document.querySelectorAll("#themes-table tbody tr"),
    function (r) { return r.cells[2].getAttribute("data-v"); });
  document.body.setAttribute("data-probe",
    ok + "/" + imgs.length + "/" + window.__errors.length + "/" + sizes.join(","));
});
</script>"""


def _chromium(*args: str, user_dir: Path) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--hide-scrollbars", f"--user-data-dir={user_dir}", *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
                    "(apt-get install -y chromium) or set CHROMIUM=/path/to/chromium")
    root = tmp_path_factory.mktemp("browser")
    run = build_run(root, synthetic_cables(64, seed=11), n_topics=5, n_themes=3)
    return render_report(run, n_boot=100), root


def test_images_load_and_no_script_error(report):
    index, root = report
    html = index.read_text(encoding="utf-8")
    probe = index.with_name("probe.html")
    probe.write_text(html.replace("<head>", "<head>" + _PROBE, 1), encoding="utf-8")
    res = _chromium("--dump-dom", "--virtual-time-budget=10000", probe.as_uri(),
                    user_dir=root / "chrome-dom")
    m = re.search(r'data-probe="(\d+)/(\d+)/(\d+)/([\d,]*)"', res.stdout)
    assert m, f"probe did not run; chromium rc={res.returncode} stderr={res.stderr[-2000:]}"
    ok, total, errors, sizes = int(m[1]), int(m[2]), int(m[3]), m[4]
    assert total == html.count("<img ") and total > 10
    assert ok == total, f"{total - ok} of {total} images did not load"
    assert errors == 0
    values = [int(v) for v in sizes.split(",")]
    assert values == sorted(values), "clicking 'cables' did not sort the themes table"


def test_screenshot(report):
    index, root = report
    shot = root / "report.png"
    res = _chromium(f"--screenshot={shot}", "--window-size=1280,2000",
                    "--virtual-time-budget=5000", index.as_uri(), user_dir=root / "chrome-shot")
    assert shot.exists(), f"no screenshot; rc={res.returncode} stderr={res.stderr[-2000:]}"
    img = imread(shot)
    assert img.shape[:2] == (2000, 1280)
    # the page is not blank: text and figures give the screenshot contrast
    assert img[..., :3].std() > 0.05
    keep = os.environ.get("REPORT_SCREENSHOT")
    if keep:  # for a person to look at
        shutil.copy(shot, keep)


# after load: pick the first topic, read its bars at λ = 1 and λ = 0, then filter the cable
# table by a theme and by a search word
_EXPLORER_PROBE = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
window.addEventListener("load", function () {
  function terms() {
    return Array.prototype.map.call(document.querySelectorAll("#ex-bars .ex-bar-row"),
      function (r) { return r.getAttribute("data-term"); }).join(",");
  }
  var out = {};
  out.defaultTerms = terms();
  var sel = document.getElementById("ex-topic");
  sel.value = sel.options[1].value;
  sel.dispatchEvent(new Event("change"));
  var slider = document.getElementById("ex-lambda");
  slider.value = "1"; slider.dispatchEvent(new Event("input"));
  out.topic = sel.value; out.prob = terms();
  slider.value = "0"; slider.dispatchEvent(new Event("input"));
  out.lift = terms();
  out.on = document.querySelectorAll("#ex-map .ex-topic.on").length;
  out.total = document.getElementById("ex-count").textContent;
  var th = document.getElementById("ex-theme");
  th.value = th.options[1].value; th.dispatchEvent(new Event("change"));
  out.theme = th.value;
  out.themeRows = Array.prototype.map.call(document.querySelectorAll("#ex-table tbody tr"),
    function (r) { return r.cells[5].textContent.split(":")[0]; }).join(",");
  out.themeCount = document.getElementById("ex-count").textContent;
  th.value = ""; th.dispatchEvent(new Event("change"));
  var q = document.getElementById("ex-q");
  q.value = "NUCLEAR"; q.dispatchEvent(new Event("input"));
  out.searchSubjects = Array.prototype.map.call(document.querySelectorAll("#ex-table tbody tr"),
    function (r) { return r.cells[4].textContent; }).join("|");
  out.link = (document.querySelector("#ex-table tbody a") || {}).getAttribute("href");
  out.errors = window.__errors.length;
  document.body.setAttribute("data-probe", JSON.stringify(out));
});
</script>"""


def test_explorer_slider_and_table_filters(report):
    import html as html_mod
    import json

    index, root = report
    page = index.read_text(encoding="utf-8")
    probe = index.with_name("probe-explorer.html")
    probe.write_text(page.replace("<head>", "<head>" + _EXPLORER_PROBE, 1), encoding="utf-8")
    res = _chromium("--dump-dom", "--virtual-time-budget=10000", probe.as_uri(),
                    user_dir=root / "chrome-explorer")
    m = re.search(r'data-probe="([^"]*)"', res.stdout)
    assert m, f"probe did not run; chromium rc={res.returncode} stderr={res.stderr[-2000:]}"
    out = json.loads(html_mod.unescape(m[1]))
    assert out["errors"] == 0
    lda = json.loads((index.parent / "ldavis.json").read_text(encoding="utf-8"))
    # the bars are the topic's terms ranked by relevance; λ = 1 is log p(w | k), λ = 0 lift
    cat = f"Topic{int(out['topic']) + 1}"
    ti = lda["tinfo"]
    rows = [(t, lp, ll) for t, c, lp, ll in zip(ti["Term"], ti["Category"], ti["logprob"],
                                                  ti["loglift"], strict=True) if c == cat]
    by_prob = [t for t, _, _ in sorted(rows, key=lambda r: (-r[1], r[0]))][: lda["R"]]
    by_lift = [t for t, _, _ in sorted(rows, key=lambda r: (-r[2], r[0]))][: lda["R"]]
    assert out["prob"].split(",") == by_prob
    assert out["lift"].split(",") == by_lift
    assert out["prob"] != out["lift"] != out["defaultTerms"]
    assert out["on"] == 1
    # the theme filter keeps that theme's cables only; the search finds subjects
    shown = out["themeRows"].split(",")
    assert shown and set(shown) == {out["theme"]}
    n_theme, n_all = (int(x.split()[0].replace(",", "")) for x in (out["themeCount"],
                                                                   out["total"]))
    assert 0 < n_theme < n_all
    subjects = out["searchSubjects"].split("|")
    assert subjects and all("NUCLEAR" in s.upper() for s in subjects)
    assert re.fullmatch(r"cables/theme-\d+\.html#\w+", out["link"])
    target = index.parent / out["link"].split("#")[0]
    assert target.exists() and out["link"].split("#")[1] in target.read_text(encoding="utf-8")
