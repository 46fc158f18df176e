"""The Python-sketch layer with a fake p5 instance: names a sketch sees, and SketchRunner's calls and errors."""

import asyncio
import builtins
import textwrap

import pytest

from pyposenet.sketch.errors import describe_exception
from pyposenet.sketch.namespace import EVENT_FUNCTIONS, LIVE_VARIABLES, SketchBuiltins, sketch_globals
from pyposenet.sketch.runner import SketchRunner


class FakeP5:
    """Stands in for a p5 instance: methods are p5 functions, attributes p5 variables and constants."""

    PI = 3.141592653589793
    CENTER = "center"

    def __init__(self):
        self.width = 100
        self.height = 100
        self.mouseX = 0
        self.frameCount = 0
        self.calls = []

    def createCanvas(self, w, h):
        self.calls.append(("createCanvas", w, h))
        self.width = w
        self.height = h

    def background(self, *args):
        self.calls.append(("background", *args))

    def ellipse(self, x, y, w, h=None):
        self.calls.append(("ellipse", x, y, w, h))

    def failing(self):
        raise RuntimeError("p5 refused")

    # p5 names that clash with Python builtins: Python's must win
    def print(self, *args):
        raise AssertionError("p5's print was used")

    def map(self, *args):
        raise AssertionError("p5's map was used")

    def min(self, *args):
        raise AssertionError("p5's min was used")

    # p5 has methods named like the sketch's event functions; they must not become builtins
    def mousePressed(self, *args):
        raise AssertionError("p5's mousePressed was used")


FUNCTION_NAMES = ["createCanvas", "background", "ellipse", "failing", "print", "map", "min", "mousePressed"]
VALUE_NAMES = ["PI", "CENTER"]


def run_sketch(source: str, p5=None, file_name="my_sketch.py"):
    """exec a sketch in sketch_globals; return its namespace."""
    p5 = p5 or FakeP5()
    namespace = sketch_globals(p5, FUNCTION_NAMES, VALUE_NAMES, file_name)
    exec(compile(textwrap.dedent(source), file_name, "exec"), namespace)
    return namespace


class Recorder:
    def __init__(self):
        self.reports = []
        self.stops = 0

    def report(self, exc, where):
        self.reports.append((exc, where))

    def on_stop(self):
        self.stops += 1


def make_runner(source, file_name="my_sketch.py", p5=None):
    recorder = Recorder()
    runner = SketchRunner(textwrap.dedent(source), file_name, report=recorder.report, on_stop=recorder.on_stop)
    p5 = p5 or FakeP5()
    handlers = runner.load(p5, FUNCTION_NAMES, VALUE_NAMES)
    return runner, recorder, p5, handlers


# -- namespace -------------------------------------------------------------------------------------------


def test_sketch_globals_shape():
    p5 = FakeP5()
    namespace = sketch_globals(p5, FUNCTION_NAMES, VALUE_NAMES, "my_sketch.py")
    assert namespace["__name__"] == "__main__"
    assert namespace["__file__"] == "my_sketch.py"
    assert isinstance(namespace["__builtins__"], SketchBuiltins)


def test_p5_functions_are_callable_by_name():
    ns = run_sketch("""
        def setup():
            createCanvas(200, 150)
            background(0, 10)
            ellipse(1, 2, 3)
        setup()
    """)
    p5 = ns["__builtins__"]._p5
    assert p5.calls == [("createCanvas", 200, 150), ("background", 0, 10), ("ellipse", 1, 2, 3, None)]


def test_python_builtins_win_over_p5_names(capsys):
    ns = run_sketch("""
        print("hello", 1)
        doubled = list(map(lambda v: 2 * v, [1, 2]))
        smallest = min(3, 1, 2)
        length = len("abc")
    """)
    assert capsys.readouterr().out == "hello 1\n"
    assert ns["doubled"] == [2, 4]
    assert ns["smallest"] == 1
    assert ns["length"] == 3
    b = ns["__builtins__"]
    assert b["print"] is builtins.print and b["map"] is builtins.map and b["min"] is builtins.min


def test_event_function_names_are_not_taken_from_p5():
    b = SketchBuiltins(FakeP5(), FUNCTION_NAMES, VALUE_NAMES)
    assert "mousePressed" not in b
    with pytest.raises(KeyError):
        b["mousePressed"]


def test_constants_and_variables_are_read_from_p5():
    ns = run_sketch("""
        values = (PI, CENTER, width, height, mouseX)
    """)
    assert ns["values"] == (FakeP5.PI, "center", 100, 100, 0)


def test_live_variable_read_at_each_access_within_one_call():
    p5 = FakeP5()
    ns = run_sketch(
        """
        def setup():
            before = width
            createCanvas(640, 480)
            return before, width, height
    """,
        p5,
    )
    assert ns["setup"]() == (100, 640, 480)


def test_live_variable_changed_outside_between_reads():
    p5 = FakeP5()
    ns = run_sketch(
        """
        def draw():
            first = width
            change()
            return first, width
    """,
        p5,
    )

    def change():
        p5.width = 321

    ns["change"] = change
    assert ns["draw"]() == (100, 321)
    p5.mouseX = 42
    ns2 = run_sketch("def where():\n    return mouseX\n", p5)
    assert ns2["where"]() == 42
    p5.mouseX = 43
    assert ns2["where"]() == 43


def test_every_live_variable_is_looked_up_on_p5():
    class Everything:
        def __getattr__(self, name):
            return f"p5.{name}"

    b = SketchBuiltins(Everything(), [], [])
    for name in sorted(LIVE_VARIABLES):
        assert b[name] == f"p5.{name}"


def test_sketch_global_shadows_p5_name():
    ns = run_sketch("""
        width = 5
        def get():
            return width
    """)
    assert ns["get"]() == 5


def test_unknown_name_is_a_name_error():
    with pytest.raises(NameError, match="'fill'"):
        run_sketch("fill(255)")
    with pytest.raises(NameError, match="'notAThing'"):
        run_sketch("def draw():\n    return notAThing\ndraw()\n")


def test_unknown_name_in_builtins_is_a_key_error():
    b = SketchBuiltins(FakeP5(), FUNCTION_NAMES, VALUE_NAMES)
    with pytest.raises(KeyError):
        b["totallyUnknown"]


# -- SketchRunner: loading -------------------------------------------------------------------------------


def test_load_returns_defined_event_functions_in_event_order():
    runner, recorder, _p5, handlers = make_runner("""
        def keyPressed(): pass
        def mousePressed(): pass
        def draw(): pass
        def helper(): pass
        def setup(): pass
        def preload(): pass
        windowResized = 5   # not callable: not an event function
    """)
    assert handlers == ["preload", "setup", "draw", "mousePressed", "keyPressed"]
    assert handlers == [name for name in EVENT_FUNCTIONS if name in handlers]
    assert recorder.reports == [] and not runner.stopped


def test_load_of_an_empty_sketch():
    runner, recorder, _p5, handlers = make_runner("# nothing yet\n")
    assert handlers == [] and recorder.reports == []


def test_syntax_error_is_reported_once_with_file_and_line():
    source = "def setup():\n    pass\n\ndef draw(:\n    pass\n"
    runner, recorder, _p5, handlers = make_runner(source, "broken_sketch.py")
    assert handlers == []
    assert len(recorder.reports) == 1
    exc, where = recorder.reports[0]
    assert isinstance(exc, SyntaxError)
    assert where == "broken_sketch.py"
    assert runner.stopped and recorder.stops == 1
    title, details = describe_exception(exc, where, "broken_sketch.py")
    assert title.startswith("Error in broken_sketch.py: ")
    assert "SyntaxError" in title
    assert details.splitlines()[:2] == ["broken_sketch.py, line 4", "    def draw(:"]
    assert runner.call("setup") is None  # nothing runs after the error


def test_error_at_top_level_is_reported_with_sketch_line():
    runner, recorder, _p5, handlers = make_runner("x = 1\ny = [][3]\n", "top.py")
    assert handlers == []
    [(exc, where)] = recorder.reports
    assert isinstance(exc, IndexError) and where == "top.py"
    title, details = describe_exception(exc, where, "top.py")
    assert title == "Error in top.py: IndexError: list index out of range"
    assert details.splitlines()[:2] == ["top.py, line 2, in <module>", "    y = [][3]"]


# -- SketchRunner: calls -----------------------------------------------------------------------------------


def test_exception_in_draw_is_reported_once_and_stops_the_sketch():
    runner, recorder, p5, handlers = make_runner("""
        count = 0

        def draw():
            global count
            count += 1
            background(count)
            if count == 3:
                ratio = width / 0
    """)
    assert handlers == ["draw"]
    for _ in range(10):
        runner.call("draw")
    assert runner.namespace["count"] == 3
    assert [c for c in p5.calls if c[0] == "background"] == [("background", 1), ("background", 2), ("background", 3)]
    assert len(recorder.reports) == 1
    exc, where = recorder.reports[0]
    assert isinstance(exc, ZeroDivisionError) and where == "draw()"
    assert runner.stopped and recorder.stops == 1
    title, details = describe_exception(exc, where, "my_sketch.py")
    assert title == "Error in draw(): ZeroDivisionError: division by zero"
    assert details.splitlines()[:2] == ["my_sketch.py, line 9, in draw", "    ratio = width / 0"]  # line 1 is blank


def test_error_inside_a_p5_function_points_at_the_sketch_line():
    runner, recorder, _p5, _ = make_runner("""
        def setup():
            createCanvas(10, 10)
            failing()
    """)
    runner.call("setup")
    [(exc, where)] = recorder.reports
    assert isinstance(exc, RuntimeError) and where == "setup()"
    title, details = describe_exception(exc, where)  # the runner registered its file as the sketch
    assert title == "Error in setup(): RuntimeError: p5 refused"
    assert details.splitlines()[:2] == ["my_sketch.py, line 4, in setup", "    failing()"]


def test_error_without_on_stop():
    reports = []
    runner = SketchRunner("def draw():\n    1 / 0\n", "s.py", report=lambda e, w: reports.append(w))
    runner.load(FakeP5(), FUNCTION_NAMES, VALUE_NAMES)
    runner.call("draw")
    runner.call("draw")
    assert reports == ["draw()"] and runner.stopped


def test_call_returns_the_handlers_result_and_ignores_missing_ones():
    runner, recorder, _p5, _ = make_runner("def keyPressed():\n    return False\n")
    assert runner.call("keyPressed") is False
    assert runner.call("mouseWheel", object()) is None
    assert recorder.reports == []


def test_call_before_load_does_nothing():
    runner = SketchRunner("def draw():\n    raise SystemExit\n", "s.py", report=pytest.fail)
    assert runner.call("draw") is None


@pytest.mark.parametrize(
    "definition, expected",
    [
        ("def mousePressed():\n    got.append(())\n", [()]),
        ("def mousePressed(event):\n    got.append((event,))\n", [("EVT",)]),
        ("def mousePressed(event, extra=None):\n    got.append((event, extra))\n", [("EVT", None)]),
        ("def mousePressed(*args):\n    got.append(args)\n", [("EVT",)]),
        ("mousePressed = lambda: got.append('lambda')\n", ["lambda"]),
    ],
)
def test_handlers_get_as_many_arguments_as_they_take(definition, expected):
    runner, recorder, _p5, handlers = make_runner("got = []\n" + definition)
    assert handlers == ["mousePressed"]
    runner.call("mousePressed", "EVT")
    runner.call("mousePressed", "EVT")
    assert runner.namespace["got"] == expected * 2
    assert recorder.reports == []


def test_async_handler_is_scheduled():
    async def main():
        runner, recorder, p5, handlers = make_runner("""
            import asyncio

            async def setup():
                createCanvas(50, 60)
                await asyncio.sleep(0)
                background(1)
        """)
        assert handlers == ["setup"]
        assert runner.call("setup") is None
        assert p5.calls == []  # scheduled, not run yet
        for _ in range(5):
            await asyncio.sleep(0)
        assert p5.calls == [("createCanvas", 50, 60), ("background", 1)]
        assert recorder.reports == []

    asyncio.run(main())


def test_async_handler_error_is_reported_once():
    async def main():
        runner, recorder, _p5, _ = make_runner("""
            import asyncio

            async def mousePressed(event):
                await asyncio.sleep(0)
                raise ValueError(event)
        """)
        runner.call("mousePressed", "first")
        runner.call("mousePressed", "second")
        for _ in range(5):
            await asyncio.sleep(0)
        assert len(recorder.reports) == 1
        exc, where = recorder.reports[0]
        assert isinstance(exc, ValueError) and where == "mousePressed()"
        assert runner.stopped and recorder.stops == 1
        title, details = describe_exception(exc, where, "my_sketch.py")
        assert details.splitlines()[:2] == ["my_sketch.py, line 6, in mousePressed", "    raise ValueError(event)"]

    asyncio.run(main())
