// Views of the dataset rows: the seed table and the dataset table of the Data tab (the synthesis
// results reuse the editors). Every editor writes into the row model on each keystroke, and the
// other editors of the same row and field follow, so no view holds text the others lack.

import { h } from './dom.js';

const SOURCE_NAMES = { seed: 'seed', synth: 'synthesized', upload: 'uploaded' };

/** Keeps every editor of a row field showing the model's value (except the one being typed in). */
export function installEditSync(dataset) {
  dataset.addEventListener('value', ({ detail: { row, field, origin } }) => {
    const selector = `[data-row-id="${row.id}"][data-field="${CSS.escape(field)}"]`;
    for (const editor of document.querySelectorAll(selector)) {
      if (editor !== origin) {
        editor.value = field === '__json' ? row.json : row.values[field] ?? '';
      }
    }
  });
}

/**
 * A textarea bound to one field of a row, with a visually hidden <label>. It grows with its text
 * (CSS field-sizing), so long answers stay readable in a table cell.
 */
export function fieldEditor({ dataset, row, field, view, label, testid }) {
  const id = `${view}-${row.id}-${field}`;
  const editor = h('textarea', {
    id,
    class: field === '__json' ? 'cell-editor json' : 'cell-editor',
    rows: 1,
    spellcheck: field === '__json' ? 'false' : null,
    testid,
    dataset: { rowId: row.id, field },
    value: field === '__json' ? row.json : row.values[field] ?? '',
    on: { input: (event) => dataset.update(row, field, event.target.value, event.target) },
  });
  return [h('label', { for: id, class: 'visually-hidden' }, label), editor];
}

/** The error slot of a row (the page shows a row's problems there, e.g. a line the server refused). */
export function rowErrorSlot(row, testid) {
  return h('p', { class: 'field-error', testid, dataset: { rowError: row.id }, hidden: true });
}

/**
 * The seed table: one row per seed, one column per template field, inputs with
 * data-testid="seed-{row}-{field}" and a "Remove" button; re-rendered when seeds come or go or the
 * fields change (seeds are few, and those changes come from a click, not typing).
 */
export class SeedTable {
  constructor(table, dataset) {
    this.table = table;
    this.dataset = dataset;
    this.fields = [];
    const rerender = ({ detail: { row } }) => {
      if (row.source === 'seed') {
        this.render();
      }
    };
    dataset.addEventListener('add', rerender);
    dataset.addEventListener('remove', rerender);
  }

  setFields(fields) {
    this.fields = fields;
    this.render();
  }

  render() {
    const seeds = this.dataset.seeds();
    const head = h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, '#'),
      this.fields.map((field) => h('th', { scope: 'col' }, field)),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions'))));
    const body = h('tbody', {}, seeds.map((row, index) => this.renderRow(row, index)));
    this.table.replaceChildren(h('caption', { class: 'visually-hidden' }, 'Seed examples'), head, body);
  }

  renderRow(row, index) {
    return h('tr', { dataset: { rowId: row.id } },
      h('th', { scope: 'row' }, String(index + 1)),
      this.fields.map((field) => h('td', {},
        fieldEditor({ dataset: this.dataset, row, field, view: 'seed', label: `${field} of seed ${index + 1}`, testid: `seed-${index}-${field}` }))),
      h('td', { class: 'actions' },
        h('button', {
          type: 'button',
          class: 'small',
          testid: `seed-remove-${index}`,
          on: { click: () => this.dataset.remove(row) },
        }, 'Remove', h('span', { class: 'visually-hidden' }, ` seed ${index + 1}`)),
        rowErrorSlot(row, `error-seed-${index}`)));
  }

  /** Focuses the first input of the last seed (after "Add seed"). */
  focusLast() {
    this.table.querySelector('tbody tr:last-child textarea')?.focus();
  }
}

/**
 * The dataset table: every row (seeds, synthesized, uploaded), editable, with a "Drop" button.
 * Rows are added and removed one at a time, so synthesized rows arriving in a batch never take the
 * cursor away from someone editing another row; only a change of template fields redraws it all.
 */
export class DatasetTable {
  constructor(table, dataset, { onChange = () => {} } = {}) {
    this.table = table;
    this.dataset = dataset;
    this.fields = [];
    this.onChange = onChange;
    this.body = h('tbody');
    dataset.addEventListener('add', ({ detail: { row, index } }) => {
      const element = this.renderRow(row);
      this.body.insertBefore(element, this.body.children[index] ?? null);
      this.onChange();
    });
    dataset.addEventListener('remove', ({ detail: { row } }) => {
      this.body.querySelector(`tr[data-row-id="${row.id}"]`)?.remove();
      this.onChange();
    });
  }

  setFields(fields) {
    this.fields = fields;
    this.render();
  }

  render() {
    const head = h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, '#'),
      h('th', { scope: 'col' }, 'Source'),
      this.fields.map((field) => h('th', { scope: 'col' }, field)),
      h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions'))));
    this.body.replaceChildren(...this.dataset.rows.map((row) => this.renderRow(row)));
    this.table.replaceChildren(h('caption', { class: 'visually-hidden' }, 'Dataset rows'), head, this.body);
    this.onChange();
  }

  renderRow(row) {
    const cells = row.kind === 'json'
      ? [h('td', { colspan: Math.max(this.fields.length, 1) },
        fieldEditor({ dataset: this.dataset, row, field: '__json', view: 'dataset', label: 'record as JSON' }))]
      : this.fields.map((field) => h('td', {},
        fieldEditor({ dataset: this.dataset, row, field, view: 'dataset', label: field })));
    return h('tr', { dataset: { rowId: row.id, source: row.source } },
      // The row number comes from a CSS counter, so dropping a row renumbers the rest for free.
      h('td', { class: 'row-number' }),
      h('td', { class: 'source' }, SOURCE_NAMES[row.source] ?? row.source),
      cells,
      h('td', { class: 'actions' },
        h('button', { type: 'button', class: 'small', on: { click: () => this.dataset.remove(row) } }, 'Drop'),
        rowErrorSlot(row, null)));
  }

  /** The error slot of a row (for "line N" problems the server names). */
  slotFor(row) {
    return this.body.querySelector(`[data-row-error="${row.id}"]`);
  }
}
