"""`pyposenet export SKETCH.py --out DIR`: the sketch as a static site that any file host can serve.

The folder holds what the server would send (server/page.py's layout): the page with its policy as a
<meta>, the page's scripts and front-end files, the browser wheel, the sketch and the files beside it,
and the model files: the default model and any `--model VARIANT`. A sketch's own `modelUrl` files
travel as files beside it. Nothing is fetched from elsewhere at run time, so the folder works from
GitHub Pages, itch.io or `python -m http.server` on a USB stick. Opened as a file:// page it says it
must be served.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .models import ModelStore, Variant, check_model, default_cache_dir, default_models_dir, find_variant
from .options import OFFICIAL_MODEL_ROOT, model_path, resolve_options
from .server.browser_wheel import build_browser_wheel
from .server.front_end import missing_files
from .server.page import APP_FOLDER, PAGE_TEMPLATE, RESERVED_NAMES, WEB_DIR, app_config, render_page
from .server.security import CONTENT_SECURITY_POLICY
from .server.serve import sketch_problem

#: Folders never copied from beside a sketch (tools' folders, not the sketch's files).
SKIPPED_FOLDERS = ("__pycache__", "node_modules", "venv", "site-packages")
#: Beyond these, the sketch's folder is probably a home or project folder, not a sketch's.
MAX_SKETCH_FILES = 2000
MAX_SKETCH_BYTES = 500 * 1024 * 1024
MARKER = f"{APP_FOLDER}/app-config.json"  # what makes a folder a previous export (safe to replace)


class ExportError(RuntimeError):
    """The export cannot be made; the message says why and what to do."""


@dataclass
class ExportReport:
    """What an export wrote: the folder, its files and bytes, and the model.json files it holds."""

    out: Path
    files: int
    bytes: int
    models: list[str]

    def summary(self) -> str:
        return (
            f"exported {self.files} files ({self.bytes / 1e6:.1f} MB) to {self.out}\n"
            f"models: {', '.join(self.models)}\n"
            f"try it: cd {self.out} && python -m http.server 8000  (then open http://localhost:8000/)"
        )


def default_variant() -> str:
    """The model.json a sketch loads when its options name no model (poseNet's defaults)."""
    return model_path(resolve_options({}))


def sketch_files(sketch: Path, skip: Sequence[Path] = ()) -> list[Path]:
    """The sketch and every file beside it (sub-folders too), as the server would serve them: no dot-files,
    none under the app's reserved names, no tool folders or virtual environments, nothing under `skip`
    (the export itself)."""
    root = sketch.parent
    found: list[Path] = []
    total = 0
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        top = here == root
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in SKIPPED_FOLDERS
            and not (top and d in RESERVED_NAMES)
            and (here / d).resolve() not in skip
            and not (here / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or (top and name in RESERVED_NAMES) or path.is_symlink() or not path.is_file():
                continue
            found.append(path)
            total += path.stat().st_size
            if len(found) > MAX_SKETCH_FILES or total > MAX_SKETCH_BYTES:
                raise ExportError(
                    f"the folder of {sketch.name} ({root}) holds more than {MAX_SKETCH_FILES} files or "
                    f"{MAX_SKETCH_BYTES // 2**20} MB: an export copies every file beside the sketch, "
                    "so put the sketch and its files in a folder of their own"
                )
    return found


def model_files(names: Iterable[str], store: ModelStore) -> dict[str, Path]:
    """{name under the models folder: local path} for each model.json and the shards its manifest names."""
    wanted: dict[str, Path] = {}
    for name in names:
        json_path = store.find(name)
        check = check_model(json_path)
        if not check.ok:
            raise ExportError(f"model {name} ({json_path}) is broken: {check.summary()}")
        wanted[name] = json_path
        folder = name.rsplit("/", 1)[0]
        manifest = json.loads(json_path.read_text(encoding="utf-8"))["weightsManifest"]
        for group in manifest:
            for shard in group["paths"]:
                wanted[f"{folder}/{shard}"] = store.find(f"{folder}/{shard}")
    return wanted


def _check_out(out: Path, sketch: Path) -> None:
    if sketch.parent.resolve().is_relative_to(out.resolve()):
        raise ExportError(f"--out {out} holds the sketch itself: choose a folder beside or inside the sketch's")
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out} is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ExportError(f"--out {out} is not empty and not an earlier export: choose an empty or new folder")


def export_sketch(
    sketch: Path,
    out: Path,
    *,
    variants: Sequence[str | Variant] = (),
    models_dir: Path | None = None,
    cache_dir: Path | None = None,
    base_url: str | None = OFFICIAL_MODEL_ROOT,
    web_dir: Path = WEB_DIR,
) -> ExportReport:
    """Write the static site of `sketch` into `out` (replaced if it is an earlier export).

    Models: the default one and `variants` (names such as 'mobilenet-quant2-050-stride16' or
    model.json paths), from `models_dir`, the cache, or downloaded once into the cache.
    """
    sketch, out = Path(sketch).resolve(), Path(out).absolute()
    problem = sketch_problem(sketch)
    if problem:
        raise ExportError(problem)
    _check_out(out, sketch)
    missing = missing_files(web_dir / "vendor")
    if missing:
        raise ExportError(
            f"the page's front-end files are missing from {web_dir / 'vendor'} ({missing[0]}, ...): "
            "in a checkout, run `make setup`"
        )
    names = [default_variant()] + [v.path if isinstance(v, Variant) else find_variant(v).path for v in variants]
    names = list(dict.fromkeys(names))
    store = ModelStore(
        models_dir if models_dir is not None else default_models_dir(),
        cache_dir if cache_dir is not None else default_cache_dir(),
        base_url,
    )
    models = model_files(names, store)
    staging = out.with_name(out.name + ".part")
    sources = sketch_files(sketch, skip=(out.resolve(), staging.resolve()))
    wheel = build_browser_wheel()

    shutil.rmtree(staging, ignore_errors=True)
    app = staging / APP_FOLDER
    shutil.copytree(web_dir, app / "web", ignore=shutil.ignore_patterns(".*", "__pycache__", PAGE_TEMPLATE))
    (staging / "index.html").write_text(render_page(CONTENT_SECURITY_POLICY, web_dir), encoding="utf-8")
    for path in sources:
        target = staging / path.relative_to(sketch.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    (app / "wheel").mkdir(parents=True)
    (app / "wheel" / wheel.name).write_bytes(wheel.data)
    for name, path in models.items():
        target = app / "models" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    config = app_config(sketch.name, wheel.name, [], models=names)
    (staging / MARKER).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)

    written = [p for p in out.rglob("*") if p.is_file()]
    return ExportReport(out, len(written), sum(p.stat().st_size for p in written), names)
