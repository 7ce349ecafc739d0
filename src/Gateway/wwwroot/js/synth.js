// Synthesis on the Data tab: starts a job on the synth service, follows its events, and shows every
// example the quality gate saw as it arrives. Accepted examples join the dataset at once (editable,
// droppable); rejected ones are shown greyed with the reason, and can be accepted anyway.

import { delay, getJson, isAbort, path, readEvents, request, sendJson } from './api.js';
import { byTestId, h, setOptions } from './dom.js';
import { makeRow } from './dataset.js';
import { fieldEditor } from './dataset-table.js';
import { readNumber, whileBusy } from './forms.js';
import { formatNumber } from './format.js';

const FINAL = new Set(['succeeded', 'failed', 'cancelled']);

// How often a dropped event stream is reopened before the page gives up following the job.
const MAX_RECONNECTS = 5;

export class Synthesis {
  /**
   * @param panel    the Data tab panel
   * @param dataset  the Dataset model
   * @param errors   the FormErrors of the synthesis form
   * @param template () => { text, parsed } the Data tab's template
   */
  constructor({ panel, dataset, errors, template }) {
    this.dataset = dataset;
    this.errors = errors;
    this.template = template;
    this.count = byTestId('synth-count', panel);
    this.provider = byTestId('synth-provider', panel);
    this.temperature = byTestId('synth-temperature', panel);
    this.runButton = byTestId('synth-run', panel);
    this.cancelButton = byTestId('synth-cancel', panel);
    this.status = byTestId('synth-status', panel);
    this.log = byTestId('synth-log', panel);
    this.table = byTestId('synth-entries', panel);
    this.jobId = null;
    this.follow = null;
    this.entries = [];
    this.fields = [];
    this.seen = new Map();
    this.providersLoaded = false;

    byTestId('synth-form', panel).addEventListener('submit', (event) => {
      event.preventDefault();
      whileBusy(this.runButton, () => this.run());
    });
    this.cancelButton.addEventListener('click', () => this.cancel());
    // A row dropped from the dataset table greys out here too.
    dataset.addEventListener('remove', ({ detail: { row } }) => {
      const entry = this.entries.find((e) => e.row === row);
      if (entry) {
        this.renderEntry(entry);
      }
    });
  }

  /** Fills the provider select from GET /api/synth/providers, until one read succeeds (the list is configuration). */
  async loadProviders() {
    if (this.providersLoaded) {
      return;
    }
    try {
      const answer = await getJson('/api/synth/providers');
      const options = (answer?.providers ?? []).map((p) => ({
        value: p.name,
        label: `${p.name} (${p.kind}${p.model ? `, ${p.model}` : ''})${p.name === answer.default ? ' — default' : ''}`,
      }));
      setOptions(this.provider, options.length > 0 ? options : [{ value: '', label: 'the service default' }], answer?.default);
      this.providersLoaded = true;
    } catch (error) {
      setOptions(this.provider, [{ value: '', label: 'the service default' }]);
      this.log.textContent = `Could not list the providers: ${error.message}`;
    }
  }

  async run() {
    this.errors.clear();
    const { text, parsed } = this.template();
    const count = readNumber(this.count, this.errors, { integer: true, min: 1 });
    const temperature = readNumber(this.temperature, this.errors, { min: 0 });
    if (Number.isNaN(count) || Number.isNaN(temperature)) {
      return;
    }
    const fields = parsed.fields ?? [];
    const seeds = this.dataset.seeds().map((row) => Object.fromEntries(fields.map((f) => [f, row.values[f] ?? ''])));
    const body = { template: text, seeds, count: count ?? 50 };
    if (this.provider.value) {
      body.provider = this.provider.value;
    }
    if (temperature !== undefined) {
      body.sampling = { temperature };
    }

    let job;
    try {
      job = await sendJson('POST', '/api/synth/jobs', body);
    } catch (error) {
      this.errors.show(error);
      return;
    }
    this.start(job, fields);
  }

  /** Shows a new job and follows it to its end. */
  start(job, fields) {
    this.follow?.abort();
    this.jobId = job.id;
    this.fields = fields;
    this.entries = [];
    this.seen = new Map();
    this.renderTable();
    this.log.textContent = '';
    this.showCounts(job);
    this.cancelButton.disabled = false;
    this.followJob(job.id);
  }

  async followJob(id) {
    const follow = new AbortController();
    this.follow = follow;
    let lastSequence = 0;
    let job = null;
    try {
      for (let attempt = 0; attempt <= MAX_RECONNECTS; attempt += 1) {
        try {
          await readEvents(path`/api/synth/jobs/${id}/events`, {
            signal: follow.signal,
            onEvent: ({ data }) => {
              const event = JSON.parse(data);
              // A reopened stream replays the job's events from the start: skip those already shown.
              if (event.sequence <= lastSequence) {
                return;
              }
              lastSequence = event.sequence;
              this.onEvent(event);
            },
          });
        } catch (error) {
          if (isAbort(error)) {
            return;
          }
          this.log.textContent = `The event stream broke (${error.message}); reconnecting…`;
        }
        job = await getJson(path`/api/synth/jobs/${id}`, { signal: follow.signal });
        if (FINAL.has(job.status)) {
          break;
        }
        await delay(1000, follow.signal);
      }
      if (job) {
        this.showCounts(job);
        this.log.textContent = job.error
          ?? (FINAL.has(job.status) ? `Finished: the accepted examples are in the dataset below.` : 'Stopped following the job: its event stream kept breaking.');
      }
      await this.completeFromReport(id, follow.signal);
    } catch (error) {
      if (!isAbort(error)) {
        this.errors.show(error);
      }
    } finally {
      if (this.follow === follow) {
        this.cancelButton.disabled = true;
      }
    }
  }

  onEvent(event) {
    this.showCounts(event);
    if (event.type === 'retry' || event.type === 'handoff' || (event.message && event.type === 'status')) {
      this.log.textContent = event.message ?? '';
    }
    for (const entry of event.entries ?? []) {
      this.seen.set(entryKey(entry), (this.seen.get(entryKey(entry)) ?? 0) + 1);
      this.addEntry(entry);
    }
  }

  /**
   * The report lists every example the gate saw. Events carry them too, but a stream that broke and
   * was reopened, or a job that ended before the page followed it, may have missed some: add any
   * the table does not have yet (counted, since two examples may be identical).
   */
  async completeFromReport(id, signal) {
    let report;
    try {
      report = await getJson(path`/api/synth/jobs/${id}/report`, { signal });
    } catch (error) {
      if (error.status === 409 || error.status === 404) {
        return; // nothing was stored (the job failed before its first batch)
      }
      throw error;
    }
    const remaining = new Map(this.seen);
    for (const entry of report?.examples ?? report?.entries ?? []) {
      const key = entryKey(entry);
      if ((remaining.get(key) ?? 0) > 0) {
        remaining.set(key, remaining.get(key) - 1);
      } else {
        this.addEntry(entry);
      }
    }
  }

  async cancel() {
    if (!this.jobId) {
      return;
    }
    try {
      await request(path`/api/synth/jobs/${this.jobId}`, { method: 'DELETE' });
      this.log.textContent = 'Cancelling: what was accepted so far is kept.';
    } catch (error) {
      this.errors.show(error);
    }
  }

  showCounts(job) {
    this.status.textContent = `${job.status ?? 'queued'} — accepted ${formatNumber(job.accepted ?? 0)} · `
      + `rejected ${formatNumber(job.rejected ?? 0)} · requests ${formatNumber(job.requests ?? 0)}`
      + (job.tokens ? ` · ${formatNumber(job.tokens)} tokens` : '');
    this.status.dataset.status = job.status ?? 'queued';
  }

  addEntry(raw) {
    const entry = {
      batch: raw.batch,
      accepted: raw.accepted === true,
      record: raw.record ?? {},
      reason: raw.reason ?? null,
      detail: raw.detail ?? null,
      row: null,
      element: null,
    };
    if (entry.accepted) {
      entry.row = this.dataset.add(makeRow('synth', this.valuesOf(entry.record)));
    }
    this.entries.push(entry);
    this.renderEntry(entry);
  }

  valuesOf(record) {
    return Object.fromEntries(this.fields.map((f) => [f, textOf(record[f])]));
  }

  renderTable() {
    this.body = h('tbody');
    this.table.replaceChildren(
      h('caption', { class: 'visually-hidden' }, 'Examples the quality gate saw'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Batch'),
        h('th', { scope: 'col' }, 'Verdict'),
        this.fields.map((field) => h('th', { scope: 'col' }, field)),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
      this.body);
  }

  /** Draws (or redraws) one entry's row: editable while it is in the dataset, greyed otherwise. */
  renderEntry(entry) {
    const included = entry.row !== null && this.dataset.has(entry.row);
    const index = this.entries.indexOf(entry);
    const row = h('tr', {
      class: included ? 'included' : 'excluded',
      dataset: { accepted: String(entry.accepted), included: String(included), reason: entry.reason ?? '' },
    },
    h('td', {}, String(entry.batch ?? '')),
    h('td', { class: 'verdict' }, verdictOf(entry, included)),
    this.fields.map((field) => h('td', {}, included
      ? fieldEditor({ dataset: this.dataset, row: entry.row, field, view: 'synth', label: `${field} of example ${index + 1}` })
      : h('span', { class: 'cell-text' }, textOf(entry.record[field])))),
    h('td', { class: 'actions' }, this.actionFor(entry, included)));
    if (entry.element) {
      entry.element.replaceWith(row);
    } else {
      this.body.append(row);
    }
    entry.element = row;
  }

  actionFor(entry, included) {
    if (included) {
      return h('button', { type: 'button', class: 'small', on: { click: () => this.dataset.remove(entry.row) } }, 'Drop');
    }
    const label = entry.accepted ? 'Restore' : 'Accept anyway';
    return h('button', {
      type: 'button',
      class: 'small',
      on: {
        click: () => {
          entry.row ??= makeRow('synth', this.valuesOf(entry.record));
          this.dataset.add(entry.row);
          this.renderEntry(entry);
        },
      },
    }, label);
  }
}

function verdictOf(entry, included) {
  if (entry.accepted) {
    return included ? 'accepted' : 'accepted, dropped';
  }
  return [
    h('strong', {}, humanize(entry.reason ?? 'rejected')),
    entry.detail ? h('span', { class: 'detail' }, `: ${entry.detail}`) : null,
    included ? h('span', { class: 'detail' }, ' (accepted anyway)') : null,
  ];
}

/** "nearDuplicate" or "NearDuplicate" → "near duplicate". */
function humanize(name) {
  return String(name).replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
}

function textOf(value) {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Identifies an example across the event stream and the report (same batch, verdict and record). */
function entryKey(entry) {
  const record = entry.record ?? {};
  const sorted = Object.keys(record).sort().map((key) => [key, record[key]]);
  return `${entry.batch}|${entry.accepted}|${JSON.stringify(sorted)}`;
}
