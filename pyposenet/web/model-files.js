// A TF.js graph model's files (model.json and its weight shards), fetched and checked before TF.js
// sees them, so that a broken download says which file is wrong and how, in plain words: TF.js's
// own messages name no file ("byte length of Float32Array should be a multiple of 4"), and a shard
// with extra bytes, or a manifest whose shapes don't match the graph, it loads without a word.
// The same checks run on the host (pyposenet/models/checks.py). No DOM: used by the page and the worker.

/** Bytes per value of each weight dtype TF.js reads (string weights carry their own lengths). */
const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES = { uint8: 1, uint16: 2, float16: 2 };
/** The graph's dtype names (TF's DataType enum) for the manifest's. */
const GRAPH_DTYPES = { DT_FLOAT: 'float32', DT_INT32: 'int32', DT_BOOL: 'bool', DT_COMPLEX64: 'complex64', DT_STRING: 'string' };
/** tensorflowjs_converter's default shard size: every shard of a group but the last has it. */
export const CONVERTER_SHARD_BYTES = 4 * 1024 * 1024;
/**
 * How long one model file may take, answer and body (ms): a stalled server or network is reported,
 * never waited on forever. Generous: the app may be downloading the file from the official URL first
 * (its own limit is 30 s). The page address can change it: ?modelTimeout=SECONDS.
 */
export const FETCH_TIMEOUT_MS = 120_000;

/** The last part of a URL's path, to name a file in a message. */
export function fileName(url) {
  return decodeURIComponent(new URL(url, 'http://x/').pathname.split('/').pop());
}

/**
 * The body of `url` read by `read` ('text' or 'arrayBuffer') within `timeoutMs`. An HTTP error
 * becomes an Error carrying the server's explanation (e.g. which model file is missing).
 */
export async function fetchBody(url, read, timeoutMs = FETCH_TIMEOUT_MS) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (!response.ok) {
      const text = (await response.text()).trim();
      throw new Error(text || `${fileName(url)}: HTTP ${response.status} ${response.statusText} from ${url}`);
    }
    return await response[read]();
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    throw new Error(`${fileName(url)}: no answer from ${url} in ${Math.round(timeoutMs / 1000)} s `
      + '(the server or the network stalled); reload the page to try again');
  } finally {
    clearTimeout(timer);
  }
}

/** The bytes one manifest entry occupies in the shards, or null for string weights; throws on a bad entry. */
export function weightBytes(weight, file) {
  const { name, shape, dtype, quantization } = weight;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${file}: weight '${name}' has shape ${JSON.stringify(shape)} in the weights manifest; `
      + 'a shape is a list of whole numbers ≥ 0');
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (quantization) {
    const bytes = QUANTIZED_BYTES[quantization.dtype];
    if (!bytes) {
      throw new Error(`${file}: weight '${name}' has quantization dtype '${quantization.dtype}' in the weights `
        + `manifest; allowed: ${Object.keys(QUANTIZED_BYTES).join(', ')}`);
    }
    return count * bytes;
  }
  if (dtype === 'string') return null;
  if (!(dtype in DTYPE_BYTES)) {
    throw new Error(`${file}: weight '${name}' has dtype '${dtype}' in the weights manifest; allowed: `
      + `${Object.keys(DTYPE_BYTES).join(', ')}, string (or quantized: ${Object.keys(QUANTIZED_BYTES).join(', ')})`);
  }
  return count * DTYPE_BYTES[dtype];
}

/** The parsed model.json of `url`, or an Error naming the file and what is wrong with it. */
export function parseModelJson(text, url) {
  const file = fileName(url);
  let spec;
  try {
    spec = JSON.parse(text);
  } catch (err) {
    const start = text.trim().slice(0, 40);
    throw new Error(`${file} (${url}) is not valid JSON: ${err.message}`
      + `${start ? `; it starts with ${JSON.stringify(start)}` : '; it is empty'} (a cut-off download, or not a model file)`);
  }
  const topology = spec && spec.modelTopology;
  if (!topology || !Array.isArray(topology.node) || !Array.isArray(spec.weightsManifest)) {
    const has = spec && typeof spec === 'object' ? Object.keys(spec).join(', ') || 'nothing' : typeof spec;
    const missing = !topology ? 'modelTopology' : !Array.isArray(topology.node) ? 'modelTopology.node' : 'weightsManifest';
    const format = spec && spec.format ? ` (its format is '${spec.format}')` : '';
    throw new Error(`${file} (${url}) is not a TF.js graph model${format}: it has no ${missing} `
      + `(it has: ${has}); PoseNet needs a graph model (model.json with modelTopology.node and weightsManifest)`);
  }
  checkStructure(spec, file);
  return spec;
}

/** A JSON value's kind in JSON's words, for messages (the host's checks say the same). */
function kind(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return { boolean: 'a boolean', number: 'a number', string: 'a string' }[typeof value] || 'an object';
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const isStringList = (value) => Array.isArray(value) && value.every((item) => typeof item === 'string');

function topologyProblem(spec) {
  for (const [i, node] of spec.modelTopology.node.entries()) {
    const where = `modelTopology.node[${i}]`;
    if (!isObject(node)) return `${where} is ${kind(node)}, not an object`;
    for (const key of ['name', 'op']) {
      if (typeof node[key] !== 'string' || !node[key]) {
        return `${where} has ${key} ${JSON.stringify(node[key] ?? null)}; a node's ${key} is a non-empty string`;
      }
    }
    if (node.input != null && !isStringList(node.input)) {
      return `${where} (${node.name}) has input ${JSON.stringify(node.input)}; inputs are a list of names`;
    }
    if (node.attr != null && !isObject(node.attr)) return `${where} (${node.name}) has attr of ${kind(node.attr)}, not an object`;
  }
  return null;
}

function manifestProblem(manifest) {
  for (const [g, group] of manifest.entries()) {
    const where = `weightsManifest[${g}]`;
    if (!isObject(group)) return `${where} is ${kind(group)}, not an object`;
    const { paths, weights } = group;
    if (!isStringList(paths) || !paths.every(Boolean)) {
      return `${where}.paths is ${JSON.stringify(paths ?? null)}; it is a list of weight shard file names`;
    }
    if (!Array.isArray(weights)) return `${where}.weights is ${kind(weights ?? null)}, not a list`;
    for (const [w, weight] of weights.entries()) {
      if (!isObject(weight)) return `${where}.weights[${w}] is ${kind(weight)}, not an object`;
      for (const key of ['name', 'dtype']) {
        if (typeof weight[key] !== 'string') return `${where}.weights[${w}] has ${key} ${JSON.stringify(weight[key] ?? null)}; it is a string`;
      }
      const { quantization } = weight;
      if (quantization != null && !isObject(quantization)) {
        return `${where}.weights[${w}] (${weight.name}) has quantization of ${kind(quantization)}`;
      }
    }
  }
  return null;
}

/**
 * Every part of model.json the loaders read has the JSON type they read it as, or an Error naming the file and
 * the first part that does not: a damaged model.json is reported, never a TypeError further on.
 */
export function checkStructure(spec, file) {
  let problem = topologyProblem(spec) || manifestProblem(spec.weightsManifest);
  for (const key of ['signature', 'userDefinedMetadata']) {
    if (!problem && spec[key] != null && !isObject(spec[key])) problem = `${key} is ${kind(spec[key])}, not an object`;
  }
  if (!problem && spec.format != null && typeof spec.format !== 'string') problem = `format is ${kind(spec.format)}, not a string`;
  if (problem) throw new Error(`${file} is damaged or not a TF.js graph model: ${problem}`);
}

/** Check every manifest entry against the graph's Const node of the same name (dtype and shape), naming the first mismatch. */
export function checkManifestAgainstGraph(spec, file) {
  const consts = new Map();
  for (const node of spec.modelTopology.node) if (node.op === 'Const') consts.set(node.name, node);
  for (const group of spec.weightsManifest) {
    for (const weight of group.weights || []) {
      weightBytes(weight, file);
      const node = consts.get(weight.name);
      const tensor = node && node.attr && node.attr.value && node.attr.value.tensor;
      if (!tensor) continue;
      const graphDtype = GRAPH_DTYPES[tensor.dtype];
      if (graphDtype && graphDtype !== weight.dtype) {
        throw new Error(`${file}: weight '${weight.name}' has dtype '${weight.dtype}' in the weights manifest `
          + `but '${graphDtype}' in the graph`);
      }
      const dims = tensor.tensorShape && tensor.tensorShape.dim;
      if (Array.isArray(dims)) {
        const graphShape = dims.map((d) => (isObject(d) ? Number(d.size ?? 0) : NaN));
        if (graphShape.length !== weight.shape.length || graphShape.some((d, i) => d !== weight.shape[i])) {
          throw new Error(`${file}: weight '${weight.name}' has shape ${JSON.stringify(weight.shape)} in the `
            + `weights manifest but ${JSON.stringify(graphShape)} in the graph`);
        }
      }
    }
  }
}

/** The bytes a manifest group's weights need in its shards; null when it holds string weights (not checkable). */
function groupBytes(group, file) {
  let total = 0;
  for (const weight of group.weights || []) {
    const bytes = weightBytes(weight, file);
    if (bytes === null) return null;
    total += bytes;
  }
  return total;
}

/**
 * What is wrong with one manifest group's shards (byte lengths `sizes`, names `names`), or null.
 * `needed`: the bytes its weights need (null when it holds string weights: not checkable).
 */
export function shardProblem(names, sizes, needed, file) {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (needed === null || total === needed) return null;
  const n = names.length;
  const last = needed - CONVERTER_SHARD_BYTES * (n - 1);
  if (last > 0 && last <= CONVERTER_SHARD_BYTES) { // the converter's layout: name the shard that differs
    const expected = names.map((_, i) => (i < n - 1 ? CONVERTER_SHARD_BYTES : last));
    const i = sizes.findIndex((size, k) => size !== expected[k]);
    const how = sizes[i] < expected[i] ? 'cut short (an interrupted download?)' : 'longer than the weights it should hold';
    return `weight shard ${names[i]} is ${sizes[i]} bytes, the manifest of ${file} needs ${expected[i]} `
      + `(${n === 1 ? 'its one shard' : `${n} shards, ${expected.join(' + ')} bytes`}): the file is ${how}`;
  }
  const listed = names.map((name, k) => `${name} ${sizes[k]} bytes`).join(', ');
  return `the weight shards of ${file} (${listed}) hold ${total} bytes, the manifest needs ${needed}: `
    + 'a shard is cut short, too long, or from another model';
}

/**
 * Fetch model.json at `url` and every weight shard it names, check them, and return TF.js model
 * artifacts (for tf.loadGraphModel({load})). Every error names the file and says what was wrong.
 * `timeoutMs`: the most one file may take.
 */
export async function fetchGraphModel(url, timeoutMs = FETCH_TIMEOUT_MS) {
  const file = fileName(url);
  const spec = parseModelJson(await fetchBody(url, 'text', timeoutMs), url);
  checkManifestAgainstGraph(spec, file);
  const base = new URL(url, self.location.href);
  const groups = spec.weightsManifest.map((group) => {
    const urls = (group.paths || []).map((path) => new URL(path, base).href);
    return { urls, names: urls.map(fileName), needed: groupBytes(group, file) };
  });
  const buffers = await Promise.all(groups.map((group) => Promise.all(
    group.urls.map((shardUrl) => fetchBody(shardUrl, 'arrayBuffer', timeoutMs)))));
  groups.forEach((group, g) => {
    const problem = shardProblem(group.names, buffers[g].map((b) => b.byteLength), group.needed, file);
    if (problem) throw new Error(problem);
  });
  return {
    modelTopology: spec.modelTopology,
    format: spec.format,
    generatedBy: spec.generatedBy,
    convertedBy: spec.convertedBy,
    signature: spec.signature,
    userDefinedMetadata: spec.userDefinedMetadata,
    modelInitializer: spec.modelInitializer,
    initializerSignature: spec.initializerSignature,
    weightSpecs: spec.weightsManifest.flatMap((group) => group.weights || []),
    weightData: buffers.flat(),
  };
}
