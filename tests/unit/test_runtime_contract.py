"""The runtime contract (pyposenet/runtime.py): every runtime has the methods the net calls, with the
contract's parameter names and async-ness, and the contract names every method the net calls.

The browser runtime imports js/pyodide, so it is checked from its source (ast) instead of imported."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import pyposenet
from pyposenet.runtime import CAMERA_METHODS, RUNTIME_METHODS, CameraRuntime, Runtime

PACKAGE = Path(pyposenet.__file__).resolve().parent


def protocol_methods(protocol) -> dict[str, tuple[bool, list[str], list[str]]]:
    """name -> (async, parameter names after self, names of those with defaults) of a protocol's own methods."""
    found = {}
    for name, member in vars(protocol).items():
        if name.startswith("_") or not inspect.isfunction(member):
            continue
        params = list(inspect.signature(member).parameters.values())[1:]
        found[name] = (
            inspect.iscoroutinefunction(member),
            [p.name for p in params],
            [p.name for p in params if p.default is not inspect.Parameter.empty],
        )
    return found


CONTRACT = protocol_methods(Runtime)
CAMERA = protocol_methods(CameraRuntime)


def shape_of(method) -> tuple[bool, list[str], list[str]]:
    params = list(inspect.signature(method).parameters.values())  # bound: no self
    return (
        inspect.iscoroutinefunction(method),
        [p.name for p in params],
        [p.name for p in params if p.default is not inspect.Parameter.empty],
    )


def host_runtime():
    pytest.importorskip("numpy")
    from pyposenet._host.runtime import HostRuntime

    return HostRuntime()


def kept_model_runtime():
    pytest.importorskip("numpy")
    from pyposenet._host.kept_model import KeptModelRuntime

    return KeptModelRuntime()


def service_runtime():
    pytest.importorskip("flask")
    from pyposenet.server.api import ServiceRuntime

    return ServiceRuntime(pose_service=None)


def sketch_runtime():
    from pyposenet.sketch.net_runtime import SketchNetRuntime

    return SketchNetRuntime(host_runtime())


def fake_runtime():
    from tests.support.fake_runtime import FakeRuntime

    return FakeRuntime()


RUNTIMES = {
    "HostRuntime": host_runtime,
    "KeptModelRuntime": kept_model_runtime,
    "ServiceRuntime": service_runtime,
    "SketchNetRuntime": sketch_runtime,
    "FakeRuntime (tests)": fake_runtime,
}


def test_the_method_lists_are_the_protocols():
    assert tuple(CONTRACT) == RUNTIME_METHODS
    assert tuple(CAMERA) == CAMERA_METHODS
    assert CONTRACT["run"] == (True, ["model", "image", "roots"], ["roots"])
    assert not isinstance(object(), Runtime)


@pytest.mark.parametrize("make", RUNTIMES.values(), ids=RUNTIMES.keys())
def test_each_importable_runtime_satisfies_the_protocol(make):
    runtime = make()
    assert isinstance(runtime, Runtime)
    for name, expected in CONTRACT.items():
        assert shape_of(getattr(runtime, name)) == expected, name
    for name, expected in CAMERA.items():  # optional, but when there, as the contract says
        method = getattr(runtime, name, None)
        if method is not None:
            assert shape_of(method) == expected, name


def test_the_sketch_runtime_is_a_camera_runtime_when_its_inner_one_is():
    from pyposenet.sketch.net_runtime import SketchNetRuntime

    class Camera(type(fake_runtime())):
        def video_problem(self, video):
            return "camera refused"

        def show_notice(self, text):
            self.notice = text

    inner = Camera()
    runtime = SketchNetRuntime(inner)
    assert isinstance(runtime, CameraRuntime)
    assert runtime.video_problem(object()) == "camera refused"
    runtime.show_notice("hello")
    assert inner.notice == "hello"
    assert not isinstance(SketchNetRuntime(fake_runtime()), CameraRuntime)


def class_methods_from_source(path: Path, class_name: str) -> dict[str, tuple[bool, list[str], list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name)
    found = {}
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.posonlyargs + node.args.args
            names = [a.arg for a in args][1:]
            with_defaults = [a.arg for a in args[len(args) - len(node.args.defaults) :]] if node.args.defaults else []
            found[node.name] = (isinstance(node, ast.AsyncFunctionDef), names, with_defaults)
    return found


def test_the_browser_runtime_satisfies_the_camera_protocol_by_its_source():
    methods = class_methods_from_source(PACKAGE / "_browser" / "runtime.py", "BrowserRuntime")
    for name, expected in {**CONTRACT, **CAMERA}.items():
        assert methods.get(name) == expected, name


def runtime_methods_the_net_uses() -> set[str]:
    """Every `self._runtime.X`, `runtime.X` and getattr(runtime, "X") in net.py."""
    tree = ast.parse((PACKAGE / "net.py").read_text(encoding="utf-8"))
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            target = node.value
            if (isinstance(target, ast.Name) and target.id == "runtime") or (
                isinstance(target, ast.Attribute) and target.attr == "_runtime"
            ):
                used.add(node.attr)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            target, name = node.args[0], node.args[1]
            if isinstance(target, ast.Name) and target.id == "runtime" and isinstance(name, ast.Constant):
                used.add(name.value)
    return used


def test_the_contract_names_every_runtime_method_the_net_calls():
    used = runtime_methods_the_net_uses()
    assert used == set(RUNTIME_METHODS) | set(CAMERA_METHODS)
