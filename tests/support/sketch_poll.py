"""Waiting on a running sketch from a test: Python conditions on its namespace, polled in the page.

`SKETCH_NAMESPACE` prepended to Python run in the page gives `bridge` (the sketch's bridge) and `ns` (its
namespace). `poll(watch, condition)` waits until `condition` holds there, failing at once if the page shows an
error (the page's CSP has no 'unsafe-eval', so Playwright's string wait_for_function cannot be used).
"""

from __future__ import annotations

import time

import pytest

from tests.support.browser import PageWatch

SKETCH_NAMESPACE = (
    "from pyposenet._browser.sketch import current_bridge\nbridge = current_bridge()\nns = bridge.runner.namespace\n"
)


def poll(watch: PageWatch, condition: str, timeout_s: float = 120.0) -> None:
    """Wait until the Python expression `condition` holds in the running sketch's namespace (or the page fails)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = watch.page.eval_on_selector("#status", "e => e.dataset.state")
        assert state != "error", watch.page.inner_text("#error")
        ready = watch.page.evaluate(
            "(code) => { const p = window.pyposenet; return !!(p && p.bridge && p.pyodide.runPython(code)); }",
            SKETCH_NAMESPACE + f"bool({condition})",
        )
        if ready:
            return
        time.sleep(0.25)
    pytest.fail(f"not reached in {timeout_s} s: {condition}")
