// The REST API client of the pages. The APIs are stateless (JWT bearer only): this module gets a
// short-lived access token for the signed-in session from POST /web/token/ (CSRF-protected) and
// keeps it in memory only; a new one is fetched shortly before it expires or after a 401.

const body = document.body;
const TOKEN_URL = body.dataset.tokenUrl || "/web/token/";
const LOGIN_URL = body.dataset.loginUrl || "/login/";
// Renew this many seconds before the token's expiry, so a request never carries a dying token.
const RENEW_MARGIN_SECONDS = 30;

let cached = null; // {access, expiresAt}
let pending = null; // the in-flight token request, shared by concurrent callers

export class ApiError extends Error {
  constructor(status, detail, errors) {
    super(detail || `Request failed (${status}).`);
    this.status = status;
    this.errors = errors || {};
  }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function goToSignIn() {
  const next = encodeURIComponent(location.pathname + location.search);
  location.assign(`${LOGIN_URL}?next=${next}`);
}

async function requestToken() {
  const response = await fetch(TOKEN_URL, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
  });
  if (response.status === 401 || response.status === 403) {
    // The session ended (signed out in another tab, expired): the person must sign in again.
    goToSignIn();
    throw new ApiError(response.status, "Your session has ended. Please sign in again.");
  }
  if (!response.ok) throw new ApiError(response.status, "Could not get an access token.");
  const data = await response.json();
  cached = { access: data.access, expiresAt: data.expires_at };
  return cached.access;
}

export async function accessToken({ renew = false } = {}) {
  const now = Date.now() / 1000;
  if (!renew && cached && cached.expiresAt - RENEW_MARGIN_SECONDS > now) return cached.access;
  if (!pending) pending = requestToken().finally(() => { pending = null; });
  return pending;
}

export function forgetToken() {
  cached = null;
}

function withQuery(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, value);
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

async function send(method, path, { query, json, accept = "application/json" } = {}, retried = false) {
  const headers = { Authorization: `Bearer ${await accessToken()}`, Accept: accept };
  const init = { method, headers, credentials: "omit" };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  }
  const response = await fetch(withQuery(path, query), init);
  if (response.status === 401 && !retried) {
    // The token expired in flight or was refused: renew once and try again.
    forgetToken();
    await accessToken({ renew: true });
    return send(method, path, { query, json, accept }, true);
  }
  if (!response.ok) {
    let detail = `Request failed (${response.status}).`;
    let errors;
    try {
      const data = await response.json();
      detail = data.detail || detail;
      errors = data.errors;
    } catch {
      // Not JSON (a proxy's error page): keep the generic message.
    }
    throw new ApiError(response.status, detail, errors);
  }
  return response;
}

async function jsonOf(response) {
  return response.status === 204 || response.status === 205 ? null : response.json();
}

export const api = {
  get: async (path, query) => jsonOf(await send("GET", path, { query })),
  post: async (path, json) => jsonOf(await send("POST", path, { json: json ?? {} })),
  // Every page of a paginated list (count/next/previous/results), up to `limit` items.
  async all(path, query, limit = 1000) {
    const items = [];
    let page = await api.get(path, query);
    items.push(...page.results);
    while (page.next && items.length < limit) {
      const next = new URL(page.next, location.href);
      page = await api.get(next.pathname + next.search);
      items.push(...page.results);
    }
    return items;
  },
  // Downloads need the bearer token too, so a plain link cannot fetch them: fetch, then save.
  async download(path, query, filename) {
    const response = await send("GET", path, { query, accept: "text/csv" });
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  },
};
