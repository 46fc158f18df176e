# pyposenet set-up and tasks. `make run` serves the default sketch; `make test` runs `make lint` (ruff, mypy),
# then every test.
# Both install what is missing (Python venv, npm packages and the front-end files copied from them,
# Debian chromium for tests) and are quick the second time: each step is redone only when its inputs change.
# `make wheel` builds dist/pyposenet-VERSION-py3-none-any.whl: the whole app, front-end files included.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
SKETCH ?=
ARGS   ?=
PYTEST_ARGS ?=
VENDOR := pyposenet/web/vendor
# `pyposenet convert SOURCE` (tensorflowjs) lives in its own venv: TensorFlow 2.19 needs numpy < 2.2 and a
# Python it has wheels for (3.9-3.12); the dev venv pins numpy 2.4.6.
CONVERT_VENV   := .venv-convert
CONVERT_PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || echo $(PYTHON))
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run lint test unit e2e setup chromium firefox clean convert-env wheel

run: setup ## serve SKETCH (default: the webcam skeleton) at http://127.0.0.1:5000
	$(VENV)/bin/pyposenet serve $(SKETCH) $(ARGS)

lint: setup ## ruff (lint, format check) and mypy, configured in pyproject.toml; `make test` runs it first
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: lint chromium firefox convert-env ## lint, then every test: unit (CPython) and e2e (Chromium and Firefox, fake camera)
	$(PY) -m pytest $(PYTEST_ARGS)

unit: setup ## tests/unit only; without .venv-convert the converter tests skip (make convert-env, ~0.9 GB)
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

e2e: setup chromium firefox convert-env
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

.PHONY: bench
bench: setup chromium firefox convert-env ## pyposenet vs @tensorflow-models/posenet in headless Chromium: table, bench-results/perf.{json,png}; then the host engines vs TensorFlow; then Chromium vs Firefox
	$(PY) benchmarks/perf.py $(BENCH_ARGS)
	$(PY) benchmarks/host_engines.py $(BENCH_HOST_ARGS)
	$(PY) benchmarks/browsers.py $(BENCH_BROWSERS_ARGS)

.PHONY: bench-browsers
bench-browsers: setup chromium firefox ## Chromium and Firefox in one run: cold start and poses/s on wasm and webgl (the default sketch)
	$(PY) benchmarks/browsers.py $(BENCH_BROWSERS_ARGS)

.PHONY: bench-bodypose
bench-bodypose: setup chromium ## bodyPose: BlazePose lite/full/heavy beside PoseNet on the shared images (keypoints, ms per frame), one page; overlays in bench-results/bodypose; then each one's cold start
	$(PY) benchmarks/bodypose_accuracy.py --overlays bench-results/bodypose $(BENCH_BODYPOSE_ARGS)
	$(PY) benchmarks/bodypose_cold_start.py $(BENCH_BODYPOSE_COLD_ARGS)

.PHONY: bench-host
bench-host: setup convert-env ## host engines (numpy, onnxruntime) vs TensorFlow 2.19 CPU, same graph
	$(PY) benchmarks/host_engines.py $(BENCH_HOST_ARGS)

.PHONY: bench-decode
bench-decode: node_modules/.installed ## pyposenet's decoders in Pyodide (node) vs posenet 2.2.2's on saved outputs: a table
	node benchmarks/decode_pyodide.mjs $(BENCH_DECODE_ARGS)

.PHONY: bench-batch
bench-batch: setup ## pyposenet batch on Dask: frames/s and CPU per frame, 1 and 2 workers and 2 `dask worker` processes, vs detect
	$(PY) benchmarks/batch_scaling.py $(BENCH_BATCH_ARGS)

.PHONY: bench-classify
bench-classify: setup ## KNNClassifier.classify at 100 and 1,000 examples, then neuralNetwork (train 50 epochs, classify): CPython, then Pyodide (node) beside ml5 on TF.js
	$(PY) benchmarks/classify_knn.py $(BENCH_CLASSIFY_ARGS)
	node benchmarks/classify_knn.mjs $(BENCH_CLASSIFY_ARGS)
	$(PY) benchmarks/classify_nn.py
	node benchmarks/classify_nn.mjs

.PHONY: fuzz
FUZZ_SCALE ?= 25
fuzz: setup ## the fuzz tests (tests/unit/test_fuzz_*.py) with FUZZ_SCALE x their CI examples, a new seed each run
	PYPOSENET_FUZZ_SCALE=$(FUZZ_SCALE) $(PY) -m pytest tests/unit -k fuzz -p no:cacheprovider --hypothesis-show-statistics $(PYTEST_ARGS)

.PHONY: soak
MINUTES ?= 30
soak: setup chromium ## the default sketch for MINUTES on the fake camera: memory every 1000 frames, a verdict
	$(PY) benchmarks/soak.py --minutes $(MINUTES) $(SOAK_ARGS)

setup: $(VENV)/.installed node_modules/.installed $(VENDOR)/versions.json

# The files the page loads, copied from node_modules (pinned by package-lock.json): served from there,
# packed into the wheel, copied into exports. The list: pyposenet/server/front_end.py.
$(VENDOR)/versions.json: $(VENV)/.installed node_modules/.installed pyposenet/server/front_end.py
	$(PY) -m pyposenet.server.front_end node_modules $(VENDOR)

wheel: setup ## dist/pyposenet-VERSION-py3-none-any.whl (from a clean build/: nothing stale gets in)
	rm -rf build dist/pyposenet-*.whl
	$(PY) -m pip wheel -q --disable-pip-version-check --no-deps --no-build-isolation -w dist .
	rm -rf build
	@ls -l dist/pyposenet-*.whl

# BlazePose under CPython, for its tests (pyposenet/bodypose/blazepose_host.py; users: the `blazepose` extra):
# mediapipe without what its metadata names but the legacy Pose solution never imports (jax, jaxlib, sounddevice),
# and OpenCV's headless build in place of opencv-contrib-python, which needs libGL.
BLAZEPOSE_TEST_PACKAGES := mediapipe==0.10.14 absl-py==2.5.1 attrs==26.1.0 opencv-python-headless==5.1.0.95 \
	protobuf==4.25.8

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -e ".[dev]"
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps $(BLAZEPOSE_TEST_PACKAGES)
	touch $@

convert-env: $(CONVERT_VENV)/.installed ## tensorflowjs for `pyposenet convert SOURCE` (~0.9 GB of wheels, 2.9 GB installed)

$(CONVERT_VENV)/.installed: pyproject.toml
	$(CONVERT_PYTHON) -m venv $(CONVERT_VENV)
	$(CONVERT_VENV)/bin/pip install -q --disable-pip-version-check -e ".[convert]"
	touch $@

node_modules/.installed: package.json package-lock.json .npmrc
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium (needed by the browser tests)"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }

# Firefox for tests/e2e/test_firefox.py: Debian's ESR, and Xvfb for its WebGL (headless Firefox has none without
# an X display); npm's puppeteer-core (package.json) drives it.
firefox:
	@{ command -v firefox-esr && command -v Xvfb; } >/dev/null 2>&1 || { \
	  echo "installing Debian firefox-esr and xvfb (needed by the Firefox tests)"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q firefox-esr xvfb; }

clean:
	rm -rf $(VENV) $(CONVERT_VENV) node_modules $(VENDOR) build dist *.egg-info
