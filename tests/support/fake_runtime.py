"""A fake runtime for pyposenet.net (pyposenet.runtime.Runtime, recording what the net does) and its friends.

Used by the net's unit tests (test_net.py, test_net_close.py, test_frame_wait.py): the fake answers every
frame with the 0.75 model's saved outputs for one of the shared test images (../shared/testdata/expected-js).
"""

import asyncio
import functools
import json

import numpy as np

from pyposenet.decode import ModelOutputs
from pyposenet.results import FrameGeometry
from tests.conftest import TESTDATA_DIR

EXPECTED_JS = TESTDATA_DIR / "expected-js" / "mobilenet-float-075-stride16"
MODEL = object()  # what the fake load_model returns


@functools.cache
def reference_outputs(image: str):
    """(ModelOutputs, FrameGeometry, expected.json) for one image of the 0.75 reference outputs."""
    folder = EXPECTED_JS / image
    expected = json.loads((folder / "expected.json").read_text())
    tensors = [
        np.load(folder / f"{name}.npy") for name in ("heatmapScores", "offsets", "displacementFwd", "displacementBwd")
    ]
    height, width = tensors[0].shape[:2]
    outputs = ModelOutputs(height, width, *(t.astype(np.float32).ravel().tolist() for t in tensors))
    (in_h, in_w), (src_h, src_w), pad = expected["input_resolution_hw"], expected["image_hw"], expected["padding"]
    geometry = FrameGeometry(
        input_height=in_h,
        input_width=in_w,
        source_height=src_h,
        source_width=src_w,
        pad_top=pad["top"],
        pad_bottom=pad["bottom"],
        pad_left=pad["left"],
        pad_right=pad["right"],
    )
    return outputs, geometry, expected


class FakeRuntime:
    """The runtime protocol (pyposenet.runtime.Runtime), recording what the net does with it."""

    def __init__(self, image="starter", load_error=None, has_frame=True, run_error=None):
        self.outputs, self.geometry, self.expected = reference_outputs(image)
        self.load_error = load_error
        self.run_error = run_error
        self.frame_ready = has_frame
        self.loaded_with = None
        self.statuses = []
        self.errors = []
        self.images = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.frames_waited = 0
        self.roots = []

    async def load_model(self, options):
        self.loaded_with = dict(options)
        await asyncio.sleep(0)
        if self.load_error is not None:
            raise self.load_error
        return MODEL

    async def run(self, model, image, roots=None):
        assert model is MODEL
        self.roots.append(roots)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            assert self.in_flight == 1, "two frames in flight at once"
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            if self.run_error is not None:
                raise self.run_error
            self.images.append(image)
            return self.outputs, self.geometry
        finally:
            self.in_flight -= 1

    async def next_frame(self, video):
        self.frames_waited += 1
        await asyncio.sleep(0)

    def has_frame(self, video):
        return self.frame_ready

    def set_status(self, text):
        self.statuses.append(text)

    def report_error(self, exc, where):
        self.errors.append((exc, where))

    @property
    def runs(self):
        return len(self.images)


class FakeVideo:
    """Looks like a p5 video element (it has `elt`)."""

    elt = "<video>"

    def __repr__(self):
        return "FakeVideo()"


class CallableVideo(FakeVideo):
    """A JavaScript element in Pyodide is a callable-looking proxy: still a video, not a callback."""

    def __call__(self, *args):
        raise AssertionError("a video must not be called")


class FakeImage:
    tagName = "IMG"


async def until(condition, limit=5000):
    for _ in range(limit):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition not reached")


async def settle(steps=50):
    for _ in range(steps):
        await asyncio.sleep(0)
