"""The network in a Web Worker (web/model-worker.js): the default, same results as the main thread."""

from __future__ import annotations

import pytest

from tests.conftest import REPO_ROOT
from tests.support.browser import FAKE_WEBCAM_640

DEFAULT_SKETCH = REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"

LOAD_STARTER = """
from pyposenet import poseNet
from pyposenet._browser.runtime import BrowserRuntime
from pyposenet_js import model as model_js
import js
img = js.document.createElement('img')
img.src = 'starter.png'
await img.decode()

def flat(results):
    return [[r.pose.score] + [v for k in r.pose.keypoints for v in (k.position.x, k.position.y, k.score)]
            for r in results]
"""


def test_default_page_runs_the_model_in_the_worker_and_keeps_emitting(serve, open_page):
    watch = open_page(serve(DEFAULT_SKETCH) + "/?backend=wasm", fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    where, backend = watch.python("""
from pyposenet.net import live_nets
import js, asyncio
net = live_nets()[0]
events = []
net.on("pose", lambda results: events.append(len(results)))
[str(net._model.where), str(net._model.backend)]
""")
    assert (where, backend) == ("worker", "wasm")
    first = watch.python("await asyncio.sleep(2)\nlen(events)")
    second = watch.python("await asyncio.sleep(2)\nlen(events)")
    assert first >= 3 and second - first >= 3, (first, second)
    assert not watch.outside_requests(), watch.outside_requests()
    assert not watch.page_errors, watch.page_errors


def test_worker_zero_in_the_address_keeps_the_model_on_the_page(serve, open_page):
    watch = open_page(serve(DEFAULT_SKETCH) + "/?backend=wasm&worker=0", fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    assert watch.python("from pyposenet.net import live_nets\nstr(live_nets()[0]._model.where)") == "main"


# webgl: two SwiftShader contexts (worker + page) crashed the renderer once under load; wasm covers the equality
@pytest.mark.parametrize("backend", ["wasm"])
def test_worker_results_equal_the_main_thread_on_the_same_image(backend, serve, open_page, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/")
    watch.wait_for_status("running")
    worker, main, places = watch.python(
        LOAD_STARTER
        + f"""
net = await poseNet("multiple", {{"backend": "{backend}", "scoreThreshold": 0.1}})
in_worker = net._model
on_page = await BrowserRuntime().load_model({{**net.options, "worker": False}})
net._model = in_worker
ours_worker = flat(await net.singlePose(img)) + flat(await net.multiPose(img))
net._model = on_page
ours_main = flat(await net.singlePose(img)) + flat(await net.multiPose(img))
[ours_worker, ours_main, [str(in_worker.where), str(on_page.where), js.tf.getBackend()]]
"""
    )
    assert places == ["worker", "main", backend]
    assert len(worker) == len(main) >= 2
    for a, b in zip(worker, main, strict=False):
        assert a == pytest.approx(b, abs=0.01)


def test_worker_keeps_its_tensors_constant_over_50_frames(serve, open_page, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/?backend=wasm")
    watch.wait_for_status("running")
    where, before, after, page_before, page_after = watch.python(
        LOAD_STARTER
        + """
net = await poseNet("multiple")
await net.multiPose(img)
m0 = await model_js.memory()
for _ in range(50):
    await net.multiPose(img)
m1 = await model_js.memory()
[str(net._model.where), m0.worker.numTensors, m1.worker.numTensors, m0.main.numTensors, m1.main.numTensors]
"""
    )
    assert where == "worker"
    assert before == after, f"worker tensors grew from {before} to {after} over 50 frames"
    assert page_before == page_after


def test_missing_model_message_from_the_worker_reaches_python_and_the_page(serve, open_page, image_sketch_dir):
    watch = open_page(serve(image_sketch_dir / "blank.py") + "/")
    watch.wait_for_status("running")
    seen, raised, worker_tensors = watch.python("""
from pyposenet import poseNet
from pyposenet_js import model as model_js
seen = []
net = poseNet({"multiplier": 1.0, "backend": "wasm"}, lambda err, net: seen.append(str(err)))
try:
    await net
    raised = None
except Exception as exc:
    raised = str(exc)
memory = await model_js.memory()
[seen[0] if seen else None, raised, memory.worker.numTensors if memory.worker else None]
""")
    missing = "savedmodel/posenet/mobilenet/float/100/model-stride16.json"
    assert worker_tensors is not None, "no model worker was running"
    for message in (seen, raised):
        assert message and missing in message and "not found" in message, message
    watch.page.wait_for_selector("#error", state="visible")
    shown = watch.page.inner_text("#error")
    assert missing in shown and "not found" in shown
