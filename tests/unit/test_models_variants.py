"""pyposenet.models.variants: the 27 official variants and finding one by name or path."""

import pytest

from pyposenet.models import VARIANTS, find_variant, is_model_name, variant_of_path, variant_with
from pyposenet.options import model_path


def test_variants_are_every_configuration_the_options_accept():
    names = [v.name for v in VARIANTS]
    assert len(names) == len(set(names)) == 27  # MobileNet 3 quant x (3 x {8, 16} + 1.00 x 32), ResNet 3 x 2
    paths = {v.path for v in VARIANTS}
    assert "savedmodel/posenet/mobilenet/float/075/model-stride16.json" in paths
    assert "savedmodel/posenet/mobilenet/quant2/100/model-stride32.json" in paths
    assert "savedmodel/posenet/resnet50/quant1/model-stride32.json" in paths
    assert "savedmodel/posenet/mobilenet/float/075/model-stride32.json" not in paths  # 32 needs multiplier 1.0
    assert all(is_model_name(v.path) and v.path == model_path(v.options) for v in VARIANTS)


def test_find_variant_by_name_or_path():
    assert find_variant("savedmodel/posenet/resnet50/float/model-stride16.json").name == "resnet50-float-stride16"
    assert find_variant("posenet/resnet50/float/model-stride16.json").name == "resnet50-float-stride16"
    assert (
        find_variant(" Mobilenet-Quant2-075-Stride16 ").path
        == "savedmodel/posenet/mobilenet/quant2/075/model-stride16.json"
    )
    with pytest.raises(ValueError, match="did you mean 'mobilenet-float-075-stride16'"):
        find_variant("mobilenet-float-75-stride16")


def test_variant_of_path_and_variant_with():
    variant = variant_of_path("/somewhere/savedmodel/posenet/mobilenet/float/075/model-stride16.json")
    assert variant.name == "mobilenet-float-075-stride16" and variant.folder == "savedmodel/posenet/mobilenet/float/075"
    assert variant_of_path("/somewhere/model.json") is None
    assert variant_with(variant, quantBytes=2).name == "mobilenet-quant2-075-stride16"
    assert variant_with(variant, outputStride=32) is None  # 32 needs multiplier 1.0
