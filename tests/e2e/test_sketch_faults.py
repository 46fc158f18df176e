"""Faults in a sketch, one row each: the page names the sketch's file, the line and the message;
the sketch stops cleanly (one error, no more draw() frames, pose callbacks or detection); the server keeps
serving; saving the fixed file brings the page back to running.

Every sketch detects on the fake camera and counts its pose callbacks, so each row also shows that a
fault anywhere stops the net's loop, and that no callback of a stopped sketch runs again.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass

import pytest

from tests.support.browser import FAKE_WEBCAM_640

# The sketch every row breaks in one place. {fault_*} are replaced by a row's broken line (or nothing).
SKETCH = """\
from pyposenet import poseNet

video = None
poses = []
pose_calls = 0
calls_at_fault = None
draws = 0
ready_calls = 0


def setup():
    global video
    createCanvas(160, 120)
    video = createCapture(VIDEO)
    video.size(width, height)
    video.hide()
    net = poseNet(video, {fault_ready}model_ready)
    net.on("pose", got_poses)
{fault_setup}

def model_ready():
    global ready_calls
    ready_calls += 1
{fault_model_ready}

def got_poses(results):
    global poses, pose_calls
    poses = results
    pose_calls += 1
{fault_pose}

def draw():
    global draws
    draws += 1
    image(video, 0, 0, width, height)
{fault_draw}
"""
FAULTS = ("fault_ready", "fault_setup", "fault_model_ready", "fault_pose", "fault_draw")


@dataclass(frozen=True)
class Fault:
    name: str
    where: str  # which placeholder gets the broken code
    code: str
    title: str  # what the page's error title says
    function: str | None  # named after file and line in the details (None: a syntax error)
    line: str  # the sketch's line quoted under them
    detected_first: bool = False  # pose frames came before the fault (the net was detecting)


ROWS = [
    Fault(
        "syntax error",
        "fault_ready",
        "{",
        "Error in faulty.py: SyntaxError: closing parenthesis ')' does not match opening parenthesis '{'",
        None,
        "net = poseNet(video, {model_ready)",
    ),
    Fault(
        "exception in setup",
        "fault_setup",
        "    print(poses[3])",
        "Error in setup(): IndexError: list index out of range",
        "setup",
        "print(poses[3])",
    ),
    Fault(
        "exception in draw after a few frames",
        "fault_draw",
        "    if pose_calls >= 2:\n        global calls_at_fault\n        calls_at_fault = pose_calls\n"
        "        raise ValueError('broke after a few frames')",
        "Error in draw(): ValueError: broke after a few frames",
        "draw",
        "raise ValueError('broke after a few frames')",
        detected_first=True,
    ),
    Fault(
        "exception in the pose callback",
        "fault_pose",
        "    if pose_calls == 3:\n        float('elbow')",
        "Error in your 'pose' callback: ValueError: could not convert string to float: 'elbow'",
        "got_poses",
        "float('elbow')",
        detected_first=True,
    ),
    Fault(
        "exception in poseNet(video, callback)'s callback",
        "fault_model_ready",
        "    1 / 0",
        "Error in your model-ready callback: ZeroDivisionError: division by zero",
        "model_ready",
        "1 / 0",
    ),
]

COUNTS = """
from pyposenet._browser.sketch import current_bridge
from pyposenet.net import live_nets
ns = current_bridge().runner.namespace or {}
nets = live_nets()
[current_bridge().p5.frameCount, ns.get('draws', 0), ns.get('pose_calls', 0), ns.get('ready_calls', 0),
 sum(n.stats.frames for n in nets), any(n.running for n in nets), len(nets), ns.get('calls_at_fault')]
"""


def write(path, fault: Fault | None) -> None:
    parts = {name: "" for name in FAULTS}
    if fault is not None:
        parts[fault.where] = fault.code + ("" if fault.where == "fault_ready" else "\n")
    path.write_text(SKETCH.format(**parts))


def counts(watch) -> dict:
    names = ("frame", "draws", "pose_calls", "ready_calls", "pose_frames", "detecting", "nets", "calls_at_fault")
    return dict(zip(names, watch.python(COUNTS), strict=False))


@pytest.mark.parametrize("fault", ROWS, ids=[row.name for row in ROWS])
def test_sketch_fault_is_shown_stops_the_sketch_and_the_fix_recovers(fault, serve, open_page, tmp_path):
    sketch = tmp_path / "faulty" / "faulty.py"
    sketch.parent.mkdir()
    write(sketch, fault)
    base = serve(sketch)
    watch = open_page(base + "/?backend=wasm", fake_video=FAKE_WEBCAM_640)

    watch.page.wait_for_selector("#error", state="visible", timeout=120_000)
    title = watch.page.inner_text("#error-title")
    details = watch.page.inner_text("#error-details").splitlines()
    assert title == fault.title
    number = 1 + [text.strip() for text in sketch.read_text().splitlines()].index(fault.line)
    location = f"faulty.py, line {number}" + (f", in {fault.function}" if fault.function else "")
    assert details[:2] == [location, "    " + fault.line], details[:6]
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") == "error"

    # Stopped cleanly: give a loaded model and the camera time to deliver more, then nothing moved.
    watch.page.wait_for_timeout(1500)
    before = counts(watch)
    watch.page.wait_for_timeout(1500)
    after = counts(watch)
    assert after == before, f"the sketch kept running after its error: {before} -> {after}"
    assert not after["detecting"], "a net is still detecting"
    if fault.detected_first:
        assert after["pose_frames"] >= 1 and after["pose_calls"] >= 1 and after["draws"] > 1
    else:  # it broke before detection started: none ever did
        assert after["pose_frames"] == after["pose_calls"] == 0, after
    if after["calls_at_fault"] is not None:  # draw() broke: not even the frame then in flight called back
        assert after["pose_calls"] == after["calls_at_fault"], after
    if fault.where == "fault_pose":
        assert after["pose_calls"] == 3 and after["pose_frames"] == 3, after  # the failing call was the last
    # the load callback ran only if the model loaded before the fault (not after the sketch stopped)
    assert after["ready_calls"] == (1 if fault.detected_first or fault.where == "fault_model_ready" else 0), after
    assert len([e for e in watch.console_errors if e.startswith("Error in")]) == 1, watch.console_errors
    assert not watch.page_errors, watch.page_errors

    # The server keeps serving.
    for path in ("/", "/pyposenet/app-config.json", "/faulty.py"):
        with urllib.request.urlopen(base + path, timeout=30) as response:
            assert response.status == 200, path

    # Fixed and saved: the page reloads and runs, detecting again.
    with watch.page.expect_navigation(timeout=30_000):
        write(sketch, None)
    watch.wait_for_status("running")
    watch.page.wait_for_function(
        "() => window.pyposenet && window.pyposenet.pyodide.runPython("
        "'from pyposenet._browser.sketch import current_bridge\\n"
        'current_bridge().runner.namespace["pose_calls"]\') >= 3',
        timeout=60_000,
    )
    assert not watch.page.is_visible("#error")
