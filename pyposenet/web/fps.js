// The header's meter: draw() calls per second and, once a net exists, pose results per second; its details
// (the tooltip) say how TF.js runs the network: backend, where, wasm threads, fused graph (model.js engineDetails).

const PERIOD_MS = 500;

/**
 * Update `el` twice a second from two counters; `poseFrames()` returns null while there is no net.
 * `details()`: a line about the network (or null), added to the meter's title and kept in data-engine.
 */
export function startFpsMeter(el, drawFrames, poseFrames, details = () => null) {
  if (!el) return null;
  const read = () => ({ t: performance.now(), draws: drawFrames(), poses: poseFrames() });
  const known = (value) => value !== null && value !== undefined;
  const title = el.title;
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
    const engine = details();
    if (engine && el.dataset.engine !== engine) {
      el.dataset.engine = engine;
      el.title = `${title}\n${engine}`;
    }
    el.hidden = false;
    last = now;
  }, PERIOD_MS);
  return timer;
}
