// The page's own feedback: the status line and the error panel (errors are shown, not only logged).

const statusEl = () => document.getElementById('status');

/** When each status was first reached, in ms since navigation (cold-start figures for tests and benchmarks). */
export const timeline = {};
window.pyposenetTimeline = timeline;

export function setStatus(text) {
  const el = statusEl();
  if (el.dataset.state === 'error') return; // an error stays visible until the page reloads
  el.dataset.state = text;
  if (!(text in timeline)) timeline[text] = performance.now();
  el.textContent = text === 'running' ? 'running' : `${text}…`;
}

export function showError(title, details = '') {
  const el = statusEl();
  el.dataset.state = 'error';
  el.textContent = 'error';
  document.getElementById('error-title').textContent = String(title);
  document.getElementById('error-details').textContent = String(details || '');
  document.getElementById('error').hidden = false;
  console.error(`${title}\n${details || ''}`);
}

/** Move from `expected` to `text` only if nothing else changed the status meanwhile. */
export function setStatusIfStill(expected, text) {
  if (statusEl().dataset.state === expected) setStatus(text);
}

/**
 * A problem the sketch may recover from (a camera refused, missing, or giving no frames yet): shown
 * above the sketch, which keeps running, until replaced or cleared (`text` null). Not an error state.
 */
export function showNotice(text) {
  let el = document.getElementById('notice');
  if (!el) {
    el = document.createElement('section');
    el.id = 'notice';
    el.setAttribute('role', 'status');
    document.getElementById('sketch').before(el);
  }
  el.hidden = !text;
  el.textContent = text ? String(text) : '';
  if (text) console.warn(String(text));
}
