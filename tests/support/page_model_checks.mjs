// The page's own model-file checks (pyposenet/web/model-files.js: fetchGraphModel) run in node on folders on
// disk, for the fuzz tests: one JSON request a line on stdin ({"folder", "file"}), one JSON answer a line on
// stdout ({"ok": true, "weights": N} or {"ok": false, "name": error class, "message"}).
// fetch is served from the folder (the checks are under test, not the network); the module is loaded from its
// source path given as the first argument.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const source = process.argv[2];
const { fetchGraphModel } = await import(pathToFileURL(source).href);
const ORIGIN = 'http://page.test/';
let folder = '.';

globalThis.self = { location: { href: ORIGIN } };
globalThis.fetch = async (url) => {
  const relative = decodeURIComponent(new URL(url).pathname).replace(/^\/+/, '');
  try {
    return new Response(await readFile(path.join(folder, relative)), { status: 200 });
  } catch {
    return new Response(`${relative}: not found`, { status: 404, statusText: 'Not Found' });
  }
};

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  folder = request.folder;
  let answer;
  try {
    const artifacts = await fetchGraphModel(ORIGIN + request.file, 10_000);
    answer = { ok: true, weights: artifacts.weightSpecs.length };
  } catch (err) {
    answer = { ok: false, name: err && err.constructor ? err.constructor.name : typeof err, message: String(err && err.message) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
