// The REST client and the token. The token comes from the sign-in form or once from ?token=
// (then removed from the address bar), lives in this tab's sessionStorage only, and is sent as
// "Authorization: Bearer"; requests go to this page's own server only, with no referrer.

export const API = "api/paper-trading/";
const KEY = "paper-terminal-token";

/** An error answered by the API in DESIGN's shape: {error: {code, message, field}}. */
export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

/** Take ?token= out of the address bar (keeping other parameters) and store it; return the token. */
export function takeToken() {
  const params = new URLSearchParams(window.location.search);
  const fromUrl = params.get("token");
  if (fromUrl !== null) {
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : "") + window.location.hash);
    if (fromUrl) sessionStorage.setItem(KEY, fromUrl);
  }
  return sessionStorage.getItem(KEY) || "";
}

export function storeToken(token) { sessionStorage.setItem(KEY, token); }
export function forgetToken() { sessionStorage.removeItem(KEY); }
export function token() { return sessionStorage.getItem(KEY) || ""; }

/** Call the API: `request("trades/", {method, body})`; resolve to the JSON body or throw ApiError. */
export async function request(path, { method = "GET", body, signal } = {}) {
  const headers = { Authorization: "Bearer " + token() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer", signal });
  } catch (failure) {
    if (failure.name === "AbortError") throw failure;
    throw new ApiError(0, "unreachable", "the terminal does not answer (is it running?)", null);
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "http_" + response.status,
                       error.message || `HTTP ${response.status}`, error.field);
  }
  return data;
}

export const get = (path, options) => request(path, options);
export const post = (path, body) => request(path, { method: "POST", body });
export const patch = (path, body) => request(path, { method: "PATCH", body });

/** Build a query string from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}
