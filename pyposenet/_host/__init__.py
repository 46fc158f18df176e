"""Running PoseNet under plain CPython: numpy executes the TF.js graph, Pillow decodes images, PyAV videos.

Never imported in the page (Pyodide has the browser runtime; the browser wheel leaves this package out);
`pyposenet._default_runtime()` imports `pyposenet._host.runtime` lazily, only under CPython. Needs the
`host` extra (numpy, Pillow, PyAV, tqdm, threadpoolctl).

  runtime.py     HostRuntime: the runtime contract (pyposenet/runtime.py); models found through
                 pyposenet.models (models folder, cache, one download)
  graph.py       read a TF.js graph model (model.json + shards) and execute it with numpy
  engines/       what runs the graph: onnxruntime (the onnxruntime extra) when installed, else graph.py
  preprocess.py  padding + bilinear resize + normalisation, exactly as the reference (tfjs) does
  images.py      a path, a PIL image or an HxWx3 uint8 array -> HxWx3 uint8 RGB
  video.py       VideoReader: a video file's frames as RGB arrays; drawn frames back into an mp4 (PyAV)
  draw.py        poses drawn onto an image with Pillow, in the default sketch's look
  detect.py      `pyposenet detect`: image and video files -> ml5-shaped JSON (and drawings)
  kept_model.py  KeptModelRuntime: a HostRuntime keeping its loaded models, silent (detect and batch)
  blas.py        BlasThreads: one BLAS thread during inference (the CLI's detect and the HTTP API)
"""
