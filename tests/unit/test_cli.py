"""The `pyposenet` command line (pyposenet/cli.py): detect, models, serve.

Most tests call `main([...])` in-process; one runs the installed console script in a subprocess.
Models come from ../shared/models (never downloaded: --no-download, and a tmp cache).
"""

import functools
import http.server
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from pyposenet import cli

NOSE = (448.75, 255.87)  # starter.png, single pose: @tensorflow-models/posenet 2.2.2 and ml5's own test
MODEL_075 = "savedmodel/posenet/mobilenet/float/075"
MODEL_050 = "savedmodel/posenet/mobilenet/float/050"


@pytest.fixture
def images(testdata_dir) -> Path:
    return testdata_dir / "images"


@pytest.fixture
def video(testdata_dir) -> Path:
    return testdata_dir / "video" / "pose_1.mp4"


@pytest.fixture
def model_args(models_dir, tmp_path) -> list[str]:
    """Use the shared models only: nothing downloaded, an empty cache."""
    return ["--models", str(models_dir), "--cache", str(tmp_path / "cache"), "--no-download"]


def run_main(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def nose_of(entry_poses) -> tuple[float, float]:
    nose = entry_poses[0]["pose"]["nose"]
    return nose["x"], nose["y"]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- help --------------------------------------------------------------------------------------------


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "detect", "models"):
        assert command in out
    assert cli.main([]) == 2  # no command: the help, on stderr
    assert "COMMAND" in capsys.readouterr().err


def test_detect_help_documents_output_and_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["detect", "--help"])
    out = capsys.readouterr().out
    for text in (
        "--multi",
        "--json FILE",
        "--draw DIR",
        "--max-frames",
        "--every",
        "--min-confidence",
        "--max-poses",
        "--score-threshold",
        "--nms-radius",
        "--flip-horizontal",
        "--input-resolution",
        "--multiplier",
        "Exit status",
        '"frames"',
    ):
        assert text in out


# -- detect ------------------------------------------------------------------------------------------


def test_detect_image_gives_the_reference_nose_on_stdout(capsys, images, model_args):
    code, out, err = run_main(capsys, "detect", images / "starter.png", *model_args)
    assert code == 0
    entries = json.loads(out)  # stdout is nothing but the JSON
    assert len(entries) == 1
    entry = entries[0]
    assert entry["file"] == str(images / "starter.png")
    assert (entry["width"], entry["height"]) == (756, 564)
    assert len(entry["poses"]) == 1
    x, y = nose_of(entry["poses"])
    assert abs(x - NOSE[0]) <= 0.5 and abs(y - NOSE[1]) <= 0.5
    result = entry["poses"][0]  # ml5's shape
    assert set(result) == {"pose", "skeleton"}
    assert len(result["pose"]["keypoints"]) == 17 and result["pose"]["keypoints"][0]["part"] == "nose"
    assert "%|" not in err  # one item: no progress bar


def test_detect_multi_finds_several_people_and_writes_the_json_file(capsys, images, model_args, tmp_path):
    target = tmp_path / "out" / "poses.json"
    code, out, err = run_main(
        capsys, "detect", images / "three_people.jpg", "--multi", "--json", target, "--max-poses", 4, *model_args
    )
    assert code == 0 and out == ""
    [entry] = json.loads(target.read_text())
    assert (entry["width"], entry["height"]) == (1049, 861)
    assert 2 <= len(entry["poses"]) <= 4
    assert str(target) in err  # the summary says where the results went


def test_detect_options_reach_the_net(capsys, images, model_args):
    code, out, _ = run_main(
        capsys,
        "detect",
        images / "starter.png",
        "--flip-horizontal",
        "--min-confidence",
        1,
        "--option",
        "inputResolution=257",
        *model_args,
    )
    assert code == 0
    [entry] = json.loads(out)
    x, y = nose_of(entry["poses"])
    assert abs(x - (756 - 1 - NOSE[0])) <= 0.5 and abs(y - NOSE[1]) <= 0.5  # mirrored
    assert entry["poses"][0]["skeleton"] == []  # no keypoint pair scores >= 1


def test_detect_video_writes_one_entry_per_frame(capsys, video, model_args, tmp_path):
    target = tmp_path / "video.json"
    code, out, err = run_main(capsys, "detect", video, "--max-frames", 5, "--every", 2, "--json", target, *model_args)
    assert code == 0 and out == ""
    [entry] = json.loads(target.read_text())
    assert entry["file"] == str(video)
    assert entry["fps"] == 30.0 and (entry["width"], entry["height"]) == (576, 576)
    frames = entry["frames"]
    assert [f["index"] for f in frames] == [0, 2, 4, 6, 8]
    assert all(math.isclose(f["time"], f["index"] / 30, abs_tol=1e-3) for f in frames)
    assert all(len(f["poses"]) == 1 and f["poses"][0]["pose"]["score"] > 0.3 for f in frames)
    assert "5/5" in err  # the progress bar, on stderr


def test_detect_video_tracking_gives_ids(capsys, video, model_args):
    code, out, _ = run_main(
        capsys, "detect", video, "--max-frames", 3, "--multi", "--tracking", "--quiet", "--indent", 0, *model_args
    )
    assert code == 0 and "\n" not in out.strip()
    [entry] = json.loads(out)
    ids = [p["id"] for f in entry["frames"] for p in f["poses"]]
    assert ids and len(set(ids)) == 1  # one dancer, one id across frames


def test_detect_video_smoothing_follows_the_videos_clock_so_reruns_agree(capsys, video, model_args):
    runs = []
    for _ in range(2):
        code, out, _ = run_main(capsys, "detect", video, "--max-frames", 4, "--smoothing", "--quiet", *model_args)
        assert code == 0
        runs.append(json.loads(out))
    assert runs[0] == runs[1]  # by the wall clock, the filters' time steps (and so the keypoints) would differ
    code, out, _ = run_main(capsys, "detect", video, "--max-frames", 4, "--quiet", *model_args)
    raw = json.loads(out)
    assert nose_of(raw[0]["frames"][3]["poses"]) != nose_of(runs[0][0]["frames"][3]["poses"])  # it did smooth


def red(pixel) -> bool:
    r, g, b = pixel[:3]
    return r >= 200 and g <= 80 and b <= 80


def test_draw_marks_the_nose_red(capsys, images, model_args, tmp_path):
    drawn = tmp_path / "drawn"
    code, out, _ = run_main(capsys, "detect", images / "starter.png", "--draw", drawn, *model_args)
    assert code == 0
    x, y = nose_of(json.loads(out)[0]["poses"])
    with Image.open(drawn / "starter.png") as image:
        assert image.size == (756, 564)
        assert image.getpixel((round(x), round(y))) == (255, 0, 0)
        assert not red(image.getpixel((5, 5)))  # the rest of the picture is the picture


def test_draw_video_frames_as_png_and_mp4(capsys, video, model_args, tmp_path):
    import av

    drawn = tmp_path / "drawn"
    code, out, _ = run_main(
        capsys, "detect", video, "--max-frames", 3, "--draw", drawn, "--draw-video", "png", "--quiet", *model_args
    )
    assert code == 0
    frames = json.loads(out)[0]["frames"]
    files = sorted((drawn / "pose_1").glob("*.png"))
    assert [f.name for f in files] == ["frame_000000.png", "frame_000001.png", "frame_000002.png"]
    for frame, file in zip(frames, files, strict=True):
        x, y = nose_of(frame["poses"])
        with Image.open(file) as image:
            assert image.getpixel((round(x), round(y))) == (255, 0, 0)

    code, out, _ = run_main(capsys, "detect", video, "--max-frames", 3, "--draw", drawn, "--quiet", *model_args)
    assert code == 0
    x, y = nose_of(json.loads(out)[0]["frames"][0]["poses"])
    with av.open(str(drawn / "pose_1.mp4")) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == 3 and decoded[0].shape == (576, 576, 3)
    assert red(decoded[0][round(y), round(x)])  # H.264 is lossy: red, not exactly (255, 0, 0)


def test_bad_inputs_are_named_with_what_is_allowed_and_exit_2(capsys, images, model_args, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes((images / "starter.png").read_bytes()[:2000])
    missing = tmp_path / "missing.png"
    target = tmp_path / "earlier.json"
    target.write_text("[]\n")
    code, out, err = run_main(capsys, "detect", missing, text, corrupt, "--json", target, *model_args)
    assert code == 2
    assert out == ""
    assert target.read_text() == "[]\n"  # nothing done: an earlier result is not overwritten
    assert f"{missing}: no such file" in err
    assert f"{text}: unsupported file type '.txt'; allowed: images (.png, .jpg" in err
    assert ".mp4" in err
    assert f"{corrupt}: cannot read the image" in err
    assert "3 of 3 inputs failed" in err


def test_some_bad_inputs_the_rest_is_processed_and_exit_1(capsys, images, model_args, tmp_path):
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\x00" * 100)
    code, out, err = run_main(capsys, "detect", garbage, images / "starter.png", tmp_path / "gone.mp4", *model_args)
    assert code == 1
    entries = json.loads(out)
    assert [e["file"] for e in entries] == [str(garbage), str(images / "starter.png"), str(tmp_path / "gone.mp4")]
    assert "not an image Pillow can read" in entries[0]["error"] and "allowed:" in entries[0]["error"]
    assert "error" not in entries[1] and abs(nose_of(entries[1]["poses"])[0] - NOSE[0]) <= 0.5
    assert entries[2]["error"].endswith("no such file")
    assert "2 of 3 inputs failed" in err


def test_bad_options_are_usage_errors(capsys, images, model_args):
    for argv, message in (
        (["--multiplier", "0.6"], "poseNet option 'multiplier': got 0.6; allowed: 0.5, 0.75, 1.0"),
        (["--option", "nmsRadiuss=3"], "did you mean 'nmsRadius'?"),
        (["--max-frames", "0"], "expected a whole number >= 1"),
        (["--input-resolution", "big"], "WIDTHxHEIGHT"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--json", str(images)], "is a directory"),
        (["--draw", str(images / "starter.png")], "not a directory"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["detect", str(images / "starter.png"), *argv, *model_args])
        assert exit_info.value.code == 2, argv
        err = capsys.readouterr().err
        assert message in err and "pyposenet detect" in err, (argv, err)


def detect_args(*argv) -> dict:
    """The poseNet options `pyposenet detect` passes for these flags (argparse only: no model is run)."""
    return cli.detect_options(cli.build_parser().parse_args(["detect", "x.png", *argv]))


def test_detect_flags_read_option_text_as_the_http_api_does():
    assert detect_args(
        "--input-resolution",
        "353x257",
        "--output-stride",
        "8.0",
        "--max-poses",
        "3",
        "--nms-radius",
        "12.5",
        "--multiplier",
        "1",
        "--min-confidence",
        "0.25",
    ) == {
        "inputResolution": {"width": 353, "height": 257},
        "outputStride": 8,
        "maxPoseDetections": 3,
        "nmsRadius": 12.5,
        "multiplier": 1,
        "minConfidence": 0.25,
    }
    assert detect_args(
        "--option",
        "flipHorizontal=yes",
        "--option",
        "inputResolution=353x257",
        "--option",
        'smoothing={"beta": 0.05}',
        "--option",
        "architecture=ResNet50",
        "--option",
        "inputResolution= 257",
    ) == {"flipHorizontal": True, "inputResolution": 257, "smoothing": {"beta": 0.05}, "architecture": "ResNet50"}


def test_option_text_errors_name_the_option_and_what_is_allowed(capsys):
    for argv, message in (
        (
            ["--nms-radius", "far"],
            "argument --nms-radius: poseNet option 'nmsRadius': got 'far'; allowed: a number >= 0",
        ),
        (["--max-poses", "all"], "poseNet option 'maxPoseDetections': got 'all'; allowed: an integer >= 1"),
        (["--output-stride", "x"], "poseNet option 'outputStride': got 'x'; allowed: 8, 16, 32"),
        (["--option", "flipHorizontal=maybe"], "poseNet option 'flipHorizontal': got 'maybe'; allowed: true or false"),
        (["--option", "inputResolution=big"], "WIDTHxHEIGHT like 353x257"),
        (["--option", "nmsRadius"], "expected NAME=VALUE"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            cli.build_parser().parse_args(["detect", "x.png", *argv])
        assert exit_info.value.code == 2, argv
        err = capsys.readouterr().err
        assert message in err and "pyposenet detect" in err, (argv, err)


def blas_threads() -> list[int]:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


@pytest.mark.parametrize("environment, expected", [(None, 1), ("3", None)])
def test_detect_runs_inference_with_one_blas_thread_unless_the_environment_says(
    capsys, monkeypatch, images, model_args, environment, expected
):
    from pyposenet._host.runtime import HostRuntime

    before = blas_threads()
    if environment is None:
        monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_NUM_THREADS", environment)  # read when detect starts, not at numpy's import
    seen = []
    infer = HostRuntime.infer

    def watched(self, model, image):
        seen.append(blas_threads())
        return infer(self, model, image)

    monkeypatch.setattr(HostRuntime, "infer", watched)
    code, _, _ = run_main(capsys, "detect", images / "starter.png", *model_args)
    assert code == 0
    assert seen == [[expected] * len(before) if expected else before]
    assert blas_threads() == before  # restored after the run
    assert ("OPENBLAS_NUM_THREADS" in os.environ) == (environment is not None)  # detect sets no variable


def test_an_interrupt_keeps_what_was_done(capsys, monkeypatch, images, video, model_args, tmp_path):
    frames = []

    def draw_then_interrupt(image, results, min_score):
        frames.append(results)
        if len(frames) == 3:  # Ctrl-C during the video's third frame
            raise KeyboardInterrupt
        return image

    monkeypatch.setattr("pyposenet._host.draw.draw_poses", draw_then_interrupt)
    target = tmp_path / "partial.json"
    code, out, err = run_main(
        capsys,
        "detect",
        images / "starter.png",
        video,
        images / "runner.jpg",
        "--json",
        target,
        "--draw",
        tmp_path / "drawn",
        "--draw-video",
        "png",
        *model_args,
    )
    assert code == 130 and out == ""
    entries = json.loads(target.read_text())
    assert [e["file"] for e in entries] == [str(images / "starter.png"), str(video)]  # runner.jpg never reached
    assert "poses" in entries[0] and len(entries[1]["frames"]) == 2 and entries[1]["interrupted"] is True
    assert "interrupted after 3 images and frames" in err


def test_a_missing_model_is_reported(capsys, images, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run_main(
        capsys, "detect", images / "starter.png", "--models", empty, "--cache", tmp_path / "cache", "--no-download"
    )
    assert code == 1 and out == ""
    assert "cannot load the PoseNet model" in err and "model-stride16.json" in err and "downloads disabled" in err


def test_console_script_in_a_subprocess(images, models_dir, tmp_path):
    script = Path(sys.executable).parent / "pyposenet"
    if not script.exists():
        pytest.skip(f"the console script is not installed at {script} (pip install -e '.[dev]')")
    env = {**os.environ, "PYPOSENET_MODELS": str(models_dir), "PYPOSENET_CACHE": str(tmp_path / "cache")}
    done = subprocess.run(
        [str(script), "detect", str(images / "starter.png"), "--no-download", "--indent", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    x, y = nose_of(json.loads(done.stdout)[0]["poses"])
    assert abs(x - NOSE[0]) <= 0.5 and abs(y - NOSE[1]) <= 0.5
    assert "1 of 1 inputs done" in done.stderr


# -- models ------------------------------------------------------------------------------------------


def test_models_list_shows_the_shared_models(capsys, models_dir, tmp_path):
    code, out, _ = run_main(capsys, "models", "--models", models_dir, "--cache", tmp_path / "cache")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith(("mobilenet", "resnet"))}
    assert len(rows) == 27
    assert rows["mobilenet-float-075-stride16"][:2] == ["present", "-"]
    assert rows["mobilenet-float-050-stride16"][:2] == ["present", "-"]
    assert rows["mobilenet-quant2-075-stride16"][:2] == ["-", "-"]
    assert "2 of 27 variants in the models directory, 0 in the cache" in out
    assert "extra/human-posenet-385/posenet.json" in out


def test_models_verify_ok_on_the_shared_models(capsys, models_dir, tmp_path):
    code, out, _ = run_main(capsys, "models", "verify", "--models", models_dir, "--cache", tmp_path / "cache")
    assert code == 0
    ok = [line for line in out.splitlines() if line.startswith("OK")]
    assert any("mobilenet-float-075-stride16" in line and "5,032,780 bytes" in line for line in ok)
    assert any("mobilenet-float-050-stride16" in line and "2,309,836 bytes" in line for line in ok)
    assert "FAIL" not in out.replace("0 FAIL", "")


def copy_model(models_dir, root, folder=MODEL_075) -> Path:
    target = root / folder
    shutil.copytree(models_dir / folder, target)
    return target


@pytest.mark.parametrize("shard", ["group1-shard2of2.bin", "group1-shard1of2.bin"])
def test_models_verify_names_a_truncated_shard(capsys, models_dir, tmp_path, shard):
    folder = copy_model(models_dir, tmp_path / "models")
    data = (folder / shard).read_bytes()
    (folder / shard).write_bytes(data[:-1000])
    code, out, _ = run_main(capsys, "models", "--models", tmp_path / "models", "--cache", tmp_path / "cache", "verify")
    assert code == 1
    [fail] = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert "mobilenet-float-075-stride16" in fail
    assert f"shard {shard} is truncated: {len(data) - 1000:,} bytes, expected {len(data):,}" in fail
    assert "0 OK, 1 FAIL" in out


def test_models_verify_missing_shard_and_broken_json(capsys, models_dir, tmp_path):
    folder = copy_model(models_dir, tmp_path / "models")
    (folder / "group1-shard1of2.bin").unlink()
    broken = copy_model(models_dir, tmp_path / "cache", MODEL_050)
    (broken / "model-stride16.json").write_text('{"weightsManifest": [')
    code, out, _ = run_main(capsys, "models", "verify", "--models", tmp_path / "models", "--cache", tmp_path / "cache")
    assert code == 1
    assert "shard group1-shard1of2.bin is missing" in out
    assert "model-stride16.json does not parse" in out
    code, out, _ = run_main(capsys, "models", "list", "--models", tmp_path / "models", "--cache", tmp_path / "cache")
    row = next(line for line in out.splitlines() if line.startswith("mobilenet-float-075-stride16"))
    assert row.split()[1:3] == ["damaged", "-"]


@pytest.fixture
def model_server(models_dir, tmp_path):
    """A local http.server on 127.0.0.1 serving a copy of the 0.50 model, laid out like the official root."""
    root = tmp_path / "served"
    copy_model(models_dir, root, MODEL_050)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_models_fetch_downloads_into_the_cache(capsys, models_dir, model_server, tmp_path):
    cache = tmp_path / "cache"
    code, out, err = run_main(
        capsys, "models", "fetch", "mobilenet-float-050-stride16", "--cache", cache, "--base-url", model_server
    )
    assert code == 0, err
    assert "OK    mobilenet-float-050-stride16  fetched into" in out
    for name in ("model-stride16.json", "group1-shard1of1.bin"):
        assert (cache / MODEL_050 / name).read_bytes() == (models_dir / MODEL_050 / name).read_bytes()
    assert "mobilenet-float-050-stride16" in err and "%|" in err  # the progress bar
    assert [p.name for p in cache.iterdir()] == ["savedmodel"]  # no leftovers

    code, out, _ = run_main(
        capsys,
        "models",
        "fetch",
        "mobilenet-float-050-stride16",
        "--cache",
        cache,
        "--base-url",
        model_server,
        "--quiet",
    )
    assert code == 0 and "already in the cache" in out
    code, out, _ = run_main(capsys, "models", "--cache", cache, "verify", "--models", models_dir)
    assert code == 0 and f"(cache: {cache / MODEL_050}" in out


def test_models_fetch_failures_name_the_url_and_the_cache(capsys, model_server, tmp_path):
    cache = tmp_path / "cache"
    code, _, err = run_main(
        capsys,
        "models",
        "fetch",
        "mobilenet-float-100-stride16",
        "--cache",
        cache,
        "--base-url",
        model_server,
        "--quiet",
    )
    assert code == 1
    url = model_server + "savedmodel/posenet/mobilenet/float/100/model-stride16.json"
    assert (
        f"could not download {url} to {cache / 'savedmodel/posenet/mobilenet/float/100/model-stride16.json'}" in err
        and "HTTP 404" in err
    )
    offline = f"http://127.0.0.1:{closed_port()}/tfjs-models/"
    code, _, err = run_main(
        capsys,
        "models",
        "fetch",
        "resnet50-quant2-stride16",
        "--cache",
        cache,
        "--base-url",
        offline,
        "--quiet",
        "--timeout",
        "5",
    )
    assert code == 1 and offline + "savedmodel/posenet/resnet50/quant2/model-stride16.json" in err
    assert str(cache) in err
    assert not (cache / "savedmodel/posenet/resnet50/quant2/model-stride16.json").exists()
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["models", "fetch", "mobilenet-float-10-stride16"])
    assert exit_info.value.code == 2 and "did you mean 'mobilenet-float-100-stride16'" in capsys.readouterr().err


# -- serve -------------------------------------------------------------------------------------------


@pytest.fixture
def fake_serve_run(monkeypatch):
    """pyposenet.server.serve.run, replaced: records the arguments `pyposenet serve` passes instead of serving."""
    from pyposenet.server import serve

    calls = []

    def fake_run(args):
        calls.append(vars(args).copy())
        return 0

    monkeypatch.setattr(serve, "run", fake_run)
    return calls


def serve_call(call: dict) -> dict:
    return {key: call[key] for key in ("sketch", "models", "host", "port", "production", "threads")}


def test_serve_passes_its_arguments_to_serve_run(fake_serve_run, models_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    sketch = tmp_path / "my_sketch.py"
    sketch.write_text("def setup():\n    pass\n")
    assert cli.main(["serve"]) == 0
    assert (
        cli.main(
            [
                "serve",
                str(sketch),
                "--models",
                str(models_dir),
                "--host",
                "0.0.0.0",
                "--port",
                "8001",
                "--production",
                "--threads",
                "2",
            ]
        )
        == 0
    )
    assert [serve_call(c) for c in fake_serve_run] == [
        {"sketch": None, "models": None, "host": "127.0.0.1", "port": 5000, "production": False, "threads": 8},
        {
            "sketch": sketch.resolve(),
            "models": str(models_dir),
            "host": "0.0.0.0",
            "port": 8001,
            "production": True,
            "threads": 2,
        },
    ]


def test_serve_takes_the_models_folder_from_the_environment(fake_serve_run, models_dir, monkeypatch):
    monkeypatch.setenv("PYPOSENET_MODELS", str(models_dir))
    assert cli.main(["serve"]) == 0
    assert fake_serve_run[0]["models"] == str(models_dir)


def test_serve_resolves_a_relative_sketch(fake_serve_run, tmp_path, monkeypatch):
    (tmp_path / "my_sketch.py").write_text("def setup():\n    pass\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["serve", "my_sketch.py"]) == 0
    assert fake_serve_run[0]["sketch"] == (tmp_path / "my_sketch.py").resolve()


def test_serve_checks_its_arguments(capsys, fake_serve_run, tmp_path, monkeypatch):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    (tmp_path / "notes.txt").write_text("not a sketch")
    for argv, message in (
        (["serve", str(tmp_path / "nope.py")], "does not exist"),
        (["serve", str(tmp_path / "notes.txt")], "is not a .py file"),
        (["serve", "--port", "http"], "invalid int value"),
        (["serve", "--threads", "0"], "--threads must be at least 1"),
        (["serve", "--models", str(tmp_path / "no-models")], "models folder"),
        (["serve", "--reload"], "unrecognized arguments: --reload"),
        (["serve", "a.py", "b.py"], "unrecognized arguments: b.py"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2, argv
        err = capsys.readouterr().err
        assert message in err, (argv, err)
        assert "pyposenet serve" in err  # the serve subcommand's usage, not the main one
    assert fake_serve_run == []
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0 and "beside the sketch" in out and "--production" in out


def test_serve_imports_the_server_only_when_serving():
    code = (
        "import sys; from pyposenet import cli; cli.build_parser(); "
        "print('flask' in sys.modules, 'pyposenet.server' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
