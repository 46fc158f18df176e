"""The sketch's p5 functions and objects, with a fake p5: callbacks proxied, P5Objects unwrapped, files resolved."""

import asyncio
import textwrap

import pytest

from pyposenet import sort_arguments
from pyposenet.callbacks import looks_like_media
from pyposenet.sketch.assets import folder_of, resolve_asset
from pyposenet.sketch.errors import describe_exception
from pyposenet.sketch.host import PlainProxy, plain_host
from pyposenet.sketch.namespace import SketchBuiltins
from pyposenet.sketch.net_runtime import SketchNetRuntime
from pyposenet.sketch.runner import SketchRunner
from pyposenet.sketch.wrapping import P5Object, is_one_shot, is_wrapped, loads_files, unwrap


class FakeElement:
    """Stands in for a p5.Element (JavaScript): attributes, chaining, one listener per event."""

    def __init__(self, tag="div", width=0, height=0):
        self.tag = tag
        self.width = width
        self.height = height
        self.listeners = {}
        self.calls = []

    def size(self, w, h):
        self.width, self.height = w, h
        return self  # p5 chains: `return this`

    def hide(self):
        self.calls.append("hide")
        return self

    def mousePressed(self, fn):
        self.listeners["mousedown"] = fn if fn is not False else None
        return self

    def drop(self, callback, fxn=None):
        self.listeners["drop"] = callback

    def get(self):
        return FakeElement("img", 5, 5)

    def image(self, img, *args):  # a p5.Graphics draws too
        self.calls.append(("image", img, *args))


class FakeP5:
    VIDEO = "video"

    def __init__(self):
        self.calls = []
        self.width = 100
        self.elements = []

    def ellipse(self, *args):
        self.calls.append(("ellipse", *args))

    def loadPixels(self):
        self.calls.append(("loadPixels",))

    def createVector(self, x, y):
        return (x, y)

    def image(self, img, *args):
        self.calls.append(("image", img, *args))

    def background(self, *args):
        self.calls.append(("background", *args))

    def createButton(self, label):
        element = FakeElement("button")
        self.elements.append(element)
        return element

    def createCapture(self, *args):
        element = FakeElement("video", 640, 480)
        self.calls.append(("createCapture", *args))
        self.elements.append(element)
        return element

    def loadImage(self, path, success=None, failure=None):
        self.calls.append(("loadImage", path, success, failure))
        return FakeElement("img", 1, 1)

    def loadShader(self, vert, frag):
        self.calls.append(("loadShader", vert, frag))

    def loadJSON(self, path, callback=None, datatype=None):
        self.calls.append(("loadJSON", path, callback, datatype))
        return {}

    def createGraphics(self, w, h):
        return FakeElement("canvas", w, h)

    def createVideo(self, sources, callback=None):
        self.calls.append(("createVideo", sources, callback))
        return FakeElement("video")

    def selectAll(self, selector):
        return list(self.elements)

    def createSelect(self, options):
        self.calls.append(("createSelect", options))
        return FakeElement("select")

    def createFileInput(self, callback):
        self.calls.append(("createFileInput", callback))
        return FakeElement("input")


FUNCTIONS = [
    "ellipse",
    "loadPixels",
    "createVector",
    "image",
    "background",
    "createButton",
    "createCapture",
    "loadImage",
    "loadShader",
    "loadJSON",
    "createGraphics",
    "createVideo",
    "selectAll",
    "createSelect",
    "createFileInput",
]


class Deferred(list):
    def __call__(self, fn):
        self.append(fn)

    def run(self):
        while self:
            self.pop(0)()


class Sketch:
    """A SketchRunner on a FakeP5, with the host tests need: FakeElements are p5 objects."""

    def __init__(self, source="", asset_base="", to_js=None):  # "": the served sketch, beside the page
        self.p5 = FakeP5()
        self.reports = []
        self.stops = 0
        self.deferred = Deferred()
        host = plain_host(is_p5_object=lambda v: isinstance(v, FakeElement), defer=self.deferred)
        if to_js is not None:
            host = type(host)(host.make_proxy, host.defer, host.is_p5_object, to_js)
        self.runner = SketchRunner(
            textwrap.dedent(source),
            "my_sketch.py",
            report=self.report,
            on_stop=self.on_stop,
            host=host,
            asset_base=asset_base,
        )
        self.handlers = self.runner.load(self.p5, FUNCTIONS, ["VIDEO"])
        self.ns = self.runner.namespace

    def report(self, exc, where):
        self.reports.append((exc, where))

    def on_stop(self):
        self.stops += 1

    def run(self, source):
        exec(textwrap.dedent(source), self.ns)


# -- which functions get wrapped --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, wrapped",
    [
        ("loadImage", True),
        ("createCapture", True),
        ("createButton", True),
        ("selectAll", True),
        ("httpGet", True),
        ("saveCanvas", True),
        ("createGraphics", True),
        ("loadPixels", False),
        ("createVector", False),
        ("ellipse", False),
        ("fill", False),
        ("line", False),
    ],
)
def test_which_functions_are_wrapped(name, wrapped):
    assert is_wrapped(name) is wrapped


def test_one_shot_and_file_arguments():
    assert is_one_shot("loadImage") and is_one_shot("httpGet") and is_one_shot("createCapture")
    assert not is_one_shot("createButton") and not is_one_shot("createFileInput")
    assert loads_files("loadImage") == 1 and loads_files("loadShader") == 2 and loads_files("createImg") == 1
    assert loads_files("createButton") == 0 and loads_files("loadPixels") == 0


def test_drawing_functions_stay_p5s_bound_functions():
    sketch = Sketch()
    builtins = sketch.ns["__builtins__"]
    assert builtins["ellipse"] == sketch.p5.ellipse  # the bound method itself: no wrapper, no cost
    assert builtins["loadPixels"] == sketch.p5.loadPixels
    assert builtins["createVector"] == sketch.p5.createVector
    assert builtins["loadImage"] != sketch.p5.loadImage and builtins["loadImage"].__name__ == "loadImage"


def test_without_a_layer_every_function_is_direct():
    p5 = FakeP5()
    builtins = SketchBuiltins(p5, FUNCTIONS, [])
    assert builtins["loadImage"] == p5.loadImage and builtins["createButton"] == p5.createButton


# -- p5 objects ---------------------------------------------------------------------------------------------


def test_created_elements_come_back_wrapped_and_unwrap_for_p5():
    sketch = Sketch()
    sketch.run("""
        video = createCapture(VIDEO)
        video.size(320, 240)
        video.hide()
        size = (video.width, video.height)
        image(video, 0, 0, 32, 24)
        background(video)
    """)
    video = sketch.ns["video"]
    assert isinstance(video, P5Object)
    element = sketch.p5.elements[0]
    assert unwrap(video) is element and unwrap(5) == 5
    assert sketch.ns["size"] == (320, 240) and element.calls == ["hide"]
    assert ("image", element, 0, 0, 32, 24) in sketch.p5.calls  # p5 got the element, not the wrapper
    assert ("background", element) in sketch.p5.calls


def test_chaining_gives_the_same_wrapper_back():
    sketch = Sketch()
    sketch.run("""
        button = createButton("go")
        same = button.size(10, 20)
        chained = createButton("b").size(1, 2).hide()
    """)
    assert sketch.ns["same"] is sketch.ns["button"]
    assert isinstance(sketch.ns["chained"], P5Object)
    assert unwrap(sketch.ns["chained"]) is sketch.p5.elements[1]


def test_attribute_writes_go_to_the_p5_object():
    sketch = Sketch()
    sketch.run("""
        g = createGraphics(10, 10)
        g.width = 55
        g.partner = createButton("x")
    """)
    element = unwrap(sketch.ns["g"])
    assert element.width == 55
    assert element.partner is sketch.p5.elements[0]  # unwrapped on the way in


def test_methods_of_wrapped_objects_unwrap_and_wrap():
    sketch = Sketch()
    sketch.run("""
        g = createGraphics(10, 10)
        video = createCapture(VIDEO)
        g.image(video, 0, 0)
        picture = g.get()
    """)
    g = unwrap(sketch.ns["g"])
    assert g.calls == [("image", sketch.p5.elements[0], 0, 0)]
    assert isinstance(sketch.ns["picture"], P5Object)


def test_repr_and_dir():
    sketch = Sketch()
    sketch.run("video = createCapture(VIDEO)")
    assert "640x480" in repr(sketch.ns["video"])
    assert "size" in dir(sketch.ns["video"]) and "hide" in dir(sketch.ns["video"])


def test_select_all_gives_a_list_of_wrappers():
    sketch = Sketch()
    sketch.run("""
        createButton("a"); createButton("b")
        found = selectAll("button")
    """)
    found = sketch.ns["found"]
    assert isinstance(found, list) and len(found) == 2 and all(isinstance(e, P5Object) for e in found)


def test_dicts_and_lists_become_javascript_values():
    converted = []

    def to_js(value):
        converted.append(value)
        return ("JS", value)

    sketch = Sketch(to_js=to_js)
    sketch.run("""
        createCapture({"video": {"facingMode": "user"}, "flipped": True})
        createSelect([1, 2])
    """)
    assert ("createCapture", ("JS", {"video": {"facingMode": "user"}, "flipped": True})) in sketch.p5.calls
    assert ("createSelect", ("JS", [1, 2])) in sketch.p5.calls


# -- callbacks -----------------------------------------------------------------------------------------------


def test_element_event_callback_is_a_long_lived_proxy():
    sketch = Sketch("""
        clicks = []
        def setup():
            global button
            button = createButton("go")
            button.mousePressed(on_click)
        def on_click():
            clicks.append(mouseButton if False else "click")
    """)
    sketch.runner.call("setup")
    listener = sketch.p5.elements[0].listeners["mousedown"]
    assert isinstance(listener, PlainProxy)
    listener("mousedown event")  # later, from p5: still alive
    listener("mousedown event")
    assert sketch.ns["clicks"] == ["click", "click"]
    assert sketch.reports == []


def test_replacing_an_element_listener_releases_the_old_proxy():
    sketch = Sketch("""
        def first(): pass
        def second(): pass
        button = createButton("go")
        button.mousePressed(first)
    """)
    old = sketch.p5.elements[0].listeners["mousedown"]
    live = sketch.runner.callbacks.live
    sketch.run("button.mousePressed(second)")
    sketch.run("button.mousePressed(second)")  # the same again: nothing new
    sketch.deferred.run()
    assert old.destroyed and sketch.runner.callbacks.live == live
    sketch.run("button.mousePressed(False)")
    sketch.deferred.run()
    assert sketch.p5.elements[0].listeners["mousedown"] is None
    assert sketch.runner.callbacks.live == live - 1


def test_the_same_lambda_each_frame_does_not_pile_up_proxies():
    sketch = Sketch("""
        button = createButton("go")
        def draw():
            button.mousePressed(lambda: None)   # a new function every frame
    """)
    for _ in range(50):
        sketch.runner.call("draw")
        sketch.deferred.run()
    assert sketch.runner.callbacks.live == 1


def test_load_callbacks_are_released_after_the_first_call_and_get_wrapped_objects():
    sketch = Sketch("""
        got = []
        def loaded(img):
            got.append(img)
        def failed(err):
            got.append(("failed", err))
        picture = loadImage("runner.jpg", loaded, failed)
    """)
    _, path, success, failure = sketch.p5.calls[-1]
    assert path == "runner.jpg"  # beside the sketch: the page sits in the sketch's folder
    assert isinstance(success, PlainProxy) and isinstance(failure, PlainProxy)
    assert sketch.runner.callbacks.live == 2
    success(FakeElement("img", 640, 360))
    assert isinstance(sketch.ns["got"][0], P5Object) and sketch.ns["got"][0].width == 640
    sketch.deferred.run()
    assert success.destroyed and failure.destroyed and sketch.runner.callbacks.live == 0


def test_capture_ready_callback_may_take_no_arguments():
    sketch = Sketch("""
        ready = []
        def on_ready():
            ready.append(True)
        video = createCapture(VIDEO, on_ready)
    """)
    callback = sketch.p5.calls[-1][2]
    callback("the MediaStream")
    assert sketch.ns["ready"] == [True] and sketch.reports == []


def test_file_input_callback_is_kept_for_every_file():
    sketch = Sketch("""
        files = []
        createFileInput(lambda f: files.append(f))
    """)
    callback = sketch.p5.calls[-1][1]
    callback("a.png")
    callback("b.png")
    sketch.deferred.run()
    assert sketch.ns["files"] == ["a.png", "b.png"] and not callback.destroyed


@pytest.mark.parametrize(
    "path, base, expected",
    [
        # the served sketch: its URL is "my_sketch.py", beside the page, so relative names stay relative
        ("runner.jpg", "", "runner.jpg"),
        ("./data/a.json", "", "./data/a.json"),
        ("pyposenet/models/x.json", "", "pyposenet/models/x.json"),
        # a bundled example (?example=...): its URL is "pyposenet/examples/NAME.py"
        ("runner.jpg", "pyposenet/examples/", "pyposenet/examples/runner.jpg"),
        ("./data/a.json", "pyposenet/examples/", "pyposenet/examples/data/a.json"),
        ("/pyposenet/models/x.json", "pyposenet/examples/", "/pyposenet/models/x.json"),
        ("https://example.org/a.png", "pyposenet/examples/", "https://example.org/a.png"),
        ("data:image/png;base64,AAAA", "pyposenet/examples/", "data:image/png;base64,AAAA"),
        ("blob:http://x/1", "pyposenet/examples/", "blob:http://x/1"),
    ],
)
def test_file_names_resolve_beside_the_sketch(path, base, expected):
    assert resolve_asset(path, base) == expected


def test_asset_helpers():
    assert folder_of("pyposenet/examples/follow_nose.py") == "pyposenet/examples/"
    assert folder_of("sketch.py") == ""
    assert folder_of("my%20sketch.py") == ""
    assert resolve_asset("a.png", "") == "a.png"


def test_loaders_resolve_their_file_arguments_only():
    sketch = Sketch(asset_base="pyposenet/examples/")
    sketch.run("""
        loadShader("a.vert", "a.frag")
        loadJSON("d.json", None, "json")
        createVideo(["v.mp4", "v.webm"])
    """)
    assert ("loadShader", "pyposenet/examples/a.vert", "pyposenet/examples/a.frag") in sketch.p5.calls
    assert ("loadJSON", "pyposenet/examples/d.json", None, "json") in sketch.p5.calls
    assert ("createVideo", ["pyposenet/examples/v.mp4", "pyposenet/examples/v.webm"], None) in sketch.p5.calls


def test_loaders_are_looked_up_at_each_call():
    """During preload() p5 swaps in versions of its loaders that count pending loads."""
    sketch = Sketch()
    counted = []
    sketch.p5.loadJSON = lambda *args: counted.append(args)
    sketch.run("loadJSON('a.json')")
    assert counted == [("a.json",)]


# -- errors in callbacks ---------------------------------------------------------------------------------------


def test_error_in_an_element_callback_is_reported_once_and_stops_the_sketch():
    sketch = Sketch("""
        button = createButton("boom")
        def setup():
            button.mousePressed(explode)

        def explode():
            parts = {}
            return parts["fuse"]

        def draw():
            pass
    """)
    sketch.runner.call("setup")
    listener = sketch.p5.elements[0].listeners["mousedown"]
    assert listener("event") is None  # caught: nothing reaches p5
    listener("event")
    assert len(sketch.reports) == 1 and sketch.stops == 1 and sketch.runner.stopped
    exc, where = sketch.reports[0]
    assert isinstance(exc, KeyError) and where == "explode(), called by mousePressed"
    title, details = describe_exception(exc, where, "my_sketch.py")
    assert title == "Error in explode(), called by mousePressed: KeyError: 'fuse'"
    assert details.splitlines()[:2] == ["my_sketch.py, line 8, in explode", '    return parts["fuse"]']
    assert sketch.runner.call("draw") is None


def test_error_in_a_load_callback_names_the_loader():
    sketch = Sketch("""
        def loaded(img):
            img.no_such_thing()
        loadImage("a.png", loaded)
    """)
    success = sketch.p5.calls[-1][2]
    success(FakeElement("img"))
    [(exc, where)] = sketch.reports
    assert isinstance(exc, AttributeError) and where == "loaded(), called by loadImage"


def test_event_function_handler_proxy_reports_errors_too():
    sketch = Sketch("""
        def mousePressed(event):
            return 1 / 0
    """)
    handler = sketch.runner.handler("mousePressed")
    assert handler("event") is None
    assert handler("event") is None
    [(exc, where)] = sketch.reports
    assert isinstance(exc, ZeroDivisionError) and where == "mousePressed()"
    title, details = describe_exception(exc, where, "my_sketch.py")
    assert details.splitlines()[:2] == ["my_sketch.py, line 3, in mousePressed", "    return 1 / 0"]


def test_async_callback_error_is_reported():
    async def main():
        sketch = Sketch("""
            import asyncio
            async def clicked():
                await asyncio.sleep(0)
                raise ValueError("late")
            button = createButton("go")
            button.mousePressed(clicked)
        """)
        sketch.p5.elements[0].listeners["mousedown"]("event")
        for _ in range(5):
            await asyncio.sleep(0)
        [(exc, where)] = sketch.reports
        assert isinstance(exc, ValueError) and where == "clicked(), called by mousePressed"

    asyncio.run(main())


def test_dispose_destroys_every_proxy():
    sketch = Sketch("""
        def draw(): pass
        button = createButton("go")
        button.mousePressed(lambda: None)
        loadImage("a.png", lambda img: None)
    """)
    draw = sketch.runner.handler("draw")
    listener = sketch.p5.elements[0].listeners["mousedown"]
    sketch.runner.dispose()
    sketch.deferred.run()
    assert draw.destroyed and listener.destroyed and sketch.runner.callbacks.live == 0
    assert sketch.runner.stopped and sketch.reports == []


# -- pyposenet gets the JavaScript object ------------------------------------------------------------------------


def test_a_wrapped_video_is_sorted_as_the_video():
    sketch = Sketch("video = createCapture(VIDEO)")
    video = sketch.ns["video"]
    assert not callable(video)  # so poseNet never mistakes it for the callback
    unwrap(video).elt = "the <video>"
    assert looks_like_media(video)  # and it reads like media anyway: attributes are the p5 object's
    found = sort_arguments([video, lambda: None, {"flipHorizontal": True}])
    assert found["video"] is video


class RecordingRuntime:
    def __init__(self):
        self.seen = []
        self.errors = []
        self.status = []

    async def load_model(self, options):
        return "model"

    async def run(self, model, image, roots=None):
        self.seen.append(("run", image, roots))
        return "outputs", "geometry"

    async def next_frame(self, video):
        self.seen.append(("next_frame", video))

    def has_frame(self, video):
        self.seen.append(("has_frame", video))
        return True

    def set_status(self, text):
        self.status.append(text)

    def report_error(self, exc, where):
        self.errors.append(where)

    extra = "inner attribute"


def test_the_net_runtime_unwraps_and_stops_the_sketch_on_errors():
    sketch = Sketch("video = createCapture(VIDEO)")
    element = sketch.p5.elements[0]
    inner = RecordingRuntime()
    stopped = []
    runtime = SketchNetRuntime(inner, on_error=lambda: stopped.append(True))

    async def main():
        assert await runtime.load_model({}) == "model"
        await runtime.run("model", sketch.ns["video"], (64, 0.5))  # multi-pose root candidates pass through
        await runtime.next_frame(sketch.ns["video"])

    asyncio.run(main())
    assert runtime.has_frame(sketch.ns["video"]) is True
    assert inner.seen == [("run", element, (64, 0.5)), ("next_frame", element), ("has_frame", element)]
    runtime.set_status("running")
    assert inner.status == ["running"] and runtime.extra == "inner attribute"
    runtime.report_error(ValueError("x"), "your 'pose' callback")
    assert inner.errors == ["your 'pose' callback"] and stopped == [True]
