// The Data tab: the template, the seed examples, synthesis, JSONL upload, and saving the dataset
// as a version in the trainer's dataset store.

import { path, request } from './api.js';
import { byTestId, h, replaceContent } from './dom.js';
import { Dataset, makeRow, parseJsonl } from './dataset.js';
import { DatasetTable, SeedTable, installEditSync } from './dataset-table.js';
import { FormErrors, whileBusy } from './forms.js';
import { formatBytes, formatDate, plural } from './format.js';
import { SAMPLE_SEEDS, on, refreshDatasets, rememberDatasetTemplate, setTemplate, shared } from './state.js';
import { Synthesis } from './synth.js';
import { parseTemplate, sameFields } from './template.js';

// The trainer's rule for names that become storage keys (MeshNames): 1-64 letters, digits, - and _.
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

let panel;
let dataset;
let seedTable;
let datasetTable;
let synthesis;
let saveErrors;
let templateInput;
// The last template that parsed: a half-typed placeholder keeps the columns until it is finished.
let template = parseTemplate(shared.template);

export function init(root) {
  panel = root;
  dataset = new Dataset();
  installEditSync(dataset);
  const box = byTestId('form-error-data', panel);

  templateInput = byTestId('data-template', panel);
  templateInput.value = shared.template;
  templateInput.addEventListener('input', onTemplateInput);

  seedTable = new SeedTable(byTestId('seed-rows', panel), dataset);
  datasetTable = new DatasetTable(byTestId('dataset-rows', panel), dataset, { onChange: showRowCount });
  for (const seed of SAMPLE_SEEDS) {
    dataset.add(makeRow('seed', seed));
  }
  applyFields(template.fields);
  showTemplateSummary();

  byTestId('seed-add', panel).addEventListener('click', () => {
    dataset.add(makeRow('seed'));
    seedTable.focusLast();
  });

  const synthErrors = new FormErrors({
    box,
    fields: {
      template: templateInput,
      seeds: byTestId('error-seeds', panel),
      count: byTestId('synth-count', panel),
      provider: byTestId('synth-provider', panel),
      model: byTestId('synth-provider', panel),
      'sampling.temperature': byTestId('synth-temperature', panel),
    },
    // "seeds[1]" is the second seed: its message goes next to that row.
    resolve: (key) => {
      const match = /^seeds\[(\d+)\]$/i.exec(key);
      return match ? panel.querySelector(`[data-testid="error-seed-${match[1]}"]`) : null;
    },
  });
  synthesis = new Synthesis({ panel, dataset, errors: synthErrors, template: () => ({ text: templateInput.value, parsed: template }) });

  byTestId('dataset-upload', panel).addEventListener('change', onUpload);

  const nameInput = byTestId('dataset-name', panel);
  saveErrors = new FormErrors({
    box,
    fields: { name: nameInput },
    rules: [
      // "line 3: ..." is the third row of the table.
      [/\bline (\d+)\b/i, (match) => {
        const row = dataset.rows[Number(match[1]) - 1];
        return row ? datasetTable.slotFor(row) : null;
      }],
      [/\bname\b/i, nameInput],
    ],
  });
  byTestId('dataset-save-form', panel).addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(byTestId('dataset-save', panel), save);
  });

  on('datasets', renderDatasetList);
}

export function onShow() {
  synthesis.loadProviders();
  refreshDatasets();
}

function onTemplateInput() {
  setTemplate(templateInput.value);
  const parsed = parseTemplate(templateInput.value);
  const slot = byTestId('error-data-template', panel);
  if (parsed.error) {
    slot.textContent = `The template does not parse yet: ${parsed.error}`;
    slot.hidden = false;
    return;
  }
  slot.textContent = '';
  slot.hidden = true;
  const changed = !sameFields(parsed.fields, template.fields);
  template = parsed;
  showTemplateSummary();
  if (changed) {
    applyFields(parsed.fields);
  }
}

function applyFields(fields) {
  seedTable.setFields(fields);
  datasetTable.setFields(fields);
}

function showTemplateSummary() {
  const summary = byTestId('data-fields', panel);
  replaceContent(summary, [
    'Fields: ', h('strong', {}, template.fields.join(', ')),
    `. The model learns to write {${template.completionField}}`,
    template.stop ? [' and to stop at ', h('code', {}, template.stop)] : ' (no end marker: add text after the last placeholder so it learns where to stop)',
    '.',
  ]);
}

function showRowCount() {
  byTestId('dataset-count', panel).textContent = plural(dataset.rows.length, 'row');
}

/** Adds the lines of a JSONL file to the dataset; bad lines are listed by number, the rest kept. */
async function onUpload(event) {
  const input = event.target;
  const report = byTestId('dataset-upload-report', panel);
  const file = input.files?.[0];
  if (!file) {
    return;
  }
  const { rows, problems } = parseJsonl(await file.text(), template.fields);
  for (const row of rows) {
    dataset.add(row);
  }
  replaceContent(report,
    h('p', {}, `${file.name}: added ${plural(rows.length, 'row')}`, problems.length > 0 ? `; ${plural(problems.length, 'line')} skipped:` : '.'),
    problems.length > 0 ? h('ul', { class: 'problems' }, problems.map((p) => h('li', {}, `line ${p.line}: ${p.message}`))) : null);
  // The same file may be chosen again after editing it.
  input.value = '';
}

/** POST /api/train/datasets/{name}/versions with the rows as JSONL. */
async function save() {
  saveErrors.clear();
  const nameInput = byTestId('dataset-name', panel);
  const saved = byTestId('dataset-saved', panel);
  const name = nameInput.value.trim();
  if (!NAME_PATTERN.test(name)) {
    saveErrors.showAt(nameInput, 'Use 1-64 letters, digits, "-" or "_", starting with a letter or digit.');
    return;
  }
  const { text, count, problems } = dataset.toJsonl(template.fields);
  for (const { row, message } of problems) {
    saveErrors.showAt(datasetTable.slotFor(row), message);
  }
  if (problems.length > 0) {
    return;
  }
  if (count === 0) {
    saveErrors.showInBox(['The dataset is empty: add seeds, synthesize or upload examples first.']);
    return;
  }

  saved.textContent = 'saving…';
  try {
    const response = await request(path`/api/train/datasets/${name}/versions`, {
      method: 'POST',
      body: text,
      contentType: 'application/jsonl',
    });
    const version = await response.json();
    rememberDatasetTemplate(version.key, templateInput.value);
    saved.textContent = `saved ${version.name ?? name} v${version.version} (${plural(version.records ?? count, 'record')})`;
    await refreshDatasets();
  } catch (error) {
    saved.textContent = '';
    saveErrors.show(error);
  }
}

function renderDatasetList() {
  const list = byTestId('dataset-list', panel);
  if (shared.datasetsError) {
    list.replaceChildren(h('p', { class: 'muted' }, `Could not list the saved datasets: ${shared.datasetsError}`));
    return;
  }
  if (shared.datasets.length === 0) {
    list.replaceChildren(h('p', { class: 'muted' }, 'No dataset saved yet.'));
    return;
  }
  list.replaceChildren(h('ul', { class: 'dataset-versions' }, shared.datasets.map((d) => h('li', {},
    h('strong', {}, d.name), ': ',
    [...(d.versions ?? [])].sort((a, b) => b.version - a.version).map((v, i) => [
      i > 0 ? ', ' : '',
      h('span', { title: v.key }, `v${v.version} (${plural(v.records, 'record')}, ${formatBytes(v.bytes)}, ${formatDate(v.createdAt)})`),
    ])))));
}
