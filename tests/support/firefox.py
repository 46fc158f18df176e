"""Firefox for the e2e tests: Debian's firefox-esr, headless, driven over WebDriver BiDi by puppeteer-core
(tests/support/firefox_visits.mjs; Playwright drives only its own patched Firefox, which nothing here installs).

`visit_in_firefox(visits, display)` opens each visit's page in one fresh Firefox and returns what each showed.
Headless Firefox has WebGL only with an X display: `VirtualDisplay()` starts Xvfb for it (WebGL on llvmpipe);
without one, WebGL is missing, as on a server or in CI without a screen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.conftest import REPO_ROOT

FIREFOX = os.environ.get("PYPOSENET_FIREFOX", "/usr/bin/firefox-esr")
DRIVER = REPO_ROOT / "tests" / "support" / "firefox_visits.mjs"
PUPPETEER = REPO_ROOT / "node_modules" / "puppeteer-core" / "package.json"


@dataclass(frozen=True)
class Visit:
    url: str
    until: str = "running"  # the page state to wait for ('error' ends the wait too)
    python: str | None = None  # run in the page once there; returns a JSON string
    timeoutMs: int = 120_000  # noqa: N815 -- the driver's JSON name


def missing() -> list[str]:
    """What the Firefox tests need and this machine lacks (`make firefox` installs it)."""
    needs = {FIREFOX: Path(FIREFOX).is_file(), "Xvfb": shutil.which("Xvfb") is not None}
    needs["node_modules/puppeteer-core (npm ci)"] = PUPPETEER.is_file()
    return [name for name, there in needs.items() if not there]


class VirtualDisplay:
    """An Xvfb X display for the life of the `with` block; `.name` is its DISPLAY (":N")."""

    def __enter__(self) -> VirtualDisplay:
        read, write = os.pipe()
        self._process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write)
        with os.fdopen(read) as numbers:  # Xvfb writes the display number it took once it is ready
            number = numbers.readline().strip()
        if not number:
            self._process.kill()
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"
        return self

    def __exit__(self, *exc) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)


def visit_in_firefox(visits: list[Visit], display: str | None, timeout_s: float = 600) -> list[dict]:
    """Each visit in turn in one headless Firefox with a fresh profile; `display` None: no X display (no WebGL)."""
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    if display is not None:
        env["DISPLAY"] = display
    with tempfile.TemporaryDirectory(prefix="pyposenet-firefox-") as home:
        env["HOME"] = home  # Firefox writes caches under HOME; puppeteer makes the profile in TMPDIR
        plan = {"firefox": FIREFOX, "visits": [asdict(visit) for visit in visits]}
        run = subprocess.run(
            ["node", str(DRIVER)],
            input=json.dumps(plan),
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO_ROOT,
            timeout=timeout_s,
        )
    if run.returncode != 0:
        raise AssertionError(f"Firefox's driver failed ({run.returncode}):\n{run.stderr[-4000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])
