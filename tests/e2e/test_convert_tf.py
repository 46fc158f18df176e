"""A model made by `pyposenet convert SOURCE` (tensorflowjs) in a real page: pyposenet and
@tensorflow-models/posenet 2.2.2 load it through `modelUrl` from the server's models folder and find the
nose the shared float/050 model finds on starter.png (both were converted from the same frozen graph).

The conversion runs in the convert venv (.venv-convert, `make convert-env`); without it this test skips.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import MODELS_DIR, REPO_ROOT
from tests.support.browser import LiveServer
from tests.support.convert_env import CONVERT_PYTHON, FLOAT_050_DIR, FROZEN, require_convert_venv

CONVERTED_URL = "pyposenet/models/converted/mobilenet-050/model.json"  # relative to the page


@pytest.fixture(scope="module")
def server(tmp_path_factory, image_sketch_dir):
    """A server whose models folder holds the converted model and a copy of float/050 (a temp folder)."""
    require_convert_venv()
    models = tmp_path_factory.mktemp("models")
    shutil.copytree(MODELS_DIR / FLOAT_050_DIR, models / FLOAT_050_DIR)
    run = subprocess.run(
        [
            str(CONVERT_PYTHON),
            "-m",
            "pyposenet.cli",
            "convert",
            str(MODELS_DIR / FROZEN),
            "--out",
            str(models / "converted" / "mobilenet-050"),
            "--no-check",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    live = LiveServer(
        {
            "SKETCH": image_sketch_dir / "blank.py",
            "MODELS_DIR": models,
            "MODEL_CACHE_DIR": tmp_path_factory.mktemp("empty-cache"),
            "MODEL_BASE_URL": "http://127.0.0.1:9/unreachable/",
        }
    )
    yield live.url
    live.close()


def test_converted_model_gives_the_float_050_nose_in_pyposenet_and_posenet_js(server, open_page):
    watch = open_page(server + "/?backend=wasm")
    watch.wait_for_status("running")
    converted, official = watch.python(f"""
from pyposenet import poseNet
import js
img = js.document.createElement('img')
img.src = 'starter.png'
await img.decode()
def nose(results):
    return [results[0].pose.nose.x, results[0].pose.nose.y, results[0].pose.nose.confidence]
converted = await poseNet("single", {{"modelUrl": "{CONVERTED_URL}"}})
official = await poseNet("single", {{"multiplier": 0.5}})
[nose(await converted.singlePose(img)), nose(await official.singlePose(img))]
""")
    # The same graph and weights (the unit tests check bit-equal outputs), so the same nose.
    assert converted == pytest.approx(official, abs=1e-3)
    # posenet 2.x reads the outputs by position: they must be in Google's order (offsets, heatmap, fwd, bwd).
    reference = watch.page.evaluate(f"""async () => {{
        await new Promise((resolve, reject) => {{
            const s = document.createElement('script');
            s.src = '/reference/posenet/posenet.min.js';
            s.onload = resolve; s.onerror = reject; document.head.appendChild(s);
        }});
        const img = new Image();
        img.src = 'starter.png';
        await img.decode();
        const net = await posenet.load({{architecture: 'MobileNetV1', outputStride: 16, inputResolution: 257,
            multiplier: 0.5, quantBytes: 4, modelUrl: '{CONVERTED_URL}'}});
        const pose = await net.estimateSinglePose(img, {{flipHorizontal: false}});
        net.dispose();
        return [pose.keypoints[0].position.x, pose.keypoints[0].position.y, pose.keypoints[0].score];
    }}""")
    assert reference == pytest.approx(converted, abs=0.5)
    assert converted[2] > 0.9
    assert not watch.outside_requests(), watch.outside_requests()
    assert not watch.page_errors, watch.page_errors
