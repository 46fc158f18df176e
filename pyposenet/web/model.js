// TF.js side of pyposenet: only what Python can't do. Load a PoseNet graph model, turn a frame
// (video, image, canvas, p5 element) into its input, run it, read the four outputs back in one
// read-back, dispose every tensor. Decoding happens in Python (pyposenet/decode).
//
// On the WASM and CPU backends the network runs in a Web Worker (model-worker.js) by default: the page
// only wraps each frame (a VideoFrame, or an ImageBitmap) and transfers it, so inference never holds up
// p5's draw loop. `?worker=0` in the page address (or loadModel's `worker` argument) keeps it on the
// main thread; `?worker=1` sends WebGL there too; WebGPU, and a backend that can't start in a worker,
// stay on the page. Both paths run the same code (model-core.js) and return the same object to Python.
//
// The graph runs fused (fuse-graph.js: each convolution with its bias and ReLU6 as one op); `?fuse=0` in the
// page address runs it as stored. `?wasmThreads=N` sets the wasm backend's thread count where the network
// runs (TF.js's default: half the cores; threads need a cross-origin isolated page, see server/security.py).

import {
  PoseGraph, WASM_DIR, engineInfo, loadGraph, pixelSize, setBackend, singleThreadedWasm,
} from './model-core.js';
import {
  MODELS_FOLDER, addressFuse, addressModelTimeout, addressWasmThreads, addressWorkerChoice, preloadKey, preloadRequest,
} from './model-preload.js';
import { displaySize, pixelSource } from './media.js';
import { markStep, markWorkerSteps } from './timeline.js';

const WEBGPU_SCRIPT = new URL('./vendor/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js', import.meta.url).href;
const WORKER_SCRIPT = new URL('./model-worker.js', import.meta.url);
/** Backends the worker may run when asked (it falls back to the page when one can't start there). */
const WORKER_BACKENDS = new Set(['wasm', 'cpu', 'webgl']);
/**
 * Backends that go to the worker unless told otherwise. Measured (benchmarks/perf.py, figures in
 * docs/benchmarks.md): on WASM the worker costs per frame what the main thread costs and keeps draw() at the
 * display rate, where each inference on the main thread delays a frame. WebGL measured the same both ways
 * (the GPU process does the work), and in the worker it needs a second WebGL context beside the page's: it
 * stays on the page unless asked (?worker=1).
 */
const WORKER_DEFAULT_BACKENDS = new Set(['wasm', 'cpu']);

/** The WebGL renderer's name, or null without WebGL (e.g. "ANGLE (Google, Vulkan ... SwiftShader ...)"). */
export function webglRenderer() {
  const gl = document.createElement('canvas').getContext('webgl2') || document.createElement('canvas').getContext('webgl');
  if (!gl) return null;
  // Firefox gives the real renderer as RENDERER and deprecates WEBGL_debug_renderer_info; Chromium masks
  // RENDERER as "WebKit WebGL" and gives the real one only through that extension.
  const renderer = String(gl.getParameter(gl.RENDERER));
  if (renderer !== 'WebKit WebGL') return renderer;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : renderer;
}

/** 'auto': WebGL on a real GPU; WASM where WebGL is missing or software (SwiftShader: much slower). */
function chooseBackend() {
  const renderer = webglRenderer();
  return renderer && !/swiftshader|llvmpipe|software/i.test(renderer) ? 'webgl' : 'wasm';
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

/**
 * Switch TF.js to `name` ('webgl', 'wasm', 'cpu', 'webgpu' or 'auto'); throws if the browser can't run it.
 * `wasmThreads`: the wasm backend's thread count (undefined: TF.js's default). `networkHere` false: the network
 * runs in the worker, and the page's TF.js only reports the backend.
 */
export async function useBackend(name, wasmThreads, networkHere = true) {
  const wanted = name === 'auto' ? chooseBackend() : name;
  if (tf.getBackend() === wanted) return wanted;
  if (wanted === 'wasm' && !networkHere && !tf.engine().registry.wasm) {
    // The network runs in the worker: the page's wasm backend only names it (tf.getBackend()), and needs no
    // threads (model-core.js singleThreadedWasm). A model later run on the page's thread (loadModel's `worker`
    // false) then runs single-threaded; with ?worker=0 the page starts the build the cores call for.
    singleThreadedWasm();
  }
  if (wanted === 'webgpu' && !tf.findBackendFactory('webgpu')) {
    if (!navigator.gpu) throw new Error('TensorFlow.js backend "webgpu" needs WebGPU, which this browser does not offer; use "webgl", "wasm" or "auto"');
    await loadScript(WEBGPU_SCRIPT);
  }
  return setBackend(wanted, WASM_DIR, wasmThreads);
}

// ----------------------------------------------------------------------------------- timings

/**
 * The last frames' timings (ms), newest last, for benchmarks/perf.py and the console:
 * {where, at, grabMs, pixelsMs, inferMs, readMs, rootsMs, transferMs, totalMs}. at: performance.now() when
 * estimate() was called; grabMs: frame -> ImageBitmap (worker path); pixelsMs: frame -> tensor;
 * inferMs: frame -> tensor, preprocessing, network; readMs: the read-back; rootsMs: the multi-pose
 * root candidates (root-candidates.js); transferMs: messages to and
 * from the worker; totalMs: estimate() from call to result.
 */
export const perf = { frames: [], keep: 1000, nextFrame: { immediate: 0, presented: 0, timeout: 0, other: 0 } };
window.pyposenetPerf = perf;

function record(timings) {
  perf.frames.push(timings);
  if (perf.frames.length > perf.keep) perf.frames.splice(0, perf.frames.length - perf.keep);
}

function markModelReady() {
  markStep('model ready');
}

// ------------------------------------------------------------------------------ the worker

/** The page address's choice: ?worker=1 true, ?worker=0 false, none null. */
function pageWorkerChoice() {
  return addressWorkerChoice(new URLSearchParams(location.search));
}

/** The page address's ?modelTimeout=SECONDS as ms (the most one model file may take), or undefined. */
function pageModelTimeout() {
  return addressModelTimeout(new URLSearchParams(location.search));
}

/** The page address's ?fuse=0 (run the graph as stored) or not (fuse it: fuse-graph.js). */
function pageFuse() {
  return addressFuse(new URLSearchParams(location.search));
}

/** The page address's ?wasmThreads=N, or undefined; a bad value is an error naming what is allowed. */
function pageWasmThreads() {
  return addressWasmThreads(new URLSearchParams(location.search));
}

/** How the last loaded model runs ({where, backend, isolated, simd, threaded, threads, fusedNodes}), or null. */
export let engine = null;

/** engine as one line for the FPS meter's details, or null before a model is loaded. */
export function engineDetails(info = engine) {
  if (!info) return null;
  const parts = [`TF.js ${info.backend} ${info.where === 'worker' ? 'in a worker' : 'on the page'}`];
  if (info.backend === 'wasm') {
    const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
    if (info.threaded) parts.push(`${threads} (threaded SIMD build)`);
    else if (info.simd) parts.push(`${threads} (SIMD build${info.isolated ? '' : '; threads need a cross-origin isolated page'})`);
    else parts.push(`${threads} (no SIMD)`);
  }
  parts.push(info.fusedNodes > 0 ? `fused graph (${info.fusedNodes} fused ops)` : 'graph as stored');
  return parts.join(' · ');
}

/** Whether `backend` runs in the worker: `worker` if given (true/false), else the page address, else the default. */
export function workerWanted(worker, backend) {
  if (typeof Worker === 'undefined' || !WORKER_BACKENDS.has(backend)) return false;
  const choice = worker === true || worker === false ? worker : pageWorkerChoice();
  return choice === null ? WORKER_DEFAULT_BACKENDS.has(backend) : choice;
}

class WorkerClient {
  /** `started`: a worker web/start.js started as the page opened (its start error, if any, kept as startError). */
  constructor(started = null) {
    this.pending = new Map();
    this.nextId = 1;
    this.broken = null;
    this.worker = started || new Worker(WORKER_SCRIPT, { type: 'module', name: 'pyposenet-model' });
    this.worker.onmessage = (event) => {
      const { id, result, error } = event.data;
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      if (error !== undefined) waiting.reject(new Error(error));
      else waiting.resolve(result);
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(new Error(`the model worker stopped: ${event.message || `could not run ${WORKER_SCRIPT.pathname}`}`));
    };
    this.worker.onmessageerror = () => this.fail(new Error('the model worker sent a message the page could not read'));
    if (started && started.startError) this.fail(new Error(`the model worker stopped: ${started.startError}`));
  }

  call(type, args = {}, transfer = []) {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.worker.postMessage({ id, type, ...args }, transfer);
      } catch (err) {
        this.pending.delete(id);
        reject(err);
      }
    });
  }

  fail(error) {
    this.broken = error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    this.worker.terminate();
  }
}

let client = null;

/** The page's one model worker (started on first use, or at once when the page will want it). */
function workerClient() {
  if (!client || client.broken) client = new WorkerClient();
  return client;
}

/** Whether the page's worker may hold a preloaded model (start.js asked for it; model-preload.js). */
let preloadPending = false;
/** The page's own backend, started early beside the preload (settles, never rejects): loadModel waits for it. */
let pageBackendStart = null;

// The worker web/start.js started as the page opened, where the page address says it will be wanted
// (?backend=wasm, cpu or auto, or ?worker=1): it has been fetching and compiling TF.js while Python loads,
// and with ?backend=wasm or cpu loading the default model (model-preload.js). The page's own TF.js then
// starts the backend it will name, off the first pose's path.
if (window.pyposenetModelWorker) {
  client = new WorkerClient(window.pyposenetModelWorker);
  delete window.pyposenetModelWorker;
  const preload = preloadRequest(location.search);
  preloadPending = preload !== null && !client.broken;
  if (preloadPending) pageBackendStart = useBackend(preload.backend, undefined, false).catch(() => null);
}

/** tf.memory() of the page and of the worker (null when no worker runs): tensors must stay constant. */
export async function memory() {
  const { numTensors, numDataBuffers, numBytes } = tf.memory();
  const main = { numTensors, numDataBuffers, numBytes, backend: tf.getBackend() };
  let worker = null;
  if (client && !client.broken) {
    try { worker = await client.call('memory'); } catch (err) { worker = null; }
  }
  return { main, worker };
}

// ------------------------------------------------------------------------------ the inputs

/**
 * The frame, to transfer to the worker, with exactly the pixels tf.browser.fromPixels(source) would
 * read. A video's current frame becomes a VideoFrame where the worker reads pixels through a 2D canvas
 * (wasm, cpu): creating one copies nothing, and its YUV -> RGB conversion then happens in the worker
 * (drawImage of it gives the same bytes as drawImage of the video). Anything else, or for WebGL,
 * becomes an ImageBitmap.
 */
async function transferableFrame(source, backend) {
  if (source instanceof HTMLVideoElement && typeof VideoFrame !== 'undefined' && (backend === 'wasm' || backend === 'cpu')) {
    try { return new VideoFrame(source); } catch (err) { /* no frame to wrap: an ImageBitmap says why */ }
  }
  if (typeof ImageData !== 'undefined' && source.data && !(source instanceof ImageData)) {
    source = new ImageData(new Uint8ClampedArray(source.data), source.width, source.height); // {data, width, height}
  }
  if (source instanceof HTMLImageElement) return storedPixels(source);
  return createImageBitmap(source);
}

/**
 * An <img>'s pixels as its file stores them: decoded without colour-space conversion, at the size
 * fromPixels reads it (width x height, drawn scaled like fromPixels draws it). Chromium converts images
 * with an embedded ICC profile (e.g. Display P3 photos) to sRGB when it draws them; TensorFlow's own
 * image decoding, Pillow on the host (pyposenet detect, POST /api/pose) and the reference's node fixtures
 * do not, so without this the same file gives other keypoints in the page (docs/host-cli-convert.md).
 */
async function storedPixels(img) {
  const bitmap = await createImageBitmap(img, { colorSpaceConversion: 'none' });
  const [width, height] = pixelSize(img);
  if (width === bitmap.width && height === bitmap.height) return bitmap;
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return createImageBitmap(canvas);
}

/** The element to read for `input`, the size its keypoints are reported in; marks a video's frame as used. */
function takeFrame(input) {
  const source = pixelSource(input);
  if (!source) throw new Error('poseNet needs an image, video, canvas or p5 element to detect on, got nothing');
  const [displayWidth, displayHeight] = displaySize(input, source);
  markGrabbed(source);
  return { source, displayWidth, displayHeight };
}

// -------------------------------------------------------------------------- video frames

const frames = new WeakMap(); // video -> {presented, grabbed, waiters}

/** Follow a video's presented frames (requestVideoFrameCallback), to tell a new frame from the last one used. */
function frameState(video) {
  let state = frames.get(video);
  if (!state) {
    state = { presented: null, grabbed: -1, waiters: [] };
    frames.set(video, state);
    if (video.requestVideoFrameCallback) {
      const onFrame = (now, metadata) => {
        state.presented = metadata.presentedFrames;
        const waiters = state.waiters;
        state.waiters = [];
        for (const wake of waiters) wake();
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
    }
  }
  return state;
}

function markGrabbed(source) {
  if (source instanceof HTMLVideoElement) {
    const state = frameState(source);
    state.grabbed = state.presented === null ? -1 : state.presented;
  }
}

/** True when the video (or p5 capture) has a frame to read. */
export function hasFrame(input) {
  const source = pixelSource(input);
  if (source instanceof HTMLVideoElement) return source.readyState >= 2 && source.videoWidth > 0;
  return true;
}

/**
 * Resolves when the video has a frame newer than the last one detected on: at once if one was
 * presented meanwhile (the network took longer than a frame), else on the next presented frame.
 * A hidden video may present no frames to the compositor: never waits longer than ~4 frames.
 */
export function nextFrame(input) {
  const video = pixelSource(input);
  return new Promise((resolve) => {
    if (!(video instanceof HTMLVideoElement)) { perf.nextFrame.other++; requestAnimationFrame(() => resolve()); return; }
    if (video.readyState < 2) {
      const done = () => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => { video.removeEventListener('loadeddata', done); resolve(); }, 250);
      video.addEventListener('loadeddata', done, { once: true });
      return;
    }
    const state = frameState(video);
    if (state.presented !== null && state.presented > state.grabbed) { perf.nextFrame.immediate++; resolve(); return; }
    let settled = false;
    const finish = (how) => {
      if (settled) return;
      settled = true;
      perf.nextFrame[how]++;
      clearTimeout(timer);
      resolve();
    };
    state.waiters.push(() => finish('presented'));
    const timer = setTimeout(() => finish('timeout'), 66);
  });
}

// ------------------------------------------------------------------------------- the models

let exportedModels = null; // the model.json files a static export holds (null: served, any model)

/** Told by boot.js: a static export holds only `models` (paths under pyposenet/models/), or null. */
export function setExportedModels(models) {
  exportedModels = models ? [...models] : null;
}

/** Why an export cannot load `url` (an app model it does not hold), or null. */
export function missingFromExport(url) {
  if (!exportedModels) return null;
  const absolute = new URL(url, location.href).href;
  if (!absolute.startsWith(MODELS_FOLDER)) return null; // a sketch's own modelUrl: fetched as it is
  const name = decodeURIComponent(absolute.slice(MODELS_FOLDER.length).split(/[?#]/)[0]);
  if (exportedModels.includes(name)) return null;
  return `the model ${name} is not in this export (it holds: ${exportedModels.join(', ') || 'no model'}). `
    + `Export the sketch again with it: pyposenet export SKETCH.py --out DIR --model ${name}`;
}

// ------------------------------------------------------------------ the speculative preload

/**
 * The preloaded model if it is exactly what this load asks for (`key`: model-preload.js preloadKey), as
 * {client, info}, else null. Asked once: a model that does not match is disposed in the worker once its
 * preload has finished (the worker runs one backend at a time, so the load asked for waits for it).
 */
async function claimPreload(key) {
  if (!preloadPending) return null;
  preloadPending = false;
  const claimer = client;
  if (!claimer || claimer.broken) return null;
  let info = null;
  try { info = await claimer.call('claimPreload', { key }); } catch (err) { return null; }
  if (!info) return null;
  markStep('preload used');
  return { client: claimer, info };
}

/**
 * Load the model at `url`. `backend` ('webgl', 'wasm', 'cpu', 'webgpu', 'auto') is set on the page
 * (tf.getBackend() reports it) and, with the worker, in the worker as well, in parallel; without
 * `backend` the page's current one is used. `worker`: true, false, or undefined for the page's choice.
 * The result: {where, outputs, inputShape, configure(), warmUp(), estimate(input), memory(), dispose()}.
 */
export async function loadModel(url, backend, worker) {
  const missing = missingFromExport(url);
  if (missing) throw new Error(missing);
  const wanted = backend === undefined || backend === null ? null : (backend === 'auto' ? chooseBackend() : backend);
  const inWorker = workerWanted(worker, wanted || tf.getBackend());
  const wasmThreads = pageWasmThreads();
  const fuse = pageFuse();
  const timeoutMs = pageModelTimeout();
  const preloaded = await claimPreload(preloadKey({
    url: new URL(url, location.href).href, backend: inWorker ? wanted || tf.getBackend() : 'page', fuse, wasmThreads, timeoutMs,
  }));
  let workerReady = null;
  if (inWorker && !preloaded) {
    let started = null;
    try { started = workerClient(); } catch (err) { console.warn(`pyposenet: no model worker (${err.message}); the model runs on the page`); }
    workerReady = started && started.call('init', { backend: wanted || tf.getBackend(), wasmThreads })
      .then(() => started)
      .catch((err) => { console.warn(`pyposenet: ${err.message} in a worker; the model runs on the page`); return null; });
  }
  // The page's own TF.js takes the thread count only where it runs the network (the worker has its own).
  if (pageBackendStart) await pageBackendStart;
  if (wanted) await useBackend(wanted, inWorker ? undefined : wasmThreads, !inWorker);
  markStep('page backend ready');
  if (preloaded) {
    engine = { where: 'worker', ...preloaded.info.engine, fusedNodes: preloaded.info.fusedNodes };
    return new WorkerPoseModel(preloaded.client, preloaded.info);
  }
  const ready = workerReady && await workerReady;
  if (ready) {
    const info = await ready.call('load', { url: new URL(url, location.href).href, timeoutMs, fuse });
    engine = { where: 'worker', ...info.engine, fusedNodes: info.fusedNodes };
    return new WorkerPoseModel(ready, info);
  }
  const model = new PoseModel(await loadGraph(url, timeoutMs, fuse));
  engine = { where: 'main', ...(await engineInfo()), fusedNodes: model.core.fusedNodes };
  return model;
}

/** The network on the page's own thread. */
export class PoseModel {
  constructor(graph) {
    this.where = 'main';
    this.core = new PoseGraph(graph);
    this.outputs = this.core.outputs;
    this.inputShape = this.core.inputShape;
  }

  /** outputNames in the order heatmap, offsets, displacement_fwd, displacement_bwd. */
  configure(outputNames, inputHeight, inputWidth, preprocessing) {
    this.core.configure(outputNames, inputHeight, inputWidth, preprocessing);
  }

  /**
   * Run the network once on an all-zero input so the first real frame isn't slow (shader compile).
   * Returns the four outputs' shapes (heatmap, offsets, displacement_fwd, displacement_bwd).
   */
  async warmUp() {
    const shapes = await this.core.warmUp();
    markModelReady();
    return shapes;
  }

  /**
   * One frame through the network. Returns the flat outputs and the frame's geometry. `roots`
   * ({count, threshold} or null): the multi-pose root candidates to find as well (root-candidates.js).
   */
  async estimate(input, roots = null) {
    const started = performance.now();
    const { source, displayWidth, displayHeight } = takeFrame(input);
    const pixels = source instanceof HTMLImageElement ? await storedPixels(source) : source;
    let result;
    try {
      result = await this.core.run(pixels, roots);
    } finally {
      if (pixels !== source) pixels.close();
    }
    const timings = result.timings;
    Object.assign(timings, { where: 'main', at: started, grabMs: 0, transferMs: 0, totalMs: performance.now() - started });
    record(timings);
    return Object.assign(result, { displayWidth, displayHeight });
  }

  async memory() {
    return (await memory()).main;
  }

  dispose() {
    this.core.dispose();
  }
}

/** The network in the model worker: the same interface, frames transferred (VideoFrame or ImageBitmap). */
export class WorkerPoseModel {
  constructor(workerClient, info) {
    this.where = 'worker';
    this.client = workerClient;
    this.modelId = info.modelId;
    this.backend = info.backend;
    this.outputs = info.outputs;
    this.inputShape = info.inputShape;
  }

  configure(outputNames, inputHeight, inputWidth, preprocessing) {
    this.inputHeight = inputHeight;
    this.inputWidth = inputWidth;
    // Messages are handled in order: a failure here surfaces with warmUp() or estimate().
    this.client.call('configure', {
      modelId: this.modelId, outputNames: Array.from(outputNames), inputHeight, inputWidth, preprocessing,
    }).catch(() => {});
  }

  async warmUp() {
    const shapes = await this.client.call('warmUp', { modelId: this.modelId });
    markModelReady();
    this.client.call('steps').then((steps) => markWorkerSteps(steps), () => {});
    return shapes;
  }

  async estimate(input, roots = null) {
    const started = performance.now();
    const { source, displayWidth, displayHeight } = takeFrame(input);
    const frame = await transferableFrame(source, this.backend);
    const grabbed = performance.now();
    const result = await this.client.call('estimate', { modelId: this.modelId, frame, roots }, [frame]);
    const timings = result.timings;
    const totalMs = performance.now() - started;
    const grabMs = grabbed - started;
    Object.assign(timings, {
      where: 'worker', at: started, grabMs, totalMs,
      transferMs: totalMs - grabMs - timings.inferMs - timings.readMs - timings.rootsMs,
    });
    record(timings);
    return Object.assign(result, { displayWidth, displayHeight });
  }

  async memory() {
    return this.client.call('memory');
  }

  dispose() {
    this.client.call('dispose', { modelId: this.modelId }).catch(() => {});
  }
}
