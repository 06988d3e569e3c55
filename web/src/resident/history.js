// What happened to my coins, in words: "자원봉사 2시간 · 서초구 자원봉사센터 → +6코인", each linked to its transaction.
import { api } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { lang, t } from "../shared/i18n.js";
import { coins, dateTime, shortAddress } from "../shared/format.js";
import { explain, txLink } from "./requests.js";
import * as session from "./session.js";

function amountOf(units, unit) {
  const n = Number(units);
  if (unit === "minute") {
    const hours = Math.floor(n / 60);
    const minutes = n % 60;
    if (hours && minutes) return t("unit.hours_minutes", { hours, minutes });
    return hours ? t("unit.hours", { hours }) : t("unit.minutes", { minutes });
  }
  const key = `unit.${unit}`;
  const text = t(key, { n });
  return text === key ? `${n} ${unit || ""}`.trim() : text;
}

function name(entry, field) {
  return (lang() === "ko" && entry[`${field}_name_ko`]) || entry[`${field}_name`] || null;
}

/** [what, signed amount] of one history entry; one a guardian did for the member names the guardian. */
export function describe(entry) {
  const [what, amount] = describeKind(entry);
  return [entry.guardian ? `${what} · ${t("history.by_guardian", { name: entry.guardian.name })}` : what, amount];
}

function describeKind(entry) {
  switch (entry.kind) {
    case "earned": {
      // entry.category_name is the category's key; its words come from the catalogue, else the config's names.
      const known = `category.${entry.category_name}`;
      const category = t(known) !== known ? t(known) : (lang() === "ko" && entry.category_name_ko) || entry.category_name;
      const centre = name(entry, "centre") || t("history.centre", { id: entry.centre_id });
      return [t("history.earned", { category, amount: amountOf(entry.units, entry.unit), centre }), `+${coins(entry.amount)}`];
    }
    case "revoked":
      return [t("history.revoked"), `-${coins(entry.clawed_back || entry.amount)}`];
    case "debt_repaid":
      return [t("history.debt_repaid"), `-${coins(entry.amount)}`];
    case "redeemed":
      return [t("history.redeemed", { what: entry.offer_title || name(entry, "provider") || t("history.offer", { id: entry.offer_id }) }), `-${coins(entry.amount)}`];
    case "donated":
      return [t("history.donated", { charity: name(entry, "charity") || shortAddress(entry.charity) }), `-${coins(entry.amount)}`];
    case "paid":
      return [t("history.paid", { who: shortAddress(entry.counterparty) }), `-${coins(entry.amount)}`];
    case "received_payment":
      return [t("history.received", { who: shortAddress(entry.counterparty) }), `+${coins(entry.amount)}`];
    default:
      return [entry.event, coins(entry.amount || 0)];
  }
}

export function historyList(entries) {
  if (!entries.length) return h("p", { class: "muted" }, t("history.empty"));
  return h("ul", { class: "history" }, entries.map((entry) => {
    const [what, amount] = describe(entry);
    return h("li", { "data-kind": entry.kind },
      h("div", {}, h("div", {}, what), h("div", { class: "hint" }, dateTime(entry.time)), txLink(entry.tx_hash)),
      h("div", { class: `amount ${amount.startsWith("+") ? "plus" : "minus"}` }, t("coins.signed", { amount })));
  }));
}

/** Every entry after `after` (0: all), newest first (the API pages oldest first, `next_after_id` until the end). */
export async function allHistory(token, after = 0) {
  const entries = [];
  for (;;) {
    const answer = await api(`/me/history?after_id=${after}&limit=500`, { token });
    entries.push(...answer.entries);
    if (answer.next_after_id === null || answer.next_after_id === undefined) {
      return { entries: entries.reverse(), pending: answer.pending, last: answer.next_after_id ?? lastId(entries, after) };
    }
    after = answer.next_after_id;
  }
}

function lastId(entries, after) {
  return entries.reduce((max, e) => Math.max(max, e.id), after);
}

export async function historyScreen({ main }) {
  const s = session.current();
  show(main, h("h1", {}, t("history.title")), status(t("loading")));
  try {
    const { entries, pending } = await allHistory(s.token);
    show(main, h("h1", {}, t("history.title")),
      pending.length ? status(t("history.pending", { n: pending.length }), "warn") : null,
      historyList(entries));
  } catch (error) {
    show(main, h("h1", {}, t("history.title")), status(explain(error), "error"));
  }
}
