"""Model files in one place: the official variants, names, checks, download-once and the lookup order.

The server (GET /models/NAME), the host runtime, the CLI (`pyposenet models list|fetch|verify`),
`convert` and `export` all ask this package. Pure standard library (tqdm draws progress bars when
installed).

- names.py     the one model-name validator (is_model_name) and resolve_inside (no symlinks leading out)
- variants.py  the 27 official variants (VARIANTS, find_variant)
- checks.py    ModelFileError, weight_bytes, model.json / manifest / shard checks, check_model
- download.py  atomic download (temp file + os.replace, mode 0o666 & ~umask), one at a time per file
- store.py     ModelStore: models folder -> cache -> download once into the cache; the default folders
- fetch.py     fetch_variant: a whole variant into the cache (`pyposenet models fetch`)
"""

from __future__ import annotations

from .checks import (
    CONVERTER_SHARD_BYTES,
    ModelCheck,
    ModelFileError,
    check_manifest_against_graph,
    check_model,
    group_bytes,
    parse_model_json,
    shard_problem,
    weight_bytes,
)
from .download import DOWNLOAD_ERRORS, download_once, download_reason, download_to, file_lock
from .fetch import FetchError, fetch_variant
from .names import MAX_NAME, MODEL_SUFFIXES, ModelNameError, check_model_name, is_model_name, resolve_inside
from .store import (
    ModelNotFoundError,
    ModelSource,
    ModelStore,
    checkout_root,
    default_cache_dir,
    default_models_dir,
    other_models,
)
from .variants import OFFICIAL_MODEL_ROOT, VARIANTS, Variant, find_variant, variant_of_path, variant_with

__all__ = [
    # lookup
    "ModelSource",
    "ModelStore",
    "ModelNotFoundError",
    "default_models_dir",
    "default_cache_dir",
    "checkout_root",
    "other_models",
    # names
    "is_model_name",
    "check_model_name",
    "resolve_inside",
    "ModelNameError",
    "MAX_NAME",
    "MODEL_SUFFIXES",
    # variants
    "OFFICIAL_MODEL_ROOT",
    "Variant",
    "VARIANTS",
    "find_variant",
    "variant_of_path",
    "variant_with",
    # checks
    "ModelFileError",
    "ModelCheck",
    "check_model",
    "weight_bytes",
    "parse_model_json",
    "check_manifest_against_graph",
    "group_bytes",
    "shard_problem",
    "CONVERTER_SHARD_BYTES",
    # downloads
    "download_to",
    "download_once",
    "download_reason",
    "file_lock",
    "DOWNLOAD_ERRORS",
    "FetchError",
    "fetch_variant",
]
