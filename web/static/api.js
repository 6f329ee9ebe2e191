// Calls to the Shoulders API. Errors come back as {code, message}.

export class APIError extends Error {
  constructor(code, message, status) { super(message); this.code = code; this.status = status; }
}

// The API key, when the server requires one, is kept in this browser.
export function apiKey() { return window.localStorage.getItem('apiKey') || ''; }
export function setAPIKey(k) { if (k) window.localStorage.setItem('apiKey', k); else window.localStorage.removeItem('apiKey'); }
function auth(headers = {}) {
  const k = apiKey();
  return k ? { ...headers, Authorization: 'Bearer ' + k } : headers;
}

async function check(resp) {
  if (resp.ok) return resp.json();
  let body = {};
  try { body = await resp.json(); } catch { /* not JSON */ }
  const e = body.error || {};
  throw new APIError(e.code || 'http_' + resp.status, e.message || resp.statusText, resp.status);
}

export async function getJSON(path) {
  return check(await fetch(path, { headers: auth({ Accept: 'application/json' }) }));
}

export async function postJSON(path, body) {
  return check(await fetch(path, { method: 'POST', headers: auth({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) }));
}

export async function del(path) {
  return check(await fetch(path, { method: 'DELETE', headers: auth() }));
}

// ask posts a question and reads the Server-Sent Events of the answer:
// onToken(text) for each piece, then resolves with the final answer. An
// "error" event rejects with an APIError. signal aborts.
export async function ask(body, onToken, signal) {
  const resp = await fetch('/v1/ask', {
    method: 'POST', signal,
    headers: auth({ 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
    body: JSON.stringify(body),
  });
  if (!resp.ok) return check(resp);
  const reader = resp.body.getReader();
  const dec = new TextDecoder();
  let buf = '', answer = null, failure = null;
  const handle = (block) => {
    let name = 'message', data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data += line.slice(5);
    }
    if (!data) return;
    const v = JSON.parse(data);
    if (name === 'token') onToken(v.text);
    else if (name === 'answer') answer = v;
    else if (name === 'error') failure = new APIError(v.error.code, v.error.message, 502);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      handle(buf.slice(0, i));
      buf = buf.slice(i + 2);
    }
  }
  if (buf.trim()) handle(buf);
  if (failure) throw failure;
  if (!answer) throw new APIError('stream_broken', 'the answer stream ended early', 0);
  return answer;
}

// upload sends files as multipart form data, reporting progress 0..100.
export function upload(files, collection, metadata, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append('collection', collection);
    if (metadata && Object.keys(metadata).length) form.append('metadata', JSON.stringify(metadata));
    for (const f of files) form.append('file', f, f.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/documents');
    for (const [k, v] of Object.entries(auth())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.round(100 * e.loaded / e.total)); };
    xhr.onload = () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300 || xhr.status === 422) resolve(body);
      else reject(new APIError((body.error || {}).code || 'http_' + xhr.status, (body.error || {}).message || xhr.statusText, xhr.status));
    };
    xhr.onerror = () => reject(new APIError('network', 'the upload failed: network error', 0));
    xhr.send(form);
  });
}
