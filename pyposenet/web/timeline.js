// The cold start's steps (docs/architecture.md, "Boot order"): when each was first reached, in ms since the
// page's navigation started, in page.js's timeline (window.pyposenetTimeline, read by tests and benchmarks)
// and as performance marks "pyposenet: <step>" (the browser's performance panel shows them).

import { timeline } from './page.js';

/** Note that `step` was reached `at` (default: now); the first time counts. */
export function markStep(step, at = performance.now()) {
  if (step in timeline) return;
  timeline[step] = at;
  try { performance.mark(`pyposenet: ${step}`, { startTime: at }); } catch { /* a negative or odd time: the timeline has it */ }
}

/** Steps timed in a worker (`[[step, epochMs], ...]`, epochMs: its performance.timeOrigin + now()), on the page's clock. */
export function markWorkerSteps(steps, prefix = 'worker: ') {
  for (const [step, epochMs] of steps) markStep(`${prefix}${step}`, epochMs - performance.timeOrigin);
}
