"""Shared fixtures: the seed graph built once per session into a temporary store."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.pipeline import build
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_store_path(tmp_path_factory) -> Path:
    """A store directory holding the five seeds, built once."""
    path = tmp_path_factory.mktemp("seed-store") / "store"
    store = Store(path)
    report = build([SEEDS], store)
    assert report.failed == []
    del store
    return path


@pytest.fixture(scope="session")
def seed_store(seed_store_path) -> Store:
    """The seed store, opened once for reading."""
    return Store(seed_store_path, read_only=True)
