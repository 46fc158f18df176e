"""pyposenet.models.store: lookup order (models folder -> cache -> download once), the not-found message,
the default folders."""

import socket

import pytest

from pyposenet.models import (
    ModelNotFoundError,
    ModelSource,
    ModelStore,
    checkout_root,
    default_cache_dir,
    default_models_dir,
    other_models,
)
from pyposenet.models import store as store_module
from tests.support.model_http import ModelHTTPServer

NAME = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def put(root, name, data=b"{}"):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def folders(tmp_path):
    return tmp_path / "models", tmp_path / "cache"


def test_the_models_folder_comes_first_then_the_cache(folders):
    models, cache = folders
    store = ModelStore(models, cache, f"http://127.0.0.1:{closed_port()}/")
    put(cache, NAME, b"cache")
    assert store.find(NAME) == (cache / NAME).resolve()
    put(models, NAME, b"models")
    assert store.find(NAME) == (models / NAME).resolve()


def test_a_missing_file_is_downloaded_once_into_the_cache(folders):
    models, cache = folders
    with ModelHTTPServer({NAME: b'{"m": 1}'}) as server:
        store = ModelStore(models, cache, server.url)
        assert store.find(NAME) == (cache / NAME).resolve()
        assert store.find(NAME) == (cache / NAME).resolve()
        assert server.count(NAME) == 1
    assert (cache / NAME).read_bytes() == b'{"m": 1}'
    assert not (models / NAME).exists()


def test_not_found_names_the_file_and_every_place_looked(folders):
    models, cache = folders
    models.mkdir()
    with ModelHTTPServer({}) as server, pytest.raises(ModelNotFoundError) as info:
        ModelStore(models, cache, server.url).find(NAME)
    assert str(info.value) == (
        f"model file '{NAME}' not found: not in models directory {models}, "
        f"not in cache {cache}, download from {server.url}{NAME} failed: HTTP 404 Not Found"
    )
    assert isinstance(info.value, FileNotFoundError)
    assert info.value.name == NAME and len(info.value.looked) == 3
    assert not cache.exists()  # nothing written for a failed download


def test_not_found_without_folders_or_downloads(folders):
    _, cache = folders
    with pytest.raises(ModelNotFoundError) as info:
        ModelStore(None, cache, None).find(NAME)
    assert str(info.value) == (
        f"model file '{NAME}' not found: no models directory configured, not in cache {cache}, "
        "downloads disabled (no MODEL_BASE_URL)"
    )
    with pytest.raises(TypeError, match="needs a cache folder"):  # every caller has one: a store always has a cache
        ModelStore(None, None, "http://127.0.0.1:9/")
    with pytest.raises(ModelNotFoundError, match=r"not in cache .*, downloads disabled$"):
        ModelStore(None, cache, None, disabled_reason="downloads disabled").find(NAME)


def test_an_unreachable_server_is_named(folders):
    models, cache = folders
    url = f"http://127.0.0.1:{closed_port()}/tfjs-models/"
    with pytest.raises(ModelNotFoundError, match=f"download from {url}{NAME} failed: .*refused"):
        ModelStore(models, cache, url, timeout=5).find(NAME)


def test_bad_names_are_refused_before_looking(folders):
    models, cache = folders
    store = ModelStore(models, cache, None)
    for name in ("../x.json", "/etc/passwd", "a\\b.json", ".env", "model.txt"):
        with pytest.raises(ValueError, match="bad model file name"):
            store.find(name)
    with pytest.raises(ValueError):
        store.find(NAME, cache_name="../elsewhere.json")


def test_another_root_skips_the_models_folder_and_caches_under_its_own_name(folders):
    models, cache = folders
    put(models, "model.json", b"local")
    with ModelHTTPServer({"model.json": b"remote"}) as server:
        store = ModelStore(models, cache, None)
        path = store.find("model.json", base_url=server.url, cache_name="urls/host/model.json")
        assert path == (cache / "urls/host/model.json").resolve() and path.read_bytes() == b"remote"
        assert store.find("model.json", base_url=server.url, cache_name="urls/host/model.json") == path
        assert server.count("model.json") == 1


def test_the_store_is_a_model_source(folders):
    assert isinstance(ModelStore(*folders, None), ModelSource)
    assert "ModelStore(models_dir=" in repr(ModelStore(*folders, None))


def test_default_folders_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PYPOSENET_MODELS", str(tmp_path / "mine"))
    monkeypatch.setenv("PYPOSENET_CACHE", str(tmp_path / "cache"))
    assert default_models_dir() == tmp_path / "mine"  # need not exist: the user asked for it
    assert default_cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("PYPOSENET_CACHE")
    assert default_cache_dir() == tmp_path.home() / ".cache" / "pyposenet" / "models"


def test_default_models_dir_is_shared_models_beside_a_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv("PYPOSENET_MODELS", raising=False)
    checkout = tmp_path / "main"
    monkeypatch.setattr(store_module, "checkout_root", lambda: checkout)
    assert default_models_dir() is None  # ../shared/models does not exist
    (tmp_path / "shared" / "models").mkdir(parents=True)
    assert default_models_dir() == tmp_path / "shared" / "models"
    monkeypatch.setattr(store_module, "checkout_root", lambda: None)  # an installed package
    assert default_models_dir() is None


def test_the_tests_run_from_a_checkout():
    root = checkout_root()
    assert root is not None and (root / "pyproject.toml").is_file() and (root / "pyposenet" / "models").is_dir()


def test_other_models_lists_tfjs_models_that_are_not_skipped(tmp_path):
    put(tmp_path, NAME, b'{"weightsManifest": []}')
    put(tmp_path, "extra/posenet.json", b'{"weightsManifest": [], "modelTopology": {}}')
    put(tmp_path, "extra/notes.json", b'{"x": 1}')
    put(tmp_path, "extra/broken.json", b"{")
    assert other_models(tmp_path, {NAME}) == ["extra/posenet.json"]
    assert other_models(tmp_path / "nowhere") == [] and other_models(None) == []
