// The dataset being assembled on the Data tab: seeds, accepted synthesized examples and uploaded
// lines, as one list of rows. Several views show the same rows (the seed table, the synthesis
// results, the dataset table); they listen to this model, so an edit in one shows in the others.

let nextId = 1;

/**
 * A row. kind 'fields': values holds template fields as strings. kind 'json': a record of another
 * shape (prompt/completion, messages) kept as editable JSON text in `json`.
 * source: 'seed' | 'synth' | 'upload' (shown, and seeds are what synthesis starts from).
 */
export function makeRow(source, values = {}, kind = 'fields', json = '') {
  return { id: nextId++, source, kind, values: { ...values }, json };
}

/**
 * Events: 'add' {row}, 'remove' {row}, 'value' {row, field, origin} (origin: the input that made
 * the change, which must not be rewritten under the person typing in it).
 */
export class Dataset extends EventTarget {
  constructor() {
    super();
    this.rows = [];
  }

  add(row) {
    // Seeds stay together at the top, so "seed 0" is always the first row.
    const index = row.source === 'seed' ? this.rows.filter((r) => r.source === 'seed').length : this.rows.length;
    this.rows.splice(index, 0, row);
    this.emit('add', { row, index });
    return row;
  }

  remove(row) {
    const index = this.rows.indexOf(row);
    if (index !== -1) {
      this.rows.splice(index, 1);
      this.emit('remove', { row });
    }
  }

  has(row) {
    return this.rows.includes(row);
  }

  /** Sets one field of a row (field '__json' is a json row's text). */
  update(row, field, value, origin = null) {
    if (field === '__json') {
      row.json = value;
    } else {
      row.values[field] = value;
    }
    this.emit('value', { row, field, origin });
  }

  seeds() {
    return this.rows.filter((r) => r.source === 'seed');
  }

  indexOf(row) {
    return this.rows.indexOf(row);
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /**
   * The rows as JSONL, one JSON object per line: template rows with exactly the template's fields
   * (so a field renamed in the template does not leave stale keys), json rows as written.
   * problems: [{ row, message }] for json rows that no longer parse.
   */
  toJsonl(fields) {
    const lines = [];
    const problems = [];
    for (const row of this.rows) {
      if (row.kind === 'json') {
        try {
          const record = JSON.parse(row.json);
          if (!record || typeof record !== 'object' || Array.isArray(record)) {
            throw new Error('not a JSON object');
          }
          lines.push(JSON.stringify(record));
        } catch (error) {
          problems.push({ row, message: `not valid JSON: ${error.message}` });
        }
      } else {
        lines.push(JSON.stringify(Object.fromEntries(fields.map((f) => [f, row.values[f] ?? '']))));
      }
    }
    return { text: lines.length > 0 ? `${lines.join('\n')}\n` : '', count: lines.length, problems };
  }
}

/**
 * Reads an uploaded JSONL file into rows. Lines holding a template field become template rows;
 * prompt/completion and messages records (or any other object) are kept as JSON rows. Lines that
 * are not JSON objects are reported by number and skipped; blank lines are ignored.
 */
export function parseJsonl(text, fields) {
  const rows = [];
  const problems = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') {
      return;
    }
    let record;
    try {
      record = JSON.parse(line);
    } catch (error) {
      problems.push({ line: index + 1, message: `not valid JSON (${error.message})` });
      return;
    }
    if (!record || typeof record !== 'object' || Array.isArray(record)) {
      problems.push({ line: index + 1, message: 'not a JSON object' });
      return;
    }
    if (fields.some((field) => field in record)) {
      const values = Object.fromEntries(fields.map((f) => [f, asText(record[f])]));
      rows.push(makeRow('upload', values));
    } else {
      rows.push(makeRow('upload', {}, 'json', JSON.stringify(record)));
    }
  });
  return { rows, problems };
}

function asText(value) {
  if (value === undefined || value === null) {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
