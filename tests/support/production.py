"""`python -m pyposenet serve --production --port 0` as a real subprocess on 127.0.0.1, for the tests of the
production server (tests/unit/test_production.py) and of POST /api/pose under waitress (test_api_pose.py).

The server picks a free port itself and prints the URL it really listens on, so there is no race between
choosing a port and binding it. Model downloads would go through an unreachable local proxy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MODELS_DIR, REPO_ROOT

STARTUP_TIMEOUT_S = 60
URL_LINE = re.compile(r"serving .* at http://(127\.0\.0\.1):(\d+)/ \(waitress, (\d+) threads\)")


class ProductionServer:
    """`python -m pyposenet serve --production --port 0` in a subprocess; output goes to a log file (never a
    full pipe)."""

    def __init__(self, log_path: Path, cache_dir: Path):
        self.log_path = log_path
        env = dict(
            os.environ,
            PYPOSENET_CACHE=str(cache_dir),
            PYTHONUNBUFFERED="1",
            http_proxy="http://127.0.0.1:9",
            https_proxy="http://127.0.0.1:9",
            no_proxy="",
        )
        cmd = [sys.executable, "-m", "pyposenet", "serve", "--production", "--port", "0", "--models", str(MODELS_DIR)]
        self.log = open(log_path, "wb")  # noqa: SIM115 -- the server writes to it until close(), which closes it
        self.proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self.host, self.port, self.threads = self.wait_for_url()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_url(self) -> tuple[str, int, int]:
        """(host, port, threads) from the line the server prints once it listens."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            match = URL_LINE.search(self.output())
            if match:
                return match[1], int(match[2]), int(match[3])
            if self.proc.poll() is not None:
                pytest.fail(f"pyposenet serve --production exited ({self.proc.returncode}):\n{self.output()}")
            time.sleep(0.05)
        self.close()
        pytest.fail(f"pyposenet serve --production printed no URL in {STARTUP_TIMEOUT_S}s:\n{self.output()}")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
