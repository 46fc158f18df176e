"""Chromium and Firefox side by side, in one run: cold start and poses per second on wasm and webgl.

    .venv/bin/python benchmarks/browsers.py [--runs 3] [--frames 100] [--backends wasm webgl]
    make bench-browsers        (also the last step of `make bench`)

A benchmark, not a test: it prints a table and asserts nothing. For each browser, backend and run, a fresh
headless browser (fresh profile: a cold start) opens the default sketch on its fake camera and reports:

* cold start: page open -> first pose (the page's timeline, `running`, in ms since navigation started);
* poses per second over --frames pose events after a warm-up of 20, single pose at 257 (the default sketch).

Chromium is driven by Playwright (its fake camera plays the shared dancer video), Firefox (Debian's firefox-esr)
over WebDriver BiDi by puppeteer-core (tests/support/firefox.py; its fake camera is a test pattern: the network's
cost does not depend on the picture). Firefox's WebGL needs an X display: Xvfb runs for the whole benchmark
(WebGL on llvmpipe there; Chromium's is SwiftShader). Figures move between runs and machines: compare the
browsers within one run.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from playwright.sync_api import sync_playwright  # noqa: E402 - after sys.path gets the checkout (run as a script)

from tests.conftest import MODELS_DIR  # noqa: E402
from tests.support.browser import FAKE_WEBCAM_640, LiveServer, PageWatch, launch_chromium  # noqa: E402
from tests.support.firefox import VirtualDisplay, Visit, missing, visit_in_firefox  # noqa: E402

DEFAULT_SKETCH = REPO / "pyposenet" / "examples" / "webcam_skeleton.py"
WARMUP = 20


def rate_code(frames: int) -> str:
    """Python for the page: the first pose's time and the pose rate over `frames` after a warm-up, as JSON."""
    return f"""
import asyncio, json, js
from pyposenet.net import live_nets
net = live_nets()[0]
start = net.stats.frames
while net.stats.frames < start + {WARMUP}:
    await asyncio.sleep(0.005)
began, counted = js.performance.now(), net.stats.frames
while net.stats.frames < counted + {frames}:
    await asyncio.sleep(0.005)
seconds = (js.performance.now() - began) / 1000
json.dumps({{"first_pose_ms": js.pyposenetTimeline.running, "poses_per_s": (net.stats.frames - counted) / seconds}})
"""


def chromium_run(playwright, url: str, frames: int) -> dict:
    context, profile = launch_chromium(playwright, FAKE_WEBCAM_640)
    try:
        watch = PageWatch(context.new_page())
        watch.page.goto(url)
        watch.wait_for_status("running")
        return json.loads(watch.python(rate_code(frames)))
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def firefox_run(url: str, frames: int, display: str) -> dict:
    (shown,) = visit_in_firefox([Visit(url, python=rate_code(frames))], display)
    if shown["state"] != "running":
        raise RuntimeError(f"Firefox: {shown['errorTitle']}\n{shown['errorDetails']}")
    return json.loads(shown["python"])


def measure(args: argparse.Namespace) -> list[dict]:
    server = LiveServer({"SKETCH": DEFAULT_SKETCH, "MODELS_DIR": MODELS_DIR})
    rows = []
    try:
        with sync_playwright() as playwright, VirtualDisplay() as display:
            for backend in args.backends:
                url = f"{server.url}/?backend={backend}"
                runs: dict[str, list[dict]] = {"chromium": [], "firefox": []}
                for _ in range(args.runs):  # interleaved: a change of load hits both browsers alike
                    runs["chromium"].append(chromium_run(playwright, url, args.frames))
                    runs["firefox"].append(firefox_run(url, args.frames, display.name))
                for browser, measured in runs.items():
                    rows.append(
                        {
                            "browser": browser,
                            "backend": backend,
                            "cold_start_s": statistics.median(r["first_pose_ms"] for r in measured) / 1000,
                            "poses_per_s": statistics.median(r["poses_per_s"] for r in measured),
                            "runs": measured,
                        }
                    )
    finally:
        server.close()
    return rows


def table(rows: list[dict]) -> str:
    lines = [f"{'browser':9} {'backend':7} {'cold start s':>12} {'poses/s':>8} {'vs Chromium':>11}  (medians)"]
    chromium = {r["backend"]: r for r in rows if r["browser"] == "chromium"}
    for r in rows:
        base = chromium[r["backend"]]["poses_per_s"]
        lines.append(
            f"{r['browser']:9} {r['backend']:7} {r['cold_start_s']:>12.2f} {r['poses_per_s']:>8.1f} "
            f"{r['poses_per_s'] / base:>10.2f}x"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh browsers per browser and backend (median)")
    parser.add_argument("--frames", type=int, default=100, help="pose events timed after the warm-up")
    parser.add_argument("--backends", nargs="+", default=["wasm", "webgl"], choices=["wasm", "webgl"])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the test server's request lines
    lacking = missing()
    if lacking:
        print(f"the Firefox column needs {', '.join(lacking)}: run `make firefox`", file=sys.stderr)
        return 2
    rows = measure(args)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
