"""net.close(): what the page does to a sketch's nets when the sketch stops (its first error).

No result reaches a stopped sketch (the frame in flight, a model that finishes loading), but errors do.
"""

import asyncio

import pytest

from pyposenet import poseNet
from tests.support.fake_runtime import FakeRuntime, FakeVideo, settle, until


def test_close_drops_the_frame_in_flight_and_ends_the_loop():
    heard = []

    async def main():
        runtime = FakeRuntime()
        net = await poseNet(FakeVideo(), runtime=runtime)
        net.on("pose", heard.append)
        await until(lambda: runtime.in_flight == 1 and len(heard) >= 2)
        calls = len(heard)
        net.close()  # a frame is in flight: it finishes, and is not delivered
        await settle(100)
        assert runtime.runs == calls + 1
        assert len(heard) == calls
        assert not net.running and net._loop_task.done() and net._loop_task.exception() is None
        with pytest.raises(RuntimeError, match="closed"):
            net.start()
        assert runtime.errors == []

    asyncio.run(main())


def test_close_while_loading_calls_no_load_callback_and_never_detects():
    calls = []

    async def main():
        runtime = FakeRuntime()
        net = poseNet(FakeVideo(), lambda: calls.append("loaded"), runtime=runtime)
        net.on("ready", lambda n: calls.append("ready"))
        net.on("pose", lambda results: calls.append("pose"))
        net.close()
        await net  # the model still loads: awaiting code gets its net
        await settle(100)
        assert calls == []
        assert runtime.runs == 0 and not net.running

    asyncio.run(main())


def test_close_still_reports_errors():
    failure = RuntimeError("model.json: not found")
    calls, errors = [], []

    async def main():
        runtime = FakeRuntime(load_error=failure)
        net = poseNet(FakeVideo(), lambda err, n: calls.append(err), runtime=runtime)
        net.on("error", errors.append)
        net.close()
        with pytest.raises(RuntimeError):
            await net
        assert calls == [failure] and errors == [failure]
        assert runtime.errors == [(failure, "loading the PoseNet model")]

    asyncio.run(main())
