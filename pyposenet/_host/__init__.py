"""Running PoseNet under plain CPython: numpy executes the TF.js graph, Pillow decodes images.

Never imported in the page (Pyodide has the browser runtime); `pyposenet._default_runtime()`
imports `pyposenet._host.runtime` lazily, only under CPython.

  graph.py       read a TF.js graph model (model.json + shards) and execute it with numpy
  preprocess.py  padding + bilinear resize + normalisation, exactly as the reference (tfjs) does
  images.py      a path, a PIL image or an HxWx3 uint8 array -> HxWx3 uint8 RGB
  runtime.py     HostRuntime: the runtime protocol of pyposenet.net, model lookup and download
"""
