"""create_app's configuration: defaults, and every folder as an absolute Path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import default_cache_dir, default_models_dir
from ..options import OFFICIAL_MODEL_ROOT
from .api import DEFAULTS as POSE_API_DEFAULTS
from .page import WEB_DIR
from .security import CONTENT_SECURITY_POLICY

PACKAGE_DIR = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = PACKAGE_DIR / "examples"
DEFAULT_SKETCH = "webcam_skeleton.py"
FOLDERS = ("EXAMPLES_DIR", "MODELS_DIR", "MODEL_CACHE_DIR", "SKETCH", "WEB_DIR")


def build_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """`overrides` over the defaults:

    SKETCH           the sketch (default: the bundled webcam skeleton); its folder is served at /
    EXAMPLES_DIR     the bundled examples, served under pyposenet/examples/
    MODELS_DIR       a folder laid out like the official model storage (default: models.default_models_dir())
    MODEL_CACHE_DIR  where downloaded model files are kept (default: models.default_cache_dir())
    MODEL_BASE_URL   where missing model files are downloaded from once (None or "": never)
    WEB_DIR          the page's files (default: the package's web/, front-end files in web/vendor/)
    CONTENT_SECURITY_POLICY, and POST /api/pose's limits (server/api.py DEFAULTS)
    """
    cfg = dict(overrides or {})
    examples = Path(cfg.get("EXAMPLES_DIR") or EXAMPLES_DIR)
    models = cfg.get("MODELS_DIR")
    paths = {
        "EXAMPLES_DIR": examples,
        "MODELS_DIR": Path(models) if models else default_models_dir(),
        "MODEL_CACHE_DIR": Path(cfg.get("MODEL_CACHE_DIR") or default_cache_dir()),
        "SKETCH": Path(cfg.get("SKETCH") or examples / DEFAULT_SKETCH),
        "WEB_DIR": Path(cfg.get("WEB_DIR") or WEB_DIR),
    }
    cfg.update({k: (v.expanduser().absolute() if v is not None else None) for k, v in paths.items()})
    cfg.setdefault("MODEL_BASE_URL", OFFICIAL_MODEL_ROOT)
    cfg.setdefault("MODEL_DOWNLOAD_TIMEOUT", 30.0)
    cfg.setdefault("CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)
    for key, value in POSE_API_DEFAULTS.items():
        cfg.setdefault(key, value)
    return cfg
