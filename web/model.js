// TF.js side of pyposenet: only what Python can't do. Load a PoseNet graph model, turn a frame
// (video, image, canvas, p5 element) into its input, run it, read the four outputs back in one
// read-back, dispose every tensor. Decoding happens in Python (pyposenet/decode).

const WASM_DIR = '/vendor/@tensorflow/tfjs-backend-wasm/dist/';

const WEBGPU_SCRIPT = '/vendor/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js';

/** The WebGL renderer's name, or null without WebGL (e.g. "ANGLE (Google, Vulkan ... SwiftShader ...)"). */
export function webglRenderer() {
  const gl = document.createElement('canvas').getContext('webgl2') || document.createElement('canvas').getContext('webgl');
  if (!gl) return null;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

/** 'auto': WebGL on a real GPU; WASM where WebGL is missing or software (SwiftShader is 10-20x slower). */
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

/** Switch TF.js to `name` ('webgl', 'wasm', 'cpu', 'webgpu' or 'auto'); throws if the browser can't run it. */
export async function useBackend(name) {
  const wanted = name === 'auto' ? chooseBackend() : name;
  if (tf.getBackend() === wanted) return wanted;
  if (wanted === 'wasm') tf.wasm.setWasmPaths(new URL(WASM_DIR, location.href).href);
  if (wanted === 'webgpu' && !tf.findBackendFactory('webgpu')) {
    if (!navigator.gpu) throw new Error('TensorFlow.js backend "webgpu" needs WebGPU, which this browser does not offer; use "webgl", "wasm" or "auto"');
    await loadScript(WEBGPU_SCRIPT);
  }
  let ok = false;
  try { ok = await tf.setBackend(wanted); } catch (err) { ok = false; }
  if (!ok) throw new Error(`TensorFlow.js backend "${wanted}" could not start in this browser`);
  await tf.ready();
  return tf.getBackend();
}

/** fetch() that turns an HTTP error into an Error carrying the server's explanation. */
async function checkedFetch(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) {
    const text = (await response.text()).trim();
    throw new Error(text || `${url}: HTTP ${response.status}`);
  }
  return response;
}

export async function loadModel(url) {
  let graph;
  try {
    graph = await tf.loadGraphModel(url, { fetchFunc: checkedFetch });
  } catch (err) {
    throw new Error(`could not load the PoseNet model ${url}: ${err.message || err}`);
  }
  return new PoseModel(graph);
}

/** The element TF.js reads pixels from, for any input a sketch may pass. */
function pixelSource(input) {
  if (input && input.elt) return input.elt; // p5.Element, p5.MediaElement (createCapture), p5.Graphics
  if (input && input.canvas && !(input instanceof HTMLElement)) return input.canvas; // p5.Image
  return input;
}

/** The size keypoints are reported in: the element as displayed (ml5 issue #224), an image's natural size. */
function displaySize(input, source) {
  if (input && input.elt && input.width > 0 && input.height > 0) return [input.width, input.height];
  if (source instanceof HTMLVideoElement) {
    if (source.width > 0 && source.height > 0) return [source.width, source.height];
    return [source.videoWidth, source.videoHeight];
  }
  if (source instanceof HTMLImageElement) return [source.naturalWidth, source.naturalHeight];
  if (input && input.canvas && input.width > 0) return [input.width, input.height]; // p5.Image
  return [source.width, source.height];
}

/** The reference's padAndResizeTo padding: pad to the input's aspect ratio, split evenly. */
function paddingFor(height, width, targetH, targetW) {
  const targetAspect = targetW / targetH;
  if (width / height < targetAspect) {
    const pad = Math.round(0.5 * (targetAspect * height - width));
    return { top: 0, bottom: 0, left: pad, right: pad };
  }
  const pad = Math.round(0.5 * ((1.0 / targetAspect) * width - height));
  return { top: pad, bottom: pad, left: 0, right: 0 };
}

export class PoseModel {
  constructor(graph) {
    this.graph = graph;
    this.outputs = graph.outputs.map((o) => ({ name: o.name, shape: o.shape || null }));
    this.inputShape = graph.inputs[0].shape || null;
    this.outputNames = null;
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

  /** Run the network once on an all-zero input so the first real frame isn't slow (shader compile). */
  async warmUp() {
    const zeros = tf.zeros([this.inputHeight, this.inputWidth, 3], 'int32');
    try { await this.runTensor(zeros, { top: 0, bottom: 0, left: 0, right: 0 }); } finally { zeros.dispose(); }
  }

  /** One frame through the network. Returns the flat outputs and the frame's geometry. */
  async estimate(input) {
    const source = pixelSource(input);
    if (!source) throw new Error('poseNet needs an image, video, canvas or p5 element to detect on, got nothing');
    const [displayWidth, displayHeight] = displaySize(input, source);
    const pixels = tf.browser.fromPixels(source);
    try {
      const [sourceHeight, sourceWidth] = pixels.shape;
      const padding = paddingFor(sourceHeight, sourceWidth, this.inputHeight, this.inputWidth);
      const result = await this.runTensor(pixels, padding);
      return Object.assign(result, {
        sourceHeight, sourceWidth, displayWidth, displayHeight,
        padTop: padding.top, padBottom: padding.bottom, padLeft: padding.left, padRight: padding.right,
      });
    } finally {
      pixels.dispose();
    }
  }

  async runTensor(pixels, padding) {
    const [inH, inW] = [this.inputHeight, this.inputWidth];
    let gridHeight = 0;
    let gridWidth = 0;
    const combined = tf.tidy(() => {
      const padded = tf.pad3d(pixels, [[padding.top, padding.bottom], [padding.left, padding.right], [0, 0]]);
      const resized = tf.image.resizeBilinear(padded, [inH, inW]);
      const batch = tf.expandDims(this.normalize(tf.cast(resized, 'float32')), 0);
      const [heatmap, offsets, fwd, bwd] = this.graph.execute(batch, this.outputNames);
      [gridHeight, gridWidth] = heatmap.shape.slice(1, 3);
      // One flat buffer: heatmap scores ++ offsets ++ fwd ++ bwd, read back once.
      return tf.concat([tf.sigmoid(heatmap), offsets, fwd, bwd].map((t) => t.reshape([-1])));
    });
    try {
      const data = await combined.data();
      return { data, gridHeight, gridWidth, inputHeight: inH, inputWidth: inW };
    } finally {
      combined.dispose();
    }
  }

  dispose() {
    this.graph.dispose();
  }
}

/** True when the video (or p5 capture) has a frame to read. */
export function hasFrame(input) {
  const source = pixelSource(input);
  if (source instanceof HTMLVideoElement) return source.readyState >= 2 && source.videoWidth > 0;
  return true;
}

/** Resolves when the video presents a new frame (or has data at last); falls back to animation frames. */
export function nextFrame(input) {
  const video = pixelSource(input);
  return new Promise((resolve) => {
    if (!(video instanceof HTMLVideoElement)) { requestAnimationFrame(() => resolve()); return; }
    if (video.readyState < 2) {
      const done = () => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => { video.removeEventListener('loadeddata', done); resolve(); }, 250);
      video.addEventListener('loadeddata', done, { once: true });
      return;
    }
    // A hidden video may not present frames to the compositor: never wait longer than ~4 frames.
    let settled = false;
    const finish = () => { if (!settled) { settled = true; resolve(); } };
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(finish);
    setTimeout(finish, 66);
  });
}
