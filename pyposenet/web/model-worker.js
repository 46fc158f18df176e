// The PoseNet network in a Web Worker (a module worker, started by web/start.js or model.js), so that inference
// never holds up the page's draw loop. The page transfers each frame (a VideoFrame or an
// ImageBitmap, closed here once read); the worker
// runs the same code as the main-thread path (model-core.js) and transfers the flat outputs back.
//
// Messages in:  {id, type, ...args}, type one of preload (sent by web/start.js), claimPreload, init, load,
//               configure, warmUp, estimate, memory, dispose, steps.
// init's `wasmThreads` sets the wasm backend's threads (the page address's ?wasmThreads=N; see model.js).
// Messages out: {id, result} or {id, error: message} (an error keeps the server's explanation).

import { PoseGraph, WASM_DIR, engineInfo, loadGraph, setBackend } from './model-core.js';
import { MODELS_FOLDER, preloadKey, preloadRequest } from './model-preload.js';

const TF_SCRIPTS = [ // relative to this script, wherever the app is served from
  './tf-prelude.js', // lets tf.min.js load without eval (see there)
  './vendor/@tensorflow/tfjs/dist/tf.min.js',
  './vendor/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
];

/** The worker's cold-start steps, [[step, epochMs], ...] (the first time each was reached; see timeline.js). */
const steps = [];
function markStep(step) {
  if (!steps.some(([name]) => name === step)) steps.push([step, performance.timeOrigin + performance.now()]);
}
markStep('started');

let tfLoading = null;

/** TF.js and its WASM backend (UMD bundles: importing them defines the global `tf`). Started at once. */
function loadTf() {
  if (!tfLoading) {
    tfLoading = (async () => {
      for (const script of TF_SCRIPTS) await import(new URL(script, import.meta.url).href);
      markStep('tf loaded');
    })();
  }
  return tfLoading;
}
loadTf().catch(() => {}); // reported by the first request that needs it

const graphs = new Map();
let nextModelId = 1;

function graph(modelId) {
  const found = graphs.get(modelId);
  if (!found) throw new Error(`no model ${modelId} in the model worker (disposed?)`);
  return found;
}

/**
 * The preloaded model's warm-up, before the page asks for it: the whole path (preprocessing, network, sigmoid,
 * read-back) on zeros at the graph's input size or `inputSize`, its outputs in the graph's own order (the page
 * names their roles later; the costs of a first run are the same). Returns {height, width, shapes: {output
 * name: shape}}: the warm-up the page's warmUp then needs not run again.
 */
async function warmUpPreloaded(model, inputSize) {
  const shape = model.inputShape || [];
  const [height, width] = [shape[1] > 0 ? shape[1] : inputSize, shape[2] > 0 ? shape[2] : inputSize];
  const names = model.outputs.map((output) => output.name);
  model.configure(names, height, width, 'mobilenet'); // the default model's preprocessing
  const shapes = await model.warmUp();
  return { height, width, shapes: Object.fromEntries(names.map((name, i) => [name, shapes[i]])) };
}

/** The preload, until claimed: {key, answer: a promise of the load's answer, or null where it failed}. */
let preloaded = null;

/** Whether the app holds `url` (a static export lists its models in app-config.json; a server finds any). */
async function appHolds(url) {
  const response = await fetch(new URL('../app-config.json', import.meta.url).href);
  if (!response.ok) return false;
  const config = await response.json();
  return !config.static || (config.models || []).includes(url.slice(MODELS_FOLDER.length));
}

/** init + load + warm-up; the load's answer, or null where the app does not hold the model. */
async function runPreload({ backend, wasmThreads, url, timeoutMs, fuse, inputSize }) {
  if (!(await appHolds(url))) return null;
  await handlers.init({ backend, wasmThreads });
  const info = await handlers.load({ url, timeoutMs, fuse });
  const loaded = graph(info.modelId);
  try {
    loaded.preloadWarmUp = await warmUpPreloaded(loaded, inputSize);
  } catch (err) {
    handlers.dispose({ modelId: info.modelId });
    throw err;
  }
  markStep('preload warmed up');
  return info;
}

const handlers = {
  async init({ backend, wasmThreads }) {
    await loadTf();
    await setBackend(backend, new URL(WASM_DIR, self.location.href).href, wasmThreads);
    markStep('backend ready');
    return engineInfo(); // {backend, isolated, simd, threaded, threads}
  },

  async load({ url, timeoutMs, fuse }) {
    await loadTf();
    const loaded = new PoseGraph(await loadGraph(new URL(url, self.location.href).href, timeoutMs, fuse));
    markStep('model loaded');
    const modelId = nextModelId++;
    graphs.set(modelId, loaded);
    return {
      modelId, outputs: loaded.outputs, inputShape: loaded.inputShape, backend: tf.getBackend(),
      fusedNodes: loaded.fusedNodes, engine: await engineInfo(),
    };
  },

  configure({ modelId, outputNames, inputHeight, inputWidth, preprocessing }) {
    graph(modelId).configure(outputNames, inputHeight, inputWidth, preprocessing);
    return null;
  },

  /**
   * The speculative preload web/start.js asks for as the page opens (`search`: the page address; see
   * model-preload.js): where it asks for wasm or cpu, start that backend, load the default model and warm it up
   * (XNNPACK packs the weights on the first run), while Python loads. The page claims it.
   */
  preload({ search }) {
    const request = preloadRequest(search);
    if (!request || preloaded) return false;
    preloaded = { key: preloadKey(request), answer: runPreload(request).catch(() => null) };
    return true;
  },

  /**
   * The preloaded model's load answer if `key` (model-preload.js preloadKey) is what was preloaded, else null
   * (the model, if any, disposed). Waits for the preload to finish. Asked once.
   */
  async claimPreload({ key }) {
    if (!preloaded) return null;
    const { key: preloadedKey, answer } = preloaded;
    preloaded = null;
    const info = await answer;
    if (!info) return null;
    if (key === preloadedKey) return info;
    handlers.dispose({ modelId: info.modelId });
    return null;
  },

  /** The outputs' shapes after one run on zeros (the preload's run, where it was at the configured size). */
  async warmUp({ modelId }) {
    const model = graph(modelId);
    const ran = model.preloadWarmUp;
    model.preloadWarmUp = null;
    const same = ran && ran.height === model.inputHeight && ran.width === model.inputWidth
      && model.outputNames.every((name) => name in ran.shapes);
    const shapes = same ? model.outputNames.map((name) => ran.shapes[name]) : await model.warmUp();
    markStep('warmed up');
    return shapes;
  },

  steps() {
    return steps;
  },

  async estimate({ modelId, frame, roots }) {
    try {
      const result = await graph(modelId).run(frame, roots);
      let data = result.data;
      if (data.byteOffset !== 0 || data.buffer.byteLength !== data.byteLength) data = data.slice();
      result.data = data;
      const transfer = [data.buffer];
      if (result.roots) transfer.push(result.roots.data.buffer);
      return { result, transfer };
    } finally {
      frame.close();
    }
  },

  async memory() {
    await loadTf();
    const { numTensors, numDataBuffers, numBytes } = tf.memory();
    return { numTensors, numDataBuffers, numBytes, backend: tf.getBackend() };
  },

  dispose({ modelId }) {
    const found = graphs.get(modelId);
    graphs.delete(modelId);
    if (found) found.dispose();
    return null;
  },
};

self.onmessage = async (event) => {
  const { id, type, ...args } = event.data;
  try {
    const handler = handlers[type];
    if (!handler) throw new Error(`the model worker has no request "${type}"`);
    const answer = await handler(args);
    if (answer && answer.transfer) self.postMessage({ id, result: answer.result }, answer.transfer);
    else self.postMessage({ id, result: answer });
  } catch (err) {
    self.postMessage({ id, error: String((err && err.message) || err) });
  }
};
