// The PoseNet network in a Web Worker (a module worker, started by model.js), so that inference
// never holds up the page's draw loop. The page transfers each frame (a VideoFrame or an
// ImageBitmap, closed here once read); the worker
// runs the same code as the main-thread path (model-core.js) and transfers the flat outputs back.
//
// Messages in:  {id, type, ...args}, type one of init, load, configure, warmUp, estimate, memory, dispose.
// init's `wasmThreads` sets the wasm backend's threads (the page address's ?wasmThreads=N; see model.js).
// Messages out: {id, result} or {id, error: message} (an error keeps the server's explanation).

import { PoseGraph, WASM_DIR, engineInfo, loadGraph, setBackend } from './model-core.js';

const TF_SCRIPTS = [ // relative to this script, wherever the app is served from
  './tf-prelude.js', // lets tf.min.js load without eval (see there)
  './vendor/@tensorflow/tfjs/dist/tf.min.js',
  './vendor/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
];

let tfLoading = null;

/** TF.js and its WASM backend (UMD bundles: importing them defines the global `tf`). Started at once. */
function loadTf() {
  if (!tfLoading) {
    tfLoading = (async () => {
      for (const script of TF_SCRIPTS) await import(new URL(script, import.meta.url).href);
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

const handlers = {
  async init({ backend, wasmThreads }) {
    await loadTf();
    await setBackend(backend, new URL(WASM_DIR, self.location.href).href, wasmThreads);
    return engineInfo(); // {backend, isolated, simd, threaded, threads}
  },

  async load({ url, timeoutMs, fuse }) {
    await loadTf();
    const loaded = new PoseGraph(await loadGraph(new URL(url, self.location.href).href, timeoutMs, fuse));
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

  async warmUp({ modelId }) {
    return graph(modelId).warmUp(); // the outputs' shapes
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
