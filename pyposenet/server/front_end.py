"""The front-end files the page loads, copied from node_modules (installed from the pinned
package-lock.json by `npm ci`) into pyposenet/web/vendor/, where the server serves them, a wheel
carries them and an export copies them from. Each file is listed once, here.

    python -m pyposenet.server.front_end node_modules pyposenet/web/vendor   (what `make setup` runs)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

#: Every file the page may load, relative to node_modules (and to web/vendor/).
FRONT_END_FILES = (
    # Python: loadPyodide() reads the lock file, the runtime and the standard library
    "pyodide/pyodide.js",
    "pyodide/pyodide.asm.js",
    "pyodide/pyodide.asm.wasm",
    "pyodide/python_stdlib.zip",
    "pyodide/pyodide-lock.json",
    # TensorFlow.js and its backends: wasm (the three builds it picks from), webgpu on ?backend=webgpu
    "@tensorflow/tfjs/dist/tf.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm",
    "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm",
    "@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js",
    # p5
    "p5/lib/p5.min.js",
    "p5/license.txt",
    # BlazePose (bodyPose("BlazePose"), web/blazepose.js): MediaPipe's solution, its SIMD wasm build, the pose
    # detector and graph (packed assets, binarypb), the lite and full landmark models. Not the heavy model
    # (27 MB, more than the rest of the page): the page serves it where it is copied in (docs/bodypose.md).
    "@mediapipe/pose/pose.js",
    "@mediapipe/pose/pose_solution_simd_wasm_bin.js",
    "@mediapipe/pose/pose_solution_simd_wasm_bin.wasm",
    "@mediapipe/pose/pose_solution_packed_assets_loader.js",
    "@mediapipe/pose/pose_solution_packed_assets.data",
    "@mediapipe/pose/pose_web.binarypb",
    "@mediapipe/pose/pose_landmark_lite.tflite",
    "@mediapipe/pose/pose_landmark_full.tflite",
)
#: Written beside the files: each package's version and licence, as installed.
VERSIONS_FILE = "versions.json"


class FrontEndError(RuntimeError):
    """node_modules lacks a file the page needs, or holds other versions than package-lock.json pins."""


def packages() -> list[str]:
    """The npm packages FRONT_END_FILES come from, in order."""
    names: list[str] = []
    for path in FRONT_END_FILES:
        parts = path.split("/")
        name = "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]
        if name not in names:
            names.append(name)
    return names


def installed_versions(node_modules: Path, lock_file: Path | None = None) -> dict[str, dict[str, str]]:
    """{package: {version, license}} from node_modules, checked against package-lock.json when given."""
    pinned = {}
    if lock_file is not None:
        lock = json.loads(lock_file.read_text(encoding="utf-8"))
        pinned = {
            key.removeprefix("node_modules/"): value.get("version")
            for key, value in lock.get("packages", {}).items()
            if key.startswith("node_modules/")
        }
    found = {}
    for name in packages():
        manifest = node_modules / name / "package.json"
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise FrontEndError(f"{manifest} cannot be read ({error}): run `npm ci`") from None
        if lock_file is not None and pinned.get(name) != meta.get("version"):
            raise FrontEndError(
                f"node_modules has {name} {meta.get('version')}, package-lock.json pins "
                f"{pinned.get(name)}: run `npm ci`"
            )
        found[name] = {"version": str(meta.get("version")), "license": str(meta.get("license"))}
    return found


def copy_front_end(node_modules: Path, dest: Path, lock_file: Path | None = None) -> list[Path]:
    """Replace `dest` with exactly FRONT_END_FILES (and VERSIONS_FILE); returns the files written."""
    missing = [name for name in FRONT_END_FILES if not (node_modules / name).is_file()]
    if missing:
        raise FrontEndError(f"{node_modules} lacks {', '.join(missing)}: run `npm ci`")
    versions = installed_versions(node_modules, lock_file)
    staging = dest.with_name(dest.name + ".part")
    shutil.rmtree(staging, ignore_errors=True)
    written = []
    for name in FRONT_END_FILES:
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node_modules / name, target)
        written.append(dest / name)
    (staging / VERSIONS_FILE).write_text(json.dumps(versions, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return written + [dest / VERSIONS_FILE]


def missing_files(vendor_dir: Path) -> list[str]:
    """The FRONT_END_FILES absent from `vendor_dir` (empty when the page has all it loads)."""
    return [name for name in FRONT_END_FILES if not (vendor_dir / name).is_file()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m pyposenet.server.front_end NODE_MODULES DEST", file=sys.stderr)
        return 2
    node_modules, dest = Path(args[0]), Path(args[1])
    lock = node_modules.parent / "package-lock.json"
    try:
        written = copy_front_end(node_modules, dest, lock if lock.is_file() else None)
    except FrontEndError as error:
        print(f"front_end: error: {error}", file=sys.stderr)
        return 1
    size = sum(path.stat().st_size for path in written)
    print(f"copied {len(written)} front-end files ({size / 1e6:.1f} MB) into {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
