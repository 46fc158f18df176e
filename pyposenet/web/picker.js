// The header's example picker: the served sketch, then the bundled examples (?example=<name>).

/** Which sketch this page runs: a bundled example when `?example=` names one, else the served sketch. */
export function chosenSketch(config, params) {
  const example = params.get('example');
  if (!example) return { name: config.sketch.name, url: config.sketch.url };
  if (!(config.examples || []).includes(example)) {
    throw new Error(`no bundled example named "${example}"; examples: ${(config.examples || []).join(', ')}`);
  }
  return { name: example, url: `pyposenet/examples/${encodeURIComponent(example)}` };
}

/** Fill the <select> and navigate to `?example=<name>` (or back to the served sketch) on change. */
export function showPicker(select, config, params) {
  const examples = config.examples || [];
  if (!select || !examples.length) return;
  const current = params.get('example') || '';
  const served = new Option(`sketch: ${config.sketch.name}`, '');
  const group = document.createElement('optgroup');
  group.label = 'examples';
  for (const name of examples) group.append(new Option(name.replace(/\.py$/, ''), name));
  select.replaceChildren(served, group);
  select.value = current;
  select.addEventListener('change', () => {
    const next = new URLSearchParams(location.search);
    if (select.value) next.set('example', select.value); else next.delete('example');
    const query = next.toString();
    location.assign(`${location.pathname}${query ? `?${query}` : ''}`);
  });
  select.closest('label').hidden = false;
}
