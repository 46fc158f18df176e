"""Which engine runs the host's network (pyposenet/_host/engines/choice.py): onnxruntime when installed, numpy
otherwise, and the ways to choose: HostRuntime(engine=...), $PYPOSENET_ENGINE, `pyposenet detect --engine`."""

import base64
import io
import sys

import numpy as np
import pytest

from pyposenet import cli
from pyposenet._host import detect
from pyposenet._host.engines import (
    ENGINES,
    ENVIRONMENT_VARIABLE,
    EngineUnavailableError,
    NumpyEngine,
    engine_choice,
    make_engine,
)
from pyposenet._host.graph import GraphModel
from pyposenet._host.runtime import HostRuntime
from pyposenet.options import resolve_options

MODEL_050 = "savedmodel/posenet/mobilenet/float/050/model-stride16.json"


def tiny_graph() -> GraphModel:
    """x [1, 5, 5, 3] -> a 1x1 convolution -> y."""
    attr = {
        "strides": {"list": {"i": ["1", "1", "1", "1"]}},
        "padding": {"s": base64.b64encode(b"SAME").decode()},
    }
    nodes = [
        {"name": "x", "op": "Placeholder"},
        {"name": "w", "op": "Const"},
        {"name": "y", "op": "Conv2D", "input": ["x", "w"], "attr": attr},
    ]
    return GraphModel({"node": nodes}, {"w": np.ones((1, 1, 3, 2), np.float32)})


@pytest.fixture
def without_onnxruntime(monkeypatch):
    """As if onnxruntime were not installed: importing it raises ImportError."""
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    monkeypatch.delitem(sys.modules, "pyposenet._host.engines.onnxruntime_engine", raising=False)


def test_an_unknown_engine_is_refused_naming_the_allowed_ones(monkeypatch):
    with pytest.raises(ValueError, match="engine 'tensorflow' is not one of 'auto', 'numpy', 'onnxruntime'"):
        HostRuntime(engine="tensorflow")
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "torch")
    with pytest.raises(ValueError, match=r"\$PYPOSENET_ENGINE 'torch' is not one of 'auto', 'numpy', 'onnxruntime'"):
        engine_choice(None)


def test_the_environment_chooses_when_nothing_else_does(monkeypatch):
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    assert engine_choice(None) == "auto"
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "numpy")
    assert engine_choice(None) == "numpy"
    assert engine_choice("onnxruntime") == "onnxruntime"  # an explicit choice wins


def test_auto_takes_onnxruntime_when_it_is_installed():
    pytest.importorskip("onnxruntime")
    engine = make_engine("auto", tiny_graph(), ["y"], 5, 5)
    assert engine.name == "onnxruntime"
    x = np.random.default_rng(0).normal(size=(1, 5, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(engine.run(x)[0], np.repeat(x.sum(axis=3, keepdims=True), 2, axis=3), rtol=1e-5)
    assert make_engine("numpy", tiny_graph(), ["y"], 5, 5).name == "numpy"


def test_without_onnxruntime_auto_takes_numpy_and_asking_for_it_says_how_to_install(without_onnxruntime):
    assert isinstance(make_engine("auto", tiny_graph(), ["y"], 5, 5), NumpyEngine)
    with pytest.raises(EngineUnavailableError, match=r"pip install 'pyposenet\[host,onnxruntime\]'"):
        make_engine("onnxruntime", tiny_graph(), ["y"], 5, 5)


def test_the_host_runtime_runs_the_engine_asked_for(monkeypatch, models_dir):
    options = resolve_options({"modelUrl": str(models_dir / MODEL_050)})
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "numpy")  # read when a model is loaded
    assert HostRuntime(base_url=None).load_model_sync(options).engine.name == "numpy"


def test_detect_takes_an_engine_flag(monkeypatch, capsys, testdata_dir):
    jobs = []
    monkeypatch.setattr(detect, "run_detect", lambda job: jobs.append(job) or 0)
    image = str(testdata_dir / "images" / "starter.png")
    assert cli.main(["detect", image, "--engine", "numpy"]) == 0
    assert cli.main(["detect", image]) == 0
    assert [job.engine for job in jobs] == ["numpy", None]  # None: $PYPOSENET_ENGINE, else auto
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["detect", image, "--engine", "tensorflow"])
    error = capsys.readouterr().err
    assert exit_info.value.code == 2 and "--engine: invalid choice: 'tensorflow'" in error
    assert all(f"'{name}'" in error for name in ENGINES)  # the flag offers exactly the engines there are


def test_detect_without_onnxruntime_says_what_is_missing(without_onnxruntime, models_dir, testdata_dir):
    job = detect.DetectJob(
        inputs=[str(testdata_dir / "images" / "starter.png")],
        options={"modelUrl": str(models_dir / MODEL_050)},
        progress=False,
        download=False,
        engine="onnxruntime",
    )
    stdout, stderr = io.StringIO(), io.StringIO()
    assert detect.run_detect(job, stdout, stderr) == detect.EXIT_SOME_FAILED
    assert "cannot load the PoseNet model: engine 'onnxruntime' asked for" in stderr.getvalue()
    assert "pip install 'pyposenet[host,onnxruntime]'" in stderr.getvalue() and stdout.getvalue() == ""
