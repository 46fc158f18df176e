"""`pyposenet convert SOURCE`: a TensorFlow PoseNet (SavedModel or frozen graph) -> TF.js graph model.

The source is frozen with its four outputs named (tensorflow_source.py chooses them), then converted by
tensorflowjs's Python API (`convert_tf_frozen_model`, as the shared float/050 model was made). What the
converter writes is fixed up the way the official models are laid out:

* signature outputs named by role and ordered offsets, heatmap, displacement_fwd, displacement_bwd: the
  order of Google's graph models, which @tensorflow-models/posenet 2.x relies on (it reads `outputs`
  by position), while pyposenet (graph_outputs.py, web/model-core.js) executes by name. Left to itself,
  the converter writes outputs in no fixed order (for a SavedModel, by sorted key: displacement_bwd
  first), and matches outputs to signature keys by shape, so the two 32-channel displacements lose
  their keys (they become Identity:0 and Identity_1:0);
* the input in the signature, with its shape (the converter leaves it out for frozen graphs).

Afterwards (unless --no-check) the result runs in pyposenet's numpy executor and the source in
TensorFlow on one random input, and the largest difference per output is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..graph_outputs import CHANNELS, identify_outputs
from .source import ConvertError
from .tensorflow_source import (
    Chosen,
    TensorFlowSource,
    choose_outputs,
    import_tensorflowjs,
    load_tensorflow_source,
    native_logs_hidden,
    parse_outputs_option,
)
from .write import SHARD_BYTES, WrittenModel, write_model

__all__ = ["OFFICIAL_ORDER", "Converted", "convert_tensorflow", "check_converted", "add_arguments", "run"]

OFFICIAL_ORDER = ("offsets", "heatmap", "displacement_fwd", "displacement_bwd")  # Google's graph models
ROLE_NODE_NAMES = {
    "heatmap": "heatmap",
    "offsets": "offsets",
    "displacement_fwd": "displacement_fwd",
    "displacement_bwd": "displacement_bwd",
}
QUANT_DTYPES = {2: "uint16", 1: "uint8"}  # tensorflowjs --quantize_uint16 / --quantize_uint8, every weight
# numpy (im2col matmuls) and TensorFlow (its own conv kernels) add float32 products in different orders:
# over MobileNet's 14 layers that moves each output by a few 1e-6 of its largest magnitude (figures:
# docs/host-cli-convert.md); a wrong weight, layout or output moves it by about 1.
FLOAT_TOLERANCE = 1e-4  # relative to the source output's largest magnitude (at least 1)


@dataclass
class Converted:
    """What convert_tensorflow did: the written model, which source tensor became which output, timings."""

    written: WrittenModel
    source: TensorFlowSource
    chosen: dict[str, Chosen]
    output_names: dict[str, str]  # role -> node name in the TF.js graph
    notes: list[str]
    seconds: float
    import_seconds: float
    converter_seconds: float


def _shape_json(shape) -> dict:
    return {"dim": [{"size": str(-1 if d is None else d)} for d in shape]}


def _named_outputs(source: TensorFlowSource, chosen: dict[str, Chosen]):
    """The GraphDef to convert, and each role's output node name in it: the chosen nodes themselves when
    their names already say their roles (posenet-python's and Google's graphs), else Identity nodes named
    heatmap, offsets, displacement_fwd, displacement_bwd added on top of them."""
    tf = source.tf
    pairs = [(c.candidate.tensor.split(":")[0], (1, -1, -1, CHANNELS[r])) for r, c in chosen.items()]
    plain = all(c.candidate.tensor.endswith(":0") for c in chosen.values())
    try:
        by_name = identify_outputs(pairs) if plain else {}
    except ValueError:
        by_name = {}
    if by_name and all(by_name[r] == c.candidate.tensor.split(":")[0] for r, c in chosen.items()):
        return source.graph_def, dict(by_name)
    graph_def = tf.compat.v1.GraphDef()
    graph_def.CopyFrom(source.graph_def)
    taken = {n.name for n in graph_def.node}
    names = {}
    for role, pick in chosen.items():
        name, prefix = ROLE_NODE_NAMES[role], 1
        while name in taken:
            name = f"pyposenet_{prefix}/{ROLE_NODE_NAMES[role]}"
            prefix += 1
        taken.add(name)
        node = graph_def.node.add()
        node.name, node.op = name, "Identity"
        tensor = pick.candidate.tensor
        node.input.append(tensor[:-2] if tensor.endswith(":0") else tensor)
        node.attr["T"].type = tf.float32.as_datatype_enum
        names[role] = name
    return graph_def, names


def _fix_signature(spec: dict, source: TensorFlowSource, names: dict[str, str]) -> None:
    signature: dict[str, dict] = {"outputs": {}, "inputs": {}}
    for role in OFFICIAL_ORDER:
        signature["outputs"][names[role]] = {
            "name": names[role],
            "dtype": "DT_FLOAT",
            "tensorShape": _shape_json((1, -1, -1, CHANNELS[role])),
        }
    assert source.input_shape is not None  # choose_outputs needs the input's shape
    input_shape = tuple(1 if i == 0 else d for i, d in enumerate(source.input_shape))
    key = f"{source.input_name}:0"
    signature["inputs"][key] = {"name": key, "dtype": "DT_FLOAT", "tensorShape": _shape_json(input_shape)}
    spec["signature"] = signature


def convert_tensorflow(
    path: Path | str,
    out_dir: Path | str,
    *,
    outputs: dict[str, str] | None = None,
    input_name: str | None = None,
    signature: str | None = None,
    quant_bytes: int = 4,
    force: bool = False,
) -> Converted:
    """Convert a SavedModel folder or frozen graph file to out_dir/model.json + weight shards."""
    if quant_bytes not in (4, 2, 1):
        raise ConvertError(f"--quant-bytes {quant_bytes}: expected 4 (float32), 2 (uint16) or 1 (uint8)")
    started = time.perf_counter()
    _, converter = import_tensorflowjs()
    import_seconds = time.perf_counter() - started
    with native_logs_hidden():  # freezing a SavedModel runs grappler, which logs
        source = load_tensorflow_source(path, input_name, signature)
    chosen, notes = choose_outputs(source, outputs)
    graph_def, names = _named_outputs(source, chosen)
    json_path = Path(out_dir) / "model.json"
    if json_path.exists() and not force:
        raise ConvertError(f"{json_path} exists; pass --force to replace it")
    with tempfile.TemporaryDirectory(prefix="pyposenet-convert-") as tmp:
        frozen = Path(tmp) / "frozen.pb"
        frozen.write_bytes(graph_def.SerializeToString())
        staged = Path(tmp) / "tfjs"
        quantization = {QUANT_DTYPES[quant_bytes]: True} if quant_bytes in QUANT_DTYPES else None
        converter_started = time.perf_counter()
        try:
            with native_logs_hidden():
                converter.convert_tf_frozen_model(
                    str(frozen),
                    ",".join(names[r] for r in OFFICIAL_ORDER),
                    str(staged),
                    quantization_dtype_map=quantization,
                    weight_shard_size_bytes=SHARD_BYTES,
                )
        except ValueError as error:  # e.g. "Unsupported Ops in the model"
            raise ConvertError(f"{path}: tensorflowjs cannot convert it: {error}") from None
        converter_seconds = time.perf_counter() - converter_started
        spec = json.loads((staged / "model.json").read_text(encoding="utf-8"))
        _fix_signature(spec, source, names)
        shards = {name: (staged / name).read_bytes() for group in spec["weightsManifest"] for name in group["paths"]}
    written = write_model(json_path, spec, shards, force=force)
    return Converted(
        written, source, chosen, names, notes, time.perf_counter() - started, import_seconds, converter_seconds
    )


def check_converted(result: Converted, seed: int = 0) -> dict[str, tuple[float, float]]:
    """{role: (max |numpy output - TensorFlow source output|, max |source output|)} on one random input.
    Also checks that pyposenet identifies each output by name as the role it was converted as."""
    import numpy as np

    from .._host.graph import load_graph_model

    model = load_graph_model(result.written.json_path)
    roles = identify_outputs([(o.name, o.shape) for o in model.outputs], model=str(result.written.json_path))
    if roles != result.output_names:
        raise ConvertError(
            f"{result.written.json_path}: pyposenet reads its outputs as {roles}, "
            f"but they were converted as {result.output_names}"
        )
    shape = result.source.input_shape
    assert shape is not None  # choose_outputs needs the input's shape
    height = shape[1] if shape[1] else 257
    width = shape[2] if shape[2] else 257
    batch = np.random.default_rng(seed).uniform(-1, 1, (1, height, width, 3)).astype(np.float32)
    ours = model.execute(batch, [roles[r] for r in OFFICIAL_ORDER])
    tf = result.source.tf
    with native_logs_hidden(), tf.compat.v1.Session(graph=result.source.graph) as session:
        theirs = session.run(
            [result.chosen[r].candidate.tensor for r in OFFICIAL_ORDER], {f"{result.source.input_name}:0": batch}
        )
    diffs = {}
    for role, a, b in zip(OFFICIAL_ORDER, ours, theirs, strict=False):
        if a.shape != b.shape:
            raise ConvertError(f"{role}: the converted model gives shape {list(a.shape)}, the source {list(b.shape)}")
        diffs[role] = (float(np.abs(a - b).max()), float(np.abs(b).max()))
    return diffs


# ------------------------------------------------------------------------------------------ command line

DESCRIPTION = """\
Convert your own PoseNet, a TensorFlow SavedModel folder or a frozen graph (.pb), to a TF.js graph
model (model.json + weight shards) with tensorflowjs 4.22, laid out like Google's: outputs named and
ordered offsets, heatmap, displacement_fwd, displacement_bwd, so pyposenet (modelUrl, detect
--model-url) and @tensorflow-models/posenet 2.x load it.

The four outputs are found by name (heatmap_2, offset_2, displacement_fwd_2, displacement_bwd_2 as
posenet-python and Google's graphs name them; for a SavedModel, the signature's output keys) and
checked by channels (17, 34, 32, 32), or named with --outputs. The heatmap must be the logits: a
Sigmoid named or found as the heatmap is replaced by its input. Needs the `convert` extra
(tensorflowjs, TensorFlow 2.19): `make convert-env`, then .venv-convert/bin/pyposenet convert ..."""

EPILOG = """\
examples:
  pyposenet convert model-mobilenet_v1_050.pb --out my-posenet/
  pyposenet convert saved_model/ --out my-posenet/ --quant-bytes 2
  pyposenet convert saved_model/ --out my-posenet/ \\
      --outputs heatmap=out_0,offsets=out_1,displacement_fwd=out_2,displacement_bwd=out_3
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="a SavedModel folder or a frozen graph .pb file")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="write DIR/model.json and its shards")
    parser.add_argument(
        "--outputs",
        metavar="ROLE=NAME,...",
        help="name the outputs: heatmap=NAME,offsets=NAME,displacement_fwd=NAME,displacement_bwd=NAME "
        "(any of them; NAME: a node of a frozen graph, an output key of a SavedModel signature)",
    )
    parser.add_argument(
        "--input",
        dest="input_name",
        metavar="NAME",
        help="the image input (default: the only Placeholder / signature input)",
    )
    parser.add_argument("--signature", metavar="KEY", help="SavedModel signature (default serving_default)")
    parser.add_argument(
        "--quant-bytes",
        type=int,
        choices=(4, 2, 1),
        default=4,
        help="4: float32 weights (default); 2: uint16, 1: uint8, per tensor (tensorflowjs's "
        "--quantize_uint16 / --quantize_uint8)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing DIR/model.json")
    parser.add_argument(
        "--no-check",
        action="store_true",
        help="do not compare the result (numpy) with the source (TensorFlow) afterwards",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")


def run(args: argparse.Namespace, prog: str = "pyposenet") -> int:
    say = (lambda text: None) if args.quiet else (lambda text: print(text, flush=True))
    try:
        result = convert_tensorflow(
            args.source,
            args.out,
            outputs=parse_outputs_option(args.outputs),
            input_name=args.input_name,
            signature=args.signature,
            quant_bytes=args.quant_bytes,
            force=args.force,
        )
    except (ConvertError, OSError) as error:
        print(f"{prog} convert: error: {error}", file=sys.stderr, flush=True)
        return 1
    if args.quant_bytes == 1:
        result.notes.append(
            "1 byte per weight, per tensor, is too coarse for PoseNet's MobileNet (depthwise weights "
            "spanning hundreds get a step of ~1): outputs move by about their own size (measured on "
            "the 0.50 graph); --quant-bytes 2 keeps them within about 2%"
        )
    for note in result.notes:
        print(f"{prog} convert: note: {note}", file=sys.stderr, flush=True)
    written = result.written
    say(f"wrote {written.json_path}")
    say(
        f"  shards: {', '.join(p.name for p in written.shards)}; {written.weight_bytes:,} bytes of weights"
        + (f" ({QUANT_DTYPES[args.quant_bytes]})" if args.quant_bytes in QUANT_DTYPES else " (float32)")
    )
    say(f"  from:   {result.source.describe()}")
    for role in OFFICIAL_ORDER:
        say(f"  {role + ':':<18}{result.output_names[role]:<24}<- {result.chosen[role].candidate.describe()}")
    say(
        f"  did:    converted in {result.seconds:.2f} s (importing TensorFlow {result.import_seconds:.2f} s, "
        f"tensorflowjs's converter {result.converter_seconds:.2f} s)"
    )
    if args.no_check:
        return 0
    started = time.perf_counter()
    try:
        diffs = check_converted(result)
    except (ConvertError, ValueError) as error:
        print(f"{prog} convert: error: check failed: {error}", file=sys.stderr, flush=True)
        return 1
    worst = max(d / max(1.0, m) for d, m in diffs.values())
    say(
        "  check:  numpy (this model) vs TensorFlow (the source), random input, max |difference| per output: "
        + ", ".join(f"{r} {d:.3g} (of {m:.3g})" for r, (d, m) in diffs.items())
        + f"; {time.perf_counter() - started:.2f} s"
    )
    if args.quant_bytes == 4 and worst > FLOAT_TOLERANCE:
        print(
            f"{prog} convert: error: the converted model differs from its source by up to {worst:.3g} of an "
            f"output's magnitude (float32 conversions agree within {FLOAT_TOLERANCE})",
            file=sys.stderr,
            flush=True,
        )
        return 1
    return 0
