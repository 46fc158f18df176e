"""HostRuntime: the runtime contract (`pyposenet.runtime.Runtime`) under plain CPython (numpy, no TensorFlow).

    from pyposenet import poseNet
    net = await poseNet("single")                  # picks HostRuntime outside the browser
    results = await net.singlePose("starter.png")  # a path, a PIL image or an HxWx3 uint8 array

Models are found like the server finds them (a `pyposenet.models.ModelStore`): `modelUrl` when given
(a local path, a file:// URL or an http(s) URL), else `model_path(options)` under the models folder
($PYPOSENET_MODELS, else <checkout>/../shared/models when it exists), then the download cache
($PYPOSENET_CACHE, default ~/.cache/pyposenet/models), then downloaded once from the official root
into the cache. When all fail, ModelNotFoundError names the file and every place looked.

The network runs on an engine (pyposenet/_host/engines/): onnxruntime when it is installed (the `onnxruntime`
extra), else the numpy executor; `HostRuntime(engine="numpy" | "onnxruntime" | "auto")` or $PYPOSENET_ENGINE choose.
"""

from __future__ import annotations

import asyncio
import logging
import re
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from ..decode import ModelOutputs
from ..graph_outputs import ROLES, check_output_shapes, identify_outputs
from ..models import ModelNotFoundError, ModelStore, default_cache_dir, default_models_dir  # noqa: F401 (re-exported)
from ..options import OFFICIAL_MODEL_ROOT, PAGE_MODELS_FOLDER, input_size, model_path
from ..results import FrameGeometry
from .engines import Engine, engine_choice, make_engine
from .graph import GraphModel, ModelFormatError, UnsupportedOpError, load_graph_model
from .images import load_image
from .preprocess import preprocess

log = logging.getLogger("pyposenet")

# What a sketch written for the page may pass as modelUrl for the app's own models: the page's relative
# folder (options.PAGE_MODELS_FOLDER), from the site's root, or the route of earlier versions.
PAGE_MODELS_PREFIXES = (PAGE_MODELS_FOLDER, "/" + PAGE_MODELS_FOLDER, "/models/")
NO_DOWNLOAD = "downloads disabled"


def _cache_part(text: str) -> str:
    """One folder of an http modelUrl's place in the cache, as a plain name part ("host:8000" -> "host_8000")."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text).lstrip(".") or "_"


@dataclass
class HostModel:
    """A loaded PoseNet: the graph, its outputs in ROLES order, the input size and preprocessing, and the
    engine running the graph at that size (its `name` says which)."""

    graph: GraphModel
    output_names: list[str]
    input_height: int
    input_width: int
    preprocessing: str
    source: str
    engine: Engine


def _warm_up(engine: Engine, height: int, width: int, path: Path) -> list:
    """One run on zeros: checks that the graph runs (and warms the engine up). A graph that loaded but cannot
    run (a damaged model.json: an op's inputs or attributes of the wrong kind) is a ModelFormatError naming it."""
    try:
        return engine.run(np.zeros((1, height, width, 3), np.float32))
    except (ModelFormatError, UnsupportedOpError):
        raise
    except Exception as error:  # noqa: BLE001 - whatever a damaged graph makes numpy or onnxruntime raise
        raise ModelFormatError(
            f"{path.name} ({path}): the graph cannot run ({type(error).__name__}: {error}); the file is damaged or "
            "not a PoseNet model"
        ) from error


class HostRuntime:  # implements pyposenet.runtime.Runtime
    """Runs PoseNet with numpy for `pyposenet.net.PoseNet` (the contract: pyposenet/runtime.py)."""

    def __init__(
        self,
        models_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
        base_url: str | None = OFFICIAL_MODEL_ROOT,
        download_timeout: float = 30.0,
        engine: str | None = None,
    ):
        """`engine`: "auto" (onnxruntime when installed, else numpy), "numpy" or "onnxruntime"; None reads
        $PYPOSENET_ENGINE when a model is loaded (default "auto")."""
        self._engine = engine_choice(engine) if engine is not None else None
        self._models_dir = Path(models_dir) if models_dir is not None else None
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.base_url = base_url
        self.download_timeout = download_timeout

    def files(self) -> ModelStore:
        """Where models are looked for (environment variables are read now, not at import)."""
        return ModelStore(
            self._models_dir or default_models_dir(),
            self._cache_dir or default_cache_dir(),
            self.base_url,
            self.download_timeout,
            disabled_reason=NO_DOWNLOAD,
        )

    # -- pyposenet.runtime.Runtime -----------------------------------------------------------------------

    async def load_model(self, options) -> HostModel:
        return self.load_model_sync(options)

    async def run(self, model: HostModel, image, roots=None):
        """``roots`` is not used: under CPython the decoder's own search for roots is quick."""
        return self.infer(model, image)

    async def next_frame(self, video) -> None:
        await asyncio.sleep(0)  # no video clock under CPython: a frame is whatever `video` shows now

    def has_frame(self, video) -> bool:
        return video is not None

    def set_status(self, text: str) -> None:
        log.info("poseNet: %s", text)

    def report_error(self, exc: BaseException, where: str) -> None:
        log.error("poseNet: error in %s: %s", where, exc, exc_info=(type(exc), exc, exc.__traceback__))

    # -- synchronous work ---------------------------------------------------------------------------

    def load_model_sync(self, options) -> HostModel:
        """Find, read and warm up the model `options` name (the same choice as the page makes)."""
        path, shard_path = self.locate(options)
        graph = load_graph_model(path, shard_path)
        roles = identify_outputs([(o.name, o.shape) for o in graph.outputs], model=str(path))
        height, width = input_size(options)
        fixed = graph.input_shape
        if fixed and len(fixed) == 4 and fixed[1] > 0 and fixed[2] > 0:
            height, width = fixed[1], fixed[2]  # a graph exported for one input size accepts only that
        preprocessing = "resnet" if options.get("architecture") == "ResNet50" else "mobilenet"
        outputs = [roles[r] for r in ROLES]
        engine = make_engine(self._engine or engine_choice(None), graph, outputs, height, width)
        model = HostModel(graph, outputs, height, width, preprocessing, str(path), engine)
        warm = _warm_up(engine, height, width, path)
        check_output_shapes(roles, [o.shape for o in warm], model=str(path))  # declared shapes may be missing
        return model

    def locate(self, options) -> tuple[Path, Callable[[str], Path]]:
        """model.json's local path and a function finding each weight shard named in its manifest."""
        url = options.get("modelUrl")
        files = self.files()
        if not url:
            name = model_path(options)
            folder = str(PurePosixPath(name).parent)
            return files.find(name), lambda shard: files.find(f"{folder}/{shard}")
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme in ("http", "https"):
            official = (self.base_url or OFFICIAL_MODEL_ROOT).rstrip("/") + "/"
            if url.startswith(official):
                name = urllib.parse.unquote(url[len(official) :])
                folder = str(PurePosixPath(name).parent)
                return files.find(name), lambda shard: files.find(f"{folder}/{shard}")
            folder_url = url.rsplit("/", 1)[0]
            url_folder = PurePosixPath(urllib.parse.unquote(parsed.path)).parent.parts[1:]
            cache_folder = "/".join(["urls", _cache_part(parsed.netloc), *map(_cache_part, url_folder)])
            leaf = url.rsplit("/", 1)[1]
            return (
                files.find(leaf, base_url=folder_url, cache_name=f"{cache_folder}/{leaf}"),
                lambda shard: files.find(shard, base_url=folder_url, cache_name=f"{cache_folder}/{shard}"),
            )
        if parsed.scheme == "file":
            url = urllib.request.url2pathname(parsed.path)
        local = Path(url).expanduser()
        prefix = next((p for p in PAGE_MODELS_PREFIXES if url.startswith(p)), None)
        if not local.is_file() and prefix is not None:
            name = url[len(prefix) :]
            folder = str(PurePosixPath(name).parent)
            return files.find(name), lambda shard: files.find(f"{folder}/{shard}")
        if not local.is_file():
            raise ModelNotFoundError(
                f"model file '{url}' not found (under CPython modelUrl is a local path, "
                f"a file:// or an http(s) URL; looked at {local.absolute()})"
            )
        return local, lambda shard: local.parent / shard

    def infer(self, model: HostModel, image) -> tuple[ModelOutputs, FrameGeometry]:
        """One frame through the network: what `run` returns, synchronously."""
        pixels = load_image(image)
        height, width = pixels.shape[:2]
        batch, (top, bottom, left, right) = preprocess(
            pixels, model.input_height, model.input_width, model.preprocessing
        )
        heatmap, offsets, fwd, bwd = (o[0] for o in model.engine.run(batch))
        # tfjs's sigmoid kernel computes 1 / (1 + exp(-x)) in double precision and stores float32.
        scores = (1.0 / (1.0 + np.exp(-heatmap.astype(np.float64)))).astype(np.float32)
        flat = np.concatenate([scores.ravel(), offsets.ravel(), fwd.ravel(), bwd.ravel()]).astype(np.float32)
        outputs = ModelOutputs.from_flat(memoryview(flat), heatmap.shape[0], heatmap.shape[1])  # type: ignore[arg-type]  # numpy's stubs give ndarray __buffer__ only for Python >= 3.12
        geometry = FrameGeometry(
            input_height=model.input_height,
            input_width=model.input_width,
            source_height=height,
            source_width=width,
            pad_top=top,
            pad_bottom=bottom,
            pad_left=left,
            pad_right=right,
            display_height=height,
            display_width=width,
        )
        return outputs, geometry
