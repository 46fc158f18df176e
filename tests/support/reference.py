"""The reference implementation, @tensorflow-models/posenet (a devDependency), for tests and benchmarks only.

The app never serves node_modules; tests and benchmarks that compare against the reference add one
route to their app:

    app = create_app(config)
    add_reference_route(app)       # GET /reference/posenet/posenet.min.js, from node_modules
    ... page.evaluate("import('/reference/posenet/posenet.min.js')") or a <script src=REFERENCE_SCRIPT>
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from pyposenet.server.files import send_inside

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_DIST = REPO_ROOT / "node_modules" / "@tensorflow-models" / "posenet" / "dist"
REFERENCE_PREFIX = "/reference/posenet/"
#: The reference's browser bundle (it needs the global `tf`, which the page already has).
REFERENCE_SCRIPT = REFERENCE_PREFIX + "posenet.min.js"


def add_reference_route(app: Flask, dist: Path = REFERENCE_DIST) -> Flask:
    """Register GET /reference/posenet/<path>: the files of @tensorflow-models/posenet's dist/ folder."""

    def reference_posenet(subpath: str):
        return send_inside(dist, subpath)

    app.add_url_rule(REFERENCE_PREFIX + "<path:subpath>", "reference_posenet", reference_posenet, methods=["GET"])
    return app
