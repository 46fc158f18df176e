"""ml5.neuralNetwork trained in the page (web/nn-train.js on the page's TF.js) on the tutorial's data size
(benchmarks/classify_nn.py's 2 x 150 samples of 34 numbers), beside numpy under CPython: training 50 epochs, the
frames p5 drew meanwhile, and classify per call after training: pure Python on the trained weights (what the page
does) against a TF.js predict() on the same weights (dataSync, and awaited data() as ml5 reads it). Runs headless
Chromium on a blank sketch, once on TF.js's default backend (WebGL; software WebGL on a machine without a GPU)
and once on wasm (?backend=wasm). Prints figures; not a test.

    .venv/bin/python benchmarks/classify_nn_page.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from classify_nn import EPOCHS, tutorial_rows  # noqa: E402 - beside this file
from playwright.sync_api import sync_playwright  # noqa: E402 - after sys.path gets the checkout

from pyposenet.classify import neuralNetwork  # noqa: E402
from tests.conftest import MODELS_DIR  # noqa: E402
from tests.support.browser import LiveServer, PageWatch, launch_chromium  # noqa: E402

BLANK_SKETCH = "def setup():\n    createCanvas(200, 100)\n\n\ndef draw():\n    background(frameCount % 255)\n"
CLASSIFY_CALLS = 200

IN_PAGE = """
import json, time, js
from pyodide.ffi import to_js
from pyposenet import ml5
from pyposenet._browser.sketch import current_bridge
bridge = current_bridge()
rows = json.loads(ROWS)
out = {"backend": js.tf.getBackend()}
nn = ml5.neuralNetwork({"inputs": 34, "outputs": 2, "task": "classification"})
for xs, label in rows:
    nn.addData(xs, [label])
nn.normalizeData()
frame, start = bridge.p5.frameCount, time.perf_counter()
await nn.train({"epochs": EPOCHS})
out["train_ms"] = (time.perf_counter() - start) * 1000
out["frames_while_training"] = bridge.p5.frameCount - frame
queries = [xs for xs, _ in rows[:CALLS]]
start = time.perf_counter()
for q in queries:
    nn.classify(q)
out["classify_pure_python_ms"] = (time.perf_counter() - start) * 1000 / len(queries)
tf, (hidden, last) = js.tf, nn._network().weights()
model = tf.sequential()
for layer, extra in ((hidden, [["inputShape", [34]]]), (last, [])):
    config = [["units", layer.units], ["activation", layer.activation], *extra]
    model.add(tf.layers.dense(js.Object.fromEntries(to_js(config))))
weights = [tf.tensor(to_js(list(v)), to_js(s)) for layer in (hidden, last)
           for v, s in ((layer.kernel, [layer.input_units, layer.units]), (layer.bias, [layer.units]))]
model.setWeights(to_js(weights))
tf.dispose(to_js(weights))
normalized = [nn._data.input_numbers(q) for q in queries]
for name, awaited in (("classify_tfjs_datasync_ms", False), ("classify_tfjs_awaited_ms", True)):
    start = time.perf_counter()
    for q in normalized:
        x = tf.tensor2d(to_js([q]))
        y = model.predict(x)
        values = (await y.data()) if awaited else y.dataSync()
        x.dispose(); y.dispose()
    out[name] = (time.perf_counter() - start) * 1000 / len(normalized)
model.dispose()
json.dumps(out)
"""


def in_page(query: str) -> dict:
    rows = [[xs, label] for xs, label in tutorial_rows()]
    code = IN_PAGE.replace("ROWS", repr(json.dumps(rows))).replace("EPOCHS", str(EPOCHS))
    code = code.replace("CALLS", str(CLASSIFY_CALLS))
    with tempfile.TemporaryDirectory() as folder:
        sketch = Path(folder) / "blank.py"
        sketch.write_text(BLANK_SKETCH)
        server = LiveServer({"SKETCH": sketch, "MODELS_DIR": MODELS_DIR, "MODEL_BASE_URL": "http://127.0.0.1:9/none/"})
        try:
            with sync_playwright() as playwright:
                context, profile = launch_chromium(playwright)
                try:
                    watch = PageWatch(context.new_page())
                    watch.page.goto(server.url + "/" + query)
                    watch.wait_for_status("running")
                    watch.python(code)  # a first run: the page's TF.js starts its backend, Python warms up
                    return json.loads(watch.python(code))
                finally:
                    context.close()
        finally:
            server.close()


def numpy_train_ms() -> float:
    nn = neuralNetwork({"inputs": 34, "outputs": 2, "task": "classification"})
    for xs, label in tutorial_rows():
        nn.addData(xs, [label])
    nn.normalizeData()
    start = time.perf_counter()
    nn.train({"epochs": EPOCHS})
    return (time.perf_counter() - start) * 1000


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"numpy (CPython): train {EPOCHS} epochs {numpy_train_ms():.0f} ms")
    for query in ("", "?backend=wasm"):
        print(f"page {query or '(default backend)'}: {json.dumps(in_page(query))}")
    print(f"numpy (CPython), again: train {EPOCHS} epochs {numpy_train_ms():.0f} ms")


if __name__ == "__main__":
    main()
