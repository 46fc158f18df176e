"""The one switch between Pyodide (in the page) and CPython (tests, host tools).

Everything that differs between the two runtimes asks here, so the rest of the package
imports nothing browser-only and runs under pytest unchanged.
"""

import sys

IN_BROWSER = "_pyodide_core" in sys.modules


def is_js_object(value) -> bool:
    """True for a JsProxy (a JavaScript object seen from Pyodide); always False under CPython."""
    if not IN_BROWSER:
        return False
    from pyodide.ffi import JsProxy

    return isinstance(value, JsProxy)


def to_js_plain(value):
    """Convert nested dicts/lists into plain JavaScript objects/arrays (identity under CPython)."""
    if not IN_BROWSER:
        return value
    import js
    from pyodide.ffi import to_js

    return to_js(value, dict_converter=js.Object.fromEntries)
