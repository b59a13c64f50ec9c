// The API client of the console: every call carries the key in the Authorization header, never in a URL.
/* global sessionStorage, URLSearchParams, fetch -- browser globals: this file runs in the page */

const KEY_STORAGE = 'crm.console.apiKey';

/** The key lives in this tab's session storage: entered once, gone when the tab closes. */
export const session = {
  get key() {
    return sessionStorage.getItem(KEY_STORAGE);
  },
  signIn(key) {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  signOut() {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

/** A refusal or failure of the API, with its problem+json answer when it sent one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  get code() {
    return this.problem.code;
  }
}

/** GET a JSON answer of the API; parameters left empty are not sent. */
export async function getJson(path, params = {}, key = session.key) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const url = query.size > 0 ? `${path}?${query}` : path;
  let res;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' } });
  } catch {
    throw new ApiError(0, {
      title: 'The API cannot be reached',
      detail: 'Check that the server is running.',
    });
  }
  if (!res.ok) {
    let problem = {};
    try {
      problem = await res.json();
    } catch {
      problem = { title: res.statusText };
    }
    throw new ApiError(res.status, problem);
  }
  return res.json();
}

/** What each scope opens, probed with one cheap call: 403 means the key lacks it, 401 that it is no key. */
const PROBES = {
  admin: '/v1/admin/pipeline',
  'customers:read': '/v1/customers?limit=1',
  'analytics:read': '/v1/analytics/lifecycle/funnel',
};

/** Which scopes the key carries: a map scope -> true/false; throws the 401 of an invalid key. */
export async function probeScopes(key) {
  const entries = await Promise.all(
    Object.entries(PROBES).map(async ([scope, path]) => {
      try {
        await getJson(path, {}, key);
        return [scope, true];
      } catch (error) {
        if (error.status === 401) throw error;
        return [scope, error.status !== 403];
      }
    }),
  );
  return Object.fromEntries(entries);
}
