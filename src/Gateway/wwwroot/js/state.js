// What the tabs share: the template being worked on, the saved dataset versions, what the
// services said about themselves. Tabs listen for changes instead of reaching into each other.

import { getJson } from './api.js';

// samples/python-qa/template.txt and seed.jsonl, the hand-checked example of the repository.
export const SAMPLE_TEMPLATE = '### Question:\n{question}\n### Answer:\n{answer}\n### DONE!';
export const SAMPLE_SEEDS = [
  { question: 'How do you get the number of items in a list?', answer: 'Call len() on it: len([1, 2, 3]) returns 3.' },
  { question: 'How do you reverse a string s?', answer: 'Slice it with a step of -1: s[::-1].' },
];

export const shared = {
  /** The Data tab's template text. */
  template: SAMPLE_TEMPLATE,
  /** GET /api/train/datasets → datasets: [{ name, versions: [{ version, key, records, bytes, createdAt }] }] */
  datasets: [],
  /** Why the list could not be read, or null. */
  datasetsError: null,
  /** GET /api/train/info, once read. */
  trainInfo: null,
  /** GET /api/inference/info, once read. */
  inferenceInfo: null,
};

const bus = new EventTarget();

/** Calls listener(detail) whenever `name` is emitted: 'template', 'datasets', 'info'. */
export function on(name, listener) {
  bus.addEventListener(name, (event) => listener(event.detail));
}

export function emit(name, detail) {
  bus.dispatchEvent(new CustomEvent(name, { detail }));
}

export function setTemplate(text) {
  if (text !== shared.template) {
    shared.template = text;
    emit('template', text);
  }
}

/** Reads the saved dataset versions again and tells every tab that shows them. */
export async function refreshDatasets() {
  try {
    const answer = await getJson('/api/train/datasets');
    shared.datasets = answer?.datasets ?? [];
    shared.datasetsError = null;
  } catch (error) {
    shared.datasetsError = error.message;
  }
  emit('datasets', shared.datasets);
  return shared.datasets;
}

// The template a dataset version was saved with, by its key. The datasets API stores JSONL only,
// so the page remembers the pairing itself (localStorage: it is not secret, and outlives the tab).
const TEMPLATES_STORAGE = 'finetunemesh.studio.datasetTemplates';

export function rememberDatasetTemplate(key, template) {
  const all = readTemplates();
  all[key] = template;
  localStorage.setItem(TEMPLATES_STORAGE, JSON.stringify(all));
}

export function datasetTemplate(key) {
  return readTemplates()[key] ?? null;
}

function readTemplates() {
  try {
    return JSON.parse(localStorage.getItem(TEMPLATES_STORAGE) ?? '{}') ?? {};
  } catch {
    return {};
  }
}
