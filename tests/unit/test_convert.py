"""`pyposenet convert` (pyposenet/convert/): quantized and other-stride PoseNet graph models, numpy only.

Checked against
* facts from Google's official files (a copy of storage.googleapis.com/tfjs-models/savedmodel/posenet in
  GitHub ecraft2learn/ai, posenet/mobilenet/models/): the quant1/075 scales and mins, the quantization
  entry's form, which strides and dilations the stride-8 file changes;
* posenet 1.x's atrous identity: a MobileNet rewritten for output stride 8 gives, at even grid positions,
  exactly the stride-16 network's outputs (and stride 16 at even positions is stride 32);
* ml5's starter.png nose (448.75, 255.87) through poseNet under CPython;
* TF.js 4.22 (node, cpu backend, this checkout's node_modules) loading the written files through its
  HTTP loader and agreeing with the numpy runner (skipped when node or node_modules is missing).
"""

import asyncio
import base64
import contextlib
import io
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from pyposenet import cli, poseNet
from pyposenet._host.graph import load_graph_model
from pyposenet._host.images import load_image
from pyposenet._host.preprocess import preprocess
from pyposenet._host.runtime import HostRuntime
from pyposenet.convert.quantize import affine_quantize, quantize_array, quantize_model
from pyposenet.convert.source import ConvertError, read_source
from pyposenet.convert.stride import design_strides, find_convs, restride_model
from pyposenet.convert.write import write_model
from pyposenet.models import check_model

REPO_ROOT = Path(__file__).resolve().parents[2]
NOSE = (448.75, 255.87)  # starter.png, single pose, float/075 stride 16 (posenet 2.2.2 and ml5's own test)
FLOAT_075 = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
FLOAT_050 = "savedmodel/posenet/mobilenet/float/050/model-stride16.json"
QUANT2_075 = "savedmodel/posenet/mobilenet/quant2/075/model-stride16.json"
QUANT1_075 = "savedmodel/posenet/mobilenet/quant1/075/model-stride16.json"
QUANT2_050 = "savedmodel/posenet/mobilenet/quant2/050/model-stride16.json"
STRIDE8_075 = "savedmodel/posenet/mobilenet/float/075/model-stride8.json"
STRIDE8_050 = "savedmodel/posenet/mobilenet/float/050/model-stride8.json"

# Google's quant1/075/model-stride16.json (converter v1.1.2): {"min", "scale", "dtype": "uint8"} per weight.
OFFICIAL_QUANT1_075 = {
    "MobilenetV1/heatmap_2/Conv2D_bias": (-1.835342288017273, 0.0015479522592881146),  # all < 0: not nudged
    "MobilenetV1/Conv2d_7_depthwise/depthwise_weights": (-21.119882172229243, 0.21119882172229243),
    "MobilenetV1/Conv2d_0/weights": (-4.4892849118101825, 0.03804478738822189),
    "MobilenetV1/displacement_bwd_2/weights": (-0.6190693911384134, 0.0042990929940167595),
    "MobilenetV1/MobilenetV1/Conv2d_13_depthwise/depthwise_bias": (-1.9698192675908408, 0.015758554140726726),
    "MobilenetV1/Conv2d_1_depthwise/depthwise_weights": (-57.17855565688189, 1.0995876087861902),
}


def convert(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def converted(models_dir, tmp_path_factory) -> Path:
    """One root holding every conversion the tests look at (as `pyposenet convert` writes them)."""
    root = tmp_path_factory.mktemp("converted")
    where = ["--models", models_dir, "--cache", root / "no-cache", "--out", root]
    for argv in (
        ["quantize", "--bytes", "2"],
        ["quantize", "--bytes", "1", "--no-check"],
        ["quantize", "--bytes", "2", "--float16", "--from", "mobilenet-float-050-stride16", "--no-check"],
        ["stride", "--stride", "8"],
        ["stride", "--stride", "8", "--from", FLOAT_050, "--no-check"],
    ):
        code, out, err = convert("convert", *argv, *where)
        assert code == 0, err
    code, _, err = convert(
        "convert",
        "stride",
        "--stride",
        "8",
        "--published-dilations",
        "--no-check",
        "--models",
        models_dir,
        "--cache",
        root / "no-cache",
        "--out",
        root / "published",
    )
    assert code == 0, err
    return root


def conv_attrs(spec) -> dict:
    return {n["name"]: n.get("attr", {}) for n in spec["modelTopology"]["node"] if "Conv" in n["op"]}


def ints(attr) -> list[int]:
    return [int(v) for v in attr["list"]["i"]]


# -- the command line -------------------------------------------------------------------------------


def test_help_lists_convert_and_its_conversions(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "convert" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["convert", "quantize", "--help"])
    text = capsys.readouterr().out
    assert "--bytes" in text and "uint16" in text and "--float16" in text
    code, _, err = convert("convert")
    assert code == 2 and "quantize" in err and "stride" in err


def test_cli_output_reports_what_it_did(models_dir, tmp_path):
    code, out, err = convert(
        "convert", "quantize", "--bytes", "2", "--models", models_dir, "--cache", tmp_path / "cache", "--out", tmp_path
    )
    assert code == 0, err
    assert f"wrote {tmp_path / QUANT2_075}" in out
    assert "62 weights quantized to uint16" in out and "2,516,390 bytes" in out
    assert "max |heatmap logit - source's|" in out
    # Again: the model.json is there. With --force it is replaced; its shard has the same bytes, so it is kept.
    code, _, err = convert("convert", "quantize", "--bytes", "2", "--models", models_dir, "--out", tmp_path)
    assert code == 1 and "exists; pass --force" in err
    code, out, _ = convert(
        "convert", "quantize", "--bytes", "2", "--models", models_dir, "--out", tmp_path, "--force", "--no-check"
    )
    assert code == 0 and "already there, same bytes" in out


def test_default_output_is_the_cache_where_poseNet_looks(models_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PYPOSENET_CACHE", str(tmp_path / "cache"))
    code, _, err = convert("convert", "quantize", "--bytes", "2", "--models", models_dir, "-q", "--no-check")
    assert code == 0, err
    assert check_model(tmp_path / "cache" / QUANT2_075).ok


def test_errors_say_what_would_work(models_dir, tmp_path):
    where = ["--models", models_dir, "--cache", tmp_path / "cache"]
    code, _, err = convert("convert", "stride", "--stride", "32", *where, "--out", tmp_path)
    assert code == 1 and "downsamples by 16" in err and "1.0" in err and "possible: 8, 16" in err
    code, _, err = convert("convert", "quantize", "--bytes", "2", "--from", "mobilenet-float-100-stride16", *where)
    assert code == 1 and "not found" in err and "models fetch mobilenet-float-100-stride16" in err
    code, _, err = convert("convert", "quantize", "--bytes", "2", "--from", "mobilenet-flaot-075-stride16", *where)
    assert code == 1 and "did you mean 'mobilenet-float-075-stride16'" in err
    code, _, err = convert(
        "convert", "quantize", "--bytes", "2", "--from", models_dir / "extra/human-posenet-385/posenet.json", *where
    )
    assert code == 1 and "pass --out DIR" in err
    code, _, err = convert("convert", "quantize", "--bytes", "1", "--float16", *where, "--out", tmp_path)
    assert code == 1 and "--bytes 2" in err


# -- quantize ---------------------------------------------------------------------------------------


def test_quantization_is_the_converters(models_dir):
    """Same per-tensor range, nudged zero point and scale as Google's quant1 file, to the last bit."""
    weights = load_graph_model(models_dir / FLOAT_075).consts
    for name, (official_min, official_scale) in OFFICIAL_QUANT1_075.items():
        _, low, scale = affine_quantize(weights[name], "uint8")
        assert (low, scale) == (official_min, official_scale), name


def test_affine_quantization_properties():
    rng = np.random.default_rng(3)
    for dtype, top in (("uint8", 255), ("uint16", 65535)):
        data = rng.normal(size=1000).astype(np.float32) * 3 + 0.5
        codes, low, scale = affine_quantize(data, dtype)
        assert codes.dtype == np.dtype(dtype) and codes.min() == 0 and codes.max() in (top - 1, top)
        zero = -low / scale
        assert zero == round(zero) and round(zero) * scale + low == 0.0  # 0.0 is a grid point
        decoded = (codes.astype(np.float64) * scale + low).astype(np.float32)
        assert np.abs(decoded - data).max() <= scale / 2 * 1.0001 + 1e-6
    negative = np.array([-3.0, -2.0, -1.5], np.float32)  # 0 is outside: min is the data's, not nudged
    codes, low, scale = affine_quantize(negative, "uint8")
    assert low == -3.0 and scale == 1.5 / 255 and codes.tolist() == [0, 170, 255]
    codes, low, scale = affine_quantize(np.full(4, 0.25, np.float32), "uint8")  # one value: all codes 0
    assert codes.tolist() == [0, 0, 0, 0] and (low, scale) == (0.25, 1.0)
    raw, entry = quantize_array(np.array([1.0, -2.5], np.float32), "float16")
    assert entry == {"dtype": "float16", "original_dtype": "float32"}
    assert np.frombuffer(raw, "<f2").tolist() == [1.0, -2.5]
    with pytest.raises(ConvertError, match="float16"):
        quantize_array(np.array([1e6], np.float32), "float16")


def test_quantized_files_are_laid_out_like_the_officials(converted, models_dir):
    source = json.loads((models_dir / FLOAT_075).read_text())
    for path, dtype, size in (
        (QUANT2_075, "uint16", 2_516_390),
        (QUANT1_075, "uint8", 1_258_195),
        (QUANT2_050, "float16", 1_154_918),
    ):
        check = check_model(converted / path)
        assert check.ok and check.shards == 1 and check.actual_bytes == size, (path, check.summary())
        spec = json.loads((converted / path).read_text())
        assert spec["weightsManifest"][0]["paths"] == ["group1-shard1of1.bin"]
        assert spec["convertedBy"].startswith("pyposenet ") and dtype in spec["convertedBy"]
        for entry in spec["weightsManifest"][0]["weights"]:
            assert entry["dtype"] == "float32"
            keys = list(entry["quantization"])
            # tensorflowjs 4.22's entry (the official v1.1.2 files: min, scale, dtype, without original_dtype)
            assert keys == (
                ["dtype", "original_dtype"] if dtype == "float16" else ["dtype", "min", "scale", "original_dtype"]
            )
            assert entry["quantization"]["dtype"] == dtype
        if path != QUANT2_050:
            assert spec["modelTopology"] == source["modelTopology"]
            assert [w["name"] for w in spec["weightsManifest"][0]["weights"]] == [
                w["name"] for w in source["weightsManifest"][0]["weights"]
            ]
    quant1 = json.loads((converted / QUANT1_075).read_text())
    written = {
        w["name"]: (w["quantization"]["min"], w["quantization"]["scale"])
        for w in quant1["weightsManifest"][0]["weights"]
    }
    for name, official in OFFICIAL_QUANT1_075.items():
        assert written[name] == official


def test_quantized_models_run_close_to_the_float_model(converted, models_dir, testdata_dir):
    """On starter.png: quant2 (uint16) heatmap scores within 0.05 of the float model's
    (docs/testing.md#tolerances); float16 likewise. quant1 runs, but is as useless as Google's own quant1 MobileNet
    (tensorflow/tfjs#1677: "shows no poses"), with the same per-tensor uint8 grids."""
    batch, _ = preprocess(load_image(testdata_dir / "images" / "starter.png"), 257, 257, "mobilenet")

    def scores(path):
        graph = load_graph_model(path)
        [name] = [o.name for o in graph.outputs if "heatmap" in o.name]
        return 1 / (1 + np.exp(-graph.execute(batch, [name])[0].astype(np.float64)))

    assert np.abs(scores(converted / QUANT2_075) - scores(models_dir / FLOAT_075)).max() < 0.05
    assert np.abs(scores(converted / QUANT2_050) - scores(models_dir / FLOAT_050)).max() < 0.05
    assert np.isfinite(scores(converted / QUANT1_075)).all()


def test_shards_are_cut_at_the_size_given(models_dir, tmp_path, converted):
    source = read_source(models_dir / FLOAT_075)
    result = quantize_model(source, "uint16", shard_bytes=1_000_000)
    assert list(result.shards) == [f"group1-shard{i}of3.bin" for i in (1, 2, 3)]
    assert [len(b) for b in result.shards.values()] == [1_000_000, 1_000_000, 516_390]
    written = write_model(tmp_path / "model.json", result.spec, result.shards)
    assert check_model(written.json_path).ok
    small, whole = load_graph_model(written.json_path), load_graph_model(converted / QUANT2_075)
    for name, value in whole.consts.items():
        assert np.array_equal(small.consts[name], value)


def test_requantizing_a_quantized_model_warns(converted, tmp_path):
    code, _, err = convert(
        "convert", "quantize", "--bytes", "1", "--from", converted / QUANT2_075, "--out", tmp_path, "--no-check"
    )
    assert code == 0 and "already quantized" in err
    assert check_model(tmp_path / QUANT1_075).ok


def test_a_shard_of_another_model_is_not_replaced(models_dir, tmp_path):
    folder = tmp_path / Path(QUANT2_075).parent
    folder.mkdir(parents=True)
    (folder / "group1-shard1of1.bin").write_bytes(b"someone else's weights")
    code, _, err = convert("convert", "quantize", "--bytes", "2", "--models", models_dir, "--out", tmp_path)
    assert code == 1 and "another model" in err and not (folder / "model-stride16.json").exists()


# -- stride -----------------------------------------------------------------------------------------


def test_stride8_changes_what_the_official_file_changes(converted, models_dir):
    """Google's float/075/model-stride8.json is the stride-16 file with Conv2d_6_depthwise at stride 1 and
    Conv2d_7..13_depthwise dilated [2, 2, 1, 1]; nothing else (same weights manifest, same shards)."""
    source = json.loads((models_dir / FLOAT_075).read_text())
    before = conv_attrs(source)
    for root, rate in ((converted / "published", ["2", "2", "1", "1"]), (converted, ["1", "2", "2", "1"])):
        spec = json.loads((root / STRIDE8_075).read_text())
        assert spec["weightsManifest"] == source["weightsManifest"]
        changed = {}
        for name, attrs in conv_attrs(spec).items():
            diff = {k: v for k, v in attrs.items() if before[name].get(k) != v}
            if diff:
                changed[name.split("/")[2]] = diff
        expected = {"Conv2d_6_depthwise": {"strides": {"list": {"i": ["1", "1", "1", "1"]}}}}
        expected.update({f"Conv2d_{b}_depthwise": {"dilations": {"list": {"i": rate}}} for b in range(7, 14)})
        assert changed == expected
        for shard in source["weightsManifest"][0]["paths"]:
            assert (root / STRIDE8_075).with_name(shard).read_bytes() == (models_dir / FLOAT_075).with_name(
                shard
            ).read_bytes()


def test_stride8_outputs_at_even_positions_are_the_stride16_outputs(converted, models_dir):
    """The atrous identity (why posenet 1.x could run any output stride with one set of weights), for
    both multipliers, all four outputs; and the grid is (H-1)/8+1. Google's published dilation layout,
    as today's TF.js reads it (rate 2 along y only), breaks the identity: the logits move by several units."""
    batch = np.random.default_rng(5).uniform(-1, 1, (1, 129, 97, 3)).astype(np.float32)
    for stride16, stride8 in ((FLOAT_075, STRIDE8_075), (FLOAT_050, STRIDE8_050)):
        coarse, fine = load_graph_model(models_dir / stride16), load_graph_model(converted / stride8)
        names = [o.name for o in coarse.outputs]
        for name, a, b in zip(names, coarse.execute(batch, names), fine.execute(batch, names), strict=True):
            assert b.shape[1:3] == ((129 - 1) // 8 + 1, (97 - 1) // 8 + 1)
            assert np.abs(b[:, ::2, ::2] - a).max() < 1e-3 * max(1.0, np.abs(a).max()), (stride8, name)
    published = load_graph_model(converted / "published" / STRIDE8_075)
    coarse = load_graph_model(models_dir / FLOAT_075)
    [name] = [o.name for o in coarse.outputs if "heatmap" in o.name]
    assert np.abs(published.execute(batch, [name])[0][:, ::2, ::2] - coarse.execute(batch, [name])[0]).max() > 1


def test_poseNet_finds_and_uses_the_converted_models(converted, testdata_dir, tmp_path):
    """ml5's default quantBytes 2: the nose within 0.5 px of the float model's; outputStride 8: within
    4 px (what each measured, and the published dilation layout: docs/testing.md#tolerances)."""
    runtime = HostRuntime(models_dir=converted, cache_dir=tmp_path / "cache", base_url=None)
    image = str(testdata_dir / "images" / "starter.png")

    async def nose(options):
        net = await poseNet("single", options, runtime=runtime)
        [result] = await net.singlePose(image)
        return result.pose.nose

    for options, within in (({"quantBytes": 2}, 0.5), ({"outputStride": 8}, 4.0)):
        found = asyncio.run(nose(options))
        assert math.hypot(found.x - NOSE[0], found.y - NOSE[1]) <= within, (options, found.x, found.y)
        assert found.confidence > 0.99


def mobilenet_graph(strides, rates, published=False, channels=4, seed=0):
    """A tiny random MobileNet v1 shaped like posenet's (conv 0, 13 depthwise+pointwise blocks, four
    1x1 heads named like the real ones), at the given per-layer strides and depthwise rates."""
    rng = np.random.default_rng(seed)

    def attr_ints(values):
        return {"list": {"i": [str(v) for v in values]}}

    nodes = [
        {
            "name": "sub_2",
            "op": "Placeholder",
            "attr": {
                "dtype": {"type": "DT_FLOAT"},
                "shape": {"shape": {"dim": [{"size": "1"}, {"size": "-1"}, {"size": "-1"}, {"size": "3"}]}},
            },
        }
    ]
    weights = {}

    def layer(name, op, x, shape, stride=1, rate=1, relu=True):
        weights[f"{name}/w"] = (rng.normal(size=shape) / math.sqrt(shape[0] * shape[1] * shape[2])).astype(np.float32)
        weights[f"{name}/b"] = (
            rng.normal(size=shape[2] * shape[3] if op.startswith("Depthwise") else shape[3]).astype(np.float32) * 0.1
        )
        dilations = [rate, rate, 1, 1] if published and rate > 1 else [1, rate, rate, 1]
        nodes.append(
            {
                "name": f"{name}/conv",
                "op": op,
                "input": [x, f"{name}/w"],
                "attr": {
                    "strides": attr_ints([1, stride, stride, 1]),
                    "dilations": attr_ints(dilations),
                    "padding": {"s": "U0FNRQ=="},
                    "data_format": {"s": "TkhXQw=="},
                },
            }
        )
        nodes.append({"name": f"{name}/BiasAdd", "op": "BiasAdd", "input": [f"{name}/conv", f"{name}/b"], "attr": {}})
        if not relu:
            return f"{name}/BiasAdd"
        nodes.append({"name": f"{name}/Relu6", "op": "Relu6", "input": [f"{name}/BiasAdd"], "attr": {}})
        return f"{name}/Relu6"

    x = layer("MobilenetV1/Conv2d_0", "Conv2D", "sub_2", (3, 3, 3, channels), strides[0])
    for block in range(1, 14):
        x = layer(
            f"MobilenetV1/Conv2d_{block}_depthwise",
            "DepthwiseConv2dNative",
            x,
            (3, 3, channels, 1),
            strides[block],
            rates[block],
        )
        x = layer(f"MobilenetV1/Conv2d_{block}_pointwise", "Conv2D", x, (1, 1, channels, channels))
    for head, size in (("offset_2", 34), ("heatmap_2", 17), ("displacement_fwd_2", 32), ("displacement_bwd_2", 32)):
        layer(f"MobilenetV1/{head}", "Conv2D", x, (1, 1, channels, size), relu=False)
    nodes[1:1] = [{"name": name, "op": "Const", "attr": {}} for name in weights]
    spec = {
        "format": "graph-model",
        "modelTopology": {"node": nodes},
        "weightsManifest": [
            {
                "paths": ["group1-shard1of1.bin"],
                "weights": [
                    {"name": name, "shape": list(value.shape), "dtype": "float32"} for name, value in weights.items()
                ],
            }
        ],
    }
    return spec, b"".join(value.tobytes() for value in weights.values())


MOBILENET_100 = [2, 1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1]  # posenet's mobileNet100Architecture


def test_multiplier_1_reaches_32_and_published_sources_are_understood(tmp_path):
    """A 1.0-shaped MobileNet at stride 16 (block 12 at stride 1, block 13 dilated 2, as Google's 1.0 file,
    whose dilations read [2, 2, 1, 1]) -> stride 32 and 8; at even positions each is the coarser one."""
    rates16 = [1] * 13 + [2]
    strides16 = MOBILENET_100[:12] + [1, 1]
    models = {}
    for name, published in (("canonical", False), ("published", True)):
        spec, blob = mobilenet_graph(strides16, rates16, published=published)
        folder = tmp_path / name
        write_model(folder / "model.json", spec, {"group1-shard1of1.bin": blob})
        models[name] = read_source(folder / "model.json")
    assert design_strides(find_convs(models["published"].spec)) == MOBILENET_100
    # The published source restated at stride 16 is the canonical graph.
    assert conv_attrs(restride_model(models["published"], 16).spec) == conv_attrs(models["canonical"].spec)
    graphs = {16: load_graph_model(models["canonical"].path)}
    for stride in (32, 8):
        change = restride_model(models["canonical"], stride)
        write_model(
            tmp_path / f"s{stride}" / "model.json",
            change.spec,
            {"group1-shard1of1.bin": models["canonical"].group_bytes[0]},
        )
        graphs[stride] = load_graph_model(tmp_path / f"s{stride}" / "model.json")
    batch = np.random.default_rng(9).uniform(-1, 1, (1, 65, 97, 3)).astype(np.float32)
    names = [o.name for o in graphs[16].outputs]
    out = {stride: graph.execute(batch, names) for stride, graph in graphs.items()}
    assert out[32][0].shape[1:3] == (3, 4) and out[16][0].shape[1:3] == (5, 7) and out[8][0].shape[1:3] == (9, 13)
    for fine, coarse in ((16, 32), (8, 16)):
        for a, b in zip(out[coarse], out[fine], strict=True):
            assert np.abs(b[:, ::2, ::2] - a).max() < 1e-4
    spec8 = json.loads((tmp_path / "s8" / "model.json").read_text())
    rates = {
        name.split("/")[1]: ints(attrs["dilations"])[1]
        for name, attrs in conv_attrs(spec8).items()
        if "depthwise" in name
    }
    assert [rates[f"Conv2d_{b}_depthwise"] for b in range(1, 14)] == [1] * 6 + [2] * 6 + [4]


def test_graphs_with_branches_are_refused(tmp_path):
    spec, blob = mobilenet_graph(MOBILENET_100[:12] + [1, 1], [1] * 14)
    nodes = spec["modelTopology"]["node"]
    last = next(n for n in nodes if n["name"] == "MobilenetV1/Conv2d_13_pointwise/Relu6")
    nodes.append({"name": "skip", "op": "AddV2", "input": [last["name"], "MobilenetV1/Conv2d_12_pointwise/Relu6"]})
    for n in nodes:
        if n["op"] == "Conv2D" and n["input"][0] == last["name"]:
            n["input"][0] = "skip"
    write_model(tmp_path / "model.json", spec, {"group1-shard1of1.bin": blob})
    with pytest.raises(ConvertError, match="branches"):
        restride_model(read_source(tmp_path / "model.json"), 8)


def test_a_fixed_size_model_gets_its_signature_shapes_updated(models_dir, tmp_path):
    """The 385x385 re-export (fused ops, outputs declared 25x25): stride 8 declares and gives 49x49."""
    code, out, err = convert(
        "convert",
        "stride",
        "--stride",
        "8",
        "--from",
        models_dir / "extra/human-posenet-385/posenet.json",
        "--out",
        tmp_path,
    )
    assert code == 0, err
    assert "385x385 input -> 49x49 heatmap" in out
    spec = json.loads((tmp_path / "model.json").read_text())
    for entry in spec["signature"]["outputs"].values():
        assert [d["size"] for d in entry["tensorShape"]["dim"]][1:3] == ["49", "49"]
    assert (tmp_path / "posenet.bin").is_file()


# -- TF.js ------------------------------------------------------------------------------------------

NODE_SCRIPT = r"""
// node run.js INPUT.bin H W MODEL.json...: one JSON line per model, every output as base64 float32.
const fs = require('fs');
const url = require('url');
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tfconv = require('@tensorflow/tfjs-converter');

async function fetchFile(address) {  // the HTTP loader's fetch, reading file:// URLs from disk
  const buf = fs.readFileSync(url.fileURLToPath(address));
  return {ok: true, status: 200, url: address,
          json: async () => JSON.parse(buf.toString('utf8')),
          arrayBuffer: async () => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)};
}

async function main() {
  const [input, h, w, ...models] = process.argv.slice(2);
  await tf.setBackend('cpu');
  const raw = fs.readFileSync(input);
  const x = tf.tensor4d(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), [1, +h, +w, 3]);
  for (const path of models) {
    const model = await tfconv.loadGraphModel(tf.io.http(url.pathToFileURL(path).href, {fetchFunc: fetchFile}));
    const names = model.outputs.map(o => o.name);
    const outs = model.execute(x, names);
    const result = {model: path, version: tf.version_core, outputs: {}};
    names.forEach((name, i) => {
      const data = outs[i].dataSync();
      result.outputs[name] = {shape: outs[i].shape,
                              b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')};
    });
    tf.dispose(outs);
    model.dispose();
    console.log(JSON.stringify(result));
  }
}
main().catch(e => { console.error(e && e.stack || e); process.exit(1); });
"""


def test_tfjs_loads_the_converted_models_and_agrees_with_numpy(converted, tmp_path):
    node = shutil.which("node")
    modules = REPO_ROOT / "node_modules" / "@tensorflow"
    if node is None or not (modules / "tfjs-converter").is_dir() or not (modules / "tfjs-backend-cpu").is_dir():
        pytest.skip("node or node_modules/@tensorflow (tfjs-core, -converter, -backend-cpu) is missing")
    batch = np.random.default_rng(11).uniform(-1, 1, (1, 97, 65, 3)).astype(np.float32)  # stride 8: 13x9
    (tmp_path / "x.bin").write_bytes(batch.tobytes())
    (tmp_path / "run.js").write_text(NODE_SCRIPT)
    models = [
        converted / QUANT2_075,
        converted / QUANT1_075,
        converted / QUANT2_050,
        converted / STRIDE8_075,
        converted / "published" / STRIDE8_075,
    ]
    done = subprocess.run(
        [node, tmp_path / "run.js", tmp_path / "x.bin", "97", "65", *models],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, NODE_PATH=str(REPO_ROOT / "node_modules")),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [Path(r["model"]) for r in lines] == models
    assert lines[0]["version"] == "4.22.0"
    for result, path in zip(lines, models, strict=True):
        graph = load_graph_model(path)
        names = list(result["outputs"])
        assert names == [o.name for o in graph.outputs]
        for name, mine in zip(names, graph.execute(batch, names), strict=True):
            entry = result["outputs"][name]
            theirs = np.frombuffer(base64.b64decode(entry["b64"]), np.float32).reshape(entry["shape"])
            assert theirs.shape == mine.shape
            assert np.abs(theirs - mine).max() <= 2e-4 * max(1.0, float(np.abs(mine).max())), (path, name)
