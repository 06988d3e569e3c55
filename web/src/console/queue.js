// The approval queue: activities waiting for a coordinator (self-reports, matched volunteering, corrections),
// approved or rejected with a reason; confirmed ones revoked with a reason; each with its chain status.
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { coins, dateTime, shortAddress } from "../shared/format.js";
import { act, call, categoryList, categoryName, loadFor, txLinkOf, unitsText } from "./common.js";

function row(a, categories, again) {
  const box = h("div", { "aria-live": "polite" });
  const reason = h("input", { type: "text", maxlength: "500" });
  const category = categories.find((c) => c.id === a.category);
  const waiting = ["recorded", "pending_review"].includes(a.status);
  return h("li", { class: "card", "data-activity": a.id, "data-status": a.status },
    h("h3", {}, `${categoryName(categories, a.category)} ${unitsText(category, a.units)} · ${shortAddress(a.volunteer)}`),
    h("p", { class: "hint" }, `${dateTime(a.occurred_at)} · ${t(`source.${a.source}`)} · ${t(`status.${a.status}`)}`,
      a.reward ? ` · ${t("coins.amount", { amount: coins(a.reward) })}` : ""),
    a.place || a.description ? h("p", {}, [a.place, a.description].filter(Boolean).join(" — ")) : null,
    a.tx_hash ? h("p", {}, txLinkOf(a.tx_hash)) : null,
    field(`reason-${a.id}`, waiting ? t("console.reject_reason") : t("console.revoke_reason"), reason),
    h("div", { class: "actions" },
      waiting ? h("button", { type: "button", class: "primary", onclick: async () => {
        if (await act(box, () => call(`/activities/${a.id}/approve`, { method: "POST" }))) again();
      } }, t("console.approve")) : null,
      waiting ? h("button", { type: "button", onclick: async () => {
        if (!reason.value.trim()) { show(box, status(t("console.reason_needed"), "error")); return; }
        if (await act(box, () => call(`/activities/${a.id}/reject`, { method: "POST", body: { reason: reason.value.trim() } }))) again();
      } }, t("console.reject")) : null,
      a.status === "confirmed" ? h("button", { type: "button", class: "danger", onclick: async () => {
        if (!reason.value.trim()) { show(box, status(t("console.reason_needed"), "error")); return; }
        if (await act(box, () => call(`/activities/${a.id}/revoke`, { method: "POST", body: { reason: reason.value.trim() } }))) again();
      } }, t("console.revoke")) : null),
    box);
}

export async function queueScreen({ main }) {
  const loaded = await loadFor(main, t("console.queue"), () => Promise.all([categoryList(),
    call("/activities?status=recorded&status=pending_review&limit=100"), call(`/activities?status=confirmed&status=revoking&limit=10&before_id=2147483647`)]));
  if (!loaded) return;
  const [categories, waiting, confirmed] = loaded;
  const again = () => queueScreen({ main });
  show(main,
    h("h1", {}, t("console.queue")),
    h("h2", {}, t("console.waiting", { n: waiting.length })),
    waiting.length ? h("ul", { class: "cards", role: "list" }, waiting.map((a) => row(a, categories, again))) : h("p", { class: "muted" }, t("console.nothing_waiting")),
    h("h2", {}, t("console.recent_confirmed")),
    confirmed.length ? h("ul", { class: "cards", role: "list" }, confirmed.map((a) => row(a, categories, again))) : h("p", { class: "muted" }, t("console.none_confirmed")));
}
