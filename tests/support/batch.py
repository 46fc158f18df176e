"""Helpers for the `pyposenet batch` tests: tiny inputs, the dataset as rows, the same frames through `detect`.

The inputs are a few frames of the shared videos (`EVERY`, `MAX_FRAMES`: ball_lifting.mp4's chosen frames
straddle its keyframes at frames 119 and 238, so chunks after the first start with a seek) and two small
images; the model is MobileNetV1 0.50 from ../shared/models, never downloaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.conftest import MODELS_DIR, TESTDATA_DIR

VIDEOS = ("video/pose_1.mp4", "video/ball_lifting.mp4")
IMAGES = ("images/runner.jpg", "images/pose.jpg")
EVERY = 37  # ball_lifting: frames 0, 37, ... 222, 259: both sides of each keyframe
MAX_FRAMES = 8
CHUNK_FRAMES = 3
OPTIONS: dict[str, Any] = {"multiplier": 0.5}
#: Keypoints are float32 in the files and float64 in detect's JSON.
FLOAT32_TOLERANCE = 1e-3


def batch_arguments(tmp_path: Path) -> dict[str, Any]:
    """extract()'s keywords for the tiny run (models from ../shared, an empty cache, no download)."""
    return {
        "every": EVERY,
        "max_frames": MAX_FRAMES,
        "chunk_frames": CHUNK_FRAMES,
        "chunk_images": 1,
        "models_dir": MODELS_DIR,
        "cache_dir": tmp_path / "cache",
        "download": False,
        **OPTIONS,
    }


def cli_arguments(tmp_path: Path) -> list[str]:
    """The same run's flags for `pyposenet batch`."""
    return [
        "--every",
        str(EVERY),
        "--max-frames",
        str(MAX_FRAMES),
        "--chunk-frames",
        str(CHUNK_FRAMES),
        "--chunk-images",
        "1",
        "--multiplier",
        "0.5",
        "--models",
        str(MODELS_DIR),
        "--cache",
        str(tmp_path / "cache"),
        "--no-download",
        "--quiet",
    ]


def tiny_inputs(folder: Path) -> list[str]:
    """Copies of the two videos and two images in `folder` (as a folder's files, so a folder input finds them)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in (*VIDEOS, *IMAGES):
        target = folder / Path(name).name
        shutil.copyfile(TESTDATA_DIR / name, target)
        paths.append(str(target))
    return paths


def damaged_inputs(folder: Path) -> dict[str, str]:
    """A cut-off video, a cut-off JPEG and a text file named .jpg: name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {
        "cut_video": folder / "cut.mp4",
        "cut_image": folder / "cut.jpg",
        "text_image": folder / "notes.jpg",
    }
    made["cut_video"].write_bytes((TESTDATA_DIR / VIDEOS[0]).read_bytes()[:30_000])
    made["cut_image"].write_bytes((TESTDATA_DIR / IMAGES[1]).read_bytes()[:8_000])
    made["text_image"].write_text("not an image\n")
    return {name: str(path) for name, path in made.items()}


def dataset_rows(out: Path) -> list[dict[str, Any]]:
    """Every row of OUT/poses, sorted by (file, frame, pose): what pandas or DuckDB would read."""
    import pyarrow.dataset as ds  # type: ignore[import-untyped]  # pyarrow ships no type information

    rows = ds.dataset(out / "poses", format="parquet").to_table().to_pylist()
    return sorted(rows, key=lambda r: (r["file"], r["frame"], r["pose"]))


def chunk_files(out: Path) -> dict[str, int]:
    """Chunk file name -> its inode (a rewritten file gets a new one)."""
    return {p.name: p.stat().st_ino for p in sorted((out / "poses").glob("*.parquet"))}


def detect_entries(inputs: list[str], tmp_path: Path, multi: bool = False) -> list[dict[str, Any]]:
    """`pyposenet detect`'s JSON for the same inputs, frames and options (run in this process)."""
    from pyposenet._host.detect import DetectJob, run_detect

    json_path = tmp_path / "detect.json"
    job = DetectJob(
        inputs=list(inputs),
        multi=multi,
        options=dict(OPTIONS),
        every=EVERY,
        max_frames=MAX_FRAMES,
        json_path=str(json_path),
        progress=False,
        models_dir=MODELS_DIR,
        cache_dir=tmp_path / "cache",
        download=False,
    )
    status = run_detect(job)
    assert status == 0, f"detect failed with status {status}"
    return json.loads(json_path.read_text())


def detect_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """detect's entries flattened like the dataset: (file, frame, time, pose, score, part_x/y/score...)."""
    rows = []
    for entry in entries:
        frames = entry.get("frames") or [{"index": 0, "time": None, "poses": entry["poses"]}]
        for frame in frames:
            for place, result in enumerate(frame["poses"]):
                pose = result["pose"]
                row = {"file": entry["file"], "frame": frame["index"], "time": frame["time"], "pose": place}
                row["score"] = pose["score"]
                for keypoint in pose["keypoints"]:
                    part = keypoint["part"]
                    row.update(
                        {
                            f"{part}_x": pose[part]["x"],
                            f"{part}_y": pose[part]["y"],
                            f"{part}_score": pose[part]["confidence"],
                        }
                    )
                rows.append(row)
    return sorted(rows, key=lambda r: (r["file"], r["frame"], r["pose"]))


def differences(batch: list[dict[str, Any]], reference: list[dict[str, Any]]) -> list[str]:
    """Where the dataset's rows and detect's disagree (beyond float32 rounding); empty when they agree."""
    found = []
    if [(r["file"], r["frame"], r["pose"]) for r in batch] != [(r["file"], r["frame"], r["pose"]) for r in reference]:
        return ["the (file, frame, pose) rows differ"]
    for mine, theirs in zip(batch, reference, strict=True):
        for name, value in theirs.items():
            if isinstance(value, float):
                if abs(mine[name] - value) > FLOAT32_TOLERANCE:
                    found.append(f"{mine['file']} frame {mine['frame']} {name}: {mine[name]} != {value}")
            elif mine[name] != value:
                found.append(f"{mine['file']} frame {mine['frame']} {name}: {mine[name]!r} != {value!r}")
    return found
