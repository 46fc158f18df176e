"""The `pyposenet` command: serve a sketch, detect poses in files, manage model files.

    pyposenet serve [SKETCH.py] [--models DIR] [--host H] [--port P] [--production]
    pyposenet detect IMAGE_OR_VIDEO... [--multi] [--json FILE] [--draw DIR] [poseNet options]
    pyposenet batch INPUTS... --out DIR [--scheduler tcp://HOST:PORT] [detect's flags]   (Dask, Parquet)
    pyposenet models [list | fetch VARIANT... | verify] [--models DIR] [--cache DIR]
    pyposenet convert quantize --bytes 2|1 | stride --stride 8|32 [--from VARIANT_OR_PATH] [--out DIR]
    pyposenet convert SOURCE --out DIR [--outputs ROLE=NAME,...]   (a TensorFlow SavedModel / frozen graph)

`main(argv)` returns the exit status (the console script exits with it). Nothing heavy is imported
until a subcommand needs it: `serve` imports pyposenet.server (Flask), `detect` the host
runtime (numpy, Pillow, PyAV, tqdm), `models` only the standard library (and tqdm for bars), `convert`
numpy (pyposenet/convert/), and TensorFlow + tensorflowjs for `convert SOURCE`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__

PROG = "pyposenet"

# `pyposenet detect` flags -> ml5 poseNet option names (see pyposenet/options.py and the README's table).
DETECT_OPTIONS = {
    "architecture": "architecture",
    "multiplier": "multiplier",
    "output_stride": "outputStride",
    "input_resolution": "inputResolution",
    "quant_bytes": "quantBytes",
    "model_url": "modelUrl",
    "flip_horizontal": "flipHorizontal",
    "flip_labels": "flipLabels",
    "min_confidence": "minConfidence",
    "max_poses": "maxPoseDetections",
    "score_threshold": "scoreThreshold",
    "nms_radius": "nmsRadius",
    "smoothing": "smoothing",
    "tracking": "tracking",
}

MAIN_EPILOG = """\
examples:
  pyposenet serve my_sketch.py                      the sketch in the browser at http://127.0.0.1:5000
  pyposenet export my_sketch.py --out site/         the sketch as a static site (any file host)
  pyposenet detect photo.jpg                        single-pose JSON (ml5's shape) on stdout
  pyposenet detect group.jpg --multi --draw out/    every person; out/group.png with the skeletons
  pyposenet detect dance.mp4 --every 2 --json dance.json
  pyposenet batch videos/ --out poses/              every frame of every video, on Dask, into Parquet
  pyposenet models                                  which model variants are on this machine
  pyposenet models fetch mobilenet-quant2-075-stride16
  pyposenet convert quantize --bytes 2              make ml5's default quant2 model from the float one

Run `pyposenet COMMAND --help` for a command's options.
"""

DETECT_DESCRIPTION = """\
Detect poses in image and video files with PoseNet run by onnxruntime or numpy (no browser, no
TensorFlow), and write ml5's results as JSON: one entry per input, in the order given.

  image: {"file", "width", "height", "poses": [ml5 results]}
  video: {"file", "fps", "width", "height", "frames": [{"index", "time", "poses"}, ...]}
  input that failed: {"file", "error"}

A result is ml5's {pose: {score, keypoints, nose: {x, y, confidence}, ...}, skeleton}, in the
input's pixels. Videos are decoded with PyAV (ffmpeg); `index` counts every frame of the video.

Every input is tried even when some fail; failures are reported on stderr. Exit status: 0 all
done; 1 some inputs failed (the JSON is written; those entries carry "error") or the model could
not be loaded; 2 bad arguments, or no input could be read (nothing is written); 130 interrupted
(what was done is written)."""

DETECT_EPILOG = """\
examples:
  pyposenet detect starter.png
  pyposenet detect *.jpg --multi --max-poses 10 --json poses.json --draw drawn/
  pyposenet detect dance.mp4 --max-frames 300 --every 3 --smoothing --json dance.json
  pyposenet detect clip.mp4 --draw drawn/ --draw-video png      (a folder of drawn PNG frames)
  pyposenet detect photo.jpg --option 'inputResolution={"width": 353, "height": 257}'
"""

MODELS_DESCRIPTION = """\
The official PoseNet model variants (every configuration poseNet's options accept: MobileNetV1
0.50/0.75/1.00 at output stride 8/16 (32 with 1.00), ResNet50 at 16/32, each float, quant2 or
quant1) and where they are: the models directory (--models, $PYPOSENET_MODELS, else
../shared/models beside the checkout) and the download cache (--cache, $PYPOSENET_CACHE, else
~/.cache/pyposenet/models).

  list            (the default) every variant, and whether it is in the models directory / cache
  fetch VARIANT   download a variant's model.json and weight shards into the cache
  verify          check every model present: model.json parses, every shard exists, and the shards
                  hold exactly the bytes the weights manifest needs; OK/FAIL per model, exit 1 on FAIL"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog):
        super().__init__(prog, max_help_position=34, width=min(100, max(60, _terminal_width())))


def _terminal_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 100


def _directory(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"'{text}' is not a directory")
    return path


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def _option_value(name: str):
    """An argparse `type` reading the flag's text as poseNet option `name` (options.parse_option_text, the
    reading the HTTP API uses too): "353x257", "true", "1e3"... A text it cannot read is a usage error
    naming the option and what is allowed."""

    def read(text: str):
        from .options import parse_option_text

        try:
            return parse_option_text(name, text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    read.__name__ = name  # argparse names the type in some messages
    return read


def _option(text: str) -> tuple[str, object]:
    """NAME=VALUE, VALUE read by options.parse_option_text: as JSON (numbers, true/false, objects), as the
    option's own forms (353x257, yes/no...), else a string for the text options."""
    from .options import parse_option_text

    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE (a poseNet option, e.g. nmsRadius=30), got {text!r}")
    name = name.strip()
    try:
        return name, parse_option_text(name, raw)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# ------------------------------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        formatter_class=_Formatter,
        description="ml5.js's poseNet in Python: serve p5-style sketches in the browser, detect poses\n"
        "in image and video files, manage the PoseNet model files.",
        epilog=MAIN_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    _add_serve(commands)
    _add_export(commands)
    _add_detect(commands)
    _add_batch(commands)
    _add_models(commands)
    _add_convert(commands)
    return parser


def _add_serve(commands) -> None:
    serve = commands.add_parser(
        "serve",
        formatter_class=_Formatter,
        help="serve a sketch in the browser",
        description="Serve a Python p5 sketch in the browser: Pyodide runs the sketch and the decoding,\n"
        "TensorFlow.js the network. The page sits beside the sketch, as in a p5 project: every\n"
        "relative URL the sketch uses (loadImage, fetch, an <img>) finds the files beside it.",
        epilog="examples:\n  pyposenet serve\n  pyposenet serve my/sketch.py --port 8000\n"
        "  pyposenet serve --production --host 0.0.0.0   (reachable from the network: a warning is shown)",
    )
    serve.add_argument(
        "sketch",
        nargs="?",
        metavar="SKETCH.py",
        help="the sketch to run (default: the webcam skeleton example); files beside it are served to it",
    )
    serve.add_argument(
        "--models",
        metavar="DIR",
        help="folder laid out like https://storage.googleapis.com/tfjs-models/ "
        "(default: $PYPOSENET_MODELS, else the download-once cache)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=5000, help="port (default 5000; 0 picks a free one with --production)"
    )
    serve.add_argument(
        "--production", action="store_true", help="serve with waitress instead of Flask's development server"
    )
    serve.add_argument("--threads", type=int, default=8, help="waitress worker threads with --production (default 8)")
    serve.set_defaults(command_parser=serve)


def _add_detect(commands) -> None:
    detect = commands.add_parser(
        "detect",
        formatter_class=_Formatter,
        help="detect poses in images and videos",
        description=DETECT_DESCRIPTION,
        epilog=DETECT_EPILOG,
    )
    detect.add_argument("inputs", nargs="+", metavar="IMAGE_OR_VIDEO", help="image or video files")
    _add_multi_flag(detect)
    detect.add_argument(
        "--json",
        metavar="FILE",
        dest="json_path",
        help="write the JSON here (default: stdout; progress and messages go to stderr)",
    )
    detect.add_argument(
        "--indent", type=int, default=2, metavar="N", help="JSON indentation (default 2; 0 writes one compact line)"
    )
    detect.add_argument(
        "--draw",
        metavar="DIR",
        type=Path,
        help="also write each input with its keypoints and skeleton drawn (red, like the default "
        "sketch): DIR/NAME.png per image, DIR/NAME.mp4 per video",
    )
    detect.add_argument(
        "--draw-video",
        choices=("mp4", "png"),
        default="mp4",
        help="drawn videos as an mp4 (default) or as DIR/NAME/frame_000123.png files",
    )
    detect.add_argument(
        "--draw-min-score",
        type=float,
        default=0.2,
        metavar="X",
        help="draw keypoints scoring above X (default 0.2, as the default sketch)",
    )
    _add_pose_flags(detect)
    detect.add_argument(
        "--engine",
        choices=("auto", "numpy", "onnxruntime"),  # pyposenet._host.engines.ENGINES
        help="what runs the network: onnxruntime (the onnxruntime extra), numpy, or auto: onnxruntime when "
        "installed, else numpy (default: $PYPOSENET_ENGINE, else auto)",
    )
    detect.add_argument(
        "--model",
        choices=("posenet", "blazepose"),
        default="posenet",
        help="posenet (default: poseNet's results) or blazepose: ml5 1.x bodyPose's results from BlazePose full "
        "(33 keypoints, keypoints3D; one person; needs the blazepose extra: pip install 'pyposenet[blazepose]')",
    )
    detect.add_argument("-q", "--quiet", action="store_true", help="no progress bar or timing summary")
    detect.set_defaults(command_parser=detect)


def _add_multi_flag(parser: argparse.ArgumentParser) -> None:
    """--multi: shared by detect and batch."""
    parser.add_argument(
        "--multi",
        action="store_true",
        help="multiPose: every person, up to --max-poses (default: singlePose, one person)",
    )


def _add_pose_flags(parser: argparse.ArgumentParser) -> None:
    """The video, poseNet option and model file flags: shared by detect and batch (detect_options reads them)."""
    video = parser.add_argument_group("videos")
    video.add_argument(
        "--every", type=_positive_int, default=1, metavar="N", help="detect on every Nth frame (default 1: every frame)"
    )
    video.add_argument("--max-frames", type=_positive_int, metavar="N", help="at most N frames per video")
    video.add_argument(
        "--smoothing", action="store_true", default=None, help="One-Euro smoothing of keypoints from frame to frame"
    )
    video.add_argument(
        "--tracking",
        action="store_true",
        default=None,
        help="a stable id per person from frame to frame (with --multi)",
    )
    net = parser.add_argument_group(
        "poseNet options", "ml5's options (README: Options and defaults); only the ones given are passed"
    )
    net.add_argument("--architecture", metavar="NAME", help="MobileNetV1 (default) or ResNet50")
    net.add_argument(
        "--multiplier",
        type=_option_value("multiplier"),
        metavar="X",
        help="MobileNetV1 width: 0.5, 0.75 (default) or 1.0",
    )
    net.add_argument("--output-stride", type=_option_value("outputStride"), metavar="N", help="8, 16 (default) or 32")
    net.add_argument(
        "--input-resolution",
        type=_option_value("inputResolution"),
        metavar="N|WxH",
        help="network input size, e.g. 257 (default), 513 or 353x257",
    )
    net.add_argument(
        "--quant-bytes",
        type=_option_value("quantBytes"),
        metavar="N",
        help="weights: 4 float (default), 2 or 1 quantized",
    )
    net.add_argument(
        "--model-url",
        metavar="URL",
        help="a model.json: local path, file:// or http(s) URL (default: the official one)",
    )
    net.add_argument("--flip-horizontal", action="store_true", default=None, help="mirror x (x -> width - 1 - x)")
    net.add_argument("--flip-labels", action="store_true", default=None, help="also swap left/right part names")
    net.add_argument(
        "--min-confidence",
        type=_option_value("minConfidence"),
        metavar="X",
        help="keypoint score for the skeleton (default 0.5)",
    )
    net.add_argument(
        "--max-poses",
        type=_option_value("maxPoseDetections"),
        metavar="N",
        help="maxPoseDetections with --multi (default 5)",
    )
    net.add_argument(
        "--score-threshold",
        type=_option_value("scoreThreshold"),
        metavar="X",
        help="minimum pose root score with --multi (default 0.5)",
    )
    net.add_argument(
        "--nms-radius",
        type=_option_value("nmsRadius"),
        metavar="PX",
        help="non-maximum suppression radius (default 20)",
    )
    net.add_argument(
        "--option",
        type=_option,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any poseNet option by its ml5 name, VALUE as JSON or as its flag takes it: --option "
        "'smoothing={\"beta\": 0.05}' (repeatable)",
    )
    files = parser.add_argument_group("model files")
    files.add_argument(
        "--models",
        type=_directory,
        metavar="DIR",
        help="models directory (default: $PYPOSENET_MODELS, else ../shared/models)",
    )
    files.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="download cache (default: $PYPOSENET_CACHE, else ~/.cache/pyposenet/models)",
    )
    files.add_argument(
        "--no-download", action="store_true", help="never download a missing model from the official storage"
    )


BATCH_DESCRIPTION = """\
Poses in every frame of many videos (and in many images) on a Dask cluster, into Parquet files:
OUT/poses/*.parquet, one row per pose (file, frame, time, pose, score, person_id, and x, y, score
of each of the 17 keypoints), and OUT/manifest.json (model, options, versions, counts, failures).
Read them with pandas.read_parquet("OUT/poses"), DuckDB or Dask; no pyposenet needed.

INPUTS are files, folders (every image and video under them), glob patterns ('clips/**/*.mp4',
quoted) and list files (@paths.txt, or any .txt file: one input a line). Without --scheduler a
LocalCluster runs it here (one single-threaded worker per core). Long videos are cut into chunks of
--chunk-frames frames that run on any worker. Each chunk is written whole or not at all: running
the same command again skips the finished chunks and redoes the rest. Exit status: 0 all done;
1 some inputs or chunks failed (named in the manifest) or the model could not be loaded; 2 bad
arguments or no input could be used; 130 interrupted (run it again to finish)."""

BATCH_EPILOG = """\
examples:
  pyposenet batch dance/ --out dance-poses/
  pyposenet batch 'archive/**/*.mp4' --out poses/ --every 2 --multi --scheduler tcp://10.0.0.5:8786
  pyposenet batch @videos.txt --out poses/ --multiplier 0.5 --workers 4
more: docs/batch.md (a real cluster: what each machine needs, expected speed)
"""


def _add_batch(commands) -> None:
    batch = commands.add_parser(
        "batch",
        formatter_class=_Formatter,
        help="poses from many videos and images on Dask, into Parquet",
        description=BATCH_DESCRIPTION,
        epilog=BATCH_EPILOG,
    )
    batch.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="image or video files, folders, glob patterns, @list files"
    )
    batch.add_argument("--out", required=True, type=Path, metavar="DIR", help="the dataset's folder (made if missing)")
    _add_multi_flag(batch)
    cluster = batch.add_argument_group("cluster")
    cluster.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster on this machine)",
    )
    cluster.add_argument(
        "--workers", type=_positive_int, metavar="N", help="the LocalCluster's worker processes (default: one per core)"
    )
    cluster.add_argument(
        "--chunk-frames",
        type=_positive_int,
        metavar="N",
        help="video frames per task and per Parquet file (default 256; with --smoothing or --tracking a "
        "video is one task)",
    )
    cluster.add_argument("--chunk-images", type=_positive_int, metavar="N", help="images per task (default 32)")
    _add_pose_flags(batch)
    batch.add_argument(
        "--model",
        choices=("posenet", "blazepose"),  # pyposenet.batch.models.MODELS
        default="posenet",
        help="posenet (default: poseNet's 17 keypoints) or blazepose: BlazePose full's 33 keypoints and keypoints3D "
        "in a schema of their own (docs/batch.md; one person, flipHorizontal the only option; every worker needs "
        "the blazepose extra)",
    )
    batch.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(command_parser=batch)


def _batch(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .options import resolve_options

    options = detect_options(args)
    try:
        resolve_options(options)  # every bad value is a usage error, before any work
    except ValueError as error:
        parser.error(str(error))
    try:
        from .batch.chunks import DEFAULT_CHUNK_FRAMES, DEFAULT_CHUNK_IMAGES
        from .batch.manifest import RunMismatch
        from .batch.models import check_model
        from .batch.run import BatchError, BatchJob, run_batch
    except ImportError as error:
        extras = "batch needs the host and batch extras: pip install 'pyposenet[host,batch]'"
        parser.exit(2, f"{PROG} batch: error: {error}; {extras}\n")
    try:
        check_model(args.model, options)
    except ValueError as error:
        parser.error(str(error))
    job = BatchJob(
        inputs=list(args.inputs),
        out=args.out,
        multi=args.multi,
        options=options,
        every=args.every,
        max_frames=args.max_frames,
        chunk_frames=args.chunk_frames or DEFAULT_CHUNK_FRAMES,
        chunk_images=args.chunk_images or DEFAULT_CHUNK_IMAGES,
        models_dir=args.models,
        cache_dir=args.cache,
        download=not args.no_download,
        scheduler=args.scheduler,
        workers=args.workers,
        progress=not args.quiet,
        model=args.model,
    )
    try:
        return run_batch(job).exit_status
    except RunMismatch as error:
        parser.error(str(error))
    except BatchError as error:
        print(f"{PROG} batch: error: {error}", file=sys.stderr, flush=True)
        return 1


def _add_export(commands) -> None:
    export = commands.add_parser(
        "export",
        formatter_class=_Formatter,
        help="write a sketch as a static site (no Python server needed)",
        description="Write SKETCH.py as a folder that any static file host serves (GitHub Pages, itch.io,\n"
        "`python -m http.server`): the page, Pyodide, TensorFlow.js and p5, the browser wheel, the\n"
        "sketch with every file beside it, and the model files (the default model and each --model).\n"
        "A model the sketch asks for but the export lacks is named on the page.",
        epilog="examples:\n  pyposenet export my/sketch.py --out site/\n"
        "  pyposenet export my/sketch.py --out site/ --model mobilenet-float-050-stride16\n"
        "  cd site && python -m http.server 8000      (then open http://localhost:8000/)",
    )
    export.add_argument("sketch", metavar="SKETCH.py", help="the sketch; the files beside it are copied too")
    export.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="the folder to write (new, empty, or an earlier export, which is replaced)",
    )
    export.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="VARIANT",
        help="a further model variant to include (see `pyposenet models`); repeatable",
    )
    export.add_argument(
        "--models",
        type=_directory,
        metavar="DIR",
        help="folder laid out like https://storage.googleapis.com/tfjs-models/ to copy models from "
        "(default: $PYPOSENET_MODELS, else the download-once cache)",
    )
    export.set_defaults(command_parser=export)


def _export(args: argparse.Namespace) -> int:
    from .export import ExportError, export_sketch
    from .models import ModelNotFoundError

    try:
        report = export_sketch(
            Path(args.sketch).expanduser(), Path(args.out).expanduser(), variants=args.model, models_dir=args.models
        )
    except (ExportError, ModelNotFoundError, ValueError) as error:
        print(f"{PROG} export: error: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _add_models(commands) -> None:
    # --models/--cache work before or after the action (`models --models D verify`, `models verify --models D`).
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--models",
        type=_directory,
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="models directory (default: $PYPOSENET_MODELS, else ../shared/models)",
    )
    where.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="download cache (default: $PYPOSENET_CACHE, else ~/.cache/pyposenet/models)",
    )
    models = commands.add_parser(
        "models",
        formatter_class=_Formatter,
        parents=[where],
        help="list, fetch and verify the PoseNet model files",
        description=MODELS_DESCRIPTION,
        epilog="examples:\n  pyposenet models\n  pyposenet models verify --models DIR\n"
        "  pyposenet models fetch mobilenet-quant2-075-stride16 resnet50-float-stride16",
    )
    models.set_defaults(command_parser=models)
    actions = models.add_subparsers(dest="action", metavar="ACTION", title="actions")
    actions.add_parser(
        "list",
        parents=[where],
        formatter_class=_Formatter,
        help="every official variant and where it is (the default)",
        description="List every official variant and whether it is in the models directory and "
        "the cache (present, damaged or -), and other TF.js models found there.",
    )
    fetch = actions.add_parser(
        "fetch",
        parents=[where],
        formatter_class=_Formatter,
        help="download variants into the cache",
        description="Download variants' model.json and weight shards (the paths its "
        "weightsManifest names) into the cache, with a progress bar; then "
        "verify them. A variant already whole in the cache is not downloaded "
        "again (unless --force).",
    )
    fetch.add_argument(
        "variants",
        nargs="+",
        metavar="VARIANT",
        help="a name from `pyposenet models list` (e.g. mobilenet-float-100-stride16) or a model.json "
        "path under the official root",
    )
    fetch.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="download root laid out like the official one (default https://storage.googleapis.com/tfjs-models/)",
    )
    fetch.add_argument("--force", action="store_true", help="download again even when the cache has it whole")
    fetch.add_argument("--timeout", type=float, default=30.0, metavar="S", help="network timeout in seconds")
    fetch.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    actions.add_parser(
        "verify",
        parents=[where],
        formatter_class=_Formatter,
        help="check every model present; OK/FAIL per model",
        description="Check every model in the models directory and the cache (official variants "
        "and other TF.js models): model.json parses, every shard exists, and the shards "
        "hold exactly sum(prod(shape) x bytes per value) bytes, quantization respected. "
        "Exit status 1 when any FAILs.",
    )


def _add_convert(commands) -> None:
    from .convert.command import add_parser  # argparse only

    add_parser(commands, _directory)


# ------------------------------------------------------------------------------------------- serve


def _serve(args: argparse.Namespace) -> int:
    from .server import serve  # Flask: imported only to serve

    parser = args.command_parser
    if args.sketch is not None:
        sketch = Path(args.sketch).expanduser()
        problem = serve.sketch_problem(sketch)
        if problem:
            parser.error(problem)
        args.sketch = sketch.resolve()
    models = args.models or os.environ.get("PYPOSENET_MODELS") or None
    if models is not None and not Path(models).expanduser().is_dir():
        parser.error(f"models folder '{models}' does not exist")
    args.models = models
    if args.threads < 1:
        parser.error("--threads must be at least 1")
    return serve.run(args)


# ------------------------------------------------------------------------------------------ detect


def detect_options(args: argparse.Namespace) -> dict:
    """The poseNet options the detect flags ask for (only those given), then --option NAME=VALUE."""
    options = {name: getattr(args, dest) for dest, name in DETECT_OPTIONS.items() if getattr(args, dest) is not None}
    for name, value in args.option:
        options[name] = value
    return options


def _detect(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from .options import resolve_options

    options = detect_options(args)
    try:
        resolve_options(options)  # every bad value is a usage error, before any work
    except ValueError as error:
        parser.error(str(error))
    if args.model == "blazepose" and args.draw is not None:
        parser.error("--draw draws poseNet's results: it does not take --model blazepose yet")
    if args.draw is not None and args.draw.exists() and not args.draw.is_dir():
        parser.error(f"--draw {args.draw}: not a directory")
    if args.json_path not in (None, "-") and Path(args.json_path).is_dir():
        parser.error(f"--json {args.json_path}: is a directory; give a file name")
    try:
        from ._host.blas import threads_from_environment
        from ._host.detect import DetectJob, run_detect
    except ImportError as error:
        parser.exit(2, f"{PROG} detect: error: {error}; detect needs the host extra: pip install 'pyposenet[host]'\n")
    job = DetectJob(
        inputs=list(args.inputs),
        multi=args.multi,
        options=options,
        every=args.every,
        max_frames=args.max_frames,
        draw_dir=args.draw,
        draw_video=args.draw_video,
        draw_min_score=args.draw_min_score,
        json_path=args.json_path,
        indent=args.indent,
        progress=not args.quiet,
        models_dir=args.models,
        cache_dir=args.cache,
        download=not args.no_download,
        engine=args.engine,
        model=args.model,
        blas_threads=threads_from_environment(),
    )  # 1; $OPENBLAS_NUM_THREADS overrides
    return run_detect(job)


# ------------------------------------------------------------------------------------------ models


def _models(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from . import models

    models_dir = getattr(args, "models", None) or models.default_models_dir()
    cache_dir = getattr(args, "cache", None) or models.default_cache_dir()
    action = args.action or "list"
    if action == "list":
        return _models_list(models, models_dir, cache_dir)
    if action == "verify":
        return _models_verify(models, models_dir, cache_dir)
    try:
        chosen = [models.find_variant(name) for name in args.variants]
    except ValueError as error:
        parser.error(str(error))
    base_url = args.base_url or models.OFFICIAL_MODEL_ROOT
    status = 0
    for variant in chosen:
        try:
            check, downloaded = models.fetch_variant(
                variant, cache_dir, base_url, timeout=args.timeout, progress=not args.quiet, force=args.force
            )
        except models.FetchError as error:
            print(f"{PROG} models fetch: error: {error}", file=sys.stderr, flush=True)
            status = 1
            continue
        where = cache_dir / variant.path
        if not check.ok:
            print(f"FAIL  {variant.name}  {where}: {check.summary()}", flush=True)
            status = 1
        elif downloaded:
            print(f"OK    {variant.name}  fetched into {where} ({check.summary()})", flush=True)
        else:
            print(f"OK    {variant.name}  already in the cache: {where} ({check.summary()})", flush=True)
    return status


def _locations(models_dir, cache_dir) -> list[tuple[str, Path | None]]:
    return [("models dir", Path(models_dir) if models_dir else None), ("cache", Path(cache_dir))]


def _models_list(models, models_dir, cache_dir) -> int:
    locations = _locations(models_dir, cache_dir)
    for label, root in locations:
        print(f"{label + ':':<12}{root if root else '(none: pass --models DIR or set PYPOSENET_MODELS)'}")
    print()
    width = max(len(v.name) for v in models.VARIANTS) + 2
    print(f"{'variant':<{width}}{'models dir':<12}{'cache':<12}model.json under the official root")
    counts = {label: 0 for label, _ in locations}
    for variant in models.VARIANTS:
        cells = []
        for label, root in locations:
            path = root / variant.path if root else None
            if path is None or not path.is_file():
                cells.append("-")
                continue
            ok = models.check_model(path).ok
            counts[label] += ok
            cells.append("present" if ok else "damaged")
        print(f"{variant.name:<{width}}{cells[0]:<12}{cells[1]:<12}{variant.path}")
    print()
    total = len(models.VARIANTS)
    print(
        f"{counts['models dir']} of {total} variants in the models directory, {counts['cache']} in the cache"
        " (damaged: run `pyposenet models verify`; missing: `pyposenet models fetch VARIANT`)."
    )
    official = {v.path for v in models.VARIANTS}
    for label, root in locations:
        others = models.other_models(root, official)
        if others:
            print(f"Other TF.js models in the {label}: {', '.join(others)}")
    return 0


def _models_verify(models, models_dir, cache_dir) -> int:
    official = {v.path for v in models.VARIANTS}
    checked = failed = 0
    for label, root in _locations(models_dir, cache_dir):
        if root is None or not root.is_dir():
            continue
        found = [(v.name, v.path) for v in models.VARIANTS if (root / v.path).is_file()]
        found += [(other, other) for other in models.other_models(root, official)]
        for name, relative in found:
            check = models.check_model(root / relative)
            checked += 1
            failed += not check.ok
            print(
                f"{'OK' if check.ok else 'FAIL':<6}{name}  ({label}: {root / relative})  {check.summary()}", flush=True
            )
    if not checked:
        print(f"no models to verify in the models directory ({models_dir or 'none'}) or the cache ({cache_dir})")
    else:
        print(f"{checked - failed} OK, {failed} FAIL")
    return 1 if failed else 0


# -------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run the `pyposenet` command line; returns the exit status (argparse errors raise SystemExit(2))."""
    from .convert.command import with_conversion

    parser = build_parser()
    args, extra = parser.parse_known_args(with_conversion(list(sys.argv[1:] if argv is None else argv)))
    if extra:
        getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(args)
    if args.command == "export":
        return _export(args)
    if args.command == "detect":
        return _detect(args, args.command_parser)
    if args.command == "batch":
        return _batch(args, args.command_parser)
    if args.command == "convert":
        from .convert.command import run as run_convert

        return run_convert(args, PROG)
    return _models(args, args.command_parser)


if __name__ == "__main__":
    sys.exit(main())
