"""pyposenet.models.names: the one model-name validator and resolve_inside (no symlinks leading out)."""

import os

import pytest

from pyposenet.models import MAX_NAME, ModelNameError, ModelStore, check_model_name, is_model_name, resolve_inside
from pyposenet.models.names import ANY_SUFFIX

OFFICIAL = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"

GOOD = [
    OFFICIAL,
    "savedmodel/posenet/mobilenet/float/075/group1-shard1of2.bin",
    "savedmodel/posenet/resnet50/quant1/model-stride32.json",
    "extra/human-posenet-385/posenet.json",
    "model.json",
    "a.bin",
    "UPPER/Case.JSON",  # the suffix in any case
    "dots.in.the.name/v1.2.bin",
    "x" * (MAX_NAME - 5) + ".json",  # exactly MAX_NAME characters
]

BAD = [
    "",
    "/etc/model.json",  # absolute
    "../model.json",
    "savedmodel/../../model.json",
    "./model.json",
    "a/./model.json",
    ".git/model.json",  # dot-folder
    "a/.hidden.json",  # dot-file
    "a//model.json",  # an empty part
    "a/",
    "model.json/",
    "a\\model.json",  # backslash
    "a\\..\\model.json",
    "a\nmodel.json",  # control characters
    "a\x00.json",
    "a\x7f.json",
    "a b.json",  # not a storage name
    "caf\u00e9.json",
    "a%2e%2e/model.json",
    "model.txt",  # neither .json nor .bin
    "model.json.part",
    "model",
    "x" * (MAX_NAME - 4) + ".json",  # one character too many
]


@pytest.mark.parametrize("name", GOOD)
def test_good_names(name):
    assert is_model_name(name)
    assert check_model_name(name) == name


@pytest.mark.parametrize("name", BAD)
def test_bad_names(name):
    assert not is_model_name(name)
    with pytest.raises(ModelNameError, match="bad model file name") as info:
        check_model_name(name)
    assert isinstance(info.value, ValueError)


def test_non_strings_are_not_names():
    for value in (None, 3, b"model.json", ["model.json"]):
        assert not is_model_name(value)


def test_shards_may_have_any_suffix_but_stay_plain():
    assert is_model_name("group1-shard1of1", ANY_SUFFIX)  # old converters wrote shards without .bin
    assert not is_model_name("group1-shard1of1")
    assert not is_model_name("../group1-shard1of1", ANY_SUFFIX)


@pytest.fixture
def tree(tmp_path):
    """root/ with a file, a symlink inside it, symlinks leading out, a loop; outside/ beside it."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "savedmodel").mkdir(parents=True)
    outside.mkdir()
    (root / "savedmodel" / "model.json").write_text("{}")
    (outside / "secret.json").write_text("{}")
    (root / "alias.json").symlink_to(root / "savedmodel" / "model.json")
    (root / "out.json").symlink_to(outside / "secret.json")
    (root / "outdir").symlink_to(outside)
    (root / ".git").mkdir()
    (root / ".git" / "x.json").write_text("{}")
    (root / "to-dot.json").symlink_to(root / ".git" / "x.json")
    (root / "loop.json").symlink_to(root / "loop.json")
    return root, outside


def test_resolve_inside_follows_symlinks_that_stay_inside(tree):
    root, _ = tree
    real = (root / "savedmodel" / "model.json").resolve()
    assert resolve_inside(root, "savedmodel/model.json") == real
    assert resolve_inside(root, "alias.json") == real
    assert resolve_inside(root, "savedmodel/missing.json") == (root / "savedmodel" / "missing.json").resolve()


@pytest.mark.parametrize(
    "name",
    [
        "out.json",
        "outdir/secret.json",
        "to-dot.json",
        "loop.json",
        "../outside/secret.json",
        "/etc/passwd",
        ".git/x.json",
        "a\\b.json",
        "x" * (MAX_NAME + 1),
    ],
)
def test_resolve_inside_refuses_what_leads_out(tree, name):
    root, _ = tree
    assert resolve_inside(root, name) is None


def test_resolve_inside_of_no_root_is_none():
    assert resolve_inside(None, OFFICIAL) is None


def test_a_root_that_is_itself_a_symlink_is_fine(tree, tmp_path):
    root, _ = tree
    (tmp_path / "link").symlink_to(root)
    assert resolve_inside(tmp_path / "link", "savedmodel/model.json") == (root / "savedmodel/model.json").resolve()


def test_the_store_refuses_a_symlink_leading_out_of_its_folders(tree, tmp_path):
    root, outside = tree
    (root / "savedmodel" / "x").mkdir()
    (root / "savedmodel" / "x" / "model.json").symlink_to(outside / "secret.json")
    store = ModelStore(root, tmp_path / "cache", None)
    with pytest.raises(ValueError, match="leads out of the models directory"):
        store.find("savedmodel/x/model.json")
    cache = tmp_path / "cache2"
    (cache / "savedmodel").mkdir(parents=True)
    (cache / "savedmodel" / "out.json").symlink_to(outside / "secret.json")
    with pytest.raises(ValueError, match="leads out of the cache"):
        ModelStore(None, cache, None).find("savedmodel/out.json")
    assert os.path.exists(outside / "secret.json")  # untouched
