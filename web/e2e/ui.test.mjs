// End-to-end tests of the web UI: a real shoulders server (with its managed
// Weaviate), the local OpenAI-compatible test LM, and headless Debian
// chromium driven by playwright-core. Screenshots go to out/e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'shoulders');
const shots = join(root, 'out', 'e2e');
mkdirSync(shots, { recursive: true });

function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
    s.on('error', fail);
  });
}

const procs = [];
const dataDirs = [];
function start(args, env = {}) {
  const p = spawn(bin, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  p.stderr.on('data', (d) => { log += d; });
  p.log = () => log;
  // A server that dies mid-run fails every later test with "connection
  // refused"; its own log is what says why.
  p.on('exit', (code, sig) => {
    if (!stopping) console.error(`shoulders ${args.join(' ')} exited (${code ?? sig}):\n${log}`);
  });
  procs.push(p);
  return p;
}
let stopping = false;

async function waitReady(url, proc, ms = 120_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error('server exited:\n' + proc.log());
    try { if ((await fetch(url + '/healthz')).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server not ready:\n' + proc.log());
}

async function server(withLM, extra = {}) {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'shoulders-ui-'));
  dataDirs.push(data);
  const env = { SHOULDERS_DATA_DIR: data, SHOULDERS_ADDR: '127.0.0.1:' + port, SHOULDERS_LOG_LEVEL: 'warn', ...extra };
  if (extra.SHOULDERS_AUTH === 'on') {
    const r = spawnSync(bin, ['keys', 'create', '--name', 'browser', '--scope', 'query,ingest'], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error('keys create: ' + r.stderr);
    keyFor[port] = r.stdout.trim();
  }
  if (withLM) Object.assign(env, { SHOULDERS_LM_URL: lmURL, SHOULDERS_LM_MODEL: 'test-model' });
  if (process.env.SHOULDERS_WEAVIATE_BIN) env.SHOULDERS_WEAVIATE_BIN = process.env.SHOULDERS_WEAVIATE_BIN;
  if (withLM) {
    // A demonstration pool of solved questions about Shoulders itself.
    const demos = join(data, 'faq.jsonl');
    writeFileSync(demos, [
      { question: 'How do I configure the retrieval mode?', answer: 'set SHOULDERS_RETRIEVAL to bm25, dense or hybrid' },
      { question: 'How do I configure the token budget?', answer: 'pass budget in the request' },
    ].map((d) => JSON.stringify(d)).join('\n'));
    const r = spawnSync(bin, ['demos', 'load', 'faq', demos], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error('demos load: ' + r.stderr);
  }
  const p = start(['serve', '--seed', 'docs'], env);
  const url = 'http://127.0.0.1:' + port;
  await waitReady(url, p);
  dataOf[url] = data;
  return url;
}

let browser, lmURL, withLM, evidenceOnly, locked, lmDown;
const keyFor = {};
const dataOf = {};

before(async () => {
  const lmPort = await freePort();
  lmURL = 'http://127.0.0.1:' + lmPort;
  start(['testlm', '--addr', '127.0.0.1:' + lmPort]);
  // An LM address where nothing listens: the server is configured for an
  // LM that is down.
  const deadLM = 'http://127.0.0.1:' + await freePort();
  [withLM, evidenceOnly, locked, lmDown] = await Promise.all([server(true), server(false),
    server(false, { SHOULDERS_AUTH: 'on', SHOULDERS_WEAVIATE: 'off' }),
    server(false, { SHOULDERS_LM_URL: deadLM, SHOULDERS_LM_MODEL: 'test-model', SHOULDERS_WEAVIATE: 'off' })]);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  stopping = true;
  if (browser) await browser.close();
  // Each server stops its Weaviate as it exits; only then are the data
  // folders free to remove.
  await Promise.all(procs.map((p) => new Promise((r) => {
    if (p.exitCode !== null || p.signalCode !== null) return r();
    const t = setTimeout(() => { p.kill('SIGKILL'); r(); }, 30_000);
    p.once('exit', () => { clearTimeout(t); r(); });
    p.kill('SIGTERM');
  })));
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

async function page(url, opts = {}) {
  const ctx = await browser.newContext({ viewport: opts.viewport || { width: 1280, height: 900 } });
  const pg = await ctx.newPage();
  pg.errors = [];
  pg.on('pageerror', (e) => pg.errors.push(e.message));
  pg.on('dialog', (d) => d.accept());
  await pg.goto(url);
  await pg.waitForSelector('#s-retrieval option', { state: 'attached' });
  return pg;
}

async function askIn(pg, q) {
  await pg.fill('#question', q);
  await pg.press('#question', 'Enter');
  await pg.waitForSelector('#evidence:not([hidden])', { timeout: 30_000 });
}

test('a question streams its answer, with working citations and highlighted evidence', async () => {
  const pg = await page(withLM);
  // Count the answer's updates: a streamed answer arrives in pieces.
  await pg.evaluate(() => {
    window.__updates = 0;
    new MutationObserver((records) => { window.__updates += records.length; }).observe(document.getElementById('answer'), { childList: true, characterData: true, subtree: true });
  });
  await askIn(pg, 'How do I configure the LM?');
  const answer = await pg.textContent('#answer');
  assert.match(answer, /\S/);
  assert.ok(await pg.evaluate(() => window.__updates) > 2, 'the answer was not streamed');
  assert.match(await pg.textContent('#mode-label'), /Generated by test-model/);
  const cite = pg.locator('#answer .cite').first();
  const n = await cite.getAttribute('data-n');
  await cite.click();
  await pg.waitForSelector(`#passage-${n}.flash`);
  assert.ok(await pg.locator('#packed mark').count() > 0, 'no question terms highlighted');
  assert.match(await pg.textContent('#meter-text'), /\d+ of \d+ tokens/);
  assert.match(pg.url(), /\?q=How\+do\+I\+configure/);
  await pg.screenshot({ path: join(shots, 'answer.png'), fullPage: true });

  // A shared link asks the question on load.
  const shared = await page(pg.url());
  await shared.waitForSelector('#evidence:not([hidden])');
  assert.equal(await shared.inputValue('#question'), 'How do I configure the LM?');
  assert.deepEqual(pg.errors, []);
});

test('a recursive reading with worked examples shows its candidates and examples, collapsed', async () => {
  const pg = await page(withLM);
  await pg.click('#settings summary');
  await pg.selectOption('#s-recursion', 'textual');
  await pg.fill('#s-samples', '3');
  await pg.selectOption('#s-pool', 'faq');
  await pg.fill('#s-demos', '2');
  await pg.dispatchEvent('#s-demos', 'change');
  await askIn(pg, 'How do I configure the LM?');
  assert.match(await pg.textContent('#recursion-summary'), /second reading of 3 samples/);
  assert.equal(await pg.getAttribute('#recursion-box', 'open'), null, 'candidates start collapsed');
  await pg.click('#recursion-summary');
  const cands = await pg.$$eval('#candidates li', (ls) => ls.map((l) => l.textContent));
  assert.ok(cands.length >= 1 && /^3×/.test(cands[0]), 'candidates: ' + cands);
  assert.match(await pg.textContent('#passes'), /sample pass: .*final pass:/);
  assert.match(await pg.textContent('#demos-summary'), /Worked examples shown to the model \([12]\)/);
  assert.match(await pg.textContent('#demos'), /How do I configure the (retrieval mode|token budget)\?/);
  assert.match(await pg.textContent('#meter-text'), /for examples/);
  await pg.screenshot({ path: join(shots, 'recursion.png'), fullPage: true });

  // The settings are remembered (same browser profile).
  const again = await pg.context().newPage();
  await again.goto(withLM);
  await again.waitForSelector('#s-pool option[value="faq"]', { state: 'attached' });
  assert.equal(await again.inputValue('#s-recursion'), 'textual');
  assert.equal(await again.inputValue('#s-pool'), 'faq');
  assert.deepEqual(pg.errors, []);
});

test('switching retrieval mode changes where candidates come from', async () => {
  const pg = await page(withLM);
  const modes = await pg.$$eval('#s-retrieval option', (os) => os.map((o) => o.value));
  assert.ok(modes.includes('hybrid'), 'hybrid retrieval not offered: ' + modes);
  await pg.click('#settings summary');
  await pg.selectOption('#s-retrieval', 'hybrid');
  await pg.uncheck('#s-rerank');
  await askIn(pg, 'What happens when Weaviate is down?');
  const meta = await pg.locator('#packed .meta').allTextContents();
  assert.ok(meta.some((m) => m.includes('dense')), 'no candidate from the dense retriever: ' + meta.join(' | '));
  // The choice is remembered.
  await pg.reload();
  await pg.waitForSelector('#s-retrieval option', { state: 'attached' });
  assert.equal(await pg.inputValue('#s-retrieval'), 'hybrid');
  await pg.screenshot({ path: join(shots, 'hybrid.png'), fullPage: true });
});

test('an uploaded Markdown file can be asked about, then deleted', async () => {
  const pg = await page(withLM);
  await pg.click('#settings summary');
  await pg.fill('#s-collection', 'e2e');
  await pg.dispatchEvent('#s-collection', 'change');
  await pg.click('#tab-docs');
  const offsite = { name: 'offsite.md', mimeType: 'text/markdown',
    buffer: Buffer.from('# Team offsite\n\nThe quarterly offsite of the platform team happens in Lisbon every May.\n') };
  // Metadata that does not read as key=value is refused before sending.
  await pg.fill('#tags', 'team');
  await pg.setInputFiles('#file', offsite);
  await pg.waitForSelector('#upload-results li.err');
  assert.match(await pg.textContent('#upload-results'), /write key=value/);
  await pg.fill('#tags', 'team=platform, kind=event');
  await pg.setInputFiles('#file', offsite);
  await pg.waitForSelector('#upload-results li:not(.err)');
  assert.match(await pg.textContent('#upload-results'), /offsite\.md: 1 documents, 1 passages/);
  await pg.waitForSelector('#docs-table tbody tr');
  assert.match(await pg.textContent('#docs-table'), /kind=event\s*team=platform/);
  // The tags are the document's metadata, which a search can filter by.
  const found = (team) => pg.evaluate((t) => fetch('/v1/search', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: 'offsite', collection: 'e2e', metadata: { team: t } }) }).then((r) => r.json()), team);
  assert.equal((await found('platform')).results.length, 1);
  assert.equal((await found('research')).results.length, 0);
  // A document's metadata in the table asks within the documents that
  // share it; the scope is in the address too.
  await pg.click('#docs-table button[aria-label="Ask within the documents whose team is platform"]');
  assert.match(await pg.textContent('#within'), /team=platform/);
  await askIn(pg, 'Where is the quarterly offsite?');
  assert.match(pg.url(), /meta=team%3Dplatform/);
  const scoped = await pg.$$eval('#packed .meta, #left .meta', (ms) => ms.map((m) => m.textContent.split(' · ')[0]));
  assert.deepEqual([...new Set(scoped)], ['offsite.md']);
  await pg.click('#within-clear');
  await pg.screenshot({ path: join(shots, 'documents.png'), fullPage: true });

  await pg.click('#tab-ask');
  await askIn(pg, 'Where is the quarterly offsite?');
  assert.match(await pg.textContent('#packed'), /Lisbon/);

  await pg.click('#tab-docs');
  await pg.click('#docs-table button[aria-label="Delete Team offsite"]');
  await pg.waitForSelector('#docs-empty:not([hidden])');
  await pg.click('#tab-ask');
  await pg.fill('#question', 'Where is the quarterly offsite?');
  await pg.press('#question', 'Enter');
  await pg.waitForFunction(() => !document.getElementById('ask').disabled);
  assert.doesNotMatch(await pg.textContent('body'), /Lisbon/);
});

test('a whole collection can be deleted from the documents view', async () => {
  const pg = await page(evidenceOnly);
  const docs = [1, 2, 3].map((i) => ({ id: `note-${i}.md`, title: `Note ${i}`, text: `Scratch note ${i} about the spring planning meeting.` }));
  const made = await pg.evaluate((d) => fetch('/v1/documents', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ collection: 'scratch', documents: d }) }).then((r) => r.status), docs);
  assert.equal(made, 201);
  const listed = () => pg.evaluate(() => fetch('/v1/collections').then((r) => r.json()).then((j) => j.collections));
  assert.ok((await listed()).includes('scratch'));
  await pg.click('#settings summary');
  await pg.fill('#s-collection', 'scratch');
  await pg.dispatchEvent('#s-collection', 'change');
  await pg.click('#tab-docs');
  await pg.waitForSelector('#docs-table tbody tr');
  assert.equal(await pg.textContent('#docs-count'), '(3)');
  await pg.screenshot({ path: join(shots, 'collection.png') });
  await pg.click('#drop-collection');
  await pg.waitForSelector('#upload-results li');
  assert.match(await pg.textContent('#upload-results'), /Deleted the collection "scratch": 3 documents, 3 passages/);
  await pg.waitForSelector('#docs-empty:not([hidden])');
  assert.equal(await pg.locator('#docs-table tbody tr').count(), 0);
  assert.ok(await pg.locator('#drop-collection').isHidden());
  assert.ok(!(await listed()).includes('scratch'));
  assert.ok((await listed()).includes('default'), 'another collection went too');
  assert.deepEqual(pg.errors, []);
});

test('a PDF printed by the browser can be uploaded and asked about', async () => {
  // The PDF is made here, by Chromium's own printing, as a user's would be.
  const printer = await browser.newPage();
  await printer.setContent('<title>Expense policy</title><h1>Expense policy</h1>' +
    '<p>Train tickets booked through the travel portal are refunded within ten working days.</p>' +
    '<p>Hotel nights abroad are capped at 180 euros, breakfast included.</p>');
  const pdf = await printer.pdf({ format: 'A4' });
  await printer.close();

  const pg = await page(evidenceOnly);
  await pg.click('#settings summary');
  await pg.fill('#s-collection', 'pdf-e2e');
  await pg.dispatchEvent('#s-collection', 'change');
  await pg.click('#tab-docs');
  await pg.setInputFiles('#file', [
    { name: 'expenses.pdf', mimeType: 'application/pdf', buffer: pdf },
    { name: 'broken.pdf', mimeType: 'application/pdf', buffer: pdf.subarray(0, 400) },
  ]);
  await pg.waitForFunction(() => document.querySelectorAll('#upload-results li').length === 2);
  const results = await pg.textContent('#upload-results');
  assert.match(results, /expenses\.pdf: 1 documents/);
  assert.match(results, /broken\.pdf: .*PDF/);
  await pg.waitForSelector('#docs-table tbody tr');
  assert.match(await pg.textContent('#docs-table'), /Expense policy/);

  await pg.click('#tab-ask');
  await askIn(pg, 'How much can a hotel night abroad cost?');
  assert.match(await pg.textContent('#answer'), /180 euros/);
});

test('a question can be asked about one document, then the whole collection again', async () => {
  const pg = await page(evidenceOnly);
  await pg.click('#tab-docs');
  await pg.click('#docs-table button[aria-label="Ask about HTTP API"]');
  assert.equal(await pg.isVisible('#view-ask'), true);
  assert.match(await pg.textContent('#within'), /HTTP API/);
  const metas = async () => pg.$$eval('#packed .meta, #left .meta', (ms) => ms.map((m) => m.textContent.split(' · ')[0]));
  await askIn(pg, 'How do I configure the LM?');
  const inside = await metas();
  assert.ok(inside.length > 0);
  assert.deepEqual([...new Set(inside)], ['docs/api.md']);
  // The scope is in the address, so a reload or a shared link keeps it.
  assert.match(pg.url(), /doc=docs%2Fapi\.md/);
  await pg.reload();
  await pg.waitForSelector('#evidence:not([hidden])', { timeout: 30_000 });
  assert.deepEqual([...new Set(await metas())], ['docs/api.md']);

  await pg.click('#within-clear');
  assert.equal(await pg.isHidden('#within'), true);
  await askIn(pg, 'How do I configure the LM?');
  assert.ok((await metas()).some((m) => m !== 'docs/api.md'));
  assert.doesNotMatch(pg.url(), /doc=/);
  assert.deepEqual(pg.errors, []);
});

test('document text with script and onerror markup renders inert', async () => {
  const pg = await page(withLM);
  await pg.click('#settings summary');
  await pg.fill('#s-collection', 'hostile');
  await pg.dispatchEvent('#s-collection', 'change');
  await pg.click('#tab-docs');
  const evil = 'Zebra facts. <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2"> Zebras have stripes.';
  await pg.setInputFiles('#file', { name: 'evil.txt', mimeType: 'text/plain', buffer: Buffer.from(evil) });
  await pg.waitForSelector('#docs-table tbody tr');
  await pg.click('#docs-table tbody button.link');
  await pg.waitForSelector('#doc-dialog[open]');
  assert.match(await pg.textContent('#doc-text'), /<script>window.__pwned = 1<\/script>/);
  await pg.keyboard.press('Escape');
  await pg.click('#tab-ask');
  await askIn(pg, 'What do zebras have?');
  assert.match(await pg.textContent('#packed'), /<img src=x onerror=/);
  assert.equal(await pg.locator('#packed img, #packed script, #answer img').count(), 0);
  assert.equal(await pg.evaluate(() => window.__pwned), undefined);
  await pg.screenshot({ path: join(shots, 'inert.png'), fullPage: true });
});

test('a server that requires keys asks for one, and answers once it is given', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const pg = await ctx.newPage();
  const errors = [];
  pg.on('pageerror', (e) => errors.push(e.message));
  await pg.goto(locked);
  await pg.waitForSelector('#status.error');
  assert.match(await pg.textContent('#status'), /needs an API key/);
  assert.equal(await pg.getAttribute('#settings', 'open'), '');
  await pg.screenshot({ path: join(shots, 'api-key.png'), fullPage: true });
  const key = keyFor[new URL(locked).port];
  await Promise.all([pg.waitForNavigation(), pg.fill('#s-key', key).then(() => pg.dispatchEvent('#s-key', 'change'))]);
  await pg.waitForSelector('#s-retrieval option', { state: 'attached' });
  await askIn(pg, 'How do I configure the LM?');
  assert.match(await pg.textContent('#answer'), /SHOULDERS_LM_URL/);
  // A wrong key is refused with a message saying so.
  await pg.evaluate(() => localStorage.setItem('apiKey', 'shk_000000000000_wrong'));
  await pg.reload();
  await pg.waitForSelector('#status.error');
  assert.match(await pg.textContent('#status'), /API key/);
  assert.deepEqual(errors, []);
});

test('without an LM the answer is labelled evidence only', async () => {
  const pg = await page(evidenceOnly);
  await askIn(pg, 'How do I configure the LM?');
  assert.match(await pg.textContent('#mode-label'), /Evidence only/);
  assert.match(await pg.textContent('#answer'), /SHOULDERS_LM_URL/);
  assert.ok(await pg.isDisabled('#s-recursion') && await pg.isDisabled('#s-pool'), 'reading settings need an LM');
  await pg.screenshot({ path: join(shots, 'evidence-only.png'), fullPage: true });

  // Marking a passage helpful stores a vote that exports as training data.
  await pg.locator('#packed li').first().getByRole('button', { name: 'This passage helped' }).click();
  await pg.waitForFunction(() => /Thanks, noted/.test(document.querySelector('#packed li').textContent));
  const out = spawnSync(bin, ['feedback', 'export', '--file', join(dataOf[evidenceOnly], 'feedback.jsonl')], { cwd: root, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const labelled = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const asked = await (await fetch(evidenceOnly + '/v1/ask', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ question: 'How do I configure the LM?' }),
  })).json();
  assert.equal(labelled.length, 1, out.stdout);
  assert.equal(labelled[0].question, 'How do I configure the LM?');
  assert.equal(labelled[0].passage_ids.length, 1);
  assert.ok(asked.packed.some((p) => p.passage.id === labelled[0].passage_ids[0]), 'voted passage not among the packed: ' + out.stdout);
  // Phone width, dark theme.
  const phone = await page(evidenceOnly + '/?q=What+is+packing%3F', { viewport: { width: 390, height: 844 } });
  await phone.click('#theme');
  await phone.waitForSelector('#evidence:not([hidden])');
  await phone.screenshot({ path: join(shots, 'phone-dark.png'), fullPage: true });
  // On a phone the title, the views and the theme button share one row.
  const [title, theme] = await Promise.all(['.bar h1', '#theme'].map((s) => phone.locator(s).boundingBox()));
  assert.ok(Math.abs(title.y + title.height / 2 - (theme.y + theme.height / 2)) < 8, `header wraps: title ${JSON.stringify(title)}, theme ${JSON.stringify(theme)}`);
  // Nothing is wider than the phone, so that no view scrolls sideways:
  // the answer, the settings, and the documents with their buttons.
  const fits = () => phone.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  await phone.click('#settings summary');
  let [wide, width] = await fits();
  assert.ok(wide <= width, `the answer view is ${wide}px wide on a ${width}px screen`);
  await phone.click('#tab-docs');
  await phone.waitForSelector('#docs-table tbody tr');
  [wide, width] = await fits();
  assert.ok(wide <= width, `the documents view is ${wide}px wide on a ${width}px screen`);
});

test('a budget too small for any passage says so, rather than that nothing matched', async () => {
  const pg = await page(evidenceOnly);
  await pg.click('#settings summary');
  await pg.fill('#s-budget', '8');
  await askIn(pg, 'How do I configure the LM?');
  assert.match(await pg.textContent('#status'), /No passage fits in a budget of 8 tokens/);
  assert.equal(await pg.locator('#packed li').count(), 0);
  await pg.fill('#s-budget', '0');
  await askIn(pg, 'zzqx wvvvk');
  assert.match(await pg.textContent('#status'), /No passage matched the question/);
  assert.deepEqual(pg.errors, []);
});

test('an LM that cannot be reached leaves an evidence answer that says so', async () => {
  const pg = await page(lmDown);
  await askIn(pg, 'How do I configure the LM?');
  assert.match(await pg.textContent('#mode-label'), /Evidence only: the language model failed/);
  assert.match(await pg.textContent('#status'), /cannot reach LM server/);
  assert.match(await pg.textContent('#answer'), /SHOULDERS_LM_URL/);
  assert.deepEqual(pg.errors, []);
  await pg.screenshot({ path: join(shots, 'lm-down.png'), fullPage: true });
});
