"""Cold start of the page, from opening it to the first pose, in a fresh headless Chromium each time.

    python benchmarks/cold_start.py URL [URL ...] [--runs 5] [--backend wasm]

Each URL is a served sketch (`pyposenet serve`, an export on any static host, an older checkout's
server): runs alternate between the URLs so that a busy machine slows each alike. Prints, per URL, the
browser wheel's size and the median (min-max) of the page's own timeline (web/page.js): Python ready
('loading model'), model ready, first pose ('running'), in ms after the page opened.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, FAKE_CAMERA_FLAGS  # noqa: E402 - after sys.path gets the checkout (run as a script)

FAKE_WEBCAM = REPO_ROOT.parent / "shared" / "testdata" / "video" / "fake-webcam" / "pose_1_640x480.mjpeg"
STEPS = (("python ready", "loading model"), ("model ready", "model ready"), ("first pose", "running"))
FLAGS = [*CHROMIUM_FLAGS, *FAKE_CAMERA_FLAGS]


def wheel_bytes(url: str) -> int | None:
    """The size of the wheel the page at `url` installs (from its app-config.json, either layout)."""
    for config_path in ("pyposenet/app-config.json", "app-config.json"):
        try:
            with urllib.request.urlopen(urllib.parse.urljoin(url, config_path), timeout=300) as response:
                config = json.load(response)
        except OSError:
            continue
        with urllib.request.urlopen(urllib.parse.urljoin(url, config["wheel"]), timeout=300) as response:
            return len(response.read())
    return None


def one_start(playwright, url: str, backend: str, video: Path, timeout_s: float = 180) -> dict[str, float]:
    profile = tempfile.mkdtemp(prefix="pyposenet-cold-")
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path=CHROMIUM, headless=True, args=FLAGS + [f"--use-file-for-fake-video-capture={video}"]
    )
    try:
        page = context.new_page()
        page.goto(urllib.parse.urljoin(url, f"?backend={backend}"))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = page.evaluate("document.getElementById('status').dataset.state")
            if state in ("running", "error"):
                break
            time.sleep(0.1)
        if state != "running":
            raise RuntimeError(f"{url}: the page did not reach 'running' ({state}): {page.inner_text('#error')}")
        timeline = page.evaluate("() => window.pyposenetTimeline")
        return {label: timeline[key] for label, key in STEPS}
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+", metavar="URL")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", default="wasm")
    parser.add_argument("--video", type=Path, default=FAKE_WEBCAM)
    args = parser.parse_args(argv)
    sizes = {url: wheel_bytes(url) for url in args.urls}
    results: dict[str, list[dict[str, float]]] = {url: [] for url in args.urls}
    with sync_playwright() as playwright:
        one_start(playwright, args.urls[0], args.backend, args.video)  # warms the OS file cache, not counted
        for run in range(args.runs):
            for url in args.urls:
                results[url].append(one_start(playwright, url, args.backend, args.video))
            print(f"run {run + 1}/{args.runs} done", flush=True)
    print(f"\n{args.runs} cold starts each, backend {args.backend}, ms after page open: median (min-max)")
    for url in args.urls:
        size = f"{wheel / 1024:.0f} KiB" if (wheel := sizes[url]) else "?"
        cells = []
        for label, _ in STEPS:
            values = [r[label] for r in results[url]]
            cells.append(f"{label} {statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})")
        print(f"{url}\n  wheel {size}; " + "; ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
