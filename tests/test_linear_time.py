"""Every regex over untrusted text runs in linear time, and so do the parsers built on them.

Each module-level compiled pattern of the cable parser and the readers is searched over
adversarial texts (runs of capitals, long TAGS lines, blank-line runs, repeated field
keywords and markings, 1 MB single lines) at a base size and at ten times that size; the
larger must cost less than 20 times the smaller (a quadratic pattern costs 100 times, a
catastrophic one never finishes). The checks run in a child process with a time limit, so
a pattern that backtracks catastrophically fails the test instead of hanging it, and the
failure names the pattern and the input family. Hypothesis draws further inputs: a short
unit of cable-like tokens repeated, fed to `parse_cable` and `clean_body`.

Timings are CPU time of the measuring thread (`time.thread_time`), not the wall clock: on a
loaded machine the wall clock also counts the time other processes hold the CPU, which once
made 13 linear patterns look super-linear. Each is the best of several tries, and a check
that fails is measured again (load only ever adds time). The checks of the checks
(``test_audit_flags_a_quadratic_pattern``, ``test_growth_check_flags_a_quadratic_function``)
show they still fail on a truly quadratic pattern or function.
"""

from __future__ import annotations

import functools
import importlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: Modules whose regexes read untrusted text.
MODULES = (
    "corpora.header",
    "corpora.header_lines",
    "corpora.header_ids",
    "corpora.header_routing",
    "corpora.header_marks",
    "corpora.header_fields",
    "corpora.header_repair",
    "corpora.clean",
    "corpora.clean_patterns",
    "corpora.clean_markers",
    "corpora.tags",
    "corpora.read.base",
    "corpora.read.raw",
    "corpora.read.cablegate_html",
    "corpora.read.cablegate_csv",
    "corpora.read.jsonl",
    "corpora.read.alx",
    "corpora.read.plusd",
    "corpora.read.frus",
    "corpora.read.detect",
    "corpora.genres",
    "topics.names",
)
#: Modules audited together in one child process (a process start costs about a second):
#: the header parser's modules.
GROUPS = (
    tuple(m for m in MODULES if m.startswith("corpora.header")),
    *((m,) for m in MODULES if not m.startswith("corpora.header")),
)

#: Input families: a unit repeated to a given size (characters).
FAMILIES: dict[str, str] = {
    "capitals": "ABCDEFGHIJKLMNOP",
    "capital words": "ABCDEFGHIJ ",
    "tags line": "PREL PGOV KDEM ",
    "tags continuation": "[PREL](#) ",
    "blank lines": "\n",
    "space lines": " \n",
    "spaces": " ",
    "tabs and blanks": "\t \n",
    "digits": "0123456789",
    "markings": "1. (C) ",
    "ref items": "REF: A. CAIRO 458 ",
    "eo": "E.O. 12958: ",
    "classified by": "Classified By: ",
    "pilcrows": "¶",
    "dots": "...",
    "page breaks": "TOKYO 00001346 002.2 OF 006 ",
    "dtg": "150843Z JUN 09 ",
    "sections": "SECTION 01 OF 02 ",
    "letter spaced": "C O N F I D E N T I A L ",
    "fm lines": "FM " + " " * 8,
    "prose": "the minister said that ",
    "slashes": "//",
    "hyphens": "- ",
    "html tags": "<a href='/x'>y</a> ",
    "open tags and quotes": "<a t='x' u=\"<b ",
}

BASE = 2_000
FACTOR = 10
SLACK = 20.0
FLOOR_S = 0.002  # below 2 ms, timings are noise: compare against this floor
#: CPU time of the calling thread: the patterns and parsers run in it, and time the thread
#: waits for the CPU while other processes run is not counted.
_clock = time.thread_time


def _anchored_only(source: str, name: str) -> bool:
    """True when the module uses pattern ``name`` only as ``name.match(`` or
    ``name.fullmatch(`` (one start position: a whole-text search overstates its cost)."""
    uses = re.findall(re.escape(name) + r"\b(\.\w+)?", source)
    calls = [u for u in uses[1:] if u]  # uses[0] is the definition
    return bool(calls) and len(calls) == len(uses) - 1 and all(
        c in (".match", ".fullmatch") for c in calls
    )


@functools.cache
def _source(module: str) -> str:
    import inspect

    return inspect.getsource(importlib.import_module(module))


def _anchored_in_users(home: str, name: str, value: object) -> bool:
    """`_anchored_only` for a pattern a module defines but does not use itself (a module of
    patterns, such as `corpora.clean_patterns`): True when every audited module holding this
    very object uses it only as ``.match(`` / ``.fullmatch(``."""
    users = [m for m in MODULES if m != home and vars(importlib.import_module(m)).get(name) is value]
    return bool(users) and all(_anchored_only(_source(m), name) for m in users)


def _home(name: str, value: object) -> str | None:
    """The audited module that defines ``name`` (as this very object), or None."""
    for module in MODULES:
        mod = importlib.import_module(module)
        if vars(mod).get(name) is value and re.search(
            rf"^{re.escape(name)}\s*(?::[^=\n]+)?=", _source(module), re.M
        ):
            return module
    return None


def _patterns(module: str) -> list[tuple[str, re.Pattern[str], bool]]:
    """(name, pattern, anchored) for every module-level pattern; ``anchored`` when the
    module only matches it at the start of a string. A pattern imported from another
    audited module is audited there (unless only this module searches with it). Line
    patterns that `corpora.header_lines._find_line` scans over whole texts are added in
    their scan form: those the header modules define, and the ones `corpora.header` takes
    from other modules (``CLASS_LINE``)."""
    mod = importlib.import_module(module)
    source = _source(module)
    out = []
    for name, value in sorted(vars(mod).items()):
        home = _home(name, value)
        if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
            anchored = _anchored_only(source, name)
            if home == module and not re.search(re.escape(name) + r"\.\w+\(", source):
                anchored = _anchored_in_users(module, name, value)
            if home not in (None, module) and (anchored or not _anchored_only(_source(home), name)):
                continue  # audited where it is defined, at least as strictly
            out.append((f"{module}.{name}", value, anchored))
        elif isinstance(value, (list, tuple)) and home in (None, module):
            for i, v in enumerate(value):
                if isinstance(v, re.Pattern) and isinstance(v.pattern, str):
                    out.append((f"{module}.{name}[{i}]", v, False))
    if module.startswith("corpora.header"):
        from corpora.header_lines import _line_scan

        for name, value in sorted(vars(mod).items()):
            if not (isinstance(value, re.Pattern) and value.pattern.startswith("^")):
                continue
            home = _home(name, value) or ""
            if home == module or (module == "corpora.header"
                                  and not home.startswith("corpora.header")):
                scan = _line_scan(value)
                if scan is not None:
                    out.append((f"{module}.{name} (line scan)", scan, False))
    return out


def _best(fn: Callable[[], object], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = _clock()
        fn()
        best = min(best, _clock() - t0)
    return best


def _grows_linearly(fn: Callable[[str], object], small: str, large: str, limit: float) -> tuple:
    """(ok, small_s, large_s): ``fn(large)`` costs at most ``limit`` times ``fn(small)``.
    Timings are minima over tries, re-measured when a try fails: load on the machine only
    ever adds time, so one quiet try is the truth."""
    ts = tl = float("inf")
    for _ in range(3):
        ts = min(ts, _best(lambda: fn(small), repeats=2))
        tl = min(tl, _best(lambda: fn(large), repeats=1))
        if tl <= limit * max(ts, 0.005):
            return True, ts, tl
    return False, ts, tl


def _make(unit: str, size: int, tail: str = "x") -> str:
    return (unit * (size // len(unit) + 1))[:size] + tail


def _scan(pattern: re.Pattern[str], text: str, anchored: bool = False) -> Callable[[], object]:
    if anchored:
        return lambda: (pattern.match(text), pattern.fullmatch(text))
    return lambda: sum(1 for _ in pattern.finditer(text))


def audit_patterns(patterns: list[tuple[str, re.Pattern[str], bool]],
                   families: dict[str, str] = FAMILIES) -> list[dict]:
    """Time each (name, pattern, anchored) on every family at BASE and FACTOR * BASE
    characters; return the slow ones (the large input costs more than SLACK times the
    small). Progress goes to stdout (one line per pattern and family) so a parent that
    times out can say which pattern hung."""
    slow = []
    for name, pat, anchored in patterns:
        for fam, unit in families.items():
            print(json.dumps({"pattern": name, "family": fam}), flush=True)
            for tail in ("x", "\n"):
                big = _make(unit, BASE * FACTOR, tail)
                large = _best(_scan(pat, big, anchored), repeats=1)
                if large <= SLACK * FLOOR_S:
                    continue  # fast at the large size: nothing to compare
                small = _best(_scan(pat, _make(unit, BASE, tail), anchored))
                for _ in range(3):  # re-measured: load only ever adds time
                    large = min(large, _best(_scan(pat, big, anchored), 1))
                    if large <= SLACK * max(small, FLOOR_S):
                        break
                if large > SLACK * max(small, FLOOR_S):
                    slow.append({"pattern": name, "family": fam, "tail": tail,
                                 "small_s": small, "large_s": large})
    return slow


def audit_module(*modules: str) -> list[dict]:
    """`audit_patterns` over every pattern of ``modules`` (see `_patterns`)."""
    return audit_patterns([p for module in modules for p in _patterns(module)])


def _run_audit(modules: tuple[str, ...] | str,
               timeout: float = 240.0) -> tuple[list[dict], str | None]:
    if isinstance(modules, str):
        modules = (modules,)
    code = (
        "import json, sys; from tests.test_linear_time import audit_module; "
        f"print(json.dumps({{'slow': audit_module(*{modules!r})}}), flush=True)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        lines = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]
        return [], (f"{lines[-1]['pattern']} on {lines[-1]['family']!r}" if lines else "?")
    lines = [json.loads(ln) for ln in out.splitlines() if ln.startswith("{")]
    return lines[-1]["slow"], None


@pytest.mark.slow
@pytest.mark.parametrize("modules", GROUPS, ids=lambda g: g[0] + ("*" if len(g) > 1 else ""))
def test_every_pattern_is_linear(modules):
    slow, hung = _run_audit(modules)
    assert hung is None, f"{hung} did not finish on an adversarial input (backtracking)"
    assert not slow, "super-linear patterns (10x input cost > 20x time):\n" + "\n".join(
        f"  {s['pattern']} on {s['family']!r}: {s['small_s'] * 1e3:.2f} ms -> "
        f"{s['large_s'] * 1e3:.2f} ms" for s in slow
    )


def test_audit_flags_a_quadratic_pattern():
    # the audit as configured (sizes, slack, CPU clock, retries) must fail a pattern that is
    # quadratic and no worse: "\s*x$" tries every start of a long blank run, each start
    # scanning to its end (10x the blanks cost ~100x), and it must pass a linear one
    quadratic = ("quadratic", re.compile(r"\s*x$"), False)
    slow = audit_patterns([quadratic], {"spaces": " "})
    assert [(s["pattern"], s["tail"]) for s in slow] == [("quadratic", "\n")], slow
    assert slow[0]["large_s"] > SLACK * max(slow[0]["small_s"], FLOOR_S)
    assert audit_patterns([("linear", re.compile(r"\s+"), False)], {"spaces": " "}) == []


def _quadratic(text: str) -> int:
    """A function whose cost grows with the square of ``text``'s length, nothing worse:
    a C-speed scan to the end of the text from every position (4x the text: ~13x the
    time, measured; past the 5 ms floor at 50,000 characters)."""
    return sum(text.find("x", i) for i in range(len(text)))


def test_growth_check_flags_a_quadratic_function():
    # the parsers' check (4x the input may cost 8x) fails a quadratic function (16x) and
    # passes a linear one, at the sizes the parser tests use
    n = 50_000
    while _best(lambda n=n: _quadratic(_make(" ", n, "")), repeats=1) < 0.02 and n < 800_000:
        n *= 2  # a fast CPU: the small run must be past the check's 5 ms floor
    small, large = _make(" ", n, ""), _make(" ", 4 * n, "")
    ok, ts, tl = _grows_linearly(_quadratic, small, large, 8)
    assert not ok, f"quadratic function passed: {ts * 1e3:.1f} ms -> {tl * 1e3:.1f} ms"
    assert _grows_linearly(lambda s: s.split("x"), small, large, 8)[0]


def test_audit_catches_a_catastrophic_pattern(monkeypatch):
    # the audit itself must be able to fail: the old TAGS continuation pattern
    # (09TRIPOLI678 hung the parser on it) is flagged as slow or hanging
    old = re.compile(r"^\s*(?:\[?[A-Z0-9]{2,}\]?(?:\(#\))?[\s,;]*)+$")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    small = _best(lambda: old.match(letters[:16] + " x"), repeats=2)
    large = _best(lambda: old.match(letters[:24] + " x"), repeats=2)
    assert large > 8 * max(small, 1e-4)  # exponential: 8 more capitals cost ~40x more


# ------------------------------------------------------------------ whole parsers


def _parsers() -> dict[str, Callable[[str], object]]:
    from corpora.cable import CableParseError, Source
    from corpora.clean import clean_body
    from corpora.header import normalize_classification, parse_cable

    src = Source("t.txt", "record 1", "", "raw")

    def parse(text: str) -> object:
        try:
            return parse_cable(text, source=src)
        except CableParseError:
            return None

    def classification(text: str) -> object:
        try:
            return normalize_classification(text)
        except CableParseError:
            return None

    return {"parse_cable": parse, "clean_body": clean_body,
            "normalize_classification": classification}


HEADER = (
    "C O N F I D E N T I A L SECTION 01 OF 02 CAIRO 000458\n\nSIPDIS\n\n"
    "E.O. 12958: DECL: 06/15/2019\nTAGS: PREL PGOV EG\nSUBJECT: A SUBJECT\n\n"
    "REF: STATE 1234\n\nClassified By: Ambassador X for reasons 1.4 (b) and (d)\n\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_parsers_are_linear_on_each_family(family):
    unit = FAMILIES[family]
    for name, fn in _parsers().items():
        for prefix in ("", HEADER):
            # 50k and 200k characters: both past the length at which a text with few line
            # breaks is read as glued (another code path, not a growth rate); 4x the
            # input may cost 8x the time (a quadratic parser costs 16x)
            ok, small, large = _grows_linearly(
                fn, prefix + _make(unit, 50_000), prefix + _make(unit, 200_000), 8
            )
            assert ok, (
                f"{name} on {family!r} (header={bool(prefix)}): "
                f"{small * 1e3:.1f} ms -> {large * 1e3:.1f} ms for 4x the input"
            )


@pytest.mark.slow
def test_one_megabyte_single_line_is_parsed_quickly():
    from corpora.clean import clean_body

    parse = _parsers()["parse_cable"]
    for unit in ("ABCDEFGHIJ ", "the minister said that ", "1. (C) ", "TAGS: PREL "):
        line = _make(unit, 1 << 20, "")
        for fn in (parse, clean_body):
            t = _best(lambda fn=fn, line=line: fn(HEADER + line), repeats=1)
            assert t < 20.0, f"{getattr(fn, '__name__', fn)} took {t:.1f} s on 1 MB of {unit!r}"


_TOKENS = st.sampled_from([
    "PREL", "PGOV ", "TAGS: ", "[KDEM](#) ", "ABCDEFGHIJ", " ", "\n", "\n\n", "\t", "1. ",
    "(C) ", "(SBU) ", "¶", "REF: ", "A. ", "CAIRO 458 ", "E.O. 12958: ", "Classified By: ",
    "SECTION 01 OF 02 ", "TOKYO 00001346 002.2 OF 006", "150843Z JUN 09 ", "SUBJECT: ",
    "FM ", "AMEMBASSY ", "...", "the ", "said ", "//", "-", "0000", "x", "SIPDIS ",
])


@pytest.mark.slow
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(unit=st.lists(_TOKENS, min_size=1, max_size=8).map("".join))
def test_parsers_are_linear_on_repeated_units(unit):
    for name, fn in _parsers().items():
        small_text = _make(unit, 50_000)
        large_text = _make(unit, 200_000)
        ok, small, large = _grows_linearly(fn, small_text, large_text, 8)
        assert ok, (
            f"{name} on {unit!r} repeated: {small * 1e3:.1f} ms -> {large * 1e3:.1f} ms"
        )
