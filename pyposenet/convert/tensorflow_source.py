"""A user's TensorFlow PoseNet (SavedModel folder or frozen GraphDef .pb), read with TensorFlow and
reduced to one frozen graph with its input and its four outputs chosen.

Outputs are found by name, as posenet-python and Google's graphs name them (`heatmap_2`, `offset_2`,
`displacement_fwd_2`, `displacement_bwd_2`, with or without a `MobilenetV1/.../BiasAdd` around them)
and checked by channels (17, 34, 32, 32); or given with --outputs. The heatmap must be the logits:
posenet (JS and pyposenet) applies the sigmoid itself, so a Sigmoid node found or named as the heatmap
is replaced by its input, and the user is told. Where names say nothing, 17 and 34 channels still tell
heatmap and offsets apart, but never the two 32-channel displacements: that needs --outputs.

TensorFlow is imported only here (the `convert` extra, a venv of its own: see import_tensorflowjs).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..graph_outputs import CHANNELS, ROLES
from .source import ConvertError

__all__ = [
    "TensorFlowSource",
    "Chosen",
    "import_tensorflowjs",
    "load_tensorflow_source",
    "parse_outputs_option",
    "choose_outputs",
    "INSTALL_HINT",
    "native_logs_hidden",
]

INSTALL_HINT = (
    "install the `convert` extra in an environment of its own: `make convert-env` in the repository (it makes "
    '.venv-convert; then run .venv-convert/bin/pyposenet convert ...), or `pip install "pyposenet[convert]"` in a '
    "fresh Python 3.9-3.12 venv. It pins tensorflowjs==4.22.0, tensorflow==2.19.0, ydf==0.15.0 and numpy==2.1.3: a "
    "bare `pip install tensorflowjs` picks ydf 0.16, built for protobuf 6, while TensorFlow 2.19 needs protobuf < 6, "
    "so `import tensorflowjs` fails (protobuf VersionError); and TensorFlow 2.19 needs numpy < 2.2, which clashes "
    "with the `host`/`dev` extras' numpy 2.4.6"
)

# Name hints per role, most specific first. A name is matched on its last path components, lowercased.
NAME_HINTS = {
    "displacement_fwd": ("displacement_fwd", "fwd"),
    "displacement_bwd": ("displacement_bwd", "bwd"),
    "heatmap": ("heatmap",),
    "offsets": ("offset",),
}
_PASS_THROUGH = ("Identity", "IdentityN", "StopGradient", "Snapshot")


@contextlib.contextmanager
def native_logs_hidden():
    """Hide what TensorFlow's C++ side writes to stderr meanwhile (CUDA plugin registration, MLIR and grappler
    notes: TF_CPP_MIN_LOG_LEVEL does not reach absl's logs). Python errors still come back as exceptions."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def import_tensorflowjs():
    """(tensorflow, tensorflowjs's tf_saved_model_conversion_v2), or ConvertError saying what to install."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # no CUDA-plugin and oneDNN chatter on import
    # tensorflowjs imports tensorflow_decision_forests, which prints an advert, or imports IPython to show it
    # as HTML when stdout is not a terminal or file (a pipe, redirect_stdout): IPython is not installed.
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    try:
        if importlib.util.find_spec("tensorflowjs") is None:
            raise ImportError("No module named 'tensorflowjs'")
        with native_logs_hidden():
            import tensorflow as tf
            from tensorflowjs.converters import tf_saved_model_conversion_v2 as converter
    except Exception as error:  # ImportError, or protobuf's VersionError from a mismatched ydf
        raise ConvertError(
            f"converting a TensorFlow model needs tensorflowjs, which this Python cannot import "
            f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}); "
            f"{INSTALL_HINT}"
        ) from None
    return tf, converter


@dataclass
class Candidate:
    """A tensor that could be one of the four outputs: `label` is what the user calls it (a node name,
    or a SavedModel signature's output key), `tensor` its name in the frozen graph."""

    label: str
    tensor: str
    op: str
    shape: tuple | None

    @property
    def channels(self) -> int | None:
        return self.shape[-1] if self.shape and len(self.shape) == 4 else None

    def describe(self) -> str:
        shape = "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]" if self.shape else "?"
        where = "" if self.tensor.split(":")[0] == self.label else f" = {self.tensor}"
        return f"{self.label}{where} ({self.op}, {shape})"


@dataclass
class Chosen:
    """The tensor chosen for a role, and why it differs from what was named (the sigmoid note)."""

    role: str
    candidate: Candidate
    note: str = ""


@dataclass
class TensorFlowSource:
    """A frozen graph ready to convert: its GraphDef, input, candidate outputs."""

    kind: str  # "frozen graph" or "SavedModel"
    path: Path
    tf: Any  # the tensorflow module (it ships no type information)
    graph_def: Any  # a tf.compat.v1.GraphDef
    graph: Any  # the GraphDef imported (a tf.Graph), to read shapes and walk producers
    input_name: str  # node name of the image input
    input_shape: tuple | None
    candidates: list[Candidate]
    by_label: dict[str, Candidate] = field(default_factory=dict)
    labels_are: str = "node names"

    def describe(self) -> str:
        shape = (
            "?"
            if self.input_shape is None
            else "[" + ", ".join("?" if d is None else str(d) for d in self.input_shape) + "]"
        )
        return f"{self.path} ({self.kind}, input {self.input_name} {shape}, {len(self.graph_def.node)} nodes)"


def parse_outputs_option(text: str | None) -> dict[str, str]:
    """'heatmap=NAME,offsets=NAME,...' -> {role: NAME}; ConvertError naming what is wrong."""
    if not text:
        return {}
    aliases = {"offset": "offsets", "heatmaps": "heatmap", "fwd": "displacement_fwd", "bwd": "displacement_bwd"}
    found: dict[str, str] = {}
    for item in text.split(","):
        role, sep, name = item.partition("=")
        role = aliases.get(role.strip(), role.strip())
        if not sep or not name.strip() or role not in ROLES:
            raise ConvertError(
                f"--outputs {text!r}: expected ROLE=NAME pairs separated by commas, ROLE one of "
                f"{', '.join(ROLES)}; got {item!r}"
            )
        if role in found:
            raise ConvertError(f"--outputs {text!r}: {role} is given twice")
        found[role] = name.strip()
    return found


def _shape(tensor) -> tuple | None:
    if tensor.shape.rank is None:
        return None
    return tuple(tensor.shape.as_list())


def load_tensorflow_source(
    path: Path | str, input_name: str | None = None, signature: str | None = None
) -> TensorFlowSource:
    """Read a SavedModel folder or a frozen GraphDef file into a TensorFlowSource."""
    tf, _ = import_tensorflowjs()
    path = Path(path).expanduser()
    if not path.exists():
        raise ConvertError(f"{path}: no such file or folder (expected a SavedModel folder or a frozen graph .pb)")
    if path.is_dir():
        if not (path / "saved_model.pb").is_file() and not (path / "saved_model.pbtxt").is_file():
            tfjs = sorted(p.name for p in path.glob("*.json"))
            hint = (
                f" (it holds {tfjs[0]}, a TF.js model: `pyposenet convert quantize|stride --from` take those)"
                if tfjs
                else ""
            )
            raise ConvertError(
                f"{path}: a folder without saved_model.pb, so not a SavedModel{hint}; expected a "
                "SavedModel folder or a frozen graph .pb file"
            )
        return _load_saved_model(tf, path, input_name, signature)
    if signature:
        raise ConvertError(f"--signature {signature}: {path} is a frozen graph, which has no signatures")
    return _load_frozen_graph(tf, path, input_name)


def _import(tf, graph_def, path):
    graph = tf.Graph()
    try:
        with graph.as_default():
            tf.import_graph_def(graph_def, name="")
    except Exception as error:
        raise ConvertError(f"{path}: TensorFlow cannot import this graph: {str(error).splitlines()[0]}") from None
    return graph


def _load_frozen_graph(tf, path: Path, input_name: str | None) -> TensorFlowSource:
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(path.read_bytes())
    except Exception:
        graph_def = None
    if graph_def is None or not graph_def.node:
        hint = (
            " (a TF.js model: `pyposenet convert quantize|stride --from` take those)" if path.suffix == ".json" else ""
        )
        raise ConvertError(
            f"{path}: not a frozen TensorFlow graph (a binary GraphDef .pb) nor a SavedModel folder{hint}"
        )
    if any(n.op in ("VariableV2", "VarHandleOp", "Variable") for n in graph_def.node):
        raise ConvertError(
            f"{path}: the graph holds variables, so it is not frozen; freeze it first "
            "(tf.compat.v1.graph_util.convert_variables_to_constants) or give the SavedModel"
        )
    graph = _import(tf, graph_def, path)
    placeholders = [op for op in graph.get_operations() if op.type == "Placeholder"]
    if input_name is None:
        if len(placeholders) != 1:
            listed = ", ".join(f"{op.name} {_fmt(_shape(op.outputs[0]))}" for op in placeholders) or "none"
            raise ConvertError(
                f"{path}: {len(placeholders)} Placeholder inputs ({listed}); name the image input with --input NAME"
            )
        input_op = placeholders[0]
    else:
        wanted = input_name.split(":")[0]
        matches = [op for op in placeholders if op.name == wanted]
        if not matches:
            listed = ", ".join(op.name for op in placeholders) or "none"
            raise ConvertError(f"--input {input_name}: no Placeholder of that name in {path}; its inputs: {listed}")
        input_op = matches[0]
    input_shape = _check_input(input_op.outputs[0], input_op.name, path)
    # Candidates: every 4-D tensor computed from the input (weights and their /read nodes are not).
    computed = _downstream(graph, input_op)
    candidates = []
    for op in graph.get_operations():
        if op.name in computed and op.type not in ("Const", "Placeholder") and op.outputs:
            shape = _shape(op.outputs[0])
            if shape and len(shape) == 4:
                candidates.append(Candidate(op.name, op.outputs[0].name, op.type, shape))
    by_label = {c.label: c for c in candidates}
    return TensorFlowSource(
        "frozen graph", path, tf, graph_def, graph, input_op.name, input_shape, candidates, by_label, "node names"
    )


def _load_saved_model(tf, path: Path, input_name: str | None, signature: str | None) -> TensorFlowSource:
    from tensorflow.python.framework import convert_to_constants

    try:
        model = tf.saved_model.load(str(path))
    except Exception as error:
        raise ConvertError(f"{path}: TensorFlow cannot load this SavedModel: {str(error).splitlines()[0]}") from None
    signatures = dict(getattr(model, "signatures", {}) or {})
    if not signatures:
        raise ConvertError(
            f"{path}: the SavedModel has no signatures (save it with tf.saved_model.save(module, path, signatures=...))"
        )
    if signature is None:
        signature = (
            "serving_default" if "serving_default" in signatures or len(signatures) != 1 else next(iter(signatures))
        )
    if signature not in signatures:
        raise ConvertError(
            f"{path}: no signature {signature!r}; its signatures: {', '.join(sorted(signatures))} "
            "(choose one with --signature)"
        )
    function = signatures[signature]
    inputs = {key: spec for key, spec in function.structured_input_signature[1].items()}
    if input_name is None:
        if len(inputs) != 1:
            raise ConvertError(
                f"{path}: signature {signature!r} has {len(inputs)} inputs "
                f"({', '.join(sorted(inputs)) or 'none'}); name the image input with --input NAME"
            )
        input_key = next(iter(inputs))
    elif input_name not in inputs:
        raise ConvertError(
            f"--input {input_name}: signature {signature!r} of {path} has no such input; "
            f"its inputs: {', '.join(sorted(inputs))}"
        )
    else:
        input_key = input_name
    if len(inputs) != 1:
        raise ConvertError(
            f"{path}: signature {signature!r} has {len(inputs)} inputs; a PoseNet graph has one, the image"
        )
    try:
        frozen = convert_to_constants.convert_variables_to_constants_v2(function, aggressive_inlining=True)
    except Exception as error:
        raise ConvertError(f"{path}: cannot freeze signature {signature!r}: {str(error).splitlines()[0]}") from None
    graph_def = frozen.graph.as_graph_def()
    graph = _import(tf, graph_def, path)
    [input_tensor] = [t for t in frozen.inputs if t.dtype != tf.resource]
    input_op = graph.get_operation_by_name(input_tensor.op.name)
    input_shape = _check_input(input_op.outputs[0], input_key, path)
    outputs = function.structured_outputs
    if not isinstance(outputs, dict) or len(outputs) != len(frozen.outputs):
        raise ConvertError(f"{path}: signature {signature!r} returns {type(outputs).__name__}, not named outputs")
    flat_keys = tf.nest.flatten({key: key for key in outputs})  # the order of function.outputs
    candidates = []
    for key, tensor in zip(flat_keys, frozen.outputs, strict=False):
        inner = graph.get_tensor_by_name(tensor.name)
        candidates.append(Candidate(key, tensor.name, inner.op.type, _shape(inner)))
    by_label = {c.label: c for c in candidates}
    return TensorFlowSource(
        f"SavedModel, signature {signature!r}",
        path,
        tf,
        graph_def,
        graph,
        input_op.name,
        input_shape,
        candidates,
        by_label,
        f"output keys of signature {signature!r}",
    )


def _fmt(shape) -> str:
    if shape is None:
        return "?"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def _check_input(tensor, label: str, path: Path) -> tuple | None:
    shape = _shape(tensor)
    if (
        tensor.dtype.name != "float32"
        or shape is None
        or len(shape) != 4
        or shape[-1] != 3
        or shape[0] not in (None, 1)
    ):
        raise ConvertError(
            f"{path}: input {label} is {tensor.dtype.name} {_fmt(shape)}; a PoseNet input is a "
            "float32 image batch [1, height, width, 3] (name another with --input)"
        )
    return shape


def _downstream(graph, start_op) -> set[str]:
    readers: dict[str, list] = {}
    for op in graph.get_operations():
        for tensor in op.inputs:
            readers.setdefault(tensor.op.name, []).append(op)
    seen, stack = {start_op.name}, [start_op]
    while stack:
        for reader in readers.get(stack.pop().name, []):
            if reader.name not in seen:
                seen.add(reader.name)
                stack.append(reader)
    return seen


def _role_of(label: str) -> str | None:
    """The role a name suggests: its last two path components, so 'MobilenetV1/heatmap_2/BiasAdd' counts
    and a long scope name does not."""
    parts = [p for p in re.split(r"[/:]", label.lower()) if p and not p.isdigit()]
    tail = "/".join(parts[-2:])
    for role, hints in NAME_HINTS.items():
        if any(hint in tail for hint in hints):
            return role
    return None


def _ancestors(graph, op) -> set[str]:
    seen, stack = set(), [op]
    while stack:
        for tensor in stack.pop().inputs:
            if tensor.op.name not in seen:
                seen.add(tensor.op.name)
                stack.append(tensor.op)
    return seen


def _logits(source: TensorFlowSource, chosen: Candidate) -> tuple[Candidate, str]:
    """`chosen`, or the logits under it when it is a Sigmoid (through Identity-like ops)."""
    op = source.graph.get_tensor_by_name(chosen.tensor).op
    while op.type in _PASS_THROUGH and op.inputs:
        op = op.inputs[0].op
    if op.type != "Sigmoid":
        return chosen, ""
    logits = op.inputs[0]
    what = f"{chosen.label} is a Sigmoid" + ("" if op.name == chosen.label else f" ({op.name})")
    note = (
        f"heatmap: {what}; using its input {logits.op.name}, the logits, because posenet applies the "
        "sigmoid itself (the official graphs output logits)"
    )
    return Candidate(logits.op.name, logits.name, logits.op.type, _shape(logits)), note


def _sinks(source: TensorFlowSource) -> list[Candidate]:
    """Candidates nothing else reads (for a SavedModel: every signature output)."""
    if source.kind != "frozen graph":
        return list(source.candidates)
    read = {t.op.name for op in source.graph.get_operations() for t in op.inputs}
    return [c for c in source.candidates if c.label not in read]


def _listing(source: TensorFlowSource) -> str:
    shown = [c for c in source.candidates if c.channels in (17, 32, 34) and (_role_of(c.label) or c in _sinks(source))]
    shown = shown or _sinks(source)
    return "; ".join(c.describe() for c in shown) or "none"


def choose_outputs(
    source: TensorFlowSource, explicit: dict[str, str] | None = None
) -> tuple[dict[str, Chosen], list[str]]:
    """{role: Chosen} for the four PoseNet outputs, and notes to show; ConvertError when one is missing,
    ambiguous or has the wrong channel count (listing the candidates with their shapes)."""
    explicit = explicit or {}
    chosen: dict[str, Chosen] = {}
    notes: list[str] = []
    candidates = [c for c in source.candidates if c.channels is not None]
    for role in ROLES:
        found, note = _named_output(source, role, explicit, candidates)
        if note:
            notes.append(note)
        if found is not None:
            chosen[role] = Chosen(role, found)
    notes.extend(_choose_by_channels(source, chosen))
    _check_chosen(source, chosen)
    return chosen, notes


def _named_output(
    source: TensorFlowSource, role: str, explicit: dict[str, str], candidates: list[Candidate]
) -> tuple[Candidate | None, str]:
    """The output `role` by name (given with --outputs, else the name says the role), or None, and a note;
    ConvertError for an unknown --outputs name or several outputs that could be the role."""
    if role in explicit:
        found = [_explicit_output(source, role, explicit[role])]
    else:
        found = _outputs_named_for(source, role, candidates)
    pairs = [(c, "") for c in found]
    if role == "heatmap":
        pairs = list({c.tensor: (c, note) for c, note in (_logits(source, c) for c in found)}.values())
        found = [c for c, _ in pairs]
    if len(found) > 1:
        raise ConvertError(
            f"{source.path}: more than one output could be the {role} ("
            f"{'; '.join(c.describe() for c in found)}); choose with --outputs {role}=NAME "
            f"(NAME: one of its {source.labels_are})"
        )
    return pairs[0] if pairs else (None, "")


def _explicit_output(source: TensorFlowSource, role: str, name: str) -> Candidate:
    """The candidate --outputs ROLE=NAME names (NAME with or without its :index)."""
    candidate = source.by_label.get(name) or source.by_label.get(name.split(":")[0])
    if candidate is None:
        raise ConvertError(
            f"--outputs {role}={name}: not among the {source.labels_are} of {source.path} "
            f"with a 4-D output; candidates: {_listing(source)}"
        )
    return candidate


def _outputs_named_for(source: TensorFlowSource, role: str, candidates: list[Candidate]) -> list[Candidate]:
    """The candidates whose name says `role` and whose channels do not contradict it."""
    found = [c for c in candidates if _role_of(c.label) == role and c.channels in (CHANNELS[role], None)]
    if source.kind == "frozen graph" and len(found) > 1:
        # A chain of same-named nodes (Conv2D -> BiasAdd -> Sigmoid): its last node.
        ancestry = {c.label: _ancestors(source.graph, source.graph.get_operation_by_name(c.label)) for c in found}
        found = [c for c in found if not any(c.label in ancestry[d.label] for d in found if d is not c)]
    return found


def _choose_by_channels(source: TensorFlowSource, chosen: dict[str, Chosen]) -> list[str]:
    """Where names said nothing: 17 and 34 channels tell heatmap and offsets apart, 32 never tells fwd from
    bwd. Adds to `chosen` the heatmap and offsets only one output fits; returns a note for each."""
    notes = []
    taken = {c.candidate.tensor for c in chosen.values()}
    for role in ("heatmap", "offsets"):
        if role in chosen:
            continue
        by_channels = [c for c in _sinks(source) if c.channels == CHANNELS[role] and c.tensor not in taken]
        if role == "heatmap":
            by_channels = list({c.tensor: c for c in (_logits(source, c)[0] for c in by_channels)}.values())
        if len(by_channels) == 1:
            chosen[role] = Chosen(role, by_channels[0])
            notes.append(
                f"{role}: {by_channels[0].label} chosen by its {CHANNELS[role]} channels (its name does not say)"
            )
            taken.add(by_channels[0].tensor)
    return notes


def _check_chosen(source: TensorFlowSource, chosen: dict[str, Chosen]) -> None:
    """ConvertError unless every role is chosen, each with its channel count, each a different tensor."""
    missing = [r for r in ROLES if r not in chosen]
    if missing:
        taken = {c.candidate.tensor for c in chosen.values()}
        unnamed_32 = [c for c in _sinks(source) if c.channels == 32 and c.tensor not in taken]
        why = ""
        if any(r.startswith("displacement") for r in missing) and len(unnamed_32) >= 2:
            why = (
                f" ({', '.join(c.label for c in unnamed_32)} both have 32 channels and names that do not say "
                "which is displacement_fwd and which displacement_bwd; tensorflowjs alone would leave them "
                "unlabelled, as Identity:0 and Identity_1:0, in no order posenet can rely on)"
            )
        raise ConvertError(
            f"{source.path}: found no {', '.join(missing)} output{why}. A PoseNet graph has heatmap "
            "(17 channels, logits), offsets (34), displacement_fwd (32) and displacement_bwd (32); "
            f"name them with --outputs heatmap=NAME,offsets=NAME,displacement_fwd=NAME,"
            f"displacement_bwd=NAME (NAME: {source.labels_are}). Candidates: {_listing(source)}"
        )
    for role, pick in chosen.items():
        channels = pick.candidate.channels
        if channels is not None and channels != CHANNELS[role]:
            raise ConvertError(
                f"{source.path}: {pick.candidate.describe()} has {channels} channels, but the "
                f"{role} has {CHANNELS[role]}; candidates: {_listing(source)}"
            )
    tensors = [pick.candidate.tensor for pick in chosen.values()]
    if len(set(tensors)) != len(tensors):
        raise ConvertError(
            f"{source.path}: one tensor chosen for two outputs: "
            + ", ".join(f"{r}={p.candidate.label}" for r, p in chosen.items())
        )
