"""pyposenet/server/front_end.py: the front-end files copied from node_modules into web/vendor/ (`make setup`)."""

from __future__ import annotations

import filecmp
import json
import re
from pathlib import Path

import pytest

from pyposenet.server import front_end
from pyposenet.server.front_end import FRONT_END_FILES, VERSIONS_FILE, FrontEndError, copy_front_end

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"
LOCK_FILE = REPO_ROOT / "package-lock.json"
WEB_DIR = REPO_ROOT / "pyposenet" / "web"


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def fake_node_modules(tmp_path) -> Path:
    """A tiny node_modules holding every front-end file and each package's package.json (version 1.0.0)."""
    root = tmp_path / "node_modules"
    for name in FRONT_END_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"// {name}\n")
    for package in front_end.packages():
        (root / package / "package.json").write_text(
            json.dumps({"name": package, "version": "1.0.0", "license": "MIT"})
        )
    return root


def test_front_end_files_are_listed_once():
    assert len(FRONT_END_FILES) == len(set(FRONT_END_FILES))
    for name in FRONT_END_FILES:
        assert not name.startswith("/") and ".." not in name.split("/") and "\\" not in name, name


def test_packages_are_the_npm_packages_of_the_files():
    assert front_end.packages() == [
        "pyodide",
        "@tensorflow/tfjs",
        "@tensorflow/tfjs-backend-wasm",
        "@tensorflow/tfjs-backend-webgpu",
        "p5",
        "@mediapipe/pose",
    ]


def test_copy_front_end_copies_exactly_the_listed_files(tmp_path):
    dest = tmp_path / "vendor"
    written = copy_front_end(NODE_MODULES, dest, LOCK_FILE)
    assert sorted(written) == sorted([dest / name for name in FRONT_END_FILES] + [dest / VERSIONS_FILE])
    assert files_under(dest) == sorted([*FRONT_END_FILES, VERSIONS_FILE])
    for name in FRONT_END_FILES:
        assert filecmp.cmp(NODE_MODULES / name, dest / name, shallow=False), name
    assert not (tmp_path / "vendor.part").exists()


def test_versions_json_matches_package_lock(tmp_path):
    dest = tmp_path / "vendor"
    copy_front_end(NODE_MODULES, dest, LOCK_FILE)
    versions = json.loads((dest / VERSIONS_FILE).read_text())
    lock = json.loads(LOCK_FILE.read_text())["packages"]
    assert sorted(versions) == sorted(front_end.packages())
    for package, found in versions.items():
        assert found["version"] == lock[f"node_modules/{package}"]["version"], package
        assert found["license"] == json.loads((NODE_MODULES / package / "package.json").read_text())["license"]


def test_copy_front_end_replaces_what_was_there(fake_node_modules, tmp_path):
    dest = tmp_path / "vendor"
    (dest / "old-package").mkdir(parents=True)
    (dest / "old-package" / "stale.js").write_text("stale")
    copy_front_end(fake_node_modules, dest)
    assert files_under(dest) == sorted([*FRONT_END_FILES, VERSIONS_FILE])


def test_a_missing_file_is_named_and_npm_ci_suggested(fake_node_modules, tmp_path):
    missing = "pyodide/pyodide.asm.wasm"
    (fake_node_modules / missing).unlink()
    dest = tmp_path / "vendor"
    (dest / "kept.js").parent.mkdir(parents=True)
    (dest / "kept.js").write_text("kept")
    with pytest.raises(FrontEndError) as error:
        copy_front_end(fake_node_modules, dest)
    assert missing in str(error.value) and "npm ci" in str(error.value)
    assert files_under(dest) == ["kept.js"]  # nothing replaced on failure


def test_a_version_other_than_the_lock_files_is_refused(fake_node_modules, tmp_path):
    lock = tmp_path / "package-lock.json"
    pinned = {f"node_modules/{p}": {"version": "1.0.0"} for p in front_end.packages()}
    pinned["node_modules/p5"] = {"version": "2.0.0"}
    lock.write_text(json.dumps({"packages": pinned}))
    with pytest.raises(FrontEndError, match=r"p5 1\.0\.0, package-lock\.json pins 2\.0\.0: run `npm ci`"):
        copy_front_end(fake_node_modules, tmp_path / "vendor", lock)
    assert not (tmp_path / "vendor").exists()


def test_main_reports_errors_and_usage(fake_node_modules, tmp_path, capsys):
    assert front_end.main([]) == 2
    assert "usage:" in capsys.readouterr().err
    (fake_node_modules / "p5/lib/p5.min.js").unlink()
    assert front_end.main([str(fake_node_modules), str(tmp_path / "vendor")]) == 1
    err = capsys.readouterr().err
    assert "p5/lib/p5.min.js" in err and "npm ci" in err


def test_main_copies(fake_node_modules, tmp_path, capsys):
    assert front_end.main([str(fake_node_modules), str(tmp_path / "vendor")]) == 0
    assert f"copied {len(FRONT_END_FILES) + 1} front-end files" in capsys.readouterr().out


def test_the_package_web_vendor_folder_is_complete():
    """`make setup` has copied every file (the server, the wheel and exports take them from there)."""
    assert front_end.missing_files(WEB_DIR / "vendor") == []
    assert front_end.missing_files(Path("/nonexistent")) == list(FRONT_END_FILES)


def test_every_front_end_file_the_page_names_is_listed():
    page = (WEB_DIR / "index.html").read_text()
    named = re.findall(r'src="pyposenet/web/vendor/([^"]+)"', page)
    assert named and set(named) <= set(FRONT_END_FILES)
    scripts = "\n".join(p.read_text() for p in WEB_DIR.glob("*.js"))
    for path in re.findall(r"\./vendor/([^'\"`]+)", scripts):
        assert any(name.startswith(path) for name in FRONT_END_FILES), path
