// A staff member's session (providers at the voucher desk; the staff console): signed in for a working day. The
// access token from POST /auth/login lasts minutes; the refresh token renews it (POST /auth/refresh, which rotates
// it) until the day's session ends or is revoked (signing out, the account disabled). Kept for this browser tab only
// (sessionStorage).
import { api, ApiRefusal } from "./api.js";

const KEY = "vb.staff";
const EARLY_MS = 60_000; // renew a minute before the access token would expire
let renewing = null; // one renewal at a time: a refresh token used twice ends the session

function save(answer, username) {
  const now = Date.now();
  const saved = {
    token: answer.access_token, username: answer.username || username, role: answer.role, centre_id: answer.centre_id,
    refresh_token: answer.refresh_token || null,
    password_change_required: Boolean(answer.password_change_required),
    expires_at: now + (answer.expires_in || 900) * 1000,
    refresh_expires_at: answer.refresh_token ? now + (answer.refresh_expires_in || 0) * 1000 : now + (answer.expires_in || 900) * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(saved));
  return saved;
}

/** The session while it can still be used (its access token, or its refresh token, not yet expired). */
export function current() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (saved && Math.max(saved.expires_at, saved.refresh_expires_at || 0) > Date.now() + 5000) return saved;
  } catch {
    // damaged: sign in again
  }
  sessionStorage.removeItem(KEY);
  return null;
}

export async function signIn(username, password) {
  return save(await api("/auth/login", { method: "POST", body: { username, password } }), username);
}

function ended() {
  sessionStorage.removeItem(KEY);
  window.dispatchEvent(new CustomEvent("vb:session-ended"));
  return null;
}

/**
 * A valid access token, renewed with the refresh token when it is about to expire; null after the session ended
 * (then the app is told, and shows its sign-in screen with a word).
 */
export async function token() {
  const s = current();
  if (!s) return ended();
  if (s.expires_at - Date.now() > EARLY_MS) return s.token;
  if (!s.refresh_token) return s.expires_at > Date.now() ? s.token : ended();
  renewing = renewing || (async () => {
    try {
      return save(await api("/auth/refresh", { method: "POST", body: { refresh_token: s.refresh_token } }), s.username).token;
    } catch (error) {
      if (error instanceof ApiRefusal && error.status === 0) return s.expires_at > Date.now() ? s.token : null; // offline
      return ended();
    } finally {
      renewing = null;
    }
  })();
  return renewing;
}

export async function signOut() {
  const s = current();
  sessionStorage.removeItem(KEY);
  if (s?.refresh_token) {
    try {
      await api("/auth/logout", { method: "POST", body: { refresh_token: s.refresh_token } });
    } catch {
      // the session ends on its own at the end of the day
    }
  }
}
