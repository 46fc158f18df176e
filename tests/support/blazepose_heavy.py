"""BlazePose's heavy landmark model served from node_modules in front of a test app, for measurements only (the app
does not ship it: docs/bodypose.md), so nothing is copied into the checkout. Used by benchmarks/bodypose_*.py."""

from __future__ import annotations

from pathlib import Path

HEAVY = Path(__file__).resolve().parents[2] / "node_modules" / "@mediapipe" / "pose" / "pose_landmark_heavy.tflite"


def heavy_from_node_modules(app):
    """WSGI middleware: the heavy landmark model from node_modules, for this measurement only."""

    def middleware(environ, start_response):
        if environ.get("PATH_INFO", "").endswith("/@mediapipe/pose/" + HEAVY.name) and HEAVY.exists():
            data = HEAVY.read_bytes()
            headers = [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(data)))]
            start_response("200 OK", headers)
            return [b"" if environ["REQUEST_METHOD"] == "HEAD" else data]
        return app(environ, start_response)

    return middleware
