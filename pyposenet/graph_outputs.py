"""Which output tensor of a PoseNet graph model is which.

Converted graphs order their four outputs differently (the official MobileNet graphs list offsets
first, re-exported ones fwd first), so outputs are identified by name, and by channel count
where the name says nothing; the model is then always executed by output name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

ROLES = ("heatmap", "offsets", "displacement_fwd", "displacement_bwd")
CHANNELS = {"heatmap": 17, "offsets": 34, "displacement_fwd": 32, "displacement_bwd": 32}
_NAME_HINTS = {
    "heatmap": ("heatmap",),
    "offsets": ("offset",),
    "displacement_fwd": ("displacement_fwd", "fwd"),
    "displacement_bwd": ("displacement_bwd", "bwd"),
}


def _role_by_name(name: str) -> str | None:
    lowered = name.lower()
    for role in ("displacement_fwd", "displacement_bwd", "heatmap", "offsets"):
        if any(hint in lowered for hint in _NAME_HINTS[role]):
            return role
    return None


def identify_outputs(outputs: Iterable[tuple[str, Sequence[int] | None]], model: str = "model") -> dict[str, str]:
    """Map each role in ROLES to an output name, given (name, shape) pairs as the graph declares them."""
    outputs = list(outputs)
    found: dict[str, str] = {}
    for name, shape in outputs:
        role = _role_by_name(name)
        channels = shape[-1] if shape else None
        if role is None and channels in (17, 34):
            role = "heatmap" if channels == 17 else "offsets"
        if role is None or role in found:
            continue
        if channels not in (None, -1) and channels != CHANNELS[role]:
            raise ValueError(
                f"{model}: output {name!r} looks like {role} but has {channels} channels, expected {CHANNELS[role]}"
            )
        found[role] = name
    missing = [r for r in ROLES if r not in found]
    if missing:
        listed = ", ".join(f"{n} {list(s) if s else '?'}" for n, s in outputs) or "none"
        raise ValueError(
            f"{model} is not a PoseNet graph: no output for {', '.join(missing)} "
            f"(a PoseNet graph has heatmap 17, offsets 34, displacement_fwd 32 and "
            f"displacement_bwd 32 channels); its outputs: {listed}"
        )
    return found


def check_output_shapes(roles: dict[str, str], shapes: Sequence[Sequence[int]], model: str = "model") -> None:
    """Check the outputs a run produced (`shapes` in ROLES order) are PoseNet's: [1, H, W, channels],
    one grid for all four, 17/34/32/32 channels. A graph whose outputs declare no shape is only
    known once it has run; raises ValueError naming the output and what is wrong."""
    shapes = [list(s) for s in shapes]
    for role, shape in zip(ROLES, shapes, strict=False):
        name = roles[role]
        if len(shape) != 4:
            raise ValueError(
                f"{model}: output {name!r} ({role}) has shape {shape}; a PoseNet output is "
                f"[1, height, width, {CHANNELS[role]}]"
            )
        if shape[-1] != CHANNELS[role]:
            raise ValueError(
                f"{model}: output {name!r} ({role}) has {shape[-1]} channels, a PoseNet {role} "
                f"has {CHANNELS[role]} (heatmap 17, offsets 34, displacement_fwd 32, "
                f"displacement_bwd 32): not a PoseNet model, or its outputs are mislabelled"
            )
    grids = {tuple(shape[1:3]) for shape in shapes}
    if len(grids) != 1:
        listed = ", ".join(f"{role} {shape}" for role, shape in zip(ROLES, shapes, strict=False))
        raise ValueError(f"{model}: the four outputs must share one grid; got {listed}")
