"""pyposenet against @tensorflow-models/posenet 2.2.2, in one run: the same page, the same camera.

    .venv/bin/python benchmarks/perf.py [--backends wasm webgl] [--modes worker main]
                                        [--frames 200] [--webgl-frames 200] [--pairs 100] [--out bench-results]
                                        [--variants-only | --no-variants] [--variant-pairs 60]
    make bench

A benchmark, not a test: it prints a table, writes perf.json and perf.png under --out, asserts nothing.
For each backend and each place the network runs (`worker`: model-worker.js, `main`: the page's own
thread, `?worker=0`), a fresh headless Chromium (fresh profile: a cold start) opens the default sketch
with the fake camera, and:

* cold start: page open -> Python ready -> model ready -> first pose (the page's pyposenetTimeline);
  and the cold-start row: the default sketch on wasm (`?backend=wasm`) in --cold-starts fresh Chromiums,
  median first pose, the page's breakdown and the model worker's steps beside it (tests/support/cold_start.py),
  and first pose / Python loaded (a ratio within each start, so the machine's load mostly cancels out);
* continuous detection (single, then multiple), over --frames pose events after a warm-up: pose events
  per second, draw() calls per second and draw() ms (timed in JS around p5's draw callback), and per
  frame: frame -> tensor + inference, read-back, worker messages (pyposenet/web/model.js's pyposenetPerf), and
  Python decode (the net's FrameStats: decoding + ml5-shaping);
* memory at the 100th frame (half-way in a run of fewer than 200) and at the end: tf.memory().numTensors
  on the page and in the worker, the page's JS heap (performance.memory, --enable-precise-memory-info),
  and live Pyodide proxies (below);
* the reference on the same page and the same video, pair by pair with pyposenet (alternating which
  goes first): net.singlePose()/multiPose() end to end vs estimateSinglePose()/estimateMultiplePoses(),
  each timed up to one macrotask hop after its result (so that each pays for the sketch frames its
  own blocking held back: PAIRS_JS), and the ratio of each pair, with the sketch paused and drawing;
* decoding alone on the same outputs: posenet's decodeSinglePose/decodeMultiplePoses (on tensors /
  TensorBuffers built from them) vs pyposenet's decoders in Pyodide, at the default scoreThreshold
  and at one low enough for 5 poses; for multi-pose also what finding the root candidates in
  JavaScript costs (pyposenet/web/root-candidates.js, which every multi-pose frame runs), and the decoder with
  its own search for roots instead;
* host numpy inference (pyposenet._host, under this CPython) when that package is there;
* variants, one fresh page each, single pose at 257 against the reference on the same page: the graph fused
  (web/fuse-graph.js, the default) and as stored (`?fuse=0`), wasm with TF.js's thread count (half the cores:
  1 on a 2-core machine) and with 2 threads (`?wasmThreads=2`), wasm on a page that is not cross-origin isolated
  (a second server without COOP/COEP: what a static host gives, the single-threaded build), webgl fused and
  as stored. Each row is a ratio to the reference measured on its own page, pair by pair; the ratios between
  rows (fused / stored, 2 threads / 1) divide two such ratios, so a change of load between pages cancels out.
  `--variants-only` runs just these rows.

Live proxies: Pyodide 0.29 keeps no count of PyProxies, but its `_module` has an allocation tracer
(`enable_pyproxy_allocation_tracing()`, which records every PyProxy created into
`pyproxy_alloc_map` and removes it when destroyed). The benchmark turns it on just before measuring,
so the figure is "PyProxies created since and not destroyed": constant means no per-frame proxy
churn (a proxy left to the garbage collector would show as growth, since the map holds it). The
JS objects Python holds (JsProxies and other references) are `_module._hiwire_num_refs()`.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from itertools import pairwise
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from pyposenet.decode.root_hints import root_candidate_count  # noqa: E402 - after sys.path gets the checkout (run as a script)
from pyposenet.server import create_app  # noqa: E402 - (as above)
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, FAKE_CAMERA_FLAGS  # noqa: E402 - (as above)
from tests.support.cold_start import one_cold_start, page_address, summary, summary_lines  # noqa: E402 - (as above)
from tests.support.page_memory import install as install_measure  # noqa: E402 - (as above)
from tests.support.reference import REFERENCE_SCRIPT, add_reference_route  # noqa: E402 - (as above)

SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
FAKE_WEBCAM = SHARED / "testdata" / "video" / "fake-webcam" / "pose_1_640x480.mjpeg"
CHROMIUM_ARGS = [*CHROMIUM_FLAGS, *FAKE_CAMERA_FLAGS, "--enable-precise-memory-info"]
REFERENCE_MODEL = "/pyposenet/models/savedmodel/posenet/mobilenet/float/075/model-stride16.json"
STRIDE = 16

# --------------------------------------------------------------------------- in the page

INSTALL_JS = (
    """async () => {
    const py = window.pyposenet.pyodide;
    const p = window.pyposenet.bridge.p5;
    const bench = window.__bench = { draws: [], drawMs: [] };
    const draw = p.draw;
    p.draw = function (...args) {
        const t0 = performance.now();
        try { return draw.apply(this, args); } finally {
            const t1 = performance.now();
            bench.draws.push(t1); bench.drawMs.push(t1 - t0);
        }
    };
    const measure = window.pyposenetMeasure;  // tests/support/page_memory.py, installed first
    window.__benchSnapshot = () => measure.memory();
    window.__benchTraceProxies = () => measure.traceProxies();
    window.__benchProxyOrigins = () => measure.proxyOrigins();
    window.__benchLoadReference = async () => {
        if (!window.posenet) {
            await new Promise((resolve, reject) => {
                const s = document.createElement('script');
                s.src = '__REFERENCE_SCRIPT__';
                s.onload = resolve; s.onerror = reject; document.head.appendChild(s);
            });
        }
        const t0 = performance.now();
        window.__ref = await posenet.load({ architecture: 'MobileNetV1', outputStride: __STRIDE__, inputResolution: 257,
            multiplier: 0.75, quantBytes: 4, modelUrl: '__MODEL__' });
        const video = document.querySelector('video');
        await window.__ref.estimateSinglePose(video, { flipHorizontal: false });
        await window.__ref.estimateMultiplePoses(video, { flipHorizontal: false });
        return { loadMs: performance.now() - t0, backend: tf.getBackend() };
    };
    return true;
}""".replace("__STRIDE__", str(STRIDE))
    .replace("__MODEL__", REFERENCE_MODEL)
    .replace("__REFERENCE_SCRIPT__", REFERENCE_SCRIPT)
)

INSTALL_PY = """
import asyncio, time, js
from pyodide.ffi import to_js
from pyposenet.net import live_nets
from pyposenet.decode import ModelOutputs, decode_multiple_poses, decode_single_pose
from pyposenet.decode.outputs import as_float_view
from pyposenet.decode.root_hints import RootCandidates
from pyposenet.results import FrameGeometry, to_ml5_results

bench_net = live_nets()[0]
bench_pose_times = []

def _bench_on_pose(results):
    bench_pose_times.append(time.perf_counter() * 1000)

bench_net.on("pose", _bench_on_pose)

async def bench_window(detection_type, warmup, frames, snap_at, timeout_s):
    net = bench_net
    net.detectionType = detection_type
    start = len(bench_pose_times)
    deadline = time.perf_counter() + timeout_s
    while len(bench_pose_times) < start + warmup and time.perf_counter() < deadline:
        await asyncio.sleep(0.02)
    js.__benchTraceProxies()
    js.window.__bench.draws = js.Array.new()
    js.window.__bench.drawMs = js.Array.new()
    js.window.pyposenetPerf.frames.length = 0
    first = len(bench_pose_times)
    snaps = {}
    mid_at = min(snap_at, frames // 2)  # a shorter run still gets a sample before its end
    while len(bench_pose_times) < first + frames and time.perf_counter() < deadline:
        if "mid" not in snaps and len(bench_pose_times) - first >= mid_at:
            snaps["mid"] = {**(await js.__benchSnapshot()).to_py(), "atFrame": len(bench_pose_times) - first}
        await asyncio.sleep(0.01)
    stamps = bench_pose_times[first:]
    snaps["end"] = (await js.__benchSnapshot()).to_py()
    n = len(stamps)
    return {
        "frames": n,
        "pose_times_ms": stamps,
        "model_ms": list(net.stats.model_ms)[-n:] if n else [],
        "decode_ms": list(net.stats.decode_ms)[-n:] if n else [],
        "memory": snaps,
    }

async def bench_ab(detection_type, rounds, frames, timeout_s):
    # the same page, the same minutes: the network in the worker and on the main thread in turn
    from pyposenet._browser.runtime import BrowserRuntime
    net = bench_net
    net.detectionType = detection_type
    in_worker = net._model
    on_page = await BrowserRuntime().load_model({**net.options, "worker": False})
    deadline = time.perf_counter() + timeout_s
    windows = []
    for r in range(rounds):
        order = (("worker", in_worker), ("main", on_page)) if r % 2 == 0 else (("main", on_page), ("worker", in_worker))
        for name, model in order:
            net._model = model
            start = len(bench_pose_times)
            while len(bench_pose_times) < start + 2 and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)  # the frame in flight belongs to the other model
            js.window.__bench.draws = js.Array.new()
            first = len(bench_pose_times)
            while len(bench_pose_times) < first + frames and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
            draws = js.window.__bench.draws.to_py()
            windows.append({"where": name, "pose_times_ms": bench_pose_times[first:], "draws": draws})
    net._model = in_worker
    on_page.dispose()
    return windows

def bench_stop():
    bench_net.stop()

async def _bench_step_async(kind):
    if kind == "single":
        await bench_net.singlePose()
    else:
        await bench_net.multiPose()
    return None

def bench_step(kind):
    return asyncio.ensure_future(_bench_step_async(kind))

def _median(values):
    values = sorted(values)
    return values[len(values) // 2] if len(values) % 2 else 0.5 * (values[len(values) // 2 - 1] + values[len(values) // 2])

def bench_decode(r, runs, find_many, js_hints):
    data = as_float_view(r.data.to_memoryview())
    h, w = int(r.gridHeight), int(r.gridWidth)
    # the root candidates pyposenet/web/root-candidates.js finds for a multi-pose frame, per threshold
    hints = {float(item[0]): RootCandidates.from_flat(item[1].to_memoryview(), int(item[2]), float(item[0]),
                                                      bool(item[3])) for item in js_hints}
    geometry = FrameGeometry(
        input_height=r.inputHeight, input_width=r.inputWidth, source_height=r.sourceHeight, source_width=r.sourceWidth,
        pad_top=r.padTop, pad_bottom=r.padBottom, pad_left=r.padLeft, pad_right=r.padRight,
        display_height=r.sourceHeight, display_width=r.sourceWidth)
    o = bench_net.options
    def timed(fn, block=10):
        # the page's clock is coarse (0.1 ms without cross-origin isolation): time blocks of calls
        fn()
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            for _ in range(block):
                fn()
            times.append((time.perf_counter() - t0) * 1000 / block)
        return _median(times)
    many = 0.5
    for threshold in (0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.0) if find_many else (0.5,):
        many = threshold
        if len(decode_multiple_poses(ModelOutputs.from_flat(data, h, w), __STRIDE__, 5, threshold, 20)) >= 5:
            break
    def shaped(raw):
        return to_ml5_results(raw, geometry, flip_horizontal=False, min_confidence=o["minConfidence"],
                              flip_labels=o.get("flipLabels", False))
    single = lambda: decode_single_pose(ModelOutputs.from_flat(data, h, w), __STRIDE__)
    multi_at = lambda threshold: decode_multiple_poses(ModelOutputs.from_flat(data, h, w, hints[threshold]),
                                                       __STRIDE__, 5, threshold, 20)
    own_at = lambda threshold: decode_multiple_poses(ModelOutputs.from_flat(data, h, w), __STRIDE__, 5, threshold, 20)
    for threshold in (0.5, many):
        assert multi_at(threshold) == own_at(threshold), "decoding with the root candidates differs"
    return to_js({
        "single_ms": timed(single),
        "single_shaped_ms": timed(lambda: shaped([single()])),
        "multi_ms": timed(lambda: multi_at(0.5)),
        "multi_shaped_ms": timed(lambda: shaped(multi_at(0.5))),
        "multi_own_search_ms": timed(lambda: own_at(0.5)),
        "multi_poses": len(multi_at(0.5)),
        "many_threshold": many,
        "multi_many_ms": timed(lambda: multi_at(many)),
        "multi_many_shaped_ms": timed(lambda: shaped(multi_at(many))),
        "multi_many_own_search_ms": timed(lambda: own_at(many)),
        "multi_many_poses": len(multi_at(many)),
    }, dict_converter=js.Object.fromEntries)
""".replace("__STRIDE__", str(STRIDE))

PAIRS_JS = """async ({kind, n, drawing}) => {
    const py = window.pyposenet.pyodide;
    const p = window.pyposenet.bridge.p5;
    if (!drawing) p.noLoop();
    const step = py.globals.get('bench_step');
    const video = document.querySelector('video');
    const ours = [], ref = [], oursDraws = [], refDraws = [], oursDrawMs = [], refDrawMs = [];
    const multi = { flipHorizontal: false, maxDetections: 5, scoreThreshold: 0.5, nmsRadius: 20 };
    // Each run ends with one macrotask hop (a MessageChannel message: no 4 ms clamp), timed with it,
    // for both. Why: the reference's frame never yields (its awaits resolve as microtasks), so p5
    // cannot draw while it runs and the frames it holds back were drawn at the next yield, which
    // only pyposenet's runs have (Pyodide resumes Python in tasks, the worker answers by message):
    // its runs were charged draws of the sketch the reference's were not. With the hop, each run pays
    // for the draw its own blocking held back, and none is charged to the next run. Paused, the hop
    // costs both alike (figures: docs/benchmarks.md).
    const channel = new MessageChannel();
    const hop = () => new Promise((resolve) => { channel.port1.onmessage = () => resolve(); channel.port2.postMessage(0); });
    const bench = window.__bench;
    const timed = async (fn, times, draws, drawMs) => {
        const d0 = bench.draws.length, m0 = bench.drawMs.length;  // bench_ab empties draws only
        const t0 = performance.now();
        await fn();
        await hop();
        times.push(performance.now() - t0);
        draws.push(bench.draws.length - d0);
        drawMs.push(bench.drawMs.slice(m0).reduce((a, b) => a + b, 0));
    };
    const runOurs = () => timed(async () => {
        const future = step(kind);
        try { await future; } finally { future.destroy(); }
    }, ours, oursDraws, oursDrawMs);
    const runRef = () => timed(async () => {
        if (kind === 'single') await window.__ref.estimateSinglePose(video, { flipHorizontal: false });
        else await window.__ref.estimateMultiplePoses(video, multi);
    }, ref, refDraws, refDrawMs);
    for (let i = 0; i < n; i++) {
        if (i % 2 === 0) { await runOurs(); await runRef(); } else { await runRef(); await runOurs(); }
    }
    step.destroy();
    channel.port1.close();
    if (!drawing) p.loop();
    return { ours, ref, oursDraws, refDraws, oursDrawMs, refDrawMs };
}"""

DECODE_JS = """async ({runs, fixtures, roots}) => {
    const py = window.pyposenet.pyodide;
    const model = py.runPython('bench_net._model');
    const { rootCandidates } = await import('/pyposenet/web/root-candidates.js');
    const live = await model.estimate(document.querySelector('video'));
    const cases = { live };
    for (const fixture of fixtures) {
        const bytes = Uint8Array.from(atob(fixture.b64), (c) => c.charCodeAt(0));
        const data = new Float32Array(bytes.buffer);
        cases[fixture.name] = Object.assign({}, live, { data, gridHeight: fixture.h,
            gridWidth: fixture.w, inputHeight: fixture.input, inputWidth: fixture.input,
            sourceHeight: fixture.input, sourceWidth: fixture.input, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0 });
    }
    const median = (v) => { v = v.slice().sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
    const block = 10; // the clock is coarse (0.1 ms without cross-origin isolation): time blocks of calls
    const time = async (fn) => {
        await fn();
        const t = [];
        for (let i = 0; i < runs; i++) {
            const t0 = performance.now();
            for (let k = 0; k < block; k++) await fn();
            t.push((performance.now() - t0) / block);
        }
        return median(t);
    };
    const decode = py.globals.get('bench_decode');
    const out = {};
    for (const [name, r] of Object.entries(cases)) {
        const H = r.gridHeight, W = r.gridWidth, n = H * W, d = r.data;
        // what a multi-pose frame brings at each threshold the benchmark may decode at (root-candidates.js)
        const thresholds = [0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.0];
        const hints = thresholds.map((t) => { const h = rootCandidates(d, H, W, t, roots); return [t, h.data, h.found, h.nan]; });
        const ours = decode(r, runs, true, hints);
        const heat = tf.tensor3d(d.slice(0, n * 17), [H, W, 17]);
        const off = tf.tensor3d(d.slice(n * 17, n * 51), [H, W, 34]);
        const fwd = tf.tensor3d(d.slice(n * 51, n * 83), [H, W, 32]);
        const bwd = tf.tensor3d(d.slice(n * 83, n * 115), [H, W, 32]);
        const single = await time(() => posenet.decodeSinglePose(heat, off, __STRIDE__));
        const buffers = [heat, off, fwd, bwd].map((t) => t.bufferSync());
        const multiAt = (threshold) => posenet.decodeMultiplePoses(...buffers, __STRIDE__, 5, threshold, 20);
        // finding the root candidates in JavaScript (in the pipeline: in the worker, or on the page)
        ours.roots_ms = await time(() => rootCandidates(d, H, W, 0.5, roots));
        ours.roots_many_ms = await time(() => rootCandidates(d, H, W, ours.many_threshold, roots));
        const reference = {
            single_ms: single,
            multi_ms: await time(() => multiAt(0.5)), multi_poses: (await multiAt(0.5)).length,
            multi_many_ms: await time(() => multiAt(ours.many_threshold)),
            multi_many_poses: (await multiAt(ours.many_threshold)).length,
        };
        [heat, off, fwd, bwd].forEach((t) => t.dispose());
        out[name] = { grid: [H, W], ours, reference };
    }
    decode.destroy();
    return out;
}""".replace("__STRIDE__", str(STRIDE))


# ------------------------------------------------------------------------------ helpers


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, q):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


def rnd(value, digits=2):
    return None if value is None else round(value, digits)


def rate(stamps_ms):
    """Events per second over a run of timestamps (ms)."""
    if len(stamps_ms) < 2 or stamps_ms[-1] <= stamps_ms[0]:
        return None
    return (len(stamps_ms) - 1) * 1000.0 / (stamps_ms[-1] - stamps_ms[0])


def launch(pw, video: Path):
    profile = tempfile.mkdtemp(prefix="pyposenet-perf-")
    context = pw.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        viewport={"width": 800, "height": 600},
        args=CHROMIUM_ARGS + [f"--use-file-for-fake-video-capture={video}"],
    )
    return context, profile


def evaluate_python(page, code: str):
    return page.evaluate(
        """async (code) => {
        const value = await window.pyposenet.pyodide.runPythonAsync(code);
        if (value && typeof value.toJs === 'function') {
            const js = value.toJs({dict_converter: Object.fromEntries}); value.destroy(); return js;
        }
        return value;
    }""",
        code,
    )


# ----------------------------------------------------------------------------- measuring


def measure_window(page, detection_type: str, warmup: int, frames: int, timeout_s: float) -> dict:
    raw = evaluate_python(page, f"await bench_window({detection_type!r}, {warmup}, {frames}, 100, {timeout_s})")
    timings = page.evaluate("() => window.pyposenetPerf.frames.slice()")
    draws = page.evaluate("() => ({draws: window.__bench.draws.slice(), drawMs: window.__bench.drawMs.slice()})")
    n = raw["frames"]
    stamps = raw["pose_times_ms"]
    per_frame = {
        key: median([t.get(key) for t in timings])
        for key in ("grabMs", "pixelsMs", "prepMs", "execMs", "rootsMs", "inferMs", "readMs", "transferMs", "totalMs")
    }
    model_ms = median(raw["model_ms"])
    decode_ms = median(raw["decode_ms"])
    # draws inside the pose window only (same clock: performance.now())
    draw_times = draws["draws"]
    gaps = [b - a for a, b in pairwise(draw_times)]
    return {
        "detection": detection_type,
        "frames": n,
        "warmup_frames": warmup,
        "pose_fps": rnd(rate(stamps)),
        "draw_fps": rnd(rate(draw_times)),
        "draw_ms_median": rnd(median(draws["drawMs"]), 3),
        "draw_ms_p95": rnd(percentile(draws["drawMs"], 0.95), 3),
        "draw_gap_ms_p95": rnd(percentile(gaps, 0.95)),
        "draw_gap_ms_max": rnd(max(gaps) if gaps else None),
        "grab_ms": rnd(per_frame["grabMs"], 3),
        "pixels_ms": rnd(per_frame["pixelsMs"], 3),
        "prep_ms": rnd(per_frame["prepMs"], 3),
        "exec_ms": rnd(per_frame["execMs"], 3),
        "roots_ms": rnd(per_frame["rootsMs"], 3),
        "infer_ms": rnd(per_frame["inferMs"], 3),
        "read_ms": rnd(per_frame["readMs"], 3),
        "transfer_ms": rnd(per_frame["transferMs"], 3),
        "estimate_ms": rnd(per_frame["totalMs"], 3),
        "model_ms": rnd(model_ms, 3),
        "decode_ms": rnd(decode_ms, 3),
        "decode_ms_p95": rnd(percentile(raw["decode_ms"], 0.95), 3),
        "memory": raw["memory"],
    }


def measure_pairs(page, kind: str, n: int, drawing: bool) -> dict:
    """Pairs of one pyposenet frame and one reference frame, alternating which goes first.

    drawing=False pauses p5's loop (noLoop) so that both pipelines have the machine to themselves;
    drawing=True keeps the sketch drawing meanwhile (the worker then shares the CPU with draw()).
    """
    result = page.evaluate(PAIRS_JS, {"kind": kind, "n": n, "drawing": drawing})
    ours, ref = result["ours"], result["ref"]
    ratios = [a / b for a, b in zip(ours, ref, strict=False) if b > 0]
    # the same ratio less the sketch's draw() time inside each run (p5 draws more often during
    # pyposenet's runs, which yield, than during the reference's, which hold the main thread)
    ours_net = [t - d for t, d in zip(ours, result["oursDrawMs"], strict=False)]
    ref_net = [t - d for t, d in zip(ref, result["refDrawMs"], strict=False)]
    ratios_net = [a / b for a, b in zip(ours_net, ref_net, strict=False) if b > 0]
    return {
        "pairs": len(ratios),
        "ours_ms_median": rnd(median(ours)),
        "reference_ms_median": rnd(median(ref)),
        "ratio_median": rnd(median(ratios), 3),
        "ratio_p10": rnd(percentile(ratios, 0.1), 3),
        "ratio_p90": rnd(percentile(ratios, 0.9), 3),
        "ratio_of_medians": rnd(median(ours) / median(ref), 3) if ours and ref else None,
        "ours_draws_mean": rnd(statistics.mean(result["oursDraws"]), 2) if ours else None,
        "reference_draws_mean": rnd(statistics.mean(result["refDraws"]), 2) if ref else None,
        "ratio_less_draw_ms_median": rnd(median(ratios_net), 3),
    }


def measure_ab(page, rounds: int, frames: int, per_frame_budget_s: float) -> dict:
    """Worker and main-thread windows alternating on one page (single pose): a fair comparison on a
    shared machine, where the load changes between sessions."""
    timeout_s = rounds * 2 * (frames + 3) * per_frame_budget_s + 60
    windows = evaluate_python(page, f"await bench_ab('single', {rounds}, {frames}, {timeout_s})")
    out = {}
    for where in ("worker", "main"):
        mine = [w for w in windows if w["where"] == where]
        pose = [rate(w["pose_times_ms"]) for w in mine]
        draw = [rate(w["draws"]) for w in mine]
        gaps = [b - a for w in mine for a, b in pairwise(w["draws"])]
        out[where] = {
            "windows": len(mine),
            "frames_per_window": frames,
            "pose_fps": rnd(median(pose)),
            "draw_fps": rnd(median(draw)),
            "draw_gap_ms_p95": rnd(percentile(gaps, 0.95)),
            "draw_gap_ms_max": rnd(max(gaps) if gaps else None),
        }
    return out


def measure_session(pw, url: str, backend: str, mode: str, args) -> dict:
    webgl = backend == "webgl"
    frames = args.webgl_frames if webgl else args.frames
    warmup = args.webgl_warmup if webgl else args.warmup
    pairs = args.webgl_pairs if webgl else args.pairs
    per_frame_budget_s = 3.0 if webgl else 0.5
    context, profile = launch(pw, args.video)
    session: dict[str, Any] = {"backend": backend, "mode": mode, "load_average_at_start": os.getloadavg()}
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}/?backend={backend}&worker={1 if mode == 'worker' else 0}")
        page.wait_for_function(
            "() => { const s = document.getElementById('status').dataset.state; const t = window.pyposenetTimeline;"
            " return s === 'error' || (t['running'] > (t['loading model'] || 1e12) && window.pyposenet); }",
            timeout=240_000,
        )
        if page.eval_on_selector("#status", "e => e.dataset.state") == "error":
            raise RuntimeError(f"{backend}/{mode}: the page shows an error: {page.inner_text('#error')}")
        timeline = page.evaluate("() => window.pyposenetTimeline")
        session["cold_start_ms"] = {
            "python_ready": rnd(timeline.get("loading model"), 0),
            "model_ready": rnd(timeline.get("model ready"), 0),
            "first_pose": rnd(timeline.get("running"), 0),
        }
        install_measure(page)
        page.evaluate(INSTALL_JS)
        evaluate_python(page, INSTALL_PY)
        session["where"] = evaluate_python(page, "str(getattr(bench_net._model, 'where', 'main'))")
        session["tf_backend"] = page.evaluate("() => tf.getBackend()")
        session["webgl_renderer"] = page.evaluate(
            "async () => (await import('/pyposenet/web/model.js')).webglRenderer()"
        )
        session["continuous"] = {}
        for kind in ("single", "multiple"):
            timeout_s = (warmup + frames) * per_frame_budget_s + 30
            session["continuous"][kind] = measure_window(page, kind, warmup, frames, timeout_s)
            print(
                f"  {backend}/{mode}/{kind}: {session['continuous'][kind]['frames']} frames, "
                f"{session['continuous'][kind]['pose_fps']} poses/s, draw {session['continuous'][kind]['draw_fps']} fps",
                flush=True,
            )
        session["proxy_origins"] = page.evaluate("() => window.__benchProxyOrigins()")
        if session["where"] == "worker":
            ab_frames = args.webgl_ab_frames if webgl else args.ab_frames
            session["ab"] = measure_ab(page, args.ab_rounds, ab_frames, per_frame_budget_s)
            print(
                f"  {backend} worker/main in turn: "
                + ", ".join(
                    f"{where}: {v['pose_fps']} poses/s, draw {v['draw_fps']} fps (gap p95 {v['draw_gap_ms_p95']} ms)"
                    for where, v in session["ab"].items()
                ),
                flush=True,
            )
        evaluate_python(page, "bench_stop()")
        page.wait_for_timeout(1500 if webgl else 500)
        session["reference_load"] = page.evaluate("() => window.__benchLoadReference()")
        session["pairs"] = {}
        session["pairs_drawing"] = {}
        for kind in ("single", "multiple"):
            session["pairs"][kind] = measure_pairs(page, kind, pairs, drawing=False)
            session["pairs_drawing"][kind] = measure_pairs(page, kind, max(5, pairs // 2), drawing=True)
            drew = session["pairs_drawing"][kind]
            print(
                f"  {backend}/{mode}/{kind} vs reference: ratio {session['pairs'][kind]['ratio_median']} "
                f"(sketch paused), {drew['ratio_median']} (sketch drawing; draws per run ours "
                f"{drew['ours_draws_mean']}, reference {drew['reference_draws_mean']}; ratio less draw() ms "
                f"{drew['ratio_less_draw_ms_median']})",
                flush=True,
            )
        session["decode"] = page.evaluate(
            DECODE_JS, {"runs": 15 if webgl else 100, "fixtures": decode_fixtures(), "roots": root_candidate_count(5)}
        )
        session["page_errors"] = errors
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
    return session


def measure_cold_starts(pw, url: str, args) -> dict:
    """The cold-start row: the default sketch on wasm in `args.cold_starts` fresh Chromiums (tests/support/cold_start.py)."""
    print(f"cold start: {args.cold_starts} fresh Chromiums on ?backend=wasm ...", flush=True)
    timelines = [
        one_cold_start(pw, page_address(url + "/", "?backend=wasm"), args.video) for _ in range(args.cold_starts)
    ]
    return {**summary(timelines), "timelines": timelines, "load_average_after": os.getloadavg()}


# (label, backend, page address query, served without cross-origin isolation)
VARIANTS = (
    ("wasm fused (default)", "wasm", "", False),
    ("wasm as stored", "wasm", "&fuse=0", False),
    ("wasm fused, 2 threads", "wasm", "&wasmThreads=2", False),
    ("wasm as stored, 2 threads", "wasm", "&fuse=0&wasmThreads=2", False),
    ("wasm fused, not isolated", "wasm", "", True),
    ("webgl fused (default)", "webgl", "", False),
    ("webgl as stored", "webgl", "&fuse=0", False),
)
# ratios between variants: (label, numerator variant, denominator variant)
VARIANT_RATIOS = (
    ("wasm fused / as stored", "wasm fused (default)", "wasm as stored"),
    ("wasm fused, 2 threads / 1 thread", "wasm fused, 2 threads", "wasm fused (default)"),
    ("wasm as stored, 2 threads / 1 thread", "wasm as stored, 2 threads", "wasm as stored"),
    ("wasm isolated / not isolated (1 thread)", "wasm fused (default)", "wasm fused, not isolated"),
    ("webgl fused / as stored", "webgl fused (default)", "webgl as stored"),
)
ISOLATION_HEADER_NAMES = ("cross-origin-opener-policy", "cross-origin-embedder-policy")


def without_isolation(app):
    """`app` with its COOP and COEP headers taken off: a page served like a static host serves it."""

    def middleware(environ, start_response):
        def start(status, headers, exc_info=None):
            kept = [(k, v) for k, v in headers if k.lower() not in ISOLATION_HEADER_NAMES]
            return start_response(status, kept, exc_info)

        return app(environ, start)

    return middleware


def open_bench_page(pw, url: str, args) -> tuple[Any, Any, str]:
    """A fresh Chromium on `url` with the benchmark hooks installed: (context, page, profile folder)."""
    context, profile = launch(pw, args.video)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(
        "() => { const s = document.getElementById('status').dataset.state; const t = window.pyposenetTimeline;"
        " return s === 'error' || (t['running'] > (t['loading model'] || 1e12) && window.pyposenet); }",
        timeout=240_000,
    )
    if page.eval_on_selector("#status", "e => e.dataset.state") == "error":
        context.close()
        raise RuntimeError(f"{url}: the page shows an error: {page.inner_text('#error')}")
    install_measure(page)
    page.evaluate(INSTALL_JS)
    evaluate_python(page, INSTALL_PY)
    return context, page, profile


def measure_variant(pw, urls: dict[bool, str], variant: tuple, args) -> dict:
    """One variant on a fresh page: how TF.js runs, first pose, and single-pose pairs against the reference."""
    label, backend, query, plain = variant
    webgl = backend == "webgl"
    context, page, profile = open_bench_page(pw, f"{urls[plain]}/?backend={backend}{query}", args)
    try:
        result: dict[str, Any] = {"label": label, "backend": backend, "query": query, "isolated": not plain}
        result["first_pose_ms"] = rnd(page.evaluate("() => window.pyposenetTimeline['running']"), 0)
        result["engine"] = page.evaluate("async () => (await import('/pyposenet/web/model.js')).engineDetails()")
        evaluate_python(page, "bench_stop()")
        page.wait_for_timeout(1500 if webgl else 500)
        result["reference_load"] = page.evaluate("() => window.__benchLoadReference()")
        result["pairs"] = measure_pairs(
            page, "single", args.webgl_variant_pairs if webgl else args.variant_pairs, False
        )
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
    p = result["pairs"]
    print(
        f"  {label}: ours {p['ours_ms_median']} ms, reference {p['reference_ms_median']} ms, ratio {p['ratio_median']}"
        f" ({result['engine']})",
        flush=True,
    )
    return result


def measure_variants(pw, url: str, plain_url: str, args) -> list[dict]:
    print("variants: fused / as stored, threads, isolation, against the reference ...", flush=True)
    backends = set(args.backends)
    return [measure_variant(pw, {False: url, True: plain_url}, v, args) for v in VARIANTS if v[1] in backends]


def variant_ratios(variants: list[dict]) -> list[dict]:
    """Ratios between variants, each a quotient of two ratios to the reference (load drift between pages cancels)."""
    by_label = {v["label"]: v["pairs"]["ratio_median"] for v in variants}
    out = []
    for label, top, bottom in VARIANT_RATIOS:
        if by_label.get(top) and by_label.get(bottom):
            out.append({"label": label, "ratio": rnd(by_label[top] / by_label[bottom], 3)})
    return out


def decode_fixtures() -> list[dict]:
    """Saved outputs for the page, besides its camera frame: a 257 px three-person photo (17x17 grid, the
    reference's own outputs) and the shared five-person fixture (33x33 grid, 513 px input: 5 poses at 0.5)."""
    import numpy as np  # the dev extra's, as host_frame's

    fixtures = []
    folder = SHARED / "testdata" / "expected-js" / "mobilenet-float-075-stride16" / "three_people"
    try:
        arrays = [
            np.load(folder / f"{n}.npy") for n in ("heatmapScores", "offsets", "displacementFwd", "displacementBwd")
        ]
        data = b"".join(np.ascontiguousarray(a, "<f4").tobytes() for a in arrays)
        fixtures.append(
            {"name": "three people", "b64": base64.b64encode(data).decode("ascii"), "h": 17, "w": 17, "input": 257}
        )
    except OSError:
        print(f"decoding alone: no {folder}, skipped", file=sys.stderr)
    folder = SHARED / "testdata" / "coreml-decode-fixture"
    names = ["heatmapScores", "offsets", "displacementsFwd", "displacementsBwd"]
    try:
        data = b"".join((folder / f"{name}.bin").read_bytes() for name in names)
        fixtures.append(
            {
                "name": "five-person fixture",
                "b64": base64.b64encode(data).decode("ascii"),
                "h": 33,
                "w": 33,
                "input": 513,
            }
        )
    except OSError:
        print(f"decoding alone: no {folder}, skipped", file=sys.stderr)
    return fixtures


def host_inference(runs: int) -> dict | None:
    """pyposenet._host under this CPython (numpy), on a frame of the same video; None when absent."""
    try:
        from pyposenet._host.runtime import HostRuntime
        from pyposenet.options import resolve_options
    except Exception as exc:  # noqa: BLE001 - absent or broken: skipped, said why
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    image = first_video_frame()
    if image is None:
        image = str(SHARED / "testdata" / "images" / "starter.png")

    async def run():
        runtime = HostRuntime()
        options = resolve_options({}, "single")
        model = await runtime.load_model(options)
        await runtime.run(model, image)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            await runtime.run(model, image)
            times.append((time.perf_counter() - t0) * 1000)
        return times

    try:
        times = asyncio.run(run())
    except Exception as exc:  # noqa: BLE001 - absent or broken: skipped, said why
        return {"skipped": f"{type(exc).__name__}: {exc}"}
    return {
        "runs": len(times),
        "ms_median": rnd(median(times)),
        "ms_min": rnd(min(times)),
        "input": "video frame" if not isinstance(image, str) else Path(image).name,
    }


def first_video_frame():
    """The first JPEG of the fake camera's MJPEG file as an HxWx3 array (None without Pillow/numpy)."""
    try:
        import io

        import numpy as np
        from PIL import Image
    except ImportError:
        return None
    data = FAKE_WEBCAM.read_bytes()
    start = data.find(b"\xff\xd8")
    end = data.find(b"\xff\xd9", start)
    if start < 0 or end < 0:
        return None
    with Image.open(io.BytesIO(data[start : end + 2])) as image:
        return np.asarray(image.convert("RGB"))


# -------------------------------------------------------------------------------- output


def table(
    sessions: list[dict], host: dict | None, variants: list[dict] | None = None, cold_start: dict | None = None
) -> str:
    """The printed report: per-session figures, worker vs main thread, cold start, decoding alone, host numpy,
    the variants (fused / as stored, threads, isolation), the cold-start row."""
    lines: list[str] = []
    if sessions:
        lines += _session_lines(sessions)
        lines += _ab_lines(sessions)
        renderers = [
            f"webgl {s['where']}: renderer {s.get('webgl_renderer')}" for s in sessions if s["backend"] == "webgl"
        ]
        if renderers:
            lines += renderers + [""]
        lines += _cold_start_lines(sessions)
        lines += _decode_lines(sessions)
    lines += _host_lines(host)
    lines += _variant_lines(variants or [])
    if cold_start:
        lines += [
            "",
            "cold start, default sketch, wasm (?backend=wasm), fresh Chromium each:",
            *summary_lines(cold_start),
        ]
    return "\n".join(lines)


def _session_lines(sessions: list[dict]) -> list[str]:
    """One row per session and detection type: rates, per-frame stages, pairs against the reference, memory."""
    lines = []
    head = (
        f"{'backend':7} {'where':6} {'det':6} {'frames':>6} {'pose/s':>7} {'draw/s':>7} {'draw ms':>7} "
        f"{'grab':>6} {'infer':>7} {'read':>6} {'xfer':>6} {'decode':>7} {'ours ms':>8} {'ref ms':>8} "
        f"{'ratio':>6} {'r.draw':>6} {'tensors p/w mid->end':>21} {'proxies':>9} {'heap MB':>9}"
    )
    lines.append(head)
    lines.append("-" * len(head))
    for s in sessions:
        for kind in ("single", "multiple"):
            c = s["continuous"][kind]
            p = s["pairs"][kind]
            pd = s["pairs_drawing"][kind]
            mmid, mend = c["memory"].get("mid", {}), c["memory"]["end"]
            heap = (
                f"{(mmid.get('jsHeapBytes') or 0) / 1e6:.0f}->{(mend.get('jsHeapBytes') or 0) / 1e6:.0f}"
                if mend.get("jsHeapBytes")
                else "-"
            )
            lines.append(
                f"{s['backend']:7} {s['where']:6} {kind[:6]:6} {c['frames']:>6} {fmt(c['pose_fps']):>7} "
                f"{fmt(c['draw_fps']):>7} {fmt(c['draw_ms_median']):>7} {fmt(c['grab_ms']):>6} {fmt(c['infer_ms']):>7} "
                f"{fmt(c['read_ms']):>6} {fmt(c['transfer_ms']):>6} {fmt(c['decode_ms']):>7} "
                f"{fmt(p['ours_ms_median']):>8} {fmt(p['reference_ms_median']):>8} {fmt(p['ratio_median']):>6} "
                f"{fmt(pd['ratio_median']):>6} "
                f"{_tensors(mmid) + '->' + _tensors(mend):>21} "
                f"{str(mmid.get('pyproxies')) + '->' + str(mend.get('pyproxies')):>9} "
                f"{heap:>9}"
            )
    lines.append("(mid: the 100th measured frame, or half-way in a shorter run)")
    lines.append("")
    return lines


def _tensors(memory: dict) -> str:
    """Live tensors on the page / in the worker ('-' without a worker)."""
    worker = memory.get("tensorsWorker")
    return f"{memory.get('tensorsPage')}/{worker if worker is not None else '-'}"


def _ab_lines(sessions: list[dict]) -> list[str]:
    """Worker vs main thread taken in turn on one page, where a session measured it."""
    lines: list[str] = []
    ab = [(s["backend"], s["ab"]) for s in sessions if s.get("ab")]
    if ab:
        lines.append("worker vs main thread in turn on one page (single pose, median of windows):")
        for backend, result in ab:
            for where, v in result.items():
                lines.append(
                    f"  {backend:7} {where:6} {fmt(v['pose_fps']):>6} poses/s  draw {fmt(v['draw_fps']):>6} fps  "
                    f"draw gap p95 {fmt(v['draw_gap_ms_p95']):>6} ms, max {fmt(v['draw_gap_ms_max'])} ms "
                    f"({v['windows']} windows of {v['frames_per_window']} frames)"
                )
        lines.append("")
    return lines


def _cold_start_lines(sessions: list[dict]) -> list[str]:
    """Each session's page timeline: Python ready, model ready, first pose."""
    lines = [
        f"{'backend':7} {'where':6} {'python ready':>12} {'model ready':>11} {'first pose':>10}  (ms after page open)"
    ]
    for s in sessions:
        cs = s["cold_start_ms"]
        lines.append(
            f"{s['backend']:7} {s['where']:6} {fmt(cs['python_ready']):>12} {fmt(cs['model_ready']):>11} "
            f"{fmt(cs['first_pose']):>10}"
        )
    lines.append("")
    return lines


def _decode_lines(sessions: list[dict]) -> list[str]:
    """Decoding alone on the same outputs: pyposenet in Pyodide against the reference's decoders."""
    lines = [
        "decoding alone, same outputs, ms (pyposenet in Pyodide: decode / decode + ml5 results;"
        " multi-pose: + finding the root candidates in JavaScript = the sum, and the decoder's"
        " own search instead; reference: posenet 2.2.2's decoders)"
    ]
    for s in sessions:
        for name, d in s["decode"].items():
            what = "camera frame" if name == "live" else name
            for label, ours, shaped, roots, own, ref, n_ours, n_ref in _decode_rows(d["ours"], d["reference"]):
                extra = ""
                if own is not None:
                    total = ours + roots if roots is not None and ours is not None else None
                    extra = f" + roots (JS) {fmt(roots):>5} = {fmt(total):>5}, own search {fmt(own):>5}"
                lines.append(
                    f"  {s['backend']:7} {s['where']:6} {what:21} {d['grid'][0]}x{d['grid'][1]} {label:14} "
                    f"ours {fmt(ours):>5} / {fmt(shaped):>5}{extra} ({n_ours} poses)   reference {fmt(ref):>5} "
                    f"({n_ref} poses)"
                )
    return lines


def _decode_rows(o: dict, r: dict) -> list[tuple]:
    """(label, ours, ours + results, roots in JS, own search, reference, our poses, its poses) per decoding."""
    rows = [
        ("single", o["single_ms"], o["single_shaped_ms"], None, None, r["single_ms"], 1, 1),
        (
            "multi thr 0.5",
            o["multi_ms"],
            o["multi_shaped_ms"],
            o["roots_ms"],
            o["multi_own_search_ms"],
            r["multi_ms"],
            o["multi_poses"],
            r["multi_poses"],
        ),
    ]
    if o["many_threshold"] != 0.5:
        rows.append(
            (
                f"multi thr {o['many_threshold']}",
                o["multi_many_ms"],
                o["multi_many_shaped_ms"],
                o["roots_many_ms"],
                o["multi_many_own_search_ms"],
                r["multi_many_ms"],
                o["multi_many_poses"],
                r["multi_many_poses"],
            )
        )
    return rows


def _variant_lines(variants: list[dict]) -> list[str]:
    """One row per variant: per frame against the reference on the same page, and the ratios between variants."""
    if not variants:
        return []
    lines = [
        "",
        "variants, one fresh page each: single pose, 257, sketch paused, pairs with the reference on the same page",
        f"  {'variant':27} {'ours ms':>8} {'ref ms':>8} {'ratio':>6} {'p10':>6} {'p90':>6} {'pairs':>5} "
        f"{'1st pose':>8}  how TF.js ran ours (the reference: TF.js's defaults on the same page)",
    ]
    for v in variants:
        p = v["pairs"]
        lines.append(
            f"  {v['label']:27} {fmt(p['ours_ms_median']):>8} {fmt(p['reference_ms_median']):>8} "
            f"{fmt(p['ratio_median']):>6} {fmt(p['ratio_p10']):>6} {fmt(p['ratio_p90']):>6} {p['pairs']:>5} "
            f"{fmt(v['first_pose_ms']):>8}  {v['engine']}"
        )
    for r in variant_ratios(variants):
        lines.append(f"  {r['label']:42} x{fmt(r['ratio'])}")
    return lines


def _host_lines(host: dict | None) -> list[str]:
    """Host numpy inference, when it was measured (or why not)."""
    if host is None:
        return []
    if "skipped" in host:
        return ["", f"host numpy inference: skipped ({host['skipped']})"]
    return [
        "",
        f"host numpy inference (pyposenet._host, CPython): median {host['ms_median']} ms, "
        f"min {host['ms_min']} ms over {host['runs']} runs on a {host['input']}",
    ]


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def plot(sessions: list[dict], path: Path) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install -e '.[dev]'): no plot"
    fig, ((ax1, ax2), (ax3, ax4)) = plt.subplots(2, 2, figsize=(15, 10))
    labels = [f"{s['backend']} {s['where']}\n{kind}" for s in sessions for kind in ("single", "multiple")]
    runs = [(s, kind) for s in sessions for kind in ("single", "multiple")]
    x = list(range(len(runs)))
    width = 0.38

    ours = [s["pairs"][k]["ours_ms_median"] or 0 for s, k in runs]
    ref = [s["pairs"][k]["reference_ms_median"] or 0 for s, k in runs]
    ax1.bar([i - width / 2 for i in x], ours, width, label="pyposenet: net.singlePose()/multiPose()")
    ax1.bar(
        [i + width / 2 for i in x], ref, width, label="reference: estimateSinglePose()/MultiplePoses()", color="grey"
    )
    for i, (s, k) in enumerate(runs):
        ratio = s["pairs"][k]["ratio_median"]
        ax1.annotate(f"x{ratio:.2f}" if ratio else "-", (i, max(ours[i], ref[i])), ha="center", va="bottom", fontsize=8)
    ax1.set_xticks(x, labels, fontsize=7)
    ax1.set_ylabel("ms per frame, median of pairs (sketch paused)")
    ax1.set_title("per frame, pair by pair, same page and camera (label: median ratio)")
    ax1.legend(fontsize=7)

    def part(c, key):
        if key == "other_ms":  # frame -> tensor + inference, less what is itemised
            rest = (c["infer_ms"] or 0) - sum(c.get(k) or 0 for k in ("pixels_ms", "prep_ms", "exec_ms"))
            return max(0.0, rest)
        return max(0.0, c.get(key) or 0)

    parts = [
        ("exec_ms", "network (graph.execute)"),
        ("grab_ms", "frame -> VideoFrame/ImageBitmap (page)"),
        ("pixels_ms", "frame -> tensor"),
        ("prep_ms", "pad + resize + normalise"),
        ("other_ms", "sigmoid + concat"),
        ("roots_ms", "root candidates (multi, JS)"),
        ("read_ms", "read-back"),
        ("transfer_ms", "worker messages"),
        ("decode_ms", "Python decode + results"),
    ]
    bottom = [0.0] * len(x)
    for key, name in parts:
        values = [part(s["continuous"][k], key) for s, k in runs]
        ax2.bar(x, values, 0.6, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=False)]
    ax2.set_xticks(x, labels, fontsize=7)
    ax2.set_ylabel("ms per frame, median (continuous detection)")
    ax2.set_title("where pyposenet's frame goes (stacked)")
    ax2.legend(fontsize=7)

    pose_fps = [s["continuous"][k]["pose_fps"] or 0 for s, k in runs]
    draw_fps = [s["continuous"][k]["draw_fps"] or 0 for s, k in runs]
    ax3.bar([i - width / 2 for i in x], draw_fps, width, label="draw() per s")
    ax3.bar([i + width / 2 for i in x], pose_fps, width, label="pose events per s")
    ax3.axhline(50, color="red", linewidth=0.8, linestyle="--", label="50 fps")
    ax3.set_xticks(x, labels, fontsize=7)
    ax3.set_title("default sketch: draw rate and pose rate")
    ax3.legend(fontsize=7)

    cases = []
    for s in sessions:
        for name, d in s["decode"].items():
            what = "camera" if name == "live" else name
            o, r = d["ours"], d["reference"]
            cases.append((f"{s['backend']} {s['where']}\n{what} single", o["single_ms"], 0, r["single_ms"]))
            cases.append(
                (
                    f"{s['backend']} {s['where']}\n{what} multi {o['multi_poses']}p",
                    o["multi_ms"],
                    o["roots_ms"] or 0,
                    r["multi_ms"],
                )
            )
            if o["many_threshold"] != 0.5:
                cases.append(
                    (
                        f"{s['backend']} {s['where']}\n{what} multi {o['multi_many_poses']}p",
                        o["multi_many_ms"],
                        o["roots_many_ms"] or 0,
                        r["multi_many_ms"],
                    )
                )
    cx = list(range(len(cases)))
    ax4.bar([i - width / 2 for i in cx], [c[1] or 0 for c in cases], width, label="pyposenet (Python in Pyodide)")
    ax4.bar(
        [i - width / 2 for i in cx],
        [c[2] for c in cases],
        width,
        bottom=[c[1] or 0 for c in cases],
        label="+ root candidates in JS (multi)",
    )
    ax4.bar([i + width / 2 for i in cx], [c[3] or 0 for c in cases], width, label="reference (JS)", color="grey")
    ax4.set_xticks(cx, [c[0] for c in cases], fontsize=6, rotation=90)
    ax4.set_ylabel("ms, median")
    ax4.set_title("decoding alone, same outputs")
    ax4.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["wasm", "webgl"], choices=["wasm", "webgl", "cpu"])
    parser.add_argument("--modes", nargs="+", default=["worker", "main"], choices=["worker", "main"])
    parser.add_argument("--frames", type=int, default=200, help="pose events measured per detection type (wasm, cpu)")
    parser.add_argument("--warmup", type=int, default=20, help="pose events skipped first (wasm, cpu)")
    parser.add_argument("--pairs", type=int, default=100, help="pyposenet/reference pairs per detection type")
    parser.add_argument(
        "--webgl-frames",
        type=int,
        default=200,
        help="pose events measured on webgl (software WebGL takes ~0.7 s a frame: ~10 minutes in all)",
    )
    parser.add_argument("--webgl-warmup", type=int, default=3)
    parser.add_argument("--webgl-pairs", type=int, default=15)
    parser.add_argument("--host-runs", type=int, default=10)
    parser.add_argument(
        "--ab-rounds",
        type=int,
        default=4,
        help="worker/main windows in turn on the worker page (each round: one of each)",
    )
    parser.add_argument("--ab-frames", type=int, default=50, help="pose events per worker/main window (wasm, cpu)")
    parser.add_argument("--webgl-ab-frames", type=int, default=8, help="pose events per worker/main window on webgl")
    parser.add_argument("--video", type=Path, default=FAKE_WEBCAM)
    parser.add_argument("--out", type=Path, default=REPO / "bench-results")
    parser.add_argument("--variant-pairs", type=int, default=60, help="pairs with the reference per wasm variant")
    parser.add_argument(
        "--webgl-variant-pairs", type=int, default=15, help="pairs with the reference per webgl variant"
    )
    parser.add_argument(
        "--cold-starts", type=int, default=7, help="fresh Chromiums for the cold-start row (0: no cold-start row)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--variants-only", action="store_true", help="only the variant rows (fused, threads, isolation)")
    which.add_argument("--no-variants", action="store_true", help="leave the variant rows out")
    which.add_argument("--cold-start-only", action="store_true", help="only the cold-start row")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    app = add_reference_route(
        create_app({"MODELS_DIR": SHARED / "models", "MODEL_BASE_URL": "http://127.0.0.1:9/offline/"})
    )
    servers = [make_server("127.0.0.1", 0, served, threaded=True) for served in (app, without_isolation(app))]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    url, plain_url = (f"http://127.0.0.1:{server.server_port}" for server in servers)
    urllib.request.urlopen(
        url + "/pyposenet/app-config.json", timeout=300
    ).read()  # build the wheel before any cold start
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    sessions = []
    variants = []
    started = time.time()
    with sync_playwright() as pw:
        for backend in args.backends if not (args.variants_only or args.cold_start_only) else ():
            for mode in args.modes:
                print(f"{backend}/{mode}: cold start, continuous detection, reference pairs ...", flush=True)
                sessions.append(measure_session(pw, url, backend, mode, args))
        if not (args.no_variants or args.cold_start_only):
            variants = measure_variants(pw, url, plain_url, args)
        cold_start = measure_cold_starts(pw, url, args) if args.cold_starts > 0 and not args.variants_only else None
    for server in servers:
        server.shutdown()
    host = host_inference(args.host_runs) if not (args.variants_only or args.cold_start_only) else None

    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "load_average": os.getloadavg()},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "notes": {
            "webgl": "each session's webgl_renderer names the WebGL it had: SwiftShader is software",
            "proxies": "PyProxies created after tracing started and not destroyed (Pyodide's allocation tracer)",
            "heap": "the page's JS heap only (performance.memory); the worker's tensors are in tensorsWorker",
        },
        "sessions": sessions,
        "variants": variants,
        "variant_ratios": variant_ratios(variants),
        "host_numpy": host,
        "cold_start": cold_start,
        "seconds": round(time.time() - started),
    }
    (args.out / "perf.json").write_text(json.dumps(report, indent=2))
    text = table(sessions, host, variants, cold_start)
    print()
    print(text)
    problem = plot(sessions, args.out / "perf.png") if sessions else "no sessions: no plot"
    print()
    print(f"wrote {args.out / 'perf.json'}" + ("" if problem else f" and {args.out / 'perf.png'}"))
    if problem:
        print(problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
