// The Train tab: the job form, the live view of one job (status, progress, loss chart), and the
// list of recent jobs to re-attach to.

import { followUntilFinal, getJson, getJsonFile, path, sendJson } from './api.js';
import { drawLineChart, lossValue } from './chart.js';
import { byTestId, definitionList, h, setOptions } from './dom.js';
import { FormErrors, readNumber, whileBusy } from './forms.js';
import { formatDate, formatDuration, formatNumber } from './format.js';
import { datasetTemplate, on, refreshDatasets, shared } from './state.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

let panel;
let form;
let errors;
let templateEdited = false;
// The job on display: its id, the stream following it, its last record, the points of its chart.
let current = null;

export function init(root) {
  panel = root;
  form = {
    adapterName: byTestId('train-adapter-name', panel),
    baseModel: byTestId('train-base-model', panel),
    dataset: byTestId('train-dataset', panel),
    template: byTestId('train-template', panel),
    rank: byTestId('train-rank', panel),
    alpha: byTestId('train-alpha', panel),
    learningRate: byTestId('train-lr', panel),
    epochs: byTestId('train-epochs', panel),
    batchSize: byTestId('train-batch-size', panel),
    targets: byTestId('train-targets', panel),
    customTargets: byTestId('train-targets-custom', panel),
    maxLength: byTestId('train-max-length', panel),
    dtype: byTestId('train-dtype', panel),
    evalMaxTokens: byTestId('train-eval-max-tokens', panel),
  };
  errors = new FormErrors({ box: byTestId('form-error-train', panel), fields: fieldNames(), rules: messageRules() });

  form.template.value = shared.template;
  form.template.addEventListener('input', () => {
    templateEdited = true;
  });
  on('template', (text) => {
    if (!templateEdited) {
      form.template.value = text;
    }
  });
  byTestId('train-template-reset', panel).addEventListener('click', () => {
    form.template.value = shared.template;
    templateEdited = false;
    byTestId('train-template-note', panel).textContent = 'The Data tab\'s template.';
  });

  form.targets.addEventListener('change', showCustomTargets);
  showCustomTargets();
  form.dataset.addEventListener('change', useDatasetTemplate);
  on('datasets', renderDatasetOptions);
  on('info', showDefaultBaseModel);
  byTestId('train-dataset-refresh', panel).addEventListener('click', refreshDatasets);

  byTestId('train-form', panel).addEventListener('submit', (event) => {
    event.preventDefault();
    whileBusy(byTestId('train-submit', panel), submit);
  });
  byTestId('train-cancel', panel).addEventListener('click', cancel);
  byTestId('train-jobs-refresh', panel).addEventListener('click', loadJobs);
  drawChart();
}

export function onShow() {
  refreshDatasets();
  loadJobs();
}

// Server names of the job's fields (ASP.NET-style error keys, any case) → inputs.
function fieldNames() {
  return {
    adapterName: form.adapterName,
    baseModel: form.baseModel,
    baseModelRevision: form.baseModel,
    dataset: form.dataset,
    'dataset.key': form.dataset,
    template: form.template,
    'lora.rank': form.rank,
    'lora.alpha': form.alpha,
    'lora.targets': form.targets,
    'training.learningRate': form.learningRate,
    'training.epochs': form.epochs,
    'training.batchSize': form.batchSize,
    'training.maxSequenceLength': form.maxLength,
    'training.dtype': form.dtype,
    'evaluation.maxTokens': form.evalMaxTokens,
  };
}

// The trainer answers 400 with sentences ({"errors": ["LoRA rank must be positive, got 0.", ...]},
// src/Trainer.Worker/Jobs/JobValidator.cs); these patterns find the input each one is about.
// Order matters: the first match wins.
function messageRules() {
  return [
    [/^epochs, batch size/i, null], // names several settings at once: the form-level box
    [/learning rate/i, form.learningRate],
    [/LoRA rank|^rank\b/i, form.rank],
    [/LoRA alpha|^alpha\b/i, form.alpha],
    [/target/i, form.targets],
    [/^epochs\b/i, form.epochs],
    [/batch size/i, form.batchSize],
    [/sequence length/i, form.maxLength],
    [/dtype/i, form.dtype],
    [/^evaluation|max ?tokens/i, form.evalMaxTokens],
    [/^template\b/i, form.template],
    [/^adapterName\b|adapter name/i, form.adapterName],
    [/^dataset\b/i, form.dataset],
    [/base model/i, form.baseModel],
  ];
}

function showCustomTargets() {
  const custom = form.targets.value === 'custom';
  form.customTargets.closest('.field').hidden = !custom;
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

/** A dataset saved from this page remembers its template: use it for the job. */
function useDatasetTemplate() {
  const remembered = datasetTemplate(form.dataset.value);
  const note = byTestId('train-template-note', panel);
  if (remembered !== null) {
    form.template.value = remembered;
    templateEdited = true;
    note.textContent = `The template this dataset was saved with (${form.dataset.selectedOptions[0]?.textContent ?? ''}).`;
  }
}

/** The job body from the form, with empty optional fields left out; null after a client-side error. */
function buildJob() {
  const name = form.adapterName.value.trim();
  if (!NAME_PATTERN.test(name)) {
    errors.showAt(form.adapterName, name ? 'Use 1-64 letters, digits, "-" or "_", starting with a letter or digit.' : 'An adapter name is required.');
  }
  if (!form.dataset.value) {
    errors.showAt(form.dataset, 'Choose a saved dataset version (save one on the Data tab first).');
  }
  const numbers = {
    rank: readNumber(form.rank, errors, { integer: true, min: 1 }),
    alpha: readNumber(form.alpha, errors),
    learningRate: readNumber(form.learningRate, errors),
    epochs: readNumber(form.epochs, errors, { integer: true, min: 1 }),
    batchSize: readNumber(form.batchSize, errors, { integer: true, min: 1 }),
    maxSequenceLength: readNumber(form.maxLength, errors, { integer: true, min: 2 }),
    evalMaxTokens: readNumber(form.evalMaxTokens, errors, { integer: true, min: 1 }),
  };
  const targets = readTargets();
  if (targets && targets.length === 0) {
    errors.showAt(form.customTargets, 'List at least one projection, e.g. q_proj,v_proj.');
  }
  if (errors.shown.size > 0) {
    return null;
  }

  const job = {
    adapterName: name,
    baseModel: form.baseModel.value.trim() || undefined,
    dataset: { key: form.dataset.value },
    template: form.template.value.trim() ? form.template.value : undefined,
    lora: compact({ rank: numbers.rank, alpha: numbers.alpha, targets }),
    training: compact({
      learningRate: numbers.learningRate,
      epochs: numbers.epochs,
      batchSize: numbers.batchSize,
      maxSequenceLength: numbers.maxSequenceLength,
      dtype: form.dtype.value || undefined,
    }),
    evaluation: compact({ maxTokens: numbers.evalMaxTokens }),
  };
  return compact(job);
}

/**
 * The targets as the trainer takes them (LoraSettings): projection names, or ["all-linear"],
 * which it expands to every linear projection of the decoder.
 */
function readTargets() {
  const text = form.targets.value === 'custom' ? form.customTargets.value : form.targets.value;
  return text.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);
}

/** Drops undefined values and empty objects, so "empty" means "the server's default". */
function compact(object) {
  const entries = Object.entries(object).filter(([, value]) =>
    value !== undefined && !(value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0));
  return Object.fromEntries(entries);
}

async function submit() {
  errors.clear();
  const job = buildJob();
  if (!job) {
    return;
  }
  try {
    const record = await sendJson('POST', '/api/train/jobs', job);
    attach(record.id, record);
    loadJobs();
  } catch (error) {
    errors.show(error);
  }
}

async function cancel() {
  if (!current) {
    return;
  }
  try {
    const record = await sendJson('DELETE', path`/api/train/jobs/${current.id}`);
    if (record) {
      showRecord(record);
    }
  } catch (error) {
    errors.show(error);
  }
}

/** Shows a job and follows its events (replacing the job shown before). */
export function attach(id, record = null) {
  current?.controller.abort();
  current = { id, controller: new AbortController(), record: null, losses: new Map(), evals: new Map() };
  byTestId('train-error', panel).textContent = '';
  byTestId('train-result', panel).textContent = '';
  byTestId('train-job-id', panel).textContent = id;
  drawChart();
  if (record) {
    showRecord(record);
  }
  markCurrentJob();
  follow(current);
}

/**
 * Reads the job's event stream: the record first, then progress and status events. When the
 * stream ends before the job does (a trainer restarted, the network blinked) it is reopened.
 */
async function follow(job) {
  await followUntilFinal({
    eventsUrl: path`/api/train/jobs/${job.id}/events`,
    stateUrl: path`/api/train/jobs/${job.id}`,
    signal: job.controller.signal,
    onEvent: (event) => onJobEvent(job, event),
    onState: async (record) => {
      showRecord(record, job);
      if (!FINAL.has(record.status)) {
        return false;
      }
      await finished(record, job);
      return true;
    },
    onFatal: (error) => errors.show(error),
  });
}

function onJobEvent(job, { event, data }) {
  if (job !== current) {
    return;
  }
  const payload = JSON.parse(data);
  if (event === 'record') {
    showRecord(payload, job);
    return;
  }
  if (payload.progress) {
    addProgress(job, payload.progress);
  }
  if (job.record) {
    // Fold the event into the record, so the view always shows one consistent state.
    // Progress events carry no status; progress means running even if the "running" event was missed.
    const status = payload.status ?? (event === 'progress' && job.record.status === 'queued' ? 'running' : job.record.status);
    showRecord({
      ...job.record,
      status,
      progress: payload.progress ?? job.record.progress,
      adapter: payload.adapter ?? job.record.adapter,
      error: payload.error ?? job.record.error,
    }, job);
  }
  if (event !== 'progress') {
    // A status change: the record has the attempts, the worker, where it resumed from.
    getJson(path`/api/train/jobs/${job.id}`, { signal: job.controller.signal })
      .then((record) => showRecord(record, job))
      .catch(() => {});
  }
}

function addProgress(job, progress) {
  if (job.complete) {
    return;
  }
  job.losses.set(progress.step, progress.loss);
  // The eval loss is repeated in every event after an evaluation: a new value is a new evaluation.
  const lastEval = [...job.evals.values()].at(-1);
  if (progress.evalLoss !== null && progress.evalLoss !== undefined && progress.evalLoss !== lastEval) {
    job.evals.set(progress.step, progress.evalLoss);
  }
  drawChart();
}

function showRecord(record, job = current) {
  if (job !== current || !record) {
    return;
  }
  job.record = record;
  if (record.progress) {
    addProgress(job, record.progress);
  }
  const status = byTestId('train-status', panel);
  status.textContent = record.status;
  status.dataset.status = record.status;
  byTestId('train-cancel', panel).disabled = FINAL.has(record.status);
  renderProgress(record);
  if (record.error) {
    byTestId('train-error', panel).textContent = record.error;
  }
  if (record.adapter) {
    showAdapter(record.adapter);
  }
}

function renderProgress(record) {
  const p = record.progress;
  const progress = byTestId('train-progress', panel);
  const bar = p && p.totalSteps > 0
    ? h('progress', { max: p.totalSteps, value: p.step, 'aria-label': 'training steps done' })
    : null;
  progress.replaceChildren(bar ?? '', definitionList([
    ['Step', p ? `${formatNumber(p.step)} / ${formatNumber(p.totalSteps)}` : null],
    ['Epoch', p ? formatNumber(p.epoch) : null],
    ['Loss', p ? formatNumber(p.loss) : null],
    ['Eval loss', p?.evalLoss !== undefined && p?.evalLoss !== null ? formatNumber(p.evalLoss) : null],
    ['Tokens/s', p ? formatNumber(p.tokensPerSecond, 3) : null],
    ['Time left', p && !FINAL.has(record.status) ? formatDuration(p.etaSeconds) : null],
    ['Attempts', record.attempts ? formatNumber(record.attempts) : null],
    ['Resumed', record.resumedFromStep !== null && record.resumedFromStep !== undefined ? `resumed from step ${record.resumedFromStep}` : null],
    ['Worker', record.worker],
    ['Base model', record.baseModelUsed],
    ['Created', record.createdAt ? formatDate(record.createdAt) : null],
  ]));
}

function showAdapter(adapter) {
  const result = byTestId('train-result', panel);
  result.replaceChildren('Adapter ', h('strong', {}, `${adapter.name} v${adapter.version}`), ' is published. ',
    h('a', { href: '#adapters' }, 'See it on the Adapters tab'), ' or ', h('a', { href: '#evaluate' }, 'evaluate it'), '.');
}

/** A succeeded job's metrics.json has every step: draw the whole curve, not only what streamed. */
async function finished(record, job) {
  loadJobs();
  if (record.status !== 'succeeded' || !record.adapter) {
    return;
  }
  try {
    const { name, version } = record.adapter;
    const metrics = await getJsonFile(path`/api/train/adapters/${name}/versions/${version}/files/metrics.json`, { signal: job.controller.signal });
    if (job !== current) {
      return;
    }
    job.losses = new Map((metrics.train_loss ?? []).map((loss, i) => [i + 1, lossValue(loss)]));
    job.evals = new Map((metrics.eval_loss ?? []).map((e) => [e.step, lossValue(e.loss)]));
    // The file is the whole run: later record refreshes must not add points to it.
    job.complete = true;
    drawChart();
  } catch {
    // The streamed points stay on the chart.
  }
}

function drawChart() {
  const losses = current ? [...current.losses].map(([x, y]) => ({ x, y })) : [];
  const evals = current ? [...current.evals].map(([x, y]) => ({ x, y })) : [];
  drawLineChart(byTestId('train-chart', panel), [
    { name: 'loss', points: losses },
    { name: 'eval loss', points: evals, markers: true, dashed: true },
  ], { title: 'Training loss', emptyText: current ? 'Waiting for the first step…' : 'Submit a job to see its loss curve.' });
}

async function loadJobs() {
  const container = byTestId('train-jobs', panel);
  try {
    const answer = await getJson('/api/train/jobs?limit=20');
    renderJobs(container, answer?.jobs ?? []);
  } catch (error) {
    container.replaceChildren(h('p', { class: 'muted' }, `Could not list the jobs: ${error.message}`));
  }
}

function renderJobs(container, jobs) {
  if (jobs.length === 0) {
    container.replaceChildren(h('p', { class: 'muted' }, 'No training jobs yet.'));
    return;
  }
  container.replaceChildren(h('table', { class: 'jobs' },
    h('caption', { class: 'visually-hidden' }, 'Recent training jobs'),
    h('thead', {}, h('tr', {}, ['Job', 'Adapter', 'Status', 'Created'].map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, jobs.map((job) => h('tr', { dataset: { jobId: job.id } },
      h('td', {}, h('button', {
        type: 'button',
        class: 'link',
        on: { click: () => attach(job.id) },
      }, job.id, h('span', { class: 'visually-hidden' }, ': show this job'))),
      h('td', {}, job.adapter ? `${job.adapter.name} v${job.adapter.version}` : job.spec?.adapterName ?? ''),
      h('td', {}, h('span', { class: `status status-${job.status}` }, job.status)),
      h('td', {}, formatDate(job.createdAt)))))));
  markCurrentJob();
}

function markCurrentJob() {
  for (const row of panel.querySelectorAll('[data-testid="train-jobs"] tr[data-job-id]')) {
    if (row.dataset.jobId === current?.id) {
      row.setAttribute('aria-current', 'true');
    } else {
      row.removeAttribute('aria-current');
    }
  }
}
