// The backend on the same origin. A refusal (HTTP 4xx/5xx with {error, detail}) becomes an ApiRefusal whose
// message is the API's own sentence in the page's language (the API localises by Accept-Language).
import { lang, t } from "./i18n.js";

export class ApiRefusal extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = "ApiRefusal";
    this.status = status;
    this.code = code;
  }
}

/**
 * JSON from `path`; `token` is a Bearer session. Throws ApiRefusal. `endsSession`: whether a 401 means the app's
 * own session ended (false where a 401 is about something else: a member card's PIN asked with a provider's token).
 */
export async function api(path, { method = "GET", body, token, idempotencyKey, raw = false, endsSession = true, headers: extra = {} } = {}) {
  const headers = { ...extra, "Accept-Language": lang() === "en" ? "en" : "ko" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiRefusal(0, "network", t("error.network"));
  }
  if (response.ok) return raw ? response : response.status === 204 ? null : response.json();
  if (response.status === 401 && token && endsSession) {
    // The session ended (expired, or the account was switched off): the app shows its sign-in screen again.
    window.dispatchEvent(new CustomEvent("vb:session-ended"));
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // not JSON: a proxy's page, for example
  }
  if (payload?.error === "kiosk_device_revoked" || payload?.error === "kiosk_device_required") {
    // The kiosk this page runs on is not (or no longer) enrolled: the kiosk goes back to its setup screen.
    window.dispatchEvent(new CustomEvent("vb:kiosk-device-refused", { detail: payload.error }));
  }
  const detail = payload && typeof payload.detail === "string" ? payload.detail : null;
  throw new ApiRefusal(response.status, payload?.error || `http_${response.status}`,
    detail || t(response.status >= 500 ? "error.server" : "error.unknown", { status: response.status }));
}

/** A fresh key for a request that must not be applied twice if the page retries it. */
export function newIdempotencyKey() {
  return crypto.randomUUID();
}
