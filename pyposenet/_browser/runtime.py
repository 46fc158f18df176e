"""Runs the PoseNet network with TF.js (web/model.js) on behalf of `pyposenet.net.PoseNet`."""

from __future__ import annotations

import js
import pyposenet_js  # registered by web/boot.js
from pyodide.ffi import to_js

from ..decode import ModelOutputs
from ..decode.root_hints import RootCandidates
from ..graph_outputs import ROLES, check_output_shapes, identify_outputs
from ..options import input_size, model_url
from ..results import FrameGeometry
from . import errors


class BrowserRuntime:  # implements pyposenet.runtime.CameraRuntime (and so Runtime)
    """Runs PoseNet with TF.js in the page (see pyposenet/runtime.py for the contract)."""

    async def load_model(self, options):
        url = model_url(options)
        # The backend is started on the page and, unless the network stays on the main thread
        # (`?worker=0`, or a `worker` option set to False), in the model worker, in parallel.
        model = await pyposenet_js.model.loadModel(url, options["backend"], options.get("worker"))
        try:
            outputs = [(o.name, list(o.shape) if o.shape else None) for o in model.outputs]
            roles = identify_outputs(outputs, model=url)
            height, width = input_size(options)
            fixed = list(model.inputShape) if model.inputShape else None
            if fixed and len(fixed) == 4 and fixed[1] > 0 and fixed[2] > 0:
                height, width = fixed[1], fixed[2]  # a graph exported for one input size accepts only that
            preprocessing = "resnet" if options["architecture"] == "ResNet50" else "mobilenet"
            model.configure(to_js([roles[r] for r in ROLES]), height, width, preprocessing)
            shapes = await model.warmUp()
            # The official graphs declare no output shapes: their channels are known once they ran.
            check_output_shapes(roles, [list(s) for s in shapes], model=url)
        except BaseException:
            model.dispose()  # a model that is not PoseNet's leaves no tensors behind
            raise
        return model

    async def run(self, model, image, roots=None):
        """The frame's outputs and geometry. ``roots``: None, or ``(count, score_threshold)`` to have
        web/root-candidates.js find that many multi-pose root candidates (decode/root_hints.py)."""
        request = (
            None
            if roots is None
            else to_js({"count": roots[0], "threshold": roots[1]}, dict_converter=js.Object.fromEntries)
        )
        r = await model.estimate(image, request)
        data = r.data.to_memoryview()  # one copy of the Float32Array into Python memory, no proxy kept
        hint = None
        if r.roots is not None:
            hint = RootCandidates.from_flat(r.roots.data.to_memoryview(), r.roots.found, r.roots.threshold, r.roots.nan)
        outputs = ModelOutputs.from_flat(data, r.gridHeight, r.gridWidth, hint)
        geometry = FrameGeometry(
            input_height=r.inputHeight,
            input_width=r.inputWidth,
            source_height=r.sourceHeight,
            source_width=r.sourceWidth,
            pad_top=r.padTop,
            pad_bottom=r.padBottom,
            pad_left=r.padLeft,
            pad_right=r.padRight,
            display_height=r.displayHeight,
            display_width=r.displayWidth,
        )
        return outputs, geometry

    async def next_frame(self, video):
        await pyposenet_js.model.nextFrame(video)

    def has_frame(self, video) -> bool:
        return bool(pyposenet_js.model.hasFrame(video))

    def video_problem(self, video) -> str | None:
        """Why a capture will give no frames (camera refused or missing: web/camera.js), or None."""
        return pyposenet_js.camera.problem(video)

    def show_notice(self, text: str | None) -> None:
        pyposenet_js.page.showNotice(text)

    def set_status(self, text: str) -> None:
        pyposenet_js.page.setStatus(text)

    def report_error(self, exc: BaseException, where: str) -> None:
        errors.show(exc, where)
