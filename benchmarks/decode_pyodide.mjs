// pyposenet's decoders in Pyodide against @tensorflow-models/posenet 2.2.2's, in one node process.
//
//     node benchmarks/decode_pyodide.mjs [--runs 200] [--block 10] [--shared DIR] [--json FILE]
//     make bench-decode
//
// A benchmark, not a test: it prints a table and asserts nothing (it does say when the two disagree).
// Pyodide (node_modules/pyodide, the page's version) gets this checkout's pyposenet/ package in its
// file system. The saved PoseNet outputs in ../shared/testdata (17x17 grids from 257 px inputs and
// the 33x33 five-person fixture from a 513 px input) are handed to Python as the page hands them
// (pyposenet/_browser/runtime.py: one flat Float32Array, `to_memoryview()`, `ModelOutputs.from_flat`).
// What is timed matches benchmarks/perf.py's "decoding alone": pyposenet's decoders, from_flat included,
// timed inside Python (decode alone, decode + ml5-shaped results, and multi-pose decoding given the root
// candidates a multi-pose frame brings, found by pyposenet/web/root-candidates.js, which is timed too and run
// here as the page runs it); the reference's decodeSinglePose
// on tensors and decodeMultiplePoses on TensorBuffers, awaited, from the bundles the page loads
// (tf.min.js, posenet.min.js; TF.js's cpu backend). Blocks of --block calls, Python and JS
// interleaved (alternating which goes first), medians over --runs blocks. Node's V8 is not
// Chromium's: benchmarks/perf.py measures the same in the browser.
import { readFileSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import vm from 'node:vm';
import { REPO, require, UsageError, parseArgs, startPyodide } from './pyodide_node.mjs';

const STRIDE = 16;

// ------------------------------------------------------------------------------------- data

function readNpyFloat32(path) {
  const bytes = readFileSync(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`${path}: expected little-endian float32, header ${header}`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const start = 10 + headerLength;
  return { shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length)) };
}

function readBin(path) {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function loadCases(shared) {
  const testdata = join(shared, 'testdata');
  const cases = [];
  const expectedJs = join(testdata, 'expected-js', 'mobilenet-float-075-stride16');
  for (const [image, label] of [['pose', '1 person'], ['three_people', '3 people']]) {
    const names = ['heatmapScores', 'offsets', 'displacementFwd', 'displacementBwd'].map((n) => join(expectedJs, image, `${n}.npy`));
    if (!names.every(existsSync)) { console.warn(`skipped ${image}: ${names[0]} missing`); continue; }
    const arrays = names.map(readNpyFloat32);
    const [h, w] = arrays[0].shape;
    cases.push({ name: `${image} (${label})`, h, w, parts: arrays.map((a) => a.data), many: true });
  }
  const fixture = join(testdata, 'coreml-decode-fixture');
  const binNames = ['heatmapScores', 'offsets', 'displacementsFwd', 'displacementsBwd'].map((n) => join(fixture, `${n}.bin`));
  if (binNames.every(existsSync)) {
    cases.push({ name: 'five-person fixture', h: 33, w: 33, parts: binNames.map(readBin), many: false });
  } else {
    console.warn(`skipped the five-person fixture: ${binNames[0]} missing`);
  }
  if (!cases.length) throw new UsageError(`no test data under ${testdata} (set PYPOSENET_SHARED or --shared)`);
  for (const c of cases) {
    const total = c.parts.reduce((n, p) => n + p.length, 0);
    c.flat = new Float32Array(total);
    let at = 0;
    for (const p of c.parts) { c.flat.set(p, at); at += p.length; }
  }
  return cases;
}

// ---------------------------------------------------------------------------------- Pyodide

const PYTHON = `
import time
from pyposenet.decode import ModelOutputs, decode_multiple_poses, decode_single_pose
from pyposenet.decode.outputs import as_float_view
from pyposenet.decode.root_hints import RootCandidates, root_candidate_count
from pyposenet.results import FrameGeometry, to_ml5_results

STRIDE = ${STRIDE}
_cases = {}

def add_case(name, js_flat, h, w, input_size):
    data = as_float_view(js_flat.to_memoryview())  # as pyposenet/_browser/runtime.py: one copy into Python memory
    geometry = FrameGeometry(input_height=input_size, input_width=input_size, source_height=input_size,
                             source_width=input_size, display_height=input_size, display_width=input_size)
    _cases[name] = (data, int(h), int(w), geometry, {})

def add_hint(name, threshold, js_roots, found, nan):
    # the root candidates pyposenet/web/root-candidates.js finds for a multi-pose frame at this threshold
    _cases[name][4][threshold] = RootCandidates.from_flat(js_roots.to_memoryview(), found, threshold, nan)

def _call(name, kind, threshold):
    data, h, w, geometry, hints = _cases[name]
    if kind == "hinted multi":
        hint = hints[threshold]
        return lambda: decode_multiple_poses(ModelOutputs.from_flat(data, h, w, hint), STRIDE, 5, threshold, 20)
    def shaped(raw):
        return to_ml5_results(raw, geometry, flip_horizontal=False, min_confidence=0.5, flip_labels=False)
    if kind == "single":
        return lambda: decode_single_pose(ModelOutputs.from_flat(data, h, w), STRIDE)
    if kind == "single+ml5":
        return lambda: shaped([decode_single_pose(ModelOutputs.from_flat(data, h, w), STRIDE)])
    if kind == "multi":
        return lambda: decode_multiple_poses(ModelOutputs.from_flat(data, h, w), STRIDE, 5, threshold, 20)
    if kind == "multi+ml5":
        return lambda: shaped(decode_multiple_poses(ModelOutputs.from_flat(data, h, w), STRIDE, 5, threshold, 20))
    raise ValueError(kind)

def result(name, kind, threshold):
    out = _call(name, kind, threshold)()
    return [out] if kind == "single" else out

def hint_agrees(name, threshold):
    return _call(name, "hinted multi", threshold)() == _call(name, "multi", threshold)()

def block_ms(name, kind, threshold, block):
    fn = _call(name, kind, threshold)
    t0 = time.perf_counter()
    for _ in range(block):
        fn()
    return (time.perf_counter() - t0) * 1000 / block

def conversion_ms(js_flat, block):
    t0 = time.perf_counter()
    for _ in range(block):
        js_flat.to_memoryview()
    return (time.perf_counter() - t0) * 1000 / block
`;

// ------------------------------------------------------------------------------- reference

async function startReference() {
  // The browser bundles the page loads (plain loops, where the CommonJS builds node would pick go
  // through iterator helpers and run several times slower), as globals: run in this context, their
  // UMD wrappers find neither `exports` nor `define` and set globalThis.tf / globalThis.posenet.
  globalThis.require = require; // tf.min.js's node platform asks for node's util
  for (const file of ['@tensorflow/tfjs/dist/tf.min.js', '@tensorflow-models/posenet/dist/posenet.min.js']) {
    const path = require.resolve(file);
    vm.runInThisContext(readFileSync(path, 'utf8'), { filename: path });
  }
  delete globalThis.require;
  const { tf, posenet } = globalThis;
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, posenet };
}

function referenceInputs(tf, c) {
  const channels = [17, 34, 32, 32];
  const tensors = c.parts.map((p, i) => tf.tensor3d(p, [c.h, c.w, channels[i]]));
  return { tensors, buffers: tensors.map((t) => t.bufferSync()) };
}

// ---------------------------------------------------------------------------------- timing

const median = (v) => { v = v.slice().sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };

function plainPoses(poses) {
  return poses.map((p) => [p.score, ...p.keypoints.map((k) => [k.part, k.score, k.position.x, k.position.y])]);
}

function samePoses(a, b) {
  return JSON.stringify(plainPoses(a)) === JSON.stringify(plainPoses(b));
}

async function main() {
  const args = parseArgs(process.argv.slice(2), { runs: 200, block: 10 });
  const cases = loadCases(args.shared);
  const pyodide = await startPyodide();
  pyodide.runPython(PYTHON);
  const { tf, posenet } = await startReference();
  const { rootCandidates } = await import(pathToFileURL(join(REPO, 'pyposenet', 'web', 'root-candidates.js')).href);
  const py = (name) => pyodide.globals.get(name);
  const addCase = py('add_case'); const blockMs = py('block_ms'); const pyResult = py('result'); const convMs = py('conversion_ms');
  const hintAgrees = py('hint_agrees'); const addHint = py('add_hint');
  const rootCount = pyodide.runPython('root_candidate_count(5)'); // what a 5-pose frame asks for
  const rows = [];
  for (const c of cases) {
    addCase(c.name, c.flat, c.h, c.w, (c.h - 1) * STRIDE + 1);
    const findRoots = (threshold) => rootCandidates(c.parts[0], c.h, c.w, threshold, rootCount);
    const { tensors, buffers } = referenceInputs(tf, c);
    const jsSingle = () => posenet.decodeSinglePose(tensors[0], tensors[1], STRIDE);
    const jsMulti = (threshold) => posenet.decodeMultiplePoses(...buffers, STRIDE, 5, threshold, 20);
    const ours = (kind, threshold) => {
      const proxy = pyResult(c.name, kind, threshold);
      const value = proxy.toJs({ dict_converter: Object.fromEntries });
      proxy.destroy();
      return value;
    };
    // the threshold that gives 5 poses, found as perf.py finds it
    let many = 0.5;
    if (c.many) {
      for (const threshold of [0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.0]) {
        many = threshold;
        if (ours('multi', threshold).length >= 5) break;
      }
    }
    const tasks = [
      { label: 'single', kinds: ['single', 'single+ml5'], threshold: 0.5, js: jsSingle },
      { label: 'multi thr 0.5', kinds: ['multi', 'multi+ml5'], threshold: 0.5, js: () => jsMulti(0.5) },
    ];
    if (c.many && many !== 0.5) tasks.push({ label: `multi thr ${many}`, kinds: ['multi', 'multi+ml5'], threshold: many, js: () => jsMulti(many) });
    // scoreThreshold 0: every score is a candidate (perf.py's "5 poses" case on the camera frame)
    if (c.many && many !== 0) tasks.push({ label: 'multi thr 0', kinds: ['multi', 'multi+ml5'], threshold: 0, js: () => jsMulti(0) });
    for (const task of tasks) {
      if (task.label !== 'single') {
        const { data, found, nan } = findRoots(task.threshold);
        addHint(c.name, task.threshold, data, found, nan);
      }
      const reference = await task.js();
      const mine = ours(task.kinds[0], task.threshold);
      const multi = task.label !== 'single';
      const agree = samePoses(mine, multi ? reference : [reference]) && (!multi || hintAgrees(c.name, task.threshold));
      const times = { py: [], pyShaped: [], js: [], hinted: [], roots: [] };
      const timePython = () => {
        times.py.push(blockMs(c.name, task.kinds[0], task.threshold, args.block));
        times.pyShaped.push(blockMs(c.name, task.kinds[1], task.threshold, args.block));
        if (multi) {
          times.hinted.push(blockMs(c.name, 'hinted multi', task.threshold, args.block));
          const t0 = performance.now();
          for (let k = 0; k < args.block; k++) findRoots(task.threshold);
          times.roots.push((performance.now() - t0) / args.block);
        }
      };
      const timeJs = async () => {
        const t0 = performance.now();
        for (let k = 0; k < args.block; k++) await task.js();
        times.js.push((performance.now() - t0) / args.block);
      };
      for (let i = 0; i < 3; i++) { timePython(); await timeJs(); } // warm-up
      for (const list of Object.values(times)) list.length = 0;
      for (let r = 0; r < args.runs; r++) {
        if (r % 2 === 0) { timePython(); await timeJs(); } else { await timeJs(); timePython(); }
      }
      rows.push({
        grid: `${c.h}x${c.w}`, case: c.name, decode: task.label, poses: mine.length,
        reference_poses: task.label === 'single' ? 1 : reference.length, bit_exact: agree,
        python_ms: median(times.py), python_ml5_ms: median(times.pyShaped), js_ms: median(times.js),
        python_hinted_ms: multi ? median(times.hinted) : undefined, roots_js_ms: multi ? median(times.roots) : undefined,
      });
    }
    const conversions = [];
    for (let r = 0; r < 50; r++) conversions.push(convMs(c.flat, args.block));
    rows.push({ grid: `${c.h}x${c.w}`, case: c.name, decode: 'to_memoryview', conversion_ms: median(conversions) });
    tensors.forEach((t) => t.dispose());
  }
  [addCase, blockMs, pyResult, convMs, hintAgrees, addHint].forEach((p) => p.destroy());

  const f = (v) => (v === undefined ? '' : v.toFixed(3));
  console.log(`pyposenet decoders in Pyodide ${pyodide.version} vs @tensorflow-models/posenet 2.2.2 (tfjs ${tf.version.tfjs}, ${tf.getBackend()} backend), node ${process.version}`);
  console.log(`median of ${args.runs} blocks of ${args.block} calls, ms per call; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('python: the decoder searching for roots itself; hinted: given the root candidates a multi-pose frame brings,');
  console.log('found in JavaScript (pyposenet/web/root-candidates.js: "roots"); (h+r)/js: hinted + roots against the reference');
  const head = `${'grid'.padEnd(6)} ${'case'.padEnd(20)} ${'decode'.padEnd(15)} ${'poses'.padStart(5)} ${'python'.padStart(7)} ${'+ml5'.padStart(7)} ${'hinted'.padStart(7)} ${'roots'.padStart(7)} ${'js'.padStart(7)} ${'py/js'.padStart(6)} ${'(h+r)/js'.padStart(8)}  same`;
  console.log(head);
  console.log('-'.repeat(head.length));
  for (const r of rows) {
    if (r.conversion_ms !== undefined) {
      console.log(`${r.grid.padEnd(6)} ${r.case.padEnd(20)} ${'(Float32Array -> memoryview, not in the figures above)'} ${f(r.conversion_ms)}`);
      continue;
    }
    const ratio = r.python_ms / r.js_ms;
    const hintedRatio = r.python_hinted_ms === undefined ? '' : ((r.python_hinted_ms + r.roots_js_ms) / r.js_ms).toFixed(2);
    console.log(`${r.grid.padEnd(6)} ${r.case.padEnd(20)} ${r.decode.padEnd(15)} ${String(r.poses).padStart(5)} ${f(r.python_ms).padStart(7)} ${f(r.python_ml5_ms).padStart(7)} ${f(r.python_hinted_ms).padStart(7)} ${f(r.roots_js_ms).padStart(7)} ${f(r.js_ms).padStart(7)} ${ratio.toFixed(2).padStart(6)} ${hintedRatio.padStart(8)}  ${r.bit_exact ? 'yes' : 'NO: results differ'}`);
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ pyodide: pyodide.version, backend: tf.getBackend(), loadavg: os.loadavg(), rows }, null, 2));
}

main().catch((e) => { console.error(e instanceof UsageError ? `decode_pyodide: ${e.message}` : e); process.exit(1); });
