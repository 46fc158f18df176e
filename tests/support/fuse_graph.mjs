// The page's graph rewrite (pyposenet/web/fuse-graph.js: fuseConvolutions) run in node, for the unit tests.
// stdin: a JSON list of requests {"topology": modelTopology, "signature": model.json's signature or null};
// stdout: a JSON list of answers {"topology", "fused", "removed", "inputKept": the request's topology unchanged
// after the call}, or {"error": message}.
// The module is loaded from its source path, given as the first argument.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const { fuseConvolutions, signatureOutputs } = await import(pathToFileURL(process.argv[2]).href);
const requests = JSON.parse(readFileSync(0, 'utf8'));
const answers = requests.map(({ topology, signature }) => {
  const before = JSON.stringify(topology);
  try {
    const answer = fuseConvolutions(topology, signatureOutputs(signature));
    return { ...answer, inputKept: JSON.stringify(topology) === before };
  } catch (err) {
    return { error: String((err && err.message) || err) };
  }
});
process.stdout.write(JSON.stringify(answers));
