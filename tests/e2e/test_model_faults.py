"""Broken model files in a real browser: every fault reaches the load callback, the `error` event and the page.

One server serves a models folder holding one broken copy of the official model per fault
(tests/support/model_faults.py); one page per place the network runs (the worker on WASM, the page's own
thread on WASM, WebGL) loads each fault in turn through `modelUrl`. Each load must fail within a
bounded time, naming the broken file and what was wrong, leave no tensors behind, and not leave
the page on "loading". One more fault only the page can meet: a server that stops answering.
"""

from __future__ import annotations

import shutil
import threading

import pytest

from tests.support.browser import SKETCHES, LiveServer, PageWatch, launch_chromium
from tests.support.model_faults import (
    FAULTS,
    FAULTS_BY_NAME,
    SHARD_2,
    Fault,
    assert_message_explains,
    build_all,
    build_fault,
)

# Each load must settle well within this, even on a loaded 2-core machine (a hang fails the test).
LOAD_LIMIT_S = 90
# The pages' limit for one model file (?modelTimeout=): far above what a local file takes here.
FILE_TIMEOUT_S = 6
# A server that stops answering halfway (its second shard never comes): only the page's limit ends it.
STALLED = Fault("stalled", lambda folder: None, SHARD_2, rf"no answer from .* in {FILE_TIMEOUT_S} s .*stalled")
FAULTS_HERE = {**FAULTS_BY_NAME, STALLED.name: STALLED}

PLACES = {  # where the network runs -> (the page address, the backend, where the model would run)
    "worker-wasm": (f"/?backend=wasm&modelTimeout={FILE_TIMEOUT_S}", "wasm", "worker"),
    "main-wasm": (f"/?backend=wasm&worker=0&modelTimeout={FILE_TIMEOUT_S}", "wasm", "main"),
    "main-webgl": (f"/?backend=webgl&modelTimeout={FILE_TIMEOUT_S}", "webgl", "main"),
}
# WebGL (software, SwiftShader) is slow here: the faults found before the network runs, and one after.
WEBGL_FAULTS = ("shard-truncated", "json-malformed", "manifest-wrong-shape", "outputs-wrong-channels")
CASES = [(place, fault.name) for place in ("worker-wasm", "main-wasm") for fault in (*FAULTS, STALLED)] + [
    ("main-webgl", name) for name in WEBGL_FAULTS
]

LOAD_FAULT = """
from pyposenet import poseNet
from pyposenet_js import model as model_js
import asyncio, js

async def _memory():
    m = await model_js.memory()
    return [m.main.numTensors, m.worker.numTensors if m.worker else None]

before = await _memory()
seen, events = [], []
net = poseNet({"modelUrl": MODEL_URL}, lambda err, net: seen.append(str(err)))
net.on("error", lambda err: events.append(str(err)))
try:
    await asyncio.wait_for(asyncio.shield(net.ready), LIMIT_S)
    raised = None
except asyncio.TimeoutError:
    raised = "TIMED OUT"
except Exception as exc:
    raised = str(exc)
{"callback": seen, "events": events, "raised": raised, "before": before, "after": await _memory(),
 "backend": str(js.tf.getBackend())}
"""

RESET_PAGE = """() => {
    const status = document.getElementById('status');
    status.dataset.state = 'running'; status.textContent = 'running';
    document.getElementById('error').hidden = true;
    document.getElementById('error-title').textContent = '';
    document.getElementById('error-details').textContent = '';
}"""


class Stalling:
    """WSGI middleware: requests under /pyposenet/models/faults/stalled/ for SHARD_2 get no answer until released."""

    def __init__(self, app, release: threading.Event):
        self.app = app
        self.release = release

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == f"/pyposenet/models/faults/{STALLED.name}/{SHARD_2}":
            self.release.wait(300)
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def fault_server(tmp_path_factory):
    root = build_all(tmp_path_factory.mktemp("fault-models"))
    build_fault(root, STALLED)
    release = threading.Event()
    server = LiveServer(
        {
            "SKETCH": SKETCHES / "blank.py",
            "MODELS_DIR": root,
            "MODEL_CACHE_DIR": tmp_path_factory.mktemp("empty-cache"),
            "MODEL_BASE_URL": "",
        },
        middleware=lambda app: Stalling(app, release),
    )
    yield server
    release.set()
    server.close()


@pytest.fixture(scope="module")
def place_page(playwright_instance, fault_server):
    """place_page(place) -> a running page for that place (one browser open at a time, reused by its cases)."""
    opened: dict[str, tuple] = {}  # place -> (context, profile, watch)

    def close_all():
        for context, profile, _ in opened.values():
            context.close()
            shutil.rmtree(profile, ignore_errors=True)
        opened.clear()

    def get(place: str) -> PageWatch:
        if place not in opened:
            close_all()
            context, profile = launch_chromium(playwright_instance)
            watch = PageWatch(context.new_page())
            opened[place] = (context, profile, watch)
            watch.page.goto(fault_server.url + PLACES[place][0])
            watch.wait_for_status("running")
        return opened[place][2]

    yield get
    close_all()


@pytest.mark.parametrize("place,fault_name", CASES, ids=[f"{p}-{f}" for p, f in CASES])
def test_broken_model_is_named_in_the_callback_the_error_event_and_on_the_page(place, fault_name, place_page):
    fault = FAULTS_HERE[fault_name]
    watch = place_page(place)
    watch.page.evaluate(RESET_PAGE)
    url = f"pyposenet/models/faults/{fault.name}/model-stride16.json"
    got = watch.python(f"MODEL_URL = {url!r}\nLIMIT_S = {LOAD_LIMIT_S}\n" + LOAD_FAULT)
    assert got["raised"] != "TIMED OUT", f"{fault.name}: the load did not settle in {LOAD_LIMIT_S} s"
    assert got["raised"], f"{fault.name}: the model loaded"
    assert_message_explains(got["raised"], fault)
    assert len(got["callback"]) == 1, got["callback"]
    assert_message_explains(got["callback"][0], fault)
    assert len(got["events"]) == 1, got["events"]
    assert_message_explains(got["events"][0], fault)
    watch.page.wait_for_selector("#error", state="visible", timeout=10_000)
    shown = watch.page.inner_text("#error")
    assert_message_explains(shown, fault)
    assert url in shown
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") == "error"
    assert got["after"] == got["before"], f"{fault.name}: tensors left behind (page, worker): {got}"
    assert got["backend"] == PLACES[place][1]
    if PLACES[place][2] == "worker":
        assert got["after"][1] is not None, "no model worker ran"


@pytest.mark.parametrize("place", ["worker-wasm", "main-wasm"])
def test_after_the_faults_the_good_model_still_loads_and_detects(place, place_page):
    """A failed load leaves nothing broken behind: the same page (and worker) then runs a good model."""
    watch = place_page(place)
    watch.page.evaluate(RESET_PAGE)
    where, count = watch.python("""
from pyposenet import poseNet
import js
img = js.document.createElement('canvas')
img.width = img.height = 64
net = await poseNet({"modelUrl": "pyposenet/models/faults/good/model-stride16.json"})
results = await net.singlePose(img)
[str(net._model.where), len(results)]
""")
    assert where == PLACES[place][2]
    assert count == 1
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") == "running"
