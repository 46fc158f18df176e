"""Cold starts of the page, for benchmarks/cold_start.py and benchmarks/perf.py: a fresh headless Chromium (fresh
profile) with the fake camera opens a served sketch and waits for its first pose; the page's own timeline
(web/page.js, web/timeline.js: ms after the page opened) says when each boot step was reached. The steps and their
order are described in docs/architecture.md, "Boot order"."""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, FAKE_CAMERA_FLAGS

#: (label, timeline step) on the page's path to the first pose, in order.
PAGE_STEPS = (
    ("Python loaded (loadPyodide)", "pyodide loaded"),
    ("wheel installed", "wheel installed"),
    ("pyposenet imported", "pyposenet imported"),
    ("setup() called poseNet()", "loading model"),
    ("setup() returned", "sketch started"),
    ("model ready (warmed up)", "model ready"),
    ("first pose (camera frame, network)", "running"),
)
#: (label, timeline step) in the model worker, beside Python's load (?backend=wasm: the preload).
WORKER_STEPS = (
    ("worker started", "worker: started"),
    ("TF.js loaded", "worker: tf loaded"),
    ("wasm backend ready", "worker: backend ready"),
    ("model fetched and built", "worker: model loaded"),
    ("warmed up (preprocessing, network)", "worker: preload warmed up"),
)
FIRST_POSE = "running"


def one_cold_start(playwright, url: str, video: Path, timeout_s: float = 180) -> dict[str, float]:
    """Open `url` (a page address, query included) in a fresh Chromium; its timeline once it shows the first pose."""
    profile = tempfile.mkdtemp(prefix="pyposenet-cold-")
    args = [*CHROMIUM_FLAGS, *FAKE_CAMERA_FLAGS, f"--use-file-for-fake-video-capture={video}"]
    context = playwright.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=args)
    try:
        page = context.new_page()
        page.goto(url, wait_until="commit")  # not "load": the page's load event comes when Pyodide's start lets it
        deadline = time.monotonic() + timeout_s
        state = None
        while time.monotonic() < deadline:  # polled: the page's CSP forbids string eval (wait_for_function)
            state = page.evaluate("document.getElementById('status').dataset.state")
            if state in ("running", "error"):
                break
            time.sleep(0.05)
        if state != "running":
            raise RuntimeError(f"{url}: the page did not reach 'running' ({state}): {page.inner_text('#error')}")
        page.wait_for_timeout(300)  # the worker's steps arrive by message just after the model is ready
        return dict(page.evaluate("() => ({...window.pyposenetTimeline})"))
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def page_address(url: str, query: str) -> str:
    return urllib.parse.urljoin(url, query)


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def summary(timelines: Sequence[Mapping[str, float]]) -> dict[str, Any]:
    """Medians over cold starts: of each step (ms after page open), of each page step's time since the one before
    (the breakdown: they add up to about the first pose), and first pose / Python loaded (a ratio of one run)."""
    steps = {step: _median([t[step] for t in timelines if step in t]) for _, step in (*PAGE_STEPS, *WORKER_STEPS)}
    gaps: dict[str, list[float]] = {step: [] for _, step in PAGE_STEPS}
    for timeline in timelines:
        previous = 0.0  # page open; a step an older checkout lacks adds to the next one it has
        for _, step in PAGE_STEPS:
            if step in timeline:
                gaps[step].append(timeline[step] - previous)
                previous = timeline[step]
    breakdown = [{"label": label, "step": step, "ms_after_previous": _median(gaps[step])} for label, step in PAGE_STEPS]
    ratios = [t[FIRST_POSE] / t["pyodide loaded"] for t in timelines if "pyodide loaded" in t and FIRST_POSE in t]
    firsts = [t[FIRST_POSE] for t in timelines if FIRST_POSE in t]
    return {
        "runs": len(timelines),
        "first_pose_ms": {
            "median": _median(firsts),
            "min": min(firsts, default=None),
            "max": max(firsts, default=None),
        },
        "steps_ms": steps,
        "breakdown": breakdown,
        "first_pose_over_python_loaded": _median(ratios),
        "preload_used": sum("preload used" in t for t in timelines),
    }


def summary_lines(result: Mapping[str, Any]) -> list[str]:
    """The summary as printed lines: first pose, the page's breakdown, the worker's steps beside it."""
    first = result["first_pose_ms"]
    if first["median"] is None:
        return ["cold start: no run reached the first pose"]
    ratio = result["first_pose_over_python_loaded"]
    lines = [
        f"first pose {first['median']:.0f} ms after page open, median of {result['runs']} "
        f"({first['min']:.0f}-{first['max']:.0f})"
        + ("" if ratio is None else f"; first pose / Python loaded x{ratio:.2f}")
        + f"; preload used in {result['preload_used']} of {result['runs']}",
        "  page, ms after the step before (median):",
    ]
    for row in result["breakdown"]:
        gap = row["ms_after_previous"]
        lines.append(f"    {row['label']:32} {'-' if gap is None else f'{gap:6.0f}'}")
    worker = [(label, result["steps_ms"][step]) for label, step in WORKER_STEPS if result["steps_ms"][step] is not None]
    if worker:
        lines.append("  model worker, beside it, ms after page open (median):")
        lines += [f"    {label:32} {value:6.0f}" for label, value in worker]
    return lines
