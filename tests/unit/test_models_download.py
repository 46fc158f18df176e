"""pyposenet.models.download: atomic downloads with the usual file mode, one at a time per file.

A local http.server on 127.0.0.1 (tests/support/model_http.py) serves the files; nothing leaves the machine.
"""

import http.client
import os
import threading
import urllib.error

import pytest

from pyposenet.models import DOWNLOAD_ERRORS, ModelStore, download_once, download_reason, download_to, file_lock
from pyposenet.models.download import IncompleteDownloadError
from tests.support.model_http import ModelHTTPServer

NAME = "savedmodel/posenet/mobilenet/float/050/group1-shard1of1.bin"
BODY = bytes(range(256)) * 4096  # 1 MiB: several chunks


@pytest.fixture
def umask():
    """A known umask for the test (restored after): 0o027, so the mode differs from mkstemp's 0o600 and 0o644."""
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_download_to_writes_the_file_with_the_usual_mode(tmp_path, umask):
    target = tmp_path / "cache" / NAME
    seen = []
    with ModelHTTPServer({NAME: BODY}) as server:
        download_to(server.url + NAME, target, 5, seen.append)
    assert target.read_bytes() == BODY
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask == 0o640
    assert sum(seen) == len(BODY)
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp file left


@pytest.mark.parametrize("how", ["length", "chunked"])
def test_a_body_cut_short_leaves_nothing_under_the_final_name(tmp_path, how):
    target = tmp_path / "cache" / NAME
    with ModelHTTPServer({NAME: BODY}, cut={NAME: how}) as server, pytest.raises(DOWNLOAD_ERRORS) as info:
        download_to(server.url + NAME, target, 5)
    assert isinstance(info.value, IncompleteDownloadError if how == "length" else http.client.IncompleteRead)
    assert not target.exists()
    assert not any(name.endswith(".part") for name in leftovers(tmp_path / "cache"))
    assert list(target.parent.iterdir()) == []


def test_a_failed_download_keeps_the_old_file(tmp_path):
    target = tmp_path / NAME
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old")
    with (
        ModelHTTPServer({NAME: BODY}, cut={NAME: "length"}) as server,
        pytest.raises(IncompleteDownloadError, match=f"after {len(BODY) // 2} of {len(BODY)} bytes"),
    ):
        download_to(server.url + NAME, target, 5)
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_a_404_creates_no_folder(tmp_path):
    with ModelHTTPServer({}) as server, pytest.raises(urllib.error.HTTPError) as info:
        download_to(server.url + NAME, tmp_path / "cache" / NAME, 5)
    assert download_reason(info.value) == "HTTP 404 Not Found"
    assert not (tmp_path / "cache").exists()


def test_download_reason():
    assert download_reason(urllib.error.URLError("refused")) == "refused"
    assert download_reason(IncompleteDownloadError("cut")) == "cut"
    assert download_reason(TimeoutError()) == "TimeoutError"


def test_download_once_skips_a_file_that_is_there(tmp_path):
    target = tmp_path / NAME
    with ModelHTTPServer({NAME: BODY}) as server:
        assert download_once(server.url + NAME, target, 5) is True
        assert download_once(server.url + NAME, target, 5) is False
        assert server.count(NAME) == 1


def test_file_lock_is_one_lock_per_file(tmp_path):
    assert file_lock(tmp_path / "a.bin") is file_lock(tmp_path / "x" / ".." / "a.bin")
    assert file_lock(tmp_path / "a.bin") is not file_lock(tmp_path / "b.bin")


def test_threads_finding_the_same_missing_file_download_it_once(tmp_path):
    threads_n = 8
    with ModelHTTPServer({NAME: BODY}, delay=0.3) as server:  # slow: every thread asks while the first downloads
        store = ModelStore(tmp_path / "models", tmp_path / "cache", server.url, timeout=10)
        barrier = threading.Barrier(threads_n)
        found, errors = [], []

        def find():
            barrier.wait()
            try:
                found.append(store.find(NAME))
            except Exception as error:  # noqa: BLE001  (reported below)
                errors.append(error)

        threads = [threading.Thread(target=find) for _ in range(threads_n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert server.count(NAME) == 1 and len(server.requests) == 1
    assert found == [(tmp_path / "cache" / NAME).resolve()] * threads_n
    assert found[0].read_bytes() == BODY
    assert leftovers(tmp_path / "cache" / "savedmodel/posenet/mobilenet/float/050") == ["group1-shard1of1.bin"]
