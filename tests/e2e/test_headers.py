"""The real page under the app's Content-Security-Policy: it runs, and the browser reports no violation. It is
cross-origin isolated (COOP + COEP), so on wasm the model worker runs TF.js's threaded build, whose helper threads
start from blob: scripts, under the same policy; the FPS meter's details say how many threads run.

Violations are collected in the page itself (a `securitypolicyviolation` listener installed before
any page script) and from the console (Chromium logs "... violates the following Content Security
Policy directive ..." for blocked loads).
"""

from __future__ import annotations

import re

import pytest

from pyposenet.server.security import CONTENT_SECURITY_POLICY, ISOLATION_HEADERS, meta_policy
from tests.conftest import MODELS_DIR, REPO_ROOT
from tests.support.browser import FAKE_WEBCAM_640, LiveServer, PageWatch
from tests.support.engine import WORKER_SCRIPT, wait_for_engine_details, worker_engine

DEFAULT_SKETCH = REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push({
  directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber}));
"""
CSP_MESSAGE = re.compile(r"Content.Security.Policy|Refused to", re.IGNORECASE)
COUNT_POSE_EVENTS = """
from pyposenet.net import live_nets
csp_test_events = []
live_nets()[0].on("pose", lambda results: csp_test_events.append(len(results)))
None  # on() returns the net: don't hand a proxy of it back to Playwright
"""


def open_recorded(launch, url: str, fake_video=None):
    """(PageWatch, main document response) for `url`, recording CSP violations from the start."""
    page = launch(fake_video).new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    watch = PageWatch(page)
    return watch, page.goto(url)


def violations(watch: PageWatch) -> list[dict]:
    return watch.page.evaluate("window.cspViolations")


def csp_console_errors(watch: PageWatch) -> list[str]:
    return [text for text in watch.console_errors if CSP_MESSAGE.search(text)]


def tf_in_workers(watch: PageWatch) -> list:
    """Per worker the page started: None (no TF.js there), its TF.js backend, or 'broken'.

    A worker has its own CSP (its script's response headers) and its own console, so a violation in
    it never reaches the page's listener; a TF.js that failed to load under that CSP shows here. The blob:
    workers are the threads of TF.js's threaded wasm build: no TF.js global, and one the network uses sits in
    Atomics.wait between jobs, where it could never answer."""
    return [
        worker.evaluate(
            "typeof tf === 'undefined' ? null : typeof tf.getBackend === 'function' ? tf.getBackend() : 'broken'"
        )
        for worker in watch.page.workers
        if not worker.url.startswith("blob:")
    ]


def wait_for_pose_events(watch: PageWatch, count: int = 3) -> None:
    """Let the detection loop run a few frames (the backend's kernels, read-backs, drawing)."""
    watch.python(COUNT_POSE_EVENTS)
    watch.page.wait_for_function(
        f"() => window.pyposenet.pyodide.runPython('len(csp_test_events)') >= {count}", timeout=60_000
    )


def isolation_headers_of(watch: PageWatch, url: str) -> dict[str, str | None]:
    """COOP and COEP as the page's own fetch of `url` (relative to the page) reads them."""
    return watch.page.evaluate(
        """async ([url, names]) => { const r = await fetch(url);
        return Object.fromEntries(names.map((n) => [n, r.headers.get(n)])); }""",
        [url, list(ISOLATION_HEADERS)],
    )


def assert_threaded_wasm(watch: PageWatch, threads: int) -> None:
    """The page and the model worker are isolated; the worker runs the threaded build with `threads` threads."""
    assert watch.page.evaluate("() => self.crossOriginIsolated") is True
    assert isolation_headers_of(watch, "." + WORKER_SCRIPT) == ISOLATION_HEADERS
    details = wait_for_engine_details(watch)
    assert f"TF.js wasm in a worker · {threads} threads (threaded SIMD build) · fused graph" in details
    assert worker_engine(watch) == {"isolated": True, "backend": "wasm", "threads": threads}


# wasm asks for 2 threads: TF.js's default is half the cores (1 on a 2-core machine), which would start the
# threaded build's helpers but run none of the network on them.
@pytest.mark.parametrize("backend,query", [("webgl", ""), ("wasm", "&wasmThreads=2")], ids=["webgl", "wasm"])
def test_default_page_runs_under_the_csp_without_violations(serve, launch, backend, query):
    watch, response = open_recorded(launch, f"{serve(DEFAULT_SKETCH)}/?backend={backend}{query}", FAKE_WEBCAM_640)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert {name: response.headers.get(name.lower()) for name in ISOLATION_HEADERS} == ISOLATION_HEADERS
    meta = watch.page.eval_on_selector('meta[http-equiv="Content-Security-Policy"]', "e => e.content")
    assert meta == meta_policy(CONTENT_SECURITY_POLICY)  # the page carries it too (for static hosts)
    watch.wait_for_status("running")
    wait_for_pose_events(watch)
    in_workers = tf_in_workers(watch)
    assert "broken" not in in_workers
    assert backend in [watch.page.evaluate("tf.getBackend()"), *in_workers]  # the page or its worker ran it
    if backend == "wasm":
        assert_threaded_wasm(watch, threads=2)
    assert violations(watch) == []
    assert csp_console_errors(watch) == []
    assert not watch.page_errors


def test_the_violation_recorder_sees_a_blocked_inline_script(serve, launch):
    """The check above can fail: an injected inline script is blocked and reported."""
    watch, _ = open_recorded(launch, serve(DEFAULT_SKETCH) + "/")
    ran = watch.page.evaluate("""() => new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', () => resolve(window.inlineRan === true));
        const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true';
        document.head.appendChild(script);
    })""")
    assert ran is False
    # one report per policy the page is under: the header's and the <meta>'s (the same directives)
    assert [v["directive"] for v in violations(watch)] == ["script-src-elem"] * 2


def test_strings_are_never_run_as_code(serve, launch):
    """The policy has no 'unsafe-eval': TF.js (page and worker), Pyodide and p5 run without it (the
    test above), and a sketch's js.eval is refused with the browser's EvalError."""
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    watch, _ = open_recorded(launch, f"{serve(DEFAULT_SKETCH)}/?backend=wasm", FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    refused = watch.python("""
import js
try:
    js.eval("1 + 1")
    refused = None
except Exception as error:
    refused = str(error)
refused
""")
    assert refused is not None and "EvalError" in refused
    assert [v["directive"] for v in violations(watch)] == ["script-src"] * 2  # header and <meta>


def test_tfjs_needs_its_prelude_under_the_policy(launch):
    """Without pyposenet/web/tf-prelude.js, tf.min.js trips the policy (its regenerator-runtime calls
    Function()): the prelude is what lets TF.js load without 'unsafe-eval'."""
    live = LiveServer(
        {"SKETCH": DEFAULT_SKETCH, "MODELS_DIR": MODELS_DIR, "MODEL_BASE_URL": "http://127.0.0.1:9/unreachable/"}
    )
    try:
        page = launch(None).new_page()
        page.add_init_script(RECORD_VIOLATIONS)
        page.route(
            "**/pyposenet/web/tf-prelude.js",
            lambda route: route.fulfill(status=200, content_type="text/javascript", body="// removed by the test"),
        )
        watch = PageWatch(page)
        page.goto(live.url + "/")
        page.wait_for_function("() => window.cspViolations.length > 0", timeout=120_000)
        blamed = {(v["directive"], v["source"].rsplit("/", 1)[-1]) for v in violations(watch)}
        assert ("script-src", "tf.min.js") in blamed
    finally:
        live.close()
