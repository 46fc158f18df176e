// The speculative preload of the default model (docs/architecture.md, "Boot order"). Where the page address
// says the network runs in the model worker on wasm or cpu (?backend=wasm, not ?worker=0), web/start.js asks
// the worker, as the page opens, to start that backend and load and run once the model a sketch gets when its
// options name none; a sketch whose poseNet() asks for exactly that takes it (model.js loadModel), any other
// request has it disposed and gets what it asked for. Also the page address's network settings, read the same
// way by the page (model.js) and by the worker (for its preload).

import { parseWasmThreads } from './model-core.js';

/** The model of pyposenet/options.py's defaults: MobileNetV1, multiplier 0.75, output stride 16, float weights. */
export const DEFAULT_MODEL_PATH = 'savedmodel/posenet/mobilenet/float/075/model-stride16.json';
/** The default inputResolution: the preload runs the model once at this size. */
export const DEFAULT_INPUT_SIZE = 257;
export const MODELS_FOLDER = new URL('../models/', import.meta.url).href;

const OFF_WORDS = ['0', 'false', 'no', 'off'];

/** ?worker=1: true, ?worker=0: false, none: null. */
export function addressWorkerChoice(params) {
  const value = params.get('worker');
  if (value === null) return null;
  return !OFF_WORDS.includes(value.toLowerCase());
}

/** ?modelTimeout=SECONDS as ms (the most one model file may take), or undefined. */
export function addressModelTimeout(params) {
  const seconds = Number(params.get('modelTimeout'));
  return seconds > 0 ? seconds * 1000 : undefined;
}

/** ?fuse=0: run the graph as stored; otherwise fused (fuse-graph.js). */
export function addressFuse(params) {
  const value = params.get('fuse');
  return value === null || !OFF_WORDS.includes(value.toLowerCase());
}

/** ?wasmThreads=N, or undefined; a bad value throws, naming what is allowed. */
export function addressWasmThreads(params) {
  return parseWasmThreads(params.get('wasmThreads'));
}

/** What a model load must match to take the preload: model URL, backend, fusion, wasm threads, file timeout. */
export function preloadKey({ url, backend, fuse, wasmThreads, timeoutMs }) {
  return JSON.stringify([url, backend, fuse, wasmThreads ?? null, timeoutMs ?? null]);
}

/**
 * The preload a page address (`search`, e.g. "?backend=wasm") asks for, or null: {url, backend, fuse,
 * wasmThreads, timeoutMs, inputSize}. Only ?backend=wasm or cpu with the network in the worker (the
 * default there; not ?worker=0), and a valid ?wasmThreads (a bad one is the sketch's load's error to show).
 */
export function preloadRequest(search) {
  const params = new URLSearchParams(search);
  const backend = params.get('backend');
  if (!['wasm', 'cpu'].includes(backend) || addressWorkerChoice(params) === false) return null;
  let wasmThreads;
  try { wasmThreads = addressWasmThreads(params); } catch (err) { return null; }
  return {
    url: MODELS_FOLDER + DEFAULT_MODEL_PATH, backend, fuse: addressFuse(params), wasmThreads,
    timeoutMs: addressModelTimeout(params), inputSize: DEFAULT_INPUT_SIZE,
  };
}
