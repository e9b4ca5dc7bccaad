"""Shared fixtures: paths to the bundled example and to the optional development data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "inf-treaty"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def example_dir() -> Path:
    return EXAMPLE


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The development data in ../shared/data; tests needing it skip, saying why, when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"development data not found at {SHARED_DATA} (a fresh clone has no ../shared)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def inf_brief():
    """The brief of the bundled INF Treaty example, made once for the session."""
    import tidings

    return tidings.brief([EXAMPLE], max_words=150)
