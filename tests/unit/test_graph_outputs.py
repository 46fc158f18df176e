"""Which output of a PoseNet graph model is which, for the naming styles of the models in ../shared/models."""

import json
import re

import pytest

from pyposenet.graph_outputs import CHANNELS, ROLES, identify_outputs

from ..conftest import MODELS_DIR

OFFICIAL_075 = MODELS_DIR / "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
DERIVED_050 = MODELS_DIR / "savedmodel/posenet/mobilenet/float/050/model-stride16.json"
HUMAN_385 = MODELS_DIR / "extra/human-posenet-385/posenet.json"

OUTPUT_NODE = re.compile(r"(offset|heatmap|displacement_fwd|displacement_bwd)_2")


def declared_outputs(model_json) -> list[tuple[str, list[int] | None]]:
    """(name, shape) of the outputs as the model.json declares them, in its order.

    With a signature, its outputs (shape from tensorShape when given); without one (the official
    graphs), the four BiasAdd nodes named like *offset_2*, *heatmap_2*, *displacement_*_2*, in node order
    (which is TF.js's model.outputs order for these graphs).
    """
    model = json.loads(model_json.read_text())
    signature = model.get("signature")
    if signature and signature.get("outputs"):
        outputs = []
        for key, spec in signature["outputs"].items():
            dims = spec.get("tensorShape", {}).get("dim")
            outputs.append((spec.get("name", key), [int(d["size"]) for d in dims] if dims else None))
        return outputs
    return [
        (node["name"], None)
        for node in model["modelTopology"]["node"]
        if node["op"] == "BiasAdd" and OUTPUT_NODE.search(node["name"])
    ]


# -- the three naming styles of the shared models ------------------------------------------------------


def test_official_075_outputs_by_node_name():
    outputs = declared_outputs(OFFICIAL_075)
    assert [name for name, _ in outputs] == [
        "MobilenetV1/offset_2/BiasAdd",
        "MobilenetV1/heatmap_2/BiasAdd",
        "MobilenetV1/displacement_fwd_2/BiasAdd",
        "MobilenetV1/displacement_bwd_2/BiasAdd",
    ]
    assert identify_outputs(outputs) == {
        "heatmap": "MobilenetV1/heatmap_2/BiasAdd",
        "offsets": "MobilenetV1/offset_2/BiasAdd",
        "displacement_fwd": "MobilenetV1/displacement_fwd_2/BiasAdd",
        "displacement_bwd": "MobilenetV1/displacement_bwd_2/BiasAdd",
    }


def test_official_075_with_shapes_as_tfjs_reports_them():
    shapes = {"offset": 34, "heatmap": 17, "displacement_fwd": 32, "displacement_bwd": 32}
    outputs = [
        (name, [1, -1, -1, shapes[OUTPUT_NODE.search(name).group(1)]]) for name, _ in declared_outputs(OFFICIAL_075)
    ]
    assert identify_outputs(outputs)["offsets"] == "MobilenetV1/offset_2/BiasAdd"


def test_derived_050_short_names_from_signature():
    outputs = declared_outputs(DERIVED_050)
    assert outputs == [
        ("offset_2", None),
        ("heatmap_2", None),
        ("displacement_fwd_2", None),
        ("displacement_bwd_2", None),
    ]
    assert identify_outputs(outputs) == {
        "heatmap": "heatmap_2",
        "offsets": "offset_2",
        "displacement_fwd": "displacement_fwd_2",
        "displacement_bwd": "displacement_bwd_2",
    }


def test_human_385_tensor_names_in_another_order():
    outputs = declared_outputs(HUMAN_385)
    assert [name for name, _ in outputs] == [
        "MobilenetV1/displacement_fwd_2/BiasAdd:0",
        "MobilenetV1/heatmap_2/BiasAdd:0",
        "MobilenetV1/displacement_bwd_2/BiasAdd:0",
        "MobilenetV1/offset_2/BiasAdd:0",
    ]
    assert [shape for _, shape in outputs] == [[1, 25, 25, 32], [1, 25, 25, 17], [1, 25, 25, 32], [1, 25, 25, 34]]
    assert identify_outputs(outputs) == {
        "heatmap": "MobilenetV1/heatmap_2/BiasAdd:0",
        "offsets": "MobilenetV1/offset_2/BiasAdd:0",
        "displacement_fwd": "MobilenetV1/displacement_fwd_2/BiasAdd:0",
        "displacement_bwd": "MobilenetV1/displacement_bwd_2/BiasAdd:0",
    }


@pytest.mark.parametrize("model_json", [OFFICIAL_075, DERIVED_050, HUMAN_385], ids=["075", "050", "human385"])
def test_every_order_of_the_outputs_gives_the_same_roles(model_json):
    outputs = declared_outputs(model_json)
    want = identify_outputs(outputs)
    assert set(want) == set(ROLES)
    for shift in range(1, 4):
        assert identify_outputs(outputs[shift:] + outputs[:shift]) == want
    assert identify_outputs(list(reversed(outputs))) == want


# -- other names ---------------------------------------------------------------------------------------


def test_coral_style_names():
    outputs = [
        ("float_heatmaps", [1, 23, 31, 17]),
        ("float_short_offsets", [1, 23, 31, 34]),
        ("displacement_fwd", [1, 23, 31, 32]),
        ("displacement_bwd", [1, 23, 31, 32]),
    ]
    assert identify_outputs(outputs) == {
        "heatmap": "float_heatmaps",
        "offsets": "float_short_offsets",
        "displacement_fwd": "displacement_fwd",
        "displacement_bwd": "displacement_bwd",
    }


def test_names_are_case_insensitive():
    outputs = [("Heatmap", None), ("Offsets", None), ("Fwd", None), ("BWD", None)]
    assert identify_outputs(outputs) == {
        "heatmap": "Heatmap",
        "offsets": "Offsets",
        "displacement_fwd": "Fwd",
        "displacement_bwd": "BWD",
    }


def test_unnamed_17_and_34_channel_outputs_fall_back_to_channel_count():
    outputs = [
        ("Identity_2", [1, 17, 17, 34]),
        ("displacement_fwd", [1, 17, 17, 32]),
        ("Identity", [1, 17, 17, 17]),
        ("displacement_bwd", [1, 17, 17, 32]),
    ]
    assert identify_outputs(outputs) == {
        "heatmap": "Identity",
        "offsets": "Identity_2",
        "displacement_fwd": "displacement_fwd",
        "displacement_bwd": "displacement_bwd",
    }


def test_unknown_channel_count_minus_one_is_accepted_for_a_named_output():
    outputs = [("heatmap", [1, -1, -1, -1]), ("offset", [1, -1, -1, -1]), ("fwd", []), ("bwd", None)]
    assert identify_outputs(outputs)["heatmap"] == "heatmap"


def test_extra_outputs_are_ignored():
    outputs = [
        ("heatmap_2", [1, 9, 9, 17]),
        ("heatmap", [1, 9, 9, 17]),
        ("offset_2", [1, 9, 9, 34]),
        ("displacement_fwd_2", [1, 9, 9, 32]),
        ("displacement_bwd_2", [1, 9, 9, 32]),
        ("Identity_9", [1, 9, 9, 3]),
    ]
    assert identify_outputs(outputs)["heatmap"] == "heatmap_2"


def test_channel_constants():
    assert CHANNELS == {"heatmap": 17, "offsets": 34, "displacement_fwd": 32, "displacement_bwd": 32}
    assert ROLES == ("heatmap", "offsets", "displacement_fwd", "displacement_bwd")


# -- errors --------------------------------------------------------------------------------------------


def test_missing_outputs_error_lists_the_outputs():
    outputs = [("heatmap_2", [1, 17, 17, 17]), ("offset_2", [1, 17, 17, 34]), ("Identity", None)]
    with pytest.raises(ValueError) as info:
        identify_outputs(outputs, model="/models/x/model.json")
    assert str(info.value) == (
        "/models/x/model.json is not a PoseNet graph: no output for displacement_fwd, displacement_bwd "
        "(a PoseNet graph has heatmap 17, offsets 34, displacement_fwd 32 and displacement_bwd 32 channels); "
        "its outputs: heatmap_2 [1, 17, 17, 17], offset_2 [1, 17, 17, 34], Identity ?"
    )


def test_no_outputs_at_all():
    with pytest.raises(ValueError) as info:
        identify_outputs([])
    assert str(info.value).startswith(
        "model is not a PoseNet graph: no output for heatmap, offsets, displacement_fwd, displacement_bwd "
    )
    assert str(info.value).endswith("its outputs: none")


def test_a_classifier_is_not_a_posenet_graph():
    with pytest.raises(ValueError, match=r"its outputs: Identity \[1, 1000\]$"):
        identify_outputs([("Identity", [1, 1000])], model="mobilenet-classifier")


def test_unnamed_32_channel_outputs_cannot_be_told_apart():
    outputs = [("a", [1, 17, 17, 17]), ("b", [1, 17, 17, 34]), ("c", [1, 17, 17, 32]), ("d", [1, 17, 17, 32])]
    with pytest.raises(ValueError, match="no output for displacement_fwd, displacement_bwd"):
        identify_outputs(outputs)


GOOD = {
    "heatmap": ("heatmap_2", 17),
    "offsets": ("offset_2", 34),
    "displacement_fwd": ("displacement_fwd_2", 32),
    "displacement_bwd": ("displacement_bwd_2", 32),
}


@pytest.mark.parametrize(
    "name, channels, role, expected",
    [
        ("MobilenetV1/heatmap_2/BiasAdd", 34, "heatmap", 17),
        ("offset_2", 17, "offsets", 34),
        ("displacement_fwd_2", 34, "displacement_fwd", 32),
        ("displacement_bwd_2", 16, "displacement_bwd", 32),
    ],
)
def test_channel_mismatch_error(name, channels, role, expected):
    outputs = [(name, [1, 17, 17, channels]) if r == role else (n, [1, 17, 17, c]) for r, (n, c) in GOOD.items()]
    with pytest.raises(ValueError) as info:
        identify_outputs(outputs, model="m.json")
    assert str(info.value) == (
        f"m.json: output {name!r} looks like {role} but has {channels} channels, expected {expected}"
    )


def test_good_table_is_accepted():
    outputs = [(n, [1, 17, 17, c]) for n, c in GOOD.values()]
    assert identify_outputs(outputs) == {r: n for r, (n, _c) in GOOD.items()}
