"""Soak: the default sketch detecting on the fake camera for a long time, its memory measured as it goes.

    .venv/bin/python benchmarks/soak.py [--minutes 30 | --frames 20000] [--every 1000] [--warmup 200]
    make soak MINUTES=30

The page (wasm backend, the network in the worker, the default) runs on, and at the warm-up frame,
every --every pose frames and at the end the soak pauses detection (no frame in flight), collects
garbage in Python and JavaScript and reads (tests/support/page_memory.py):

  tf.memory().numTensors on the page and in the worker, live PyProxies (Pyodide's allocation tracer),
  JavaScript objects held by Python (hiwire refs), the page's JS heap after a full GC, Pyodide's wasm
  memory, the worker's TF.js wasm memory and Python's gc object count;

then resumes. It prints a line per measurement and a verdict against the warm-up (`verdict`), exiting 1
when something grew. The soak itself (`Soak`, `verdict` and the bounds with their reasons) is
tests/support/soak.py: tests/e2e/test_soak.py runs the same `Soak` for 2,000 frames in `make test`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, FAKE_CAMERA_FLAGS  # noqa: E402 - (as below)
from tests.support.soak import Soak, SoakError, verdict  # noqa: E402 - after sys.path gets the checkout (run as a script)

CHROMIUM_ARGS = [*CHROMIUM_FLAGS, *FAKE_CAMERA_FLAGS]
SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
FAKE_WEBCAM = SHARED / "testdata" / "video" / "fake-webcam" / "pose_1_640x480.mjpeg"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float, help="soak for this long after the warm-up (default 30)")
    length.add_argument("--frames", type=int, help="soak until this many pose frames instead")
    parser.add_argument("--every", type=int, default=1000, help="measure every N pose frames (default 1000)")
    parser.add_argument("--warmup", type=int, default=200, help="pose frame of the first measurement (default 200)")
    parser.add_argument("--page-args", default="backend=wasm", help="the page address's query (default backend=wasm)")
    parser.add_argument("--video", type=Path, default=FAKE_WEBCAM)
    args = parser.parse_args(argv)
    seconds = None if args.frames else 60 * (args.minutes if args.minutes is not None else 30)

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from pyposenet.server import create_app

    app = create_app({"MODELS_DIR": SHARED / "models", "MODEL_BASE_URL": "http://127.0.0.1:9/offline/"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    url = f"http://127.0.0.1:{server.server_port}/?{args.page_args}"
    profile = tempfile.mkdtemp(prefix="pyposenet-soak-")
    how_long = f"{args.frames} pose frames" if seconds is None else f"{seconds / 60:g} minutes"
    print(
        f"soak: {url}, {how_long} after pose frame {args.warmup}, measuring every {args.every} frames "
        f"(load average {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                viewport={"width": 800, "height": 600},
                args=CHROMIUM_ARGS + [f"--use-file-for-fake-video-capture={args.video}"],
            )
            try:
                page = context.new_page()
                page.goto(url)
                page.wait_for_function(
                    "() => window.pyposenet && ['running', 'error'].includes("
                    "document.getElementById('status').dataset.state)",
                    timeout=240_000,
                )
                if page.eval_on_selector("#status", "e => e.dataset.state") == "error":
                    print(f"the page shows an error: {page.inner_text('#error')}")
                    return 1
                soak = Soak(page)
                warm, end = soak.run(
                    args.warmup,
                    args.every,
                    frames=args.frames,
                    seconds=seconds,
                    report=lambda line: print(line, flush=True),
                )
                origins = page.evaluate("() => window.pyposenetMeasure.proxyOrigins()")
            finally:
                context.close()
    except SoakError as exc:
        print(f"FAIL: {exc}")
        return 1
    finally:
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    problems = verdict(warm, end) + [f"page error: {e}" for e in soak.page_errors]
    print(
        f"\n{end.poses - warm.poses} pose frames and {end.frame - warm.frame} draw frames in "
        f"{end.seconds - warm.seconds:.0f} s after the warm-up (load average {os.getloadavg()[0]:.1f})"
    )
    if origins:
        print(f"live PyProxies by origin: {origins}")
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print(
        f"PASS: tensors, PyProxies and hiwire refs constant; JS heap {100 * (end.js_heap / warm.js_heap - 1):+.1f} %, "
        f"Pyodide wasm {end.wasm - warm.wasm:+d} bytes, Python objects {end.py_objects - warm.py_objects:+d}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
