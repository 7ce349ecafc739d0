// Showing errors where they belong: next to the input they concern, else in the tab's form-level
// box. Nothing here ever touches an input's value, so what a person typed survives every error.

import { h } from './dom.js';

/** The error slot of an input: the element with data-testid="error-{input's testid}". */
export function errorSlotFor(input) {
  if (input.classList.contains('field-error')) {
    return input;
  }
  const testid = input.dataset.testid;
  return testid ? document.querySelector(`[data-testid="error-${CSS.escape(testid)}"]`) : null;
}

/**
 * Gives every labelled input of root (inputs, selects and textareas with a data-testid inside a
 * .field wrapper) an error slot after it, data-testid="error-{testid}", and points the input's
 * aria-describedby at its help text and its slot, so a screen reader reads both.
 */
export function prepareErrorSlots(root) {
  for (const input of root.querySelectorAll('.field :is(input, select, textarea)[data-testid]')) {
    attachErrorSlot(input, input.closest('.field'));
  }
}

/** Creates the error slot of one input inside container (unless it has one) and links it. */
export function attachErrorSlot(input, container) {
  const testid = input.dataset.testid;
  let slot = container.querySelector(`[data-testid="error-${CSS.escape(testid)}"]`);
  if (!slot) {
    slot = h('p', { class: 'field-error', id: `error-${testid}`, testid: `error-${testid}`, hidden: true });
    container.append(slot);
  }
  const help = container.querySelector('small[id]');
  input.setAttribute('aria-describedby', [help?.id, slot.id].filter(Boolean).join(' '));
  return slot;
}

// "Training.LearningRate", "$.training.learningRate" and "lora.targets[0]" all become
// "training.learningrate" / "lora.targets": ASP.NET and System.Text.Json spell paths differently.
function normalizeKey(key) {
  return String(key).replace(/^\$\.?/, '').replace(/\[\d+\]/g, '').toLowerCase();
}

function lastSegment(key) {
  return key.split('.').pop();
}

/**
 * The errors of one form.
 *   box:     the tab's form-level box (role=alert) for anything no field claims
 *   fields:  { 'training.learningrate': input, ... } server field names (any case) to inputs
 *   rules:   [[/learning rate/i, input], ...] for errors that come as bare sentences: the first
 *            pattern that matches picks the input (null = the form-level box); a function
 *            target receives the match and returns an input, a slot or null
 *   resolve: key => input or slot, tried first (for indexed names such as "seeds[2]")
 */
export class FormErrors {
  constructor({ box, fields = {}, rules = [], resolve = () => null }) {
    this.box = box;
    this.fields = new Map(Object.entries(fields).map(([key, input]) => [normalizeKey(key), input]));
    this.rules = rules;
    this.resolve = resolve;
    this.shown = new Set();
  }

  /** Empties every slot this form filled and the form-level box. */
  clear() {
    for (const target of this.shown) {
      const slot = errorSlotFor(target);
      if (slot) {
        slot.textContent = '';
        slot.hidden = true;
      }
      target.removeAttribute?.('aria-invalid');
    }
    this.shown.clear();
    this.box.replaceChildren();
    this.box.hidden = true;
  }

  /** Shows an error (an ApiError, or any Error) and moves focus to the first field it concerns. */
  show(error) {
    const unmapped = [];
    let first = null;
    const fields = error?.fields ?? [];
    for (const { key, message } of fields) {
      const target = this.targetFor(key, message);
      if (target) {
        this.showAt(target, message);
        first ??= target;
      } else {
        unmapped.push(message);
      }
    }
    if (fields.length === 0) {
      unmapped.push(error?.message ?? String(error));
    } else if (unmapped.length > 0 && error?.message && !unmapped.includes(error.message)) {
      // The headline ("the request was refused") gives the stray messages their context.
      unmapped.unshift(error.message);
    }
    if (unmapped.length > 0) {
      this.showInBox(unmapped);
    }
    if (first && unmapped.length === 0) {
      focusTarget(first);
    }
  }

  /** A message next to one input (a client-side check). */
  showAt(target, message) {
    const slot = errorSlotFor(target);
    if (!slot) {
      this.showInBox([message]);
      return;
    }
    if (slot.textContent.includes(message)) {
      return; // both Playground columns may report the same setting
    }
    slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
    slot.hidden = false;
    if (slot !== target) {
      target.setAttribute('aria-invalid', 'true');
    }
    this.shown.add(target);
  }

  /** Messages in the form-level box, which is scrolled into view: it may sit above the button pressed. */
  showInBox(messages) {
    const items = messages.map((message) => h('li', {}, message));
    const list = this.box.querySelector('ul') ?? this.box.appendChild(h('ul'));
    list.append(...items);
    this.box.hidden = false;
    this.box.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  targetFor(key, message) {
    if (key !== null && key !== undefined && key !== '') {
      const resolved = this.resolve(String(key));
      if (resolved) {
        return resolved;
      }
      const normalized = normalizeKey(key);
      if (this.fields.has(normalized)) {
        return this.fields.get(normalized);
      }
      // "learningRate" alone still means "training.learningRate".
      for (const [name, input] of this.fields) {
        if (lastSegment(name) === lastSegment(normalized)) {
          return input;
        }
      }
      return null;
    }
    for (const [pattern, target] of this.rules) {
      const match = pattern.exec(message);
      if (match) {
        return typeof target === 'function' ? target(match) : target;
      }
    }
    return null;
  }
}

function focusTarget(target) {
  const input = target.classList?.contains('field-error')
    ? target.closest('tr, .field')?.querySelector('input, select, textarea')
    : target;
  input?.focus({ preventScroll: false });
}

/**
 * Reads a number input: undefined when empty, the number when valid; adds an error and returns
 * NaN when the text is not a number (the browser reports "" for bad input, which must not
 * silently become the server's default).
 */
export function readNumber(input, errors, { integer = false, min } = {}) {
  if (input.validity.badInput) {
    errors.showAt(input, 'not a number.');
    return Number.NaN;
  }
  const text = input.value.trim();
  if (text === '') {
    return undefined;
  }
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    errors.showAt(input, integer ? 'must be a whole number.' : 'not a number.');
    return Number.NaN;
  }
  if (min !== undefined && value < min) {
    errors.showAt(input, `must be at least ${min}.`);
    return Number.NaN;
  }
  return value;
}

/** Runs an async action with its button disabled (and labelled busy) until it settles. */
export async function whileBusy(button, action) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}
