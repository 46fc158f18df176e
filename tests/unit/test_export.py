"""`pyposenet export`: what goes into the static folder and what stays out (the page itself runs in
tests/e2e/test_packaging.py, on `python -m http.server`)."""

from __future__ import annotations

import json
import zipfile

import pytest

from pyposenet import cli
from pyposenet.export import MAX_SKETCH_FILES, ExportError, export_sketch, sketch_files
from pyposenet.models import ModelNotFoundError
from pyposenet.server.security import CONTENT_SECURITY_POLICY, meta_policy

DEFAULT_MODEL = "savedmodel/posenet/mobilenet/float/075/model-stride16.json"
HALF_MODEL = "savedmodel/posenet/mobilenet/float/050/model-stride16.json"


@pytest.fixture
def sketch(tmp_path):
    folder = tmp_path / "dance"
    (folder / "data" / "deep").mkdir(parents=True)
    (folder / "dance.py").write_text("def setup():\n    pass\n")
    (folder / "data" / "moves.json").write_text("[]")
    (folder / "data" / "deep" / "a.txt").write_text("a")
    return folder / "dance.py"


def relative(paths, root):
    return sorted(p.relative_to(root).as_posix() for p in paths)


def test_sketch_files_are_the_sketch_and_what_is_beside_it_but_no_hidden_tool_or_reserved_files(sketch):
    folder = sketch.parent
    for hidden in (
        ".env",
        ".git/config",
        "__pycache__/x.pyc",
        "node_modules/p/i.js",
        "env/pyvenv.cfg",
        "env/lib/x.py",
        "index.html",
        "pyposenet/app-config.json",
        "api/pose",
        "out/old.html",
    ):
        (folder / hidden).parent.mkdir(parents=True, exist_ok=True)
        (folder / hidden).write_text("x")
    (folder / "data" / "index.html").write_text("kept: only the top level's index.html is the page's")
    found = sketch_files(sketch, skip=((folder / "out").resolve(),))
    assert relative(found, folder) == ["dance.py", "data/deep/a.txt", "data/index.html", "data/moves.json"]


def test_a_sketch_in_a_crowded_folder_is_refused(tmp_path):
    for n in range(MAX_SKETCH_FILES + 1):
        (tmp_path / f"f{n}.txt").write_text("")
    (tmp_path / "s.py").write_text("")
    with pytest.raises(ExportError, match="folder of their own"):
        sketch_files(tmp_path / "s.py")


def test_an_export_holds_the_page_the_app_the_sketch_and_the_models(sketch, tmp_path, models_dir):
    out = tmp_path / "site"
    report = export_sketch(sketch, out, variants=["mobilenet-float-050-stride16"], models_dir=models_dir, base_url=None)
    page = (out / "index.html").read_text()
    assert (
        f'<meta http-equiv="Content-Security-Policy" content="{meta_policy(CONTENT_SECURITY_POLICY)}">'.replace(
            "'", "&#x27;"
        )
        in page
    )
    assert 'src="pyposenet/web/boot.js"' in page and 'src="/' not in page
    config = json.loads((out / "pyposenet" / "app-config.json").read_text())
    assert config == {
        "sketch": {"name": "dance.py", "url": "dance.py"},
        "wheel": "pyposenet/wheel/pyposenet-0.1.0-py3-none-any.whl",
        "examples": [],
        "static": True,
        "models": [DEFAULT_MODEL, HALF_MODEL],
    }
    for model in (DEFAULT_MODEL, HALF_MODEL):
        spec = json.loads((out / "pyposenet" / "models" / model).read_text())
        folder = (out / "pyposenet" / "models" / model).parent
        for shard in (p for group in spec["weightsManifest"] for p in group["paths"]):
            assert (folder / shard).read_bytes() == (models_dir / model).parent.joinpath(shard).read_bytes()
    with zipfile.ZipFile(out / "pyposenet" / "wheel" / "pyposenet-0.1.0-py3-none-any.whl") as wheel:
        assert "pyposenet/net.py" in wheel.namelist()
    assert (out / "pyposenet" / "web" / "vendor" / "pyodide" / "pyodide.asm.wasm").is_file()
    assert not (out / "pyposenet" / "web" / "index.html").exists()  # the template: the page is out/index.html
    assert (out / "data" / "deep" / "a.txt").read_text() == "a"
    files = [p for p in out.rglob("*") if p.is_file()]
    assert (report.files, report.bytes) == (len(files), sum(p.stat().st_size for p in files))


def test_exporting_again_replaces_an_earlier_export_but_never_another_folder(sketch, tmp_path, models_dir):
    out = tmp_path / "site"
    export_sketch(sketch, out, models_dir=models_dir, base_url=None)
    (out / "stale.txt").write_text("from the last export")
    export_sketch(sketch, out, models_dir=models_dir, base_url=None)
    assert not (out / "stale.txt").exists() and (out / "index.html").is_file()
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_text("precious")
    with pytest.raises(ExportError, match="not empty and not an earlier export"):
        export_sketch(sketch, other, models_dir=models_dir, base_url=None)
    assert (other / "holiday.jpg").read_text() == "precious"
    with pytest.raises(ExportError, match="holds the sketch itself"):
        export_sketch(sketch, sketch.parent.parent, models_dir=models_dir, base_url=None)


def test_an_export_inside_the_sketch_folder_does_not_copy_itself(sketch, models_dir):
    out = sketch.parent / "site"
    export_sketch(sketch, out, models_dir=models_dir, base_url=None)
    export_sketch(sketch, out, models_dir=models_dir, base_url=None)
    assert not (out / "site").exists()


def test_a_model_that_cannot_be_found_is_named(sketch, tmp_path):
    with pytest.raises(ModelNotFoundError, match=DEFAULT_MODEL):
        export_sketch(sketch, tmp_path / "site", models_dir=tmp_path, cache_dir=tmp_path / "cache", base_url=None)
    assert not (tmp_path / "site").exists()


def test_the_export_command(sketch, tmp_path, models_dir, capsys):
    out = tmp_path / "site"
    assert cli.main(["export", str(sketch), "--out", str(out), "--models", str(models_dir)]) == 0
    printed = capsys.readouterr().out
    assert f"to {out}" in printed and "python -m http.server" in printed and DEFAULT_MODEL in printed
    assert (
        cli.main(
            [
                "export",
                str(sketch),
                "--out",
                str(out),
                "--models",
                str(models_dir),
                "--model",
                "mobilenet-float-066-stride16",
            ]
        )
        == 1
    )
    assert "unknown model variant 'mobilenet-float-066-stride16'" in capsys.readouterr().err
