"""bodyPose: BlazePose (lite, full, heavy) beside PoseNet on the shared images with people, in one page.

    .venv/bin/python benchmarks/bodypose_accuracy.py [--repeats 4] [--overlays bench-results/bodypose]
    make bench-bodypose

There is no hand-labelled ground truth here, so this compares the models to each other, not to the truth: for
each image, where BlazePose puts the 17 COCO keypoints (its 33 landmarks mapped by bodypose/blazepose_keypoints.py)
beside where PoseNet puts them (the reference outputs of @tensorflow-models/posenet 2.2.2, MobileNetV1 0.75,
stride 16, in ../shared/testdata/expected-js; the app's PoseNet gives the same, tests/e2e say so). BlazePose finds
one person; it is compared with the PoseNet pose nearest to it. Distances are in % of that person's height (the
extent of both models' confident keypoints). What is visibly right is for a person to judge: --overlays draws
both models' keypoints on each image (PoseNet red, BlazePose green) for that.

Time per frame, in the same page (headless Chromium, PoseNet on TF.js's wasm backend in the model worker,
BlazePose's solution on the main thread with CPU inference): each image is sent --repeats times after a blank
frame (so the solution's tracking starts afresh, as on a new video); the first send runs the detector and the
landmark model, the later ones the landmark model on the tracked region, as on a video. BlazePose's time is the
solution's send() (web/blazepose.js's `times`), PoseNet's the awaited multiPose() in Python. "load" is the time of
`await bodyPose("BlazePose", {"modelType": ...})`: the first one also loads pose.js and the wasm runtime, the
others restart the solution's graph with the other landmark model.

The heavy model is not in the app (docs/bodypose.md): this script serves it from node_modules/@mediapipe/pose for
the measurement only, through a middleware in front of the app, so nothing is copied into the checkout.
Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402 - after sys.path gets the checkout

from pyposenet.bodypose.blazepose_keypoints import COCO_INDEX  # noqa: E402
from tests.conftest import MODELS_DIR  # noqa: E402
from tests.support.blazepose_heavy import HEAVY, heavy_from_node_modules  # noqa: E402
from tests.support.browser import LiveServer, PageWatch, launch_chromium  # noqa: E402

SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
IMAGES = SHARED / "testdata" / "images"
EXPECTED = SHARED / "testdata" / "expected-js" / "mobilenet-float-075-stride16"
MODEL_TYPES = ("lite", "full", "heavy")
CONFIDENT = 0.5
COCO_NAMES = tuple(COCO_INDEX)
GROUPS = {"head": COCO_NAMES[:5], "arms": COCO_NAMES[5:11], "legs": COCO_NAMES[11:]}
BLANK_SKETCH = "def setup():\n    createCanvas(100, 100)\n\n\ndef draw():\n    background(200)\n"

PUT_IMAGE = """async ([id, data]) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes]));
    const canvas = document.createElement('canvas');
    canvas.id = id; canvas.width = bitmap.width; canvas.height = bitmap.height; canvas.style.display = 'none';
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    document.body.appendChild(canvas);
    return [bitmap.width, bitmap.height];
}"""

IN_PAGE = """
import js, json, time
from pyposenet import bodyPose, poseNet
names, repeats, model_types = json.loads(ARGS)
blank = js.document.createElement('canvas'); blank.width = 64; blank.height = 64
blank.getContext('2d').fillRect(0, 0, 64, 64)
canvases = {name: js.document.getElementById('img-' + name) for name in names}
out = {"posenet": {}, "blazepose": {}}
net = await poseNet({"detectionType": "multiple"})
for name, canvas in canvases.items():
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        await net.multiPose(canvas)
        times.append((time.perf_counter() - start) * 1000)
    out["posenet"][name] = times
for model_type in model_types:
    start = time.perf_counter()
    try:
        body_pose = await bodyPose("BlazePose", {"modelType": model_type, "enableSmoothing": False})
    except Exception as error:
        out["blazepose"][model_type] = {"error": str(error)}
        continue
    entry = {"load_ms": (time.perf_counter() - start) * 1000, "images": {}}
    for name, canvas in canvases.items():
        await body_pose.detect(blank)
        sends = len(js.window.pyposenetBlazePose.times)
        for _ in range(repeats):
            poses = await body_pose.detect(canvas)
        ms = list(js.window.pyposenetBlazePose.times.to_py())[sends:]
        keypoints = [[k.x, k.y, k.confidence] for k in poses[0].keypoints] if poses else None  # all 33
        beside = []  # PoseNet on the same image right after: the machine's load is the same for both
        for _ in range(repeats):
            start = time.perf_counter()
            await net.multiPose(canvas)
            beside.append((time.perf_counter() - start) * 1000)
        entry["images"][name] = {"ms": ms, "keypoints": keypoints, "posenet_ms": beside}
    out["blazepose"][model_type] = entry
json.dumps(out)
"""


def images_with_people() -> list[str]:
    index = json.loads((EXPECTED / "index.json").read_text())
    return sorted(index["images"])


def posenet_reference(name: str) -> list[list[list[float]]]:
    """The reference multi-pose outputs: per pose, 17 [x, y, score] in COCO order."""
    expected = json.loads((EXPECTED / name / "expected.json").read_text())
    return [
        [[k["position"]["x"], k["position"]["y"], k["score"]] for k in pose["keypoints"]]
        for pose in expected["estimateMultiplePoses"]
    ]


def source_file(name: str) -> Path:
    expected = json.loads((EXPECTED / name / "expected.json").read_text())
    return IMAGES / Path(expected["source_image"]).name


def run_page(names: list[str], repeats: int) -> dict:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    folder = tempfile.TemporaryDirectory()
    sketch = Path(folder.name) / "blank.py"
    sketch.write_text(BLANK_SKETCH)
    server = LiveServer(
        {"SKETCH": sketch, "MODELS_DIR": MODELS_DIR, "MODEL_BASE_URL": "http://127.0.0.1:9/none/"},
        middleware=heavy_from_node_modules,
    )
    try:
        with sync_playwright() as playwright:
            context, profile = launch_chromium(playwright)
            try:
                watch = PageWatch(context.new_page())
                watch.page.goto(server.url + "/?backend=wasm")
                watch.wait_for_status("running")
                for name in names:
                    data = base64.b64encode(source_file(name).read_bytes()).decode()
                    watch.page.evaluate(PUT_IMAGE, ["img-" + name, data])
                code = IN_PAGE.replace("ARGS", repr(json.dumps([names, repeats, list(MODEL_TYPES)])))
                result = json.loads(watch.python(code))
                result["outside_requests"] = watch.outside_requests()
                (REPO / "bench-results").mkdir(exist_ok=True)
                (REPO / "bench-results" / "bodypose_accuracy.json").write_text(json.dumps(result))
                return result
            finally:
                context.close()
                shutil.rmtree(profile, ignore_errors=True)
    finally:
        server.close()
        folder.cleanup()


def _distance(a: list[float], b: list[float]) -> float:
    return float(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5)


def _height(*poses: list[list[float]]) -> float:
    ys = [k[1] for pose in poses for k in pose if k[2] > CONFIDENT]
    return max(ys) - min(ys) if len(ys) > 1 else float("nan")


def coco_of(landmarks: list[list[float]]) -> list[list[float]]:
    """BlazePose's 33 landmarks -> its 17 COCO keypoints, in COCO order (PoseNet's)."""
    return [landmarks[COCO_INDEX[name]] for name in COCO_NAMES]


def compare(blaze: list[list[float]], posenet: list[list[list[float]]]) -> dict:
    """BlazePose's 17 COCO keypoints against the nearest PoseNet pose: distances in % of the person's height."""
    best: dict = {}
    for index, pose in enumerate(posenet):
        both = [i for i in range(17) if blaze[i][2] > CONFIDENT and pose[i][2] > CONFIDENT]
        if not both:
            continue
        height = _height(blaze, pose)
        distances = {COCO_NAMES[i]: 100 * _distance(blaze[i], pose[i]) / height for i in both}
        median = statistics.median(distances.values())
        if not best or median < best["median"]:
            best = {"pose": index, "score_rank": index + 1, "distances": distances, "median": median}
    return best


def group_median(distances: dict[str, float], group: str) -> str:
    values = [d for name, d in distances.items() if name in GROUPS[group]]
    return f"{statistics.median(values):.1f}" if values else "-"


def draw_overlays(folder: Path, names: list[str], result: dict) -> None:
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        image = Image.open(source_file(name)).convert("RGB")
        pen = ImageDraw.Draw(image)
        landmarks = result["blazepose"].get("full", {}).get("images", {}).get(name, {}).get("keypoints")
        reference = posenet_reference(name)
        nearest = compare(coco_of(landmarks), reference) if landmarks else {}
        for x, y, score in reference[nearest["pose"]] if nearest else [p for pose in reference for p in pose]:
            if score > CONFIDENT:
                pen.ellipse((x - 6, y - 6, x + 6, y + 6), outline=(255, 0, 0), width=2)
        for x, y, confidence in coco_of(landmarks) if landmarks else []:
            if confidence > CONFIDENT:
                pen.ellipse((x - 3, y - 3, x + 3, y + 3), fill=(0, 255, 0))
        image.save(folder / f"{name}.png")


def print_tables(names: list[str], result: dict) -> None:
    print("\nAgreement: BlazePose's COCO keypoints vs the nearest PoseNet pose, both confident (> 0.5); median")
    print("distance in % of the person's height, overall and by group; n = keypoints both are confident of,")
    print("B = BlazePose confident of, P = PoseNet's pose confident of (of 17)")
    print("| image | type | PoseNet pose | n | B | P | median | head | arms | legs | worst |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        reference = posenet_reference(name)
        for model_type in MODEL_TYPES:
            entry = result["blazepose"].get(model_type, {})
            if "images" not in entry:
                continue
            landmarks = entry["images"][name]["keypoints"]
            if landmarks is None:
                print(f"| {name} | {model_type} | - | 0 | 0 | - | no pose found | | | | |")
                continue
            blaze = coco_of(landmarks)
            best = compare(blaze, reference)
            confident_b = sum(k[2] > CONFIDENT for k in blaze)
            if not best:
                print(f"| {name} | {model_type} | none shared | 0 | {confident_b} | - | | | | | |")
                continue
            confident_p = sum(k[2] > CONFIDENT for k in reference[best["pose"]])
            worst = max(best["distances"], key=best["distances"].get)
            print(
                f"| {name} | {model_type} | #{best['score_rank']} of {len(reference)} | {len(best['distances'])} | "
                f"{confident_b} | {confident_p} | {best['median']:.1f} | {group_median(best['distances'], 'head')} | "
                f"{group_median(best['distances'], 'arms')} | {group_median(best['distances'], 'legs')} | "
                f"{worst} {best['distances'][worst]:.0f} |"
            )
    print("\nTime per frame (ms, median over images of each image's median; first = the send after a blank frame:")
    print("detector + landmarks; tracked = the later sends: landmarks on the tracked region; PoseNet beside = its")
    print("multiPose on the same images right after each, so the ratio compares the two under the same load)")
    print("| model | load (ms) | first send | tracked sends | PoseNet beside | tracked / PoseNet |")
    print("|---|---|---|---|---|---|")
    posenet_ms = statistics.median(statistics.median(result["posenet"][name]) for name in names)
    print(f"| PoseNet MobileNetV1 0.75 (wasm, worker), first | - | - | {posenet_ms:.0f} | | |")
    for model_type in MODEL_TYPES:
        entry = result["blazepose"].get(model_type, {})
        if "images" not in entry:
            print(f"| BlazePose {model_type} | {entry.get('error', 'not run')} | | | |")
            continue
        first = statistics.median(entry["images"][n]["ms"][0] for n in names)
        tracked = statistics.median(statistics.median(entry["images"][n]["ms"][1:]) for n in names)
        beside = statistics.median(statistics.median(entry["images"][n]["posenet_ms"]) for n in names)
        print(
            f"| BlazePose {model_type} (main thread, CPU) | {entry['load_ms']:.0f} | {first:.0f} | {tracked:.0f} | "
            f"{beside:.0f} | {tracked / beside:.2f} |"
        )


def host_times(names: list[str], repeats: int) -> dict[str, float]:
    """Under CPython: ms per image (median over images of each image's median) of BlazePose full on mediapipe's
    wheel (the blazepose extra) and of PoseNet multiPose on the host runtime (onnxruntime where installed)."""
    import asyncio
    import time

    from pyposenet import bodyPose, poseNet
    from pyposenet._host.images import read_image

    os.environ.setdefault("PYPOSENET_MODELS", str(MODELS_DIR))

    async def run() -> dict[str, float]:
        net = await poseNet({"detectionType": "multiple"})
        body_pose = await bodyPose("BlazePose")
        per_image: dict[str, list[float]] = {"posenet": [], "blazepose": []}
        for name in names:
            pixels = read_image(source_file(name))
            for label, call in (("posenet", net.multiPose), ("blazepose", body_pose.detect)):
                times = []
                for _ in range(repeats):
                    start = time.perf_counter()
                    await call(pixels)
                    times.append((time.perf_counter() - start) * 1000)
                per_image[label].append(statistics.median(times))
        return {label: statistics.median(values) for label, values in per_image.items()}

    return asyncio.run(run())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=4, help="sends of each image after a blank frame (>= 2)")
    parser.add_argument("--overlays", type=Path, help="draw both models' keypoints on each image into this folder")
    parser.add_argument("--host", action="store_true", help="also time both under CPython (the blazepose extra)")
    args = parser.parse_args(argv)
    if args.repeats < 2:
        parser.error("--repeats must be at least 2 (the first send runs the detector, later ones track)")
    if not HEAVY.exists():
        print(f"note: {HEAVY} is absent: heavy will say it is not served")
    names = images_with_people()
    print(f"images: {', '.join(names)}; load average {os.getloadavg()[0]:.1f}", flush=True)
    result = run_page(names, args.repeats)
    print_tables(names, result)
    if result["outside_requests"]:
        print(f"requests outside the app: {result['outside_requests']}")
    if args.host:
        host = host_times(names, args.repeats)
        print(
            f"\nUnder CPython (ms per image): PoseNet multiPose {host['posenet']:.0f}, BlazePose full (mediapipe) "
            f"{host['blazepose']:.0f}: {host['blazepose'] / host['posenet']:.2f}x"
        )
    print(f"\nload average {os.getloadavg()[0]:.1f}")
    if args.overlays:
        draw_overlays(args.overlays, names, result)
        print(f"overlays (nearest PoseNet pose: red rings; BlazePose full: green dots; > 0.5): {args.overlays}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
