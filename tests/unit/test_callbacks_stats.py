"""Calling user callbacks with as many arguments as they take; per-frame timing statistics."""

import functools

import pytest

from pyposenet.callbacks import call_with_fitting_args, positional_arity
from pyposenet.stats import FrameStats


def none():
    return ()


def one(a):
    return (a,)


def two(a, b):
    return (a, b)


def with_default(a, b=None):
    return (a, b)


def star(*args):
    return args


def one_and_star(a, *rest):
    return (a, *rest)


def keyword_only(a, *, b=2):
    return (a, b)


def positional_only(a, b, /):
    return (a, b)


def kwargs_only(**kw):
    return tuple(kw.values())


class Handler:
    def method(self, err, net):
        return (err, net)

    @staticmethod
    def static(x):
        return (x,)

    @classmethod
    def klass(cls):
        return ()

    def __call__(self, results):
        return (results,)


@pytest.mark.parametrize(
    "fn, arity",
    [
        (none, 0),
        (one, 1),
        (two, 2),
        (with_default, 2),
        (star, None),
        (one_and_star, None),
        (keyword_only, 1),
        (positional_only, 2),
        (kwargs_only, 0),
        (lambda: None, 0),
        (lambda err, net: None, 2),
        (Handler().method, 2),
        (Handler.static, 1),
        (Handler.klass, 0),
        (Handler(), 1),
        (functools.partial(two, 1), 1),
        (len, 1),
        (print, None),  # *args
        (max, None),  # no signature available
        (int, None),  # no signature available
    ],
    ids=lambda v: getattr(v, "__name__", repr(v)) if not isinstance(v, (int, type(None))) else str(v),
)
def test_positional_arity(fn, arity):
    assert positional_arity(fn) == arity


@pytest.mark.parametrize(
    "fn, expected",
    [
        (none, ()),
        (one, ("err",)),
        (two, ("err", "net")),
        (with_default, ("err", "net")),
        (star, ("err", "net")),
        (one_and_star, ("err", "net")),
        (keyword_only, ("err", 2)),
        (Handler().method, ("err", "net")),
        (Handler(), ("err",)),
        (functools.partial(two, "bound"), ("bound", "err")),
    ],
)
def test_call_with_fitting_args(fn, expected):
    assert call_with_fitting_args(fn, "err", "net") == expected


def test_call_with_fitting_args_with_fewer_args_than_taken():
    with pytest.raises(TypeError):
        call_with_fitting_args(two, "only")
    assert call_with_fitting_args(with_default, "only") == ("only", None)


def test_call_with_fitting_args_unknown_arity_gets_everything():
    seen = []
    call_with_fitting_args(lambda *a: seen.append(a), 1, 2, 3)
    assert seen == [(1, 2, 3)]


def test_call_with_fitting_args_returns_the_result_and_lets_errors_through():
    def broken():
        raise KeyError("inside")

    with pytest.raises(KeyError, match="inside"):
        call_with_fitting_args(broken, None, None)


# -- FrameStats ---------------------------------------------------------------------------------------


def test_frame_stats_empty():
    stats = FrameStats()
    assert stats.frames == 0
    assert stats.summary() == {"frames": 0, "model_ms": None, "decode_ms": None}


def test_frame_stats_medians_and_count():
    stats = FrameStats()
    for model_ms, decode_ms in [(10, 1.0), (30, 3.0), (20, 2.0)]:
        stats.add(model_ms, decode_ms)
    assert stats.frames == 3
    assert stats.summary() == {"frames": 3, "model_ms": 20, "decode_ms": 2.0}
    stats.add(40, 4.0)
    assert stats.summary() == {"frames": 4, "model_ms": 25.0, "decode_ms": 2.5}


def test_frame_stats_median_is_robust_to_one_slow_frame():
    stats = FrameStats()
    for ms in [5.0, 5.0, 5.0, 5.0, 900.0]:  # the first frame compiles shaders
        stats.add(ms, 0.5)
    assert stats.summary()["model_ms"] == 5.0


def test_frame_stats_rounds_to_microseconds():
    stats = FrameStats()
    stats.add(1.23456, 0.0004)
    assert stats.summary() == {"frames": 1, "model_ms": 1.235, "decode_ms": 0.0}


def test_frame_stats_keeps_the_last_frames_but_counts_all():
    stats = FrameStats(keep=3)
    for ms in [100, 100, 100, 1, 2, 3]:
        stats.add(ms, ms / 10)
    assert stats.frames == 6
    assert list(stats.model_ms) == [1, 2, 3]
    assert stats.summary() == {"frames": 6, "model_ms": 2, "decode_ms": 0.2}


def test_frame_stats_default_keep():
    stats = FrameStats()
    for i in range(600):
        stats.add(i, i)
    assert stats.frames == 600
    assert len(stats.model_ms) == len(stats.decode_ms) == 512
