// Small DOM helpers. Building elements with these reads better than HTML strings and never
// mis-escapes text that came from a model or a user.

// Properties that must be set as properties: the attribute of the same name is only the initial
// value (a textarea has no value attribute at all).
const PROPERTIES = new Set(['value', 'checked', 'selected', 'indeterminate']);

/**
 * Creates an element.
 *   h('button', { class: 'small', testid: 'seed-add', on: { click: add } }, 'Add seed')
 * props: class, text, testid (data-testid), dataset, on (listeners), value/checked (properties),
 * anything else as an attribute (true = present; false, null, undefined = left out).
 */
export function h(tag, props = {}, ...children) {
  return build(document.createElement(tag), props, children);
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element; props as for h(). */
export function svg(tag, props = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(element, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === 'class') {
      element.setAttribute('class', value);
    } else if (key === 'text') {
      element.textContent = value;
    } else if (key === 'testid') {
      element.dataset.testid = value;
    } else if (key === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (key === 'on') {
      for (const [type, listener] of Object.entries(value)) {
        element.addEventListener(type, listener);
      }
    } else if (PROPERTIES.has(key)) {
      element[key] = value;
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends children: nodes, strings (as text), arrays of them; null and false are skipped. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** Replaces an element's content with children as append() takes them (arrays flattened, null skipped). */
export function replaceContent(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** The element with this data-testid inside root (the document by default); throws when missing, so a typo fails loudly. */
export function byTestId(testid, root = document) {
  const element = root.querySelector(`[data-testid="${CSS.escape(testid)}"]`);
  if (!element) {
    throw new Error(`no element with data-testid="${testid}"`);
  }
  return element;
}

/** Replaces the options of a select, keeping the current choice when it is still offered. */
export function setOptions(select, options, preferred) {
  const previous = select.value;
  select.replaceChildren(...options.map((o) => h('option', { value: o.value, disabled: o.disabled }, o.label)));
  const values = options.filter((o) => !o.disabled).map((o) => o.value);
  if (values.includes(previous)) {
    select.value = previous;
  } else if (preferred !== undefined && values.includes(preferred)) {
    select.value = preferred;
  }
}

/** A <dl> from [term, value] pairs; pairs whose value is null or undefined are left out. */
export function definitionList(pairs, props = {}) {
  return h('dl', { class: 'facts', ...props },
    pairs.filter(([, value]) => value !== null && value !== undefined && value !== '')
      .map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

/**
 * Shows text in a <pre> with its white space visible: a mark at each line end and tab, and
 * highlighted trailing spaces (the ones that matter most in a prompt and are otherwise invisible).
 * The marks are CSS ::before content, so copying the text copies exactly the prompt.
 */
export function showWhitespace(pre, text) {
  const nodes = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const trailing = line.match(/ +$/)?.[0] ?? '';
    const body = line.slice(0, line.length - trailing.length);
    body.split('\t').forEach((piece, i) => {
      if (i > 0) {
        nodes.push(h('span', { class: 'ws ws-tab' }, '\t'));
      }
      nodes.push(piece);
    });
    if (trailing) {
      nodes.push(h('span', { class: 'ws ws-space', title: `${trailing.length} trailing space(s)` }, trailing));
    }
    if (index < lines.length - 1) {
      nodes.push(h('span', { class: 'ws ws-newline' }), '\n');
    }
  });
  pre.replaceChildren(...nodes);
}
