"""CallbackRegistry: proxies for a sketch's callbacks are made once, reused, and destroyed when done."""

from pyposenet.sketch.host import PlainProxy, plain_host
from pyposenet.sketch.proxies import CallbackRegistry, callback_name


class Deferred:
    """A host `defer` that runs nothing until `run()`, like the page's event loop after a JS call."""

    def __init__(self):
        self.pending = []

    def __call__(self, fn):
        self.pending.append(fn)

    def run(self):
        pending, self.pending = self.pending, []
        for fn in pending:
            fn()


def make_registry():
    deferred = Deferred()
    calls = []

    def call(fn, where, args):
        calls.append(where)
        return fn(*args)

    registry = CallbackRegistry(plain_host(defer=deferred), call)
    return registry, deferred, calls


def test_keep_makes_a_live_proxy_without_the_guard():
    registry, _deferred, calls = make_registry()
    proxy = registry.keep(lambda *args: args)
    assert isinstance(proxy, PlainProxy)
    assert proxy(1, 2) == (1, 2)
    assert calls == [] and registry.live == 1 and registry.created == 1


def test_persistent_callback_goes_through_the_guard_with_fitting_arguments():
    registry, _deferred, calls = make_registry()
    got = []

    def on_click():
        got.append("clicked")

    proxy = registry.persistent(on_click, "mousePressed")
    proxy("the event")  # p5 passes the event; on_click takes none
    assert got == ["clicked"]
    assert calls == ["on_click(), called by mousePressed"]


def test_the_same_function_gets_the_same_proxy():
    registry, _deferred, _calls = make_registry()

    def on_change(event):
        pass

    first = registry.persistent(on_change, "changed")
    assert registry.persistent(on_change, "changed") is first
    assert registry.live == 1


def test_a_bound_method_fetched_again_gets_the_same_proxy():
    registry, _deferred, _calls = make_registry()

    class Game:
        def clicked(self):
            pass

    game = Game()
    assert registry.persistent(game.clicked, "mousePressed") is registry.persistent(game.clicked, "mousePressed")
    assert registry.created == 1


def test_unhashable_callables_are_kept_by_identity():
    registry, _deferred, _calls = make_registry()

    class Handler:
        __hash__ = None

        def __call__(self):
            return "called"

    handler = Handler()
    proxy = registry.persistent(handler, "input")
    assert registry.persistent(handler, "input") is proxy
    assert proxy() == "called"


def test_a_slot_holds_one_listener_and_releases_the_replaced_one_later():
    registry, deferred, _calls = make_registry()
    old = registry.persistent(lambda: "old", "mousePressed", slot=(1, "mousePressed"))
    new = registry.persistent(lambda: "new", "mousePressed", slot=(1, "mousePressed"))
    assert new is not old and registry.live == 1
    assert not old.destroyed  # it may be the callback running right now
    deferred.run()
    assert old.destroyed and not new.destroyed
    assert new() == "new"


def test_the_same_function_in_a_slot_keeps_its_proxy():
    registry, deferred, _calls = make_registry()

    def fn():
        pass

    first = registry.persistent(fn, "input", slot=(3, "input"))
    assert registry.persistent(fn, "input", slot=(3, "input")) is first
    deferred.run()
    assert not first.destroyed


def test_release_slot_destroys_the_listener():
    registry, deferred, _calls = make_registry()
    proxy = registry.persistent(lambda: None, "changed", slot=(2, "changed"))
    registry.release_slot((2, "changed"))
    registry.release_slot((2, "changed"))  # twice is harmless
    deferred.run()
    assert proxy.destroyed and registry.live == 0


def test_one_shot_group_is_released_by_the_first_call():
    registry, deferred, calls = make_registry()
    loaded = []

    def on_loaded(image):
        loaded.append(image)

    def on_failed(error):
        loaded.append(("failed", error))

    success, failure = registry.one_shot([on_loaded, on_failed], "loadImage")
    assert registry.live == 2
    success("IMG")
    assert loaded == ["IMG"] and calls == ["on_loaded(), called by loadImage"]
    assert registry.live == 0
    assert not success.destroyed  # destroyed after the JavaScript call returned
    deferred.run()
    assert success.destroyed and failure.destroyed


def test_destroy_all_destroys_every_live_proxy_once():
    registry, deferred, _calls = make_registry()
    kept = registry.keep(lambda: None)
    listener = registry.persistent(lambda: None, "mousePressed")
    replaced = registry.persistent(lambda: None, "input", slot=(1, "input"))
    registry.persistent(lambda: None, "input", slot=(1, "input"))
    (loader,) = registry.one_shot([lambda data: None], "loadJSON")
    registry.destroy_all()
    assert registry.live == 0
    deferred.run()  # PlainProxy.destroy raises on a second destroy: each was destroyed once
    assert kept.destroyed and listener.destroyed and replaced.destroyed and loader.destroyed


def test_destroyed_proxy_refuses_calls():
    proxy = PlainProxy(lambda: 1)
    proxy.destroy()
    try:
        proxy()
    except RuntimeError as exc:
        assert "destroyed" in str(exc)
    else:
        raise AssertionError("a destroyed proxy was called")


def test_callback_names():
    def named():
        pass

    class Callable:
        def __call__(self):
            pass

    assert callback_name(named) == "named"
    assert callback_name(lambda: None) == "<lambda>"
    assert callback_name(Callable()) == "Callable"
