"""Soak for bodyPose("BlazePose"): the bodypose_blazepose_keypoints example on the fake camera for N frames.

    .venv/bin/python benchmarks/soak_blazepose.py [--frames 2000] [--at 200,1000,2000] [--model-type full]

The example runs (BlazePose's solution on the page's main thread, web/blazepose.js). At each frame count in --at
the soak stops detection (the frame in flight finishes), collects garbage in JavaScript and Python, and reads:
the renderer processes' resident memory (/proc, Linux), the page's JS heap and ArrayBuffers after a full GC
(tests/support/page_memory.py), every wasm memory on the page (an init script notes each WebAssembly.Memory made
or exported: MediaPipe's is the total less Pyodide's), Pyodide's wasm memory and Python's gc object count; then
detection resumes. Frames are the solution's send() calls (web/blazepose.js's `stats.sends`). It prints a line
per measurement and the growth from the first to the last; it exits 1 if the page showed an error. Not a test
(too long for CI): the verdict is for a person, with docs/bodypose.md's figures beside it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
from tests.support.browser import LiveServer, PageWatch, launch_chromium  # noqa: E402 - after sys.path (a script)
from tests.support.page_memory import heap_after_gc  # noqa: E402

SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
FAKE_WEBCAM = SHARED / "testdata" / "video" / "fake-webcam" / "pose_1_640x480.mjpeg"
EXAMPLE = REPO / "pyposenet" / "examples" / "bodypose_blazepose_keypoints.py"

# Every WebAssembly.Memory the page makes or an instance exports (Pyodide's and MediaPipe's), before any script.
WASM_WATCH = """(() => {
    const memories = new Set();
    window.__wasmMemories = memories;
    const Original = WebAssembly.Memory;
    WebAssembly.Memory = function (...args) { const m = new Original(...args); memories.add(m); return m; };
    WebAssembly.Memory.prototype = Original.prototype;
    const note = (result) => {
        const instance = result.instance || result;
        for (const value of Object.values(instance.exports || {})) if (value instanceof Original) memories.add(value);
        return result;
    };
    for (const name of ['instantiate', 'instantiateStreaming']) {
        const original = WebAssembly[name];
        WebAssembly[name] = (...args) => original.apply(WebAssembly, args).then(note);
    }
})();"""

PAUSE_PY = """
from pyposenet._browser.sketch import current_bridge
import asyncio, gc
_ns = current_bridge().runner.namespace
_ns['body_pose'].detectStop()
while _ns['body_pose']._loop is not None:
    await asyncio.sleep(0.05)
gc.collect()
len(gc.get_objects())
"""
RESUME_PY = "_ns['body_pose'].detectStart(_ns['video'], _ns['got_poses'])"
WASM_JS = """() => {
    let total = 0;
    for (const m of window.__wasmMemories) total += m.buffer.byteLength;
    const py = window.pyposenet.pyodide._module;
    return { total, pyodide: py.HEAP8.length, count: window.__wasmMemories.size };
}"""


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def renderer_rss(profile: str) -> int | None:
    """Resident memory (bytes) of the renderer processes of the Chromium using `profile` (Linux /proc)."""
    browsers = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"--user-data-dir={profile}".encode() in (entry / "cmdline").read_bytes():
                browsers.append(int(entry.name))
        except OSError:
            continue
    total = 0
    for pid in {p for b in browsers for p in _descendants(b)}:
        try:
            if b"--type=renderer" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total or None


def measure(watch: PageWatch, profile: str) -> dict:
    py_objects = watch.python(PAUSE_PY)
    try:
        js_heap, array_buffers = heap_after_gc(watch.page)
        wasm = watch.page.evaluate(WASM_JS)
        frames = watch.page.evaluate("() => window.pyposenetBlazePose.stats.sends")
        return {
            "frames": frames,
            "renderer": renderer_rss(profile),
            "js_heap": js_heap,
            "array_buffers": array_buffers,
            "wasm_total": wasm["total"],
            "wasm_pyodide": wasm["pyodide"],
            "wasm_mediapipe": wasm["total"] - wasm["pyodide"],
            "py_objects": py_objects,
            "p5_frame": watch.page.evaluate("() => window.pyposenet.bridge.p5.frameCount"),
        }
    finally:
        watch.python(RESUME_PY)


def line(m: dict, seconds: float) -> str:
    renderer = "-" if m["renderer"] is None else f"{m['renderer'] / 1e6:.0f}"
    return (
        f"frame {m['frames']:5d} ({seconds:6.0f} s, draw frame {m['p5_frame']}) | renderer RSS {renderer} MB | "
        f"JS heap {m['js_heap'] / 1e6:.1f} MB | ArrayBuffers {m['array_buffers'] / 1e6:.1f} MB | "
        f"MediaPipe wasm {m['wasm_mediapipe'] / 1e6:.1f} MB | Pyodide wasm {m['wasm_pyodide'] / 1e6:.1f} MB | "
        f"Python objects {m['py_objects']}"
    )


def wait_for_frames(watch: PageWatch, frames: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if watch.page.evaluate("() => document.getElementById('status')?.dataset.state") == "error":
            raise RuntimeError(f"the page shows an error: {watch.page.inner_text('#error')}")
        sent = watch.page.evaluate("() => window.pyposenetBlazePose ? window.pyposenetBlazePose.stats.sends : 0")
        if sent >= frames:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {sent} of {frames} frames after {timeout_s:.0f} s")
        time.sleep(1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000, help="frames in all (default 2000)")
    parser.add_argument("--at", default="200,500,1000,1500", help="also measure at these frames (default 200,...)")
    parser.add_argument("--timeout-minutes", type=float, default=120)
    args = parser.parse_args(argv)
    checkpoints = sorted({int(n) for n in args.at.split(",") if int(n) < args.frames} | {args.frames})

    import logging

    from playwright.sync_api import sync_playwright

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = LiveServer({"SKETCH": EXAMPLE, "MODELS_DIR": SHARED / "models", "MODEL_BASE_URL": "http://127.0.0.1:9/x/"})
    print(f"soak: {EXAMPLE.name}, {args.frames} frames (load average {os.getloadavg()[0]:.1f})", flush=True)
    readings = []
    try:
        with sync_playwright() as playwright:
            context, profile = launch_chromium(playwright, FAKE_WEBCAM)
            try:
                context.add_init_script(WASM_WATCH)
                watch = PageWatch(context.new_page())
                watch.page.goto(server.url + "/?backend=wasm")
                started = time.monotonic()
                deadline = started + 60 * args.timeout_minutes
                for checkpoint in checkpoints:
                    wait_for_frames(watch, checkpoint, deadline - time.monotonic())
                    readings.append(measure(watch, profile))
                    print(line(readings[-1], time.monotonic() - started), flush=True)
                errors = watch.page_errors
            finally:
                context.close()
                shutil.rmtree(profile, ignore_errors=True)
    except RuntimeError as error:
        print(f"FAIL: {error}")
        return 1
    finally:
        server.close()
    first, last = readings[0], readings[-1]
    print(f"\nfrom frame {first['frames']} to {last['frames']} (load average {os.getloadavg()[0]:.1f}):")
    for key in ("renderer", "js_heap", "array_buffers", "wasm_mediapipe", "wasm_pyodide"):
        if first[key] is not None and last[key] is not None:
            growth = (last[key] - first[key]) / 1e6
            print(f"  {key}: {first[key] / 1e6:.1f} -> {last[key] / 1e6:.1f} MB ({growth:+.1f})")
    print(f"  Python objects: {first['py_objects']} -> {last['py_objects']}")
    if errors:
        print(f"page errors: {errors}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
