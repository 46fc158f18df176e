"""The sketch layer in a real browser: Python callbacks given to p5, errors in them, live reload, the
example picker, the header's meter, and proxies: none made per frame, all destroyed with the sketch."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT, TESTDATA_DIR
from tests.support.browser import FAKE_WEBCAM_640, SKETCHES

DEFAULT_SKETCH = REPO_ROOT / "pyposenet" / "examples" / "webcam_skeleton.py"
NAMESPACE = "from pyposenet._browser.sketch import current_bridge\nns = current_bridge().runner.namespace\n"


def sketch_folder(tmp_path: Path, sketch: str, assets: bool = False) -> Path:
    """A copy of tests/e2e/sketches/<sketch> in its own folder (with starter.png and data.json if asked)."""
    folder = tmp_path / Path(sketch).stem
    folder.mkdir()
    shutil.copy(SKETCHES / sketch, folder / sketch)
    if assets:
        shutil.copy(TESTDATA_DIR / "images" / "starter.png", folder / "starter.png")
        (folder / "data.json").write_text('{"answer": 42}')
    return folder / sketch


def events(watch) -> list:
    return watch.python(NAMESPACE + "import json\njson.dumps(ns['events'])")


def wait_python(watch, condition: str, timeout_ms: int = 60_000) -> None:
    """Wait until the Python expression `condition` (with `ns`, the sketch's namespace) holds in the page."""
    watch.page.wait_for_function(
        "(code) => window.pyposenet && window.pyposenet.bridge && window.pyposenet.pyodide.runPython(code)",
        arg=NAMESPACE + f"bool({condition})",
        timeout=timeout_ms,
    )


def pixel(watch, x: int, y: int) -> list[int]:
    return watch.page.evaluate(
        "([x, y]) => Array.from(document.querySelector('#sketch canvas').getContext('2d')"
        ".getImageData(x, y, 1, 1).data)",
        [x, y],
    )


def error_shown(watch) -> tuple[str, str]:
    watch.page.wait_for_selector("#error", state="visible", timeout=30_000)
    return watch.page.inner_text("#error-title"), watch.page.inner_text("#error-details")


# ------------------------------------------------------------------------------------------ callbacks


def test_python_callbacks_given_to_p5_work_without_create_proxy(serve, open_page, tmp_path):
    sketch = sketch_folder(tmp_path, "callbacks.py", assets=True)
    watch = open_page(serve(sketch) + "/", fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    wait_python(watch, "len(ns['events']) >= 5")
    got = json.loads(events(watch))
    assert ["image", 756, 564] in got  # loadImage("starter.png", ...) beside the sketch
    assert ["image failed"] in got  # loadImage("missing.png", ..., failed)
    assert ["json", 42] in got  # loadJSON("data.json", ...)
    assert ["capture", 160, 120] in got  # createCapture(VIDEO, ready), video.size(160, 120)
    assert ["timeout", "tick"] in got  # setTimeout(later, 50, "tick")
    watch.page.click("#btn")  # createButton(...).mousePressed(fn)
    watch.page.click("#sketch canvas", position={"x": 30, "y": 40})  # the canvas's own mousePressed
    wait_python(watch, "len(ns['events']) >= 7")
    got = json.loads(events(watch))
    assert ["button", "mousedown"] in got
    assert ["canvas", 30, 40] in got
    # Drawn with the wrapped objects: the graphics' green, the image, the camera.
    assert pixel(watch, 10, 10) == [0, 255, 0, 255]
    assert pixel(watch, 75, 25)[:3] != [255, 255, 255]
    assert pixel(watch, 125, 25)[:3] != [255, 255, 255]
    # Load and timer callbacks were released after they ran; left: setup, draw, the two listeners.
    assert watch.page.evaluate("() => window.pyposenet.bridge.live_proxies()") == 4
    assert not watch.page.is_visible("#error")
    assert not watch.page_errors


# ---------------------------------------------------------------------------------------------- errors


def test_error_in_mouse_pressed_is_shown_with_its_line_and_stops_the_sketch(serve, open_page):
    watch = open_page(serve(SKETCHES / "error_in_event.py") + "/")
    watch.wait_for_status("running")
    watch.page.click("#sketch canvas", position={"x": 10, "y": 10})
    title, details = error_shown(watch)
    assert title == "Error in mousePressed(): ZeroDivisionError: division by zero"
    assert details.splitlines()[:2] == ["error_in_event.py, line 17, in mousePressed", "    clicks /= 0"]
    assert_stopped_cleanly(watch, lambda: watch.page.click("#sketch canvas", position={"x": 20, "y": 20}))
    assert watch.python(NAMESPACE + "ns['clicks']") == 1  # the second click was not delivered


def test_error_in_a_p5_callback_is_shown_with_its_line_and_stops_the_sketch(serve, open_page):
    watch = open_page(serve(SKETCHES / "error_in_callback.py") + "/")
    watch.wait_for_status("running")
    watch.page.click("#boom")
    title, details = error_shown(watch)
    assert title == "Error in explode(), called by mousePressed: KeyError: 'fuse'"
    assert details.splitlines()[:2] == ["error_in_callback.py, line 17, in explode", '    return parts["fuse"]']
    assert_stopped_cleanly(watch, lambda: watch.page.click("#boom"))


def assert_stopped_cleanly(watch, again) -> None:
    """One error on the page and in the console, no more frames, nothing reported when poked again."""
    assert watch.page.eval_on_selector("#status", "e => e.dataset.state") == "error"
    frames = watch.python("from pyposenet._browser.sketch import current_bridge\ncurrent_bridge().p5.frameCount")
    again()
    watch.page.wait_for_timeout(500)
    assert (
        watch.python("from pyposenet._browser.sketch import current_bridge\ncurrent_bridge().p5.frameCount") == frames
    )
    assert len([e for e in watch.console_errors if e.startswith("Error in")]) == 1, watch.console_errors
    assert not watch.page_errors, watch.page_errors


# ----------------------------------------------------------------------------------------- live reload


GOOD = "version = {n}\n\ndef setup():\n    createCanvas(50, 50)\n\ndef draw():\n    background(version)\n"
BROKEN = "version = 3\n\ndef setup(:\n    pass\n"


def test_saving_the_sketch_reloads_the_page_and_fixing_an_error_too(serve, open_page, tmp_path):
    sketch = tmp_path / "live" / "live.py"
    sketch.parent.mkdir()
    sketch.write_text(GOOD.format(n=1))
    watch = open_page(serve(sketch) + "/")
    watch.wait_for_status("running")
    assert watch.python(NAMESPACE + "ns['version']") == 1

    with watch.page.expect_navigation(timeout=15_000):
        sketch.write_text(GOOD.format(n=2))
    watch.wait_for_status("running")
    assert watch.python(NAMESPACE + "ns['version']") == 2

    with watch.page.expect_navigation(timeout=15_000):
        sketch.write_text(BROKEN)
    title, details = error_shown(watch)
    assert "SyntaxError" in title and details.startswith("live.py, line 3")

    with watch.page.expect_navigation(timeout=15_000):  # fixed and saved: the error goes away
        sketch.write_text(GOOD.format(n=4))
    watch.wait_for_status("running")
    assert watch.python(NAMESPACE + "ns['version']") == 4
    assert not watch.page.is_visible("#error")


def test_an_unchanged_sketch_does_not_reload(serve, open_page):
    watch = open_page(serve(SKETCHES / "blank.py") + "/")
    watch.wait_for_status("running")
    watch.page.evaluate("() => { window.stillHere = true; }")
    watch.page.wait_for_timeout(2500)  # two polls or more
    assert watch.page.evaluate("() => window.stillHere") is True
    polls = [url for url in watch.requests if url.endswith("/blank.py")]
    assert len(polls) >= 3  # the page's own fetch, then one poll a second


# ------------------------------------------------------------------------------------------------ picker


def test_example_picker_loads_a_bundled_example(serve, open_page):
    watch = open_page(serve(SKETCHES / "blank.py") + "/?backend=wasm")
    watch.wait_for_status("running")
    options = watch.page.eval_on_selector_all("#examples option", "os => os.map(o => [o.value, o.textContent])")
    assert options[0] == ["", "sketch: blank.py"]
    assert ["follow_nose.py", "follow_nose"] in options and ["webcam_skeleton.py", "webcam_skeleton"] in options
    assert watch.page.is_visible("#examples")

    with watch.page.expect_navigation():
        watch.page.select_option("#examples", "image_single.py")
    watch.wait_for_status("running")
    assert re.search(r"\?backend=wasm&example=image_single\.py$", watch.page.url), watch.page.url
    assert watch.page.inner_text("#sketch-name") == "image_single.py"
    assert watch.page.eval_on_selector("#examples", "s => s.value") == "image_single.py"
    wait_python(watch, "'message' in ns")  # the example runs, from pyposenet/examples/
    assert any(url.endswith("/pyposenet/examples/image_single.py") for url in watch.requests)

    with watch.page.expect_navigation():  # and back to the served sketch
        watch.page.select_option("#examples", "")
    watch.wait_for_status("running")
    assert watch.page.url.endswith("/?backend=wasm")
    assert watch.page.inner_text("#sketch-name") == "blank.py"


def test_unknown_example_is_named_on_the_page(serve, open_page):
    watch = open_page(serve(SKETCHES / "blank.py") + "/?example=nope.py")
    title, details = error_shown(watch)
    assert 'no bundled example named "nope.py"' in details and "follow_nose.py" in details


# ------------------------------------------------------------------------------- meter and proxy counts

# Only numbers cross: counting makes no proxy of its own.
PROXY_COUNTS = """() => {
    const m = window.pyposenet.pyodide._module;
    const py = (expr) => window.pyposenet.pyodide.runPython(
        'from pyposenet._browser.sketch import current_bridge\\nfrom pyposenet.net import live_nets\\n' + expr);
    return { pyproxies: m.pyproxy_alloc_map.size, jsrefs: m._hiwire_num_refs(),
             sketchProxies: py('current_bridge().runner.callbacks.live'),
             made: py('current_bridge().runner.callbacks.created'),
             frame: py('current_bridge().p5.frameCount'), poses: py('live_nets()[0].stats.frames') };
}"""


def test_meter_shows_fps_and_poses_and_no_proxy_is_made_per_frame(serve, open_page):
    watch = open_page(serve(DEFAULT_SKETCH) + "/?backend=wasm", fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    watch.page.wait_for_function(
        """() => {
        const m = /^(\\d+) fps · (\\d+\\.\\d) poses\\/s$/.exec(document.getElementById('fps').textContent);
        return m && Number(m[1]) > 1 && Number(m[2]) > 0.5;
    }""",
        timeout=30_000,
    )
    fps = watch.page.inner_text("#fps")
    assert watch.page.is_visible("#fps") and float(fps.split()[0]) > 1 and float(fps.split()[3]) > 0.5, fps
    # Pyodide's allocation tracing counts every PyProxy made from here on that is not destroyed.
    watch.page.evaluate("() => { window.pyposenet.pyodide._module.enable_pyproxy_allocation_tracing(); }")
    watch.page.evaluate(PROXY_COUNTS)  # once first: whatever counting itself makes once is not counted
    before = watch.page.evaluate(PROXY_COUNTS)
    watch.page.wait_for_function(
        f"() => window.pyposenet.pyodide.runPython("
        f"'from pyposenet._browser.sketch import current_bridge\\n"
        f"current_bridge().p5.frameCount') >= {before['frame'] + 200}",
        timeout=60_000,
    )
    after = watch.page.evaluate(PROXY_COUNTS)
    print(
        f"\nproxies over {after['frame'] - before['frame']} frames, {after['poses'] - before['poses']} poses: "
        f"{before} -> {after}"
    )
    assert after["poses"] - before["poses"] >= 10
    assert after["made"] == before["made"]  # the sketch layer made no proxy
    assert after["sketchProxies"] == before["sketchProxies"] == 2  # setup, draw
    assert after["pyproxies"] == before["pyproxies"]  # no PyProxy left behind by a frame
    # nor a JavaScript object held by Python (give or take the promise of the frame in flight)
    assert after["jsrefs"] - before["jsrefs"] <= 2


def test_disposing_the_sketch_destroys_its_proxies(serve, open_page, tmp_path):
    sketch = sketch_folder(tmp_path, "callbacks.py", assets=True)
    watch = open_page(serve(sketch) + "/", fake_video=FAKE_WEBCAM_640)
    watch.wait_for_status("running")
    wait_python(watch, "len(ns['events']) >= 4")
    result = watch.page.evaluate("""async () => {
        const bridge = window.pyposenet.bridge;
        const p = window.pyposenet.pyodide.runPython(
            'from pyposenet._browser.sketch import current_bridge\\ncurrent_bridge().p5');
        const draw = p.draw;
        bridge.dispose();
        const live = bridge.live_proxies();
        await new Promise((resolve) => setTimeout(resolve, 1200));  // the meter and the timers tick on
        return { live, destroyed: draw.isDestroyed(), after: String(draw()),
                 canvases: document.querySelectorAll('#sketch canvas').length };
    }""")
    assert result["live"] == 0
    assert result["destroyed"] and result["after"] == "undefined"  # destroyed; a late call does nothing
    assert result["canvases"] == 0
    assert not watch.page_errors, watch.page_errors
