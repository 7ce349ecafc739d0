// The page's wiring: the API key field, the status line, the tabs (an ARIA tablist whose choice
// lives in the URL hash), and each tab's module, started once and told when it is shown.

import { getApiKey, getJson, onUnauthorized, setApiKey } from './api.js';
import { byTestId, h } from './dom.js';
import { prepareErrorSlots } from './forms.js';
import { emit, shared } from './state.js';
import * as adapters from './adapters.js';
import * as data from './data.js';
import * as evaluate from './evaluate.js';
import * as playground from './playground.js';
import * as sweeps from './sweeps.js';
import * as train from './train.js';

const TABS = { data, train, evaluate, playground, adapters, sweeps };
const NAMES = Object.keys(TABS);

function start() {
  prepareErrorSlots(document);
  setUpApiKey();
  for (const [name, module] of Object.entries(TABS)) {
    module.init(document.getElementById(`panel-${name}`));
  }
  setUpTabs();
  loadStatus();
}

// --- API key -------------------------------------------------------------------------------

function setUpApiKey() {
  const input = byTestId('api-key');
  const message = byTestId('error-api-key');
  input.value = getApiKey();
  input.addEventListener('input', () => {
    setApiKey(input.value.trim());
  });
  // A new key may open what the old one could not: read the status and the shown tab again.
  input.addEventListener('change', () => {
    message.textContent = '';
    loadStatus();
    TABS[selectedName]?.onShow?.();
  });
  onUnauthorized(() => {
    message.textContent = getApiKey()
      ? 'the gateway needs an API key: this one was refused.'
      : 'the gateway needs an API key';
    if (document.activeElement !== input) {
      input.focus();
    }
  });
}

// --- status line ---------------------------------------------------------------------------

/** The three info endpoints, each reported on its own so one service down does not hide the rest. */
async function loadStatus() {
  const line = byTestId('status-line');
  const parts = { gateway: 'gateway…', trainer: 'trainer…', inference: 'inference…' };
  const render = () => line.replaceChildren(...Object.values(parts).flatMap((part, i) => (i > 0 ? [' · ', part] : [part])));
  render();

  const gateway = getJson('/api/gateway/info').then((info) => {
    parts.gateway = `gateway ${info.version ?? ''}`.trim();
  }).catch((error) => {
    parts.gateway = unreachable('gateway', error);
  });

  const trainer = getJson('/api/train/info').then((info) => {
    shared.trainInfo = info;
    const model = info.baseModel ?? {};
    parts.trainer = describeModel('trainer', model.name ?? model.requested, model.isFallback, model.requested, model.fallbackReason);
  }).catch((error) => {
    parts.trainer = unreachable('trainer', error);
  });

  const inference = getJson('/api/inference/info').then((info) => {
    shared.inferenceInfo = info;
    const served = info.fallback ? 'builtin/tiny' : info.baseModel;
    parts.inference = describeModel('inference', served, info.fallback, info.baseModel, info.fallbackReason, info.dtype);
  }).catch((error) => {
    parts.inference = unreachable('inference', error);
  });

  await Promise.all([gateway, trainer, inference]);
  render();
  emit('info');
}

/** "trainer: Qwen/…" or, when the tiny built-in model stands in, a warning that says so (and why, on hover). */
function describeModel(service, name, isFallback, requested, reason, dtype) {
  const suffix = dtype ? ` (${dtype})` : '';
  if (!isFallback) {
    return h('span', {}, `${service}: `, h('strong', {}, name ?? 'the default model'), suffix);
  }
  return h('span', { class: 'fallback', title: reason ?? '' },
    `${service}: `, h('strong', {}, 'builtin/tiny'), suffix,
    ` — FALLBACK${requested ? ` for ${requested}` : ''}, answers are noise`);
}

function unreachable(service, error) {
  return h('span', { class: 'fallback' }, `${service}: ${error.status === 401 ? 'needs the API key' : error.message}`);
}

// --- tabs ----------------------------------------------------------------------------------

function tabButton(name) {
  return document.getElementById(`tab-${name}`);
}

function currentTab() {
  const name = location.hash.slice(1);
  return NAMES.includes(name) ? name : 'data';
}

let selectedName = null;

/** Shows one tab: aria-selected, roving tabindex (only the chosen tab is in the Tab order), panels. */
function selectTab(name, { focus = false } = {}) {
  for (const other of NAMES) {
    const selected = other === name;
    const button = tabButton(other);
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    document.getElementById(`panel-${other}`).hidden = !selected;
  }
  if (focus) {
    tabButton(name).focus();
  }
  document.title = `${tabButton(name).textContent} · FineTuneMesh Studio`;
  selectedName = name;
  TABS[name].onShow?.();
}

function setUpTabs() {
  const list = document.querySelector('[role="tablist"]');
  list.addEventListener('click', (event) => {
    const button = event.target.closest('[role="tab"]');
    if (button) {
      goTo(button.id.replace('tab-', ''));
    }
  });
  // Arrow keys move between tabs (wrapping), Home and End to the ends: the ARIA tabs pattern,
  // with the tab activated as it gets focus.
  list.addEventListener('keydown', (event) => {
    const index = NAMES.indexOf(event.target.closest('[role="tab"]')?.id.replace('tab-', '') ?? currentTab());
    const moves = {
      ArrowRight: (index + 1) % NAMES.length,
      ArrowLeft: (index - 1 + NAMES.length) % NAMES.length,
      Home: 0,
      End: NAMES.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      goTo(NAMES[moves[event.key]], { focus: true });
    }
  });
  // The back button, a link to #train, a hash typed in the address bar.
  // Another hash (none, or an anchor in a page) leaves the tab as it is.
  const follow = () => {
    const name = location.hash.slice(1);
    if (NAMES.includes(name) && name !== selectedName) {
      selectTab(name);
    }
  };
  window.addEventListener('hashchange', follow);
  window.addEventListener('popstate', follow);
  selectTab(currentTab());

  // The skip link goes to the shown panel; a plain #main link would change the hash.
  document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById(`panel-${selectedName}`).focus();
  });
}

/** Changes the hash (so the tab survives a reload and the back button works), then shows the tab. */
function goTo(name, { focus = false } = {}) {
  if (location.hash !== `#${name}`) {
    history.pushState(null, '', `#${name}`);
  }
  selectTab(name, { focus });
}

start();
