"""`pyposenet batch --scheduler` on a `dask scheduler` with two separate `dask worker` processes on loopback
(a stand-in for two machines, shared by the module): the command's dataset equals `detect`'s, and a worker
killed mid-run (SIGKILL, by a worker plugin) loses nothing: Dask reruns its chunks on the other worker."""

from __future__ import annotations

import json
import signal
from contextlib import ExitStack

import dask
import pytest
from distributed import Client

from pyposenet import cli
from pyposenet.batch.cluster import QUIET_DASK, dask_environment
from pyposenet.batch.run import extract
from tests.support.batch import (
    batch_arguments,
    cli_arguments,
    dataset_rows,
    detect_entries,
    detect_rows,
    differences,
    tiny_inputs,
)
from tests.support.batch_cluster import KillWorkerOnce, ProcessCluster


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("batch-workers")


@pytest.fixture(scope="module")
def cluster(folder):
    """Started with the Dask settings docs/batch.md gives `dask scheduler` and `dask worker` on a real cluster."""
    with ExitStack() as stack:
        with pytest.MonkeyPatch.context() as patch:  # the processes take them as they start
            for name, value in dask_environment().items():
                patch.setenv(name, value)
            started = stack.enter_context(ProcessCluster(folder / "cluster", workers=2))
        client = stack.enter_context(Client(started.address))
        client.wait_for_workers(2, timeout=60)
        yield started


@pytest.fixture(scope="module")
def inputs(folder):
    return tiny_inputs(folder / "in")


@pytest.fixture(scope="module")
def command_run(cluster, folder, inputs):
    """`pyposenet batch --scheduler ADDRESS` on the inputs: the out folder."""
    out = folder / "out"
    status = cli.main(["batch", *inputs, "--out", str(out), "--scheduler", cluster.address, *cli_arguments(folder)])
    assert status == 0, cluster.log("scheduler")[-3000:]
    return out


def test_separate_worker_processes_give_what_detect_gives(command_run, inputs, folder):
    assert differences(dataset_rows(command_run), detect_rows(detect_entries(inputs, folder))) == []
    manifest = json.loads((command_run / "manifest.json").read_text())
    assert manifest["cluster"]["workers"] == 2 and manifest["status"] == "complete"


def test_the_dask_settings_given_as_environment_variables_reach_the_workers(cluster):
    with Client(cluster.address) as client:
        seen = client.run(lambda: {name: dask.config.get(name) for name in QUIET_DASK})
    assert list(seen.values()) == [QUIET_DASK, QUIET_DASK]


def test_a_worker_killed_mid_run_loses_nothing(cluster, command_run, folder, inputs):
    marker = folder / "killed.txt"
    out = folder / "out-killed"
    with Client(cluster.address) as client:
        client.register_plugin(KillWorkerOnce(str(marker), after=2))
        try:
            manifest = extract(inputs, out, client=client, **batch_arguments(folder))
        finally:
            client.unregister_worker_plugin(KillWorkerOnce.name)
    assert marker.is_file(), "no worker was killed: the test proved nothing"
    pid = int(marker.read_text().split()[0])
    killed = next(process for process in cluster.processes if process.pid == pid)  # one of the `dask worker`s
    assert killed.wait(timeout=10) == -signal.SIGKILL
    assert manifest["status"] == "complete" and manifest["failures"] == []
    assert manifest["counts"]["chunks_written"] == manifest["counts"]["chunks"]
    assert dataset_rows(out) == dataset_rows(command_run)
