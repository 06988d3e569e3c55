// Paying another resident for a service: their address typed, or read from the QR code they show (camera or a
// photo). The note stays with the two of them: only its salted hash goes on-chain.
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { coins, parseCoins, won, shortAddress } from "../shared/format.js";
import { readQrFromFile, scanCamera } from "../shared/qr.js";
import { checksumAddress, isAddress } from "../shared/wallet.js";
import { api } from "../shared/api.js";
import { showErrors } from "./forms.js";
import { loadFor, signAndSend, token } from "./requests.js";
import * as session from "./session.js";

/**
 * The address in a payment QR: "ethereum:0x…@31337" (EIP-681's plain form, which our app shows), or a bare address.
 * Any other EIP-681 form is refused: in "ethereum:<token>/transfer?address=<to>" the first address is a contract's.
 */
export function addressFromQr(text) {
  const match = /^(?:ethereum:)?(0x[0-9a-fA-F]{40})(?:@\d+)?$/.exec(String(text).trim());
  return match ? checksumAddress(match[1]) : null;
}

export async function payScreen({ main, params }) {
  const s = session.current();
  const loaded = await loadFor(main, t("pay.title"), () => Promise.all([api("/me", { token: s.token }), token()]));
  if (!loaded) return;
  const [me, info] = loaded;
  const summary = h("div");
  const box = h("div");
  const scanBox = h("div", { "aria-live": "polite" });
  const payee = h("input", { type: "text", autocomplete: "off", spellcheck: "false", class: "mono", value: params[0] || "" });
  const amount = h("input", { type: "text", inputmode: "decimal", autocomplete: "off" });
  const memo = h("input", { type: "text", maxlength: "200", autocomplete: "off" });
  const video = h("video", { class: "scanner", hidden: true, "aria-label": t("scan.video") });
  let scanner = null;
  const accept = (text) => {
    const address = addressFromQr(text);
    if (!address) {
      show(scanBox, status(t("pay.qr_not_address"), "error"));
      return false;
    }
    payee.value = address;
    show(scanBox, status(t("pay.qr_read", { who: shortAddress(address) }), "ok"));
    video.hidden = true;
    scanner = null; // the scanner stopped itself on this read
    return true;
  };
  const scanButton = h("button", {
    type: "button",
    onclick: async () => {
      if (scanner) { scanner.stop(); scanner = null; video.hidden = true; return; }
      video.hidden = false;
      try {
        scanner = await scanCamera(video, (text) => accept(text));
      } catch (error) {
        video.hidden = true;
        show(scanBox, status(t(error.key || "scan.no_camera"), "error"));
      }
    },
  }, t("pay.scan"));
  const photo = h("input", {
    type: "file", accept: "image/*", capture: "environment",
    onchange: async () => {
      const file = photo.files?.[0];
      if (!file) return;
      try {
        const text = await readQrFromFile(file);
        if (!text) show(scanBox, status(t("scan.nothing"), "error"));
        else accept(text);
      } catch {
        show(scanBox, status(t("scan.nothing"), "error"));
      }
    },
  });
  const send = h("button", { type: "submit", class: "primary block" }, t("pay.confirm"));
  const form = h("form", {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const errors = [];
      const wei = parseCoins(amount.value);
      const to = isAddress(payee.value) ? checksumAddress(payee.value.trim()) : null;
      if (!to) errors.push(["pay-payee", t("pay.payee_invalid")]);
      else if (to === s.address) errors.push(["pay-payee", t("pay.payee_self")]);
      else if ([info.address, info.redemption].some((c) => c && c.toLowerCase() === to.toLowerCase())) {
        errors.push(["pay-payee", t("pay.payee_contract")]); // coins sent there are lost
      }
      if (!wei) errors.push(["pay-amount", t("form.amount_invalid")]);
      if (showErrors(summary, errors)) return;
      send.disabled = true;
      const op = await signAndSend(box, "pay", { payee: to, amount: wei, memo: memo.value || null }, { payee: to, amount: wei },
        (prepared, signature) => ({ payee: to, amount: wei, request_ref: prepared.request_ref, nonce: prepared.nonce, deadline: prepared.deadline, signature }));
      if (op === null) send.disabled = false; // nothing was sent: the person may try again
    },
  },
  field("pay-payee", t("pay.payee"), payee, t("pay.payee_hint")),
  h("div", { class: "actions" }, scanButton), video,
  field("pay-photo", t("pay.photo"), photo, t("pay.photo_hint")),
  scanBox,
  field("pay-amount", t("pay.amount"), amount, t("form.amount_hint", { available: coins(me.available), won: won(me.available, info.won_per_coin) })),
  field("pay-memo", t("pay.memo"), memo, t("pay.memo_hint")),
  send);
  show(main, h("h1", {}, t("pay.title")), h("p", {}, t("pay.intro")), summary, form, box);
}
