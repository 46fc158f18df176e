// Multi-pose root candidates: the one loop of PoseNet decoding that Python can't run fast.
//
// posenet's buildPartWithScoreQueue reads every heatmap score (17 x H x W: 4,913 at 257 px, 18,513 at
// 513 px) and, above the threshold, its 3x3 window. In Pyodide each step of such a loop costs what a
// JIT-compiled one costs for many (docs/benchmarks.md); here it is the reference's own
// loop, run where the scores arrive (model-core.js, in the worker or on the page). Python decides
// everything else (pyposenet/decode/multi.py) and checks each root it takes from this list
// (pyposenet/decode/root_hints.py): its score, its place in the order, ties left to the heap.

const PARTS = 17;

/**
 * The local maxima of `scores` (flat HWC, `height` x `width` x 17) not below `threshold`, highest
 * first (equal scores by index), at most `count` of them: {data, found, nan}, `data` one Float32Array
 * (their scores, then their indices: `2 * min(found, count)` long), `found` how many there were in
 * all, `nan` whether a score is NaN. A score is a local maximum when no score of its part in its 3x3
 * window is greater (scoreIsMaximumInLocalWindow, radius 1); one `< threshold` is skipped, so a NaN
 * is kept, as the reference keeps it (and is always a local maximum: Python then leaves the list unused).
 */
export function rootCandidates(scores, height, width, threshold, count) {
  const found = [];
  let nan = false;
  for (let y = 0; y < height; y++) {
    const top = y > 0 ? y - 1 : 0;
    const bottom = y < height - 1 ? y + 1 : y;
    for (let x = 0; x < width; x++) {
      const left = x > 0 ? x - 1 : 0;
      const right = x < width - 1 ? x + 1 : x;
      const cell = (y * width + x) * PARTS;
      for (let part = 0; part < PARTS; part++) {
        const score = scores[cell + part];
        if (score < threshold) continue;
        let maximum = true;
        for (let yy = top; yy <= bottom && maximum; yy++) {
          for (let xx = left, at = (yy * width + left) * PARTS + part; xx <= right; xx++, at += PARTS) {
            if (scores[at] > score) { maximum = false; break; }
          }
        }
        if (maximum) {
          found.push(cell + part);
          if (score !== score) nan = true;
        }
      }
    }
  }
  found.sort((a, b) => (scores[b] - scores[a]) || (a - b));
  const kept = Math.min(found.length, count);
  const out = new Float32Array(2 * kept);
  for (let i = 0; i < kept; i++) {
    out[i] = scores[found[i]];
    out[kept + i] = found[i];
  }
  return { data: out, found: found.length, nan };
}
