"""`pyposenet batch` on a LocalCluster (two worker processes, shared by the module): the dataset equals
`pyposenet detect` on the same frames, a rerun resumes, damaged inputs are named, the command line runs its
own cluster. Inputs are tiny (tests/support/batch.py): 12 frames of two videos, two images."""

from __future__ import annotations

import json
import os
import shutil

import dask
import pytest
from distributed import Client

from pyposenet import cli
from pyposenet.batch.cluster import QUIET_DASK, local_cluster
from pyposenet.batch.manifest import RunMismatch
from pyposenet.batch.run import extract
from pyposenet.parts import PART_NAMES
from pyposenet.smoothing import OneEuroFilter
from tests.support.batch import (
    batch_arguments,
    chunk_files,
    cli_arguments,
    damaged_inputs,
    dataset_rows,
    detect_entries,
    detect_rows,
    differences,
    tiny_inputs,
)


@pytest.fixture(scope="module")
def client():
    with local_cluster(2) as cluster, Client(cluster) as connected:
        yield connected


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("batch")


@pytest.fixture(scope="module")
def inputs(folder):
    return tiny_inputs(folder / "in")


@pytest.fixture(scope="module")
def first_run(client, folder, inputs):
    """One clean run: (out folder, manifest)."""
    out = folder / "out"
    manifest = extract(inputs, out, client=client, **batch_arguments(folder))
    return out, manifest


def test_the_dataset_holds_what_detect_finds_on_the_same_frames(first_run, inputs, folder):
    out, manifest = first_run
    assert differences(dataset_rows(out), detect_rows(detect_entries(inputs, folder))) == []
    assert manifest["status"] == "complete" and manifest["failures"] == []
    counts = manifest["counts"]
    assert (counts["videos"], counts["images"], counts["frames"]) == (2, 2, 4 + 8 + 2)
    assert counts["chunks"] == counts["chunks_written"] == 2 + 3 + 2 and counts["chunks_skipped"] == 0
    frames = {entry["file"].rsplit("/", 1)[-1]: entry["frames"] for entry in manifest["files"]}
    assert frames == {"pose_1.mp4": 4, "ball_lifting.mp4": 8, "runner.jpg": 1, "pose.jpg": 1}
    assert json.loads((out / "manifest.json").read_text())["counts"] == counts
    assert manifest["versions"]["dask"] and manifest["model"]["options"]["multiplier"] == 0.5


def test_a_rerun_skips_finished_chunks_and_redoes_missing_and_damaged_ones(client, first_run, inputs, folder):
    out, _ = first_run
    resumed = folder / "resumed"
    shutil.copytree(out, resumed)
    before = chunk_files(resumed)
    removed, damaged, *kept = sorted(before)
    (resumed / "poses" / removed).unlink()
    damaged_path = resumed / "poses" / damaged
    damaged_path.write_bytes(damaged_path.read_bytes()[:100])
    (resumed / "poses" / f".{removed}.abc.tmp").write_bytes(b"left by a killed run")

    manifest = extract(inputs, resumed, client=client, **batch_arguments(folder))

    assert (manifest["counts"]["chunks_written"], manifest["counts"]["chunks_skipped"]) == (2, len(kept))
    after = chunk_files(resumed)
    assert sorted(after) == sorted(before)  # the same chunks, no stray temporary file
    assert all(after[name] == before[name] for name in kept)  # finished chunks were not rewritten
    assert dataset_rows(resumed) == dataset_rows(out)
    assert manifest["files"] == json.loads((out / "manifest.json").read_text())["files"]


def test_damaged_and_missing_inputs_are_named_and_the_rest_is_done(client, folder, inputs):
    damaged = damaged_inputs(folder / "damaged")
    missing = str(folder / "damaged" / "gone.mp4")
    out = folder / "with-damaged"
    manifest = extract([*damaged.values(), missing, inputs[2]], out, client=client, **batch_arguments(folder))
    errors = {failure["file"]: failure["error"] for failure in manifest["failures"]}
    assert set(errors) == {*damaged.values(), missing}
    assert "not a video" in errors[damaged["cut_video"]]
    assert "no such file" in errors[missing]
    assert manifest["status"] == "incomplete" and manifest["counts"]["failures"] == 4
    assert {row["file"] for row in dataset_rows(out)} == {inputs[2]}
    by_file = {entry["file"]: entry for entry in manifest["files"]}
    assert by_file[inputs[2]]["frames"] == 1 and "error" not in by_file[inputs[2]]
    assert by_file[damaged["cut_image"]]["frames"] == 0 and by_file[damaged["cut_image"]]["error"]


def test_tracking_keeps_a_video_in_one_chunk_and_gives_person_ids(client, folder, inputs):
    out = folder / "tracking"
    arguments = {**batch_arguments(folder), "max_frames": 4}
    manifest = extract([inputs[1]], out, client=client, multi=True, tracking=True, **arguments)
    assert manifest["counts"]["chunks"] == 1 and manifest["frames"]["chunk_frames"] is None
    rows = dataset_rows(out)
    assert rows and all(isinstance(row["person_id"], int) and row["person_id"] >= 1 for row in rows)
    assert {row["frame"] for row in rows} <= {0, 37, 74, 111}


def test_smoothing_follows_the_videos_own_frame_times_so_reruns_give_the_same_rows(client, folder, inputs):
    arguments = {**batch_arguments(folder), "every": 2, "max_frames": 5}  # frames 1/15 s apart: filters at work
    raw, *smoothed = (
        dataset_rows(out)
        for out, smoothing in ((folder / "raw", False), (folder / "smooth-1", True), (folder / "smooth-2", True))
        if extract([inputs[0]], out, client=client, smoothing=smoothing, **arguments)["status"] == "complete"
    )
    assert len(smoothed) == 2 and smoothed[0] == smoothed[1]
    assert [r["frame"] for r in raw] == [r["frame"] for r in smoothed[0]] == [0, 2, 4, 6, 8]
    filters = {column: OneEuroFilter() for part in PART_NAMES for column in (f"{part}_x", f"{part}_y")}
    for before, after in zip(raw, smoothed[0], strict=True):  # One-Euro over the dataset's own time column
        for column, one_euro in filters.items():
            assert after[column] == pytest.approx(one_euro.apply(before[column], before["time"]), abs=1e-3)
    assert any(abs(a["nose_x"] - b["nose_x"]) > 0.01 for a, b in zip(raw, smoothed[0], strict=True))


def test_the_local_cluster_has_dask_bookkeeping_turned_down_and_malloc_left_alone(client):
    def settings():
        return os.environ.get("MALLOC_TRIM_THRESHOLD_"), {name: dask.config.get(name) for name in QUIET_DASK}

    expected = (os.environ.get("MALLOC_TRIM_THRESHOLD_"), QUIET_DASK)  # Dask's nannies would set 65536
    assert list(client.run(settings).values()) == [expected, expected]


def test_another_model_into_the_same_out_folder_is_refused(first_run, inputs, folder):
    out, _ = first_run
    arguments = {**batch_arguments(folder), "multiplier": 0.75}
    with pytest.raises(RunMismatch, match="changed: multiplier"):
        extract(inputs, out, **arguments)  # refused before any cluster starts


def test_the_command_runs_its_own_local_cluster_on_folders(first_run, folder, capsys):
    out = folder / "cli"
    status = cli.main(["batch", str(folder / "in"), "--out", str(out), "--workers", "1", *cli_arguments(folder)])
    assert status == 0, capsys.readouterr().err
    assert dataset_rows(out) == dataset_rows(first_run[0])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cluster"]["local_workers"] == 1 and manifest["status"] == "complete"


def test_bad_arguments_are_usage_errors_naming_the_value(folder, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["batch", str(folder / "in"), "--out", str(folder / "x"), "--multiplier", "0.6"])
    assert exit_info.value.code == 2
    assert "multiplier" in capsys.readouterr().err
    status = cli.main(["batch", str(folder / "nothing-here.mp4"), "--out", str(folder / "x"), "--quiet"])
    assert status == 2 and "no such file" in capsys.readouterr().err
    status = cli.main(["batch", str(folder / "in"), "--out", str(folder / "x"), "--scheduler", "no-port", "--quiet"])
    assert status == 1 and "cannot reach the Dask scheduler at no-port" in capsys.readouterr().err
    assert not (folder / "x").exists()
