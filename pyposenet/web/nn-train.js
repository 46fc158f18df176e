// ml5.neuralNetwork's training in the page (pyposenet/_browser/nn_tfjs.py loads this script when a sketch first
// trains): the page's TF.js layers API (tf.sequential, model.fit; no eval, so the page's CSP stays), on the
// page's thread and its current backend. model.fit yields to the browser every YIELD_EVERY_MS, so p5's draw()
// keeps running while it trains. Nothing stays behind: the weights come back as Float32Arrays and every tensor,
// the model and the optimizer are disposed before train() resolves.
// `debug`: the loss and val_loss of each epoch drawn on a small canvas of our own (no tfvis).
(() => {
  'use strict';

  /** Train for at most this long between two frames (model.fit's yieldEvery, in ms; TF.js's 'auto' is 125). */
  const YIELD_EVERY_MS = 20;
  const ADAM_BETA1 = 0.9;
  const ADAM_BETA2 = 0.999;
  const EPSILON = 1e-7; // TF.js's backend epsilon, as the numpy backend uses it

  /**
   * Fit a Sequential network of dense layers from the weights given, as ml5 0.12 compiles and fits it.
   * spec: {layers: [{units, activation}], inputUnits, weights: [kernel, bias, ...] (Float32Arrays, row-major),
   *        xs, ys (Float32Arrays, a row after another), rows, epochs, batchSize, validationSplit, shuffle,
   *        learningRate, loss, optimizer ('sgd' | 'adam')}
   * onEpochEnd(epoch, logs) after each epoch; it returns false to stop training (the sketch stopped).
   * panel: a canvas to draw the loss curve on, or null.
   * Resolves to the trained weights, in the order given.
   */
  async function train(spec, onEpochEnd, panel) {
    await tf.ready(); // a sketch without poseNet: the page's backend may not have started yet
    const shapes = [];
    let fanIn = spec.inputUnits;
    for (const layer of spec.layers) {
      shapes.push([fanIn, layer.units], [layer.units]);
      fanIn = layer.units;
    }
    const outputUnits = fanIn;
    const model = tf.sequential();
    const optimizer = spec.optimizer === 'adam'
      ? tf.train.adam(spec.learningRate, ADAM_BETA1, ADAM_BETA2, EPSILON)
      : tf.train.sgd(spec.learningRate);
    const xs = tf.tensor2d(spec.xs, [spec.rows, spec.inputUnits]);
    const ys = tf.tensor2d(spec.ys, [spec.rows, outputUnits]);
    const history = { loss: [], val_loss: [], epochs: spec.epochs };
    try {
      spec.layers.forEach((layer, index) => {
        const options = { units: layer.units, activation: layer.activation, kernelInitializer: 'zeros' };
        if (index === 0) options.inputShape = [spec.inputUnits];
        model.add(tf.layers.dense(options));
      });
      const initial = spec.weights.map((values, index) => tf.tensor(values, shapes[index]));
      model.setWeights(initial);
      tf.dispose(initial);
      model.compile({ optimizer, loss: spec.loss, metrics: ['accuracy'] });
      if (panel) drawLoss(panel, history);
      await model.fit(xs, ys, {
        epochs: spec.epochs,
        batchSize: spec.batchSize,
        validationSplit: spec.validationSplit,
        shuffle: spec.shuffle,
        yieldEvery: YIELD_EVERY_MS,
        callbacks: {
          onEpochEnd: (epoch, logs) => {
            history.loss.push(logs.loss);
            if (logs.val_loss !== undefined) history.val_loss.push(logs.val_loss);
            if (panel) drawLoss(panel, history);
            if (onEpochEnd(epoch, logs) === false) model.stopTraining = true;
          },
        },
      });
      return await Promise.all(model.getWeights().map((weight) => weight.data()));
    } finally {
      tf.dispose([xs, ys]);
      model.dispose();
      optimizer.dispose();
    }
  }

  const COLORS = { loss: '#1f77b4', val_loss: '#ff7f0e' };

  /** The loss curve so far: loss and val_loss per epoch, the y axis from 0 to the largest loss. */
  function drawLoss(canvas, history) {
    const ctx = canvas.getContext('2d');
    const { width, height } = canvas;
    const pad = { left: 34, right: 8, top: 18, bottom: 16 };
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = '#999';
    ctx.lineWidth = 1;
    ctx.strokeRect(pad.left, pad.top, width - pad.left - pad.right, height - pad.top - pad.bottom);
    const values = [...history.loss, ...history.val_loss].filter(Number.isFinite);
    const top = values.length ? Math.max(...values) : 1;
    const x = (epoch) => pad.left + (width - pad.left - pad.right) * (history.epochs > 1 ? epoch / (history.epochs - 1) : 0);
    const y = (value) => pad.top + (height - pad.top - pad.bottom) * (1 - value / (top || 1));
    ctx.font = '10px sans-serif';
    ctx.fillStyle = '#333';
    ctx.fillText(top.toPrecision(2), 2, pad.top + 4);
    ctx.fillText('0', 2, height - pad.bottom);
    ctx.fillText(`epoch ${history.loss.length} / ${history.epochs}`, pad.left, height - 3);
    let labelX = pad.left;
    for (const name of ['loss', 'val_loss']) {
      const series = history[name];
      ctx.fillStyle = ctx.strokeStyle = COLORS[name];
      ctx.fillText(series.length ? `${name} ${series[series.length - 1].toFixed(3)}` : name, labelX, 12);
      labelX += 90;
      ctx.lineWidth = 2;
      ctx.beginPath();
      series.forEach((value, epoch) => (epoch ? ctx.lineTo(x(epoch), y(value)) : ctx.moveTo(x(epoch), y(value))));
      ctx.stroke();
    }
    canvas.dataset.epochs = String(history.loss.length);
  }

  globalThis.pyposenetNeuralNetwork = { train, drawLoss, YIELD_EVERY_MS };
})();
