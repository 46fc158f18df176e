"""Damaged model files fuzzed through the host's loader (read, check, warm-up run: what `poseNet` under CPython,
`pyposenet detect` and POST /api/pose do) and through the page's own checks (pyposenet/web/model-files.js, in
node): either the model loads, or the error names the broken file and is one of the documented types; never
another exception, never a hang.

The drawn damage is in tests/support/model_mutations.py (model.json edited as data or as bytes, shards cut,
flipped or extended). A flipped bit inside a weight is not detectable and loads: other weights, same shapes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from pyposenet._host.graph import ModelFormatError, UnsupportedOpError
from pyposenet._host.runtime import HostRuntime
from pyposenet.options import resolve_options
from tests.conftest import REPO_ROOT
from tests.support.fuzz import Blobs, examples
from tests.support.model_mutations import damaged_models

MODEL = "savedmodel/posenet/mobilenet/float/050"
JSON_NAME = "model-stride16.json"
# What the host's loader may raise for a broken model: ModelFormatError (graph.py, models/checks.py), the
# ValueError of graph_outputs.py (not a PoseNet graph), UnsupportedOpError, FileNotFoundError and
# ModelNotFoundError for a missing file. Each must name the file.
HOST_ERRORS = (ValueError, UnsupportedOpError, FileNotFoundError)
PAGE_CHECKS = REPO_ROOT / "tests" / "support" / "page_model_checks.mjs"
MODEL_FILES_JS = REPO_ROOT / "pyposenet" / "web" / "model-files.js"


@pytest.fixture(scope="module")
def good(models_dir) -> dict[str, bytes]:
    folder = models_dir / MODEL
    spec = json.loads((folder / JSON_NAME).read_text())
    names = [JSON_NAME, *(p for group in spec["weightsManifest"] for p in group["paths"])]
    return Blobs({name: (folder / name).read_bytes() for name in names})


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> HostRuntime:
    return HostRuntime(tmp_path_factory.mktemp("no-models"), tmp_path_factory.mktemp("cache"), base_url=None)


class PageChecks:
    """One node process running the page's fetchGraphModel over folders, a request a line."""

    def __init__(self):
        node = shutil.which("node")
        if node is None:
            pytest.fail("node is needed to run the page's model checks (make setup installs the npm packages)")
        self.proc = subprocess.Popen(
            [node, "--no-warnings", str(PAGE_CHECKS), str(MODEL_FILES_JS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def check(self, folder: Path) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"folder": str(folder), "file": JSON_NAME}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the page's checks stopped (exit status {self.proc.poll()})"
        return json.loads(line)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def page_checks():
    checks = PageChecks()
    yield checks
    checks.close()


def named_files(good, folder: Path) -> set[str]:
    """The files a message may name: the good model's and every shard the damaged manifest names."""
    names = set(good)
    try:
        spec = json.loads((folder / JSON_NAME).read_bytes().decode("utf-8", "replace"))  # as the page reads it
        paths = [p for group in spec["weightsManifest"] for p in group["paths"] if isinstance(p, str) and p]
        names.update(paths)
        names.update(p.rsplit("/", 1)[-1] for p in paths)  # the page names a URL's last part
    except (ValueError, TypeError, KeyError):  # damaged beyond that: the good names only
        pass
    return names


def names_a_file(message: str, files) -> bool:
    return any(name and name in message for name in files)


@given(data=st.data())
@examples(60)
def test_a_damaged_model_loads_or_names_the_broken_file(good, runtime, page_checks, tmp_path_factory, data):
    damage = data.draw(damaged_models(good, JSON_NAME))
    folder = tmp_path_factory.mktemp("model")
    damage.write(folder)
    files = named_files(good, folder)

    try:
        runtime.load_model_sync(resolve_options({"modelUrl": str(folder / JSON_NAME), "inputResolution": 129}))
        event("host: loaded")
    except HOST_ERRORS as error:
        event(f"host: {type(error).__name__}")
        assert names_a_file(str(error), files), (damage.edits, error)

    page = page_checks.check(folder)
    event("page: loaded" if page["ok"] else f"page: {page['name']}")
    if not page["ok"]:
        assert page["name"] == "Error", (damage.edits, page)
        assert names_a_file(page["message"], files), (damage.edits, page)


FOUND_BY_THE_FUZZER = {
    # edit of the good model.json -> words the error must hold (the host's and the page's)
    "a manifest group is null": (lambda s: s["weightsManifest"].append(None), "weightsManifest[1] is null"),
    "a node is a list": (lambda s: s["modelTopology"]["node"].insert(0, [1]), "modelTopology.node[0] is a list"),
    "a node has no name": (lambda s: s["modelTopology"]["node"][0].pop("name"), "modelTopology.node[0] has name"),
    "paths is a number": (lambda s: s["weightsManifest"][0].update(paths=7), "weightsManifest[0].paths is 7"),
    "a path is empty": (lambda s: s["weightsManifest"][0]["paths"].append(""), "weightsManifest[0].paths is"),
    "signature is a list": (lambda s: s.update(signature=[]), "signature is a list, not an object"),
    "a weight's dtype is a list": (
        lambda s: s["weightsManifest"][0]["weights"][0].update(dtype=["float32"]),
        "weightsManifest[0].weights[0] has dtype",
    ),
    "quantization is true": (
        lambda s: s["weightsManifest"][0]["weights"][0].update(quantization=True),
        "has quantization of a boolean",
    ),
}


@pytest.mark.parametrize("case", sorted(FOUND_BY_THE_FUZZER))
def test_model_json_of_the_wrong_shape_is_named_by_host_and_page(case, good, runtime, page_checks, tmp_path):
    """Found by the fuzzer: each was an AttributeError, KeyError or TypeError on the host, a TypeError in the page."""
    edit, words = FOUND_BY_THE_FUZZER[case]
    spec = json.loads(good[JSON_NAME])
    edit(spec)
    for name, content in good.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / JSON_NAME).write_text(json.dumps(spec))
    with pytest.raises(ModelFormatError) as raised:
        runtime.load_model_sync(resolve_options({"modelUrl": str(tmp_path / JSON_NAME), "inputResolution": 129}))
    assert JSON_NAME in str(raised.value) and words in str(raised.value)
    page = page_checks.check(tmp_path)
    assert not page["ok"] and page["name"] == "Error", page
    assert JSON_NAME in page["message"] and words in page["message"], page
