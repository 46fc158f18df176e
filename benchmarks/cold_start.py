"""Cold start of the page, from opening it to the first pose, in a fresh headless Chromium each time.

    python benchmarks/cold_start.py URL [URL ...] [--runs 5] [--backend wasm]

Each URL is a served sketch (`pyposenet serve`, an export on any static host, an older checkout's
server): runs alternate between the URLs so that a busy machine slows each alike. Prints, per URL, the
browser wheel's size, the median first pose (ms after the page opened) with the page's breakdown and the
model worker's steps beside it (the page's own timeline: web/page.js, web/timeline.js; an older checkout
has fewer steps), and each URL's first pose as a ratio to the first URL's (one run: load cancels out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
from tests.support.cold_start import FIRST_POSE, one_cold_start, page_address, summary, summary_lines  # noqa: E402 - after sys.path gets the checkout (run as a script)

FAKE_WEBCAM = REPO_ROOT.parent / "shared" / "testdata" / "video" / "fake-webcam" / "pose_1_640x480.mjpeg"


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="+", metavar="URL")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", default="wasm")
    parser.add_argument("--video", type=Path, default=FAKE_WEBCAM)
    args = parser.parse_args(argv)
    sizes = {url: wheel_bytes(url) for url in args.urls}
    query = f"?backend={args.backend}"
    timelines: dict[str, list[dict[str, float]]] = {url: [] for url in args.urls}
    with sync_playwright() as playwright:
        one_cold_start(playwright, page_address(args.urls[0], query), args.video)  # warms the OS file cache
        for run in range(args.runs):
            for url in args.urls:
                timelines[url].append(one_cold_start(playwright, page_address(url, query), args.video))
            print(f"run {run + 1}/{args.runs} done", flush=True)
    print(f"\n{args.runs} cold starts each, backend {args.backend}")
    firsts = [t[FIRST_POSE] for t in timelines[args.urls[0]]]
    for url in args.urls:
        size = f"{wheel / 1024:.0f} KiB" if (wheel := sizes[url]) else "?"
        result = summary(timelines[url])
        # each run's start against the first URL's start just before it: a change of load between runs cancels
        ratio = statistics.median(t[FIRST_POSE] / first for t, first in zip(timelines[url], firsts, strict=True))
        print(f"{url}  (wheel {size}; first pose x{ratio:.2f} of the first URL's, median of the runs' ratios)")
        print("\n".join(f"  {line}" for line in summary_lines(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
