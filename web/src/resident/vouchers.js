// My vouchers, and one voucher shown as a QR code with its number and check code, to present at the provider. The
// number alone is not enough at the desk (numbers run in order): the code is shown only here, to its holder.
import { api } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { lang, t } from "../shared/i18n.js";
import { coins, dateTime } from "../shared/format.js";
import { qrSvg } from "../shared/qr.js";
import { explain } from "./requests.js";
import * as session from "./session.js";

/** The number a person reads out or types: "<offer>-<serial>" (the voucher id is offerId << 32 | serial). */
export function voucherNumber(voucherId) {
  const id = BigInt(voucherId);
  return `${id >> 32n}-${id & 0xffffffffn}`;
}

export function voucherUrl(voucherId, code) {
  return `${location.origin}/desk/#/voucher/${voucherId}/${code}`;
}

function what(v) {
  return v.offer_title || (lang() === "ko" && v.provider_name_ko) || v.provider_name || t("history.offer", { id: v.offer_id });
}

export async function vouchersScreen({ main }) {
  const s = session.current();
  show(main, h("h1", {}, t("vouchers.title")), status(t("loading")));
  try {
    const vouchers = await api("/me/vouchers", { token: s.token });
    show(main, h("h1", {}, t("vouchers.title")),
      vouchers.length ? h("ul", { class: "history" }, vouchers.map((v) => h("li", { "data-voucher": v.voucher_id, "data-used": String(v.fulfilled) },
        h("div", {}, h("a", { href: `#/voucher/${v.voucher_id}` }, what(v)),
          h("div", { class: "hint" }, `${t("vouchers.number")} ${voucherNumber(v.voucher_id)} · ${dateTime(v.time)}`)),
        h("div", {}, h("div", { class: "amount" }, t("coins.amount", { amount: coins(v.price) })),
          h("div", { class: v.fulfilled ? "muted" : "" }, v.fulfilled ? t("vouchers.used") : t("vouchers.unused")))))) : h("p", {}, t("vouchers.none")));
  } catch (error) {
    show(main, h("h1", {}, t("vouchers.title")), status(explain(error), "error"));
  }
}

export async function voucherScreen({ main, params }) {
  const s = session.current();
  const voucherId = params[0];
  if (!/^\d+$/.test(voucherId || "")) {
    show(main, h("h1", {}, t("voucher.title")), status(t("voucher.bad"), "error"));
    return;
  }
  show(main, h("h1", {}, t("voucher.title")), status(t("loading")));
  let voucher;
  try {
    voucher = (await api("/me/vouchers", { token: s.token })).find((v) => v.voucher_id === voucherId);
  } catch (error) {
    show(main, h("h1", {}, t("voucher.title")), status(explain(error), "error"));
    return;
  }
  if (!voucher) {
    show(main, h("h1", {}, t("voucher.title")), status(t("voucher.bad"), "error"));
    return;
  }
  const back = h("p", {}, h("a", { href: "#/vouchers" }, t("back.vouchers")));
  if (voucher.fulfilled) {
    show(main, h("h1", {}, t("voucher.title")), h("h2", {}, what(voucher)), status(t("voucher.used"), "warn"), back);
    return;
  }
  const svg = await qrSvg(voucherUrl(voucherId, voucher.code));
  show(main,
    h("h1", {}, t("voucher.title")),
    h("h2", {}, what(voucher)),
    h("p", {}, t("voucher.show")),
    h("div", { class: "qr", role: "img", "aria-label": t("voucher.qr_label", { number: voucherNumber(voucherId) }), html: svg,
      "data-voucher": voucherId, "data-code": voucher.code }),
    h("p", { class: "voucher-number" }, `${t("vouchers.number")} ${voucherNumber(voucherId)}`),
    h("p", { class: "voucher-number" }, `${t("voucher.code")} `, h("span", { class: "mono" }, voucher.code)),
    h("p", { class: "hint" }, t("voucher.once")),
    back);
}
