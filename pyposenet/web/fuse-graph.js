// A TF.js graph model's topology with each convolution and the bias and ReLU6 that follow it turned into one
// fused node, before TF.js sees it: Conv2D -> BiasAdd -> Relu6 becomes one `_FusedConv2D` with
// fused_ops [BiasAdd, Relu6] (DepthwiseConv2dNative: `FusedDepthwiseConv2dNative`), the attrs that
// tensorflowjs_converter writes for the same fusion. The official PoseNet graphs are unfused (18 Conv2D,
// 13 DepthwiseConv2dNative, 31 BiasAdd, 27 Relu6): every BiasAdd and Relu6 is one more pass over the activations
// (on WebGL one more kernel launch); TF.js runs the fused ops natively (XNNPACK's conv with bias and clamp on
// wasm, one shader on WebGL). The weights are untouched: the bias is the same Const node, now the fused
// node's third input. The fused node keeps the name of the last node it replaces, so graph outputs and
// consumers find it. The host executor (pyposenet/_host/graph.py) fuses by the same rule when it plans.
// Pure function of JSON, no TF.js: runs on the page, in the model worker and under node (the unit tests).

const FUSED_OP = { Conv2D: '_FusedConv2D', DepthwiseConv2dNative: 'FusedDepthwiseConv2dNative' };
const ACTIVATIONS = new Set(['Relu', 'Relu6']); // what pyposenet/_host/graph.py fuses too
/** What tensorflowjs_converter 4.22 writes on a _FusedConv2D besides the conv's own attrs (unused by BiasAdd + Relu6). */
const CONV_EXTRA_ATTRS = { epsilon: { f: 0.0 }, leakyrelu_alpha: { f: 0.2 } };

/** The node name an input string refers to ("x", "x:0" -> "x"; control inputs "^x" -> "x"). */
function sourceName(input) {
  const name = input.startsWith('^') ? input.slice(1) : input;
  const colon = name.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(name.slice(colon + 1)) ? name.slice(0, colon) : name;
}

/** True when `input` reads output 0 of node `name` as data (not a control input). */
function readsFirstOutput(input, name) {
  return input === name || input === `${name}:0`;
}

function base64(text) {
  return btoa(text); // ASCII op names only
}

function dataFormatIsNhwc(node) {
  const format = node.attr && node.attr.data_format && node.attr.data_format.s;
  return !format || atob(format) === 'NHWC';
}

/** How many times each node is read: by other nodes' inputs (data or control), plus once per graph output. */
function readCounts(nodes, outputs) {
  const counts = new Map();
  const add = (name) => counts.set(name, (counts.get(name) || 0) + 1);
  for (const node of nodes) for (const input of node.input || []) add(sourceName(input));
  for (const output of outputs) add(sourceName(output));
  return counts;
}

/** The graph's outputs named by model.json's signature (empty: TF.js takes the nodes nothing reads). */
export function signatureOutputs(signature) {
  const outputs = signature && signature.outputs;
  return outputs ? Object.values(outputs).map((o) => o.name).filter(Boolean) : [];
}

/**
 * The chain starting at `conv` that can become one fused node, or null: [conv, biasAdd] or
 * [conv, biasAdd, activation], each node read only by the next (and not a graph output).
 */
function fusableChain(conv, byName, readers, counts) {
  const dataInputs = (conv.input || []).filter((i) => !i.startsWith('^'));
  if (!FUSED_OP[conv.op] || dataInputs.length !== 2 || !dataFormatIsNhwc(conv) || counts.get(conv.name) !== 1) return null;
  const bias = readers.get(conv.name);
  if (!bias || bias.op !== 'BiasAdd' || !readsFirstOutput(bias.input[0], conv.name) || !dataFormatIsNhwc(bias)) return null;
  const biasSource = byName.get(sourceName(bias.input[1] || ''));
  if (!biasSource || biasSource.op !== 'Const' || bias.input.slice(2).some((i) => !i.startsWith('^'))) return null;
  const activation = counts.get(bias.name) === 1 ? readers.get(bias.name) : null;
  if (activation && ACTIVATIONS.has(activation.op) && readsFirstOutput(activation.input[0], bias.name)
      && activation.input.slice(1).every((i) => i.startsWith('^'))) {
    return [conv, bias, activation];
  }
  return [conv, bias];
}

/** One node for `chain` (conv, biasAdd[, activation]), named like its last node. */
function fusedNode(chain) {
  const [conv, bias] = chain;
  const last = chain[chain.length - 1];
  const control = [...new Set(chain.flatMap((n) => (n.input || []).filter((i) => i.startsWith('^'))))]
    .filter((i) => !chain.some((n) => n.name === sourceName(i)));
  const convInputs = conv.input.filter((i) => !i.startsWith('^'));
  const fusedOps = chain.slice(1).map((n) => base64(n.op));
  const node = {
    name: last.name,
    op: FUSED_OP[conv.op],
    input: [convInputs[0], convInputs[1], bias.input[1], ...control],
    attr: {
      ...conv.attr,
      ...(conv.op === 'Conv2D' ? CONV_EXTRA_ATTRS : {}),
      fused_ops: { list: { s: fusedOps } },
      num_args: { i: '1' },
    },
  };
  if (conv.device) node.device = conv.device;
  return node;
}

/**
 * `topology` (model.json's modelTopology) with every fusable Conv2D / DepthwiseConv2dNative -> BiasAdd(Const)
 * [-> Relu / Relu6] chain as one fused node. `outputs`: the graph outputs model.json's signature names (a node
 * that is an output is never fused away). Returns {topology (a new object; the input is not changed),
 * fused: the number of fused nodes, removed: the number of nodes fewer}.
 */
export function fuseConvolutions(topology, outputs = []) {
  const nodes = topology.node;
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const counts = readCounts(nodes, outputs);
  const readers = new Map(); // node name -> the one node reading it as data
  for (const node of nodes) {
    for (const input of node.input || []) if (!input.startsWith('^')) readers.set(sourceName(input), node);
  }
  const replaced = new Map(); // name of a chain's first node -> its fused node
  const dropped = new Set();
  for (const node of nodes) {
    if (dropped.has(node.name)) continue;
    const chain = fusableChain(node, byName, readers, counts);
    if (!chain) continue;
    replaced.set(node.name, fusedNode(chain));
    for (const part of chain) dropped.add(part.name);
  }
  const fusedNodes = [];
  for (const node of nodes) {
    if (replaced.has(node.name)) fusedNodes.push(replaced.get(node.name));
    else if (!dropped.has(node.name)) fusedNodes.push(node);
  }
  return { topology: { ...topology, node: fusedNodes }, fused: replaced.size, removed: nodes.length - fusedNodes.length };
}
