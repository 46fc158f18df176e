// Boot: load Python (Pyodide), install pyposenet's wheel from the server, run the sketch.
import * as model from './model.js';
import * as page from './page.js';
import * as sketch from './sketch.js';

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${(await response.text()).trim() || `HTTP ${response.status}`}`);
  return response;
}

async function boot() {
  page.setStatus('loading Python');
  const config = await (await fetchOk('/app-config.json')).json();
  document.getElementById('sketch-name').textContent = config.sketch.name;
  const pyodide = await loadPyodide({ indexURL: new URL('/vendor/pyodide/', location.href).href });
  const problems = [];
  await pyodide.loadPackage(new URL(config.wheel, location.href).href, {
    messageCallback: () => {},
    errorCallback: (message) => problems.push(message),
  });
  pyodide.registerJsModule('pyposenet_js', { model, page, sketch });
  try {
    pyodide.pyimport('pyposenet');
  } catch (err) {
    throw new Error(`pyposenet could not be installed in the page from ${config.wheel}: ${problems.join(' ') || err.message}`);
  }
  const source = await (await fetchOk(config.sketch.url)).text();
  const start = pyodide.pyimport('pyposenet._browser.sketch').start_sketch;
  const pageOptions = Object.fromEntries(new URLSearchParams(location.search)); // e.g. ?backend=wasm
  const bridge = start(source, config.sketch.name, document.getElementById('sketch'), pageOptions);
  start.destroy();
  window.pyposenet = { pyodide, bridge, config }; // for the console and the e2e tests
}

boot().catch((err) => page.showError('pyposenet could not start', err && (err.stack || err.message || err)));
