// Checking a voucher: the resident shows its QR (read with the device camera or from a photo) or reads out its
// number and check code; the desk says valid, not ours, already used or wrong code, and marks a valid one used —
// once. The number alone is never enough: numbers run in order, the code is shown only to the voucher's holder.
import { api, ApiRefusal, newIdempotencyKey } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { coins, shortAddress } from "../shared/format.js";
import { readQrFromFile, scanCamera } from "../shared/qr.js";
import { untilMined } from "../shared/operations.js";
import * as staff from "../shared/staff_session.js";

const SERIAL_MAX = 0xffffffffn;
const CODE = /^[0-9A-Za-z]{4,12}$/;

/**
 * {id, code} from what was scanned or typed: the QR's URL (…/desk/#/voucher/<id>/<code>), "<offer>-<serial>", or the
 * id; null if it is none of these. `code` is null when the text carries none.
 */
export function voucherFrom(text) {
  const value = String(text || "").trim();
  const url = /\/voucher\/(\d{1,29})(?:\/([0-9A-Za-z]{4,12}))?\s*$/.exec(value);
  if (url) return { id: BigInt(url[1]).toString(), code: url[2] || null };
  const pair = /^(\d{1,19})\s*-\s*(\d{1,10})$/.exec(value);
  if (pair) {
    if (BigInt(pair[2]) > SERIAL_MAX) return null;
    return { id: ((BigInt(pair[1]) << 32n) | BigInt(pair[2])).toString(), code: null };
  }
  if (/^\d{1,29}$/.test(value)) return { id: BigInt(value).toString(), code: null };
  return null;
}

function number(id) {
  const v = BigInt(id);
  return `${v >> 32n}-${v & 0xffffffffn}`;
}

export async function scanScreen({ main, params }) {
  const result = h("div", { id: "voucher-result", "aria-live": "polite" });
  const video = h("video", { class: "scanner", hidden: true, "aria-label": t("scan.video") });
  const typed = h("input", { type: "text", inputmode: "numeric", autocomplete: "off" });
  const typedCode = h("input", { type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: "false", maxlength: "12" });
  let scanner = null;
  const stopCamera = () => { scanner?.stop(); scanner = null; video.hidden = true; };
  const check = (text, code) => {
    const found = voucherFrom(text);
    if (!found) {
      show(result, status(t("desk.scan.not_voucher"), "error"));
      return false;
    }
    stopCamera();
    checkVoucher(result, found.id, found.code || (code && CODE.test(code.trim()) ? code.trim() : null));
    return true;
  };
  const photo = h("input", {
    type: "file", accept: "image/*", capture: "environment",
    onchange: async () => {
      const file = photo.files?.[0];
      if (!file) return;
      let text = null;
      try {
        text = await readQrFromFile(file);
      } catch {
        text = null;
      }
      if (text) check(text);
      else show(result, status(t("scan.nothing"), "error"));
    },
  });
  show(main,
    h("h1", {}, t("desk.scan.title")),
    h("p", {}, t("desk.scan.intro")),
    h("div", { class: "actions" }, h("button", {
      type: "button", class: "primary",
      onclick: async () => {
        if (scanner) { stopCamera(); return; }
        video.hidden = false;
        try {
          scanner = await scanCamera(video, (text) => check(text));
        } catch (error) {
          video.hidden = true;
          show(result, status(t(error.key || "scan.no_camera"), "error"));
        }
      },
    }, t("desk.scan.camera"))),
    video,
    field("desk-photo", t("desk.scan.photo"), photo, t("pay.photo_hint")),
    h("form", { onsubmit: (e) => { e.preventDefault(); check(typed.value, typedCode.value); } },
      field("desk-number", t("desk.scan.number"), typed, t("desk.scan.number_hint")),
      field("desk-code", t("voucher.code"), typedCode, t("desk.scan.code_hint")),
      h("button", { type: "submit" }, t("desk.scan.check"))),
    result,
    h("p", {}, h("button", { type: "button", class: "linklike", onclick: async () => { await staff.signOut(); location.reload(); } },
      t("home.sign_out"))));
  if (params[0]) check(params.join("/").replace(/^/, "/voucher/"));
}

async function checkVoucher(box, id, code) {
  const token = await staff.token();
  if (!token) return;
  show(box, status(t("loading")));
  const query = code ? `?code=${encodeURIComponent(code)}` : "";
  let voucher;
  try {
    voucher = await api(`/provider/vouchers/${id}${query}`, { token });
  } catch (error) {
    const key = error instanceof ApiRefusal && error.code === "not_your_voucher" ? "desk.voucher.not_ours"
      : error instanceof ApiRefusal && error.code === "unknown_voucher" ? "desk.voucher.unknown" : null;
    show(box, h("div", { class: "card", "data-verdict": error.code || "error" },
      h("h2", {}, key ? t(key) : t("desk.voucher.cannot_check")),
      status(error instanceof ApiRefusal ? error.message : t("error.unexpected"), "error")));
    return;
  }
  const details = h("dl", { class: "pairs" },
    h("dt", {}, t("vouchers.number")), h("dd", {}, number(voucher.voucher_id)),
    h("dt", {}, t("desk.voucher.offer")), h("dd", {}, voucher.offer_title || String(voucher.offer_id)),
    voucher.price ? [h("dt", {}, t("redeem.price")), h("dd", {}, t("coins.amount", { amount: coins(voucher.price) }))] : null,
    voucher.resident ? [h("dt", {}, t("desk.voucher.resident")), h("dd", { class: "mono" }, shortAddress(voucher.resident))] : null);
  if (voucher.fulfilled || voucher.being_fulfilled) {
    show(box, h("div", { class: "card", "data-verdict": "used" },
      h("h2", {}, t(voucher.fulfilled ? "desk.voucher.used" : "desk.voucher.being_used")),
      status(t("desk.voucher.used_hint"), "error"), details));
    return;
  }
  if (voucher.code_ok !== true) {
    show(box, h("div", { class: "card", "data-verdict": voucher.code_ok === false ? "code_wrong" : "code_needed" },
      h("h2", {}, t(voucher.code_ok === false ? "desk.voucher.code_wrong" : "desk.voucher.code_needed")),
      status(t("desk.voucher.code_hint"), voucher.code_ok === false ? "error" : "warn"), details));
    return;
  }
  const progress = h("div", { "aria-live": "polite" });
  const use = h("button", {
    type: "button", class: "primary block",
    onclick: async () => {
      const current = await staff.token();
      if (!current) return;
      use.disabled = true;
      show(progress, status(t("desk.voucher.marking")));
      const key = newIdempotencyKey(); // the same key if the request is sent again: marked used once
      try {
        const op = await untilMined(await api(`/provider/vouchers/${id}/fulfill?code=${encodeURIComponent(code)}`,
          { method: "POST", token: current, idempotencyKey: key }), current);
        if (op.state === "confirmed") {
          show(progress, status(t("desk.voucher.done"), "ok"));
          box.querySelector("[data-verdict]")?.setAttribute("data-verdict", "fulfilled");
        } else {
          show(progress, status(t("desk.voucher.failed_plain"), "error"));
          use.disabled = false;
        }
      } catch (error) {
        show(progress, status(error instanceof ApiRefusal ? error.message : t("error.unexpected"), "error"));
        use.disabled = false;
      }
    },
  }, t("desk.voucher.use"));
  show(box, h("div", { class: "card emphasis", "data-verdict": "valid" },
    h("h2", {}, t("desk.voucher.valid")), status(t("desk.voucher.valid_hint"), "ok"), details, use, progress));
}
