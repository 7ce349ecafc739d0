// The Playground tab: two models (the base model, an adapter) answer the same prompt side by side,
// streamed from the OpenAI-compatible API, with the prompt shown exactly as the model saw it.

import { ApiError, describeError, getJson, isAbort, path, readEvents, sendJson } from './api.js';
import { byTestId, h, setOptions, showWhitespace } from './dom.js';
import { FormErrors, attachErrorSlot, readNumber } from './forms.js';
import { formatDuration, formatNumber } from './format.js';
import { on, shared } from './state.js';
import { parseTemplate, promptFields, renderPrompt } from './template.js';

let panel;
let form;
let baseModelId = null;
let running = null; // the AbortController of the runs in progress
const columns = {};
// What was typed in each template field, by name: kept when the template changes and comes back.
const fieldValues = new Map();
const adapterTemplates = new Map(); // adapter name → Promise<template text or null>
let template = { text: '', parsed: null, origin: '' };
let stopEdited = false;
let templateRequest = 0;

export function init(root) {
  panel = root;
  form = {
    modelA: byTestId('play-model-a', panel),
    modelB: byTestId('play-model-b', panel),
    mode: byTestId('play-mode', panel),
    system: byTestId('play-system', panel),
    user: byTestId('play-user', panel),
    temperature: byTestId('play-temperature', panel),
    topP: byTestId('play-top-p', panel),
    maxTokens: byTestId('play-max-tokens', panel),
    stop: byTestId('play-stop', panel),
  };
  for (const side of ['a', 'b']) {
    columns[side] = {
      output: byTestId(`play-output-${side}`, panel),
      finish: byTestId(`play-finish-${side}`, panel),
      title: byTestId(`play-title-${side}`, panel),
      errors: new FormErrors({
        box: byTestId(`play-error-${side}`, panel),
        fields: {
          model: side === 'a' ? form.modelA : form.modelB,
          temperature: form.temperature,
          top_p: form.topP,
          max_tokens: form.maxTokens,
          max_completion_tokens: form.maxTokens,
          stop: form.stop,
          messages: form.user,
        },
      }),
    };
  }

  form.modelA.addEventListener('change', updateTemplate);
  form.modelB.addEventListener('change', updateTemplate);
  form.mode.addEventListener('change', showMode);
  form.stop.addEventListener('input', () => {
    stopEdited = true;
  });
  on('template', () => {
    if (template.origin === 'data') {
      updateTemplate();
    }
  });
  byTestId('play-form', panel).addEventListener('submit', (event) => {
    event.preventDefault();
    runBoth();
  });
  byTestId('play-abort', panel).addEventListener('click', () => running?.abort());
  byTestId('play-show-prompt', panel).addEventListener('click', showPrompt);
  // Until the models are listed, the Data tab's template gives the fields.
  updateTemplate();
  showMode();
}

export function onShow() {
  loadModels();
}

/** GET /v1/models: the base model first, then every adapter. */
async function loadModels() {
  const errors = new FormErrors({ box: byTestId('form-error-playground', panel) });
  errors.clear();
  let ids;
  try {
    const answer = await getJson('/v1/models');
    ids = (answer?.data ?? []).map((model) => model.id);
  } catch (error) {
    errors.show(error);
    return;
  }
  baseModelId = ids[0] ?? null;
  const options = ids.map((id, i) => ({ value: id, label: i === 0 ? `${id} (base model)` : id }));
  if (options.length === 0) {
    options.push({ value: '', label: '— no model is served —' });
  }
  setOptions(form.modelA, options, baseModelId);
  setOptions(form.modelB, options, ids[1] ?? baseModelId);
  updateTemplate();
}

function isAdapter(id) {
  return Boolean(id) && id !== baseModelId;
}

/**
 * The template mode prompts with an adapter's own template (its manifest's `template`), else with
 * the Data tab's. Model B is the one being tried, so its adapter's template wins.
 */
async function updateTemplate() {
  const request = ++templateRequest;
  const adapter = [form.modelB.value, form.modelA.value].find(isAdapter);
  let text = null;
  let origin = 'data';
  if (adapter) {
    text = await adapterTemplate(adapter);
    origin = text !== null ? `adapter ${adapter}` : 'data';
  }
  if (request !== templateRequest) {
    return; // a newer choice of models has already been handled
  }
  text ??= shared.template;
  template = { text, parsed: parseTemplate(text), origin };
  renderFields();
  if (!stopEdited && form.mode.value === 'template') {
    form.stop.value = template.parsed.stop ?? '';
  }
  showPrompt();
}

function adapterTemplate(name) {
  if (!adapterTemplates.has(name)) {
    // "support-bot:production" and "support-bot:v3" are served names of the adapter "support-bot".
    const adapter = name.split(':')[0];
    // An adapter served from a local folder has no manifest in the trainer: no template then.
    adapterTemplates.set(name, getJson(path`/api/train/adapters/${adapter}`)
      .then((answer) => answer?.latest?.template ?? null)
      .catch(() => null));
  }
  return adapterTemplates.get(name);
}

function renderFields() {
  const container = byTestId('play-fields', panel);
  // Whatever is typed survives a new template: same-named fields keep their text.
  for (const input of container.querySelectorAll('textarea[data-testid^="play-field-"]')) {
    fieldValues.set(input.dataset.testid.slice('play-field-'.length), input.value);
  }
  const note = byTestId('play-template-note', panel);
  const { parsed } = template;
  note.textContent = template.origin === 'data' ? 'Template: the Data tab\'s.' : `Template: the one ${template.origin} was trained with.`;
  if (parsed.error) {
    container.replaceChildren(h('p', { class: 'field-error' }, `The template does not parse: ${parsed.error}`));
    return;
  }
  container.replaceChildren(...promptFields(parsed).map((field) => {
    const id = `play-field-${field}`;
    const input = h('textarea', {
      id,
      rows: 2,
      testid: id,
      value: fieldValues.get(field) ?? '',
      on: {
        input: (event) => {
          fieldValues.set(field, event.target.value);
          showPrompt();
        },
      },
    });
    const wrapper = h('div', { class: 'field' }, h('label', { for: id }, field), input);
    attachErrorSlot(input, wrapper);
    return wrapper;
  }));
}

function showMode() {
  const chat = form.mode.value === 'chat';
  byTestId('play-template-inputs', panel).hidden = chat;
  byTestId('play-chat-inputs', panel).hidden = !chat;
  if (!stopEdited) {
    form.stop.value = chat ? '' : template.parsed?.stop ?? '';
  }
  showPrompt();
}

function templatePrompt() {
  const values = Object.fromEntries(fieldValues);
  return template.parsed && !template.parsed.error ? renderPrompt(template.parsed, values) : '';
}

function chatMessages() {
  const messages = [];
  if (form.system.value.trim()) {
    messages.push({ role: 'system', content: form.system.value });
  }
  messages.push({ role: 'user', content: form.user.value });
  return messages;
}

/**
 * "The prompt as the model saw it": the rendered template in template mode; in chat mode the
 * inference service renders the messages with the model's chat template (POST /api/inference/prompt).
 */
async function showPrompt() {
  const pre = byTestId('play-prompt', panel);
  const tokens = byTestId('play-prompt-tokens', panel);
  if (form.mode.value !== 'chat') {
    showWhitespace(pre, templatePrompt());
    tokens.textContent = '';
    return;
  }
  if (!form.modelA.value || !form.user.value.trim()) {
    pre.replaceChildren();
    tokens.textContent = 'Write a message to see the chat prompt.';
    return;
  }
  try {
    const answer = await sendJson('POST', '/api/inference/prompt', { model: form.modelA.value, messages: chatMessages() });
    showWhitespace(pre, answer?.prompt ?? '');
    tokens.textContent = answer?.promptTokens !== undefined ? `${formatNumber(answer.promptTokens)} prompt tokens` : '';
  } catch (error) {
    pre.replaceChildren();
    tokens.textContent = `Could not render the chat prompt: ${error.message}`;
  }
}

/** The request both columns send (each adds its model), or null after a client-side error. */
function buildRequest(errors) {
  const temperature = readNumber(form.temperature, errors, { min: 0 });
  const topP = readNumber(form.topP, errors);
  const maxTokens = readNumber(form.maxTokens, errors, { integer: true, min: 1 });
  if ([temperature, topP, maxTokens].some(Number.isNaN)) {
    return null;
  }
  // One stop string per line; empty lines are not stop strings (the API refuses empty ones).
  const stop = form.stop.value.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line !== '');
  const body = {
    temperature,
    top_p: topP,
    max_tokens: maxTokens,
    stop: stop.length > 0 ? stop : undefined,
    stream: true,
    stream_options: { include_usage: true },
  };
  if (form.mode.value === 'chat') {
    if (!form.user.value.trim()) {
      errors.showAt(form.user, 'Write a message.');
      return null;
    }
    body.messages = chatMessages();
  } else {
    body.prompt = templatePrompt();
  }
  return body;
}

async function runBoth() {
  running?.abort();
  for (const column of Object.values(columns)) {
    column.errors.clear();
  }
  const body = buildRequest(columns.a.errors);
  if (!body) {
    return;
  }
  const controller = new AbortController();
  running = controller;
  const runButton = byTestId('play-run', panel);
  const abortButton = byTestId('play-abort', panel);
  runButton.disabled = true;
  abortButton.disabled = false;
  showPrompt();
  try {
    await Promise.all([
      runColumn(columns.a, { ...body, model: form.modelA.value }, controller.signal),
      runColumn(columns.b, { ...body, model: form.modelB.value }, controller.signal),
    ]);
  } finally {
    if (running === controller) {
      runButton.disabled = false;
      abortButton.disabled = true;
      running = null;
    }
  }
}

/** Streams one answer into its column: text as it arrives, then the finish reason and usage. */
async function runColumn(column, body, signal) {
  const chat = Array.isArray(body.messages);
  const endpoint = chat ? '/v1/chat/completions' : '/v1/completions';
  const started = performance.now();
  let firstToken = null;
  let finishReason = null;
  let usage = null;
  column.title.textContent = body.model;
  column.output.replaceChildren();
  column.output.setAttribute('aria-busy', 'true');
  column.finish.textContent = 'waiting for the first token…';
  try {
    await readEvents(endpoint, {
      method: 'POST',
      json: body,
      signal,
      onEvent: ({ data }) => {
        if (data === '[DONE]') {
          return;
        }
        const chunk = JSON.parse(data);
        if (chunk.error) {
          // Refused after the stream began (e.g. the queue was full): the error comes as an event.
          throw new ApiError(200, chunk, describeError(200, chunk));
        }
        const choice = chunk.choices?.[0];
        const text = chat ? choice?.delta?.content : choice?.text;
        if (text) {
          firstToken ??= performance.now();
          column.output.append(text);
          column.finish.textContent = 'generating…';
        }
        finishReason = choice?.finish_reason ?? finishReason;
        usage = chunk.usage ?? usage;
      },
    });
    column.finish.textContent = describeFinish(finishReason, usage, started, firstToken);
  } catch (error) {
    if (isAbort(error)) {
      column.finish.textContent = `stopped · ${describeTiming(started, firstToken)}`;
      return;
    }
    column.finish.textContent = 'failed';
    column.errors.show(error);
  } finally {
    column.output.removeAttribute('aria-busy');
  }
}

function describeFinish(reason, usage, started, firstToken) {
  const parts = [`finish: ${reason ?? 'unknown'}${reason === 'length' ? ' (hit max tokens)' : ''}`];
  if (usage) {
    parts.push(`${formatNumber(usage.prompt_tokens)} prompt + ${formatNumber(usage.completion_tokens)} completion tokens`);
  }
  parts.push(describeTiming(started, firstToken));
  return parts.join(' · ');
}

function describeTiming(started, firstToken) {
  const total = (performance.now() - started) / 1000;
  return firstToken === null
    ? `${formatDuration(total)}`
    : `first token after ${formatDuration((firstToken - started) / 1000)}, ${formatDuration(total)} in all`;
}
