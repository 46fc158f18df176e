"""The same poses on the host (numpy, pyposenet._host) and in the browser (TF.js wasm, in the model worker).

Every shared image (../shared/testdata/images) goes through single-pose detection in the page and on the
host, and multi-pose on the five-person image (tennis_in_crowd.jpg). The page also hands back its pixels:
as decoded (createImageBitmap without colour conversion: what the network sees, web/model.js
storedPixels) and as shown (an <img> drawn on a canvas, colour-managed). What this shows:

- Chromium decodes every image, PNG and JPEG, to exactly Pillow's pixels.
- The page's network reads an image's stored pixels, as TensorFlow's decoders, Pillow and the reference's
  node fixtures do: every keypoint agrees with the host within 0.5 px on every image, also where Chromium's
  colour management would have moved the shown pixels (by how much: docs/host-cli-convert.md).

The table is printed (`pytest -s`) and copied into docs/host-cli-convert.md.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import statistics
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from pyposenet import poseNet
from pyposenet._host.runtime import HostRuntime
from tests.conftest import MODELS_DIR, TESTDATA_DIR
from tests.support.browser import BOOT_TIMEOUT_MS, CHROMIUM, CHROMIUM_FLAGS, PageWatch

IMAGES = sorted(p.name for p in (TESTDATA_DIR / "images").iterdir() if p.suffix in (".png", ".jpg"))
FIVE_PEOPLE = "tennis_in_crowd.jpg"
CASES = [(name, "single") for name in IMAGES] + [(FIVE_PEOPLE, "multiple")]
CASE_IDS = [f"{name}-{detection}" for name, detection in CASES]
SAME_PIXELS_PX = 0.5  # the networks agree: on identical pixels, every keypoint within half a pixel
CONFIDENT = 0.5

# In the page: detect on an <img>, and read back the RGBA the browser decoded (canvas at natural size), as
# shown (colour-managed) and as decoded (createImageBitmap without colour conversion: what the network sees).
PAGE_SETUP = """
from pyposenet import poseNet
from pyodide.ffi import to_js
import base64, json, js
nets = {"single": await poseNet("single"), "multiple": await poseNet("multiple")}
NO_COLOUR_CONVERSION = to_js({"colorSpaceConversion": "none"}, dict_converter=js.Object.fromEntries)

def rgba_of(source, width, height):
    canvas = js.document.createElement("canvas")
    canvas.width, canvas.height = width, height
    context = canvas.getContext("2d")
    context.drawImage(source, 0, 0)
    return base64.b64encode(context.getImageData(0, 0, width, height).data.to_bytes()).decode()

def plain(results):
    return [{"score": r.pose.score,
             "keypoints": [[k.part, k.score, k.position.x, k.position.y] for k in r.pose.keypoints]}
            for r in results]

async def measure(name, detection):
    img = js.document.createElement("img")
    img.src = name
    await img.decode()
    net = nets[detection]
    results = await (net.singlePose(img) if detection == "single" else net.multiPose(img))
    width, height = img.naturalWidth, img.naturalHeight
    bitmap = await js.createImageBitmap(img, NO_COLOUR_CONVERSION)
    decoded = rgba_of(bitmap, width, height)
    bitmap.close()
    return json.dumps({"poses": plain(results), "width": width, "height": height,
                       "shown": rgba_of(img, width, height), "decoded": decoded})
"""


def page_measure(watch: PageWatch, name: str, detection: str) -> dict:
    """The page's poses, and its pixels as shown (colour-managed) and as decoded (no colour conversion), RGB."""
    data = json.loads(watch.python(f"await measure({name!r}, {detection!r})"))

    def rgb(key):
        rgba = np.frombuffer(base64.b64decode(data[key]), np.uint8).reshape(data["height"], data["width"], 4)
        return np.ascontiguousarray(rgba[:, :, :3])

    return {"poses": data["poses"], "shown": rgb("shown"), "decoded": rgb("decoded")}


def host_poses(source, detection: str) -> list[dict]:
    """Detection with the host runtime (in a thread of its own: Playwright's event loop runs in this one)."""
    runtime = HostRuntime(models_dir=MODELS_DIR, base_url=None)

    async def run():
        net = await poseNet(detection, runtime=runtime)
        return await (net.singlePose(source) if detection == "single" else net.multiPose(source))

    with ThreadPoolExecutor(max_workers=1) as thread:
        results = thread.submit(asyncio.run, run()).result()
    return [
        {"score": r.pose.score, "keypoints": [[k.part, k.score, k.position.x, k.position.y] for k in r.pose.keypoints]}
        for r in results
    ]


def gaps(browser: dict, host: dict) -> tuple[list[float], list[float]]:
    """Per-keypoint distances (px) between two poses: over all keypoints, and over the browser's confident ones."""
    every, confident = [], []
    for (part, score, x, y), (host_part, _, hx, hy) in zip(browser["keypoints"], host["keypoints"], strict=True):
        assert part == host_part
        gap = float(np.hypot(x - hx, y - hy))
        every.append(gap)
        if score > CONFIDENT:
            confident.append(gap)
    return every, confident


def summary(values: list[float]) -> str:
    return f"{max(values):.3f} / {statistics.median(values):.3f}" if values else "– (none)"


@pytest.fixture(scope="module")
def measured(playwright_instance, serve, image_sketch_dir) -> dict:
    """Every image through the page (wasm, model worker) and through the host, on both pixel sources."""
    profile = tempfile.mkdtemp(prefix="pyposenet-chromium-")
    context = playwright_instance.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=list(CHROMIUM_FLAGS),
    )
    try:
        watch = PageWatch(context.new_page())
        watch.page.goto(serve(image_sketch_dir / "blank.py") + "/?backend=wasm")
        watch.wait_for_status("running", BOOT_TIMEOUT_MS)
        watch.python(PAGE_SETUP)
        assert watch.python('[net.options["backend"] for net in nets.values()]') == ["wasm", "wasm"]
        found = {}
        for name, detection in CASES:
            page = page_measure(watch, name, detection)
            pillow = host_pixels(name)
            found[name, detection] = {
                "browser": page["poses"],
                "host on its own decoding": host_poses(TESTDATA_DIR / "images" / name, detection),
                "host on the browser's pixels": host_poses(page["decoded"], detection),
                "same decoding": bool(np.array_equal(page["decoded"], pillow)),
                # what reading the shown (colour-managed) pixels would have changed: for the table
                "colour change": int(np.abs(page["shown"].astype(int) - pillow).max()),
            }
        assert not watch.outside_requests(), watch.outside_requests()
        assert not watch.page_errors, watch.page_errors
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)
    print_table(found)
    return found


def host_pixels(name: str) -> np.ndarray:
    from pyposenet._host.images import load_image

    return load_image(TESTDATA_DIR / "images" / name)


def print_table(found: dict) -> None:
    print("\nhost vs browser (wasm), keypoint distances in px: max / median")
    print(
        "| image | detection | poses browser / host | Pillow = Chromium's decoding | shown (colour-managed) pixels differ "
        "by (levels, max) | host on Pillow's pixels: score > 0.5 | all | host on the browser's pixels: "
        "score > 0.5 | all |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (name, detection), case in found.items():
        cells = []
        for side in ("host on its own decoding", "host on the browser's pixels"):
            every, confident = [], []
            for browser, host in zip(case["browser"], case[side], strict=False):
                e, c = gaps(browser, host)
                every += e
                confident += c
            cells.append(f"{summary(confident)} | {summary(every)}")
        counts = f"{len(case['browser'])} / {len(case['host on its own decoding'])}"
        print(
            f"| {name} | {detection} | {counts} | {'yes' if case['same decoding'] else 'no'} | "
            f"{case['colour change']} | {cells[0]} | {cells[1]} |"
        )


# -- the tests ---------------------------------------------------------------------------------------


def pose_pairs(browser: list[dict], host: list[dict]) -> list[tuple[dict, dict]]:
    assert len(browser) == len(host), (len(browser), len(host))
    return list(zip(browser, host, strict=False))


@pytest.mark.parametrize("name", IMAGES)
def test_chromium_decodes_every_image_as_pillow_does(measured, name):
    assert measured[name, "single"]["same decoding"]


@pytest.mark.parametrize("name,detection", CASES, ids=CASE_IDS)
def test_on_the_same_pixels_every_keypoint_agrees_within_half_a_pixel(measured, name, detection):
    case = measured[name, detection]
    pairs = pose_pairs(case["browser"], case["host on the browser's pixels"])
    assert len(pairs) == (5 if detection == "multiple" else 1)
    for browser, host in pairs:
        every, _ = gaps(browser, host)
        assert max(every) <= SAME_PIXELS_PX, every
        assert abs(browser["score"] - host["score"]) <= 1e-3


@pytest.mark.parametrize("name,detection", CASES, ids=CASE_IDS)
def test_on_each_sides_own_decoding_every_keypoint_agrees_within_half_a_pixel(measured, name, detection):
    """The host reads the file with Pillow, the page with Chromium: the same poses, colour profile or not."""
    case = measured[name, detection]
    pairs = pose_pairs(case["browser"], case["host on its own decoding"])
    assert len(pairs) == (5 if detection == "multiple" else 1)
    for browser, host in pairs:
        every, _ = gaps(browser, host)
        assert max(every) <= SAME_PIXELS_PX, every
        assert abs(browser["score"] - host["score"]) <= 1e-3
