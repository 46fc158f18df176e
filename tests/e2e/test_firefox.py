"""Firefox runs the same page: Debian's firefox-esr, headless, over WebDriver BiDi (tests/support/firefox.py).

Two Firefox sessions, each a handful of page visits: one with an X display (Xvfb: WebGL on llvmpipe), one
without (no WebGL, as on a server). What they show:

- the default page reaches "running" on Firefox's fake camera and keeps detecting;
- singlePose and multiPose on every shared image equal Chromium's (wasm, the same run) within 0.5 px, on
  Firefox's wasm and WebGL backends;
- a sketch's error is shown with its file and line;
- a static export runs on a plain static host;
- without WebGL, the default page (backend "webgl", ml5's default) says what is wrong and what to use, and
  `?backend=auto` runs on wasm;
- no page asks for anything outside this machine.
"""

from __future__ import annotations

import http.server
import json
import math
import shutil
import threading
from functools import partial
from urllib.parse import urlsplit

import pytest

from pyposenet.export import export_sketch
from tests.conftest import MODELS_DIR, REPO_ROOT, TESTDATA_DIR
from tests.support.browser import LOOPBACK_HOSTS, PageWatch, launch_chromium
from tests.support.firefox import VirtualDisplay, Visit, missing, visit_in_firefox

DEFAULT_SKETCH = REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"
IMAGES = sorted(p.name for p in (TESTDATA_DIR / "images").iterdir() if p.suffix in (".png", ".jpg"))
FIVE_PEOPLE = "tennis_in_crowd.jpg"
SAME_POSES_PX = 0.5

# In the page, beside the shared images: single-pose on each, multi-pose on the five people, as plain lists.
IMAGE_POSES = f"""
from pyposenet import poseNet
import js, json
single, multiple = await poseNet("single"), await poseNet("multiple")

async def poses_of(name, net, detect):
    img = js.document.createElement("img")
    img.src = name
    await img.decode()
    results = await detect(img)
    return [[[k.part, k.score, k.position.x, k.position.y] for k in r.pose.keypoints] for r in results]

found = {{name: await poses_of(name, single, single.singlePose) for name in {IMAGES!r}}}
found["multiple"] = await poses_of({FIVE_PEOPLE!r}, multiple, multiple.multiPose)
json.dumps(found)
"""

# The default sketch keeps detecting: three more pose frames arrive after "running".
POSE_FRAMES = """
import asyncio, json
from pyposenet.net import live_nets
net = live_nets()[0]
start = net.stats.frames
for _ in range(600):
    if net.stats.frames >= start + 3:
        break
    await asyncio.sleep(0.05)
json.dumps({"frames": net.stats.frames - start, "running": net.running})
"""

BROKEN_SKETCH = """\
def setup():
    createCanvas(100, 100)


def draw():
    background(200)
    if frameCount == 3:
        {}["elbow"]
"""


@pytest.fixture(scope="module", autouse=True)
def firefox_is_here():
    lacking = missing()
    assert not lacking, f"the Firefox tests need {', '.join(lacking)}: run `make firefox`"


@pytest.fixture(scope="module")
def static_site(tmp_path_factory):
    """The default sketch exported (`pyposenet export`), on a plain static file server: its URL."""
    root = tmp_path_factory.mktemp("firefox-static")
    sketch = root / "sketch" / "sketch.py"
    sketch.parent.mkdir()
    shutil.copy(DEFAULT_SKETCH, sketch)
    export_sketch(sketch, root / "site", models_dir=MODELS_DIR, base_url=None)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root / "site"))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def broken_sketch(tmp_path_factory):
    path = tmp_path_factory.mktemp("firefox-broken") / "broken.py"
    path.write_text(BROKEN_SKETCH)
    return path


@pytest.fixture(scope="module")
def with_display(serve, image_sketch_dir, broken_sketch, static_site) -> dict[str, dict]:
    images = serve(image_sketch_dir / "blank.py")
    visits = {
        "default page": Visit(serve(DEFAULT_SKETCH) + "/", python=POSE_FRAMES),
        "images on wasm": Visit(images + "/?backend=wasm", python=IMAGE_POSES),
        "images on webgl": Visit(images + "/?backend=webgl", python=IMAGE_POSES),
        "sketch error": Visit(serve(broken_sketch) + "/?backend=wasm", until="error"),
        "static export": Visit(static_site + "?backend=wasm", python=POSE_FRAMES),
    }
    with VirtualDisplay() as display:
        shown = visit_in_firefox(list(visits.values()), display.name)
    return dict(zip(visits, shown, strict=True))


@pytest.fixture(scope="module")
def without_display(serve) -> dict[str, dict]:
    base = serve(DEFAULT_SKETCH)
    visits = {"default page": Visit(base + "/", until="error"), "auto": Visit(base + "/?backend=auto")}
    shown = visit_in_firefox(list(visits.values()), display=None)
    return dict(zip(visits, shown, strict=True))


@pytest.fixture(scope="module")
def chromium_poses(serve, image_sketch_dir, playwright_instance) -> dict:
    context, profile = launch_chromium(playwright_instance)
    try:
        watch = PageWatch(context.new_page())
        watch.page.goto(serve(image_sketch_dir / "blank.py") + "/?backend=wasm")
        watch.wait_for_status("running")
        return json.loads(watch.python(IMAGE_POSES))
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def running(visit: dict) -> None:
    assert visit["state"] == "running", (visit["errorTitle"], visit["errorDetails"], visit["consoleErrors"])
    assert visit["pageErrors"] == [], visit["pageErrors"]


def assert_kept_detecting(visit: dict) -> None:
    running(visit)
    detected = json.loads(visit["python"])
    assert detected["frames"] >= 3 and detected["running"], detected


def test_the_default_page_runs_and_keeps_detecting(with_display):
    visit = with_display["default page"]
    assert_kept_detecting(visit)
    assert visit["backend"] == "webgl"  # ml5's default, on llvmpipe here


@pytest.mark.parametrize("backend", ["wasm", "webgl"])
def test_poses_on_the_shared_images_equal_chromiums(with_display, chromium_poses, backend):
    visit = with_display[f"images on {backend}"]
    running(visit)
    assert visit["backend"] == backend
    firefox = json.loads(visit["python"])
    assert firefox.keys() == chromium_poses.keys()
    for image, poses in chromium_poses.items():
        assert len(firefox[image]) == len(poses), image
        for ours, theirs in zip(firefox[image], poses, strict=True):
            for (part, _, x, y), (their_part, _, their_x, their_y) in zip(ours, theirs, strict=True):
                assert part == their_part
                assert math.hypot(x - their_x, y - their_y) <= SAME_POSES_PX, (image, part, (x, y), (their_x, their_y))


def test_a_sketch_error_names_its_file_and_line(with_display):
    visit = with_display["sketch error"]
    assert visit["state"] == "error"
    assert visit["errorTitle"] == "Error in draw(): KeyError: 'elbow'"
    assert visit["errorDetails"].splitlines()[:2] == ["broken.py, line 8, in draw", '    {}["elbow"]']


def test_a_static_export_runs_on_a_plain_static_host(with_display):
    visit = with_display["static export"]
    assert_kept_detecting(visit)


def test_without_webgl_the_page_says_what_to_use_and_auto_runs_on_wasm(without_display):
    failed = without_display["default page"]
    assert failed["state"] == "error"
    message = f"{failed['errorTitle']}\n{failed['errorDetails']}"
    assert 'backend "webgl" could not start' in message and "no WebGL" in message
    assert '"wasm"' in message and '"auto"' in message, message
    auto = without_display["auto"]
    running(auto)
    assert auto["backend"] == "wasm"


def test_no_page_asks_for_anything_outside_this_machine(with_display, without_display):
    outside = [
        url
        for visit in (*with_display.values(), *without_display.values())
        for url in visit["requests"]
        if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).hostname not in LOOPBACK_HOSTS
    ]
    assert outside == []
