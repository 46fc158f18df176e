"""The decoders fuzzed through the net's own path (`singlePose` / `multiPose` with a runtime that answers with
drawn network outputs): NaN, ±inf, zeros, huge and tiny values on grids from 1x1 up. The answer is always a list
of ml5 results (maybe empty), never an exception, and every number in it is finite.

A network gives such numbers when its weights are damaged (a flipped bit in a shard loads without a word) or a
backend misbehaves; the sketch must get poses it can draw or none, not NaN it draws nowhere.
"""

from __future__ import annotations

import asyncio
import math

import numpy as np
from hypothesis import event, given
from hypothesis import strategies as st

from pyposenet import poseNet
from pyposenet.decode import ModelOutputs
from pyposenet.results import FrameGeometry
from tests.support.fake_runtime import FakeRuntime
from tests.support.fuzz import examples

CHANNELS = 17 + 34 + 32 + 32
SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e38, -1e38, 3.4e38, 1e-38, 1e-45, 1.0, 0.5]


@st.composite
def network_outputs(draw) -> tuple[ModelOutputs, FrameGeometry]:
    """A grid of 1x1 to 9x9 cells filled from a drawn mix of special values and ordinary ones."""
    height, width = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    specials = draw(st.lists(st.sampled_from(SPECIAL), min_size=1, max_size=4))
    share = draw(st.sampled_from([0.0, 0.01, 0.2, 1.0]))  # how many cells get a special value
    scale = draw(st.sampled_from([1.0, 10.0, 1e6]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = (rng.standard_normal(height * width * CHANNELS) * scale).astype(np.float32)
    cells = rng.random(values.size) < share
    values[cells] = rng.choice(np.array(specials, np.float32), int(cells.sum()))
    heatmap = values[: height * width * 17]
    np.clip(heatmap, 0, 1, out=heatmap, where=np.isfinite(heatmap) & (rng.random(heatmap.size) < 0.9))
    outputs = ModelOutputs.from_flat(memoryview(values), height, width)  # as the host and browser runtimes hand over
    stride = 16
    geometry = FrameGeometry(
        input_height=(height - 1) * stride + 1,
        input_width=(width - 1) * stride + 1,
        source_height=draw(st.integers(1, 1000)),
        source_width=draw(st.integers(1, 1000)),
        pad_top=0,
        pad_bottom=0,
        pad_left=0,
        pad_right=0,
    )
    return outputs, geometry


DETECTION_OPTIONS = st.fixed_dictionaries(
    {
        "detectionType": st.sampled_from(["single", "multiple"]),
        "maxPoseDetections": st.integers(1, 20),
        "scoreThreshold": st.sampled_from([0.0, 0.1, 0.5, 1.0]),
        "nmsRadius": st.sampled_from([1, 20, 100]),
        "minConfidence": st.sampled_from([0.0, 0.1, 0.5]),
        "flipHorizontal": st.booleans(),
    }
)


def non_finite(value, where: str = "") -> list[str]:
    """Where in a result a number is NaN or infinite."""
    if isinstance(value, dict):
        return [w for key, v in value.items() for w in non_finite(v, f"{where}.{key}")]
    if isinstance(value, list):
        return [w for i, v in enumerate(value) for w in non_finite(v, f"{where}[{i}]")]
    return [f"{where} = {value}"] if isinstance(value, float) and not math.isfinite(value) else []


def detect(outputs: ModelOutputs, geometry: FrameGeometry, options: dict) -> list:
    """`singlePose` or `multiPose` (options["detectionType"]) of a net whose runtime answers with `outputs`."""

    runtime = FakeRuntime()
    runtime.outputs, runtime.geometry = outputs, geometry

    async def run():
        net = await poseNet(dict(options), runtime=runtime)
        image = object()
        return await (net.singlePose(image) if options["detectionType"] == "single" else net.multiPose(image))

    results = asyncio.run(run())
    assert runtime.errors == [], runtime.errors  # the net reported nothing
    return results


@given(drawn=network_outputs(), options=DETECTION_OPTIONS)
@examples(150)
def test_any_network_output_decodes_to_finite_poses_or_none(drawn, options):
    results = detect(*drawn, options)
    assert isinstance(results, list)
    event(f"{options['detectionType']}: {'no pose' if not results else 'poses'}")
    for result in results:
        assert len(result["pose"]["keypoints"]) == 17
        assert not non_finite(result), non_finite(result)[:5]


def test_infinite_and_nan_outputs_found_by_the_fuzzer_give_finite_poses():
    """The reference decoders crash on ±inf (int(inf) in the displacement walk) and pass NaN through; both
    found by the fuzzer. Every cell here is inf or NaN: the poses are those of all-zero outputs."""
    for special in (math.inf, -math.inf, math.nan):
        values = np.full(2 * 3 * CHANNELS, special, np.float32)
        outputs = ModelOutputs.from_flat(memoryview(values), 2, 3)
        geometry = FrameGeometry(
            input_height=17,
            input_width=33,
            source_height=17,
            source_width=33,
            pad_top=0,
            pad_bottom=0,
            pad_left=0,
            pad_right=0,
        )
        for detection in ("single", "multiple"):
            for result in detect(outputs, geometry, {"detectionType": detection}):
                assert not non_finite(result)
