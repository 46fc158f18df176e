"""`pyposenet convert quantize|stride`: the command line (pyposenet/cli.py adds it as a subcommand).

    pyposenet convert quantize --bytes 2|1 [--float16] [--from VARIANT_OR_PATH] [--models DIR] [--out DIR]
    pyposenet convert stride --stride 8|16|32 [--published-dilations] [--from ...] [--models DIR] [--out DIR]
    pyposenet convert SOURCE --out DIR [--outputs ROLE=NAME,...] [--input NAME] [--quant-bytes 4|2|1]
        (SOURCE: a TensorFlow SavedModel or frozen graph; the same as `convert tensorflow SOURCE`,
         see tensorflow_convert.py; needs the `convert` extra)

The source (--from, default mobilenet-float-075-stride16) is a variant name or official path, looked
up in the models directory then the cache, or a model.json path. An official variant is written to
its official path under --out (default: the download cache, which poseNet looks in after the models
directory), so `poseNet({quantBytes: 2})` finds the result; any other model.json needs --out and is
written there as model.json. Afterwards the new model is run by the numpy runner on a random input
(unless --no-check): quantize reports how far its outputs are from the source's, stride checks the
output grid.

`add_parser` needs only argparse; numpy is imported when a conversion runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["add_parser", "run", "DESCRIPTION", "CONVERSIONS", "with_conversion"]

CONVERSIONS = ("quantize", "stride", "tensorflow")

DEFAULT_SOURCE = "mobilenet-float-075-stride16"

DESCRIPTION = """\
Make official PoseNet variants that are not on this machine from one that is (pure Python + numpy,
no TensorFlow). The results are TF.js graph models in the official layout: the page and `detect`
find them like downloaded ones.

  quantize  quantBytes 2 or 1 weights from a float model, per tensor, as tensorflowjs_converter
            quantizes: uint16 (2 bytes, what the official quant2 files hold) or uint8 (1 byte);
            --float16 writes float16 instead of uint16
  stride    MobileNet output stride 8 (or 32 with multiplier 1.0) from the stride-16 graph, as
            posenet 1.x built it: later convolutions get stride 1 and dilation; same weights
  tensorflow (or just `convert SOURCE`) your own PoseNet, a TensorFlow SavedModel or frozen graph,
            to a TF.js graph model with tensorflowjs (the `convert` extra: make convert-env)

Source (--from): a variant name (`pyposenet models list`), an official path, or a model.json;
default mobilenet-float-075-stride16, looked up in the models directory, then the cache.
Output (--out): an official variant goes to its official path under DIR (default: the cache,
$PYPOSENET_CACHE or ~/.cache/pyposenet/models); another model.json needs --out and becomes
DIR/model.json."""

EPILOG = """\
examples:
  pyposenet convert quantize --bytes 2              ml5's default model (quant2/075/model-stride16.json)
  pyposenet convert quantize --bytes 1 --from mobilenet-float-050-stride16
  pyposenet convert stride --stride 8               float/075/model-stride8.json
  pyposenet convert stride --stride 8 --from mobilenet-quant2-075-stride16
  pyposenet convert quantize --bytes 2 --from my/model.json --out my/quant2/
  pyposenet convert my/model-mobilenet_v1_050.pb --out my/posenet-050/     (tensorflowjs)
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog):
        super().__init__(prog, max_help_position=34, width=100)


def add_parser(commands, directory_type) -> argparse.ArgumentParser:
    """Add `convert` (with `quantize` and `stride`) to the `pyposenet` subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--from",
        dest="source",
        default=DEFAULT_SOURCE,
        metavar="VARIANT_OR_PATH",
        help=f"the model to convert (default {DEFAULT_SOURCE})",
    )
    common.add_argument(
        "--models",
        type=directory_type,
        metavar="DIR",
        help="models directory to find --from in (default: $PYPOSENET_MODELS, else ../shared/models)",
    )
    common.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help="download cache, looked in after --models (default: $PYPOSENET_CACHE, else ~/.cache/pyposenet/models)",
    )
    common.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="where to write: a root laid out like the official one (default: the cache)",
    )
    common.add_argument(
        "--force", action="store_true", help="replace an existing model.json, and shards holding other bytes"
    )
    common.add_argument("--no-check", action="store_true", help="do not run the converted model with numpy afterwards")
    common.add_argument("-q", "--quiet", action="store_true", help="print only errors")

    convert = commands.add_parser(
        "convert",
        formatter_class=_Formatter,
        help="make quantized or other-stride models; convert a TensorFlow PoseNet",
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    convert.set_defaults(command_parser=convert)
    kinds = convert.add_subparsers(dest="conversion", metavar="CONVERSION", title="conversions")
    quantize = kinds.add_parser(
        "quantize",
        parents=[common],
        formatter_class=_Formatter,
        help="quantBytes 2 / 1 weights from a float model",
        description="Quantize every float32 weight per tensor, as tensorflowjs_converter "
        "does: affine uint16 (--bytes 2, as the official quant2 files) or uint8 "
        "(--bytes 1, quant1): value = q * scale + min with 0.0 on the grid; or "
        "float16 (--bytes 2 --float16). Written to the quant2/quant1 path of the "
        "source's variant, in shards of at most 4 MiB.",
    )
    quantize.add_argument(
        "--bytes",
        dest="quant_bytes",
        type=int,
        choices=(1, 2),
        required=True,
        help="bytes per weight: 2 (quant2) or 1 (quant1)",
    )
    quantize.add_argument(
        "--float16",
        action="store_true",
        help="with --bytes 2: float16 values (tfjs-converter --quantize_float16) instead of uint16",
    )
    quantize.set_defaults(command_parser=quantize)
    stride = kinds.add_parser(
        "stride",
        parents=[common],
        formatter_class=_Formatter,
        help="MobileNet output stride 8 / 32 from the stride-16 graph",
        description="Rewrite the graph for another output stride as posenet 1.x did: "
        "convolutions past the output stride get stride 1 and the depthwise ones "
        "after them dilation (atrous); weights unchanged (the shards are shared "
        "with the source, copied if --out is elsewhere). MobileNet 0.75 and 0.50 "
        "reach output stride 16 at most, 1.0 reaches 32.",
    )
    stride.add_argument(
        "--stride",
        dest="output_stride",
        type=int,
        choices=(8, 16, 32),
        required=True,
        help="output stride: 8 (finer grid, slower) or 32 (multiplier 1.0 only)",
    )
    stride.add_argument(
        "--published-dilations",
        action="store_true",
        help="write dilations [r, r, 1, 1] like Google's 2.x stride-8 files: today's TF.js and the "
        "numpy runner then dilate along y only (what ml5 users ran); default [1, r, r, 1], "
        "the atrous convolution posenet 1.x computed",
    )
    stride.set_defaults(command_parser=stride)
    from . import tensorflow_convert  # argparse only; TensorFlow is imported when a conversion runs

    tensorflow = kinds.add_parser(
        "tensorflow",
        formatter_class=_Formatter,
        help="a TensorFlow SavedModel or frozen graph -> TF.js graph model",
        description=tensorflow_convert.DESCRIPTION,
        epilog=tensorflow_convert.EPILOG,
    )
    tensorflow_convert.add_arguments(tensorflow)
    tensorflow.set_defaults(command_parser=tensorflow)
    return convert


def with_conversion(argv: list[str]) -> list[str]:
    """`convert SOURCE ...` -> `convert tensorflow SOURCE ...`: the conversion may be left out for a source."""
    if len(argv) > 1 and argv[0] == "convert" and argv[1] not in CONVERSIONS and not argv[1].startswith("-"):
        return [argv[0], "tensorflow", *argv[1:]]
    return argv


def _say(args, text: str) -> None:
    if not args.quiet:
        print(text, flush=True)


def run(args: argparse.Namespace, prog: str = "pyposenet") -> int:
    """Run a parsed `convert` command; returns the exit status."""
    parser = args.command_parser
    if args.conversion is None:
        parser.print_help(sys.stderr)
        return 2
    if args.conversion == "tensorflow":
        from .tensorflow_convert import run as run_tensorflow

        return run_tensorflow(args, prog)
    from .. import __version__
    from ..models import default_cache_dir, default_models_dir
    from .source import ConvertError, find_source, read_source, variant_with
    from .write import write_model

    started = time.perf_counter()
    models_dir = args.models or default_models_dir()
    cache_dir = args.cache or default_cache_dir()
    try:
        source = read_source(find_source(args.source, models_dir, cache_dir))
        if args.conversion == "quantize":
            from .quantize import dtype_for_bytes, quantize_model

            dtype = dtype_for_bytes(args.quant_bytes, args.float16)
            target = variant_with(source.variant, quantBytes=args.quant_bytes) if source.variant else None
            origin = source.variant.path if source.variant else source.path.name
            result = quantize_model(
                source, dtype, converted_by=f"pyposenet {__version__} convert quantize ({dtype}, from {origin})"
            )
            spec, shards = result.spec, result.shards
            what = f"{result.quantized} weights quantized to {dtype} per tensor" + (
                f", {result.kept} non-float kept" if result.kept else ""
            )
            if result.requantized:
                print(
                    f"{prog} convert: warning: {source.path} is already quantized; its weights were dequantized "
                    "and quantized again (the float model as --from is more exact)",
                    file=sys.stderr,
                )
        else:
            from .stride import restride_model

            origin = source.variant.path if source.variant else source.path.name
            change = restride_model(
                source,
                args.output_stride,
                published_layout=args.published_dilations,
                converted_by=f"pyposenet {__version__} convert stride {args.output_stride} (from {origin})",
            )
            spec = change.spec
            shards = {}
            for group, data in zip(source.manifest, source.group_bytes, strict=False):
                offset = 0
                for name in group["paths"]:
                    size = (source.path.parent / name).stat().st_size
                    shards[name] = data[offset : offset + size]
                    offset += size
            target = None
            if source.variant:
                target = variant_with(source.variant, outputStride=args.output_stride)
                if target is None:
                    raise ConvertError(
                        f"{source.variant.name} at output stride {args.output_stride} is not an official configuration"
                    )
            what = f"output stride {change.source_stride} -> {change.output_stride}; {_summary(change.changes)}"
        out_root = args.out if args.out is not None else (cache_dir if target else None)
        if target is not None:
            assert out_root is not None  # args.out or the cache
            json_path = Path(out_root) / target.path
        elif args.out is None:
            raise ConvertError(
                f"{source.path} is not an official variant, so it has no official output path: "
                "pass --out DIR (the result is written as DIR/model.json)"
            )
        else:
            json_path = Path(args.out) / "model.json"
        if json_path.resolve() == source.path.resolve():
            raise ConvertError(f"the result would replace its source {source.path}")
        written = write_model(json_path, spec, shards, force=args.force)
    except (ConvertError, OSError) as error:
        print(f"{prog} convert {args.conversion}: error: {error}", file=sys.stderr, flush=True)
        return 1
    elapsed = time.perf_counter() - started
    shard_list = ", ".join(p.name for p in written.shards)
    kept = f" ({len(written.kept)} already there, same bytes)" if written.kept else ""
    _say(args, f"wrote {written.json_path}")
    _say(args, f"  shards: {shard_list}{kept}; {written.weight_bytes:,} bytes of weights")
    _say(args, f"  from:   {source.describe()}")
    _say(args, f"  did:    {what} in {elapsed:.2f} s")
    if args.no_check:
        return 0
    return _check(args, source, written.json_path, prog)


def _summary(changes) -> str:
    """'1 conv stride 2 -> 1, 7 convs dilation 1 -> 2' from restride_model's changes."""
    if not changes:
        return "no convolution changed"
    counts: dict[str, int] = {}
    for _, (old_stride, old_rate), (stride, rate) in changes:
        parts = []
        if old_stride != stride:
            parts.append(f"stride {old_stride} -> {stride}")
        if old_rate != rate or not parts:
            parts.append(f"dilation {old_rate} -> {rate}")
        key = ", ".join(parts)
        counts[key] = counts.get(key, 0) + 1
    return "; ".join(f"{n} conv{'s' * (n != 1)} {key}" for key, n in counts.items())


def _check(args, source, json_path: Path, prog: str) -> int:
    """Run the result (and for quantize the source) with numpy on one random input."""
    import numpy as np

    from .._host.graph import load_graph_model
    from ..graph_outputs import identify_outputs

    try:
        new = load_graph_model(json_path)
        shape = new.input_shape
        size = (shape[1], shape[2]) if shape and len(shape) == 4 and shape[1] > 0 and shape[2] > 0 else (257, 257)
        batch = np.random.default_rng(0).uniform(-1, 1, (1, size[0], size[1], 3)).astype(np.float32)
        roles = identify_outputs([(o.name, o.shape) for o in new.outputs], model=str(json_path))
        [heatmap] = new.execute(batch, [roles["heatmap"]])
        if args.conversion == "quantize":
            old = load_graph_model(source.path)
            [reference] = old.execute(batch, [roles["heatmap"]])
            diff = float(np.abs(heatmap - reference).max())
            _say(
                args,
                f"  check:  numpy, random {size[0]}x{size[1]} input: max |heatmap logit - source's| = "
                f"{diff:.4g} (logits span {float(reference.min()):.3g}..{float(reference.max()):.3g})",
            )
            if args.quant_bytes == 1:
                print(
                    f"{prog} convert quantize: note: 1 byte per weight, per tensor, is too coarse for PoseNet's "
                    "MobileNet (e.g. the 0.75 model's Conv2d_1 depthwise weights span -57..223: a step of 1.1 for "
                    "a median |weight| of 0.86); Google's official quant1 MobileNet files, quantized the same "
                    "way, find no poses either (tensorflow/tfjs#1677). quantBytes 2 agrees with the float model.",
                    file=sys.stderr,
                )
        else:
            stride = args.output_stride
            expected = tuple(-(-s // stride) for s in size)
            if tuple(heatmap.shape[1:3]) != expected:
                print(
                    f"{prog} convert stride: error: the new model's heatmap is {heatmap.shape[1]}x{heatmap.shape[2]} "
                    f"for a {size[0]}x{size[1]} input, expected {expected[0]}x{expected[1]}",
                    file=sys.stderr,
                )
                return 1
            if not np.isfinite(heatmap).all():
                print(f"{prog} convert stride: error: the new model's heatmap is not finite", file=sys.stderr)
                return 1
            _say(
                args,
                f"  check:  numpy, {size[0]}x{size[1]} input -> {expected[0]}x{expected[1]} heatmap "
                f"((H-1)/{stride}+1), finite",
            )
    except Exception as error:  # the model was written; say why it does not run
        print(
            f"{prog} convert {args.conversion}: error: the written model does not run with numpy: {error}",
            file=sys.stderr,
            flush=True,
        )
        return 1
    return 0
