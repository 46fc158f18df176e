"""Turn an exception into what a person needs: where in their sketch, which line, what went wrong."""

from __future__ import annotations

import linecache
import traceback

_current_sketch: str | None = None


def set_sketch_file(name: str | None) -> None:
    """Frames from this file are the person's code; they are shown first and in full."""
    global _current_sketch
    _current_sketch = name


def describe_exception(exc: BaseException, where: str, sketch_file: str | None = None) -> tuple[str, str]:
    """(title, details): the title names the error and the sketch line; details has the traceback."""
    sketch_file = sketch_file or _current_sketch
    frames = traceback.extract_tb(exc.__traceback__)
    if isinstance(exc, SyntaxError) and exc.filename == sketch_file:
        location = f"{exc.filename}, line {exc.lineno}"
        code = (exc.text or "").strip()
    else:
        mine = [f for f in frames if sketch_file and f.filename == sketch_file]
        frame = mine[-1] if mine else (frames[-1] if frames else None)
        location = f"{frame.filename}, line {frame.lineno}, in {frame.name}" if frame else ""
        code = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip() if frame else ""
    if type(exc).__name__ == "JsException":  # a JavaScript error: its own message says it all
        message = str(exc)
    elif isinstance(exc, SyntaxError):  # its location goes in the details, not the title
        message = f"{type(exc).__name__}: {exc.msg}"
    else:
        message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    title = f"Error in {where}: {message}"
    details = "\n".join(
        part
        for part in (
            location,
            f"    {code}" if code else "",
            "",
            "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
        )
        if part is not None
    )
    return title, details
