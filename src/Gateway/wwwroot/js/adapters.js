// The Adapters tab: every adapter, its versions, a version's manifest (what it was trained from and
// how), its files to download, and exports (a merged model, GGUF) to download.

import { downloadFile, getJson, path, sendJson } from './api.js';
import { byTestId, definitionList, h, replaceContent } from './dom.js';
import { FormErrors } from './forms.js';
import { formatBytes, formatDate, formatDuration, formatNumber, formatRate, humanizeKey } from './format.js';

let panel;
let errors;
let selected = { name: null, version: null };

export function init(root) {
  panel = root;
  errors = new FormErrors({ box: byTestId('form-error-adapters', panel) });
  byTestId('adapters-refresh', panel).addEventListener('click', loadAdapters);
  byTestId('adapter-export-merged', panel).addEventListener('click', () => exportVersion('merged', 'merged model'));
  byTestId('adapter-export-gguf', panel).addEventListener('click', () => exportVersion('gguf', 'GGUF file'));
  showExportButtons(false);
}

export function onShow() {
  loadAdapters();
}

/** GET /api/train/adapters: each adapter's newest manifest. */
async function loadAdapters() {
  errors.clear();
  const list = byTestId('adapters-list', panel);
  let adapters;
  try {
    adapters = (await getJson('/api/train/adapters'))?.adapters ?? [];
  } catch (error) {
    errors.show(error);
    return;
  }
  if (adapters.length === 0) {
    list.replaceChildren(h('p', { class: 'muted' }, 'No adapter yet: train one on the Train tab.'));
    return;
  }
  list.replaceChildren(h('ul', { class: 'picker' }, [...adapters]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((latest) => h('li', {},
      h('button', {
        type: 'button',
        'aria-pressed': String(latest.name === selected.name),
        dataset: { name: latest.name },
        on: { click: () => selectAdapter(latest.name) },
      }, h('strong', {}, latest.name), ` v${latest.version} · ${latest.baseModel} · ${formatDate(latest.createdAt)}`)))));
  if (selected.name && adapters.some((a) => a.name === selected.name)) {
    selectAdapter(selected.name, selected.version);
  }
}

/** GET /api/train/adapters/{name}: { latest, versions: [1, 2, ...] }. */
async function selectAdapter(name, version = null) {
  errors.clear();
  markPressed(byTestId('adapters-list', panel), 'name', name);
  const container = byTestId('adapter-versions', panel);
  let answer;
  try {
    answer = await getJson(path`/api/train/adapters/${name}`);
  } catch (error) {
    errors.show(error);
    return;
  }
  const versions = [...(answer?.versions ?? [])].sort((a, b) => b - a);
  container.replaceChildren(
    h('h3', {}, `${name}: versions`),
    h('ul', { class: 'picker' }, versions.map((v) => h('li', {},
      h('button', {
        type: 'button',
        'aria-pressed': 'false',
        dataset: { version: v },
        on: { click: () => selectVersion(name, v) },
      }, `v${v}${v === answer.latest?.version ? ' (latest)' : ''}`)))));
  selectVersion(name, version ?? answer.latest?.version ?? versions[0]);
}

/** GET /api/train/adapters/{name}/versions/{v}: the manifest. */
async function selectVersion(name, version) {
  errors.clear();
  selected = { name, version };
  markPressed(byTestId('adapter-versions', panel), 'version', String(version));
  byTestId('adapter-export-result', panel).replaceChildren();
  const details = byTestId('adapter-details', panel);
  try {
    const manifest = await getJson(path`/api/train/adapters/${name}/versions/${version}`);
    renderManifest(details, manifest);
    showExportButtons(true);
  } catch (error) {
    details.replaceChildren();
    showExportButtons(false);
    errors.show(error);
  }
}

function markPressed(container, key, value) {
  for (const button of container.querySelectorAll(`button[data-${key}]`)) {
    button.setAttribute('aria-pressed', String(button.dataset[key] === value));
  }
}

function showExportButtons(enabled) {
  byTestId('adapter-export-merged', panel).disabled = !enabled;
  byTestId('adapter-export-gguf', panel).disabled = !enabled;
}

function renderManifest(container, m) {
  const lora = m.lora ?? {};
  const training = m.training ?? {};
  const metrics = m.metrics ?? {};
  const evaluation = m.evaluation;
  replaceContent(container,
    h('h3', {}, `${m.name} v${m.version}`),
    definitionList([
      ['Base model', `${m.baseModel}${m.baseModelRevision ? ` @ ${m.baseModelRevision}` : ''}`],
      ['Created', formatDate(m.createdAt)],
      ['Job', m.jobId],
      ['Compute', m.compute ? `${m.compute.gemm} products, ${m.compute.weights} weights (${m.compute.reason})` : null],
    ]),
    h('h4', {}, 'LoRA'),
    definitionList([
      ['Rank', formatNumber(lora.rank)],
      ['Alpha', formatNumber(lora.alpha)],
      ['Dropout', formatNumber(lora.dropout)],
      ['Targets', (lora.targets ?? []).join(', ')],
      ['Layers', lora.layersToTransform ? lora.layersToTransform.join(', ') : 'all'],
    ]),
    h('h4', {}, 'Training'),
    definitionList(Object.entries(training).map(([key, value]) => [humanizeKey(key), typeof value === 'number' ? formatNumber(value) : String(value)])),
    h('h4', {}, 'Metrics'),
    definitionList([
      ['First loss', formatNumber(metrics.firstLoss)],
      ['Final loss', formatNumber(metrics.finalLoss)],
      ['Best eval loss', formatNumber(metrics.bestEvalLoss)],
      ['Steps', formatNumber(metrics.steps)],
      ['Examples', `${formatNumber(metrics.trainExamples)} train, ${formatNumber(metrics.evalExamples)} held out`],
      ['Duration', formatDuration(metrics.durationSeconds)],
    ]),
    h('h4', {}, 'Held-out evaluation'),
    evaluation
      ? definitionList([
        ['Examples', formatNumber(evaluation.count)],
        ['Adherent', `${formatNumber(evaluation.adherent)} (${formatRate(evaluation.adherenceRate)})`],
        ['Early stop', `${formatNumber(evaluation.earlyStop)} (${formatRate(evaluation.earlyStopRate)})`],
        ['Run-on', `${formatNumber(evaluation.runOn)} (${formatRate(evaluation.runOnRate)})`],
        ['Malformed', `${formatNumber(evaluation.malformed)} (${formatRate(evaluation.malformedRate)})`],
        ['Exact match', evaluation.withExpected ? `${formatNumber(evaluation.exactMatches)} of ${formatNumber(evaluation.withExpected)} (${formatRate(evaluation.exactMatchRate)})` : '—'],
      ])
      : h('p', { class: 'muted' }, 'None recorded for this version.'),
    m.template ? [h('h4', {}, 'Template'), h('pre', { class: 'template' }, m.template)] : null,
    h('h4', {}, 'Files'),
    filesTable(m));
}

function filesTable(m) {
  return h('table', { class: 'files' },
    h('caption', { class: 'visually-hidden' }, `Files of ${m.name} v${m.version}`),
    h('thead', {}, h('tr', {}, ['File', 'Size', 'SHA-256', ''].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, (m.files ?? []).map((file) => h('tr', {},
      h('td', {}, file.name),
      h('td', {}, formatBytes(file.size)),
      h('td', {}, h('code', { class: 'hash' }, file.sha256)),
      h('td', {}, h('button', {
        type: 'button',
        class: 'small',
        testid: `adapter-download-${file.name}`,
        on: { click: (event) => download(event.currentTarget, path`/api/train/adapters/${m.name}/versions/${m.version}/files/${file.name}`, file.name) },
      }, 'Download', h('span', { class: 'visually-hidden' }, ` ${file.name}`)))))));
}

/** Fetches with the API key and saves the file; the button says what is happening meanwhile. */
async function download(button, url, fileName) {
  errors.clear();
  const label = button.firstChild.textContent;
  button.disabled = true;
  button.firstChild.textContent = 'Downloading…';
  try {
    await downloadFile(url, fileName);
  } catch (error) {
    errors.show(error);
  } finally {
    button.disabled = false;
    button.firstChild.textContent = label;
  }
}

/** POST .../exports {format}: the server builds the file (a while for a merged model), then it can be downloaded. */
async function exportVersion(format, what) {
  const { name, version } = selected;
  if (!name) {
    return;
  }
  errors.clear();
  const result = byTestId('adapter-export-result', panel);
  showExportButtons(false);
  result.replaceChildren(h('p', {}, `exporting the ${what} of ${name} v${version}… (this can take a few minutes)`));
  try {
    const answer = await sendJson('POST', path`/api/train/adapters/${name}/versions/${version}/exports`, { format });
    if (selected.name !== name || selected.version !== version) {
      return; // another version was chosen meanwhile
    }
    const fileName = answer.file ?? `${name}-v${version}.${format}`;
    result.replaceChildren(
      h('p', {}, `Exported ${answer.format ?? format}: `, h('strong', {}, fileName), ` (${formatBytes(answer.bytes)}), SHA-256 `,
        h('code', { class: 'hash' }, answer.sha256 ?? '—')),
      h('button', {
        type: 'button',
        testid: 'adapter-export-download',
        on: { click: (event) => download(event.currentTarget, answer.url, fileName) },
      }, 'Download', h('span', { class: 'visually-hidden' }, ` ${fileName}`)));
  } catch (error) {
    result.replaceChildren();
    errors.show(error);
  } finally {
    showExportButtons(true);
  }
}
