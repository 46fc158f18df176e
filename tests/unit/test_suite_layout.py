"""The test suite's own layout: `-m "not e2e"` leaves out every browser test, and shared helpers live in
tests/support/ (no test module imports another or a folder's conftest.py, no test imports a benchmark script)."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO_ROOT


def collect(*args: str) -> list[str]:
    """The node ids `pytest --collect-only -q ARGS` selects (run in a subprocess, from the checkout).

    A module that fails to import is left out (its own run reports it): this is about marks, not imports."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--continue-on-collection-errors",
            *args,
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode in (0, 1, 5), run.stdout[-3000:] + run.stderr[-3000:]  # 1: import errors, 5: none
    return [line for line in run.stdout.splitlines() if "::" in line]


def test_not_e2e_collects_no_e2e_test_and_e2e_collects_them_all():
    assert collect("tests/e2e", "-m", "not e2e") == []
    marked = collect("tests/e2e", "-m", "e2e")
    assert marked and marked == collect("tests/e2e")  # every test under tests/e2e carries the mark
    assert all(node.startswith("tests/e2e/") for node in marked)


def imported_modules(path) -> set[str]:
    """Absolute names of the modules `path` (a .py file under the checkout) imports, relative ones resolved."""
    package = path.relative_to(REPO_ROOT).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import test_x`
    return names


def test_no_test_module_imports_another_or_a_benchmark():
    found = set()
    for path in sorted([*REPO_ROOT.glob("tests/**/*.py"), *REPO_ROOT.glob("benchmarks/*.py")]):
        where = path.relative_to(REPO_ROOT).as_posix()
        for name in imported_modules(path):
            parts = name.split(".")
            # a test module, or a folder's conftest.py (its helpers belong in tests/support/; tests/conftest.py's
            # paths are shared by all)
            test_module = (
                parts[0] == "tests" and len(parts) >= 3 and (parts[2].startswith("test_") or parts[2] == "conftest")
            )
            benchmark = where.startswith("tests/") and parts[0] == "benchmarks"
            if test_module or benchmark:
                found.add((where, ".".join(parts[:3])))
    assert not found, sorted(found)
