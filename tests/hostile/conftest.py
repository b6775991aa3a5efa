"""Fixtures for the hostile-input suite: the bundled sample corpus and small bad files.

Every test here reproduces one item of issue 12 ("Nothing a file, a kill or a second
process can do loses data or hangs the tool") and failed on the code before it. Anything
that could hang or crash the interpreter on bad code runs in a subprocess with a timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "corpora" / "data" / "sample" / "cables"
N_SAMPLE = 400

#: A raw cable with every header field, used to build hostile variants.
SEED_CABLE = SAMPLE / "2003" / "01" / "03SEOUL1.txt"


def sample_refs() -> set[str]:
    """The refs of the bundled sample (the file names)."""
    return {p.stem for p in SAMPLE.rglob("*.txt")}


def run_python(code: str, *, timeout: float = 120, cwd: Path | None = None,
               env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter (a hang or a crash cannot take the suite down)."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout,
        cwd=cwd or ROOT, env={**os.environ, **(env or {})}, check=False,
    )


def cli(*args: str, timeout: float = 300, cwd: Path | None = None
        ) -> subprocess.CompletedProcess:
    """Run ``cable-topics ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-c", "import sys; from topics.cli import main; sys.exit(main())",
         *args], capture_output=True, text=True, timeout=timeout, cwd=cwd or ROOT, check=False,
    )


def jsonl_cable(ref: str, date: str, body: str | None = None, **extra) -> str:
    """One JSON Lines cable object."""
    text = body or SEED_CABLE.read_text(encoding="latin-1")
    obj = {"reference_id": ref, "date_time": date, "origin": "Embassy Seoul",
           "classification": "CONFIDENTIAL", "body": text, **extra}
    return json.dumps(obj) + "\n"


def frus_doc(doc_id: str, *, date: str | None = None, depth: int = 0) -> str:
    """A FRUS TEI volume with one document (``depth`` nested ``<hi>`` in its paragraph)."""
    attr = f' frus:doc-dateTime-min="{date}"' if date else ""
    inner = "<hi>" * depth + "deep text" + "</hi>" * depth
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0" '
        'xmlns:frus="http://history.state.gov/frus/ns/1.0" xml:id="frus1977-80v99">'
        f'<text><body><div type="document" xml:id="{doc_id}" n="1"{attr}>'
        "<head>1. Telegram From the Embassy</head>"
        f"<p>1. The ambassador met the minister today about trade. {inner}</p>"
        "</div></body></text></TEI>\n"
    )


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_CABLE.read_text(encoding="latin-1")
