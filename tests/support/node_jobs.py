"""Running a reference's JavaScript on a list of jobs in one node process (tests/support/ml5_*.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import REPO_ROOT

NODE = shutil.which("node")


def run_node_jobs(runner: str, reference_js: Path, jobs: list[dict]) -> list:
    """`runner` (node -e code) gets argv [reference_js, package.json, jobs file, out file] and writes one output per
    job into the out file, as JSON; returns those outputs."""
    with tempfile.TemporaryDirectory(prefix="node-jobs-") as folder:
        jobs_file, out = Path(folder) / "jobs.json", Path(folder) / "out.json"
        jobs_file.write_text(json.dumps(jobs))
        subprocess.run(
            [str(NODE), "-e", runner, str(reference_js), str(REPO_ROOT / "package.json"), str(jobs_file), str(out)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return json.loads(out.read_text())
