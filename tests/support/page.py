"""The page's own HTML (pyposenet/web/index.html): the unit tests' tmp web folders copy it, so the page route
renders the real page."""

from tests.conftest import REPO_ROOT

PAGE_HTML = (REPO_ROOT / "pyposenet" / "web" / "index.html").read_text(encoding="utf-8")
