"""How `pyposenet batch` scales with Dask workers, against `pyposenet detect`. Prints a table; not a test.

    .venv/bin/python benchmarks/batch_scaling.py [--videos A.mp4 B.mp4 ...] [--chunk-frames 64] [--json FILE]

Runs, each on the same videos (default: the three shared test videos, 518 frames) with the default model
(MobileNetV1 0.75, float, 257 px, single pose) from ../shared/models:

  detect     `pyposenet detect` on the same videos in a subprocess (one process, one BLAS thread), wall time
  local-1    `extract` on a LocalCluster of 1 single-threaded worker process
  local-2    the same with 2 worker processes
  separate-2 a `dask scheduler` and two `dask worker` processes on loopback (a stand-in for two machines)

A batch run's time is from calling `extract` (the cluster already up; its warm-up loads the model on each
worker) to the manifest written; the cluster's start is shown apart ("start s"). The three clusters stay up
together and every setup runs --rounds times, interleaved; the fastest round counts. frames/s per worker =
frames/s / workers; efficiency = frames/s with N workers / (N x frames/s with 1 worker). The load average
before and after is printed: on a shared 2-core machine other processes take cores from the workers, and
only ratios measured in one run compare. CPU ms/frame (the detect process's, or the workers' together) and
+client/sched (the client's and the scheduler's) do not depend on the load: frames/s on N free cores is
about N x 1000 / (CPU ms/frame), with the client and scheduler on a core of their own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from distributed import Client, LocalCluster  # noqa: E402 - after sys.path gets the checkout (run as a script)

from pyposenet.batch.run import extract  # noqa: E402 - (as above)
from tests.support.batch_cluster import ProcessCluster  # noqa: E402 - (as above)

SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
MODELS = SHARED / "models"
VIDEOS = [SHARED / "testdata" / "video" / name for name in ("ball_lifting.mp4", "pose_1.mp4", "pose_squats.mp4")]


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_detect(videos: list[Path], folder: Path) -> dict[str, Any]:
    """`pyposenet detect VIDEO...` in a subprocess: frames and wall seconds (start-up and model load included)."""
    out = folder / "detect.json"
    command = [sys.executable, "-m", "pyposenet", "detect", *map(str, videos), "--json", str(out), "-q"]
    command += ["--models", str(MODELS), "--no-download"]
    cpu_before = _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=REPO)
    seconds = time.perf_counter() - started
    cpu = _cpu(resource.RUSAGE_CHILDREN) - cpu_before
    frames = sum(len(entry["frames"]) for entry in json.loads(out.read_text()))
    return {"setup": "detect (one process)", "workers": 1, "frames": frames, "seconds": seconds, "cpu_s": cpu}


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _process_cpu() -> float:
    """CPU seconds of the process it runs in (sent to each worker by client.run)."""
    import psutil  # type: ignore[import-untyped]  # no types installed (types-psutil is not pinned)

    times = psutil.Process().cpu_times()
    return times.user + times.system


def run_batch(
    name: str, client: Client, scheduler_pid: int | None, videos: list[Path], folder: Path, chunk_frames: int
) -> dict[str, Any]:
    """One extract(); its wall time, the workers' CPU time, and the client's and scheduler's CPU time."""
    import psutil

    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    workers = len(client.scheduler_info()["workers"])
    scheduler = psutil.Process(scheduler_pid) if scheduler_pid is not None else None

    def overhead() -> float:  # this process (the client; a LocalCluster's scheduler) and a separate scheduler
        times = scheduler.cpu_times() if scheduler is not None else None
        return _cpu(resource.RUSAGE_SELF) + (times.user + times.system if times is not None else 0.0)

    workers_before, overhead_before = sum(client.run(_process_cpu).values()), overhead()
    started = time.perf_counter()
    manifest = extract([str(v) for v in videos], out, client=client, chunk_frames=chunk_frames, models_dir=MODELS)
    seconds = time.perf_counter() - started
    assert manifest["status"] == "complete", manifest["failures"]
    return {
        "setup": name,
        "workers": workers,
        "frames": manifest["counts"]["frames"],
        "seconds": seconds,
        "cpu_s": sum(client.run(_process_cpu).values()) - workers_before,
        "overhead_cpu_s": overhead() - overhead_before,
    }


def local_cluster(stack: ExitStack, workers: int) -> Client:
    cluster = stack.enter_context(
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0")
    )
    return stack.enter_context(Client(cluster))


def separate_cluster(stack: ExitStack, folder: Path) -> tuple[Client, int]:
    cluster = stack.enter_context(ProcessCluster(folder / "cluster", workers=2))
    client = stack.enter_context(Client(cluster.address))
    client.wait_for_workers(2, timeout=120)
    return client, cluster.processes[0].pid


def measure(args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    """Every setup `rounds` times, interleaved (the load moves); each setup's fastest round, with its start time."""
    with ExitStack() as stack:
        clients: dict[str, tuple[Client, int | None]] = {}
        starts: dict[str, float] = {}
        for name, start in (
            ("LocalCluster, 1 worker", lambda: (local_cluster(stack, 1), None)),
            ("LocalCluster, 2 workers", lambda: (local_cluster(stack, 2), None)),
            ("scheduler + 2 dask worker", lambda: separate_cluster(stack, folder)),
        ):
            started = time.perf_counter()
            clients[name] = start()
            starts[name] = time.perf_counter() - started
        rounds: list[dict[str, Any]] = []
        for _ in range(args.rounds):
            rounds.append(run_detect(args.videos, folder))
            for name, (client, scheduler_pid) in clients.items():
                rounds.append(run_batch(name, client, scheduler_pid, args.videos, folder, args.chunk_frames))
    best: dict[str, dict[str, Any]] = {}
    for row in rounds:
        if row["setup"] not in best or row["seconds"] < best[row["setup"]]["seconds"]:
            best[row["setup"]] = {**row, "start_s": starts.get(row["setup"]), "rounds": args.rounds}
    return list(best.values())


def table(rows: list[dict[str, Any]]) -> str:
    """The table; adds frames_per_s, efficiency (vs 1 LocalCluster worker) and per_worker_vs_detect to the rows."""
    one = next((r for r in rows if r["setup"].startswith("LocalCluster") and r["workers"] == 1), None)
    detect = next((r for r in rows if r["setup"].startswith("detect")), None)
    lines = [
        f"{'setup':<28}{'workers':>8}{'frames':>7}{'seconds':>8}{'frames/s':>9}{'per worker':>11}"
        f"{'vs detect':>10}{'efficiency':>11}{'start s':>8}{'CPU ms/frame':>13}{'+client/sched':>14}"
    ]
    for row in rows:
        rate = row["frames_per_s"] = row["frames"] / row["seconds"]
        versus = efficiency = ""
        if detect is not None:
            row["per_worker_vs_detect"] = rate / row["workers"] / (detect["frames"] / detect["seconds"])
            versus = f"{row['per_worker_vs_detect']:.2f}"
        if one is not None and row is not detect:
            row["efficiency"] = rate / (row["workers"] * one["frames"] / one["seconds"])
            efficiency = f"{row['efficiency']:.2f}"
        start = f"{row['start_s']:.1f}" if row.get("start_s") is not None else "-"
        cpu = 1000 * row["cpu_s"] / row["frames"]
        overhead = f"{1000 * row['overhead_cpu_s'] / row['frames']:.1f}" if "overhead_cpu_s" in row else "-"
        lines.append(
            f"{row['setup']:<28}{row['workers']:>8}{row['frames']:>7}{row['seconds']:>8.1f}{rate:>9.1f}"
            f"{rate / row['workers']:>11.1f}{versus:>10}{efficiency:>11}{start:>8}{cpu:>13.1f}{overhead:>14}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", nargs="+", type=Path, default=VIDEOS, help="the batch runs' videos")
    parser.add_argument("--chunk-frames", type=int, default=64, help="frames per chunk (default 64: 9 chunks)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each setup, interleaved; the fastest counts")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()
    before = load()
    print(f"load average before: {before} (cores: {os.cpu_count()})", flush=True)
    with tempfile.TemporaryDirectory(prefix="batch-scaling-") as temporary:
        rows = measure(args, Path(temporary))
    after = load()
    print(f"load average after: {after}")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"load_before": before, "load_after": after, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
