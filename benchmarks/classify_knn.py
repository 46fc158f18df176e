"""How long KNNClassifier.classify takes at 100 and 1,000 examples, under CPython; the same workload runs in
Pyodide from benchmarks/classify_knn.mjs (which imports this file). Prints figures; not a test.

    .venv/bin/python benchmarks/classify_knn.py [--runs 30] [--block 20] [--json FILE]
    node benchmarks/classify_knn.mjs [--runs 30] [--block 20] [--json FILE]

Three kinds of examples, 34 numbers each, two labels, k = 3:
  held    two poses held while examples were taken (knn_poses.py's way): frames 0 and 60 of pose_1.json below,
          body-relative, each added n/2 times with a little noise (2 % of the torso). Classified: the two, with
          other noise.
  dance   body-relative features of the 120 frames of ../shared/testdata/video/pose_1.json (one person dancing,
          MoveNet keypoints), frames 0-59 one label and 60-119 the other, each frame added again and again with
          a little noise (2 % of the torso) until there are n, in frame order: a collection session of real
          poses. Classified: the frames again, with other noise.
  random  uniform random vectors: no two alike, the worst case for skipping blocks (pyposenet/classify/nearest.py).
Per kind and size: the median over --runs blocks of --block calls, per call; the machine's load average too
(a 2-core machine shared with other work skews these figures: compare rows of one run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pyposenet.classify import KNNClassifier, pose_features  # noqa: E402 - after sys.path gets the checkout
from pyposenet.parts import PART_NAMES  # noqa: E402 - (as above)

SHARED = Path(os.environ.get("PYPOSENET_SHARED", REPO.parent / "shared"))
DANCE = SHARED / "testdata" / "video" / "pose_1.json"
SIZES = (100, 1000)
KINDS = ("held", "dance", "random")
QUERIES = 50
NOISE = 0.02


def snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def dance_frames(text: str) -> list[list[float]]:
    """Body-relative features of each frame of pose_1.json's text (COCO-17 names, snake_case, in PoseNet's order)."""
    frames = []
    for frame in json.loads(text):
        named = {snake_to_camel(name): point for name, point in frame.items()}
        frames.append(pose_features([{"part": part, **named[part]} for part in PART_NAMES], body_relative=True))
    return frames


def make_workload(kind: str, n: int, frames: list[list[float]] | None, seed: int = 1):
    """(examples [(features, label)], queries) for `kind`."""
    rng = random.Random(seed)
    if kind == "random":
        examples = [([rng.uniform(-1, 1) for _ in range(34)], "AB"[i % 2]) for i in range(n)]
        return examples, [[rng.uniform(-1, 1) for _ in range(34)] for _ in range(QUERIES)]
    assert frames is not None
    if kind == "held":
        frames = [frames[0], frames[len(frames) // 2]]
    half = len(frames) // 2
    per_label = n // 2
    examples = []
    for label, chosen in (("A", frames[:half]), ("B", frames[half:])):
        for i in range(per_label):
            examples.append(([v + rng.gauss(0, NOISE) for v in chosen[i % len(chosen)]], label))
    queries = [[v + rng.gauss(0, NOISE) for v in rng.choice(frames)] for _ in range(QUERIES)]
    return examples, queries


def classifier_of(examples) -> KNNClassifier:
    knn = KNNClassifier()
    for features, label in examples:
        knn.addExample(features, label)
    return knn


def time_classify(knn: KNNClassifier, queries, runs: int, block: int) -> float:
    """Median ms per classify() call over `runs` blocks of `block` calls (queries in turn)."""
    knn.classify(queries[0])  # the blocks' bounds are made on the first call after adding
    per_call = []
    turn = 0
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(block):
            knn.classify(queries[turn % len(queries)])
            turn += 1
        per_call.append((time.perf_counter() - start) * 1000 / block)
    return statistics.median(per_call)


def run(runs: int, block: int, dance_text: str | None) -> list[dict]:
    """One row per (kind, n): the median ms per classify call."""
    frames = dance_frames(dance_text) if dance_text is not None else None
    rows = []
    for kind in KINDS:
        if kind != "random" and frames is None:
            continue
        for n in SIZES:
            examples, queries = make_workload(kind, n, frames)
            knn = classifier_of(examples)
            rows.append({"kind": kind, "examples": n, "ms_per_classify": time_classify(knn, queries, runs, block)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--block", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    dance_text = DANCE.read_text() if DANCE.is_file() else None
    if dance_text is None:
        print(f"skipped the held and dance examples: {DANCE} missing")
    rows = run(args.runs, args.block, dance_text)
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"KNNClassifier.classify under CPython {sys.version.split()[0]}, k = 3, 34 numbers; load average {load}")
    for row in rows:
        print(f"  {row['kind']:7} {row['examples']:5} examples  {row['ms_per_classify']:7.3f} ms per call")
    if args.json:
        args.json.write_text(json.dumps({"python": sys.version, "load_average": os.getloadavg(), "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
