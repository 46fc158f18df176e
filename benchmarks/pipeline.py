"""Pipeline figures in headless Chromium with the fake camera: cold start and per-frame costs.

    .venv/bin/python benchmarks/pipeline.py [--backends wasm webgl] [--seconds 20] [--json FILE]

Prints, per backend: page open -> Python ready -> model loaded -> first pose (ms), and the median
per-frame ms of the model step (frame -> tensor, network, read-back) and of Python decoding, from
the net's own FrameStats. A benchmark, not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from pyposenet.server import create_app  # noqa: E402

SHARED = REPO.parent / "shared"
FAKE_WEBCAM = SHARED / "testdata" / "video" / "fake-webcam" / "pose_1_640x480.mjpeg"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
                 "--use-fake-device-for-media-stream"]


def measure(pw, url: str, backend: str, seconds: float, video: Path) -> dict:
    profile = tempfile.mkdtemp(prefix="pyposenet-bench-")
    context = pw.chromium.launch_persistent_context(
        profile, executable_path="/usr/bin/chromium", headless=True,
        args=CHROMIUM_ARGS + [f"--use-file-for-fake-video-capture={video}"])
    try:
        page = context.new_page()
        page.goto(f"{url}/?backend={backend}")
        page.wait_for_function("() => ['running','error'].includes(document.getElementById('status').dataset.state)"
                               " && window.pyposenetTimeline['running'] > (window.pyposenetTimeline['loading model'] || 1e12)",
                               timeout=180_000)
        timeline = page.evaluate("() => window.pyposenetTimeline")
        start = page.evaluate("c => window.pyposenet.pyodide.runPython(c)",
                              "from pyposenet.net import live_nets\nlive_nets()[0].stats.frames")
        t0 = time.perf_counter()
        time.sleep(seconds)
        summary = page.evaluate("c => window.pyposenet.pyodide.runPython(c).toJs({dict_converter: Object.fromEntries})",
                                "from pyposenet.net import live_nets\nlive_nets()[0].stats.summary()")
        elapsed = time.perf_counter() - t0
        used = page.evaluate("() => tf.getBackend()")
        return {
            "backend": used,
            "python_ready_ms": round(timeline.get("loading model", float("nan"))),
            "first_pose_ms": round(timeline["running"]),
            "frames": summary["frames"] - start,
            "pose_fps": round((summary["frames"] - start) / elapsed, 2),
            "model_ms_median": summary["model_ms"],
            "decode_ms_median": summary["decode_ms"],
        }
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["wasm", "webgl"])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--video", type=Path, default=FAKE_WEBCAM)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    app = create_app({"MODELS_DIR": SHARED / "models"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    rows = []
    with sync_playwright() as pw:
        for backend in args.backends:
            rows.append(measure(pw, url, backend, args.seconds, args.video))
            print(json.dumps(rows[-1]), flush=True)
    server.shutdown()
    header = f"{'backend':8} {'python ms':>9} {'1st pose ms':>11} {'frames':>6} {'pose fps':>8} {'model ms':>8} {'decode ms':>9}"
    print(header)
    for r in rows:
        print(f"{r['backend']:8} {r['python_ready_ms']:>9} {r['first_pose_ms']:>11} {r['frames']:>6} "
              f"{r['pose_fps']:>8} {r['model_ms_median']:>8} {r['decode_ms_median']:>9}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
