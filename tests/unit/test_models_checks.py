"""pyposenet.models.checks: the one weight_bytes and check_model, the report of a model on disk.

(The loader's checks, with the page's messages, are tested through the host runtime in test_model_faults.py.)
"""

import json
import shutil

import pytest

from pyposenet.models import ModelFileError, check_model, group_bytes, weight_bytes

MODEL_050 = "savedmodel/posenet/mobilenet/float/050"


def test_weight_bytes_respect_quantization():
    assert weight_bytes({"name": "w", "shape": [3, 3, 8], "dtype": "float32"}) == 288
    assert (
        weight_bytes(
            {
                "name": "w",
                "shape": [3, 3, 8],
                "dtype": "float32",
                "quantization": {"dtype": "uint8", "scale": 0.1, "min": 0},
            }
        )
        == 72
    )
    assert weight_bytes({"name": "w", "shape": [10], "dtype": "float32", "quantization": {"dtype": "float16"}}) == 20
    assert weight_bytes({"name": "s", "shape": [], "dtype": "int32"}) == 4
    assert weight_bytes({"name": "t", "shape": [2], "dtype": "string"}) is None  # lengths are in the data


@pytest.mark.parametrize(
    "weight, message",
    [
        ({"name": "w", "shape": [3], "dtype": "float64"}, "m.json: weight 'w' has dtype 'float64'"),
        ({"name": "w", "shape": [3, -1], "dtype": "float32"}, "has shape [3, -1]"),
        (
            {"name": "w", "shape": [3], "dtype": "float32", "quantization": {"dtype": "int4"}},
            "quantization dtype 'int4'",
        ),
    ],
)
def test_weight_bytes_name_what_tfjs_cannot_read(weight, message):
    with pytest.raises(ModelFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        weight_bytes(weight, "m.json")


def test_group_bytes_is_none_with_string_weights():
    assert group_bytes({"weights": [{"name": "a", "shape": [2], "dtype": "float32"}]}, "m.json") == 8
    assert group_bytes({"weights": [{"name": "a", "shape": [2], "dtype": "string"}]}, "m.json") is None


@pytest.fixture
def model_050(models_dir, tmp_path):
    folder = tmp_path / MODEL_050
    shutil.copytree(models_dir / MODEL_050, folder)
    return folder / "model-stride16.json"


def test_check_model_of_a_whole_model(model_050):
    check = check_model(model_050)
    assert check.ok and check.problems == [] and check.shards == 1
    assert check.actual_bytes == check.expected_bytes == 2_309_836
    assert check.summary() == "2,309,836 bytes of weights in 1 shard"


def test_check_model_names_a_truncated_shard(model_050):
    shard = model_050.with_name("group1-shard1of1.bin")
    shard.write_bytes(shard.read_bytes()[:-36])
    check = check_model(model_050)
    assert not check.ok
    assert check.summary().startswith("shard group1-shard1of1.bin is truncated: 2,309,800 bytes, expected 2,309,836")


def test_check_model_refuses_shard_names_leading_out(model_050):
    spec = json.loads(model_050.read_text())
    spec["weightsManifest"][0]["paths"] = ["../../../../../outside.bin"]
    model_050.write_text(json.dumps(spec))
    [problem] = check_model(model_050).problems
    assert problem.startswith("weightsManifest group 1 is malformed: bad model file name '../../../../../outside.bin'")


def test_check_model_of_missing_and_broken_files(tmp_path):
    assert check_model(tmp_path / "nope.json").problems == ["nope.json not found"]
    (tmp_path / "m.json").write_text("{")
    assert check_model(tmp_path / "m.json").problems[0].startswith("m.json does not parse")
    (tmp_path / "m.json").write_text('{"format": "layers-model"}')
    assert check_model(tmp_path / "m.json").problems == ["m.json has no weightsManifest (not a TF.js model)"]
