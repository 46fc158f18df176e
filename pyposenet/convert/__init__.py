"""`pyposenet convert`: make the official PoseNet variants that are missing here from one that is.

Pure Python + numpy, no TensorFlow; every output is a TF.js graph model (model.json + weight shards)
in the official layout (https://storage.googleapis.com/tfjs-models/), loadable by TF.js and by the
numpy runner (pyposenet._host.graph):

* `quantize` (quantize.py): quantBytes 2 / 1 from float weights, as tensorflowjs_converter quantizes
  (per-tensor affine uint16 / uint8 with the zero point nudged onto the grid; or float16);
* `stride` (stride.py): MobileNet output stride 8 (or 32 where the network allows) from the stride-16
  graph, as posenet 1.x built it: strides past the output stride become 1, later depthwise
  convolutions are dilated (atrous). The weights are unchanged.

source.py finds and reads the model to convert, write.py writes one (shards of at most 4 MiB, like the
converter), command.py is the command line. Importing this package imports nothing heavy.
"""
