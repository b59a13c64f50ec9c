// DOM helpers, formats and the states every panel shares (loading, empty, error, not allowed).
/* global document, Node -- browser globals: this file runs in the page */

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: h('p', { class: 'x' }, 'text', otherNode). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);
/** Replaces a node's content; null, undefined and false stand for "nothing here" (DOM would print them). */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}
/** An SVG element, same signature. */
export const s = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });

export const fmt = {
  int: (n) => (n === null || n === undefined ? '—' : integer.format(n)),
  num: (n) => (n === null || n === undefined ? '—' : decimal.format(n)),
  pct: (ratio, digits = 1) =>
    ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(digits)}%`,
  /** A money amount of the API ({minor, currency, decimal}). */
  money: (amount) =>
    amount
      ? `${Number(amount.decimal).toLocaleString('en-GB', { minimumFractionDigits: 2 })} ${amount.currency}`
      : '—',
  minor: (minor, currency) =>
    `${(minor / 100).toLocaleString('en-GB', { minimumFractionDigits: 2 })} ${currency}`,
  date: (iso) => (iso ? iso.slice(0, 10) : '—'),
  dateTime: (iso) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—'),
  ms: (ms) =>
    ms === null || ms === undefined
      ? '—'
      : ms < 1000
        ? `${integer.format(ms)} ms`
        : `${decimal.format(ms / 1000)} s`,
};

/** A titled card; returns it and its body to fill. */
export function panel(title, subtitle) {
  const body = h('div', { class: 'panel-body' });
  const card = h(
    'section',
    { class: 'panel' },
    h(
      'header',
      { class: 'panel-head' },
      h('h2', {}, title),
      subtitle ? h('p', { class: 'muted' }, subtitle) : null,
    ),
    body,
  );
  return { card, body };
}

export function showLoading(body, what = 'Loading') {
  body.replaceChildren(
    h('div', { class: 'state state-loading', role: 'status' }, h('span', { class: 'spinner' }), `${what}…`),
  );
}

export function showEmpty(body, message, hint) {
  body.replaceChildren(
    h(
      'div',
      { class: 'state state-empty' },
      h('strong', {}, message),
      hint ? h('p', { class: 'muted' }, hint) : null,
    ),
  );
}

/** Tells why a panel has nothing to show: the key's scope, bad input, too little data, or a failure. */
export function showError(body, error) {
  const problem = error.problem || {};
  if (error.status === 403) {
    const scopes = (problem.missingScopes || []).join(', ');
    body.replaceChildren(
      h(
        'div',
        { class: 'state state-forbidden', 'data-state': 'forbidden' },
        h('strong', {}, 'Not allowed'),
        h(
          'p',
          {},
          scopes
            ? `This API key lacks the scope ${scopes}.`
            : problem.detail || 'This API key may not read this.',
        ),
        h(
          'p',
          { class: 'muted' },
          'Ask an administrator for a key with that scope (crm keys create --scopes …).',
        ),
      ),
    );
    return;
  }
  const fields = (problem.errors || []).map((e) =>
    h('li', {}, h('code', {}, e.path.replace('$query.', '')), ` ${e.message}`),
  );
  const title =
    error.status === 422
      ? 'Not enough data for this answer'
      : error.status === 400
        ? 'Check the settings'
        : error.status === 503
          ? 'Temporarily unavailable'
          : problem.title || 'Something went wrong';
  body.replaceChildren(
    h(
      'div',
      { class: 'state state-error', 'data-state': 'error', role: 'alert' },
      h('strong', {}, title),
      problem.detail ? h('p', {}, problem.detail) : null,
      fields.length > 0 ? h('ul', {}, fields) : null,
      problem.code ? h('p', { class: 'muted' }, `${error.status} ${problem.code}`) : null,
    ),
  );
}

/** Runs a load into a panel body with its loading and error states; returns the data or undefined. */
export async function load(body, fetcher, what) {
  showLoading(body, what);
  try {
    return await fetcher();
  } catch (error) {
    showError(body, error);
    return undefined;
  }
}

/** A key-figure tile. */
export const stat = (label, value, note) =>
  h(
    'div',
    { class: 'stat' },
    h('span', { class: 'stat-label' }, label),
    h('span', { class: 'stat-value' }, value),
    note ? h('span', { class: 'stat-note' }, note) : null,
  );

/** A table of rows: columns are [header, row => cell, {numeric}]. */
export function table(columns, rows, attrs = {}) {
  return h(
    'table',
    { class: 'data', ...attrs },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map(([label, , opts]) => h('th', { class: opts?.numeric ? 'num' : null }, label)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          columns.map(([, cell, opts]) => h('td', { class: opts?.numeric ? 'num' : null }, cell(row))),
        ),
      ),
    ),
  );
}

/**
 * A settings bar: inputs named like the page's query parameters. Applying it puts the values in the page's
 * address (after the #), so a view can be bookmarked; the API key never goes there.
 */
export function controls(fields, values, onApply) {
  const inputs = fields.map((f) => {
    const input =
      f.options !== undefined
        ? h(
            'select',
            { name: f.name, id: `ctl-${f.name}` },
            f.options.map((o) => h('option', { value: o, selected: values[f.name] === o }, o)),
          )
        : h('input', {
            name: f.name,
            id: `ctl-${f.name}`,
            type: f.type || 'text',
            value: values[f.name] ?? '',
            placeholder: f.placeholder,
            size: f.size,
          });
    return h('label', { class: 'control', for: `ctl-${f.name}` }, h('span', {}, f.label), input);
  });
  const form = h(
    'form',
    { class: 'controls' },
    inputs,
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = {};
    for (const f of fields) next[f.name] = form.elements[f.name].value.trim();
    onApply(next);
  });
  return form;
}

/** Today and a year ago as YYYY-MM-DD (UTC), the defaults of dated settings. */
export function today(offsetYears = 0) {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + offsetYears);
  return d.toISOString().slice(0, 10);
}
