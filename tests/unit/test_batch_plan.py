"""`pyposenet batch` without a cluster: inputs, frame numbering and seeking, chunk names, chunk files, the
out folder's check (pyposenet/batch/inputs.py, video_frames.py, chunks.py, writer.py, manifest.py)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from pyposenet._host.video import VideoReader
from pyposenet.batch.chunks import chosen_frames, image_chunks, video_chunks
from pyposenet.batch.inputs import expand_inputs
from pyposenet.batch.manifest import RunMismatch, check_out_folder
from pyposenet.batch.run import extract
from pyposenet.batch.schema import COLUMNS, PoseRows
from pyposenet.batch.video_frames import read_frames, scan_video
from pyposenet.batch.worker import ChunkOutput
from pyposenet.batch.writer import ParquetChunkStore
from pyposenet.parts import PART_NAMES
from tests.support.batch import damaged_inputs, tiny_inputs

KEYFRAMES_VIDEO = "video/ball_lifting.mp4"  # keyframes at frames 0, 119 and 238


@pytest.fixture
def folder(tmp_path):
    tiny_inputs(tmp_path / "in")
    (tmp_path / "in" / "sub").mkdir()
    (tmp_path / "in" / "sub" / "readme.md").write_text("not an input\n")
    (tmp_path / "in" / ".hidden.jpg").write_text("skipped\n")
    return tmp_path / "in"


def test_folders_globs_and_list_files_give_each_file_once_in_order(folder, tmp_path):
    listing = tmp_path / "inputs.txt"
    listing.write_text("# the videos\nin/pose_1.mp4\n\nin/*.jpg\n")
    found = expand_inputs([str(folder / "runner.jpg"), str(listing), str(folder), f"{folder}/*.mp4"])
    names = [os.path.basename(f.path) for f in found.files]
    assert names == ["runner.jpg", "pose_1.mp4", "pose.jpg", "ball_lifting.mp4"]
    assert [f.kind for f in found.files] == ["image", "video", "image", "video"]
    assert found.failures == []
    assert expand_inputs([f"@{listing}"]).files == expand_inputs([str(listing)]).files


def test_inputs_that_give_nothing_are_named_with_the_reason(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "notes.csv").write_text("a,b\n")
    found = expand_inputs([str(tmp_path / "missing.mp4"), f"{tmp_path}/*.mkv", str(empty), str(tmp_path / "notes.csv")])
    assert found.files == []
    errors = [f.error for f in found.failures]
    assert "missing.mp4: no such file" in errors[0]
    assert "the pattern matches no files" in errors[1]
    assert "holds no image or video files" in errors[2] and ".mp4" in errors[2]
    assert "unsupported file type '.csv'" in errors[3] and "allowed:" in errors[3]


def test_the_scan_numbers_frames_as_detect_does(testdata_dir):
    path = str(testdata_dir / KEYFRAMES_VIDEO)
    scan = scan_video(path)
    with VideoReader(path) as video:
        assert (scan.fps, scan.width, scan.height) == (video.fps, video.width, video.height)
        expected = [(index, time) for index, time, _ in video.frames(every=59)]
    assert scan.frame_count == 333
    assert [(n, scan.time_of(n)) for n in range(0, 333, 59)] == expected


def test_a_seek_past_keyframes_gives_the_same_pixels_as_decoding_from_the_start(testdata_dir):
    path = str(testdata_dir / KEYFRAMES_VIDEO)
    scan = scan_video(path)
    ranges = [[117, 118, 119, 120], [120, 121, 237], [239, 240]]  # the last two start past keyframes 119 and 238
    wanted = sorted({n for numbers in ranges for n in numbers})
    assert scan.pts is not None
    seeked = []
    for numbers in ranges:
        got = list(read_frames(path, [(n, scan.pts[n]) for n in numbers], scan.fps, scan.time_base))
        assert [n for n, _, _ in got] == numbers
        seeked += got
    with VideoReader(path) as video:
        sequential = {i: (t, rgb) for i, t, rgb in video.frames(max_frames=241) if i in wanted}
    for number, time, rgb in seeked:
        assert time == sequential[number][0]
        assert np.array_equal(rgb, sequential[number][1]), f"frame {number} differs"


def test_damaged_videos_are_refused_with_their_name(tmp_path):
    damaged = damaged_inputs(tmp_path)
    with pytest.raises(ValueError, match="cut.mp4: not a video"):
        scan_video(damaged["cut_video"])


def test_chunks_cut_the_chosen_frames_and_their_names_follow_what_makes_their_rows(testdata_dir):
    assert list(chosen_frames(10, every=3)) == [0, 3, 6, 9]
    assert list(chosen_frames(10, every=3, max_frames=2)) == [0, 3]
    source = expand_inputs([str(testdata_dir / KEYFRAMES_VIDEO)]).files[0]
    scan = scan_video(source.path)
    chunks = video_chunks(source, scan, "run-a", every=10, max_frames=7, chunk_frames=3)
    assert [[n for n, _ in c.frames] for c in chunks] == [[0, 10, 20], [30, 40, 50], [60]]
    again = video_chunks(source, scan, "run-a", every=10, max_frames=7, chunk_frames=3)
    assert [c.name for c in chunks] == [c.name for c in again]
    longer = video_chunks(source, scan, "run-a", every=10, max_frames=9, chunk_frames=3)
    assert [c.name for c in longer[:2]] == [c.name for c in chunks[:2]]  # more frames: the full chunks are kept
    other_run = video_chunks(source, scan, "run-b", every=10, max_frames=7, chunk_frames=3)
    assert not {c.name for c in other_run} & {c.name for c in chunks}
    whole = video_chunks(source, scan, "run-a", every=10, chunk_frames=None)
    assert len(whole) == 1 and whole[0].size == 34
    images = expand_inputs([str(testdata_dir / "images")]).files
    groups = image_chunks(images, "run-a", chunk_images=4)
    assert [g.size for g in groups] == [4, 2]


def one_chunk(testdata_dir, run_key="run-a"):
    source = expand_inputs([str(testdata_dir / "images" / "runner.jpg")]).files[0]
    return image_chunks([source], run_key)[0]


def output_for(chunk, rows=1):
    table = PoseRows()
    keypoint = {"x": 1.0, "y": 2.0, "confidence": 0.5}
    for _ in range(rows):
        table.add(chunk.files[0], 0, None, [{"pose": {"score": 0.9, **dict.fromkeys(PART_NAMES, keypoint)}}])
    summary = {"name": chunk.name, "files": chunk.files, "frames": 1, "rows": rows, "failures": []}
    return ChunkOutput(table.table(), summary)


def test_chunk_files_are_found_again_and_damaged_or_half_written_ones_are_cleared(testdata_dir, tmp_path):
    chunk = one_chunk(testdata_dir)
    store = ParquetChunkStore(tmp_path).open()
    assert store.finished(chunk) is None
    path = store.write(chunk, output_for(chunk, rows=2))
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left beside it
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    assert pq.read_table(path).column_names == list(COLUMNS)
    assert ParquetChunkStore(tmp_path).open().finished(chunk)["rows"] == 2
    (path.parent / f".{path.name}.1234.tmp").write_bytes(b"half")
    path.write_bytes(path.read_bytes()[:-20])  # cut off: the footer is gone
    reopened = ParquetChunkStore(tmp_path).open()
    assert reopened.finished(chunk) is None
    assert reopened.damaged == [path.name]
    assert list(path.parent.iterdir()) == []


def test_files_replaced_by_a_new_plan_for_the_same_input_are_dropped(testdata_dir, tmp_path):
    old, new = one_chunk(testdata_dir, "run-a"), one_chunk(testdata_dir, "run-b")
    store = ParquetChunkStore(tmp_path).open()
    store.write(old, output_for(old))
    assert store.drop_superseded([new]) == [old.name]
    assert store.finished(old) is None and not store.path(old).exists()


def test_an_out_folder_of_another_run_is_refused_naming_what_changed(tmp_path):
    model = {"file": "m.json", "options": {"multiplier": 0.5, "nmsRadius": 20}, "multi": False}
    check_out_folder(tmp_path / "new", "key-a", model)  # nothing there yet: fine
    (tmp_path / "manifest.json").write_text(json.dumps({"run_key": "key-a", "model": model, "multi": False}))
    check_out_folder(tmp_path, "key-a", model)
    other = {**model, "options": {"multiplier": 0.75, "nmsRadius": 20}}
    with pytest.raises(RunMismatch, match=r"other options \(changed: multiplier\)"):
        check_out_folder(tmp_path, "key-b", other)
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunMismatch, match="is a file"):
        check_out_folder(tmp_path / "file", "key-a", model)


def test_extract_with_no_usable_input_names_each_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"no input could be used: .*missing\.mp4: no such file"):
        extract([str(tmp_path / "missing.mp4")], tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()
