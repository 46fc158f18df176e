"""Fixtures shared by the unit and e2e tests: where ../shared lives."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("PYPOSENET_SHARED", REPO_ROOT.parent / "shared")).resolve()
MODELS_DIR = SHARED_DIR / "models"
TESTDATA_DIR = SHARED_DIR / "testdata"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.fail(f"shared data folder not found at {SHARED_DIR} (set PYPOSENET_SHARED)")
    return SHARED_DIR


@pytest.fixture(scope="session")
def models_dir(shared_dir) -> Path:
    return shared_dir / "models"


@pytest.fixture(scope="session")
def testdata_dir(shared_dir) -> Path:
    return shared_dir / "testdata"
