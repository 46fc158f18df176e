// Drives Firefox (Debian's firefox-esr, headless) over WebDriver BiDi with puppeteer-core, for
// tests/support/firefox.py: one browser, a list of page visits, one JSON line of what each showed.
//
// stdin: {"firefox": path, "visits": [{"url", "until": "running" | "error", "python": code | null,
//          "timeoutMs"}]}
// stdout: [{"state", "errorTitle", "errorDetails", "python", "requests", "consoleErrors", "pageErrors",
//           "backend", "bootMs", "totalMs"}]
// `python` runs in the page once `until` is reached (top-level await allowed); it returns a JSON string.
// Firefox's fake camera (a test pattern, not a person) stands in for a webcam, allowed without asking.
import puppeteer from 'puppeteer-core';

const FAKE_CAMERA_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
};

async function read(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll the page's status (the CSP has no 'unsafe-eval': no string functions, so no waitForFunction). */
async function waitForState(page, until, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let state = null;
  while (Date.now() < end) {
    state = await page.evaluate(() => document.getElementById('status')?.dataset.state ?? null);
    if (state === until || state === 'error') return state;
    await sleep(200);
  }
  return state;
}

async function visit(browser, { url, until = 'running', python = null, timeoutMs = 120_000 }) {
  const page = await browser.newPage();
  const seen = { requests: [], consoleErrors: [], pageErrors: [] };
  page.on('request', (request) => seen.requests.push(request.url()));
  page.on('console', (message) => { if (message.type() === 'error') seen.consoleErrors.push(message.text()); });
  page.on('pageerror', (error) => seen.pageErrors.push(String(error && error.message || error)));
  const started = Date.now();
  await page.goto(url);
  const state = await waitForState(page, until, timeoutMs);
  const bootMs = Date.now() - started;
  const shown = await page.evaluate(() => ({
    errorTitle: document.getElementById('error-title')?.innerText ?? null,
    errorDetails: document.getElementById('error-details')?.innerText ?? null,
  }));
  let result = null;
  if (python !== null && state === until) {
    result = await page.evaluate(async (code) => {
      const value = await window.pyposenet.pyodide.runPythonAsync(code);
      return typeof value === 'string' ? value : JSON.stringify(String(value));
    }, python);
  }
  // The backend the last model loaded runs on (web/model.js's engine), read through Python.
  shown.backend = state !== 'running' ? null : await page.evaluate(() => window.pyposenet.pyodide.runPython(
    'from pyposenet_js import model as _m\n(_m.engine.backend if _m.engine else None)'));
  await page.close();
  return { state, bootMs, totalMs: Date.now() - started, python: result, ...shown, ...seen };
}

const plan = JSON.parse(await read(process.stdin));
const browser = await puppeteer.launch({
  browser: 'firefox',
  executablePath: plan.firefox,
  headless: true,
  extraPrefsFirefox: FAKE_CAMERA_PREFS,
});
try {
  const results = [];
  for (const each of plan.visits) results.push(await visit(browser, each));
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await browser.close();
}
