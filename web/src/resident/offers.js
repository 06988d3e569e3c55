// The offers catalogue, and redeeming one: "check your answers" first (price in coins and won, where to use it),
// then the wallet, then the voucher.
import { api } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { lang, t } from "../shared/i18n.js";
import { coins, won } from "../shared/format.js";
import { loadFor, signAndSend, token } from "./requests.js";
import * as session from "./session.js";

function providerName(offer) {
  return (lang() === "ko" && offer.provider_name_ko) || offer.provider_name || offer.provider;
}

function title(offer) {
  return offer.title || t("offers.untitled", { id: offer.offer_id, provider: providerName(offer) });
}

export async function offersScreen({ main }) {
  const loaded = await loadFor(main, t("offers.title"), () => Promise.all([api("/offers"), token()]));
  if (!loaded) return;
  const [offers, info] = loaded;
  show(main, h("h1", {}, t("offers.title")), h("p", {}, t("offers.intro")),
    offers.length ? h("ul", { class: "cards", role: "list" }, offers.map((offer) => h("li", { class: "card", "data-offer": offer.offer_id },
      h("h2", {}, title(offer)),
      h("p", { class: "muted" }, providerName(offer)),
      offer.description ? h("p", {}, offer.description) : null,
      h("p", { class: "figure" }, t("coins.amount", { amount: coins(offer.price) }), " ", h("small", {}, t("won.amount", { amount: won(offer.price, info.won_per_coin) }))),
      h("p", { class: "hint" }, t("offers.remaining", { n: offer.remaining })),
      h("div", { class: "actions" }, offer.remaining > 0
        ? h("a", { class: "button primary block", href: `#/redeem/${offer.offer_id}` }, t("offers.choose"))
        : h("p", {}, t("offers.sold_out")))))) : h("p", {}, t("offers.none")));
}

export async function redeemScreen({ main, params }) {
  const s = session.current();
  const offerId = Number(params[0]);
  const loaded = await loadFor(main, t("redeem.title"), () => Promise.all([api(`/offers/${offerId}`), api("/me", { token: s.token }), token()]));
  if (!loaded) return;
  const [offer, me, info] = loaded;
  const box = h("div");
  const enough = BigInt(me.available) >= BigInt(offer.price);
  const confirm = h("button", {
    type: "button", class: "primary block", disabled: !enough, // the wallet is not asked for what cannot go through
    onclick: async () => {
      confirm.disabled = true;
      const op = await signAndSend(box, "redeem", { offer_id: offerId, max_price: offer.price }, { offerId, maxPrice: offer.price },
        (prepared, signature) => ({ offer_id: offerId, max_price: offer.price, nonce: prepared.nonce, deadline: prepared.deadline, signature }));
      if (op && op !== "unknown") {
        const voucherId = op.result?.VoucherIssued?.voucherId;
        const href = voucherId !== undefined ? `#/voucher/${voucherId}` : "#/vouchers";
        box.append(h("p", {}, h("a", { class: "button primary block", href }, t("redeem.show_voucher"))));
      } else if (op === null) confirm.disabled = false; // nothing was sent: the person may try again
    },
  }, t("redeem.confirm"));
  show(main,
    h("h1", {}, t("redeem.title")),
    h("div", { class: "card emphasis" },
      h("h2", {}, title(offer)),
      h("dl", { class: "pairs" },
        h("dt", {}, t("redeem.where")), h("dd", {}, providerName(offer)),
        h("dt", {}, t("redeem.price")), h("dd", {}, t("coins.amount", { amount: coins(offer.price) }), ` (${t("won.amount", { amount: won(offer.price, info.won_per_coin) })})`),
        enough ? [h("dt", {}, t("redeem.after")), h("dd", {}, t("coins.amount", { amount: coins((BigInt(me.available) - BigInt(offer.price)).toString()) }))] : null,
        h("dt", {}, t("redeem.fee")), h("dd", {}, t("redeem.no_fee")))),
    enough ? null : status(t("redeem.not_enough", { missing: coins((BigInt(offer.price) - BigInt(me.available)).toString()) }), "warn"),
    h("p", {}, t("redeem.explain")),
    confirm, box,
    h("p", {}, h("a", { href: "#/offers" }, t("back.offers"))));
}
