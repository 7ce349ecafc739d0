// Every call to the gateway goes through this file: it adds the API key, turns error bodies into
// one ApiError shape the forms can show, reads server-sent events, and downloads files.

const KEY_STORAGE = 'finetunemesh.studio.apiKey';

/** The API key typed in the header; kept in sessionStorage so it lives as long as the tab, no longer. */
export function getApiKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function setApiKey(key) {
  if (key) {
    sessionStorage.setItem(KEY_STORAGE, key);
  } else {
    sessionStorage.removeItem(KEY_STORAGE);
  }
}

// Called on every 401, so the header can ask for the key wherever the call came from.
let unauthorizedHandler = () => {};

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/**
 * An error answer of the API, reduced to what a form shows: a message, and the messages that
 * concern particular fields. `fields` entries are { key, message }: key is the server's field name
 * ("training.learningRate", "seeds[0]", an OpenAI `param`), or null when the server gave only a
 * sentence (the trainer lists its problems as plain sentences); forms map those by their words.
 */
export class ApiError extends Error {
  constructor(status, body, { message, fields = [] }) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
    this.fields = fields;
  }
}

/** True for the error an aborted fetch or stream read throws (the user pressed Stop or Cancel). */
export function isAbort(error) {
  return error?.name === 'AbortError';
}

/**
 * Reads the shapes of error body this mesh sends:
 *  - ASP.NET validation problems {title, errors: {Field: [msg]}}
 *  - problem details {title, detail}
 *  - OpenAI's {error: {message, param}}
 *  - the trainer's {error: "sentence", errors: ["sentence", ...]} and {error: "sentence"}
 *  - a bare JSON string (ASP.NET's Conflict("...")) or plain text.
 */
export function describeError(status, body) {
  if (status === 401) {
    return { message: 'the gateway needs an API key', fields: [] };
  }
  if (body && typeof body === 'object') {
    if (body.errors && typeof body.errors === 'object' && !Array.isArray(body.errors)) {
      const fields = Object.entries(body.errors).flatMap(([key, messages]) =>
        (Array.isArray(messages) ? messages : [messages]).map((message) => ({ key, message: String(message) })));
      return { message: body.detail ?? body.title ?? 'The request is not valid.', fields };
    }
    if (Array.isArray(body.errors)) {
      const fields = body.errors.map((message) => ({ key: null, message: String(message) }));
      return { message: typeof body.error === 'string' ? body.error : 'The request was refused.', fields };
    }
    if (body.error && typeof body.error === 'object') {
      const message = body.error.message ?? 'The request failed.';
      return { message, fields: body.error.param ? [{ key: body.error.param, message }] : [] };
    }
    if (typeof body.error === 'string') {
      return { message: body.error, fields: [] };
    }
    if (body.detail || body.title) {
      return { message: body.detail ?? body.title, fields: [] };
    }
  }
  if (typeof body === 'string' && body.trim() && !body.trimStart().startsWith('<')) {
    return { message: body.trim(), fields: [] };
  }
  if (status === 502 || status === 503 || status === 504) {
    return { message: `the service behind the gateway is not answering (HTTP ${status}); is it running?`, fields: [] };
  }
  return { message: `the request failed with HTTP ${status}.`, fields: [] };
}

/** The body as JSON when it is JSON, else as text; null when empty. */
async function readBody(response) {
  const text = await response.text();
  if (!text) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * fetch with the API key. Resolves to the Response when it is 2xx; otherwise throws an ApiError
 * with the server's message (and calls the 401 handler first).
 * options: method, json (a body to send as JSON), body + contentType (any other body), signal, accept.
 */
export async function request(path, { method = 'GET', json, body, contentType, signal, accept } = {}) {
  const headers = new Headers();
  const key = getApiKey().trim();
  if (key) {
    headers.set('Authorization', `Bearer ${key}`);
  }
  if (accept) {
    headers.set('Accept', accept);
  }
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    headers.set('Content-Type', 'application/json');
  } else if (contentType) {
    headers.set('Content-Type', contentType);
  }

  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, signal });
  } catch (error) {
    if (isAbort(error)) {
      throw error;
    }
    throw new ApiError(0, null, { message: `the gateway could not be reached (${error.message}).` });
  }

  if (!response.ok) {
    const errorBody = await readBody(response).catch(() => null);
    if (response.status === 401) {
      unauthorizedHandler();
    }
    throw new ApiError(response.status, errorBody, describeError(response.status, errorBody));
  }
  return response;
}

/** GET (or any method) and parse the JSON answer; null for an empty body. */
export async function getJson(path, options = {}) {
  const response = await request(path, { accept: 'application/json', ...options });
  return readBody(response);
}

/**
 * A stored JSON file (served as application/octet-stream). metrics.json of a diverged run holds
 * bare NaN and Infinity, which JSON.parse refuses: those values are read as null.
 */
export async function getJsonFile(path, options = {}) {
  const text = await (await request(path, options)).text();
  try {
    return JSON.parse(text);
  } catch (error) {
    const repaired = text.replace(/(?<=[:[,]\s*)-?(NaN|Infinity)(?=\s*[,\]}])/g, 'null');
    if (repaired === text) {
      throw error;
    }
    return JSON.parse(repaired);
  }
}

/** Sends a JSON body and parses the JSON answer. */
export function sendJson(method, path, json, options = {}) {
  return getJson(path, { ...options, method, json });
}

/**
 * A parser for the text/event-stream format (the WHATWG rules): `event:`, `data:` (several are
 * joined with newlines) and `id:` lines make an event, a blank line dispatches it, lines starting
 * with ':' are comments (the services' keep-alives) and are skipped. Feed it text as it arrives;
 * a line split across two chunks is kept until its end comes.
 */
export function createEventParser(onEvent) {
  let buffer = '';
  let eventName = '';
  let data = [];
  let lastId = '';

  function dispatch() {
    // An event with no data line is not dispatched, as in the browser's EventSource.
    if (data.length > 0) {
      onEvent({ event: eventName || 'message', data: data.join('\n'), id: lastId });
    }
    eventName = '';
    data = [];
  }

  function line(text) {
    if (text === '') {
      dispatch();
      return;
    }
    if (text.startsWith(':')) {
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      eventName = value;
    } else if (field === 'data') {
      data.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      lastId = value;
    }
    // "retry" and unknown fields are ignored: reconnecting is the caller's decision here.
  }

  return {
    push(text) {
      buffer += text;
      // Lines end with \r\n, \n or \r. A \r at the very end may be the first half of a \r\n: wait.
      const pattern = /\r\n|\n|\r(?!$)/g;
      let start = 0;
      let match;
      while ((match = pattern.exec(buffer)) !== null) {
        line(buffer.slice(start, match.index));
        start = match.index + match[0].length;
      }
      buffer = buffer.slice(start);
    },
    end() {
      // A lone \r left at the very end was a line end after all; an unfinished event is dropped.
      if (buffer.endsWith('\r')) {
        line(buffer.slice(0, -1));
      }
      buffer = '';
    },
  };
}

/**
 * Reads a server-sent event stream with fetch (EventSource cannot send the API key header) and calls
 * onEvent({event, data, id}) for each event. Resolves when the server ends the stream; rejects with
 * an AbortError when `signal` aborts, or an ApiError when the answer is not 2xx.
 * method and json allow the POST streams of the OpenAI-compatible API.
 */
export async function readEvents(url, { signal, onEvent, method = 'GET', json } = {}) {
  const response = await request(url, { method, json, signal, accept: 'text/event-stream' });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = createEventParser(onEvent);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      parser.push(value);
    }
    parser.end();
  } finally {
    reader.releaseLock();
  }
}

/**
 * Downloads a file that needs the API key: fetched as a blob, then saved through a temporary
 * object URL and an <a download> click (a plain link could not send the header).
 */
export async function downloadFile(path, fileName, { signal } = {}) {
  const response = await request(path, { signal });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The click starts the download asynchronously; give it time before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return blob.size;
}

/** Path segments are user input (adapter names, dataset names): always encode them. */
export function path(strings, ...values) {
  return strings.reduce((result, text, i) => result + text + (i < values.length ? encodeURIComponent(values[i]) : ''), '');
}

/** Waits ms milliseconds; rejects with an AbortError as soon as signal aborts (between reconnects). */
export function delay(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('aborted', 'AbortError'));
      return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    }, { once: true });
  });
}

/**
 * Follows a resource's event stream until the resource is final. When the stream ends early (a
 * trainer restarted, the network blinked, a 503 for too many streams) the resource is read once,
 * then the stream is opened again; a 400 or 404 ends the following through onFatal.
 * onState(state) returns true once the state it was given is final.
 */
export async function followUntilFinal({ eventsUrl, stateUrl, signal, onEvent, onState, onFatal }) {
  for (;;) {
    try {
      await readEvents(eventsUrl, { signal, onEvent });
    } catch (error) {
      if (isAbort(error)) {
        return;
      }
      if (error.status === 400 || error.status === 404) {
        onFatal(error);
        return;
      }
    }
    try {
      if (await onState(await getJson(stateUrl, { signal }))) {
        return;
      }
      await delay(2000, signal);
    } catch (error) {
      if (isAbort(error)) {
        return;
      }
      await delay(5000, signal).catch(() => {});
      if (signal.aborted) {
        return;
      }
    }
  }
}
