"""Shared fixtures. Real-cable tests use ../shared and skip with a reason when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Timing deadlines make property tests flaky on a loaded 2-core machine; correctness, not
# speed, is what they check (speed lives in benchmarks/).
settings.register_profile("cable-topics", deadline=None)
settings.load_profile("cable-topics")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__import__("os").environ.get("CABLE_TOPICS_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"
SEED_DIR = SHARED / "seeds"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real-cable fixture {path} is absent (../shared is not checked out here)")
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return _need(SHARED_DATA)


@pytest.fixture(scope="session")
def seed_cable_path() -> Path:
    seeds = sorted(_need(SEED_DIR).glob("*.txt"))
    if not seeds:
        pytest.skip(f"no seed cable in {SEED_DIR}")
    return seeds[0]
