"""Option values fuzzed through `poseNet(...)` (every ml5 argument form, options of any type) and through the
text parser the HTTP API and the CLI share (`parse_option_text`, then `resolve_options`): a value poseNet
takes, or a ValueError that names the option (a TypeError, Python's way, only for a call whose arguments are of
the wrong kinds: two videos, two callbacks); never another exception type. (The HTTP API's own answer,
400 with that message, is fuzzed end to end in test_fuzz_api.py.) `bodyPose()` does not exist yet (issue 18):
its options join this test when it does."""

from __future__ import annotations

import asyncio
import math

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from pyposenet import poseNet
from pyposenet.options import DEFAULTS, parse_option_text, resolve_options
from tests.support.fake_runtime import FakeRuntime
from tests.support.fuzz import examples

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),  # NaN and ±inf included
    st.sampled_from([0, 1, 8, 16, 32, 0.5, 0.75, 1.0, 257, 513, "single", "multiple", "MobileNetV1", "ResNet50"]),
    st.text(max_size=12),
    st.binary(max_size=4),
    st.lists(st.integers(-5, 600), max_size=3),
    st.dictionaries(st.sampled_from(["width", "height", "beta", "minCutoff", "x"]), st.integers(-5, 600), max_size=3),
    st.just(object()),
)
OPTION_NAMES = st.one_of(st.sampled_from(sorted(DEFAULTS)), st.text(max_size=10))
# Anything, or the defaults with one or two values replaced (a realistic mistake among good values).
OPTIONS = st.one_of(
    st.dictionaries(OPTION_NAMES, VALUES, max_size=4),
    st.dictionaries(st.sampled_from(sorted(DEFAULTS)), VALUES, min_size=1, max_size=2).map(
        lambda changed: {**DEFAULTS, **changed}
    ),
)
ARGUMENTS = st.lists(
    st.one_of(OPTIONS, VALUES, st.sampled_from(["single", "multiple"]), st.just(lambda *a: None)), max_size=4
)


@given(options=OPTIONS)
@examples(300)
def test_resolve_options_takes_a_value_or_raises_a_value_error_naming_it(options):
    try:
        resolved = resolve_options(options)
    except ValueError as error:
        event("ValueError")
        assert str(error)
        return
    event("accepted")
    for name in ("minConfidence", "scoreThreshold", "nmsRadius"):
        assert math.isfinite(resolved[name])


@given(arguments=ARGUMENTS)
@examples(200)
def test_posenet_takes_any_ml5_argument_form_or_says_what_is_wrong(arguments):
    async def make():
        net = poseNet(*arguments, runtime=FakeRuntime())
        await net
        return net

    try:
        asyncio.run(make())
    except ValueError as error:  # a bad option value
        event("ValueError")
        assert str(error)
        return
    except TypeError as error:  # Python's own way to refuse a call's arguments: two videos, two callbacks
        event("TypeError")
        assert str(error).startswith("poseNet() got "), error
        return
    event("a net")


@pytest.mark.parametrize("name", sorted(DEFAULTS))
@given(text=st.one_of(st.text(max_size=24), st.sampled_from(["1e309", "nan", "-inf", "353x", "x257", "{}", "[1]"])))
@examples(25)
def test_option_text_parses_or_raises_a_value_error_naming_the_option(name, text):
    try:
        value = parse_option_text(name, text)
        resolve_options({name: value})
    except ValueError as error:
        event("ValueError")
        assert name in str(error), error
        return
    event("accepted")
