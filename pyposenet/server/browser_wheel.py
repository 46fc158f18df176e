"""The wheel Pyodide installs in the page: only the modules the page imports (the core, `_browser`,
`sketch`, `classify`), never the server, the CLI, the host runtime or the converter.

It is made from the installed package's own source files (a checkout or site-packages alike), in
memory, in a few milliseconds: the server remakes it whenever one of those files changes (so an edit
shows on reload) and `pyposenet export` writes it into a folder. Written with zipfile rather than a
build backend because an installed app has no build tools and no writable source tree.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyposenet

PACKAGE = "pyposenet"
PACKAGE_DIR = Path(pyposenet.__file__).resolve().parent
#: What the page imports: top-level modules of the package, and whole subpackages.
BROWSER_MODULES = (
    "__init__",
    "_compat",
    "callbacks",
    "frame_wait",
    "graph_outputs",
    "net",
    "options",
    "parts",
    "results",
    "runtime",
    "smoothing",
    "stats",
    "tracking",
)
BROWSER_SUBPACKAGES = ("_browser", "bodypose", "classify", "decode", "sketch")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same sources give the same bytes


@dataclass(frozen=True)
class BrowserWheel:
    """A built wheel: its file name (a valid wheel name: Pyodide reads the version from it) and bytes."""

    name: str
    data: bytes
    source_hash: str


def browser_sources(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The .py files of BROWSER_MODULES and BROWSER_SUBPACKAGES under `package_dir`, sorted."""
    files = [package_dir / f"{name}.py" for name in BROWSER_MODULES]
    for sub in BROWSER_SUBPACKAGES:
        files += sorted(p for p in (package_dir / sub).rglob("*.py") if "__pycache__" not in p.parts)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"the browser wheel's modules are missing: {', '.join(missing)}")
    return sorted(files)


def sources_hash(files: list[Path], package_dir: Path = PACKAGE_DIR) -> str:
    """sha256 over the files' names (relative to the package) and contents."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def build_browser_wheel(package_dir: Path = PACKAGE_DIR, version: str = pyposenet.__version__) -> BrowserWheel:
    """The browser wheel of the sources under `package_dir`."""
    files = browser_sources(package_dir)
    dist_info = f"{PACKAGE}-{version}.dist-info"
    entries = [(f"{PACKAGE}/{p.relative_to(package_dir).as_posix()}", p.read_bytes()) for p in files]
    entries += [
        (
            f"{dist_info}/METADATA",
            f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {version}\n"
            "Summary: pyposenet's browser modules (made by pyposenet.server)\n".encode(),
        ),
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: pyposenet.server.browser_wheel\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    entries.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data)
    return BrowserWheel(f"{PACKAGE}-{version}-py3-none-any.whl", buffer.getvalue(), sources_hash(files, package_dir))


class WheelCache:
    """The current browser wheel, remade only when a source file changed (thread-safe use: hold a lock)."""

    def __init__(self, package_dir: Path = PACKAGE_DIR):
        self.package_dir = package_dir
        self._wheel: BrowserWheel | None = None

    def current(self) -> BrowserWheel:
        files = browser_sources(self.package_dir)
        if self._wheel is None or self._wheel.source_hash != sources_hash(files, self.package_dir):
            self._wheel = build_browser_wheel(self.package_dir)
        return self._wheel
