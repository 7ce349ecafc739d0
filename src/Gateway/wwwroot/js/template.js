// Prompt templates, read the way the server reads them (src/Prompts/PromptTemplate.cs): {name}
// placeholders, {{ and }} for literal braces; the last placeholder is the completion, the prompt is
// everything before it, and the fixed text after it is the end marker the model learns to stop at.

const FIELD = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;

/**
 * Parses a template. Returns { parts, fields, completionField, endMarker, stop } or { error }.
 * parts: [{ literal, field }] where field is null for the final literal (the end marker).
 */
export function parseTemplate(text) {
  const parts = [];
  let literal = '';
  let position = 0;
  while (position < text.length) {
    const rest = text.slice(position);
    if (rest.startsWith('{{') || rest.startsWith('}}')) {
      literal += text[position];
      position += 2;
      continue;
    }
    if (text[position] === '{') {
      const match = FIELD.exec(rest);
      if (!match) {
        return { error: `a '{' at offset ${position} does not start a {name} placeholder (write '{{' for a literal brace).` };
      }
      parts.push({ literal, field: match[1] });
      literal = '';
      position += match[0].length;
      continue;
    }
    literal += text[position];
    position += 1;
  }
  parts.push({ literal, field: null });

  const fields = parts.filter((p) => p.field !== null).map((p) => p.field);
  if (fields.length === 0) {
    return { error: 'the template has no {placeholder}; it needs at least the completion field, e.g. {answer}.' };
  }
  const duplicate = fields.find((field, i) => fields.indexOf(field) !== i);
  if (duplicate) {
    return { error: `placeholder {${duplicate}} appears more than once.` };
  }
  const endMarker = parts[parts.length - 1].literal;
  return {
    parts,
    fields,
    completionField: fields[fields.length - 1],
    endMarker,
    // Generation stops on the end marker without the white space around it, as the server does.
    stop: endMarker.trim() === '' ? null : endMarker.trim(),
  };
}

/** The fields a person fills in to prompt the model: all but the completion. */
export function promptFields(template) {
  return template.fields.slice(0, -1);
}

/** The prompt: the template up to the completion placeholder, other fields filled (missing = empty). */
export function renderPrompt(template, values) {
  let text = '';
  for (const { literal, field } of template.parts) {
    text += literal;
    if (field === null || field === template.completionField) {
      break;
    }
    text += values[field] ?? '';
  }
  return text;
}

/** The whole example: prompt, completion and end marker. */
export function renderFull(template, values) {
  let text = '';
  for (const { literal, field } of template.parts) {
    text += literal;
    if (field !== null) {
      text += values[field] ?? '';
    }
  }
  return text;
}

/** True when two field lists are the same names in the same order. */
export function sameFields(a, b) {
  return a.length === b.length && a.every((field, i) => field === b[i]);
}
