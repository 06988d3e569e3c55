// Acting for a member whose account the centre holds (docs/access.md, "Guardians and proxies"): a family member or a
// social worker the centre registered, signed in with their own wallet, sees the members they act for; for one of
// them, the coins usable now and what is left of today's limit, a donation or a voucher (each checked on a confirm
// step, then sent once and followed to the chain), a forgotten PIN set anew with the member, and the member's history
// (which names the guardian on what they did). Nothing is signed in the guardian's wallet: the centre's held key
// signs, under the member's daily limit. Refusals are the API's own sentence.
import { api, newIdempotencyKey } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { localName, t } from "../shared/i18n.js";
import { coins, dateTime, parseCoins, won } from "../shared/format.js";
import { historyList } from "./history.js";
import { explain, loadFor, token } from "./requests.js";
import * as session from "./session.js";

function refusal(error) {
  return h("p", { role: "alert", class: "status status-error", "data-error": error.code || "error" }, explain(error));
}

function cardState(card) {
  if (!card) return "—";
  if (card.status === "blocked") return t("guardian.card_blocked", { serial: card.serial });
  return card.locked ? t("guardian.card_locked", { serial: card.serial }) : t("guardian.card_active", { serial: card.serial });
}

function noticeText(n) {
  const key = `kiosk.notice.${n.kind === "pin_set" ? "pin_reset" : n.kind}`;
  const params = { by: n.by || "", serial: n.card_serial ?? "" };
  return t(key, params) === key ? t("kiosk.notice.other") : t(key, params);
}

export async function guardianScreen(ctx) {
  return ctx.params?.length ? memberScreen(ctx, Number(ctx.params[0])) : membersScreen(ctx);
}

async function membersScreen({ main }) {
  const s = session.current();
  const members = await loadFor(main, t("guardian.title"), () => api("/guardian/members", { token: s.token }));
  if (!members) return;
  show(main, h("h1", {}, t("guardian.title")), h("p", {}, t("guardian.intro")),
    members.length ? h("ul", { class: "cards", id: "guardian-members" }, members.map((m) => h("li", { class: "card", "data-member": m.resident_id },
      h("h2", {}, `${m.name || m.member_number}`),
      h("p", {}, `${t("guardian.member_number")} ${m.member_number} · ${t(`guardian.relation.${m.relation}`)} · ${cardState(m.card)}`),
      h("p", {}, h("a", { class: "button primary", href: `#/guardian/${m.resident_id}` }, t("guardian.open", { name: m.name || m.member_number }))))))
      : h("p", {}, t("guardian.none")));
}

async function memberScreen({ main }, id) {
  const s = session.current();
  const base = `/guardian/members/${id}`;
  const loaded = await loadFor(main, t("guardian.title"), () => Promise.all([
    api(base, { token: s.token }), api(`${base}/offers`, { token: s.token }), api("/charities"), token(),
    api(`${base}/history?limit=500`, { token: s.token })]));
  if (!loaded) return;
  const [member, offers, charities, info, history] = loaded;
  const name = member.name || member.member_number;
  const redraw = () => memberScreen({ main }, id);
  const box = h("div", { "aria-live": "polite", id: "guardian-result" });

  /** Sends one spend (one Idempotency-Key: a second press repeats it, never doubles it) and follows it. */
  async function send(path, body) {
    show(box, status(t("guardian.sending")));
    let op;
    try {
      op = await api(`${base}/${path}`, { method: "POST", body, token: s.token, idempotencyKey: newIdempotencyKey() });
      show(box, status(t("guardian.sent")));
      while (op.state === "queued" || op.state === "in_tx") {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        op = await api(`${base}/operations/${op.id}`, { token: s.token });
      }
    } catch (error) {
      show(box, refusal(error));
      return;
    }
    if (op.state !== "confirmed") { show(box, h("p", { role: "alert", class: "status status-error" }, t("guardian.failed"))); return; }
    await redraw();
    show(document.getElementById("guardian-result") || box, h("p", { class: "status status-ok", role: "status", "data-done": "true" }, t("guardian.done")));
  }

  function confirmStep(question, yesLabel, onYes) {
    const yes = h("button", { type: "button", class: "primary", onclick: () => { yes.disabled = true; no.remove(); onYes(); } }, yesLabel);
    const no = h("button", { type: "button", onclick: () => show(box) }, t("guardian.no"));
    show(box, h("div", { class: "card emphasis", id: "guardian-confirm" }, h("h3", {}, question), h("p", {}, yes, " ", no)));
    yes.focus();
  }

  // The donation: a charity and an amount, then a confirm step naming both and the member.
  const summary = h("div");
  const amount = h("input", { type: "text", inputmode: "decimal", autocomplete: "off" });
  const donate = charities.length ? h("form", { novalidate: true, onsubmit: (e) => {
    e.preventDefault();
    const wei = parseCoins(amount.value);
    const chosen = e.target.querySelector("input[name=guardian-charity]:checked")?.value;
    const charity = charities.find((c) => c.address === chosen);
    if (!wei) { show(summary, status(t("form.amount_invalid"), "error")); return; }
    show(summary);
    confirmStep(t("guardian.donate_confirm", { name, amount: coins(wei), charity: localName(charity, charity.address) }),
      t("guardian.yes_donate"), () => send("donate", { charity: charity.address, amount: wei }));
  } },
  h("fieldset", {}, h("legend", {}, t("donate.charity")), charities.map((c, i) => h("label", { class: "card" },
    h("input", { type: "radio", name: "guardian-charity", value: c.address, checked: i === 0 }), " ", localName(c, c.address)))),
  field("guardian-amount", t("donate.amount"), amount, t("form.amount_hint", { available: coins(member.account.available), won: won(member.account.available, info.won_per_coin) })),
  summary,
  h("button", { type: "submit", class: "primary" }, t("guardian.donate_next"))) : h("p", {}, t("donate.none"));

  // A voucher: each offer with its price; a confirm step first.
  const redeem = offers.length ? h("ul", { class: "cards" }, offers.map((o) => {
    const title = o.title || t("offers.untitled", { id: o.offer_id, provider: o.provider_name || o.provider });
    return h("li", { class: "card", "data-offer": o.offer_id }, h("h3", {}, title),
      h("p", {}, t("coins.amount", { amount: coins(o.price) })),
      h("button", { type: "button", onclick: () => confirmStep(t("guardian.redeem_confirm", { name, amount: coins(o.price), offer: title }),
        t("guardian.yes_redeem"), () => send("redeem", { offer_id: o.offer_id })) }, t("guardian.redeem_this")));
  })) : h("p", {}, t("offers.none"));

  // A forgotten PIN, typed by the member twice.
  const attrs = { type: "password", inputmode: "numeric", autocomplete: "off", maxlength: "6", pattern: "[0-9]*" };
  const pin = h("input", attrs);
  const pin2 = h("input", attrs);
  const pinBox = h("div", { "aria-live": "polite" });
  const pinForm = h("details", { id: "guardian-pin" }, h("summary", {}, t("guardian.pin")), h("p", {}, t("guardian.pin_intro")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (pin.value !== pin2.value) { show(pinBox, status(t("console.custody.pin_mismatch"), "error")); return; }
      try {
        await api(`${base}/pin`, { method: "POST", body: { pin: pin.value }, token: s.token, idempotencyKey: newIdempotencyKey() });
        pin.value = pin2.value = "";
        show(pinBox, h("p", { class: "status status-ok", role: "status", "data-done": "true" }, t("guardian.pin_done")));
      } catch (error) {
        show(pinBox, refusal(error));
      }
    } }, field("guardian-pin-1", t("console.custody.pin"), pin, t("console.custody.pin_hint")),
    field("guardian-pin-2", t("console.custody.pin_again"), pin2),
    h("button", { type: "submit" }, t("console.custody.reset_submit"))), pinBox);

  show(main,
    h("h1", {}, t("guardian.member_title", { name })),
    h("p", {}, h("a", { href: "#/guardian" }, t("guardian.back"))),
    h("dl", { class: "pairs card emphasis", id: "guardian-member" },
      h("dt", {}, t("guardian.member_number")), h("dd", {}, member.member_number),
      h("dt", {}, t("guardian.available")), h("dd", { id: "guardian-available" }, t("coins.amount", { amount: coins(member.account.available) })),
      h("dt", {}, t("guardian.left_today")), h("dd", { id: "guardian-left" }, t("coins.amount", { amount: coins(member.left_today) })),
      h("dt", {}, t("guardian.card")), h("dd", {}, cardState(member.card))),
    box,
    h("section", {}, h("h2", {}, t("guardian.donate")), donate),
    h("section", {}, h("h2", {}, t("guardian.redeem")), redeem),
    h("section", {}, pinForm),
    h("section", { id: "guardian-history" }, h("h2", {}, t("guardian.history")),
      history.pending.length ? status(t("history.pending", { n: history.pending.length }), "warn") : null,
      historyList([...history.entries].reverse())),
    member.notices.length ? h("section", {}, h("h2", {}, t("kiosk.notice.title")), h("ul", {}, member.notices.slice(0, 5).map((n) =>
      h("li", {}, noticeText(n), " · ", h("span", { class: "muted" }, dateTime(n.at)))))) : null);
}
