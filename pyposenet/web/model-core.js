// PoseNet on TensorFlow.js, shared by the page (model.js, main-thread path) and the Web Worker
// (model-worker.js): load the graph, read a frame's pixels, pad + resize + normalise exactly as
// @tensorflow-models/posenet does, run the network, read the four outputs back in one read-back.
// Uses the global `tf` (tf.min.js on the page; imported by the worker); touches no DOM, so it runs
// in both places. Decoding happens in Python (pyposenet/decode), but for the multi-pose root search,
// run here on the read-back scores (root-candidates.js).

import { fuseConvolutions, signatureOutputs } from './fuse-graph.js';
import { fetchGraphModel } from './model-files.js';
import { rootCandidates } from './root-candidates.js';

export const WASM_DIR = new URL('./vendor/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).href;

/**
 * Switch to `wanted` ('webgl', 'wasm', 'cpu', 'webgpu'), already resolved from 'auto'; throws if it can't run here.
 * `wasmThreads`: the wasm backend's thread count (a whole number >= 1; undefined: TF.js's default), used only
 * where the threaded build runs (a cross-origin isolated page or worker) and only before wasm first starts.
 */
/** What to say when a backend can't start: the likely reason and what to use instead. */
const WHY_NOT = {
  webgl: ': it has no WebGL here (a headless browser without a display, or WebGL turned off or blocked).'
    + ' Use "wasm" (fast on any CPU) or "auto" (WebGL on a GPU, else wasm): poseNet\'s backend option, or'
    + ' the page address: ?backend=wasm',
};

export async function setBackend(wanted, wasmDir, wasmThreads) {
  if (wanted === 'wasm') { // before tf.getBackend(), which may start wasm (the first backend that can start)
    tf.wasm.setWasmPaths(wasmDir);
    if (wasmThreads !== undefined) requestWasmThreads(wasmThreads);
    if (!tf.engine().registry.wasm && (wasmThreads ?? defaultWasmThreads()) === 1) singleThreadedWasm();
  }
  if (tf.getBackend() === wanted) return wanted;
  let ok = false;
  try { ok = await tf.setBackend(wanted); } catch (err) { ok = false; }
  if (!ok) throw new Error(`TensorFlow.js backend "${wanted}" could not start in this browser${WHY_NOT[wanted] || ''}`);
  await tf.ready();
  return tf.getBackend();
}

/** TF.js's wasm backend uses at most this many threads (its pre-started pool). */
export const MAX_WASM_THREADS = 8;

/** TF.js's own thread count for its wasm backend: half of navigator.hardwareConcurrency, 1 to 8. */
function defaultWasmThreads() {
  return Math.min(MAX_WASM_THREADS, Math.max(1, Math.floor((navigator.hardwareConcurrency || 1) / 2)));
}

/**
 * Where the wasm backend will run 1 thread, its single-threaded SIMD build starts instead of the threaded one,
 * whose 8 pre-started helper threads would run nothing: their start is 0.1-0.2 s of a cold start on 2 cores, and
 * a frame costs the same on either build (docs/benchmarks.md). Only before the backend first starts.
 */
export function singleThreadedWasm() {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
}

/**
 * Ask the wasm backend for `threads` threads. TF.js caps its thread count at half of
 * navigator.hardwareConcurrency (counting each core's two hyper-threads once), read once when its wasm module
 * starts; to run `threads`, this scope (the worker, or the page when the network runs there) reports at
 * least 2 x `threads` cores to it. Lets a benchmark run 2 threads on a 2-core machine (docs/benchmarks.md).
 */
function requestWasmThreads(threads) {
  tf.wasm.setThreadsCount(threads);
  if (!(navigator.hardwareConcurrency >= 2 * threads)) {
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  }
}

/**
 * How TF.js runs here, for the FPS meter's details and the benchmarks: {backend, isolated} and on wasm
 * {simd, threaded (the threaded build runs), threads (XNNPACK's thread count)}. The threaded build needs
 * SharedArrayBuffer, which only a cross-origin isolated page or worker has (COOP + COEP headers,
 * server/security.py): elsewhere (a static host) wasm runs the single-threaded SIMD build.
 */
export async function engineInfo() {
  const backend = tf.getBackend();
  const info = { backend, isolated: self.crossOriginIsolated === true };
  if (backend === 'wasm') {
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.threaded = info.simd && await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    info.threads = tf.wasm.getThreadsCount();
  }
  return info;
}

/** A whole number of threads >= 1 from a page address's ?wasmThreads=N, or undefined (TF.js's default); throws otherwise. */
export function parseWasmThreads(value) {
  if (value === null || value === undefined || value === '') return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(`wasmThreads must be a whole number from 1 to ${MAX_WASM_THREADS} (the wasm backend's threads), `
      + `got "${value}"`);
  }
  return threads;
}

/**
 * The graph model at `url`, its files fetched and checked first (model-files.js): errors name the
 * file. `timeoutMs`: the most one file may take (undefined: model-files.js's default). `fuse` (default
 * true): each convolution, its bias and its ReLU6 run as one fused op (fuse-graph.js); the graph's
 * `fusedNodes` says how many.
 */
export async function loadGraph(url, timeoutMs, fuse = true) {
  let graph;
  let fused = 0;
  try {
    const artifacts = await fetchGraphModel(url, timeoutMs);
    if (fuse) {
      const rewritten = fuseConvolutions(artifacts.modelTopology, signatureOutputs(artifacts.signature));
      artifacts.modelTopology = rewritten.topology;
      fused = rewritten.fused;
    }
    graph = await tf.loadGraphModel({ load: async () => artifacts });
  } catch (err) {
    throw new Error(`could not load the PoseNet model ${url}: ${err.message || err}`);
  }
  graph.fusedNodes = fused;
  return graph;
}

/** The reference's padAndResizeTo padding: pad to the input's aspect ratio, split evenly. */
export function paddingFor(height, width, targetH, targetW) {
  const targetAspect = targetW / targetH;
  if (width / height < targetAspect) {
    const pad = Math.round(0.5 * (targetAspect * height - width));
    return { top: 0, bottom: 0, left: pad, right: pad };
  }
  const pad = Math.round(0.5 * ((1.0 / targetAspect) * width - height));
  return { top: pad, bottom: pad, left: 0, right: 0 };
}

const isVideo = (s) => typeof HTMLVideoElement !== 'undefined' && s instanceof HTMLVideoElement;

const isVideoFrame = (s) => typeof VideoFrame !== 'undefined' && s instanceof VideoFrame;

/** The size tf.browser.fromPixels reads `source` at (a video's intrinsic size, an element's width/height). */
export function pixelSize(source) {
  if (isVideo(source)) return [source.videoWidth, source.videoHeight];
  if (isVideoFrame(source)) return [source.displayWidth, source.displayHeight]; // a video's frame, as the worker gets it
  return [source.width, source.height];
}

/**
 * Frame -> network input, with exactly the pixels tf.browser.fromPixels reads.
 *
 * GPU backends: fromPixels uploads straight into a texture, then pad3d (below). CPU backends (wasm,
 * cpu): fromPixels would draw into a canvas, read it back and copy RGBA into a new int32 tensor, which
 * pad3d copies again into a bigger one that resizeBilinear then casts to float32; here the frame is
 * copied once, RGBA bytes -> the float32 padded image, into a buffer kept from frame to frame (its
 * padding stays zero). The values are the same integers, so the network sees the same input. The WASM
 * backend copies a new tensor's values into its own heap at once, so the buffer can be refilled next
 * frame; the CPU backend keeps a reference to the array, so it gets a fresh one.
 */
export class PixelReader {
  constructor() {
    this.context = null;
    this.padded = null;
    this.paddedKey = '';
  }

  /** RGBA bytes of the frame, from a canvas kept for the purpose. */
  rgba(source, width, height) {
    if (source.data instanceof Uint8ClampedArray || source.data instanceof Uint8Array) return source.data; // ImageData, {data, width, height}
    const context = this.contextFor(width, height);
    context.clearRect(0, 0, width, height); // a kept canvas: nothing of the last frame may show through
    context.drawImage(source, 0, 0, width, height);
    return context.getImageData(0, 0, width, height).data;
  }

  /**
   * `source` as a float32 [height + top + bottom, width + left + right, 3] tensor, padded with zeros
   * to the aspect ratio of `inputHeight` x `inputWidth` (the reference's padAndResizeTo), or null
   * where fromPixels should be used (GPU backends, empty frames).
   */
  paddedTensor(source, inputHeight, inputWidth) {
    const backend = tf.getBackend();
    if (backend !== 'wasm' && backend !== 'cpu') return null;
    const [width, height] = pixelSize(source);
    if (!(width > 0 && height > 0)) return null; // fromPixels reports empty inputs its own way
    const padding = paddingFor(height, width, inputHeight, inputWidth);
    const rows = height + padding.top + padding.bottom;
    const columns = width + padding.left + padding.right;
    const rgba = this.rgba(source, width, height);
    const key = `${height}x${width}+${padding.top},${padding.left}`;
    let out = this.padded;
    if (backend !== 'wasm' || !out || this.paddedKey !== key) out = new Float32Array(rows * columns * 3);
    if (backend === 'wasm') { this.padded = out; this.paddedKey = key; }
    copyRgb(rgba, out, padding, width, height, columns);
    return { tensor: tf.tensor3d(out, [rows, columns, 3], 'float32'), padding, height, width };
  }

  contextFor(width, height) {
    if (!this.context) {
      const canvas = typeof OffscreenCanvas !== 'undefined'
        ? new OffscreenCanvas(width, height) : document.createElement('canvas');
      this.context = canvas.getContext('2d', { willReadFrequently: true });
    }
    const canvas = this.context.canvas;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    return this.context;
  }
}

/** RGBA bytes of a width x height frame -> its place in the float32 RGB padded image `out` (columns wide). */
function copyRgb(rgba, out, padding, width, height, columns) {
  const rowStride = columns * 3;
  for (let y = 0, j = 0; y < height; y++) {
    let i = (y + padding.top) * rowStride + padding.left * 3;
    const end = i + width * 3;
    for (; i < end; i += 3, j += 4) {
      out[i] = rgba[j];
      out[i + 1] = rgba[j + 1];
      out[i + 2] = rgba[j + 2];
    }
  }
}

/**
 * A loaded PoseNet graph: frame in, one flat Float32Array (heatmap scores ++ offsets ++ fwd ++ bwd) out,
 * with the multi-pose root candidates when asked for (root-candidates.js).
 */
export class PoseGraph {
  constructor(graph) {
    this.graph = graph;
    this.outputs = graph.outputs.map((o) => ({ name: o.name, shape: o.shape || null }));
    this.inputShape = graph.inputs[0].shape || null;
    this.outputNames = null;
    this.fusedNodes = graph.fusedNodes || 0;
    this.reader = new PixelReader();
    this.pixelsMs = 0;
  }

  /** outputNames in the order heatmap, offsets, displacement_fwd, displacement_bwd. */
  configure(outputNames, inputHeight, inputWidth, preprocessing) {
    this.outputNames = Array.from(outputNames);
    this.inputHeight = inputHeight;
    this.inputWidth = inputWidth;
    this.preprocessing = preprocessing;
  }

  normalize(resized) {
    if (this.preprocessing === 'resnet') return tf.add(resized, tf.tensor1d([-123.15, -115.9, -103.06]));
    return tf.sub(tf.div(resized, 127.5), 1.0); // MobileNet: x/127.5 - 1
  }

  /**
   * Run the network once on an all-zero input so the first real frame isn't slow (shader compile,
   * allocation). Returns the four outputs' shapes, for Python to check they are PoseNet's.
   */
  async warmUp() {
    const zeros = tf.zeros([this.inputHeight, this.inputWidth, 3], 'int32');
    this.pixelsMs = 0;
    try {
      return (await this.runTensor(zeros, { top: 0, bottom: 0, left: 0, right: 0 }, performance.now())).outputShapes;
    } finally { zeros.dispose(); }
  }

  /**
   * One frame (anything fromPixels reads, an ImageBitmap or VideoFrame included) through the network:
   * outputs, geometry, timings. `roots` ({count, threshold}, or null): the multi-pose root candidates
   * as well, as the result's `roots` ({data, found, nan, threshold}; undefined when not asked for).
   */
  async run(source, roots = null) {
    const started = performance.now();
    let input;
    let padding;
    let sourceHeight;
    let sourceWidth;
    const padded = this.reader.paddedTensor(source, this.inputHeight, this.inputWidth);
    if (padded) {
      ({ tensor: input, padding, height: sourceHeight, width: sourceWidth } = padded);
    } else {
      input = tf.browser.fromPixels(source);
      [sourceHeight, sourceWidth] = input.shape;
      padding = paddingFor(sourceHeight, sourceWidth, this.inputHeight, this.inputWidth);
    }
    this.pixelsMs = performance.now() - started;
    try {
      const result = await this.runTensor(input, padded ? null : padding, started, roots);
      return Object.assign(result, {
        sourceHeight, sourceWidth,
        padTop: padding.top, padBottom: padding.bottom, padLeft: padding.left, padRight: padding.right,
      });
    } finally {
      input.dispose();
    }
  }

  /** `pixels` (int32 or float32 [h, w, 3]) padded by `padding` (null: padded already), resized, normalised, run. */
  async runTensor(pixels, padding, started, roots = null) {
    const [inH, inW] = [this.inputHeight, this.inputWidth];
    let gridHeight = 0;
    let gridWidth = 0;
    let outputShapes = null;
    let prepared = 0;
    let executed = 0;
    const combined = tf.tidy(() => {
      const padded = padding
        ? tf.pad3d(pixels, [[padding.top, padding.bottom], [padding.left, padding.right], [0, 0]]) : pixels;
      const resized = tf.image.resizeBilinear(padded, [inH, inW]);
      const batch = tf.expandDims(this.normalize(tf.cast(resized, 'float32')), 0);
      prepared = performance.now();
      const [heatmap, offsets, fwd, bwd] = this.graph.execute(batch, this.outputNames);
      executed = performance.now();
      [gridHeight, gridWidth] = heatmap.shape.slice(1, 3);
      outputShapes = [heatmap, offsets, fwd, bwd].map((t) => t.shape);
      // One flat buffer: heatmap scores ++ offsets ++ fwd ++ bwd, read back once.
      return tf.concat([tf.sigmoid(heatmap), offsets, fwd, bwd].map((t) => t.reshape([-1])));
    });
    const finished = performance.now();
    let data;
    try {
      data = await combined.data();
    } finally {
      combined.dispose();
    }
    const read = performance.now();
    let candidates; // undefined, not null: Python sees None (null would be a JsNull)
    if (roots && roots.count > 0) {
      candidates = { ...rootCandidates(data, gridHeight, gridWidth, roots.threshold, roots.count), threshold: roots.threshold };
    }
    const scanned = performance.now();
    return {
      data, roots: candidates, gridHeight, gridWidth, outputShapes, inputHeight: inH, inputWidth: inW,
      // inferMs: frame -> tensor, preprocessing and the network (dispatch only on GPU backends), of
      // which pixelsMs frame -> tensor, prepMs pad + resize + normalise, execMs the graph;
      // readMs: the one read-back (on GPU backends it waits for the network to finish); rootsMs: the
      // multi-pose root candidates (root-candidates.js), after it.
      timings: {
        inferMs: finished - started, readMs: read - finished, pixelsMs: this.pixelsMs,
        prepMs: prepared - started - this.pixelsMs, execMs: executed - prepared, rootsMs: scanned - read,
      },
    };
  }

  dispose() {
    this.graph.dispose();
  }
}
