// Pieces the console's screens share: the session's token for a call, loading a screen's data, names of
// categories, and Korean time.
import { api, ApiRefusal } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { localName, t } from "../shared/i18n.js";
import * as staff from "../shared/staff_session.js";
import { WalletError } from "../shared/wallet.js";

/** api() with the staff session's token (renewed when needed); null when the session has ended (the app says so). */
export async function call(path, options = {}) {
  const token = await staff.token();
  if (!token) throw new SessionEnded();
  return api(path, { ...options, token });
}

export class SessionEnded extends Error {}

/** A multipart form (a file upload) POSTed with the staff session's token; the JSON answer, or an ApiRefusal. */
export async function upload(path, form) {
  const token = await staff.token();
  if (!token) throw new SessionEnded();
  const response = await fetch(path, { method: "POST", body: form,
    headers: { Authorization: `Bearer ${token}`, "Accept-Language": document.documentElement.lang } });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiRefusal(response.status, answer.error, answer.detail || String(response.status));
  return answer;
}

export function explain(error) {
  if (error instanceof ApiRefusal) return error.message;
  if (error instanceof WalletError) return t(error.key);
  return t("error.unexpected");
}

/** The screen's title and "loading" while `work` runs; its result, or null after saying the refusal in words. */
export async function loadFor(main, title, work) {
  show(main, h("h1", {}, title), status(t("loading")));
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof SessionEnded)) show(main, h("h1", {}, title), status(explain(error), "error"));
    return null;
  }
}

/** Runs an action of a screen, saying its refusal in `box`; true if it went through. */
export async function act(box, work) {
  try {
    await work();
    return true;
  } catch (error) {
    if (!(error instanceof SessionEnded)) show(box, status(explain(error), "error"));
    return false;
  }
}

let categories = null;
export async function categoryList() {
  categories = categories || (await api("/categories"));
  return categories;
}

export function categoryName(list, id) {
  const c = list.find((x) => x.id === Number(id));
  return c ? localName(c, c.key) : String(id);
}

/** How much of a category's unit, in words ("2시간 30분", "3회"). */
export function unitsText(category, units) {
  const n = Number(units);
  if (category?.unit === "minute") {
    const hours = Math.floor(n / 60);
    const minutes = n % 60;
    if (hours && minutes) return t("unit.hours_minutes", { hours, minutes });
    return hours ? t("unit.hours", { hours }) : t("unit.minutes", { minutes });
  }
  const key = `unit.${category?.unit}`;
  const text = t(key, { n });
  return text === key ? String(n) : text;
}

/** A day and time typed in the console, as Korean time with its offset. */
export function koreanTime(day, time) {
  return `${day}T${time}:00+09:00`;
}

export function todayInKorea() {
  return new Date(Date.now() + 9 * 3600 * 1000).toISOString().slice(0, 10);
}

// When an activity of `hours` that has just ended began, in Korean time, to the 10 minutes before: the day (the day
// before, just after midnight) and the time, so the form's first values are never in the future.
export function koreanStartBefore(hours) {
  const start = new Date(Date.now() + 9 * 3600 * 1000 - hours * 3600 * 1000);
  start.setUTCMinutes(start.getUTCMinutes() - (start.getUTCMinutes() % 10), 0, 0);
  const iso = start.toISOString();
  return { day: iso.slice(0, 10), time: iso.slice(11, 16) };
}

export function txLinkOf(hash) {
  return hash ? h("a", { href: `/dashboard/#/tx/${hash}` }, t("console.tx")) : null;
}
