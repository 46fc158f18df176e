"""`pyposenet batch --model blazepose` (BlazePose full under CPython, the `blazepose` extra): the dataset holds what
`pyposenet detect --model blazepose` finds on the same frames, in BlazePose's own schema named in the manifest; a
rerun resumes; OUT made with one model refuses the other. Skipped where mediapipe is not installed (the refusal of
poseNet-only options needs no mediapipe). Inputs: three frames of one shared video in two chunks, one image."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from pyposenet import cli
from tests.conftest import TESTDATA_DIR
from tests.support.batch import dataset_rows, differences

needs_mediapipe = pytest.mark.skipif(
    importlib.util.find_spec("mediapipe") is None, reason="the `blazepose` extra (mediapipe) is not installed"
)
VIDEO = TESTDATA_DIR / "video" / "pose_1.mp4"
IMAGE = TESTDATA_DIR / "images" / "pose.jpg"
EVERY, MAX_FRAMES, CHUNK_FRAMES = 20, 3, 2


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One BlazePose run on a one-worker LocalCluster, and a rerun into the same OUT: (out, first, rerun)."""
    from distributed import Client

    from pyposenet.batch.cluster import local_cluster
    from pyposenet.batch.run import extract

    out = tmp_path_factory.mktemp("batch-blazepose") / "out"
    arguments: dict[str, Any] = {"every": EVERY, "max_frames": MAX_FRAMES, "chunk_frames": CHUNK_FRAMES}
    with local_cluster(1) as cluster, Client(cluster) as client:
        first = extract([str(VIDEO), str(IMAGE)], out, client=client, model="blazepose", **arguments)
        rerun = extract([str(VIDEO), str(IMAGE)], out, client=client, model="blazepose", **arguments)
    return out, first, rerun


def detect_rows(tmp_path: Path) -> list[dict[str, Any]]:
    """`pyposenet detect --model blazepose` on the same frames, flattened as the BlazePose schema says."""
    json_path = tmp_path / "detect.json"
    every, most = str(EVERY), str(MAX_FRAMES)
    arguments = ["detect", "--model", "blazepose", str(VIDEO), str(IMAGE), "--every", every, "--max-frames", most]
    assert cli.main([*arguments, "--json", str(json_path), "-q"]) == 0
    rows = []
    for entry in json.loads(json_path.read_text()):
        for frame in entry.get("frames") or [{"index": 0, "time": None, "poses": entry["poses"]}]:
            for place, pose in enumerate(frame["poses"]):
                row = {"file": entry["file"], "frame": frame["index"], "time": frame["time"], "pose": place}
                row["confidence"] = pose["confidence"]
                for point, point3d in zip(pose["keypoints"], pose["keypoints3D"], strict=True):
                    name = point["name"]
                    row.update(
                        {f"{name}_x": point["x"], f"{name}_y": point["y"], f"{name}_confidence": point["confidence"]}
                    )
                    row.update({f"{name}_x3d": point3d["x"], f"{name}_y3d": point3d["y"], f"{name}_z3d": point3d["z"]})
                rows.append(row)
    return sorted(rows, key=lambda r: (r["file"], r["frame"], r["pose"]))


@needs_mediapipe
def test_the_dataset_holds_what_detect_finds_on_the_same_frames(run, tmp_path):
    out, manifest, _ = run
    rows, reference = dataset_rows(out), detect_rows(tmp_path)
    assert len(reference) == MAX_FRAMES + 1  # a person in every frame and in the image
    assert differences(rows, reference) == []
    assert set(rows[0]) == set(manifest["dataset"]["columns"]) and len(rows[0]) == 5 + 33 * 6
    assert manifest["dataset"]["schema"] == "blazepose/1" and manifest["model"]["name"] == "blazepose"
    assert manifest["status"] == "complete" and manifest["counts"]["chunks_written"] == 2 + 1


@needs_mediapipe
def test_a_rerun_resumes_and_another_model_is_refused(run):
    from pyposenet.batch.manifest import RunMismatch
    from pyposenet.batch.run import extract

    out, first, rerun = run
    assert rerun["counts"]["chunks_skipped"] == first["counts"]["chunks_written"]
    assert rerun["counts"]["chunks_written"] == 0 and rerun["counts"]["frames"] == first["counts"]["frames"]
    with pytest.raises(RunMismatch, match="another model"):
        extract([str(IMAGE)], out)  # PoseNet into BlazePose's OUT: refused before any work


def test_posenet_options_are_refused_with_blazepose(tmp_path, capsys):
    arguments = ["batch", str(IMAGE), "--out", str(tmp_path / "out"), "--model", "blazepose", "--multiplier", "0.5"]
    with pytest.raises(SystemExit) as stopped:
        cli.main(arguments)
    assert stopped.value.code == 2
    assert "does not take the poseNet option multiplier" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
