// p5 instance mode driven by a Python sketch (pyposenet/_browser/sketch.py holds the logic).

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

/** Create the p5 instance; `bridge` is the Python side (load / call). */
export function createP5(bridge, container) {
  return new p5((p) => {
    const names = p5Names(p);
    const handlers = bridge.load(p, names.functions, names.values);
    for (const name of handlers) {
      p[name] = (...args) => bridge.call(name, ...args);
    }
  }, container);
}
