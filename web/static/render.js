// Rendering helpers. Every piece of document or answer text goes through
// text nodes: nothing from a document is ever parsed as HTML.

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const stop = new Set('a an the of to in on at for by with and or is are was were be been what which who whom whose when where why how did do does from that this it as its into than then there their'.split(' '));

// questionTerms are the question's content words, for highlighting.
export function questionTerms(q) {
  return [...new Set(q.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 2 && !stop.has(w)))];
}

function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

// highlight returns a fragment of text with question terms marked, and
// the answer span (when given) marked more strongly.
export function highlight(text, terms, answerSpan) {
  const frag = document.createDocumentFragment();
  const parts = [];
  if (answerSpan) parts.push(escapeRe(answerSpan));
  for (const t of terms) parts.push('\\b' + escapeRe(t) + '\\w*');
  if (!parts.length) { frag.append(text); return frag; }
  const re = new RegExp(parts.join('|'), 'giu');
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) frag.append(text.slice(last, m.index));
    const isAns = answerSpan && m[0].toLowerCase() === answerSpan.toLowerCase();
    frag.append(el('mark', isAns ? { class: 'ans' } : {}, m[0]));
    last = m.index + m[0].length;
  }
  frag.append(text.slice(last));
  return frag;
}

// answerWithCitations renders an answer, turning [n] markers into buttons
// that call onCite(n).
export function answerWithCitations(text, validN, onCite) {
  const frag = document.createDocumentFragment();
  const re = /\[(\d+(?:\s*[,;]\s*\d+)*)\]/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) frag.append(text.slice(last, m.index));
    for (const n of m[1].split(/[,;]/).map((s) => parseInt(s, 10))) {
      if (validN.has(n)) {
        frag.append(el('button', { type: 'button', class: 'cite', 'data-n': n, 'aria-label': 'Show passage ' + n, onclick: () => onCite(n) }, String(n)));
      } else {
        frag.append('[' + n + ']');
      }
    }
    last = m.index + m[0].length;
  }
  frag.append(text.slice(last));
  return frag;
}
