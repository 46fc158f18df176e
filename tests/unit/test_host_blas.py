"""pyposenet._host.blas: the one BLAS thread limit of `pyposenet detect` and POST /api/pose (the CLI's and the
API's own tests check each uses it during inference: test_cli.py, test_api_pose.py)."""

from __future__ import annotations

import sys
import threading

import pytest

np = pytest.importorskip("numpy")
threadpoolctl = pytest.importorskip("threadpoolctl")

from pyposenet._host.blas import DEFAULT_BLAS_THREADS, BlasThreads, threads_from_environment  # noqa: E402 - after the importorskips: the host extra is optional


def blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


@pytest.fixture
def before():
    found = blas_threads()
    if not found:
        pytest.skip("numpy loaded no BLAS that threadpoolctl knows")
    return found


def test_the_limit_holds_inside_and_is_restored_after(before):
    with BlasThreads(1) as limit:
        assert limit.threads == DEFAULT_BLAS_THREADS == 1
        assert blas_threads() == [1] * len(before)
    assert blas_threads() == before


def test_none_changes_nothing(before):
    with BlasThreads(None):
        assert blas_threads() == before
    assert blas_threads() == before


def test_it_is_counted_the_last_one_out_restores(before):
    limit = BlasThreads(1)
    with limit:
        with limit:
            assert blas_threads() == [1] * len(before)
        assert blas_threads() == [1] * len(before)  # the outer one still runs
    assert blas_threads() == before


def test_threads_running_inference_at_once_share_one_limit(monkeypatch):
    """Counted across threads: set once by the first in, restored once by the last out. (A fake limit: OpenBLAS
    0.3.31 ignores openblas_set_num_threads from other threads once the main thread has called it.)"""
    events = []

    class FakeLimit:
        def restore_original_limits(self):
            events.append("restore")

    def limits(self):
        events.append("limit")
        return FakeLimit()

    monkeypatch.setattr(BlasThreads, "_limits", limits)
    limit = BlasThreads(1)
    inside, release = threading.Barrier(4), threading.Event()

    def work():
        with limit:
            inside.wait()
            release.wait()

    workers = [threading.Thread(target=work) for _ in range(3)]
    for worker in workers:
        worker.start()
    inside.wait()
    assert events == ["limit"] and limit._inside == 3
    release.set()
    for worker in workers:
        worker.join()
    assert events == ["limit", "restore"] and limit._inside == 0


def test_without_threadpoolctl_nothing_is_changed(monkeypatch, before):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    with BlasThreads(1):
        assert blas_threads() == before


def test_the_environment_variable_is_the_persons_choice(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert threads_from_environment() == 1
    assert threads_from_environment(4) == 4
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    assert threads_from_environment() is None
