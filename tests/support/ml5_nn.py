"""ml5.neuralNetwork's network as ml5 builds, trains and saves it (tests/support/ml5_nn_reference.js on TF.js 4.22,
the page's version), run in node: what pyposenet.classify's neuralNetwork is checked against."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.support.ml5_knn import reference_missing
from tests.support.node_jobs import run_node_jobs

REFERENCE_JS = Path(__file__).with_name("ml5_nn_reference.js")

_RUNNER = """
const { createRequire } = require('node:module');
const fs = require('node:fs');
const [reference, packageJson, jobsFile, outFile] = process.argv.slice(1);
globalThis.tf = createRequire(packageJson)('@tensorflow/tfjs');
const run = (0, eval)(fs.readFileSync(reference, 'utf8'));
(async () => {
  const outputs = [];
  for (const job of JSON.parse(fs.readFileSync(jobsFile, 'utf8'))) outputs.push(await run(job));
  fs.writeFileSync(outFile, JSON.stringify(outputs));
})();
"""

__all__ = ["reference_missing", "run_ml5_nn_reference", "saved_files"]


def run_ml5_nn_reference(jobs: list[dict]) -> list[dict]:
    """Each job's {logs, saved: {modelJson, weights (base64)}, predictions} (see ml5_nn_reference.js)."""
    return run_node_jobs(_RUNNER, REFERENCE_JS, jobs)


def saved_files(saved: dict) -> tuple[str, bytes]:
    """(model.json's text, model.weights.bin's bytes) of a reference job's `saved`."""
    return saved["modelJson"], base64.b64decode(saved["weights"])


def as_saved(model_json: str, weights: bytes) -> dict:
    """The reverse: files written here, as a job's `start`."""
    return {"modelJson": model_json, "weights": base64.b64encode(weights).decode("ascii")}
