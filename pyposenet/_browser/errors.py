"""Show Python errors to the person, on the page (not only in the console)."""

from __future__ import annotations

import pyposenet_js

from ..sketch.errors import describe_exception


def show(exc: BaseException, where: str, sketch_file: str | None = None) -> None:
    title, details = describe_exception(exc, where, sketch_file)
    pyposenet_js.page.showError(title, details)
