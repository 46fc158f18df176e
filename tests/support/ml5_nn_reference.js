// ml5.neuralNetwork's network (ml5-library 0.12 src/NeuralNetwork/index.js and NeuralNetwork.js), its code path
// followed on TF.js's layers API: the reference pyposenet.classify's neuralNetwork is checked against. One async
// arrow function, run in node (tests/support/ml5_nn.py) or in the page (page.evaluate, the page's `tf`).
//   start: {modelJson, weights (base64)} a saved model to start from (else ml5's addDefaultLayers: dense
//          hiddenUnits relu, dense outputs softmax|sigmoid); train: {xs, ys, task, learningRate, epochs,
//          batchSize, validationSplit, shuffle} ml5's compile() and fit(); queries: rows to predict after.
//   -> {logs: per-epoch logs, saved: {modelJson, weights} as ml5's save() writes them, predictions}
async ({ start = null, train = null, queries = [], inputUnits = 0, outputUnits = 0, hiddenUnits = 16,
  task = 'classification' }) => {
  const fromBase64 = (text) => {
    const bytes = typeof Buffer !== 'undefined' ? Buffer.from(text, 'base64') : Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return new Uint8Array(bytes).buffer;
  };
  const toBase64 = (buffer) => (typeof Buffer !== 'undefined'
    ? Buffer.from(buffer).toString('base64')
    : btoa(String.fromCharCode(...new Uint8Array(buffer))));
  let model;
  if (start) {
    const json = JSON.parse(start.modelJson);
    model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: fromBase64(start.weights),
    }));
  } else {
    // ml5's createNetworkLayers over addDefaultLayers
    model = tf.sequential();
    model.add(tf.layers.dense({ units: hiddenUnits, activation: 'relu', inputShape: [inputUnits] }));
    model.add(tf.layers.dense({ units: outputUnits, activation: task === 'classification' ? 'softmax' : 'sigmoid' }));
  }
  const logs = [];
  if (train) {
    // ml5's compile(): classification categoricalCrossentropy + sgd, regression meanSquaredError + adam
    const classification = train.task === 'classification';
    model.compile({
      loss: classification ? 'categoricalCrossentropy' : 'meanSquaredError',
      optimizer: (classification ? tf.train.sgd : tf.train.adam)(train.learningRate),
      metrics: ['accuracy'],
    });
    const xs = tf.tensor(train.xs);
    const ys = tf.tensor(train.ys);
    await model.fit(xs, ys, {
      batchSize: train.batchSize,
      epochs: train.epochs,
      shuffle: train.shuffle,
      validationSplit: train.validationSplit,
      callbacks: [{ onEpochEnd: (epoch, epochLogs) => { logs.push({ ...epochLogs }); } }],
    });
    xs.dispose();
    ys.dispose();
  }
  // ml5's NeuralNetwork.save(): the handler's modelTopology and weight specs, one weights file
  let saved = null;
  await model.save(tf.io.withSaveHandler(async (data) => {
    saved = {
      modelJson: JSON.stringify({
        modelTopology: data.modelTopology,
        weightsManifest: [{ paths: ['./model.weights.bin'], weights: data.weightSpecs }],
      }),
      weights: toBase64(data.weightData),
    };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const predictions = queries.length ? tf.tidy(() => model.predict(tf.tensor(queries))).arraySync() : [];
  model.dispose();
  return { logs, saved, predictions };
}
