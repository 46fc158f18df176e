// Live reload: when the sketch file changes on the server's disk, the page reloads itself.

const POLL_MS = 1000;

/** Fetch `url` every second; when its text differs from `text`, call `onChange` (once). */
export function watchSketch(url, text, onChange = () => location.reload()) {
  let stopped = false;
  async function poll() {
    if (stopped) return;
    try {
      const response = await fetch(url, { cache: 'no-store' });
      // a missing file (an editor saving by rename) or a stopped server: try again later
      if (response.ok && (await response.text()) !== text) {
        stopped = true;
        onChange();
        return;
      }
    } catch { /* server restarting */ }
    setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
  return () => { stopped = true; };
}
