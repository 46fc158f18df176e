"""The convert venv (.venv-convert, `make convert-env`: tensorflowjs and TensorFlow 2.19, ~0.9 GB of wheels)
and the shared models the converter tests start from. Used by tests/unit/test_convert_tf.py and
tests/e2e/test_convert_tf.py; without the venv their tests that need it skip with `CONVERT_VENV_ABSENT`."""

import os
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CONVERT_PYTHON = Path(os.environ.get("PYPOSENET_CONVERT_PYTHON", REPO_ROOT / ".venv-convert" / "bin" / "python"))
CONVERT_VENV_ABSENT = (
    f"{CONVERT_PYTHON} absent: `make convert-env` creates it "
    "(tensorflowjs, ~0.9 GB; `make test` and `make e2e` do, `make unit` does not)"
)
# Paths under ../shared/models: the TF1 frozen graph of MobileNet 0.50 and the TF.js model converted from it.
FROZEN = "extra/tf1-frozen-mobilenet-050/model-mobilenet_v1_050.pb"
FLOAT_050_DIR = "savedmodel/posenet/mobilenet/float/050"
FLOAT_050 = f"{FLOAT_050_DIR}/model-stride16.json"

needs_convert_venv = pytest.mark.skipif(not CONVERT_PYTHON.is_file(), reason=CONVERT_VENV_ABSENT)


def require_convert_venv() -> None:
    """For fixtures: skip (with the reason above) when the convert venv is absent."""
    if not CONVERT_PYTHON.is_file():
        pytest.skip(CONVERT_VENV_ABSENT)
