"""`pyposenet detect` fuzzed: a damaged image and a damaged video among good ones. Each damaged file that yields
nothing is named (in its JSON entry and on stderr), the good files' results are those of a clean run, and the
exit status is the documented one (0 all done, 1 some failed)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from PIL import Image

from pyposenet._host.detect import EXIT_OK, EXIT_SOME_FAILED, DetectJob, run_detect
from pyposenet._host.video import Mp4Writer, VideoReader
from tests.support.fuzz import examples, mutated

FRAMES = 3


@pytest.fixture(scope="module")
def good_files(tmp_path_factory, testdata_dir) -> dict[str, Path]:
    """A small image and a 3-frame 96x72 video made from the shared test data."""
    folder = tmp_path_factory.mktemp("good")
    with Image.open(testdata_dir / "images" / "starter.png") as image:
        image.convert("RGB").resize((96, 72)).save(folder / "person.png")
    with VideoReader(testdata_dir / "video" / "pose_1.mp4") as video, Mp4Writer(folder / "clip.mp4", 15, 96, 72) as out:
        for _, _, rgb in video.frames(max_frames=FRAMES):
            out.write(np.asarray(Image.fromarray(rgb).resize((96, 72))))
    return {"image": folder / "person.png", "video": folder / "clip.mp4"}


def detect(paths: list[Path], models_dir: Path, cache: Path, out: Path) -> tuple[int, list[dict], str]:
    job = DetectJob(
        inputs=[str(p) for p in paths],
        json_path=str(out),
        progress=False,
        models_dir=models_dir,
        cache_dir=cache,
        download=False,
        max_frames=FRAMES,
    )
    stderr = io.StringIO()
    status = run_detect(job, stdout=io.StringIO(), stderr=stderr)
    entries = json.loads(out.read_text()) if out.exists() else []
    return status, entries, stderr.getvalue()


@pytest.fixture(scope="module")
def clean_run(good_files, models_dir, tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("clean")
    status, entries, _ = detect(list(good_files.values()), models_dir, folder / "cache", folder / "out.json")
    assert status == EXIT_OK
    return {Path(e["file"]).name: e for e in entries}


@given(data=st.data())
@examples(12)
def test_damaged_files_are_named_and_the_good_ones_unchanged(good_files, clean_run, models_dir, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    damaged = {
        "bad.png": data.draw(mutated(good_files["image"].read_bytes()), label="image"),
        "bad.mp4": data.draw(mutated(good_files["video"].read_bytes()), label="video"),
    }
    for name, content in damaged.items():
        (folder / name).write_bytes(content)
    inputs = [good_files["image"], folder / "bad.png", good_files["video"], folder / "bad.mp4"]
    status, entries, stderr = detect(inputs, models_dir, folder / "cache", folder / "out.json")

    by_name = {Path(e["file"]).name: e for e in entries}
    for name in ("person.png", "clip.mp4"):
        assert by_name[name] == clean_run[name]
    failed = [name for name in damaged if "error" in by_name[name]]
    for name in failed:
        path = str(folder / name)
        assert by_name[name]["error"].startswith(f"{path}: "), by_name[name]
        assert path in stderr
    event(f"{len(failed)} of 2 damaged files failed")
    assert status == (EXIT_SOME_FAILED if failed else EXIT_OK), (status, stderr)
    for name in set(damaged) - set(failed):  # still readable: results (possibly of other pixels), not an error
        assert "poses" in by_name[name] or "frames" in by_name[name]
