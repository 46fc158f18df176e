// ml5's KNNClassifier (ml5-library src/KNNClassifier/index.js) over @tensorflow-models/knn-classifier 1.x
// (src/index.ts, util.ts), their code paths followed literally on TF.js tensors: the reference the tests
// check pyposenet.classify against. One arrow function, run in the page (page.evaluate, the page's `tf`)
// or in node (tests/support/ml5_knn.py runs it there when it makes a fixture).
//   examples: [[features, label], ...] added in order; saveAs: true -> the JSON text ml5's save() writes;
//   load: a JSON text given to ml5's load(); queries: features to classify (k each) after adding/loading.
({ examples = [], load = null, queries = [], k = 3 }) => {
  // --- knn-classifier
  const classDatasetMatrices = {};
  const classExampleCount = {};
  const unit = (v) => tf.tidy(() => tf.div(v, v.norm()));
  const addExampleKnn = (example, classIndex) => {
    tf.tidy(() => {
      const normalized = unit(example.flatten());
      const size = normalized.shape[0];
      if (classDatasetMatrices[classIndex] == null) {
        classDatasetMatrices[classIndex] = normalized.as2D(1, size);
      } else {
        const grown = classDatasetMatrices[classIndex].as2D(classExampleCount[classIndex], size)
          .concat(normalized.as2D(1, size), 0);
        classDatasetMatrices[classIndex].dispose();
        classDatasetMatrices[classIndex] = grown;
      }
      tf.keep(classDatasetMatrices[classIndex]);
      classExampleCount[classIndex] = (classExampleCount[classIndex] || 0) + 1;
    });
  };
  const numExamples = () => Object.keys(classDatasetMatrices).reduce((t, i) => t + classExampleCount[+i], 0);
  const topK = (values, kVal) => {
    const pairs = Array.from(values, (value, index) => ({ value, index }));
    pairs.sort((a, b) => b.value - a.value);
    return pairs.slice(0, kVal).map((p) => p.index);
  };
  const predictClass = (input, kk) => {
    let matrix = null;
    for (const i in classDatasetMatrices) {
      matrix = matrix == null ? classDatasetMatrices[i].clone() : tf.concat([matrix, classDatasetMatrices[i]], 0);
    }
    const normalized = unit(tf.tensor(input).flatten());
    const size = normalized.shape[0];
    const sims = matrix.as2D(numExamples(), size).matMul(normalized.as2D(size, 1)).as1D().dataSync();
    const kVal = Math.min(kk, numExamples());
    const topKIndices = topK(sims, kVal);
    let exampleClass = -1;
    const confidences = {};
    const indicesForClasses = [];
    for (const i in classDatasetMatrices) {
      let num = classExampleCount[i];
      if (+i > 0) num += indicesForClasses[+i - 1];
      indicesForClasses.push(num);
    }
    const counts = Array(Object.keys(classDatasetMatrices).length).fill(0);
    for (const index of topKIndices) {
      for (let classId = 0; classId < indicesForClasses.length; classId++) {
        if (index < indicesForClasses[classId]) { counts[classId]++; break; }
      }
    }
    let top = 0;
    for (const i in classDatasetMatrices) {
      const probability = counts[i] / kVal;
      if (probability > top) { top = probability; exampleClass = +i; }
      confidences[i] = probability;
    }
    return { classIndex: exampleClass, confidences, similarities: Array.from(sims) };
  };
  // --- ml5
  let mapStringToIndex = [];
  for (const [features, label] of examples) {
    let classIndex;
    if (typeof label === 'string') {
      if (!mapStringToIndex.includes(label)) classIndex = mapStringToIndex.push(label) - 1;
      else classIndex = mapStringToIndex.indexOf(label);
    } else if (typeof label === 'number') {
      classIndex = label;
    }
    addExampleKnn(tf.tensor(features), classIndex);
  }
  if (load !== null) {
    const { dataset, tensors } = JSON.parse(load);
    mapStringToIndex = Object.keys(dataset).map((key) => dataset[key].label);
    tensors.forEach((tensor, i) => {
      const values = Object.keys(tensor).map((v) => tensor[v]);
      classDatasetMatrices[i] = tf.tensor(values, dataset[i].shape, dataset[i].dtype);
      classExampleCount[i] = dataset[i].shape[0];
    });
  }
  const results = queries.map((q) => {
    const res = predictClass(q, k);
    if (mapStringToIndex.length > 0) {
      const label = mapStringToIndex[res.classIndex];
      if (label) res.label = label;
      res.confidencesByLabel = {};
      for (const index of Object.keys(res.confidences)) {
        res.confidencesByLabel[mapStringToIndex[index]] = res.confidences[index];
      }
    }
    return res;
  });
  // ml5's save(): the dataset's tensors (with their labels) and their data, as JSON.stringify writes them
  const dataset = classDatasetMatrices;
  if (mapStringToIndex.length > 0) {
    Object.keys(dataset).forEach((key) => {
      if (mapStringToIndex[key]) dataset[key].label = mapStringToIndex[key];
    });
  }
  const saved = JSON.stringify({ dataset, tensors: Object.keys(dataset).map((key) => dataset[key].dataSync()) });
  return { results, saved, counts: { ...classExampleCount } };
}
