// p5 instance mode driven by a Python sketch (pyposenet/_browser/sketch.py holds the logic).
import { startFpsMeter } from './fps.js';
import { engineDetails } from './model.js';

/** Every public name a p5 instance offers: functions (bound once in Python) and values (read live). */
function p5Names(p) {
  const functions = new Set();
  const values = new Set();
  for (let o = p; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name.startsWith('_') || name === 'constructor' || functions.has(name) || values.has(name)) continue;
      let value;
      try { value = p[name]; } catch { continue; }
      (typeof value === 'function' ? functions : values).add(name);
    }
  }
  return { functions: [...functions], values: [...values] };
}

/** True for the p5 objects Python wraps (elements, captures, images, graphics): see sketch/wrapping.py. */
export function isP5Object(value) {
  return value instanceof p5.Element || value instanceof p5.Image;
}

/**
 * A JS function calling `proxy` (a Python callable) until `destroy()`, then doing nothing: p5 or the
 * browser may still fire a listener of a disposed sketch (a <video>'s events), which must not throw.
 */
export function guardedCallback(proxy) {
  let target = proxy;
  const fn = (...args) => (target ? target(...args) : undefined);
  fn.destroy = () => {
    if (!target) return;
    const destroyed = target;
    target = null;
    destroyed.destroy();
  };
  fn.isDestroyed = () => target === null;
  return fn;
}

/** Create the p5 instance; `bridge` is the Python side (load, poseFrames). Starts the header's meter (and its details). */
export function createP5(bridge, container) {
  const instance = new p5((p) => {
    const names = p5Names(p);
    const handlers = bridge.load(p, names.functions, names.values); // {draw: fn, ...}, long-lived proxies
    Object.assign(p, handlers);
  }, container);
  startFpsMeter(document.getElementById('fps'), () => instance.frameCount, () => bridge.pose_frames(), () => engineDetails());
  return instance;
}
