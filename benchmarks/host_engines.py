"""The host engines against TensorFlow 2.19 CPU on the same graph, in one run. Prints figures; not a test.

    .venv/bin/python benchmarks/host_engines.py [--multipliers 0.5 0.75] [--threads 1 default] [--rounds 12]

Per frame (the network alone, on starter.png's preprocessed 257x257 batch), for each multiplier and thread setting:
pyposenet's numpy executor, onnxruntime (pyposenet/_host/engines/) and TensorFlow on the same graph. Each round runs
--block frames of every engine, model and thread setting, the engines' order rotating from round to round, so a
change of load on the machine hits all of them alike. The ratio is the median over rounds of (the engine's block
median / TensorFlow's block median at the same thread setting). TensorFlow runs in worker processes with
.venv-convert's Python (benchmarks/host_engines_tensorflow.py; `make convert-env` makes that venv): on the 0.50
model the TF1 frozen graph the shared TF.js model was converted from (../shared/models/extra/tf1-frozen-mobilenet-050),
on the others the GraphDef inside model.json with its weights.

Threads: "1" runs everything on one thread (numpy's BLAS held by pyposenet/_host/blas.py's BlasThreads, which
onnxruntime follows, as in `pyposenet detect` and POST /api/pose; TensorFlow with 1 intra- and inter-op thread);
"default" leaves each its own default (BLAS and onnxruntime: one thread per core; TensorFlow: its own pools).
Before timing, each engine's outputs are compared with TensorFlow's (largest absolute difference).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402 - after sys.path gets the checkout (run as a script)

from pyposenet._host.blas import BlasThreads  # noqa: E402 - (as above)
from pyposenet._host.engines import make_engine  # noqa: E402 - (as above)
from pyposenet._host.images import load_image  # noqa: E402 - (as above)
from pyposenet._host.preprocess import preprocess  # noqa: E402 - (as above)
from pyposenet._host.runtime import HostModel, HostRuntime  # noqa: E402 - (as above)
from pyposenet.options import resolve_options  # noqa: E402 - (as above)

SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
IMAGE = SHARED / "testdata" / "images" / "starter.png"
FROZEN_050 = SHARED / "models" / "extra" / "tf1-frozen-mobilenet-050" / "model-mobilenet_v1_050.pb"
CONVERT_PYTHON = Path(os.environ.get("PYPOSENET_CONVERT_PYTHON", REPO / ".venv-convert" / "bin" / "python"))
WORKER = Path(__file__).with_name("host_engines_tensorflow.py")
ENGINES = ("numpy", "onnxruntime", "tensorflow")


@dataclass
class Case:
    """One model: its host engines, the graph TensorFlow runs, and every block's per-frame times."""

    multiplier: float
    model: HostModel
    runs: dict[str, Callable[[], object]]
    tensorflow_graph: Path
    batch_file: Path  # the batch every engine runs on, for TensorFlow's worker
    times: dict[tuple[str, str], list[list[float]]] = field(default_factory=dict)  # (threads, engine) -> blocks

    @property
    def key(self) -> str:
        return f"{self.multiplier:.2f}"


class TensorFlowWorker:
    """benchmarks/host_engines_tensorflow.py in .venv-convert, loaded with every case's graph."""

    def __init__(self, cases: list[Case], threads: str, log: IO[str]):
        command = [str(CONVERT_PYTHON), str(WORKER), "--threads", "1" if threads == "1" else "0"]
        for case in cases:
            command += ["--graph", f"{case.key}={case.tensorflow_graph}", "--input", str(case.batch_file)]
            command += ["--outputs", ",".join(case.model.output_names)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        self.versions = json.loads(self._answer())

    def _answer(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the TensorFlow worker stopped (exit status {self.process.wait()}); see its log above")
        return line

    def ask(self, command: str):
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self._answer())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=60)


def timed(run: Callable[[], object], frames: int) -> list[float]:
    times = []
    for _ in range(frames):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def make_case(multiplier: float, pixels: np.ndarray, folder: Path) -> Case:
    """The model at its default input size, both host engines on the batch `pixels` give, TensorFlow's graph."""
    model = HostRuntime(engine="numpy").load_model_sync(resolve_options({"multiplier": multiplier}))
    engine = make_engine("onnxruntime", model.graph, model.output_names, model.input_height, model.input_width)
    batch, _ = preprocess(pixels, model.input_height, model.input_width, model.preprocessing)
    batch_file = folder / f"batch-{multiplier}.npy"
    np.save(batch_file, batch)
    runs: dict[str, Callable[[], object]] = {
        "numpy": lambda: model.engine.run(batch),
        "onnxruntime": lambda: engine.run(batch),
    }
    tensorflow_graph = FROZEN_050 if multiplier == 0.5 and FROZEN_050.is_file() else Path(model.source)
    return Case(multiplier, model, runs, tensorflow_graph, batch_file)


def compare_outputs(case: Case, worker: TensorFlowWorker, folder: Path) -> str:
    """Largest absolute difference of each host engine's outputs from TensorFlow's."""
    target = folder / f"outputs-{case.key}.npz"
    worker.ask(f"outputs {case.key} {target}")
    with np.load(target) as saved:
        reference = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    parts = []
    for name, run in case.runs.items():
        outputs = run()
        assert isinstance(outputs, list)
        worst = max(float(np.abs(o - r).max()) for o, r in zip(outputs, reference, strict=True))
        parts.append(f"{name} {worst:.1e}")
    return ", ".join(parts)


def measure(cases: list[Case], workers: dict[str, TensorFlowWorker], rounds: int, block: int) -> None:
    """`rounds` rounds; in each, every case runs a block on each engine at each thread setting, the engines'
    order rotating from round to round."""
    for index in range(rounds):
        order = ENGINES[index % 3 :] + ENGINES[: index % 3]
        for case in cases:
            for threads, worker in workers.items():
                for engine in order:
                    with BlasThreads(1 if threads == "1" else None):
                        if engine == "tensorflow":
                            times = worker.ask(f"run {case.key} {block}")
                        else:
                            times = timed(case.runs[engine], block)
                    case.times.setdefault((threads, engine), []).append(times)


def report(cases: list[Case], threads: str) -> None:
    for case in cases:
        tensorflow = [statistics.median(b) for b in case.times[(threads, "tensorflow")]]
        for engine in ENGINES:
            blocks = case.times[(threads, engine)]
            every = [t for b in blocks for t in b]
            ratio = statistics.median(statistics.median(b) / tf for b, tf in zip(blocks, tensorflow, strict=True))
            print(
                f"MobileNet {case.key:<6}{threads:>8}  {engine:<12}{statistics.median(every):>9.2f}"
                f"{min(every):>8.2f}{ratio:>9.2f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--multipliers", type=float, nargs="+", default=[0.5, 0.75])
    parser.add_argument("--threads", nargs="+", default=["1", "default"], choices=("1", "default"))
    parser.add_argument("--rounds", type=int, default=12, help="rounds (default 12)")
    parser.add_argument("--block", type=int, default=10, help="frames per engine per round (default 10)")
    args = parser.parse_args()
    if not CONVERT_PYTHON.is_file():
        raise SystemExit(f"{CONVERT_PYTHON} not found: `make convert-env` makes .venv-convert (TensorFlow 2.19)")
    import onnxruntime

    pixels = load_image(IMAGE)
    with tempfile.TemporaryDirectory(prefix="host-engines-") as tmp:
        folder = Path(tmp)
        cases = [make_case(m, pixels, folder) for m in args.multipliers]
        print(
            f"{os.cpu_count()} CPUs, numpy {np.__version__}, onnxruntime {onnxruntime.__version__}, "
            f"load average {load_average()}"
        )
        log_path = folder / "tensorflow.log"
        with open(log_path, "w") as log:
            try:
                workers = {threads: TensorFlowWorker(cases, threads, log) for threads in args.threads}
            except SystemExit:
                print(log_path.read_text(), file=sys.stderr)
                raise
            first = next(iter(workers.values()))
            print(f"TensorFlow {first.versions['tensorflow']} (numpy {first.versions['numpy']}) on:")
            for case in cases:
                differences = compare_outputs(case, first, folder)
                print(f"   {case.key}: {case.tensorflow_graph.name}; largest |difference| from it: {differences}")
            measure(cases, workers, args.rounds, args.block)
            for worker in workers.values():
                worker.close()
        print(f"\n{'model':<16}{'threads':>8}  {'engine':<12}{'ms median':>9}{'min':>8}{'× TF':>9}")
        for threads in args.threads:
            report(cases, threads)
        print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
