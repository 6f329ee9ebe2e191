import { ask, getJSON, postJSON, del, upload, APIError, apiKey, setAPIKey } from './api.js';
import { el, questionTerms, highlight, answerWithCitations } from './render.js';

const $ = (id) => document.getElementById(id);
const store = window.localStorage;
const SETTINGS = ['collection', 'retrieval', 'rerank', 'k', 'budget', 'recursion', 'samples', 'pool', 'demos'];
let controller = null;
let last = null; // the last answer, for feedback
// What questions are limited to: documents ({id, title}) and metadata
// pairs ([key, value]).
let within = { docs: [], meta: [] };
const recent = []; // questions asked in this session

// ---- theme ----
function applyTheme(t) { document.documentElement.dataset.theme = t; store.setItem('theme', t); }
applyTheme(store.getItem('theme') || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
$('theme').addEventListener('click', () => applyTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'));

// ---- views ----
function show(view) {
  const docs = view === 'docs';
  $('view-ask').hidden = docs;
  $('view-docs').hidden = !docs;
  $('tab-ask').setAttribute('aria-pressed', String(!docs));
  $('tab-docs').setAttribute('aria-pressed', String(docs));
  if (docs) loadDocs();
}
$('tab-ask').addEventListener('click', () => show('ask'));
$('tab-docs').addEventListener('click', () => show('docs'));

// ---- settings, remembered ----
function settings() {
  return {
    collection: $('s-collection').value.trim() || 'default',
    retrieval: $('s-retrieval').value,
    rerank: $('s-rerank').checked,
    k: parseInt($('s-k').value, 10) || 100,
    budget: parseInt($('s-budget').value, 10) || 0,
    recursion: $('s-recursion').value,
    samples: parseInt($('s-samples').value, 10) || 5,
    pool: $('s-pool').value,
    demos: parseInt($('s-demos').value, 10) || 3,
  };
}
function saveSettings() { store.setItem('settings', JSON.stringify(settings())); }
function loadSettings() {
  let s = {};
  try { s = JSON.parse(store.getItem('settings') || '{}'); } catch { /* ignore */ }
  if (s.collection) $('s-collection').value = s.collection;
  if (s.retrieval) $('s-retrieval').value = s.retrieval;
  if (typeof s.rerank === 'boolean') $('s-rerank').checked = s.rerank;
  if (s.k) $('s-k').value = s.k;
  if (s.budget) $('s-budget').value = s.budget;
  if (s.recursion && !$('s-recursion').disabled) $('s-recursion').value = s.recursion;
  if (s.samples) $('s-samples').value = s.samples;
  if (s.pool && [...$('s-pool').options].some((o) => o.value === s.pool)) $('s-pool').value = s.pool;
  if (s.demos) $('s-demos').value = s.demos;
}
for (const id of SETTINGS) $('s-' + id).addEventListener('change', saveSettings);

$('s-key').value = apiKey();
$('s-key').addEventListener('change', () => { setAPIKey($('s-key').value.trim()); location.reload(); });

async function init() {
  let needsKey = false;
  try {
    const cfg = await getJSON('/v1/config');
    const sel = $('s-retrieval');
    for (const m of cfg.retrieval_modes) sel.append(el('option', { value: m }, m));
    sel.value = cfg.default_retrieval;
    $('s-rerank').disabled = !cfg.reranker;
    if (!cfg.reranker) $('s-rerank').checked = false;
    await loadCollections();
    for (const p of cfg.demo_pools || []) $('s-pool').append(el('option', { value: p }, p));
    // Recursion and worked examples are ways of using the LM: without one
    // there is nothing to sample or to show examples to.
    for (const id of ['s-recursion', 's-samples', 's-pool', 's-demos']) $(id).disabled = !cfg.lm;
    $('lm-help').textContent = cfg.lm ? (cfg.demo_pools && cfg.demo_pools.length ? '' : 'No demonstration pools yet: load one with shoulders demos load.')
      : 'Reading settings need a language model; none is configured.';
  } catch (e) {
    if (e.status === 401 || e.status === 403) {
      setStatus('error', 'This server needs an API key: enter one under Settings. (' + e.message + ')');
      $('settings').open = true;
      needsKey = true;
    } else setStatus('error', 'Cannot reach the server: ' + e.message);
  }
  loadSettings();
  const params = new URLSearchParams(location.search);
  setWithin(params.getAll('doc').map((id) => ({ id, title: id })),
    params.getAll('meta').filter((kv) => kv.indexOf('=') > 0).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const q = params.get('q');
  if (q) { $('question').value = q; run(); }
  (needsKey ? $('s-key') : $('question')).focus();
}

// ---- status ----
function setStatus(kind, text) {
  const s = $('status');
  s.className = kind || '';
  s.textContent = text || '';
}

// ---- asking ----
$('question').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); run(); }
});
$('ask-form').addEventListener('submit', (e) => { e.preventDefault(); run(); });
$('stop').addEventListener('click', () => controller && controller.abort());

async function run() {
  const question = $('question').value.trim();
  if (!question) { setStatus('error', 'Type a question first.'); return; }
  if (controller) controller.abort();
  controller = new AbortController();
  const s = settings();
  const url = new URL(location.href);
  url.searchParams.set('q', question);
  withinURL(url);
  history.replaceState(null, '', url);
  remember(question);
  $('ask').disabled = true;
  $('stop').hidden = false;
  $('answer-box').hidden = false;
  $('evidence').hidden = true;
  $('answer').textContent = '';
  $('mode-label').textContent = '';
  $('vote-done').textContent = '';
  $('answer').classList.remove('partial');
  $('recursion-box').hidden = true;
  $('demos-box').hidden = true;
  setStatus('', s.recursion !== 'off' && !$('s-recursion').disabled ? `Searching, then reading ${s.samples} times…` : 'Searching and reading…');
  let streamed = '';
  try {
    const body = {
      question, collection: s.collection, retrieval: s.retrieval, k: s.k,
      budget: s.budget || undefined, rerank: s.rerank,
    };
    if (within.docs.length) body.documents = within.docs.map((d) => d.id);
    if (within.meta.length) {
      body.metadata = {};
      for (const [k, v] of within.meta) (body.metadata[k] = body.metadata[k] || []).push(v);
    }
    if (!$('s-recursion').disabled && s.recursion !== 'off') body.recursion = { mode: s.recursion, samples: s.samples };
    if (!$('s-pool').disabled && s.pool) body.demos = { pool: s.pool, k: s.demos };
    const a = await ask(body, (t) => { streamed += t; $('answer').textContent = streamed; }, controller.signal);
    last = a;
    renderAnswer(a);
  } catch (e) {
    if (e.name === 'AbortError') { setStatus('warn', 'Stopped.'); }
    else { setStatus('error', describe(e)); if (!streamed) $('answer-box').hidden = true; }
    if (streamed) {
      // What was streamed before the failure is not an answer: say so.
      $('answer').classList.add('partial');
      $('mode-label').textContent = 'Incomplete: not an answer';
      $('mode-label').className = 'badge evidence';
    }
  } finally {
    $('ask').disabled = false;
    $('stop').hidden = true;
    controller = null;
  }
}

function describe(e) {
  if (!(e instanceof APIError)) return 'Something went wrong: ' + e.message;
  if (e.code === 'lm_unreachable') return 'The language model cannot be reached. ' + e.message;
  if (e.code && e.code.startsWith('lm_')) return 'The language model failed: ' + e.message;
  if (e.status === 401) return 'An API key is needed, or the one given is not valid: see Settings. (' + e.message + ')';
  if (e.code === 'rate_limited') return 'Too many requests for this key; wait a moment and ask again.';
  if (e.code === 'collection_not_found') return 'The collection "' + settings().collection + '" has no documents yet. Add some under Documents.';
  return e.message;
}

function renderAnswer(a) {
  const packedN = new Set(a.packed.map((p) => p.n));
  $('answer').replaceChildren(answerWithCitations(a.answer || '', packedN, flashPassage));
  const label = $('mode-label');
  if (a.mode === 'evidence') {
    label.textContent = 'Evidence only: ' + (a.lm_error ? 'the language model failed' : 'no language model is configured') + '; these are sentences from the passages';
    label.className = 'badge evidence';
  } else {
    label.textContent = 'Generated by ' + (a.model || 'the LM');
    label.className = 'badge';
  }
  const notes = [];
  for (const part of a.degraded || []) notes.push(degradedNote(part, a));
  // Candidates left out of an empty context were found but did not fit.
  if (!a.packed.length) notes.push((a.left_out || []).length
    ? `No passage fits in a budget of ${a.tokens.budget} tokens: raise the token budget under Settings.`
    : 'No passage matched the question in "' + a.collection + '".');
  setStatus(notes.length ? 'warn' : '', notes.join(' ') || `Answered in ${Math.round(a.timing.total_ms)} ms.`);
  renderRecursion(a.recursion);
  renderDemos(a.demos || []);
  renderEvidence(a);
}

// degradedNote says what a failed part of the pipeline changed.
function degradedNote(part, a) {
  switch (part) {
    case 'dense': return 'The vector index is unavailable: candidates come from BM25 alone.';
    case 'cross-encoder': return 'The cross-encoder is unavailable: candidates keep the re-ranker\'s order.';
    case 'lm': return 'The language model failed (' + (a.lm_error ? a.lm_error.message : 'no answer') + '), so the answer quotes the passages.';
    default: return part + ' is unavailable.';
  }
}

const READINGS = { vote: 'majority of', textual: 'second reading of' };
function renderRecursion(r) {
  $('recursion-box').hidden = !r;
  if (!r) return;
  $('recursion-summary').textContent = `Candidate answers (${READINGS[r.mode] || r.mode} ${r.samples} samples)`;
  $('candidates').replaceChildren(...r.candidates.map((c) =>
    el('li', {}, el('span', { class: 'count' }, `${c.count}×`), ' ', c.text)));
  $('passes').textContent = r.passes.map((p) =>
    `${p.name} pass: ${p.calls} call${p.calls === 1 ? '' : 's'}, ${p.prompt_tokens} + ${p.completion_tokens} tokens, ${Math.round(p.ms)} ms`).join(' · ');
}
function renderDemos(demos) {
  $('demos-box').hidden = !demos.length;
  $('demos-summary').textContent = `Worked examples shown to the model (${demos.length})`;
  $('demos').replaceChildren(...demos.map((d) => el('li', {},
    el('div', { class: 'head' }, el('span', { class: 'title' }, d.question)),
    el('div', { class: 'meta' }, 'Answer: ' + (d.answers || []).join(' / ') + (d.title ? ' · from ' + d.title : '') + ' · ' + d.tokens + ' tokens'))));
}

function sources(c) {
  return c.sources.map((s) => s.retriever === 'rerank' ? `re-ranker ${s.score.toFixed(2)}` : `${s.retriever} #${s.rank}`).join(' · ');
}

function renderEvidence(a) {
  const terms = questionTerms(a.question);
  const quotes = new Map(a.citations.filter((c) => c.quote).map((c) => [c.passage_id, c.quote]));
  const plain = (a.answer || '').replace(/\s*\[\d+(?:\s*[,;]\s*\d+)*\]/g, '').trim();
  const list = $('packed');
  list.replaceChildren();
  for (const p of a.packed) {
    const span = quotes.get(p.passage.id) || (plain && plain.length < 200 && p.passage.text.toLowerCase().includes(plain.toLowerCase()) ? plain : null);
    list.append(el('li', { id: 'passage-' + p.n, tabindex: '-1' },
      el('div', { class: 'head' },
        el('span', { class: 'num' }, '[' + p.n + ']'),
        el('span', { class: 'title' }, p.passage.title || '(untitled)'),
        el('span', { class: 'meta' }, (p.passage.source || p.passage.doc_id) + ' · ' + sources(p) + ' · ' + p.tokens + ' tokens' + (p.probability ? ' · p ' + p.probability.toFixed(2) : '') + (p.excerpted ? ' · excerpt' : ''))),
      el('p', { class: 'text' }, highlight(p.passage.text, terms, span)),
      passageVotes(a, p.passage.id)));
  }
  const left = a.left_out || [];
  $('left-summary').textContent = `Retrieved but left out (${left.length})`;
  $('left').replaceChildren(...left.map((c) => el('li', {},
    el('div', { class: 'head' }, el('span', { class: 'title' }, c.passage.title || '(untitled)'),
      el('span', { class: 'meta' }, (c.passage.source || c.passage.doc_id) + ' · ' + sources(c))))));
  const t = a.tokens;
  const pct = t.budget ? Math.min(100, Math.round(100 * t.used / t.budget)) : 0;
  $('meter-fill').style.width = pct + '%';
  $('meter').setAttribute('aria-valuemax', String(t.budget));
  $('meter').setAttribute('aria-valuenow', String(t.used));
  $('meter-text').textContent = `${t.used} of ${t.budget} tokens (${a.packed.length} passages` + (t.demos ? `, ${t.demos} for examples)` : ')');
  $('evidence').hidden = false;
}

function flashPassage(n) {
  const li = $('passage-' + n);
  if (!li) return;
  li.scrollIntoView({ behavior: 'smooth', block: 'center' });
  li.focus({ preventScroll: true });
  li.classList.add('flash');
  setTimeout(() => li.classList.remove('flash'), 2000);
}

// ---- feedback ----
async function feedback(body, doneEl) {
  try {
    await postJSON('/v1/feedback', body);
    doneEl.textContent = 'Thanks, noted.';
  } catch (e) {
    doneEl.textContent = 'Feedback not saved: ' + e.message;
  }
}
function passageVotes(a, id) {
  const done = el('span', { class: 'muted' });
  const vote = (helpful) => () => feedback({ kind: 'passage', helpful, question: a.question, collection: a.collection, passage_id: id }, done);
  return el('div', { class: 'row' },
    el('button', { type: 'button', onclick: vote(true), 'aria-label': 'This passage helped' }, 'Helped'),
    el('button', { type: 'button', onclick: vote(false), 'aria-label': 'This passage did not help' }, 'Did not help'),
    done);
}
for (const [id, helpful] of [['vote-up', true], ['vote-down', false]]) {
  $(id).addEventListener('click', () => last && feedback({ kind: 'answer', helpful, question: last.question, collection: last.collection, answer: last.answer }, $('vote-done')));
}

// ---- history ----
function remember(q) {
  const i = recent.indexOf(q);
  if (i >= 0) recent.splice(i, 1);
  recent.unshift(q);
  recent.length = Math.min(recent.length, 20);
  $('history').replaceChildren(...recent.map((h) => el('li', {}, el('button', { type: 'button', onclick: () => { $('question').value = h; run(); } }, h))));
}

// ---- asking within documents ----
function setWithin(docs, meta = []) {
  within = { docs, meta };
  $('within').hidden = !docs.length && !meta.length;
  $('within-list').replaceChildren(
    ...docs.map((d) => el('span', { class: 'badge', title: d.id }, d.title || d.id)),
    ...meta.map(([k, v]) => el('span', { class: 'badge' }, k + '=' + v)));
}
// withinURL keeps the scope in the address, so that a reload or a shared
// link asks within it too.
function withinURL(url) {
  url.searchParams.delete('doc');
  url.searchParams.delete('meta');
  for (const d of within.docs) url.searchParams.append('doc', d.id);
  for (const [k, v] of within.meta) url.searchParams.append('meta', k + '=' + v);
}
$('within-clear').addEventListener('click', () => {
  setWithin([]);
  const url = new URL(location.href);
  withinURL(url);
  history.replaceState(null, '', url);
  $('question').focus();
});
// Another collection holds other documents.
$('s-collection').addEventListener('change', () => setWithin([]));
function askWithin(docs, meta) {
  setWithin(docs, meta);
  show('ask');
  $('question').focus();
}

// loadCollections offers the collections the server has under Settings.
async function loadCollections() {
  const cols = await getJSON('/v1/collections');
  $('collections').replaceChildren(...cols.collections.map((c) => el('option', { value: c })));
}

// ---- documents ----
async function loadDocs() {
  const col = settings().collection;
  $('docs-collection').textContent = col;
  $('docs-count').textContent = '';
  $('drop-collection').hidden = true;
  const body = $('docs-table').querySelector('tbody');
  body.replaceChildren();
  try {
    const r = await getJSON('/v1/documents?limit=200&collection=' + encodeURIComponent(col));
    $('docs-count').textContent = r.total > r.documents.length ? `(the first ${r.documents.length} of ${r.total})` : `(${r.total})`;
    $('drop-collection').hidden = false;
    for (const d of r.documents) {
      body.append(el('tr', {},
        el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => openDoc(d.id) }, d.title || d.id)),
        el('td', {}, d.id),
        el('td', {}, String(d.passages)),
        el('td', { class: 'meta' }, ...Object.entries(d.metadata || {}).sort().map(([k, v]) =>
          el('button', { type: 'button', class: 'link tag', 'aria-label': `Ask within the documents whose ${k} is ${v}`, onclick: () => askWithin([], [[k, v]]) }, k + '=' + v))),
        el('td', { class: 'actions' },
          el('button', { type: 'button', 'aria-label': 'Ask about ' + (d.title || d.id), onclick: () => askWithin([{ id: d.id, title: d.title }], []) }, 'Ask'),
          el('button', { type: 'button', 'aria-label': 'Delete ' + (d.title || d.id), onclick: () => removeDoc(d) }, 'Delete'))));
    }
    $('docs-empty').hidden = r.documents.length > 0;
  } catch (e) {
    $('docs-empty').hidden = false;
    if (e.code !== 'collection_not_found') setStatus('error', e.message);
  }
}
function docPath(id, col) { return '/v1/documents/' + encodeURIComponent(id) + '?collection=' + encodeURIComponent(col); }
async function openDoc(id) {
  const d = await getJSON(docPath(id, settings().collection));
  $('doc-title').textContent = d.title || d.id;
  $('doc-source').textContent = d.source || d.id;
  $('doc-text').textContent = d.text;
  $('doc-dialog').showModal();
}
async function removeDoc(d) {
  if (!confirm('Delete "' + (d.title || d.id) + '" and its passages?')) return;
  await del(docPath(d.id, settings().collection));
  loadDocs();
}
$('drop-collection').addEventListener('click', async () => {
  const col = settings().collection;
  if (!confirm(`Delete the collection "${col}" with all its documents? This cannot be undone.`)) return;
  const out = $('upload-results');
  try {
    const r = await del('/v1/collections/' + encodeURIComponent(col));
    out.replaceChildren(el('li', {}, `Deleted the collection "${col}": ${r.documents} documents, ${r.passages} passages.`));
    setWithin([]);
    await loadCollections();
  } catch (e) {
    out.replaceChildren(el('li', { class: 'err' }, e.message));
  }
  loadDocs();
});
// tags reads "key=value, key=value" into metadata, or says what is wrong.
function tags() {
  const out = {};
  for (const part of $('tags').value.split(',')) {
    const kv = part.trim();
    if (!kv) continue;
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`Metadata "${kv}": write key=value, separated by commas.`);
    out[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
  }
  return out;
}
async function send(files) {
  if (!files.length) return;
  let metadata;
  try { metadata = tags(); } catch (e) { $('upload-results').replaceChildren(el('li', { class: 'err' }, e.message)); return; }
  const bar = $('upload-progress');
  bar.hidden = false;
  bar.value = 0;
  const out = $('upload-results');
  out.replaceChildren();
  try {
    const r = await upload(files, settings().collection, metadata, (p) => { bar.value = p; });
    for (const f of r.files || []) {
      const msg = f.error ? `${f.name}: ${f.error}` : `${f.name}: ${f.documents} documents, ${f.passages} passages` + (f.skipped ? `, ${f.skipped} records skipped` : '');
      const li = el('li', f.error ? { class: 'err' } : {}, msg);
      for (const p of f.problems || []) li.append(el('div', { class: 'err' }, `line ${p.line}: ${p.error}`));
      out.append(li);
    }
  } catch (e) {
    out.append(el('li', { class: 'err' }, e.message));
  } finally {
    bar.hidden = true;
    loadDocs();
  }
}
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); send([...e.dataTransfer.files]); });
drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('file').click(); } });
$('file').addEventListener('change', (e) => { send([...e.target.files]); e.target.value = ''; });

init();
