// Boot: load Python (Pyodide), install pyposenet's wheel from the server, run the sketch.
import * as camera from './camera.js';
import * as model from './model.js';
import * as page from './page.js';
import { chosenSketch, showPicker } from './picker.js';
import { watchSketch } from './reload.js';
import * as sketch from './sketch.js';
import { markStep } from './timeline.js';

async function fetchOk(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${url}: ${(await response.text()).trim() || `HTTP ${response.status}`}`);
  return response;
}

async function boot() {
  page.setStatus('loading Python');
  const pyodideLoading = loadPyodide({ indexURL: new URL('./vendor/pyodide/', import.meta.url).href }); // first
  pyodideLoading.catch(() => {}); // awaited below: its error is shown then
  const config = await (await fetchOk(new URL('../app-config.json', import.meta.url).href)).json();
  const params = new URLSearchParams(location.search); // ?backend=wasm, ?example=follow_nose.py
  model.setExportedModels(config.static ? config.models : null);
  showPicker(document.getElementById('examples'), config, params);
  const chosen = chosenSketch(config, params);
  document.getElementById('sketch-name').textContent = chosen.name;
  const sourceLoading = fetchOk(chosen.url, { cache: 'no-cache' }).then((r) => r.text()); // never a stale copy
  sourceLoading.catch(() => {}); // awaited below, after Python: its error is shown then
  const pyodide = await pyodideLoading;
  markStep('pyodide loaded');
  const problems = [];
  await pyodide.loadPackage(new URL(config.wheel, location.href).href, {
    messageCallback: () => {},
    errorCallback: (message) => problems.push(message),
  });
  markStep('wheel installed');
  pyodide.registerJsModule('pyposenet_js', { camera, model, page, sketch });
  try {
    pyodide.pyimport('pyposenet');
  } catch (err) {
    throw new Error(`pyposenet could not be installed in the page from ${config.wheel}: ${problems.join(' ') || err.message}`);
  }
  markStep('pyposenet imported');
  const source = await sourceLoading;
  if (!config.static) watchSketch(chosen.url, source); // saved again (fixed, say): the page reloads
  const start = pyodide.pyimport('pyposenet._browser.sketch').start_sketch;
  const pageOptions = Object.fromEntries(params);
  const bridge = start(source, chosen.name, document.getElementById('sketch'), pageOptions, chosen.url);
  start.destroy();
  markStep('sketch started'); // its setup() has run
  window.pyposenet = { pyodide, bridge, config }; // for the console and the e2e tests
}

boot().catch((err) => page.showError('pyposenet could not start', err && (err.stack || err.message || err)));
