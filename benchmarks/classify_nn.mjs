// neuralNetwork in the page's runtimes, in node: classify per call in Pyodide (the page's pure-Python network, a
// model of the tutorial's shape loaded from ml5's files), beside ml5's own path on TF.js 4.22 (cpu backend): the
// same model's predict per call (tensor in, awaited array out) and training 50 epochs on the tutorial's data
// size (2 x 150 samples of 34 numbers, ml5's defaults: batchSize 32, validationSplit 0.1, SGD 0.2).
//
//     node benchmarks/classify_nn.mjs [--runs 15] [--block 50]
//
// The workload is benchmarks/classify_nn.py's. Wall and CPU time of this process, medians; not a test.
import os from 'node:os';
import { require, UsageError, parseArgs, startPyodide } from './pyodide_node.mjs';

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
  const args = parseArgs(process.argv.slice(2), { runs: 15, block: 50 });
  globalThis.console.warn = () => {}; // TF.js's node banner
  const tf = require('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const pyodide = await startPyodide(['benchmarks/classify_nn.py']);
  const bench = pyodide.pyimport('benchmarks.classify_nn');
  const filesPy = bench.pure_python_files();
  const pure = pyodide.pyimport('pyposenet.classify.nn_pure');
  const nn = bench.classifier(filesPy, pure.PurePythonNetwork());
  const [xs, ys] = bench.training_rows().toJs();
  const queries = xs.filter((_, i) => i % 15 === 0);
  const queriesPy = pyodide.toPy(queries);
  let turn = 0;
  const classifyPy = async (count) => { for (let i = 0; i < count; i++) nn.classify(queriesPy.get(turn++ % queries.length)).destroy(); };
  const py = await timeBlocks(classifyPy, args.runs, args.block);

  const filesJs = filesPy.toJs();
  const files = { get: (name) => (filesJs instanceof Map ? filesJs.get(name) : filesJs[name]) };
  const modelJson = JSON.parse(new TextDecoder().decode(files.get('model.json')));
  const bin = files.get('model.weights.bin');
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
  }));
  const predictJs = async (count) => {
    for (let i = 0; i < count; i++) {
      const input = tf.tensor([queries[turn++ % queries.length]]);
      const output = tf.tidy(() => model.predict(input));
      await output.array();
      output.dispose(); input.dispose();
    }
  };
  const js = await timeBlocks(predictJs, args.runs, args.block);

  const trainMs = [];
  for (let run = 0; run < 3; run++) {
    const fresh = tf.sequential();
    fresh.add(tf.layers.dense({ units: 16, activation: 'relu', inputShape: [34] }));
    fresh.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
    fresh.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.sgd(0.2), metrics: ['accuracy'] });
    const x = tf.tensor(xs); const y = tf.tensor(ys);
    const t0 = performance.now();
    await fresh.fit(x, y, { epochs: 50, batchSize: 32, validationSplit: 0.1 });
    trainMs.push(performance.now() - t0);
    x.dispose(); y.dispose(); fresh.dispose();
  }
  const load = os.loadavg().map((v) => v.toFixed(2)).join(', ');
  console.log(`neuralNetwork in Pyodide ${pyodide.version} and ml5's path on TF.js ${tf.version.tfjs} (${tf.getBackend()}), node ${process.version}; load average ${load}`);
  console.log(`classify per call, Pyodide pure Python: ${py.wall.toFixed(3)} ms (cpu ${py.cpu.toFixed(3)})`);
  console.log(`predict per call, TF.js as ml5: ${js.wall.toFixed(3)} ms (cpu ${js.cpu.toFixed(3)})`);
  console.log(`train 50 epochs, TF.js as ml5: ${trainMs.sort((a, b) => a - b)[1].toFixed(0)} ms (median of 3)`);
}

main().catch((e) => { console.error(e instanceof UsageError ? `classify_nn: ${e.message}` : e); process.exit(1); });
