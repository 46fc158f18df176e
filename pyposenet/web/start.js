// What starts the moment the page opens, before TF.js, p5 and Pyodide's loader are parsed (index.html lists it
// first): the model worker, where the page address says the network will run there (?backend=wasm, cpu or
// auto, or ?worker=1), told to preload the default model when the address asks for wasm or cpu
// (model-preload.js). It fetches and compiles TF.js, starts the backend and loads the model on another core
// while the page parses its scripts and boot.js loads Python. model.js adopts it (window.pyposenetModelWorker).
// A classic script on purpose: module scripts run only once every classic script has. Boot order:
// docs/architecture.md.
(function () {
  if (location.protocol === 'file:') return; // file-check.js says why
  var here = document.currentScript.src;
  var params = new URLSearchParams(location.search);
  var asked = params.get('worker');
  var choice = asked === null ? null : ['0', 'false', 'no', 'off'].indexOf(asked.toLowerCase()) < 0;
  var backend = params.get('backend');
  if (typeof Worker === 'function' && choice !== false
      && (choice === true || ['wasm', 'cpu', 'auto'].indexOf(backend) >= 0)) {
    try {
      var worker = new Worker(new URL('model-worker.js', here), { type: 'module', name: 'pyposenet-model' });
      worker.onerror = function (event) { // before model.js takes it: kept for it to report
        event.preventDefault();
        worker.startError = event.message || 'could not run model-worker.js';
      };
      worker.postMessage({ id: 0, type: 'preload', search: location.search }); // nothing to do unless wasm/cpu
      window.pyposenetModelWorker = worker;
    } catch (err) { /* model.js starts one when a model needs it, or runs the network on the page */ }
  }
})();
