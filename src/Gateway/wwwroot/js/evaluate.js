// The Evaluate tab: one adapter version's held-out evaluation (counts, exact match, every example),
// and several versions side by side with their loss curves overlaid.

import { getJson, getJsonFile, path } from './api.js';
import { PALETTE, drawLineChart, lossValue } from './chart.js';
import { byTestId, h, setOptions } from './dom.js';
import { FormErrors, whileBusy } from './forms.js';
import { formatDuration, formatNumber, formatRate } from './format.js';

// The four adherence classes in the order they are shown; the file may spell them
// "earlyStop" or "early_stop" (the CLI's snake_case report), so they are matched loosely.
const CLASSES = [
  { key: 'adherent', label: 'Adherent', rate: 'adherenceRate' },
  { key: 'earlyStop', label: 'Early stop', rate: 'earlyStopRate' },
  { key: 'runOn', label: 'Run-on', rate: 'runOnRate' },
  { key: 'malformed', label: 'Malformed', rate: 'malformedRate' },
];

let panel;
let errors;
let versions = []; // [{ name, version }]
const manifests = new Map(); // "name:v" → Promise<manifest>

export function init(root) {
  panel = root;
  errors = new FormErrors({ box: byTestId('form-error-evaluate', panel) });
  byTestId('eval-adapter', panel).addEventListener('change', showSelected);
  byTestId('eval-refresh', panel).addEventListener('click', () => load());
  byTestId('eval-compare-form', panel).addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(byTestId('eval-compare-run', panel), compare);
  });
}

export function onShow() {
  load();
}

/** GET /api/train/adapters, then each adapter's versions: every name:version there is. */
async function load() {
  errors.clear();
  manifests.clear();
  try {
    const answer = await getJson('/api/train/adapters');
    const adapters = answer?.adapters ?? [];
    const lists = await Promise.all(adapters.map(async (latest) => {
      const detail = await getJson(path`/api/train/adapters/${latest.name}`);
      return (detail?.versions ?? [latest.version]).map((version) => ({ name: latest.name, version }));
    }));
    versions = lists.flat().sort((a, b) => a.name.localeCompare(b.name) || b.version - a.version);
  } catch (error) {
    errors.show(error);
    return;
  }
  const select = byTestId('eval-adapter', panel);
  setOptions(select, versions.length > 0
    ? versions.map((v) => ({ value: `${v.name}:${v.version}`, label: `${v.name} v${v.version}` }))
    : [{ value: '', label: '— no adapter yet: train one on the Train tab —' }]);
  renderComparePicker();
  showSelected();
}

function manifest(name, version) {
  const key = `${name}:${version}`;
  if (!manifests.has(key)) {
    const pending = getJson(path`/api/train/adapters/${name}/versions/${version}`);
    // A failed read is not cached: the next look tries again.
    pending.catch(() => manifests.delete(key));
    manifests.set(key, pending);
  }
  return manifests.get(key);
}

/** A JSON file of a version, or null when the version has no such file. */
async function versionFile(m, file) {
  if (!(m.files ?? []).some((f) => f.name === file)) {
    return null;
  }
  return getJsonFile(path`/api/train/adapters/${m.name}/versions/${m.version}/files/${file}`);
}

async function showSelected() {
  const value = byTestId('eval-adapter', panel).value;
  const summary = byTestId('eval-summary', panel);
  const examples = byTestId('eval-examples', panel);
  if (!value) {
    summary.replaceChildren();
    examples.replaceChildren();
    return;
  }
  const [name, version] = value.split(':');
  summary.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  examples.replaceChildren();
  try {
    const m = await manifest(name, Number(version));
    renderSummary(summary, m);
    const report = await versionFile(m, 'evaluation.json');
    renderExamples(examples, report?.examples ?? null);
  } catch (error) {
    summary.replaceChildren();
    errors.show(error);
  }
}

function renderSummary(container, m) {
  const evaluation = m.evaluation;
  const heading = h('h3', {}, `${m.name} v${m.version}`);
  if (!evaluation) {
    container.replaceChildren(heading, h('p', {},
      'This version has no held-out evaluation (it was trained before evaluations were recorded, or had no held-out records).'));
    return;
  }
  const count = evaluation.count ?? 0;
  const counts = CLASSES.map((c) => ({ ...c, count: evaluation[c.key] ?? 0, share: evaluation[c.rate] ?? (count ? (evaluation[c.key] ?? 0) / count : 0) }));
  container.replaceChildren(
    heading,
    h('p', {}, `Held-out evaluation of ${formatNumber(count)} ${count === 1 ? 'example' : 'examples'}:`),
    classBar(counts),
    h('ul', { class: 'class-legend' }, counts.map((c) => h('li', { dataset: { class: c.key } },
      h('span', { class: `swatch class-${c.key}`, 'aria-hidden': 'true' }),
      `${c.label}: ${formatNumber(c.count)} (${formatRate(c.share)})`))),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Exact match'),
      h('dd', {}, evaluation.withExpected
        ? `${formatNumber(evaluation.exactMatches)} of ${formatNumber(evaluation.withExpected)} (${formatRate(evaluation.exactMatchRate ?? evaluation.exactMatches / evaluation.withExpected)})`
        : 'no example had an expected answer'),
      h('dt', {}, 'Average answer length'),
      h('dd', {}, `${formatNumber(evaluation.averageTokens, 3)} tokens, ${formatNumber(evaluation.averageCharacters, 3)} characters`),
      h('dt', {}, 'Eval loss (best)'),
      h('dd', {}, formatNumber(m.metrics?.bestEvalLoss))));
}

/** The four counts as one stacked bar; the list under it says the same in words. */
function classBar(counts) {
  const total = counts.reduce((sum, c) => sum + c.count, 0) || 1;
  return h('div', {
    class: 'class-bar',
    role: 'img',
    'aria-label': counts.map((c) => `${c.label} ${c.count}`).join(', '),
  }, counts.filter((c) => c.count > 0).map((c) => h('span', {
    class: `class-${c.key}`,
    style: `width: ${(100 * c.count) / total}%`,
    title: `${c.label}: ${c.count}`,
  })));
}

/** "early_stop", "EarlyStop" and "earlyStop" all name the same class. */
function classKey(name) {
  const loose = String(name ?? '').replace(/[_\s-]/g, '').toLowerCase();
  return CLASSES.find((c) => c.key.toLowerCase() === loose)?.key ?? loose;
}

function classLabel(name) {
  const key = classKey(name);
  return CLASSES.find((c) => c.key === key)?.label ?? String(name ?? '');
}

function renderExamples(container, examples) {
  if (examples === null) {
    container.replaceChildren(h('p', { class: 'muted' }, 'No evaluation.json for this version.'));
    return;
  }
  container.replaceChildren(h('table', { class: 'examples' },
    h('caption', {}, `Every held-out example (${examples.length})`),
    h('thead', {}, h('tr', {}, ['#', 'Input', 'Expected', 'Generated text', 'Class', 'Finish', 'Tokens', 'Exact']
      .map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, examples.map((e, i) => h('tr', { dataset: { class: classKey(e.class) } },
      h('td', {}, String(i + 1)),
      h('td', {}, Object.entries(e.fields ?? {}).map(([field, value]) =>
        h('div', { class: 'field-value' }, h('span', { class: 'field-name' }, `${field}: `), value))),
      h('td', { class: 'pre' }, e.expected ?? '—'),
      h('td', { class: 'pre generated' }, e.text ?? e.answer ?? ''),
      h('td', {}, h('span', { class: `badge class-${classKey(e.class)}` }, classLabel(e.class))),
      h('td', {}, e.finishReason ?? e.finish_reason ?? ''),
      h('td', {}, formatNumber(e.tokens)),
      h('td', {}, exactText(e.exactMatch ?? e.exact_match)))))));
}

function exactText(value) {
  if (value === true) {
    return 'yes';
  }
  return value === false ? 'no' : '—';
}

function renderComparePicker() {
  const list = byTestId('eval-compare-list', panel);
  if (versions.length === 0) {
    list.replaceChildren(h('p', { class: 'muted' }, 'No adapter versions to compare yet.'));
    return;
  }
  const checked = new Set([...list.querySelectorAll('input:checked')].map((input) => input.value));
  list.replaceChildren(...versions.map((v) => {
    const value = `${v.name}:${v.version}`;
    const id = `eval-pick-${v.name}-${v.version}`;
    return h('div', { class: 'check' },
      h('input', { type: 'checkbox', id, value, checked: checked.has(value), testid: id }),
      h('label', { for: id }, `${v.name} v${v.version}`));
  }));
}

/** The ticked versions side by side: settings, evaluation, losses; and their curves on one chart. */
async function compare() {
  errors.clear();
  const picked = [...byTestId('eval-compare-list', panel).querySelectorAll('input:checked')].map((input) => {
    const [name, version] = input.value.split(':');
    return { name, version: Number(version) };
  });
  if (picked.length === 0) {
    errors.showInBox(['Tick the versions to compare.']);
    return;
  }
  const loaded = await Promise.all(picked.map(async ({ name, version }) => {
    try {
      const m = await manifest(name, version);
      const metrics = await versionFile(m, 'metrics.json').catch(() => null);
      return { name, version, manifest: m, metrics };
    } catch (error) {
      return { name, version, error };
    }
  }));
  for (const failed of loaded.filter((l) => l.error)) {
    errors.showInBox([`${failed.name} v${failed.version}: ${failed.error.message}`]);
  }
  const ok = loaded.filter((l) => !l.error);
  renderCompareTable(ok);
  renderCompareChart(ok);
}

// The rows of the comparison: a label and how to read the value from a version.
const COMPARE_ROWS = [
  ['Learning rate', (m) => formatNumber(m.training?.learningRate)],
  ['Epochs', (m) => formatNumber(m.training?.epochs)],
  ['Rank', (m) => formatNumber(m.lora?.rank)],
  ['Alpha', (m) => formatNumber(m.lora?.alpha)],
  ['Targets', (m) => (m.lora?.targets ?? []).join(', ')],
  ['Max length', (m) => formatNumber(m.training?.maxSequenceLength)],
  ['Adherence rate', (m) => formatRate(m.evaluation?.adherenceRate)],
  ['Early stop', (m) => formatRate(m.evaluation?.earlyStopRate)],
  ['Run-on', (m) => formatRate(m.evaluation?.runOnRate)],
  ['Malformed', (m) => formatRate(m.evaluation?.malformedRate)],
  ['Exact match', (m) => formatRate(m.evaluation?.exactMatchRate)],
  ['Eval loss (best)', (m) => formatNumber(m.metrics?.bestEvalLoss)],
  ['Final loss', (m) => formatNumber(m.metrics?.finalLoss)],
  ['Duration', (m) => formatDuration(m.metrics?.durationSeconds)],
];

function renderCompareTable(loaded) {
  byTestId('eval-compare-table', panel).replaceChildren(
    h('caption', { class: 'visually-hidden' }, 'Adapter versions compared'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Setting'),
      loaded.map((l, i) => h('th', { scope: 'col' },
        h('span', { class: 'swatch', style: `--swatch: ${PALETTE[i % PALETTE.length]}`, 'aria-hidden': 'true' }),
        `${l.name} v${l.version}`)))),
    h('tbody', {}, COMPARE_ROWS.map(([label, read]) => h('tr', {},
      h('th', { scope: 'row' }, label),
      loaded.map((l) => h('td', {}, read(l.manifest) || '—'))))));
}

function renderCompareChart(loaded) {
  const series = loaded.flatMap((l, i) => {
    const color = PALETTE[i % PALETTE.length];
    const train = (l.metrics?.train_loss ?? []).map((loss, step) => ({ x: step + 1, y: lossValue(loss) }));
    const evals = (l.metrics?.eval_loss ?? []).map((e) => ({ x: e.step, y: lossValue(e.loss) }));
    return [
      { name: `${l.name} v${l.version} loss`, color, points: train },
      { name: `${l.name} v${l.version} eval loss`, color, points: evals, markers: true, dashed: true },
    ];
  });
  drawLineChart(byTestId('eval-compare-chart', panel), series, {
    title: 'Loss curves of the compared versions',
    emptyText: 'None of these versions has a metrics.json with losses.',
  });
}
