"""The cold start's speculative preload (web/start.js, web/model-preload.js, docs/architecture.md "Boot order"):
with ?backend=wasm the model worker loads the default model while Python loads. A sketch asking for that model
takes it (no second download); a sketch asking for another one gets exactly the one it asked for, and the
preloaded model is disposed. Either way nothing is requested from outside the app."""

from __future__ import annotations

import json
import time

from tests.conftest import MODELS_DIR
from tests.support.browser import SKETCHES, PageWatch

DEFAULT_MODEL = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
OTHER_MODEL = "savedmodel/posenet/mobilenet/float/050/model-stride16.json"

NET_MODEL = """
from pyposenet.net import live_nets
from pyposenet_js import model as model_js
net = live_nets()[0]
await net.ready
memory = await model_js.memory()
[str(net._model.where), str(net._model.backend), memory.worker.numTensors]
"""


def requests_for(watch: PageWatch, model_json: str) -> list[str]:
    return [url for url in watch.requests if url.split("?")[0].endswith(f"/pyposenet/models/{model_json}")]


def timeline_once(watch: PageWatch, step: str, timeout_s: float = 30) -> dict:
    """The page's cold-start timeline once it has `step` (polled: the page's CSP forbids string eval)."""
    deadline = time.monotonic() + timeout_s
    while True:
        timeline = watch.page.evaluate("() => ({...window.pyposenetTimeline})")
        if step in timeline or time.monotonic() > deadline:
            return timeline
        time.sleep(0.1)


def weight_count(model_json: str) -> int:
    """The number of weight tensors the model's manifest lists (the graph holds one tensor per weight)."""
    manifest = json.loads((MODELS_DIR / model_json).read_text())["weightsManifest"]
    return sum(len(group["weights"]) for group in manifest)


def sketch_asking(folder, options: str):
    """The blank test sketch making one net at its top level with these options (a Python dict's text)."""
    sketch = folder / "one_net.py"
    sketch.write_text(
        (SKETCHES / "blank.py").read_text() + f"\nfrom pyposenet import poseNet\n\nnet = poseNet({options})\n"
    )
    return sketch


def test_a_sketch_asking_for_the_default_model_takes_the_preloaded_one(serve, open_page, tmp_path):
    watch = open_page(serve(sketch_asking(tmp_path, "{}")) + "/?backend=wasm")
    watch.wait_for_status("running")
    where, backend, tensors = watch.python(NET_MODEL)
    assert (where, backend) == ("worker", "wasm")
    timeline = timeline_once(watch, "preload used")
    assert "preload used" in timeline, timeline
    assert tensors == weight_count(DEFAULT_MODEL)  # one model in the worker: the preloaded one, no second copy
    assert len(requests_for(watch, DEFAULT_MODEL)) == 1, watch.requests
    assert not watch.outside_requests(), watch.outside_requests()
    assert not watch.page_errors, watch.page_errors


def test_a_sketch_asking_for_another_model_gets_it_and_the_preload_is_disposed(serve, open_page, tmp_path):
    assert weight_count(OTHER_MODEL) == weight_count(DEFAULT_MODEL)  # two models in the worker would count twice
    watch = open_page(serve(sketch_asking(tmp_path, "{'multiplier': 0.5}")) + "/?backend=wasm")
    watch.wait_for_status("running")
    where, backend, tensors = watch.python(NET_MODEL)
    assert (where, backend) == ("worker", "wasm")
    assert "preload used" not in timeline_once(watch, "model ready")
    assert tensors == weight_count(OTHER_MODEL)  # the preloaded model was disposed
    assert len(requests_for(watch, OTHER_MODEL)) == 1, watch.requests
    assert len(requests_for(watch, DEFAULT_MODEL)) == 1, watch.requests  # the preload's, before the sketch asked
    assert not watch.outside_requests(), watch.outside_requests()
    assert not watch.page_errors, watch.page_errors
