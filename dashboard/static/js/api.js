// The HTTP API client: the access token in memory, the refresh token in sessionStorage, one refresh at a time.
//
// Why sessionStorage: it survives a reload of this tab but is not shared with other tabs and is gone when
// the tab closes; localStorage would keep a 30-day credential on disk for any script of this origin to read.
// The strict Content-Security-Policy (no inline or foreign scripts) is what keeps other scripts out.

const REFRESH_KEY = "tandem.refresh_token";

let accessToken = null;
let user = null;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

async function send(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError(0, "network", `the server cannot be reached (${err.message})`);
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? "http_error", error.message ?? response.statusText, error.details);
  }
  return data;
}

function signedIn(auth) {
  accessToken = auth.access_token;
  user = auth.user;
  sessionStorage.setItem(REFRESH_KEY, auth.refresh_token);
  notify();
}

function forget() {
  const had = accessToken !== null || user !== null;
  accessToken = null;
  user = null;
  sessionStorage.removeItem(REFRESH_KEY);
  if (had) notify();
}

function notify() {
  for (const fn of listeners) fn(user);
}

/** ``fn(user | null)`` whenever someone signs in or out (or the session ends); returns an unsubscribe function. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function currentUser() {
  return user;
}

export function hasSession() {
  return accessToken !== null || sessionStorage.getItem(REFRESH_KEY) !== null;
}

/**
 * Trade the refresh token for a new pair. Refresh tokens are single use: a second refresh with the same token
 * would look like theft and end the session, so every caller shares the one refresh in flight. ``stale`` is the
 * access token that just failed: if it was already replaced, there is nothing to do.
 */
export function refresh(stale = null) {
  if (refreshing) return refreshing;
  if (stale !== null && accessToken !== null && accessToken !== stale) return Promise.resolve();
  refreshing = (async () => {
    const token = sessionStorage.getItem(REFRESH_KEY);
    if (!token) {
      forget();
      throw new ApiError(401, "signed_out", "sign in first");
    }
    try {
      signedIn(await send("POST", "/api/auth/refresh", { refresh_token: token }));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) forget();
      throw err;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Restore the session of this tab after a reload; false when there is none (or it ended). */
export async function restore() {
  if (accessToken !== null) return true;
  if (!sessionStorage.getItem(REFRESH_KEY)) return false;
  try {
    await refresh();
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return false;
    throw err;
  }
}

/** An authenticated call; on a 401 the tokens are refreshed once and the call is made again. */
export async function request(method, path, body) {
  if (accessToken === null) await refresh();
  const token = accessToken;
  try {
    return await send(method, path, body, token);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
    await refresh(token);
    return send(method, path, body, accessToken);
  }
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body);
export const patch = (path, body) => request("PATCH", path, body);
export const del = (path) => request("DELETE", path);

export async function login(email, password) {
  signedIn(await send("POST", "/api/auth/login", { email, password }));
}

export async function register(email, password, name) {
  signedIn(await send("POST", "/api/auth/register", { email, password, name }));
}

/** End the session on the server too; the tokens are forgotten even if the server cannot be reached. */
export async function logout() {
  try {
    if (accessToken !== null) await send("POST", "/api/auth/logout", undefined, accessToken);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
  } finally {
    forget();
  }
}

/** ``/api/...`` with the path segments encoded: path`/api/projects/${id}` never lets an id change the route. */
export function path(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]) : ""), "");
}
