// A resident whose account the centre holds pays at the desk with their member card: the card (camera or typed
// code) and their PIN open a card session for this desk (this provider's offers only); the resident chooses an
// offer, the desk checks it with them, the voucher is issued to the resident and marked used here at once.
import { api, ApiRefusal, newIdempotencyKey } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { coins } from "../shared/format.js";
import { t } from "../shared/i18n.js";
import { cardStep, pinStep } from "../shared/member_card.js";
import { untilMined } from "../shared/operations.js";
import * as staff from "../shared/staff_session.js";

const state = { card: null, session: null };

function go(route) {
  if (location.hash === `#/${route}`) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = `#/${route}`;
}

function cardApi(path, options = {}) {
  // A 401 here ends the card's session, not the provider's sign-in.
  return api(path, { ...options, token: state.session.access_token, endsSession: false });
}

function said(error) {
  return error instanceof ApiRefusal ? error.message : t("error.unexpected");
}

export async function cardScreen({ main, params }) {
  const step = params[0] || "card";
  if (step === "card" || !state.card) {
    state.card = state.session = null;
    cardStep(main, { onCard: (card) => { state.card = card; go("card/pin"); } });
    return;
  }
  if (step === "pin" || !state.session) {
    pinStep(main, {
      card: state.card, staffToken: await staff.token(), cancelHref: "#/card",
      onSession: (session) => { state.session = session; go("card/offers"); },
    });
    return;
  }
  let offers;
  let me;
  try {
    [offers, me] = await Promise.all([cardApi("/card/offers"), cardApi("/card/me")]);
  } catch (error) {
    state.session = null;
    show(main, h("h1", {}, t("desk.card.title")), h("p", { role: "alert", class: "status status-error" }, said(error)),
      h("p", {}, h("a", { class: "button primary block", href: "#/card" }, t("desk.card.next"))));
    return;
  }
  const available = BigInt(me.account.available);
  const box = h("div", { id: "card-result", "aria-live": "polite" });
  const choose = (offer) => {
    const yes = h("button", { type: "button", class: "primary block", onclick: () => { yes.disabled = true; redeem(box, offer); } },
      t("desk.card.confirm_yes"));
    show(box, h("div", { class: "card emphasis" },
      h("h2", {}, t("desk.card.confirm", { title: offer.title || t("offers.untitled", { id: offer.offer_id, provider: "" }), amount: coins(offer.price) })),
      yes));
  };
  show(main,
    h("h1", {}, t("desk.card.title")),
    h("p", {}, t("desk.card.who", { name: me.name || "", number: me.member_number, amount: coins(me.account.available) })),
    offers.length ? h("ul", { class: "cards", role: "list" }, offers.map((offer) => h("li", { class: "card", "data-offer": offer.offer_id },
      h("h2", {}, offer.title || t("offers.untitled", { id: offer.offer_id, provider: "" })),
      h("p", { class: "figure" }, t("coins.amount", { amount: coins(offer.price) })),
      h("button", { type: "button", class: "block", disabled: BigInt(offer.price) > available, onclick: () => choose(offer) },
        BigInt(offer.price) > available ? t("desk.card.not_enough") : t("desk.card.choose"))))) : h("p", {}, t("offers.none")),
    box,
    h("p", {}, h("a", { class: "button block", href: "#/card" }, t("desk.card.next"))));
}

/** The voucher issued to the resident (their card's key signs, the bank relays), then marked used at this desk. */
async function redeem(box, offer) {
  show(box, status(t("kiosk.sending")));
  try {
    let op = await cardApi("/card/redeem", { method: "POST", body: { offer_id: offer.offer_id }, idempotencyKey: newIdempotencyKey() });
    while (op.state === "queued" || op.state === "in_tx") {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      op = await cardApi(`/card/operations/${op.id}`);
    }
    const voucherId = op.state === "confirmed" ? op.result?.VoucherIssued?.voucherId : undefined;
    if (voucherId === undefined) {
      show(box, h("p", { role: "alert", class: "status status-error" }, t("kiosk.failed")));
      return;
    }
    let voucher = null;
    for (let tries = 0; !voucher && tries < 20; tries += 1) { // the indexer names the voucher a moment later
      voucher = (await cardApi("/card/vouchers")).find((v) => v.voucher_id === String(voucherId));
      if (!voucher) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if (!voucher) throw new Error("voucher not indexed");
    show(box, status(t("desk.voucher.marking")));
    const token = await staff.token();
    const used = await untilMined(await api(`/provider/vouchers/${voucher.voucher_id}/fulfill?code=${encodeURIComponent(voucher.code)}`,
      { method: "POST", token, idempotencyKey: newIdempotencyKey() }), token);
    show(box, used.state === "confirmed"
      ? h("p", { class: "status status-ok", role: "status", "data-done": "true" }, t("desk.voucher.done"))
      : h("p", { role: "alert", class: "status status-error" }, t("desk.voucher.failed_plain")));
  } catch (error) {
    show(box, h("p", { role: "alert", class: "status status-error", "data-error": error.code || "error" }, said(error)));
  }
}
