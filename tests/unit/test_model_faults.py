"""Broken model files under CPython: the host runtime names the file and says what is wrong, like the page.

The same broken copies of the official model as tests/e2e/test_model_faults.py (tests/support/model_faults.py);
also the pure-Python checks both sides rely on: output shapes after a run, shard sizes.
"""

import asyncio

import pytest

from pyposenet import poseNet
from pyposenet._host.runtime import HostRuntime
from pyposenet.graph_outputs import ROLES, check_output_shapes
from pyposenet.models import CONVERTER_SHARD_BYTES, shard_problem
from tests.support.model_faults import FAULTS, assert_message_explains, build_all

ROLE_NAMES = {role: f"MobilenetV1/{role}_2/BiasAdd" for role in ROLES}
GOOD_SHAPES = [[1, 17, 17, 17], [1, 17, 17, 34], [1, 17, 17, 32], [1, 17, 17, 32]]


@pytest.fixture(scope="module")
def fault_models(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("fault-models")) / "faults"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    return HostRuntime(
        models_dir=tmp_path_factory.mktemp("no-models"), cache_dir=tmp_path_factory.mktemp("cache"), base_url=None
    )


def load(runtime, model_json):
    async def go():
        errors = []
        seen = []
        net = poseNet({"modelUrl": str(model_json)}, lambda err, net: seen.append(err), runtime=runtime)
        net.on("error", errors.append)
        try:
            await net
        except Exception as exc:
            return exc, seen, errors
        return None, seen, errors

    return asyncio.run(go())


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_host_runtime_names_the_broken_file(fault, fault_models, runtime):
    raised, seen, errors = load(runtime, fault_models / fault.name / "model-stride16.json")
    assert raised is not None, f"{fault.name}: the model loaded"
    assert_message_explains(str(raised), fault)
    assert seen == [raised] and errors == [raised]


def test_host_runtime_loads_the_untouched_copy(fault_models, runtime):
    raised, seen, errors = load(runtime, fault_models / "good" / "model-stride16.json")
    assert raised is None and seen == [None] and errors == []


def test_output_shapes_of_posenet_pass():
    check_output_shapes(ROLE_NAMES, GOOD_SHAPES, model="m.json")


@pytest.mark.parametrize(
    "shapes,says",
    [
        (
            [[1, 17, 17, 34], [1, 17, 17, 17], [1, 17, 17, 32], [1, 17, 17, 32]],
            r"'MobilenetV1/heatmap_2/BiasAdd' \(heatmap\) has 34 channels, a PoseNet heatmap has 17",
        ),
        (
            [[1, 17, 17, 17], [1, 17, 17, 34], [1, 17, 17, 32], [1, 17, 17, 16]],
            r"\(displacement_bwd\) has 16 channels, a PoseNet displacement_bwd has 32",
        ),
        (
            [[1, 17, 17, 17], [17, 34], [1, 17, 17, 32], [1, 17, 17, 32]],
            r"\(offsets\) has shape \[17, 34\]; a PoseNet output is \[1, height, width, 34\]",
        ),
        (
            [[1, 17, 17, 17], [1, 9, 9, 34], [1, 17, 17, 32], [1, 17, 17, 32]],
            r"must share one grid; got heatmap \[1, 17, 17, 17\], offsets \[1, 9, 9, 34\]",
        ),
    ],
)
def test_output_shapes_that_are_not_posenet_are_named(shapes, says):
    with pytest.raises(ValueError, match=says) as raised:
        check_output_shapes(ROLE_NAMES, shapes, model="m.json")
    assert str(raised.value).startswith("m.json: ")


def test_shard_sizes_in_the_converter_layout_name_the_shard():
    names = ["a.bin", "b.bin", "c.bin"]
    needed = 2 * CONVERTER_SHARD_BYTES + 100
    assert shard_problem(names, [CONVERTER_SHARD_BYTES, CONVERTER_SHARD_BYTES, 100], needed, "m.json") is None
    first_short = shard_problem(names, [10, CONVERTER_SHARD_BYTES, 100], needed, "m.json")
    assert first_short.startswith(
        f"weight shard a.bin is 10 bytes, the manifest of m.json needs {CONVERTER_SHARD_BYTES}"
    )
    assert "cut short" in first_short
    one = shard_problem(["only.bin"], [12], 8, "m.json")
    assert one == (
        "weight shard only.bin is 12 bytes, the manifest of m.json needs 8 (its one shard): "
        "the file is longer than the weights it should hold"
    )


def test_shard_sizes_in_another_layout_list_every_shard():
    problem = shard_problem(["a.bin", "b.bin"], [100, 50], 160, "m.json")
    assert problem == (
        "the weight shards of m.json (a.bin 100 bytes, b.bin 50 bytes) hold 150 bytes, "
        "the manifest needs 160: a shard is cut short, too long, or from another model"
    )


def test_string_weights_are_not_size_checked():
    assert shard_problem(["a.bin"], [3], None, "m.json") is None
