"""How TF.js runs the network in a page: the FPS meter's details line (web/fps.js, model.js engineDetails) and
the model worker's own view (isolation, backend, wasm threads). For the e2e tests of threaded wasm."""

from __future__ import annotations

import time

import pytest

from tests.support.browser import PageWatch

WORKER_SCRIPT = "/pyposenet/web/model-worker.js"


def wait_for_engine_details(watch: PageWatch, poses: int = 3, timeout_s: float = 60) -> str:
    """The FPS meter's details line once `poses` pose results came (polled: the page's CSP forbids string eval)."""
    deadline = time.monotonic() + timeout_s
    state: dict = {}
    while time.monotonic() < deadline:
        state = watch.page.evaluate(
            "() => ({poses: window.pyposenet ? window.pyposenet.bridge.pose_frames() : null,"
            " engine: document.getElementById('fps').dataset.engine || null})"
        )
        if state["engine"] and (state["poses"] or 0) >= poses:
            return state["engine"]
        time.sleep(0.2)
    pytest.fail(f"no {poses} pose results with the meter's details in {timeout_s} s: {state}")


def worker_engine(watch: PageWatch) -> dict:
    """{isolated, backend, threads} as the model worker sees them (threads: the wasm backend's, else None)."""
    [worker] = [w for w in watch.page.workers if w.url.endswith(WORKER_SCRIPT)]
    return worker.evaluate(
        "() => ({isolated: self.crossOriginIsolated, backend: tf.getBackend(),"
        " threads: tf.getBackend() === 'wasm' ? tf.wasm.getThreadsCount() : null})"
    )
