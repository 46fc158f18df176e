"""TensorFlow's side of benchmarks/host_engines.py: a worker run with .venv-convert's Python (TensorFlow 2.19 needs
numpy < 2.2, so it cannot share pyposenet's venv). Not run by hand.

    .venv-convert/bin/python benchmarks/host_engines_tensorflow.py --threads 1|0 \\
        --graph KEY=PATH --outputs a,b,c,d --input batch.npy [--graph ... --outputs ... --input ...]

Each --graph is a TF1 frozen graph (.pb) or a TF.js graph model (model.json: its GraphDef nodes with the Const
values filled in from the weight shards, i.e. the very graph TF.js runs, ops and all), run in a TF1 session with
`threads` intra- and inter-op threads (0: TensorFlow's default, one per core). Commands on stdin, one a line:
`run KEY N` (answers a JSON list of N per-call ms), `outputs KEY FILE.npz` (the outputs, to compare), `quit`.
The first line written is a JSON object of versions, once every graph is loaded and warmed up.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402 - after the environment variable that quiets TensorFlow's start-up

WARMUP = 5


def graph_def_from_model_json(tf, path: Path):
    """The GraphDef in a TF.js model.json, with every Const's value read from the weight shards."""
    from google.protobuf import json_format

    from pyposenet._host.graph import load_graph_model  # numpy only: the shards decoded as the host reads them

    spec = json.loads(path.read_text(encoding="utf-8"))
    topology = {k: v for k, v in spec["modelTopology"].items() if k in ("node", "versions", "library")}
    graph_def = json_format.ParseDict(topology, tf.compat.v1.GraphDef(), ignore_unknown_fields=True)
    consts = load_graph_model(path).consts
    for node in graph_def.node:
        if node.op == "Const":
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(consts[node.name]))
    return graph_def


def load(tf, path: Path, threads: int):
    """A session running the graph in `path`, with `threads` intra- and inter-op threads."""
    graph_def = tf.compat.v1.GraphDef()
    if path.suffix == ".json":
        graph_def = graph_def_from_model_json(tf, path)
    else:
        graph_def.ParseFromString(path.read_bytes())
    graph = tf.Graph()
    with graph.as_default():
        tf.import_graph_def(graph_def, name="")
    config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
    return graph, tf.compat.v1.Session(graph=graph, config=config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, required=True, help="intra/inter-op threads (0: TensorFlow's default)")
    parser.add_argument("--graph", action="append", required=True, metavar="KEY=PATH")
    parser.add_argument("--outputs", action="append", required=True, metavar="A,B,C,D", help="one per --graph")
    parser.add_argument("--input", action="append", required=True, type=Path, help="its [1, H, W, 3] batch (.npy)")
    args = parser.parse_args()
    import tensorflow as tf

    runners = {}
    for entry, outputs, batch_file in zip(args.graph, args.outputs, args.input, strict=True):
        key, _, path = entry.partition("=")
        batch = np.load(batch_file)
        graph, session = load(tf, Path(path), args.threads)
        feed = next(op for op in graph.get_operations() if op.type == "Placeholder").outputs[0]
        fetches = [graph.get_tensor_by_name(f"{name}:0") for name in outputs.split(",")]
        runners[key] = functools.partial(session.run, fetches, {feed: batch})
        for _ in range(WARMUP):
            runners[key]()
    print(json.dumps({"tensorflow": tf.__version__, "numpy": np.__version__}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        if command[0] == "run":
            run, times = runners[command[1]], []
            for _ in range(int(command[2])):
                start = time.perf_counter()
                run()
                times.append((time.perf_counter() - start) * 1000)
            print(json.dumps(times), flush=True)
        elif command[0] == "outputs":
            np.savez(command[2], *runners[command[1]]())
            print("[]", flush=True)
        else:
            raise SystemExit(f"unknown command {line.strip()!r} (run KEY N, outputs KEY FILE, quit)")


if __name__ == "__main__":
    main()
