"""Cold start of bodyPose("BlazePose") per model type beside PoseNet's, in fresh headless Chromiums, one run.

    .venv/bin/python benchmarks/bodypose_cold_start.py [--runs 3] [--types lite full heavy]

Page open -> first BlazePose result, for each model type, on ml5 1.x's bodyPose-blazePose-keypoints example
(pyposenet/examples/bodypose_blazepose_keypoints.py) with `modelType` changed and a wrapper round its callback that
notes when the first non-empty result came (performance.now(): ms after the page opened); beside it PoseNet's
cold start on the default sketch (the page's timeline step "running": its first pose). Every start is a fresh
browser with a fresh profile and the fake camera (the shared 640x480 video), served by one app per sketch on
loopback; the sketches alternate within each run so that a busy machine slows each alike. Also printed: when
setup() returned (the sketch's preload waited for the model: Python, pose.js, the wasm runtime and the landmark
model loaded and warmed up) and first result / PoseNet's first pose in the same run (a ratio: load cancels out).

The heavy model is not in the app (docs/bodypose.md): it is served from node_modules for the measurement only,
as benchmarks/bodypose_accuracy.py does. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402 - after sys.path gets the checkout

from tests.conftest import MODELS_DIR  # noqa: E402
from tests.support.blazepose_heavy import heavy_from_node_modules  # noqa: E402
from tests.support.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    FAKE_CAMERA_FLAGS,
    FAKE_WEBCAM_640,
    LiveServer,
)

EXAMPLE = REPO / "pyposenet" / "examples" / "bodypose_blazepose_keypoints.py"
MODEL_CALL = 'ml5.bodyPose("BlazePose")'
#: Appended to the example: the moment of the first non-empty result, for the page to be asked.
FIRST_RESULT_MARK = """

import js as _js

_example_got_poses = got_poses
_first_marked = False


def got_poses(results):
    global _first_marked
    if results and not _first_marked:
        _js.window.pyposenetFirstResult = _js.performance.now()
        _first_marked = True
    _example_got_poses(results)
"""
POLL = """() => ({
    state: document.getElementById('status').dataset.state,
    firstResult: window.pyposenetFirstResult ?? null,
    timeline: {...(window.pyposenetTimeline || {})},
})"""
POSENET = "PoseNet (default sketch)"


def blazepose_sketch(folder: Path, model_type: str) -> Path:
    """The example with `modelType` changed and the first result noted."""
    text = EXAMPLE.read_text()
    if MODEL_CALL not in text:
        raise SystemExit(f"{EXAMPLE}: no {MODEL_CALL} to change; update this benchmark")
    changed = text.replace(MODEL_CALL, f'ml5.bodyPose("BlazePose", {{"modelType": "{model_type}"}})')
    path = folder / model_type / "sketch.py"
    path.parent.mkdir(parents=True)
    path.write_text(changed + FIRST_RESULT_MARK)
    return path


def one_start(playwright, url: str, blazepose: bool, timeout_s: float = 240) -> dict[str, float]:
    """A fresh Chromium opens `url`: {first result, setup returned} in ms after the page opened."""
    profile = tempfile.mkdtemp(prefix="pyposenet-bodypose-cold-")
    args = [*CHROMIUM_FLAGS, *FAKE_CAMERA_FLAGS, f"--use-file-for-fake-video-capture={FAKE_WEBCAM_640}"]
    context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=args)
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit")
        deadline = time.monotonic() + timeout_s
        seen: dict = {}
        while time.monotonic() < deadline:  # polled: the page's CSP forbids string eval (wait_for_function)
            seen = page.evaluate(POLL)
            if seen["state"] == "error":
                raise RuntimeError(f"{url}: {page.inner_text('#error')}")
            first = seen["firstResult"] if blazepose else seen["timeline"].get("running")
            if first is not None:
                return {"first": first, "setup": seen["timeline"].get("sketch started", float("nan"))}
            time.sleep(0.05)
        raise RuntimeError(f"{url}: no first result in {timeout_s:.0f} s (status {seen.get('state')})")
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--types", nargs="+", default=["lite", "full", "heavy"], choices=("lite", "full", "heavy"))
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    base = {"MODELS_DIR": MODELS_DIR, "MODEL_BASE_URL": "http://127.0.0.1:9/none/"}
    with tempfile.TemporaryDirectory() as folder:
        servers = {POSENET: LiveServer(base)}
        for model_type in args.types:
            sketch = blazepose_sketch(Path(folder), model_type)
            servers[f"BlazePose {model_type}"] = LiveServer({**base, "SKETCH": sketch}, heavy_from_node_modules)
        urls = {name: f"{server.url}/?backend=wasm" for name, server in servers.items()}
        results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        try:
            with sync_playwright() as playwright:
                for name in servers:  # each once first: the OS file cache warm for all
                    one_start(playwright, urls[name], name != POSENET)
                for run in range(args.runs):
                    for name in servers:
                        results[name].append(one_start(playwright, urls[name], name != POSENET))
                    print(f"run {run + 1}/{args.runs} done", flush=True)
        finally:
            for server in servers.values():
                server.close()
    print_table(results, args.runs)
    return 0


def print_table(results: dict[str, list[dict[str, float]]], runs: int) -> None:
    posenet = [r["first"] for r in results[POSENET]]
    print(f"\n{runs} fresh browsers each, interleaved; ms after page open, median (min-max)")
    print("| sketch | setup() returned | first result | first result / PoseNet's first pose (same run) |")
    print("|---|---|---|---|")
    for name, starts in results.items():
        firsts = [s["first"] for s in starts]
        setups = [s["setup"] for s in starts]
        ratio = statistics.median(f / p for f, p in zip(firsts, posenet, strict=True))
        print(
            f"| {name} | {statistics.median(setups):.0f} | {statistics.median(firsts):.0f} "
            f"({min(firsts):.0f}-{max(firsts):.0f}) | x{ratio:.2f} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
