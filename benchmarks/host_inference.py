"""How fast the numpy PoseNet runs under CPython (pyposenet._host). Prints figures; not a test.

    .venv/bin/python benchmarks/host_inference.py [--runs 30] [--sizes 257 513] [--threads-compare]
    .venv/bin/python benchmarks/host_inference.py --multipliers 0.75 --blas 1 default --parallel 1 2 4 [--processes]

For each input size: the graph alone (median and min over --runs calls after warm-up) and a whole
frame through `HostRuntime.infer` (pad, resize, normalise, run, sigmoid, flatten: what a video frame
already decoded to an array costs), on MobileNet 0.75 and 0.50; and decoding starter.png once. The machine's load
average is printed too: other processes on a 2-core machine skew medians a lot, and OpenBLAS's two threads suffer
most (see --threads-compare, which reruns this script with OPENBLAS_NUM_THREADS=1 for comparison).

--parallel N...: N callers (threads sharing one model, as waitress's worker threads share the server's, or with
--processes N processes with a model each) each run --runs whole frames at once; per call the median ms, and the
throughput of all callers together (frames/s over the wall time from the first start to the last end).
--blas 1 default: the BLAS thread limit, set with threadpoolctl in this process (`default`: numpy's own,
one thread per core), as the server's POST /api/pose does around inference.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402 - after sys.path gets the checkout (run as a script)

from pyposenet._host.images import load_image  # noqa: E402 - (as above)
from pyposenet._host.runtime import HostRuntime  # noqa: E402 - (as above)
from pyposenet.options import resolve_options  # noqa: E402 - (as above)

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


def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def blas_limit(value: str):
    """A threadpoolctl limit of BLAS threads to `value` ('default': leave numpy's own), or None."""
    if value == "default":
        return None
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=int(value), user_api="blas")


def blas_threads() -> str:
    from threadpoolctl import threadpool_info

    return ",".join(str(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas") or "?"


# -- parallel callers ---------------------------------------------------------------------------------


def caller_loop(runtime: HostRuntime, model, frame, runs: int, barrier) -> tuple[float, float, list[float]]:
    """One caller: warm up, wait for the others, then `runs` whole frames; (start, end, ms per call)."""
    for _ in range(2):
        runtime.infer(model, frame)
    barrier.wait()
    start = time.perf_counter()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        runtime.infer(model, frame)
        times.append((time.perf_counter() - began) * 1000)
    return start, time.perf_counter(), times


def in_threads(callers: int, runtime, model, frame, runs: int) -> list[tuple[float, float, list[float]]]:
    barrier = threading.Barrier(callers)
    results: list = [None] * callers

    def work(index: int) -> None:
        results[index] = caller_loop(runtime, model, frame, runs, barrier)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def process_worker(multiplier: float, size: int, blas: str, runs: int, barrier, queue) -> None:
    limit = blas_limit(blas)  # noqa: F841 - kept for the process's lifetime
    runtime = HostRuntime()
    model = runtime.load_model_sync(resolve_options({"multiplier": multiplier, "inputResolution": size}))
    start, end, times = caller_loop(runtime, model, load_image(IMAGE), runs, barrier)
    # perf_counter is not comparable across processes: report wall-clock times for the span.
    queue.put((time.time() - (end - start), time.time(), times))


def in_processes(callers: int, multiplier: float, size: int, blas: str, runs: int):
    context = multiprocessing.get_context("spawn")
    barrier, queue = context.Barrier(callers), context.Queue()
    workers = [
        context.Process(target=process_worker, args=(multiplier, size, blas, runs, barrier, queue))
        for _ in range(callers)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    return results


def parallel_figures(args) -> None:
    """Per-call median and total throughput for each BLAS limit, input size and number of callers."""
    runtime = HostRuntime()
    frame = load_image(IMAGE)
    kind = "processes" if args.processes else "threads"
    print(f"\n-- parallel callers ({kind}), {args.runs} whole frames each, starter.png --")
    print(
        f"{'model':<16}{'size':>5}{'BLAS':>9}{'callers':>8}  {'ms/call median':>15}{'p90':>8}"
        f"{'frames/s':>10}   load before → after"
    )
    for multiplier in args.multipliers:
        for size in args.sizes:
            options = resolve_options({"multiplier": multiplier, "inputResolution": size})
            model = None if args.processes else runtime.load_model_sync(options)
            for blas in args.blas:
                for callers in args.parallel:
                    before = load_average()
                    if args.processes:
                        results = in_processes(callers, multiplier, size, blas, args.runs)
                        threads = blas
                    else:
                        limit = blas_limit(blas)
                        threads = blas_threads()
                        try:
                            results = in_threads(callers, runtime, model, frame, args.runs)
                        finally:
                            if limit is not None:
                                limit.restore_original_limits()
                    times = sorted(t for _, _, ts in results for t in ts)
                    span = max(end for _, end, _ in results) - min(start for start, _, _ in results)
                    p90 = times[int(0.9 * (len(times) - 1))]
                    print(
                        f"MobileNet {multiplier:.2f}  {size:>5}{threads:>9}{callers:>8}  "
                        f"{statistics.median(times):>15.2f}{p90:>8.2f}{len(times) / span:>10.1f}"
                        f"   {before} → {load_average()}",
                        flush=True,
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="timed calls per figure (after 3 warm-up calls)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[257, 513])
    parser.add_argument("--multipliers", type=float, nargs="+", default=[0.75, 0.5])
    parser.add_argument("--threads-compare", action="store_true", help="afterwards, rerun with OPENBLAS_NUM_THREADS=1")
    parser.add_argument(
        "--parallel",
        type=int,
        nargs="+",
        metavar="N",
        help="instead of the single-caller figures: N callers at once (e.g. 1 2 4)",
    )
    parser.add_argument("--processes", action="store_true", help="with --parallel: processes instead of threads")
    parser.add_argument(
        "--blas",
        nargs="+",
        default=["default"],
        metavar="N|default",
        help="with --parallel: BLAS thread limits to compare (threadpoolctl), e.g. 1 default",
    )
    args = parser.parse_args()

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={threads}, load average {load_average()}"
    )
    if args.parallel:
        parallel_figures(args)
        print(f"load average after: {load_average()}")
        return
    runtime = HostRuntime()
    print(f"decode starter.png: {describe(timed(lambda: load_image(IMAGE), args.runs))}")
    frame = load_image(IMAGE)
    for multiplier in args.multipliers:
        for size in args.sizes:
            options = resolve_options({"multiplier": multiplier, "inputResolution": size})
            model = runtime.load_model_sync(options)
            batch = np.random.default_rng(0).uniform(-1, 1, (1, size, size, 3)).astype(np.float32)
            graph = timed(lambda model=model, batch=batch: model.graph.execute(batch, model.output_names), args.runs)
            whole = timed(lambda model=model: runtime.infer(model, frame), args.runs)
            print(f"MobileNet {multiplier:.2f} @ {size}:  graph {describe(graph)}   whole frame {describe(whole)}")
    print(f"load average after: {load_average()}")
    if args.threads_compare and threads != "1":
        print("\n-- again with OPENBLAS_NUM_THREADS=1 --")
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
        rest = [a for a in sys.argv[1:] if a != "--threads-compare"]
        subprocess.run([sys.executable, __file__, *rest], env=env, check=True)


if __name__ == "__main__":
    main()
