"""The browser wheel holds every module the page imports: no import in it leads outside it, but the one
lazy import of the host runtime, which only CPython takes (pyposenet/__init__.py: not IN_BROWSER)."""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

from pyposenet.server.browser_wheel import PACKAGE_DIR, browser_sources, build_browser_wheel

#: Imports of modules the browser wheel leaves out, each taken only outside the browser.
LAZY_HOST_IMPORTS = {
    ("pyposenet/__init__.py", "pyposenet._host.runtime"),
    ("pyposenet/classify/nn_backend.py", "pyposenet._host.nn_numpy"),
    ("pyposenet/bodypose/blazepose_host.py", "pyposenet._host.images"),  # BlazePose under CPython (mediapipe)
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> list[tuple[str, list[str]]]:
    """(absolute module, imported names) for every pyposenet import in `path`, relative ones resolved."""
    package = module_name(path).split(".") if path.name == "__init__.py" else module_name(path).split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join(base + [node.module]) if node.module else ".".join(base)
            found.append((name, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
    return [(name, names) for name, names in found if name == "pyposenet" or name.startswith("pyposenet.")]


def test_no_import_in_the_browser_wheel_leads_outside_it():
    modules = {module_name(path) for path in browser_sources()}
    outside = set()
    for path in browser_sources():
        for name, names in imported_modules(path):
            if name not in modules and not any(f"{name}.{n}" in modules for n in names):
                outside.add((path.relative_to(PACKAGE_DIR.parent).as_posix(), name))
    assert outside == LAZY_HOST_IMPORTS


def test_the_browser_wheel_is_the_browser_modules_and_its_metadata():
    wheel = build_browser_wheel()
    with zipfile.ZipFile(io.BytesIO(wheel.data)) as archive:
        names = archive.namelist()
        record = archive.read("pyposenet-0.1.0.dist-info/RECORD").decode()
    sources = {f"pyposenet/{p.relative_to(PACKAGE_DIR).as_posix()}" for p in browser_sources()}
    assert {n for n in names if not n.startswith("pyposenet-")} == sources
    assert not any(
        part in name
        for name in names
        for part in ("server/", "_host/", "convert/", "models/", "cli.py", "export.py", "examples/", "web/")
    )
    assert sorted(line.split(",")[0] for line in record.splitlines()) == sorted(names)
    assert wheel.name == "pyposenet-0.1.0-py3-none-any.whl"
