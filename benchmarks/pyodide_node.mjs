// What the Pyodide benchmarks run in node share (benchmarks/decode_pyodide.mjs, benchmarks/classify_knn.mjs):
// their command-line arguments and a Pyodide (node_modules/pyodide, the page's version) with this checkout's
// pyposenet/ package in its file system, importable.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const require = createRequire(join(REPO, 'package.json'));
const HOME = '/home/pyodide';

/** A wrong command line: main prints its message alone, without a stack. */
export class UsageError extends Error {}

/** --runs N --block N --shared DIR --json FILE, over `defaults` ({runs, block}). */
export function parseArgs(argv, defaults) {
  const args = { ...defaults, shared: process.env.PYPOSENET_SHARED || join(REPO, '..', 'shared'), json: null };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || i + 1 >= argv.length) {
      throw new UsageError(`unknown or incomplete argument ${argv[i]}; allowed: --runs N --block N --shared DIR --json FILE`);
    }
    args[key] = ['runs', 'block'].includes(key) ? Number(argv[++i]) : argv[++i];
  }
  for (const key of ['runs', 'block']) {
    if (!(Number.isInteger(args[key]) && args[key] > 0)) throw new UsageError(`--${key} ${args[key]}: a positive integer is needed`);
  }
  return args;
}

function pythonFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.') || entry === '__pycache__') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...pythonFiles(path));
    else if (entry.endsWith('.py')) out.push(path);
  }
  return out;
}

/** Pyodide with pyposenet/ (and each of `extraFiles`, checkout paths) under /home/pyodide, on sys.path. */
export async function startPyodide(extraFiles = []) {
  const { loadPyodide } = require('pyodide');
  const pyodide = await loadPyodide({ indexURL: dirname(require.resolve('pyodide/pyodide.js')) });
  for (const path of [...pythonFiles(join(REPO, 'pyposenet')), ...extraFiles.map((file) => join(REPO, file))]) {
    const target = join(HOME, relative(REPO, path));
    pyodide.FS.mkdirTree(dirname(target));
    pyodide.FS.writeFile(target, readFileSync(path));
  }
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(HOME)})`);
  return pyodide;
}
