// My vouchers, and one voucher shown as a QR code with its number, to present at the provider.
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { coins, dateTime } from "../shared/format.js";
import { qrSvg } from "../shared/qr.js";
import { allHistory } from "./history.js";
import { explain } from "./requests.js";
import * as session from "./session.js";

/** The number a person reads out or types: "<offer>-<serial>" (the voucher id is offerId << 32 | serial). */
export function voucherNumber(voucherId) {
  const id = BigInt(voucherId);
  return `${id >> 32n}-${id & 0xffffffffn}`;
}

export function voucherUrl(voucherId) {
  return `${location.origin}/desk/#/voucher/${voucherId}`;
}

export async function vouchersScreen({ main }) {
  const s = session.current();
  show(main, h("h1", {}, t("vouchers.title")), status(t("loading")));
  try {
    const { entries } = await allHistory(s.token);
    const vouchers = entries.filter((e) => e.kind === "redeemed");
    show(main, h("h1", {}, t("vouchers.title")),
      vouchers.length ? h("ul", { class: "history" }, vouchers.map((v) => h("li", {},
        h("div", {}, h("a", { href: `#/voucher/${v.voucher_id}` }, v.offer_title || v.provider_name_ko || v.provider_name || t("history.offer", { id: v.offer_id })),
          h("div", { class: "hint" }, `${t("vouchers.number")} ${voucherNumber(v.voucher_id)} · ${dateTime(v.time)}`)),
        h("div", { class: "amount" }, t("coins.amount", { amount: coins(v.amount) }))))) : h("p", {}, t("vouchers.none")));
  } catch (error) {
    show(main, h("h1", {}, t("vouchers.title")), status(explain(error), "error"));
  }
}

export async function voucherScreen({ main, params }) {
  const voucherId = params[0];
  if (!/^\d+$/.test(voucherId || "")) {
    show(main, h("h1", {}, t("voucher.title")), status(t("voucher.bad"), "error"));
    return;
  }
  const svg = await qrSvg(voucherUrl(voucherId));
  show(main,
    h("h1", {}, t("voucher.title")),
    h("p", {}, t("voucher.show")),
    h("div", { class: "qr", role: "img", "aria-label": t("voucher.qr_label", { number: voucherNumber(voucherId) }), html: svg, "data-voucher": voucherId }),
    h("p", { class: "voucher-number" }, `${t("vouchers.number")} ${voucherNumber(voucherId)}`),
    h("p", { class: "hint" }, t("voucher.once")),
    h("p", {}, h("a", { href: "#/vouchers" }, t("back.vouchers"))));
}
