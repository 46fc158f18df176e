"""setTimeout / setInterval in sketches: Python callbacks, released when done, cleared on dispose."""

import textwrap

from pyposenet.sketch.host import plain_host
from pyposenet.sketch.runner import SketchRunner


class FakeWindow:
    """JavaScript's timer functions: `fire(id)` runs a pending timer, as the browser would later."""

    def __init__(self):
        self.pending = {}
        self.next_id = 1

    def setTimeout(self, fn, ms):
        return self._add("timeout", fn, ms)

    def setInterval(self, fn, ms):
        return self._add("interval", fn, ms)

    def _add(self, kind, fn, ms):
        timer_id, self.next_id = self.next_id, self.next_id + 1
        self.pending[timer_id] = (kind, fn, ms)
        return timer_id

    def clearTimeout(self, timer_id):
        self.pending.pop(timer_id, None)

    clearInterval = clearTimeout

    def fire(self, timer_id):
        kind, fn, _ms = self.pending[timer_id]
        if kind == "timeout":
            del self.pending[timer_id]
        return fn()


class Deferred(list):
    def __call__(self, fn):
        self.append(fn)

    def run(self):
        while self:
            self.pop(0)()


def make(source):
    window, deferred, reports = FakeWindow(), Deferred(), []
    runner = SketchRunner(
        textwrap.dedent(source),
        "timers.py",
        report=lambda e, w: reports.append((e, w)),
        host=plain_host(defer=deferred, timers=window),
    )
    runner.load(object(), [], [])
    return runner, window, deferred, reports


def test_set_timeout_runs_once_then_releases_its_proxy():
    runner, window, deferred, reports = make("""
        ticks = []
        def tick(label):
            ticks.append(label)
        timer = setTimeout(tick, 500, "late")
    """)
    timer = runner.namespace["timer"]
    assert window.pending[timer][2] == 500 and runner.callbacks.live == 1
    proxy = window.pending[timer][1]
    window.fire(timer)
    deferred.run()
    assert runner.namespace["ticks"] == ["late"] and proxy.destroyed and runner.callbacks.live == 0
    runner.namespace["__builtins__"]["clearTimeout"](timer)  # after it ran: nothing to do
    assert reports == []


def test_clear_timeout_before_it_runs_releases_it():
    runner, window, deferred, _ = make("timer = setTimeout(lambda: None, 10)")
    proxy = window.pending[runner.namespace["timer"]][1]
    runner.namespace["__builtins__"]["clearTimeout"](runner.namespace["timer"])
    deferred.run()
    assert window.pending == {} and proxy.destroyed and runner.callbacks.live == 0


def test_set_interval_runs_until_cleared():
    runner, window, deferred, _ = make("""
        count = 0
        def step():
            global count
            count += 1
            if count == 3:
                clearInterval(timer)
        timer = setInterval(step, 100)
    """)
    timer = runner.namespace["timer"]
    proxy = window.pending[timer][1]
    for _ in range(3):
        window.fire(timer)
    deferred.run()
    assert runner.namespace["count"] == 3 and timer not in window.pending and proxy.destroyed


def test_error_in_a_timer_names_it_and_stops_the_sketch():
    runner, window, _deferred, reports = make("""
        def explode():
            return 1 / 0
        timer = setInterval(explode, 100)
    """)
    timer = runner.namespace["timer"]
    window.fire(timer)
    window.fire(timer)
    [(exc, where)] = reports
    assert isinstance(exc, ZeroDivisionError) and where == "explode(), called by setInterval"
    assert runner.stopped


def test_dispose_clears_every_pending_timer():
    runner, window, deferred, _ = make("""
        setTimeout(lambda: None, 1000)
        setInterval(lambda: None, 1000)
    """)
    runner.dispose()
    deferred.run()
    assert window.pending == {} and runner.callbacks.live == 0


def test_without_timers_the_names_are_not_defined():
    runner = SketchRunner("x = 1\n", "s.py", report=lambda e, w: None)
    runner.load(object(), [], [])
    assert "setTimeout" not in runner.namespace["__builtins__"]
