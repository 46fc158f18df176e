"""The official PoseNet model variants: which are on this machine, are they whole, and downloading them.

Used by `pyposenet models` (pyposenet/cli.py). The variants are every configuration
`pyposenet.options.resolve_options` accepts (architecture x multiplier x output stride x quantBytes),
each at its `model_path` under the official root https://storage.googleapis.com/tfjs-models/:
MobileNetV1 0.50/0.75/1.00 at stride 8/16 (and 32 with 1.00), ResNet50 at stride 16/32, each as
float, quant2 and quant1 weights: 27 in all.

A model is whole when its model.json parses, every weight shard its `weightsManifest` names exists
beside it, and each group's shards hold exactly the bytes its weights need: the sum of
prod(shape) x bytes per value, where a quantized weight takes its quantization dtype's size
(uint8: 1, uint16 and float16: 2) instead of its dtype's.

Pure standard library (urllib for downloads); tqdm draws progress bars when it is installed.
"""
from __future__ import annotations

import difflib
import json
import math
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

from ..options import (ARCHITECTURES, MOBILENET_MULTIPLIERS, OFFICIAL_MODEL_ROOT, OUTPUT_STRIDES, QUANT_BYTES,
                       model_path, resolve_options)

__all__ = ["Variant", "ModelCheck", "FetchError", "VARIANTS", "variants", "find_variant", "check_model",
           "other_models", "fetch_variant", "weight_bytes", "VALUE_BYTES"]

# Bytes per stored value: a weight's dtype, or its quantization dtype when it has one.
VALUE_BYTES = {"float32": 4, "int32": 4, "bool": 1, "uint8": 1, "uint16": 2, "float16": 2}
TFJS_SHARD_BYTES = 4 * 1024 * 1024  # tensorflowjs_converter's default --weight_shard_size_bytes
QUANT_NAMES = {4: "float", 2: "quant2", 1: "quant1"}
MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024  # larger .json files are not looked into when scanning a folder


@dataclass(frozen=True)
class Variant:
    """One official configuration: a short name, its poseNet options and its model.json path."""

    name: str
    options: dict = field(hash=False, compare=False)
    path: str

    @property
    def folder(self) -> str:
        return str(PurePosixPath(self.path).parent)

    def describe(self) -> str:
        o = self.options
        return (f"{o['architecture']} multiplier {o['multiplier']} outputStride {o['outputStride']} "
                f"quantBytes {o['quantBytes']}")


def _variant_name(options: dict) -> str:
    quant = QUANT_NAMES[options["quantBytes"]]
    stride = options["outputStride"]
    if options["architecture"] == "ResNet50":
        return f"resnet50-{quant}-stride{stride}"
    multiplier = {0.5: "050", 0.75: "075", 1.0: "100"}[options["multiplier"]]
    return f"mobilenet-{quant}-{multiplier}-stride{stride}"


def variants() -> list[Variant]:
    """Every configuration options.py accepts, in a stable order (architecture, quant, multiplier, stride)."""
    found = []
    for architecture in ARCHITECTURES:
        multipliers = MOBILENET_MULTIPLIERS if architecture == "MobileNetV1" else (1.0,)
        for quant_bytes in sorted(QUANT_BYTES, reverse=True):
            for multiplier in multipliers:
                for stride in OUTPUT_STRIDES[architecture]:
                    wanted = {"architecture": architecture, "multiplier": multiplier, "outputStride": stride,
                              "quantBytes": quant_bytes}
                    try:
                        options = resolve_options(wanted)
                    except ValueError:
                        continue  # e.g. MobileNet stride 32 with multiplier 0.5 or 0.75
                    chosen = {k: options[k] for k in wanted}
                    found.append(Variant(_variant_name(chosen), chosen, model_path(chosen)))
    return found


VARIANTS: tuple[Variant, ...] = tuple(variants())


def find_variant(text: str) -> Variant:
    """A variant by its name (`mobilenet-float-075-stride16`) or its model.json path; ValueError otherwise."""
    wanted = text.strip().lower()
    for variant in VARIANTS:
        if wanted in (variant.name, variant.path.lower(), variant.path.lower().removeprefix("savedmodel/")):
            return variant
    names = [v.name for v in VARIANTS]
    close = difflib.get_close_matches(wanted, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown model variant {text!r}{hint} Variants: {', '.join(names)}")


# ----------------------------------------------------------------------------------------- checking

@dataclass
class ModelCheck:
    """What check_model found: ok, the problems (empty when ok), the byte and shard counts."""

    path: Path
    ok: bool
    problems: list[str]
    expected_bytes: int = 0
    actual_bytes: int = 0
    shards: int = 0

    def summary(self) -> str:
        if self.ok:
            return f"{self.actual_bytes:,} bytes of weights in {self.shards} shard{'s' * (self.shards != 1)}"
        return "; ".join(self.problems)


def weight_bytes(spec: dict) -> int:
    """Bytes one weight takes in the shards: prod(shape) x bytes per stored value (quantization respected)."""
    quantization = spec.get("quantization")
    dtype = quantization.get("dtype") if isinstance(quantization, dict) else spec.get("dtype", "float32")
    if dtype not in VALUE_BYTES:
        where = "quantization dtype" if quantization else "dtype"
        raise ValueError(f"weight {spec.get('name')!r} has {where} {dtype!r}; known: {', '.join(VALUE_BYTES)}")
    return math.prod(int(d) for d in spec.get("shape", ())) * VALUE_BYTES[dtype]


def _safe_shard_name(name) -> str:
    parts = PurePosixPath(str(name)).parts
    if not isinstance(name, str) or not parts or name.startswith("/") or "\\" in name or ".." in parts:
        raise ValueError(f"shard path {name!r} is not a plain relative file name")
    return name


def _blame(names: list[str], sizes: list[int], expected: int) -> tuple[str, int]:
    """Which shard of a group is the wrong size, and what it should be.

    tensorflowjs_converter writes every shard but the last at the same size (4 MiB by default) and
    the last with the rest; so the odd one out among the others is to blame, else the last.
    """
    if len(names) == 1:
        return names[0], expected
    others = sizes[:-1]
    usual = max(set(others), key=others.count) if len(others) > 1 else TFJS_SHARD_BYTES
    for name, size in zip(names[:-1], others):
        if size != usual:
            return name, usual
    return names[-1], expected - sum(others)


def check_model(json_path: Path) -> ModelCheck:
    """Does this model.json parse, and do its shards exist and hold exactly the bytes its manifest needs?"""
    json_path = Path(json_path)
    check = ModelCheck(json_path, False, [])
    try:
        model = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        check.problems.append(f"{json_path.name} not found")
        return check
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        check.problems.append(f"{json_path.name} does not parse: {error}")
        return check
    manifest = model.get("weightsManifest") if isinstance(model, dict) else None
    if not isinstance(manifest, list) or not manifest:
        check.problems.append(f"{json_path.name} has no weightsManifest (not a TF.js model)")
        return check
    if "modelTopology" not in model:
        check.problems.append(f"{json_path.name} has no modelTopology (not a TF.js model)")
    for number, group in enumerate(manifest, 1):
        try:
            names = [_safe_shard_name(p) for p in group["paths"]]
            expected = sum(weight_bytes(spec) for spec in group["weights"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            check.problems.append(f"weightsManifest group {number} is malformed: {error}")
            continue
        sizes = []
        for name in names:
            shard = json_path.parent / name
            if not shard.is_file():
                check.problems.append(f"shard {name} is missing")
                sizes.append(None)
            else:
                sizes.append(shard.stat().st_size)
        check.shards += len(names)
        check.expected_bytes += expected
        if None in sizes:
            continue
        actual = sum(sizes)
        check.actual_bytes += actual
        if actual != expected:
            name, should = _blame(names, sizes, expected)
            size = sizes[names.index(name)]
            state = "truncated" if size < should else "too long"
            check.problems.append(f"shard {name} is {state}: {size:,} bytes, expected {should:,} "
                                  f"(the manifest's weights need {expected:,} bytes, the shards hold {actual:,})")
    check.ok = not check.problems
    return check


def other_models(root: Path | None, skip: Iterable[str] = ()) -> list[str]:
    """Relative paths of the TF.js model.json files under `root` that are not official variants."""
    if root is None or not Path(root).is_dir():
        return []
    skipped = set(skip)
    found = []
    for path in sorted(Path(root).rglob("*.json")):
        relative = path.relative_to(root).as_posix()
        if relative in skipped or not path.is_file() or path.stat().st_size > MAX_MODEL_JSON_BYTES:
            continue
        try:
            with path.open("rb") as f:
                model = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(model, dict) and "weightsManifest" in model:
            found.append(relative)
    return found


# ----------------------------------------------------------------------------------------- fetching

class FetchError(RuntimeError):
    """A download failed; the message names the URL and where it was going."""


def _progress(total: int | None, description: str, enabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is in the host extra; without it there is no bar
        enabled = False
        tqdm = None
    if not enabled:
        return _NoBar()
    import sys
    return _Bar(tqdm(total=total, desc=description, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                     dynamic_ncols=True, leave=True))


class _Bar:
    def __init__(self, bar):
        self.bar = bar

    def update(self, n=1):
        self.bar.update(n)

    def set_total(self, total: int) -> None:
        self.bar.total = total
        self.bar.refresh()

    def close(self):
        self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _NoBar:
    def update(self, n=1):
        pass

    def set_total(self, total: int) -> None:
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _download(url: str, target: Path, timeout: float, bar, destination: Path) -> None:
    """`url` -> `target` (a temp file beside it, then renamed: never a half-written file under its name).
    `destination` is where the file is going, for messages (model.json is staged elsewhere first)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(url, timeout=timeout) as response:
            fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    while chunk := response.read(256 * 1024):
                        out.write(chunk)
                        bar.update(len(chunk))
                mask = os.umask(0o022)
                os.umask(mask)
                os.chmod(tmp_name, 0o666 & ~mask)  # mkstemp makes 0600 files; give the usual mode
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
    except urllib.error.HTTPError as error:
        raise FetchError(f"could not download {url} to {destination}: HTTP {error.code} {error.reason}") from error
    except (OSError, ValueError) as error:  # URLError, timeouts, a full disk
        reason = getattr(error, "reason", None) or error
        raise FetchError(f"could not download {url} to {destination}: {reason} (no internet? copy the "
                         "files there by hand, or use a models directory: --models DIR)") from error


def fetch_variant(variant: Variant, cache_dir: Path, base_url: str = OFFICIAL_MODEL_ROOT, *, timeout: float = 30.0,
                  progress: bool = True, force: bool = False) -> tuple[ModelCheck, bool]:
    """Download a variant's model.json and every shard its manifest names into `cache_dir`.

    Shards are downloaded first and model.json written last, so a model.json in the cache means a
    finished download. Returns (the check of the result, whether anything was downloaded); raises
    FetchError naming the URL and the cache on any failure.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / variant.path
    if not force:
        existing = check_model(target)
        if existing.ok:
            return existing, False
    base = base_url.rstrip("/") + "/"
    json_url = base + urllib.parse.quote(variant.path)
    try:
        staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=_existing_parent(cache_dir)))
    except OSError as error:
        raise FetchError(f"could not download {json_url}: cannot write to the cache {cache_dir}: {error}") from error
    try:
        json_tmp = staging / "model.json"
        with _progress(None, variant.name, progress) as bar:  # the total is known once model.json is in
            _download(json_url, json_tmp, timeout, bar, target)
            try:
                model = json.loads(json_tmp.read_text(encoding="utf-8"))
                groups = model["weightsManifest"]
                shards = [_safe_shard_name(p) for group in groups for p in group["paths"]]
                total = sum(weight_bytes(spec) for group in groups for spec in group["weights"])
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
                raise FetchError(f"{json_url} is not a TF.js model.json ({error}); nothing was written to "
                                 f"{cache_dir}") from error
            bar.set_total(json_tmp.stat().st_size + total)
            for shard in shards:
                shard_target = cache_dir / variant.folder / shard
                _download(base + urllib.parse.quote(f"{variant.folder}/{shard}"), shard_target, timeout, bar,
                          shard_target)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(json_tmp, target)
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
    return check_model(target), True


def _existing_parent(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder
