"""How `pyposenet batch` scales with Dask workers, against `pyposenet detect`. Prints a table; not a test.

    .venv/bin/python benchmarks/batch_scaling.py [--repeats 3] [--settings defaults batch] [--chunk-frames 64]
                                                 [--setups detect local-1 local-2 separate-2] [--json FILE]

Each setup runs on the same videos (default: the three shared test videos, 518 frames) with the default model
(MobileNetV1 0.75, float, 257 px, single pose) from ../shared/models:

  detect      `pyposenet detect` on the videos in a subprocess (one process, one BLAS thread)
  local-1     `extract` on a LocalCluster of 1 single-threaded worker process
  local-2     the same with 2 worker processes
  separate-2  a `dask scheduler` and two `dask worker` processes on loopback (a stand-in for two machines)

and the Dask setups under each of `--settings`: `defaults` (Dask's own) and `batch` (pyposenet.batch.cluster's
BATCH_DASK, what `pyposenet batch` gives the LocalCluster it starts; the separate processes get QUIET_DASK as
environment variables and have no nanny), so one run measures both.

Every setup starts alone: the one before is closed and its processes gone (checked) before the next starts.
A round runs every setup once, in the order above; `--repeats` rounds interleave them (1, 2, 1, 2, ...: the
load moves). Per setup: the cluster starts and loads the model (a one-frame run: "start s"), then the timed
run, from calling `extract` to the manifest written. `detect`'s time is that of the whole videos less that of
one frame of each (its start and model load). frames/s is the median over the rounds, with the lowest and
highest; efficiency = the median frames/s with N workers / (N x the median frames/s with 1 worker, the same
settings), and "per round" the lowest and highest of the same ratio taken within each round. CPU ms/frame is
the workers' CPU (or detect's) per frame; +client/sched that of this process (the client, and a LocalCluster's
scheduler and nannies) and of a separate scheduler. CPU-bound is the efficiency these CPU figures allow on N
free cores: 1 worker's CPU ms/frame / (N workers' CPU ms/frame + their client/sched ms/frame), since 1 worker
leaves the client and scheduler a core of their own and N workers share theirs with them. The load average
before and after is printed: on a shared machine other processes take cores from the workers, and only ratios
measured in one run compare.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psutil  # type: ignore[import-untyped]  # noqa: E402 - after sys.path gets the checkout; no types pinned
from distributed import Client  # noqa: E402 - (as above)

from pyposenet.batch.cluster import dask_environment, local_cluster  # noqa: E402 - (as above)
from pyposenet.batch.run import extract  # noqa: E402 - (as above)
from tests.support.batch_cluster import ProcessCluster  # noqa: E402 - (as above)

SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
MODELS = SHARED / "models"
VIDEOS = [SHARED / "testdata" / "video" / name for name in ("ball_lifting.mp4", "pose_1.mp4", "pose_squats.mp4")]
SETUPS = {"local-1": ("local", 1), "local-2": ("local", 2), "separate-2": ("separate", 2)}
GONE_TIMEOUT_S = 30.0


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _process_cpu() -> float:
    """CPU seconds of the process it runs in (sent to each worker by client.run)."""
    times = psutil.Process().cpu_times()
    return times.user + times.system


def _detect_once(videos: list[Path], folder: Path, max_frames: int | None) -> tuple[int, float, float]:
    out = folder / "detect.json"
    command = [sys.executable, "-m", "pyposenet", "detect", *map(str, videos), "--json", str(out), "-q"]
    command += ["--models", str(MODELS), "--no-download"]
    if max_frames is not None:
        command += ["--max-frames", str(max_frames)]
    cpu_before = _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=REPO)
    seconds = time.perf_counter() - started
    frames = sum(len(entry["frames"]) for entry in json.loads(out.read_text()))
    return frames, seconds, _cpu(resource.RUSAGE_CHILDREN) - cpu_before


def run_detect(videos: list[Path], folder: Path) -> dict[str, Any]:
    """`pyposenet detect VIDEO...` in a subprocess, less a one-frame run's time (its start and model load)."""
    start_frames, start_s, start_cpu = _detect_once(videos, folder, 1)
    frames, seconds, cpu = _detect_once(videos, folder, None)
    return {
        "setup": "detect",
        "settings": "-",
        "workers": 1,
        "frames": frames - start_frames,
        "seconds": seconds - start_s,
        "start_s": start_s,
        "cpu_s": cpu - start_cpu,
    }


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` (what the separate processes inherit), then as it was before, whole."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def start_cluster(stack: ExitStack, kind: str, workers: int, quiet: bool, folder: Path) -> tuple[Client, int | None]:
    """A fresh cluster: (its client, a separate scheduler's pid or None)."""
    if kind == "local":
        cluster = stack.enter_context(local_cluster(workers, quiet=quiet))
        return stack.enter_context(Client(cluster)), None
    shutil.rmtree(folder / "cluster", ignore_errors=True)  # the last one's scheduler file names a dead scheduler
    with environment(dask_environment() if quiet else {}):
        processes = stack.enter_context(ProcessCluster(folder / "cluster", workers=workers))
    client = stack.enter_context(Client(processes.address))
    client.wait_for_workers(workers, timeout=120)
    return client, processes.processes[0].pid


def wait_until_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + GONE_TIMEOUT_S
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids):
        if time.monotonic() > deadline:
            raise RuntimeError(f"worker processes {pids} still run {GONE_TIMEOUT_S:.0f} s after their cluster closed")
        time.sleep(0.1)


def run_batch(name: str, settings: str, videos: list[Path], folder: Path, chunk_frames: int) -> dict[str, Any]:
    """Start the setup alone, load the model, time one extract(), close it and wait for its processes to go."""
    kind, workers = SETUPS[name]
    arguments: dict[str, Any] = {"client": None, "chunk_frames": chunk_frames, "models_dir": MODELS}
    with ExitStack() as stack:
        stack.enter_context(environment(dict(os.environ)))  # a nanny puts its workers' variables into ours
        started = time.perf_counter()
        client, scheduler_pid = start_cluster(stack, kind, workers, settings == "batch", folder)
        arguments["client"] = client
        shutil.rmtree(folder / "warm", ignore_errors=True)
        extract([str(videos[0])], folder / "warm", max_frames=1, **arguments)  # the model loaded on every worker
        start_s = time.perf_counter() - started
        pids = list(client.run(os.getpid).values())
        scheduler = psutil.Process(scheduler_pid) if scheduler_pid is not None else None

        def overhead() -> float:  # this process (the client; a LocalCluster's scheduler and nannies), a scheduler
            times = scheduler.cpu_times() if scheduler is not None else None
            return _cpu(resource.RUSAGE_SELF) + (times.user + times.system if times is not None else 0.0)

        out = folder / "out"
        shutil.rmtree(out, ignore_errors=True)
        workers_before, overhead_before = sum(client.run(_process_cpu).values()), overhead()
        started = time.perf_counter()
        manifest = extract([str(v) for v in videos], out, **arguments)
        seconds = time.perf_counter() - started
        workers_cpu = sum(client.run(_process_cpu).values()) - workers_before
        overhead_cpu = overhead() - overhead_before
    wait_until_gone(pids)
    assert manifest["status"] == "complete", manifest["failures"]
    assert manifest["counts"]["chunks_written"] == manifest["counts"]["chunks"]
    return {
        "setup": name,
        "settings": settings,
        "workers": workers,
        "frames": manifest["counts"]["frames"],
        "seconds": seconds,
        "start_s": start_s,
        "cpu_s": workers_cpu,
        "overhead_cpu_s": overhead_cpu,
    }


def measure(args: argparse.Namespace, folder: Path) -> list[dict[str, Any]]:
    """Every setup once per round, `repeats` rounds; one row per run, with its round."""
    runs: list[dict[str, Any]] = []
    for number in range(args.repeats):
        if "detect" in args.setups:
            runs.append({**run_detect(args.videos, folder), "round": number})
        for settings in args.settings:
            for name in (s for s in SETUPS if s in args.setups):
                runs.append({**run_batch(name, settings, args.videos, folder, args.chunk_frames), "round": number})
                print(f"  round {number + 1}: {name} ({settings}) {runs[-1]['frames'] / runs[-1]['seconds']:.1f} f/s")
    return runs


def summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (setup, settings): medians and ranges; efficiency from medians and per round."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        run["frames_per_s"] = run["frames"] / run["seconds"]
        rows.setdefault((run["setup"], run["settings"]), {"runs": []})["runs"].append(run)
    for (setup, settings), row in rows.items():
        group = row["runs"]
        rates = [r["frames_per_s"] for r in group]
        row.update(setup=setup, settings=settings, workers=group[0]["workers"], frames=group[0]["frames"])
        row.update(frames_per_s=statistics.median(rates), low=min(rates), high=max(rates))
        row["start_s"] = statistics.median(r["start_s"] for r in group)
        row["cpu_ms"] = 1000 * statistics.median(r["cpu_s"] / r["frames"] for r in group)
        if "overhead_cpu_s" in group[0]:
            row["overhead_ms"] = 1000 * statistics.median(r["overhead_cpu_s"] / r["frames"] for r in group)
    detect = rows.get(("detect", "-"))
    for (setup, settings), row in rows.items():
        if detect is not None:
            row["per_worker_vs_detect"] = row["frames_per_s"] / row["workers"] / detect["frames_per_s"]
        one = rows.get(("local-1", settings))
        if one is None or setup == "detect":
            continue
        row["efficiency"] = row["frames_per_s"] / (row["workers"] * one["frames_per_s"])
        by_round = {r["round"]: r["frames_per_s"] for r in one["runs"]}
        paired = [
            r["frames_per_s"] / (row["workers"] * by_round[r["round"]]) for r in row["runs"] if r["round"] in by_round
        ]
        row["efficiency_low"], row["efficiency_high"] = min(paired), max(paired)
        # On N free cores: 1 worker has the client and scheduler on a core of its own, N workers share theirs.
        row["cpu_bound_efficiency"] = one["cpu_ms"] / (row["cpu_ms"] + row["overhead_ms"])
    return list(rows.values())


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'setup':<12}{'settings':>9}{'workers':>8}{'frames':>7}{'frames/s':>9}{'(low-high)':>13}{'vs detect':>10}"
        f"{'efficiency':>11}{'per round':>11}{'start s':>8}{'CPU ms/frame':>13}{'+client/sched':>14}{'CPU-bound':>10}"
    ]
    for row in rows:
        versus = f"{row['per_worker_vs_detect']:.2f}" if "per_worker_vs_detect" in row else "-"
        efficiency = f"{row['efficiency']:.2f}" if "efficiency" in row else "-"
        per_round = f"{row['efficiency_low']:.2f}-{row['efficiency_high']:.2f}" if "efficiency_low" in row else "-"
        overhead = f"{row['overhead_ms']:.1f}" if "overhead_ms" in row else "-"
        bound = f"{row['cpu_bound_efficiency']:.2f}" if "cpu_bound_efficiency" in row else "-"
        spread = f"({row['low']:.1f}-{row['high']:.1f})"
        lines.append(
            f"{row['setup']:<12}{row['settings']:>9}{row['workers']:>8}{row['frames']:>7}{row['frames_per_s']:>9.1f}"
            f"{spread:>13}{versus:>10}{efficiency:>11}{per_round:>11}{row['start_s']:>8.1f}{row['cpu_ms']:>13.1f}"
            f"{overhead:>14}{bound:>10}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", nargs="+", type=Path, default=VIDEOS, help="the runs' videos")
    parser.add_argument("--chunk-frames", type=int, default=64, help="frames per chunk (default 64: 10 chunks)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds: each setup once per round (default 3)")
    parser.add_argument(
        "--settings", nargs="+", choices=("defaults", "batch"), default=["defaults", "batch"], help="Dask's settings"
    )
    parser.add_argument("--setups", nargs="+", choices=("detect", *SETUPS), default=["detect", *SETUPS])
    parser.add_argument("--json", type=Path, help="also write every run and the summary as JSON here")
    args = parser.parse_args()
    if args.repeats < 1 or args.chunk_frames < 1:
        parser.error("--repeats and --chunk-frames must be whole numbers >= 1")
    before = load()
    print(f"load average before: {before} (cores: {os.cpu_count()})", flush=True)
    with tempfile.TemporaryDirectory(prefix="batch-scaling-") as temporary:
        runs = measure(args, Path(temporary))
    after = load()
    rows = summary(runs)
    print(f"load average after: {after}")
    print(table(rows))
    if args.json:
        for row in rows:
            row.pop("runs")
        document = {"load_before": before, "load_after": after, "runs": runs, "rows": rows}
        args.json.write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
