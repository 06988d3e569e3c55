// A staff member's session (providers at the voucher desk; the staff console later): the token from
// POST /auth/login, kept for this browser tab only (sessionStorage) until it expires.
import { api } from "./api.js";

const KEY = "vb.staff";

export function current() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (saved && saved.expires_at > Date.now() + 5000) return saved;
  } catch {
    // damaged: sign in again
  }
  sessionStorage.removeItem(KEY);
  return null;
}

export async function signIn(username, password) {
  const answer = await api("/auth/login", { method: "POST", body: { username, password } });
  const saved = { token: answer.access_token, username, role: answer.role,
    expires_at: Date.now() + (answer.expires_in || 900) * 1000 };
  sessionStorage.setItem(KEY, JSON.stringify(saved));
  return saved;
}

/** The session's token, or null after it ended — then the app is told (it shows its sign-in screen with a word). */
export function token() {
  const s = current();
  if (!s) {
    window.dispatchEvent(new CustomEvent("vb:session-ended"));
    return null;
  }
  return s.token;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}
