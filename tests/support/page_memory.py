"""Reading a running page's memory: what benchmarks/perf.py and the soak (tests/support/soak.py, run by
tests/e2e/test_soak.py and benchmarks/soak.py) measure, written once.

`install(page)` puts `window.pyposenetMeasure` on a page that runs a sketch (after `window.pyposenet`
exists):

* `memory()` (async): `tf.memory().numTensors` on the page and in the model worker, the page's JS heap as
  `performance.memory` reports it (precise only with Chromium's `--enable-precise-memory-info`), live
  PyProxies, the JavaScript objects Python holds (`_module._hiwire_num_refs()`) and the size of Pyodide's
  wasm memory (`_module.HEAP8.length`);
* `traceProxies()`: turn on Pyodide's PyProxy allocation tracer and forget what it saw so far.
  Pyodide 0.29 keeps no count of PyProxies; with the tracer on, every PyProxy created goes into
  `_module.pyproxy_alloc_map` and leaves it when destroyed, so the map's size is "PyProxies created
  since and not destroyed". The map holds them, so a proxy left to the garbage collector shows as growth;
* `proxyOrigins()`: where the PyProxies in the map were made (the first line of each stack outside Pyodide).

Only numbers cross from Python to JavaScript here: measuring makes no proxy of its own.

`heap_after_gc(page)` is the exact JS heap and ArrayBuffer memory: full garbage collections through the
DevTools protocol, then `Runtime.getHeapUsage` (needs no browser flag).
"""

from __future__ import annotations

INSTALL_JS = """async () => {
    if (window.pyposenetMeasure) return true;
    const py = window.pyposenet.pyodide;
    const model = await import('/pyposenet/web/model.js');
    window.pyposenetMeasure = {
        async memory() {
            const m = model.memory ? await model.memory() : { main: tf.memory(), worker: null };
            const map = py._module.pyproxy_alloc_map;
            return {
                tensorsPage: m.main.numTensors, tensorsWorker: m.worker ? m.worker.numTensors : null,
                workerTensorBytes: m.worker ? m.worker.numBytes : null,
                jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
                pyproxies: map ? map.size : null,
                hiwireRefs: py._module._hiwire_num_refs ? py._module._hiwire_num_refs() : null,
                wasmBytes: py._module.HEAP8 ? py._module.HEAP8.length : null,
            };
        },
        traceProxies() {
            py._module.enable_pyproxy_allocation_tracing();
            py._module.pyproxy_alloc_map.clear();
        },
        proxyOrigins() {
            const origins = {};
            for (const stack of py._module.pyproxy_alloc_map.values()) {
                const line = String(stack).split('\\n').slice(2)
                    .find((l) => !/pyodide\\.asm|pyproxy|<anonymous>/.test(l)) || '?';
                origins[line.trim()] = (origins[line.trim()] || 0) + 1;
            }
            return origins;
        },
    };
    return true;
}"""


def install(page) -> None:
    """Put window.pyposenetMeasure on `page` (once)."""
    page.evaluate(INSTALL_JS)


def heap_after_gc(page, collections: int = 2) -> tuple[int, int]:
    """(JS heap, ArrayBuffer memory) of the page in bytes right after full garbage collections.

    The heap is V8's used size; ArrayBuffers' contents (typed arrays) are outside it, in
    `backingStorageSize` (wasm memories are in neither: measure them by their own size).
    """
    session = page.context.new_cdp_session(page)
    try:
        for _ in range(collections):
            session.send("HeapProfiler.collectGarbage")
        usage = session.send("Runtime.getHeapUsage")
        return int(usage["usedSize"]), int(usage.get("backingStorageSize", 0))
    finally:
        session.detach()
