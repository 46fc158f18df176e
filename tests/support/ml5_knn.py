"""ml5's KNNClassifier as ml5 runs it (tests/support/ml5_knn_reference.js on TF.js 4.22, the page's version), run
in node: what pyposenet.classify is checked against. The same JavaScript runs in the page in the e2e tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.support.node_jobs import NODE, run_node_jobs

REFERENCE_JS = Path(__file__).with_name("ml5_knn_reference.js")
TFJS = REPO_ROOT / "node_modules" / "@tensorflow" / "tfjs"

# Runs a list of jobs (arguments of the reference function) in one process; a job's "loadFrom": i loads
# the text job i saved.
_RUNNER = """
const { createRequire } = require('node:module');
const fs = require('node:fs');
const [reference, packageJson, jobsFile, outFile] = process.argv.slice(1);
globalThis.tf = createRequire(packageJson)('@tensorflow/tfjs');
const run = (0, eval)(fs.readFileSync(reference, 'utf8'));
const outputs = [];
for (const { loadFrom, ...job } of JSON.parse(fs.readFileSync(jobsFile, 'utf8'))) {
  outputs.push(run(loadFrom === undefined ? job : { ...job, load: outputs[loadFrom].saved }));
}
fs.writeFileSync(outFile, JSON.stringify(outputs));
"""


def reference_missing() -> str | None:
    """Why the reference cannot run here (None: it can)."""
    if NODE is None:
        return "node is not installed"
    if not TFJS.is_dir():
        return f"{TFJS} is missing (make setup installs it)"
    return None


def run_ml5_reference(jobs: list[dict]) -> list[dict]:
    """For each job ({examples?, queries?, k?, load?, loadFrom?}, see ml5_knn_reference.js): {"results": ml5's
    classify result per query (with "similarities"), "saved": what ml5's save() writes, "counts"}."""
    return run_node_jobs(_RUNNER, REFERENCE_JS, jobs)
