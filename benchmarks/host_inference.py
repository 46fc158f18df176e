"""How fast the numpy PoseNet runs under CPython (pyposenet._host). Prints figures; not a test.

    .venv/bin/python benchmarks/host_inference.py [--runs 30] [--sizes 257 513] [--threads-compare]

For each input size: the graph alone (median and min over --runs calls after warm-up) and a whole
frame through `HostRuntime.infer` (pad, resize, normalise, run, sigmoid, flatten: what a video frame
already decoded to an array costs), on MobileNet 0.75 and 0.50; and decoding starter.png once. The machine's load average is printed too: other processes on a 2-core machine skew
medians a lot, and OpenBLAS's two threads suffer most (see --threads-compare, which reruns this
script with OPENBLAS_NUM_THREADS=1 for comparison).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from pyposenet._host.images import load_image  # noqa: E402
from pyposenet._host.runtime import HostRuntime  # noqa: E402
from pyposenet.options import resolve_options  # noqa: E402

SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
IMAGE = SHARED / "testdata" / "images" / "starter.png"


def timed(fn, runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def describe(times: list[float]) -> str:
    return f"median {statistics.median(times):6.2f} ms  min {min(times):6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="timed calls per figure (after 3 warm-up calls)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[257, 513])
    parser.add_argument("--multipliers", type=float, nargs="+", default=[0.75, 0.5])
    parser.add_argument("--threads-compare", action="store_true",
                        help="afterwards, rerun with OPENBLAS_NUM_THREADS=1")
    args = parser.parse_args()

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={threads}, "
          f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    runtime = HostRuntime()
    print(f"decode starter.png: {describe(timed(lambda: load_image(IMAGE), args.runs))}")
    frame = load_image(IMAGE)
    for multiplier in args.multipliers:
        for size in args.sizes:
            options = resolve_options({"multiplier": multiplier, "inputResolution": size})
            model = runtime.load_model_sync(options)
            batch = np.random.default_rng(0).uniform(-1, 1, (1, size, size, 3)).astype(np.float32)
            graph = timed(lambda: model.graph.execute(batch, model.output_names), args.runs)
            whole = timed(lambda: runtime.infer(model, frame), args.runs)
            print(f"MobileNet {multiplier:.2f} @ {size}:  graph {describe(graph)}   "
                  f"whole frame {describe(whole)}")
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if args.threads_compare and threads != "1":
        print("\n-- again with OPENBLAS_NUM_THREADS=1 --")
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        rest = [a for a in sys.argv[1:] if a != "--threads-compare"]
        subprocess.run([sys.executable, __file__, *rest], env=env, check=True)


if __name__ == "__main__":
    main()
