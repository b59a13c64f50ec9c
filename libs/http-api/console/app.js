// The console's shell: sign-in with an API key, navigation, and a router over the page's #fragment.
/* global document, location, URLSearchParams, window -- browser globals: this file runs in the page */
import { ApiError, probeScopes, session } from './api.js';
import { customerPage } from './page-customer.js';
import { pipelinePage } from './page-pipeline.js';
import { cohortsPage, funnelPage, rfmPage } from './page-segments.js';
import { holdoutPage, portfolioPage, timingPage } from './page-value.js';
import { controls, h, showError } from './ui.js';

const PAGES = [
  pipelinePage,
  customerPage,
  rfmPage,
  cohortsPage,
  holdoutPage,
  portfolioPage,
  funnelPage,
  timingPage,
];
const root = document.getElementById('app');
let scopes;

/** `#/rfm?currency=EUR` -> the page and its settings (the defaults filled in). */
function route() {
  const [path, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const page = PAGES.find((p) => p.id === path) || PAGES.find((p) => scopes[p.scope]) || PAGES[0];
  const given = Object.fromEntries(new URLSearchParams(query));
  return { page, params: { ...page.defaults(), ...given } };
}

function hrefOf(page, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined));
  return `#/${page.id}${query.size > 0 ? `?${query}` : ''}`;
}

/** The key's id (tokens are crm_<id>_<secret>): enough to tell keys apart, never the secret. */
function keyId(key) {
  const match = /^crm_([a-z0-9-]+)_/.exec(key);
  return match ? match[1] : 'API key';
}

function signInScreen(message) {
  const input = h('input', {
    id: 'api-key',
    name: 'key',
    type: 'password',
    autocomplete: 'off',
    placeholder: 'crm_<id>_<secret>',
    required: true,
  });
  const error = h('p', { class: 'form-error', id: 'sign-in-error', role: 'alert' }, message || '');
  const form = h(
    'form',
    { class: 'sign-in' },
    h('div', { class: 'brand brand-large' }, h('span', { class: 'logo' }, 'crm'), 'Console'),
    h(
      'p',
      {},
      'Read-only views of the pipeline, customers and analytics. Sign in with an API key: what you see follows its scopes.',
    ),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    error,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    h(
      'p',
      { class: 'muted small' },
      'The key stays in this browser tab (session storage) and goes only in the Authorization header of the API calls.',
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    error.textContent = 'Checking the key…';
    try {
      scopes = await probeScopes(key);
    } catch (failure) {
      error.textContent = failure.status === 401 ? 'This is not a valid API key.' : failure.message;
      return;
    }
    session.signIn(key);
    render();
  });
  root.replaceChildren(h('main', { class: 'sign-in-page' }, form));
  input.focus();
}

function shell(page) {
  const nav = h('nav', { class: 'sidebar', 'aria-label': 'Pages' });
  let group;
  for (const p of PAGES) {
    if (p.group !== group) {
      group = p.group;
      nav.append(h('h4', {}, group));
    }
    nav.append(
      h(
        'a',
        {
          href: hrefOf(p),
          class: `nav-link ${p === page ? 'active' : ''} ${scopes[p.scope] ? '' : 'locked'}`,
          'data-page': p.id,
          title: scopes[p.scope] ? null : `Needs the ${p.scope} scope`,
        },
        p.title,
        scopes[p.scope] ? null : h('span', { class: 'lock' }, 'no access'),
      ),
    );
  }
  const granted = Object.entries(scopes)
    .filter(([, ok]) => ok)
    .map(([scope]) => scope);
  const header = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo' }, 'crm'), 'Console'),
    h(
      'div',
      { class: 'key-info' },
      h('span', { class: 'muted' }, 'Signed in with'),
      h('strong', { id: 'key-id' }, keyId(session.key)),
      granted.map((g) => h('span', { class: 'chip' }, g)),
      h(
        'button',
        {
          type: 'button',
          class: 'ghost',
          id: 'sign-out',
          onclick: () => (session.signOut(), (scopes = undefined), render()),
        },
        'Sign out',
      ),
    ),
  );
  const main = h('main', { class: 'content', id: 'content' });
  root.replaceChildren(header, h('div', { class: 'layout' }, nav, main));
  return main;
}

async function render() {
  if (!session.key) return signInScreen();
  if (!scopes) {
    root.replaceChildren(
      h('div', { class: 'state state-loading' }, h('span', { class: 'spinner' }), 'Checking the key…'),
    );
    try {
      scopes = await probeScopes(session.key);
    } catch (failure) {
      session.signOut();
      return signInScreen(
        failure instanceof ApiError && failure.status === 401
          ? 'The saved key is no longer valid.'
          : failure.message,
      );
    }
  }
  const { page, params } = route();
  const main = shell(page);
  document.title = `${page.title} · CRM console`;
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, page.title), h('p', { class: 'muted' }, page.subtitle)),
  );
  if (!scopes[page.scope]) {
    const body = h('div', { class: 'panel' });
    main.append(body);
    showError(body, new ApiError(403, { missingScopes: [page.scope] }));
    return;
  }
  const navigate = (next) => {
    location.hash = hrefOf(page, next);
  };
  if (page.fields.length > 0) main.append(controls(page.fields, params, navigate));
  const content = h('div', { class: 'page', 'data-page': page.id });
  main.append(content);
  page.render(content, params, navigate);
}

window.addEventListener('hashchange', () => render());
render();
