// BlazePose on the page: Google's MediaPipe Pose solution (@mediapipe/pose, served from the app's vendor/ folder),
// loaded the first time a sketch asks for bodyPose("BlazePose") (pyposenet/bodypose/blazepose_page.py adds this
// script then). Only what Python can't do: load the solution, run a frame through it, hand the 33 landmarks and
// 33 world landmarks back as two Float32Arrays. Results' shape, names and flipping are Python's.
//
// Why it runs this way (issue 18's probe, docs/bodypose.md):
// - on the page's main thread: in a Web Worker the solution as shipped fails (it importScripts the .tflite,
//   ignores locateFile for its assets, loses its GL context);
// - `useCpuInference: true`: its GPU path on a software renderer is 5-14x slower;
// - every file through `locateFile`, from this app: nothing is fetched from anywhere else;
// - ONE solution per page, shared by every bodyPose("BlazePose"): its close() frees none of its wasm memory, so a
//   solution per instance would grow the page each time. Instances with other options take turns (setOptions).
(() => {
  'use strict';

  const VENDOR = new URL('vendor/@mediapipe/pose/', document.currentScript.src).href;
  // The element to read and the size keypoints are reported in, as for PoseNet (web/media.js, an ES module).
  const media = import(new URL('media.js', document.currentScript.src).href);
  const COMPLEXITY_FILES = ['pose_landmark_lite.tflite', 'pose_landmark_full.tflite', 'pose_landmark_heavy.tflite'];
  const LANDMARKS = 33;
  const VALUES = 4; // x, y, z, visibility

  let scriptLoaded = null; // Promise: pose.js on the page
  let solution = null; // the one Pose solution of this page
  let started = null; // Promise: solution initialised
  let applied = null; // the options the solution runs with now (JSON)
  let queue = Promise.resolve(); // one frame at a time, whoever asks
  let pending = null; // the current send()'s results, filled by onResults
  const times = []; // ms per send(), the latest 1000 (benchmarks and docs/bodypose.md read them)
  const stats = { sends: 0 }; // every send() since the page loaded (benchmarks/soak_blazepose.py counts frames)

  /** Where the solution finds `file`: always this app's copy of the package (locateFile). */
  function locate(file) {
    return new URL(file, VENDOR).href;
  }

  function loadPoseScript() {
    if (!scriptLoaded) {
      scriptLoaded = new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = locate('pose.js');
        script.onload = () => resolve();
        script.onerror = () => reject(new Error(`BlazePose: ${script.src} did not load (is the app's vendor/ folder complete?)`));
        document.head.appendChild(script);
      });
    }
    return scriptLoaded;
  }

  /** Whether the app serves the landmark model for `complexity` (heavy may be left out of a wheel). */
  async function hasModelFile(complexity) {
    const response = await fetch(locate(COMPLEXITY_FILES[complexity]), { method: 'HEAD' });
    return response.ok;
  }

  async function theSolution() {
    await loadPoseScript();
    if (!solution) {
      solution = new window.Pose({ locateFile: (file) => locate(file) });
      solution.onResults((results) => {
        if (pending) pending.results = results;
      });
    }
    return solution;
  }

  function flatten(landmarks) {
    const out = new Float32Array(LANDMARKS * VALUES);
    if (!landmarks) return out;
    landmarks.forEach((point, i) => {
      out.set([point.x, point.y, point.z, point.visibility ?? 0], i * VALUES);
    });
    return out;
  }

  async function runOne(input, options) {
    const { pixelSource, displaySize } = await media;
    const element = pixelSource(input);
    const pose = await theSolution();
    const wanted = JSON.stringify(options);
    if (applied !== wanted) {
      pose.setOptions({ ...options, useCpuInference: true, selfieMode: false, enableSegmentation: false });
      applied = wanted;
    }
    if (!started) started = pose.initialize();
    await started;
    pending = { results: null };
    const mine = pending;
    const t0 = performance.now();
    await pose.send({ image: element });
    const ms = performance.now() - t0;
    times.push(ms);
    stats.sends += 1;
    if (times.length > 1000) times.shift();
    pending = null;
    const results = mine.results;
    const [displayWidth, displayHeight] = displaySize(input, element);
    if (!results || !results.poseLandmarks) return { found: false, displayWidth, displayHeight, ms };
    return {
      found: true,
      displayWidth,
      displayHeight,
      ms,
      landmarks: flatten(results.poseLandmarks),
      world: flatten(results.poseWorldLandmarks),
    };
  }

  window.pyposenetBlazePose = {
    VENDOR,
    COMPLEXITY_FILES,
    hasModelFile,
    times,
    stats,

    /** Load the solution with `options` ({modelComplexity, smoothLandmarks}) and run it once on a blank
     * canvas, so the first frame a sketch sees does not pay for the graph's start. */
    async load(options) {
      if (!(await hasModelFile(options.modelComplexity))) {
        throw new Error(`missing:${COMPLEXITY_FILES[options.modelComplexity]}`);
      }
      const warmUp = document.createElement('canvas');
      warmUp.width = 64;
      warmUp.height = 64;
      warmUp.getContext('2d').fillRect(0, 0, 64, 64);
      return this.estimate(warmUp, options);
    },

    /** One frame of `element` (video, image, canvas) through the solution: {found, displayWidth, displayHeight, ms,
     * landmarks, world}, landmarks as x, y (0..1 of the source), z, visibility per point. */
    estimate(input, options) {
      const run = queue.then(() => runOne(input, options));
      queue = run.catch(() => {});
      return run;
    },
  };
})();
