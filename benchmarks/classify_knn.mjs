// KNNClassifier.classify in Pyodide (node), beside ml5's own KNN (knn-classifier's predictClass on TF.js, the
// page's 4.22, cpu backend) on the same examples, in one node process.
//
//     node benchmarks/classify_knn.mjs [--runs 30] [--block 20] [--shared DIR] [--json FILE]
//
// A benchmark, not a test: it prints a table and asserts nothing (it does say when the two disagree on a
// label). The workload (examples, queries, the timing loop) is benchmarks/classify_knn.py's, run in Pyodide
// (node_modules/pyodide, the page's version) with this checkout's pyposenet/ in its file system; see that file
// for the kinds of examples. Per kind and size: the median over --runs blocks of --block calls, per call, wall
// time and this process's CPU time (the CPU time is what an idle machine would show as wall time, about: other
// work on a 2-core machine inflates wall time); ml5's predictClass the same way (tensor in, awaited data out,
// as ml5's classify does). Node's V8 is not Chromium's, but Pyodide's WebAssembly runs alike in both.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { require, UsageError, parseArgs, startPyodide } from './pyodide_node.mjs';

// knn-classifier 1.x's predictClass, as ml5's classify runs it: the examples' matrix made once (it is cached
// until an example is added), then per call a matMul, an awaited read-back, a stable sort, the votes.
function ml5Classifier(tf, examples) {
  const labels = [];
  const byClass = {};
  for (const [features, label] of examples) {
    if (!labels.includes(label)) labels.push(label);
    (byClass[labels.indexOf(label)] ||= []).push(features);
  }
  const counts = Object.keys(byClass).map((i) => byClass[i].length);
  const unit = (rows) => tf.tidy(() => { const t = tf.tensor2d(rows); return t.div(t.norm('euclidean', 1, true)); });
  const matrix = tf.concat(Object.keys(byClass).map((i) => unit(byClass[i])), 0);
  return async (query, k = 3) => {
    const similarities = tf.tidy(() => {
      const q = tf.tensor1d(query);
      return matrix.matMul(q.div(q.norm()).as2D(query.length, 1)).as1D();
    });
    const values = await similarities.data();
    similarities.dispose();
    const order = Array.from(values, (value, index) => ({ value, index })).sort((a, b) => b.value - a.value).slice(0, k);
    const votes = counts.map(() => 0);
    for (const { index } of order) {
      let end = 0;
      for (let c = 0; c < counts.length; c++) { end += counts[c]; if (index < end) { votes[c]++; break; } }
    }
    let top = -1; let best = 0;
    votes.forEach((v, c) => { if (v / k > best) { best = v / k; top = c; } });
    return labels[top];
  };
}

async function timeBlocks(call, runs, block) {
  const wall = []; const cpu = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    await call(block);
    const used = process.cpuUsage(c0);
    wall.push((performance.now() - t0) / block);
    cpu.push((used.user + used.system) / 1000 / block);
  }
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wall: median(wall), cpu: median(cpu) };
}

async function main() {
  const args = parseArgs(process.argv.slice(2), { runs: 30, block: 20 });
  const dancePath = join(args.shared, 'testdata', 'video', 'pose_1.json');
  const danceText = existsSync(dancePath) ? readFileSync(dancePath, 'utf8') : null;
  if (danceText === null) console.warn(`skipped the held and dance examples: ${dancePath} missing`);
  globalThis.console.warn = () => {}; // TF.js's node banner
  const tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const pyodide = await startPyodide(['benchmarks/classify_knn.py']);
  const bench = pyodide.pyimport('benchmarks.classify_knn');
  const frames = danceText === null ? null : bench.dance_frames(danceText);
  const rows = [];
  for (const kind of ['held', 'dance', 'random']) {
    if (kind !== 'random' && frames === null) continue;
    for (const n of [100, 1000]) {
      const workload = bench.make_workload(kind, n, frames);
      const [examplesPy, queriesPy] = workload.toJs({ depth: 1 });
      const knn = bench.classifier_of(examplesPy);
      const examples = examplesPy.toJs(); const queries = queriesPy.toJs();
      const classifyPy = pyodide.runPython(`
def make(knn, queries):
    knn.classify(queries[0])  # the blocks' bounds are made on the first call after adding
    turn = [0]
    def block(count):
        for _ in range(count):
            knn.classify(queries[turn[0] % len(queries)])
            turn[0] += 1
    return block
make`)(knn, queriesPy);
      const ml5 = ml5Classifier(tf, examples);
      let turn = 0;
      const classifyJs = async (count) => { for (let i = 0; i < count; i++) await ml5(queries[turn++ % queries.length]); };
      await classifyJs(3);
      let disagree = 0;
      for (const q of queries) if ((await ml5(q)) !== knn.classify(pyodide.toPy(q)).label) disagree++;
      const py = await timeBlocks(classifyPy, args.runs, args.block);
      const js = await timeBlocks(classifyJs, args.runs, args.block);
      rows.push({ kind, examples: n, pyodide_ms: py.wall, pyodide_cpu_ms: py.cpu, ml5_tfjs_ms: js.wall, ml5_tfjs_cpu_ms: js.cpu, disagree });
    }
  }
  const load = os.loadavg().map((v) => v.toFixed(2)).join(', ');
  console.log(`KNNClassifier.classify in Pyodide ${pyodide.version} vs ml5's KNN on TF.js ${tf.version.tfjs} (${tf.getBackend()}), node ${process.version}, k = 3, 34 numbers; load average ${load}`);
  console.log('kind    examples | Pyodide ms (cpu) | ml5 TF.js ms (cpu) | labels that differ');
  for (const r of rows) {
    const f = (x) => x.toFixed(3).padStart(6);
    console.log(`${r.kind.padEnd(7)} ${String(r.examples).padStart(8)} | ${f(r.pyodide_ms)} (${f(r.pyodide_cpu_ms)}) | ${f(r.ml5_tfjs_ms)} (${f(r.ml5_tfjs_cpu_ms)})   | ${r.disagree} of 50`);
  }
  if (args.json) writeFileSync(args.json, JSON.stringify({ pyodide: pyodide.version, tfjs: tf.version.tfjs, loadavg: os.loadavg(), rows }, null, 2));
}

main().catch((e) => { console.error(e instanceof UsageError ? `classify_knn: ${e.message}` : e); process.exit(1); });
