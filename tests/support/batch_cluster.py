"""A Dask cluster of separate processes on loopback, as two machines would run it, and a worker that dies.

`ProcessCluster` starts `dask scheduler` and N `dask worker` processes (each: one process, one thread, no
nanny: a killed worker stays dead, so the other must finish its work) from the checkout, so the workers
import this checkout's pyposenet. Each runs in its own session and is SIGKILLed at the end (a graceful close
of a worker takes up to 8 s). `KillWorkerOnce` is a Dask worker plugin that SIGKILLs the worker process the moment
it starts its `after`-th chunk task: once across the cluster (an O_EXCL marker file decides which worker).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from tests.conftest import REPO_ROOT

CHUNK_KEY_PREFIX = "pyposenet-chunk-"
START_TIMEOUT_S = 60.0


class ProcessCluster:
    """`dask scheduler` + `dask worker` processes; use as a context manager. `address`: the scheduler's."""

    def __init__(self, folder: Path, workers: int = 2):
        self.folder = folder
        self.workers = workers
        self.processes: list[subprocess.Popen] = []
        self.address = ""

    def __enter__(self) -> ProcessCluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        scheduler_file = self.folder / "scheduler.json"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
        dask = [sys.executable, "-m", "dask"]
        try:
            self._start(
                [*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
                + ["--dashboard-address", "127.0.0.1:0"]
                + ["--scheduler-file", str(scheduler_file)],
                env,
                "scheduler",
            )
            self.address = _wait_for_address(scheduler_file, self.processes[0])
            for number in range(self.workers):
                self._start(
                    [*dask, "worker", self.address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1"]
                    + ["--name", f"worker-{number}", "--local-directory", str(self.folder / f"worker-{number}")],
                    env,
                    f"worker-{number}",
                )
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self, command: list[str], env: dict[str, str], name: str) -> None:
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process, in __exit__
        self.processes.append(
            subprocess.Popen(
                command, env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):  # workers first, then the scheduler
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: the process and any child of it
        for process in self.processes:
            process.wait()


def _wait_for_address(scheduler_file: Path, scheduler: subprocess.Popen) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if scheduler.poll() is not None:
            raise RuntimeError(f"dask scheduler exited with status {scheduler.returncode}")
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    raise RuntimeError(f"dask scheduler wrote no {scheduler_file} in {START_TIMEOUT_S:.0f} s")


class KillWorkerOnce(WorkerPlugin):
    """SIGKILL this worker's process as it starts its `after`-th chunk, if no worker has been killed yet.

    The marker file records the killed process's pid and the task it was starting."""

    name = "pyposenet-test-kill-worker-once"

    def __init__(self, marker: str, after: int = 2):
        self.marker = marker
        self.after = after
        self.started = 0

    def setup(self, worker) -> None:
        self.started = 0

    def transition(self, key, start: str, finish: str, **kwargs) -> None:
        if finish != "executing" or not str(key).startswith(CHUNK_KEY_PREFIX):
            return
        self.started += 1
        if self.started < self.after:
            return
        try:
            marker = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(marker, f"{os.getpid()} {key}\n".encode())
        os.close(marker)
        os.kill(os.getpid(), signal.SIGKILL)
