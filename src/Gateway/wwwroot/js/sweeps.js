// The Sweeps tab: a search over training settings whose trials are ordinary training jobs, the
// live leaderboard of one sweep, promoting a trial's adapter version to an alias (and rolling the
// alias back), and the list of sweeps to re-attach to.

import { followUntilFinal, getJson, isAbort, path, sendJson } from './api.js';
import { byTestId, h, setOptions } from './dom.js';
import { FormErrors, readNumber, whileBusy } from './forms.js';
import { formatDate, formatDuration, formatNumber, formatRate, plural } from './format.js';
import { datasetTemplate, on, refreshDatasets, shared } from './state.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
// AdapterReference.IsValidAlias: an alias starts with a letter, and "v3" names a version, not an alias.
const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const VERSION_PATTERN = /^v[0-9]{1,9}$/;
// SweepPlanner draws this many trials when random sampling has no max trials.
const RANDOM_DEFAULT_TRIALS = 8;
const COLUMNS = ['Rank', 'Trial', 'Status', 'Settings', 'Adherence', 'Eval loss', 'Time', 'Adapter', 'Note', 'Promote'];

let panel;
let form;
let aliasInput;
// The sweep form's errors, and promote/roll back's (the alias field, else the same form-level box).
let errors;
let aliasErrors;
let templateEdited = false;
// The sweep on display: its id, the stream following it, its last view, its adapter's name.
let current = null;
// The adapter's aliases as last read: the badges in the table, "(was vN)" after a move.
let aliases = [];
// The row whose Promote is waiting for the server (a second click is ignored meanwhile).
let promoting = null;
// A submission that got no clear answer: 503 (the sweep was stored, not every trial queued) or no
// answer at all. The sweep id is the server's idempotency key, so the same body is sent again with
// the same id and queues only what is missing; a changed body gets a new id.
let retry = null;

export function init(root) {
  panel = root;
  form = {
    adapterName: byTestId('sweep-adapter-name', panel),
    baseModel: byTestId('sweep-base-model', panel),
    dataset: byTestId('sweep-dataset', panel),
    template: byTestId('sweep-template', panel),
    learningRates: byTestId('sweep-lr-values', panel),
    epochs: byTestId('sweep-epochs-values', panel),
    ranks: byTestId('sweep-rank-values', panel),
    sampling: byTestId('sweep-sampling', panel),
    maxTrials: byTestId('sweep-max-trials', panel),
    earlyStopping: byTestId('sweep-early-stopping', panel),
    rank: byTestId('sweep-rank', panel),
    alpha: byTestId('sweep-alpha', panel),
    batchSize: byTestId('sweep-batch-size', panel),
    maxLength: byTestId('sweep-max-length', panel),
    evalFraction: byTestId('sweep-eval-fraction', panel),
    evalMaxTokens: byTestId('sweep-eval-max-tokens', panel),
  };
  aliasInput = byTestId('sweep-alias-name', panel);
  const box = byTestId('form-error-sweeps', panel);
  errors = new FormErrors({ box, fields: fieldNames(), rules: messageRules() });
  aliasErrors = new FormErrors({ box, fields: { alias: aliasInput }, rules: [[/^alias\b/i, aliasInput]] });

  setUpTemplate();
  form.dataset.addEventListener('change', useDatasetTemplate);
  on('datasets', renderDatasetOptions);
  on('info', showDefaultBaseModel);
  byTestId('sweep-dataset-refresh', panel).addEventListener('click', refreshDatasets);

  for (const input of [form.learningRates, form.epochs, form.ranks, form.sampling, form.maxTrials]) {
    input.addEventListener('input', showSpaceSize);
  }
  showSpaceSize();

  byTestId('sweep-form', panel).addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(byTestId('sweep-submit', panel), submit);
  });
  byTestId('sweep-cancel', panel).addEventListener('click', cancel);
  byTestId('sweep-list-refresh', panel).addEventListener('click', loadSweeps);
}

export function onShow() {
  refreshDatasets();
  loadSweeps();
  if (current) {
    loadAliases(current);
  }
}

// --- the form ------------------------------------------------------------------------------

/** The Data tab's template until this one is edited, as on the Train tab. */
function setUpTemplate() {
  form.template.value = shared.template;
  form.template.addEventListener('input', () => {
    templateEdited = true;
  });
  on('template', (text) => {
    if (!templateEdited) {
      form.template.value = text;
    }
  });
  byTestId('sweep-template-reset', panel).addEventListener('click', () => {
    form.template.value = shared.template;
    templateEdited = false;
    byTestId('sweep-template-note', panel).textContent = 'The Data tab\'s template.';
  });
}

function showDefaultBaseModel() {
  const model = shared.trainInfo?.baseModel;
  if (model) {
    form.baseModel.placeholder = model.requested || model.name || '';
  }
}

function renderDatasetOptions() {
  const options = shared.datasets.flatMap((d) => [...(d.versions ?? [])]
    .sort((a, b) => b.version - a.version)
    .map((v) => ({ value: v.key, label: `${d.name} v${v.version} (${formatNumber(v.records)} records)` })));
  const note = shared.datasetsError
    ? `— could not list datasets: ${shared.datasetsError} —`
    : '— no saved dataset: save one on the Data tab —';
  setOptions(form.dataset, options.length > 0 ? options : [{ value: '', label: note }]);
}

/** A dataset saved from this page remembers its template: the trials are scored against it. */
function useDatasetTemplate() {
  const remembered = datasetTemplate(form.dataset.value);
  if (remembered !== null) {
    form.template.value = remembered;
    templateEdited = true;
    byTestId('sweep-template-note', panel).textContent =
      `The template this dataset was saved with (${form.dataset.selectedOptions[0]?.textContent ?? ''}).`;
  }
}

// Server names of the sweep's fields (should an error ever come keyed) → inputs.
function fieldNames() {
  return {
    'job.adapterName': form.adapterName,
    'job.baseModel': form.baseModel,
    'job.dataset.key': form.dataset,
    'job.template': form.template,
    'space.learningRate': form.learningRates,
    'space.epochs': form.epochs,
    'space.rank': form.ranks,
    sampling: form.sampling,
    maxTrials: form.maxTrials,
    earlyStopping: form.earlyStopping,
    'job.lora.rank': form.rank,
    'job.lora.alpha': form.alpha,
    'job.training.batchSize': form.batchSize,
    'job.training.maxSequenceLength': form.maxLength,
    'job.training.evalFraction': form.evalFraction,
    'job.evaluation.maxTokens': form.evalMaxTokens,
  };
}

// The trainer refuses a sweep with sentences (SweepPlanner, SweepSubmission, and the job
// validator's behind "job: " or "trial N ({settings}): "); these find the input each one is about.
// Order matters: the first match wins.
function messageRules() {
  return [
    // The settings in braces name every varied setting: only the sentence after them says which is wrong.
    [/^trial \d+ \(\{.*?\}\): (.*)$/s, (match) => settingTarget(match[1], { trial: true })],
    [/^job: (.*)$/s, (match) => settingTarget(match[1], { trial: false })],
    [/search space is empty/i, null], // names every setting: the form-level box
    [/^space\.learningRate\b/i, form.learningRates],
    [/^space\.epochs\b/i, form.epochs],
    [/^space\.rank\b/i, form.ranks],
    [/^sampling\b/i, form.sampling],
    [/maxTrials|budget|\bcap\b/i, form.maxTrials],
    [/held-out/i, form.evalFraction],
    [/^job\.template\b/i, form.template],
    [/^earlyStopping\b/i, form.earlyStopping],
    [/learningRate/i, form.learningRates],
    [/epochs/i, form.epochs],
    [/\brank\b/i, form.ranks],
  ];
}

/**
 * The input a job validator sentence is about (its wording as on the Train tab). A trial's LoRA
 * rank comes from the ranks list when ranks vary; the base job's is the Rank field.
 */
function settingTarget(sentence, { trial }) {
  const rules = [
    [/^epochs, batch size/i, null], // names several settings at once: the form-level box
    [/learning rate/i, form.learningRates],
    [/LoRA rank|^rank\b/i, trial && form.ranks.value.trim() ? form.ranks : form.rank],
    [/LoRA alpha|^alpha\b/i, form.alpha],
    [/^epochs\b/i, form.epochs],
    [/batch size/i, form.batchSize],
    [/sequence length/i, form.maxLength],
    [/evalFraction|held-out/i, form.evalFraction],
    [/^evaluation|max ?tokens/i, form.evalMaxTokens],
    [/^template\b/i, form.template],
    [/^adapterName\b|adapter name/i, form.adapterName],
    [/^dataset\b/i, form.dataset],
    [/base model/i, form.baseModel],
  ];
  return rules.find(([pattern]) => pattern.test(sentence))?.[1] ?? null;
}

/**
 * A comma-separated list of positive numbers, read without showing anything: its values, and a
 * sentence for each piece that is wrong (each named, so a typo in a long list is easy to find).
 */
function parseValues(text, { integer = false } = {}) {
  const values = [];
  const problems = [];
  for (const piece of text.split(/[\s,;]+/).filter(Boolean)) {
    const value = Number(piece);
    if (!Number.isFinite(value)) {
      problems.push(`"${piece}" is not a number.`);
    } else if (integer && !Number.isInteger(value)) {
      problems.push(`"${piece}" is not a whole number.`);
    } else if (value <= 0) {
      problems.push(`"${piece}" must be above 0.`);
    } else if (values.includes(value)) {
      problems.push(`${piece} is listed twice.`);
    } else {
      values.push(value);
    }
  }
  return { values, problems };
}

/** The list's values ([] when empty), or null after showing its problems next to it. */
function readValues(input, { integer = false } = {}) {
  const { values, problems } = parseValues(input.value, { integer });
  if (problems.length > 0) {
    errors.showAt(input, problems.join(' '));
    return null;
  }
  return values;
}

/** The lists that vary a setting, as the server's SweepSpace names them. */
function spaceLists() {
  return [
    ['learningRate', form.learningRates, false],
    ['epochs', form.epochs, true],
    ['rank', form.ranks, true],
  ];
}

/** "Grid: 3 × 2 = 6 trials." under the lists, so the cost of a sweep is seen before it is started. */
function showSpaceSize() {
  const note = byTestId('sweep-space-size', panel);
  const parsed = spaceLists().map(([, input, integer]) => parseValues(input.value, { integer }));
  if (parsed.some((list) => list.problems.length > 0)) {
    note.textContent = '';
    return;
  }
  const counts = parsed.map((list) => list.values.length).filter((count) => count > 0);
  if (counts.length === 0) {
    note.textContent = 'Nothing varies yet: give values to try for at least one setting.';
    return;
  }
  const total = counts.reduce((product, count) => product * count, 1);
  const maxTrials = Number(form.maxTrials.value);
  const budget = Number.isInteger(maxTrials) && maxTrials > 0 ? maxTrials : null;
  if (form.sampling.value === 'random') {
    const drawn = Math.min(budget ?? RANDOM_DEFAULT_TRIALS, total);
    note.textContent = `Random: ${plural(drawn, 'trial')}, drawn from ${plural(total, 'combination')}.`;
    return;
  }
  const product = counts.length > 1 ? `${counts.join(' × ')} = ` : '';
  note.textContent = `Grid: ${product}${plural(total, 'trial')}.`
    + (budget !== null && total > budget ? ` That is over max trials (${budget}): narrow a list or sample at random.` : '');
}

/** The sweep body from the form, with empty optional fields left out; null after a client-side error. */
function buildSpec() {
  const name = form.adapterName.value.trim();
  if (!NAME_PATTERN.test(name)) {
    errors.showAt(form.adapterName, name ? 'Use 1-64 letters, digits, "-" or "_", starting with a letter or digit.' : 'An adapter name is required.');
  }
  if (!form.dataset.value) {
    errors.showAt(form.dataset, 'Choose a saved dataset version (save one on the Data tab first).');
  }
  if (!form.template.value.trim()) {
    errors.showAt(form.template, 'A sweep needs the template: its trials are ranked by how well their held-out answers follow it.');
  }
  const lists = spaceLists().map(([key, input, integer]) => [key, readValues(input, { integer })]);
  if (lists.every(([, values]) => values?.length === 0)) {
    errors.showAt(form.learningRates, 'Give values to try here, for the epochs or for the ranks: the search space is empty.');
  }
  const numbers = {
    maxTrials: readNumber(form.maxTrials, errors, { integer: true, min: 1 }),
    rank: readNumber(form.rank, errors, { integer: true, min: 1 }),
    alpha: readNumber(form.alpha, errors),
    batchSize: readNumber(form.batchSize, errors, { integer: true, min: 1 }),
    maxSequenceLength: readNumber(form.maxLength, errors, { integer: true, min: 2 }),
    evalFraction: readNumber(form.evalFraction, errors),
    evalMaxTokens: readNumber(form.evalMaxTokens, errors, { integer: true, min: 1 }),
  };
  if (errors.shown.size > 0) {
    return null;
  }

  const job = compact({
    adapterName: name,
    baseModel: form.baseModel.value.trim() || undefined,
    dataset: { key: form.dataset.value },
    template: form.template.value,
    lora: compact({ rank: numbers.rank, alpha: numbers.alpha }),
    training: compact({
      batchSize: numbers.batchSize,
      maxSequenceLength: numbers.maxSequenceLength,
      evalFraction: numbers.evalFraction,
    }),
    evaluation: compact({ maxTokens: numbers.evalMaxTokens }),
  });
  // A list left empty is not varied: every trial keeps the base job's value.
  const space = Object.fromEntries(lists.filter(([, values]) => values.length > 0).map(([key, values]) => [key, { values }]));
  return compact({
    job,
    space,
    sampling: form.sampling.value,
    maxTrials: numbers.maxTrials,
    earlyStopping: { enabled: form.earlyStopping.checked },
  });
}

/** Drops undefined values and empty objects, so "empty" means "the server's default". */
function compact(object) {
  const entries = Object.entries(object).filter(([, value]) =>
    value !== undefined && !(value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0));
  return Object.fromEntries(entries);
}

/** "sweep-" and 16 random hex digits, as the server names sweeps (crypto.randomUUID needs https). */
function newSweepId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `sweep-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function submit() {
  errors.clear();
  const spec = buildSpec();
  if (!spec) {
    return;
  }
  const body = JSON.stringify(spec);
  const id = retry?.body === body ? retry.id : newSweepId();
  try {
    const view = await sendJson('POST', '/api/train/sweeps', { id, ...spec });
    retry = null;
    attach(view.id, view);
    loadSweeps();
  } catch (error) {
    retry = error.status === 503 || error.status === 0 ? { body, id } : null;
    errors.show(error);
  }
}

// --- the sweep on display ------------------------------------------------------------------

/** Shows a sweep and, unless it has ended, follows its events (replacing the sweep shown before). */
function attach(id, view = null) {
  current?.controller.abort();
  current = { id, controller: new AbortController(), view: null, adapterName: null };
  aliases = [];
  promoting = null;
  byTestId('sweep-id', panel).textContent = id;
  byTestId('sweep-promoted', panel).textContent = '';
  byTestId('sweep-aliases', panel).replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  if (view) {
    showView(view);
  }
  markCurrentSweep();
  if (!view || !FINAL.has(view.status)) {
    follow(current);
  }
}

/**
 * Reads the sweep's event stream (the whole view each time it changes) until it ends. When the
 * stream ends before the sweep does (a trainer restarted, the network blinked) it is reopened.
 */
async function follow(sweep) {
  await followUntilFinal({
    eventsUrl: path`/api/train/sweeps/${sweep.id}/events`,
    stateUrl: path`/api/train/sweeps/${sweep.id}`,
    signal: sweep.controller.signal,
    onEvent: (event) => onSweepEvent(sweep, event),
    onState: (view) => {
      showView(view, sweep);
      if (!FINAL.has(view.status)) {
        return false;
      }
      finished(sweep);
      return true;
    },
    onFatal: (error) => errors.show(error),
  });
}

function onSweepEvent(sweep, { event, data }) {
  if (sweep !== current || event !== 'sweep') {
    return;
  }
  showView(JSON.parse(data), sweep);
}

/** An ended sweep: its last trials published versions, someone may have moved an alias meanwhile. */
function finished(sweep) {
  loadSweeps();
  loadAliases(sweep);
}

async function cancel() {
  if (!current) {
    return;
  }
  try {
    showView(await sendJson('DELETE', path`/api/train/sweeps/${current.id}`));
  } catch (error) {
    errors.show(error);
  }
}

function showView(view, sweep = current) {
  if (sweep !== current || !view) {
    return;
  }
  sweep.view = view;
  renderStatus(view);
  byTestId('sweep-ranking', panel).textContent = view.ranking ? `Ranking: ${view.ranking}.` : '';
  // Once asked, a cancel is under way: a second one would change nothing.
  byTestId('sweep-cancel', panel).disabled = FINAL.has(view.status) || Boolean(view.cancelRequested);
  renderLeaderboard(view);
  const name = view.spec?.job?.adapterName;
  if (name && name !== sweep.adapterName) {
    sweep.adapterName = name;
    loadAliases(sweep);
  }
}

/** "running · 2/6 trials ended", replaced only when it changes: the line is a live region. */
function renderStatus(view) {
  const status = byTestId('sweep-status', panel);
  const line = h('p', {},
    h('strong', { class: `status-word status-${view.status}` }, view.status),
    ` · ${formatNumber(view.finished)}/${formatNumber(view.trials)} trials ended`,
    view.cancelRequested && !FINAL.has(view.status) ? ' · cancelling…' : '');
  status.dataset.status = view.status;
  if (status.textContent !== line.textContent) {
    status.replaceChildren(...line.childNodes);
  }
}

function renderLeaderboard(view) {
  const table = byTestId('sweep-leaderboard', panel);
  keepFocus(table, () => table.replaceChildren(
    h('caption', { class: 'visually-hidden' }, `Trials of sweep ${view.id}, best first`),
    h('thead', {}, h('tr', {}, COLUMNS.map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, (view.leaderboard ?? []).map(standingRow))));
}

function standingRow(s) {
  return h('tr', { dataset: { rank: s.rank, index: s.index, status: s.status } },
    h('td', {}, formatNumber(s.rank)),
    h('td', {}, `#${s.index}`, h('br'), h('small', { class: 'mono' }, s.jobId)),
    h('td', {}, statusCell(s)),
    h('td', {}, describeSettings(s.settings)),
    h('td', { class: 'number' }, formatRate(s.adherenceRate)),
    h('td', { class: 'number' }, formatNumber(s.evalLoss)),
    h('td', { class: 'number' }, formatDuration(s.durationSeconds)),
    h('td', {}, adapterCell(s.adapter)),
    h('td', {}, noteText(s)),
    h('td', { class: 'actions' }, promoteButton(s)));
}

/** The status word, with how far a running trial is ("running 12/40"). */
function statusCell(s) {
  const p = s.progress;
  const steps = s.status === 'running' && p && p.totalSteps > 0 ? ` ${formatNumber(p.step)}/${formatNumber(p.totalSteps)}` : '';
  const phase = s.status === 'running' && p?.phase === 'evaluating' ? ' · evaluating' : '';
  return [h('span', { class: `status status-${s.status}` }, s.status), steps, phase];
}

// How each setting a trial takes from the search space is written; the ones it leaves out are the base job's.
const SETTING_TEXT = [
  ['learningRate', (v) => `lr ${formatNumber(v)}`],
  ['epochs', (v) => plural(v, 'epoch')],
  ['rank', (v) => `rank ${formatNumber(v)}`],
  ['alpha', (v) => `alpha ${formatNumber(v)}`],
  ['targets', (v) => `targets ${v.join(', ')}`],
  ['maxSequenceLength', (v) => `max length ${formatNumber(v)}`],
  ['maxTokens', (v) => `max tokens ${formatNumber(v)}`],
  ['temperature', (v) => `temperature ${formatNumber(v)}`],
  ['stopStrings', (v) => `stop ${JSON.stringify(v)}`],
];

function describeSettings(settings = {}) {
  const parts = SETTING_TEXT.filter(([key]) => settings?.[key] !== null && settings?.[key] !== undefined)
    .map(([key, write]) => write(settings[key]));
  return parts.length > 0 ? parts.join(' · ') : '—';
}

/** "support-bot v3", with a badge for each alias that points at this version. */
function adapterCell(adapter) {
  if (!adapter) {
    return '—';
  }
  const badges = aliases.filter((a) => a.name === adapter.name && a.version === adapter.version)
    .map((a) => [' ', h('span', { class: 'badge alias', title: `${a.name}:${a.alias}` }, a.alias)]);
  return [`${adapter.name} v${adapter.version}`, badges];
}

/** Why the trial stopped: early stopping's reason (it names the rung) or the job's error. */
function noteText(s) {
  if (s.note) {
    return s.note;
  }
  const rung = s.stoppedAtRung;
  return rung !== null && rung !== undefined ? `stopped early at ${formatRate(rung)} of its steps` : '';
}

function promoteButton(s) {
  if (!s.adapter) {
    return null;
  }
  return h('button', {
    type: 'button',
    class: 'small',
    testid: `sweep-promote-${s.index}`,
    'aria-busy': promoting === s.index ? 'true' : null,
    on: { click: () => promote(s) },
  }, 'Promote', h('span', { class: 'visually-hidden' }, ` ${s.adapter.name} v${s.adapter.version}`));
}

/**
 * Re-renders inside container, keeping the keyboard focus on the control with the same data-testid:
 * the leaderboard is redrawn at every event, and a Promote button must not lose the focus to it.
 */
function keepFocus(container, render) {
  const focused = container.contains(document.activeElement) ? document.activeElement.dataset?.testid : null;
  render();
  if (focused) {
    container.querySelector(`[data-testid="${CSS.escape(focused)}"]`)?.focus();
  }
}

// --- aliases -------------------------------------------------------------------------------

/** The alias typed above the table, or null after saying what is wrong with it. */
function readAlias() {
  const alias = aliasInput.value.trim();
  if (ALIAS_PATTERN.test(alias) && !VERSION_PATTERN.test(alias)) {
    return alias;
  }
  aliasErrors.showAt(aliasInput, alias
    ? 'Use 1-64 letters, digits, "-" or "_", starting with a letter ("v" and a number names a version, not an alias).'
    : 'Name the alias to promote to, e.g. production.');
  aliasInput.focus();
  return null;
}

async function promote(standing) {
  if (promoting !== null || !current) {
    return;
  }
  aliasErrors.clear();
  const alias = readAlias();
  if (!alias) {
    return;
  }
  const sweep = current;
  promoting = standing.index;
  renderLeaderboard(sweep.view);
  try {
    await moveAlias(sweep, standing.adapter.name, alias, standing.adapter.version);
  } finally {
    promoting = null;
    if (sweep === current) {
      renderLeaderboard(sweep.view);
    }
  }
}

async function rollBack(alias, button) {
  aliasErrors.clear();
  await whileBusy(button, () => moveAlias(current, alias.name, alias.alias, alias.previousVersion));
}

/** PUT the alias at a version, say where it moved ("support-bot:production → v3 (was v2)"), read the aliases again. */
async function moveAlias(sweep, name, alias, version) {
  const before = aliases.find((a) => a.name === name && a.alias === alias);
  try {
    const moved = await sendJson('PUT', path`/api/train/adapters/${name}/aliases/${alias}`, { version });
    if (sweep === current) {
      byTestId('sweep-promoted', panel).textContent = describeMove(moved, before);
    }
  } catch (error) {
    if (sweep === current) {
      aliasErrors.show(error);
    }
  }
  await loadAliases(sweep);
}

function describeMove(moved, before) {
  const move = `${moved.name}:${moved.alias} → v${moved.version}`;
  if (before?.version === moved.version) {
    return `${move} (it was there already)`;
  }
  return moved.previousVersion ? `${move} (was v${moved.previousVersion})` : `${move} (a new alias)`;
}

/** GET the aliases of the sweep's adapter: the list under the table and the badges in it. */
async function loadAliases(sweep) {
  const name = sweep?.adapterName;
  if (!name) {
    return;
  }
  const container = byTestId('sweep-aliases', panel);
  try {
    const answer = await getJson(path`/api/train/adapters/${name}/aliases`, { signal: sweep.controller.signal });
    if (sweep !== current) {
      return;
    }
    aliases = (answer?.aliases ?? []).filter((a) => a.name === name);
    keepFocus(container, () => renderAliases(container, name));
  } catch (error) {
    if (isAbort(error) || sweep !== current) {
      return;
    }
    aliases = [];
    container.replaceChildren(h('p', { class: 'muted' }, `Could not list the aliases of ${name}: ${error.message}`));
  }
  if (sweep.view) {
    renderLeaderboard(sweep.view);
  }
}

function renderAliases(container, name) {
  if (aliases.length === 0) {
    container.replaceChildren(h('p', { class: 'muted' }, `${name} has no alias yet: promote a trial's version to give it one.`));
    return;
  }
  container.replaceChildren(
    h('ul', { class: 'aliases' }, aliases.map((a) => h('li', { dataset: { alias: a.alias } },
      h('code', {}, `${a.name}:${a.alias}`), ` → v${a.version}`,
      a.previousVersion ? ` (was v${a.previousVersion})` : '',
      ` · moved ${formatDate(a.movedAt)} `,
      a.previousVersion ? h('button', {
        type: 'button',
        class: 'small',
        testid: `sweep-rollback-${a.alias}`,
        on: { click: (event) => rollBack(a, event.currentTarget) },
      }, `Roll back to v${a.previousVersion}`, h('span', { class: 'visually-hidden' }, ` (${a.name}:${a.alias})`)) : null))),
    h('p', { class: 'hint' }, 'The Playground and the OpenAI-compatible API serve each alias as the model "name:alias".'));
}

// --- the list of sweeps --------------------------------------------------------------------

async function loadSweeps() {
  const container = byTestId('sweep-list', panel);
  try {
    const answer = await getJson('/api/train/sweeps');
    renderSweeps(container, answer?.sweeps ?? []);
  } catch (error) {
    container.replaceChildren(h('p', { class: 'muted' }, `Could not list the sweeps: ${error.message}`));
  }
}

function renderSweeps(container, sweeps) {
  if (sweeps.length === 0) {
    container.replaceChildren(h('p', { class: 'muted' }, 'No sweep yet.'));
    return;
  }
  const newestFirst = [...sweeps].sort((a, b) => (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0));
  keepFocus(container, () => container.replaceChildren(h('table', { class: 'jobs' },
    h('caption', { class: 'visually-hidden' }, 'Sweeps, newest first'),
    h('thead', {}, h('tr', {}, ['Sweep', 'Adapter', 'Status', 'Trials ended', 'Leader', 'Created'].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, newestFirst.map((view) => h('tr', { dataset: { sweepId: view.id } },
      h('td', {}, h('button', {
        type: 'button',
        class: 'link',
        testid: `sweep-open-${view.id}`,
        on: { click: () => attach(view.id, view) },
      }, view.id, h('span', { class: 'visually-hidden' }, ': show its leaderboard'))),
      h('td', {}, view.spec?.job?.adapterName ?? ''),
      h('td', {}, h('span', { class: `status status-${view.status}` }, view.status)),
      h('td', {}, `${formatNumber(view.finished)}/${formatNumber(view.trials)}`),
      h('td', {}, describeLeader(view)),
      h('td', {}, formatDate(view.createdAt))))))));
  markCurrentSweep();
}

/** The first row once it has a published version: "support-bot v3 · 87.5% adherence · lr 0.0002 · 3 epochs". */
function describeLeader(view) {
  const leader = view.leaderboard?.[0];
  if (!leader?.adapter) {
    return '—';
  }
  return [`${leader.adapter.name} v${leader.adapter.version}`,
    leader.adherenceRate !== null && leader.adherenceRate !== undefined ? ` · ${formatRate(leader.adherenceRate)} adherence` : '',
    ` · ${describeSettings(leader.settings)}`].join('');
}

function markCurrentSweep() {
  for (const row of panel.querySelectorAll('[data-testid="sweep-list"] tr[data-sweep-id]')) {
    if (row.dataset.sweepId === current?.id) {
      row.setAttribute('aria-current', 'true');
    } else {
      row.removeAttribute('aria-current');
    }
  }
}
