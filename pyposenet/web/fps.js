// The header's meter: draw() calls per second and, once a net exists, pose results per second.

const PERIOD_MS = 500;

/** Update `el` twice a second from two counters; `poseFrames()` returns null while there is no net. */
export function startFpsMeter(el, drawFrames, poseFrames) {
  if (!el) return null;
  const read = () => ({ t: performance.now(), draws: drawFrames(), poses: poseFrames() });
  const known = (value) => value !== null && value !== undefined;
  let last = read();
  const timer = setInterval(() => {
    let now;
    try {
      now = read();
    } catch {  // the sketch was disposed: nothing left to count
      clearInterval(timer);
      el.hidden = true;
      return;
    }
    const seconds = (now.t - last.t) / 1000;
    const fps = Math.max(0, now.draws - last.draws) / seconds;
    let text = `${fps.toFixed(0)} fps`;
    if (known(now.poses) && known(last.poses)) {
      text += ` · ${(Math.max(0, now.poses - last.poses) / seconds).toFixed(1)} poses/s`;
    }
    el.textContent = text;
    el.hidden = false;
    last = now;
  }, PERIOD_MS);
  return timer;
}
