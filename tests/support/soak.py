"""Soaking a page: the default sketch detecting on the fake camera, its memory measured now and then.

`Soak(page)` drives a page that runs the default sketch: at the warm-up frame, every `every` pose frames and
at the end it pauses detection (no frame in flight), collects garbage in Python and JavaScript and reads
(tests/support/page_memory.py) tf.memory().numTensors on the page and in the worker, live PyProxies
(Pyodide's allocation tracer), JavaScript objects held by Python (hiwire refs), the page's JS heap after a
full GC, Pyodide's wasm memory, the worker's TF.js wasm memory and Python's gc object count, then resumes.
`verdict(warm, end)` says what grew beyond its bound (the bounds below, with their reasons).

Shared by tests/e2e/test_soak.py (2,000 frames in `make test`) and benchmarks/soak.py (`make soak`, minutes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tests.support.page_memory import heap_after_gc, install

# Python helpers in the page (pyodide.globals): pause and resume the net's loop, count objects, progress.
INSTALL_PY = """
import gc as _soak_gc
from pyposenet.net import live_nets as _soak_live_nets

_soak_net = _soak_live_nets()[0]  # held here: the sketch keeps its net only through the running loop

async def _soak_pause():
    _soak_net.stop()
    if _soak_net._loop_task is not None:
        await _soak_net._loop_task  # the frame in flight finishes: nothing is half-way when we count

def _soak_resume():
    _soak_net.start()

def _soak_objects():
    _soak_gc.collect()
    return len(_soak_gc.get_objects())

def _soak_frames():
    return _soak_net.stats.frames
"""

INSTALL_JS = """() => {
    const py = window.pyposenet.pyodide;
    const p5 = window.pyposenet.bridge.p5;  // the p5 instance itself, a plain JS object
    window.__soak = {
        progress: () => ({ poses: py.runPython('_soak_frames()'), frame: p5.frameCount,
                           state: document.getElementById('status').dataset.state }),
    };
}"""

# Counted in the worker itself: the TF.js wasm backend's memory (grows, never shrinks, like Pyodide's).
WORKER_WASM_JS = (
    "() => (self.tf && tf.getBackend() === 'wasm' && tf.backend().wasm) ? tf.backend().wasm.HEAPU8.length : null"
)

# What may differ between the warm-up and the end, and why. Tensors, PyProxies and hiwire refs are
# counted with detection paused (no frame in flight), so any difference is a leak: none is allowed.
HEAP_GROWTH_MAX = 0.05  # JS heap after a full GC: < 5 %
ARRAY_BUFFER_GROWTH_MAX = 2 * 1024**2  # ArrayBuffer contents after GC, outside the JS heap (typed arrays;
# not wasm memories): a frame's outputs are a 130 KB Float32Array, so 2 MiB
# is under 16 leaked frames (4 KB a frame over a CI soak is 7 MB)
WASM_GROWTH_MAX = 2 * 1024**2  # Pyodide's wasm memory grows in 64 KiB pages and never shrinks; a frame's
# outputs are ~130 KB in Python, so 2 MiB is under 16 leaked frames while
# leaving room for allocator fragmentation
WORKER_WASM_GROWTH_MAX = 2 * 1024**2  # the same for TF.js's wasm heap in the worker (input ~0.8 MB a frame)
GC_OBJECTS_GROWTH_MAX = 400  # Python objects after gc.collect(): one leaked per frame is +1,800 over a
# CI soak. The sketch keeps the last frame's results (~67 objects a person,
# up to 5 people), so the count moves with who was seen last: 400 allows that


@dataclass
class Snapshot:
    poses: int
    frame: int
    seconds: float
    tensors_page: int
    tensors_worker: int | None
    pyproxies: int
    hiwire_refs: int
    js_heap: int
    array_buffers: int
    wasm: int
    worker_wasm: int | None
    py_objects: int

    def line(self, previous: Snapshot | None = None) -> str:
        rate = ""
        if previous is not None and self.seconds > previous.seconds:
            dt = self.seconds - previous.seconds
            rate = (
                f" | {(self.poses - previous.poses) / dt:5.1f} poses/s {(self.frame - previous.frame) / dt:5.1f} "
                f"draws/s"
            )
        worker = "-" if self.tensors_worker is None else self.tensors_worker
        worker_wasm = "-" if self.worker_wasm is None else f"{self.worker_wasm / 1e6:.1f}"
        return (
            f"pose frame {self.poses:6d}, draw frame {self.frame:6d}, {self.seconds:7.1f} s{rate} | tensors page "
            f"{self.tensors_page} worker {worker} | PyProxies {self.pyproxies} | hiwire refs {self.hiwire_refs} | "
            f"JS heap {self.js_heap / 1e6:.2f} MB | ArrayBuffers {self.array_buffers / 1e6:.1f} MB | "
            f"Pyodide wasm {self.wasm / 1e6:.1f} MB | worker wasm "
            f"{worker_wasm} MB | Python objects {self.py_objects}"
        )


def verdict(warm: Snapshot, end: Snapshot) -> list[str]:
    """What grew between the warm-up and the end beyond its bound (empty: nothing leaked)."""
    problems = []
    if end.tensors_page != warm.tensors_page:
        problems.append(f"page tensors {warm.tensors_page} -> {end.tensors_page}")
    if end.tensors_worker != warm.tensors_worker:
        problems.append(f"worker tensors {warm.tensors_worker} -> {end.tensors_worker}")
    if end.pyproxies > warm.pyproxies:
        problems.append(f"live PyProxies {warm.pyproxies} -> {end.pyproxies}")
    if end.hiwire_refs > warm.hiwire_refs:
        problems.append(f"JS objects held by Python (hiwire refs) {warm.hiwire_refs} -> {end.hiwire_refs}")
    if end.js_heap > warm.js_heap * (1 + HEAP_GROWTH_MAX):
        problems.append(
            f"JS heap after GC grew {100 * (end.js_heap / warm.js_heap - 1):.1f} % "
            f"({warm.js_heap} -> {end.js_heap} bytes; allowed {100 * HEAP_GROWTH_MAX:.0f} %)"
        )
    if end.array_buffers - warm.array_buffers > ARRAY_BUFFER_GROWTH_MAX:
        problems.append(
            f"page ArrayBuffers after GC {warm.array_buffers} -> {end.array_buffers} bytes "
            f"(allowed +{ARRAY_BUFFER_GROWTH_MAX})"
        )
    if end.wasm - warm.wasm > WASM_GROWTH_MAX:
        problems.append(f"Pyodide wasm memory {warm.wasm} -> {end.wasm} bytes (allowed +{WASM_GROWTH_MAX})")
    if (
        warm.worker_wasm is not None
        and end.worker_wasm is not None
        and end.worker_wasm - warm.worker_wasm > WORKER_WASM_GROWTH_MAX
    ):
        problems.append(
            f"worker TF.js wasm memory {warm.worker_wasm} -> {end.worker_wasm} bytes "
            f"(allowed +{WORKER_WASM_GROWTH_MAX})"
        )
    if end.py_objects - warm.py_objects > GC_OBJECTS_GROWTH_MAX:
        problems.append(
            f"Python objects after gc.collect() {warm.py_objects} -> {end.py_objects} "
            f"(allowed +{GC_OBJECTS_GROWTH_MAX})"
        )
    if end.frame <= warm.frame:
        problems.append(f"draw() stopped: p5 frameCount {warm.frame} -> {end.frame}")
    return problems


class SoakError(AssertionError):
    """The page stopped detecting, showed an error or ran out of time."""


class Soak:
    """Drives a page running the default sketch (window.pyposenet exists, a net detects on the camera)."""

    def __init__(self, page):
        self.page = page
        self.page_errors: list[str] = []
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        self._python("\n" + INSTALL_PY)
        page.evaluate(INSTALL_JS)
        install(page)
        page.evaluate("() => window.pyposenetMeasure.traceProxies()")
        self.started = time.monotonic()
        self.snapshot()  # once, thrown away: whatever measuring itself makes once is not counted

    def progress(self) -> dict:
        return self.page.evaluate("() => window.__soak.progress()")

    def wait_for_poses(self, poses: int, timeout_s: float) -> dict:
        """Poll (twice a second) until the net has produced `poses` pose frames."""
        deadline = time.monotonic() + timeout_s
        while True:
            now = self.progress()
            if now["state"] == "error":
                raise SoakError(f"the page shows an error: {self.page.inner_text('#error')}")
            if now["poses"] >= poses:
                return now
            if time.monotonic() > deadline:
                raise SoakError(f"only {now['poses']} of {poses} pose frames after {timeout_s:.0f} s")
            self.page.wait_for_timeout(500)

    def snapshot(self) -> Snapshot:
        """Pause detection, collect garbage, count everything, resume."""
        self._python("await _soak_pause()")
        try:
            py_objects = self._python("_soak_objects()")
            js_heap, array_buffers = heap_after_gc(self.page)
            memory = self.page.evaluate("() => window.pyposenetMeasure.memory()")
            worker_wasm = None
            for worker in self.page.workers:
                value = worker.evaluate(WORKER_WASM_JS)
                worker_wasm = value if value is not None else worker_wasm
            progress = self.progress()
        finally:
            self._python("_soak_resume()")
        return Snapshot(
            poses=progress["poses"],
            frame=progress["frame"],
            seconds=time.monotonic() - self.started,
            tensors_page=memory["tensorsPage"],
            tensors_worker=memory["tensorsWorker"],
            pyproxies=memory["pyproxies"],
            hiwire_refs=memory["hiwireRefs"],
            js_heap=js_heap,
            array_buffers=array_buffers,
            wasm=memory["wasmBytes"],
            worker_wasm=worker_wasm,
            py_objects=py_objects,
        )

    def run(
        self,
        warmup: int,
        every: int,
        frames: int | None = None,
        seconds: float | None = None,
        per_frame_timeout_s: float = 0.5,
        report=print,
    ) -> tuple[Snapshot, Snapshot]:
        """Soak until `frames` pose frames (or `seconds` after the warm-up); (warm-up, end) snapshots."""
        self.wait_for_poses(warmup, 120 + warmup * per_frame_timeout_s)
        warm = last = self.snapshot()
        report(warm.line())
        until = None if seconds is None else time.monotonic() + seconds
        while True:
            target = last.poses + every
            if frames is not None:
                target = min(target, frames)
            if until is not None:
                self._wait_until(target, until, per_frame_timeout_s)
            else:
                self.wait_for_poses(target, (target - last.poses) * per_frame_timeout_s + 60)
            now = self.snapshot()
            report(now.line(last))
            last = now
            if (frames is not None and now.poses >= frames) or (until is not None and time.monotonic() >= until):
                return warm, now

    def _wait_until(self, poses: int, until: float, per_frame_timeout_s: float) -> None:
        """Wait for `poses` pose frames, or stop waiting at `until` (a timed soak)."""
        start = self.progress()["poses"]
        deadline = time.monotonic() + (poses - start) * per_frame_timeout_s + 60
        while time.monotonic() < until:
            now = self.progress()
            if now["state"] == "error":
                raise SoakError(f"the page shows an error: {self.page.inner_text('#error')}")
            if now["poses"] >= poses:
                return
            if time.monotonic() > deadline:
                raise SoakError(f"detection stalled at pose frame {now['poses']}")
            self.page.wait_for_timeout(500)

    def _python(self, code: str):
        return self.page.evaluate("(code) => window.pyposenet.pyodide.runPythonAsync(code)", code)
