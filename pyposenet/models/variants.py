"""The official PoseNet model variants: every configuration `pyposenet.options.resolve_options` accepts.

Architecture x multiplier x output stride x quantBytes, each at its `model_path` under the official
root https://storage.googleapis.com/tfjs-models/: MobileNetV1 0.50/0.75/1.00 at stride 8/16 (and 32
with 1.00), ResNet50 at stride 16/32, each as float, quant2 and quant1 weights: 27 in all.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..options import (
    ARCHITECTURES,
    MOBILENET_MULTIPLIERS,
    OFFICIAL_MODEL_ROOT,
    OUTPUT_STRIDES,
    QUANT_BYTES,
    model_path,
    resolve_options,
)

__all__ = [
    "OFFICIAL_MODEL_ROOT",
    "QUANT_NAMES",
    "Variant",
    "VARIANTS",
    "variants",
    "find_variant",
    "variant_of_path",
    "variant_with",
]

QUANT_NAMES = {4: "float", 2: "quant2", 1: "quant1"}


@dataclass(frozen=True)
class Variant:
    """One official configuration: a short name, its poseNet options and its model.json path."""

    name: str
    options: dict = field(hash=False, compare=False)
    path: str

    @property
    def folder(self) -> str:
        """The folder of model.json and its shards under the official root."""
        return str(PurePosixPath(self.path).parent)

    def describe(self) -> str:
        o = self.options
        return (
            f"{o['architecture']} multiplier {o['multiplier']} outputStride {o['outputStride']} "
            f"quantBytes {o['quantBytes']}"
        )


def _variant_name(options: dict) -> str:
    quant = QUANT_NAMES[options["quantBytes"]]
    stride = options["outputStride"]
    if options["architecture"] == "ResNet50":
        return f"resnet50-{quant}-stride{stride}"
    multiplier = {0.5: "050", 0.75: "075", 1.0: "100"}[options["multiplier"]]
    return f"mobilenet-{quant}-{multiplier}-stride{stride}"


def variants() -> list[Variant]:
    """Every configuration options.py accepts, in a stable order (architecture, quant, multiplier, stride)."""
    found = []
    for architecture in ARCHITECTURES:
        multipliers = MOBILENET_MULTIPLIERS if architecture == "MobileNetV1" else (1.0,)
        for quant_bytes in sorted(QUANT_BYTES, reverse=True):
            for multiplier in multipliers:
                for stride in OUTPUT_STRIDES[architecture]:
                    wanted = {
                        "architecture": architecture,
                        "multiplier": multiplier,
                        "outputStride": stride,
                        "quantBytes": quant_bytes,
                    }
                    try:
                        options = resolve_options(wanted)
                    except ValueError:
                        continue  # e.g. MobileNet stride 32 with multiplier 0.5 or 0.75
                    chosen = {k: options[k] for k in wanted}
                    found.append(Variant(_variant_name(chosen), chosen, model_path(chosen)))
    return found


VARIANTS: tuple[Variant, ...] = tuple(variants())


def find_variant(text: str) -> Variant:
    """A variant by its name (`mobilenet-float-075-stride16`) or its model.json path; ValueError otherwise."""
    wanted = text.strip().lower()
    for variant in VARIANTS:
        if wanted in (variant.name, variant.path.lower(), variant.path.lower().removeprefix("savedmodel/")):
            return variant
    names = [v.name for v in VARIANTS]
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown model variant {text!r}{hint} Variants: {', '.join(names)}")


def variant_of_path(path: Path | str) -> Variant | None:
    """The official variant whose model.json path `path` ends with, if any."""
    posix = PurePosixPath(Path(path).as_posix())
    for variant in VARIANTS:
        tail = PurePosixPath(variant.path)
        if tuple(posix.parts[-len(tail.parts) :]) == tail.parts:
            return variant
    return None


def variant_with(variant: Variant, **changes) -> Variant | None:
    """The official variant with these options changed (quantBytes=2, outputStride=8), or None when
    the official set has no such configuration (MobileNet 0.75 at stride 32)."""
    wanted = dict(variant.options, **changes)
    for other in VARIANTS:
        if other.options == wanted:
            return other
    return None
