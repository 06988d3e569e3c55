// A member card and its PIN: the first two steps of a card session, the same at the centre's kiosk and at a
// provider's desk. The card's QR code (the camera) or the code printed under it (typed), then the PIN on a large
// keypad (a keyboard works too); POST /card/sessions answers a session for that resident only. Nothing is stored in
// the browser: the caller keeps the session in memory.
import "./member_card.css";
import { api, ApiRefusal } from "./api.js";
import { field, h, show, status } from "./dom.js";
import { t } from "./i18n.js";
import { scanCamera } from "./qr.js";

const CARD = /vbc_[A-Za-z0-9_-]{24}/;
// Refusals after which the card cannot be used here: the message says what to do next.
const UNUSABLE = new Set(["card_locked", "card_blocked", "card_unknown"]);

function said(error) {
  return error instanceof ApiRefusal ? error.message : t("error.unexpected");
}

/** The card step: `onCard(token)` once a card's token is read or typed; `notice` a catalogue key said first. */
export function cardStep(main, { onCard, notice = null }) {
  const result = h("div", { "aria-live": "polite" });
  const video = h("video", { class: "scanner", hidden: true, "aria-label": t("scan.video") });
  const typed = h("input", { type: "text", autocomplete: "off", autocapitalize: "off", spellcheck: "false", maxlength: "40" });
  let scanner = null;
  const take = (text) => {
    const found = CARD.exec(String(text || ""));
    if (!found) {
      show(result, status(t("membercard.not_card"), "error"));
      return false;
    }
    scanner?.stop();
    onCard(found[0]);
    return true;
  };
  show(main,
    h("h1", {}, t("membercard.title")),
    notice ? status(t(notice), "warn") : null,
    h("p", {}, t("membercard.intro")),
    h("div", { class: "actions" }, h("button", {
      type: "button", class: "primary block",
      onclick: async () => {
        if (scanner) return;
        video.hidden = false;
        try {
          scanner = await scanCamera(video, take);
        } catch (error) {
          video.hidden = true;
          show(result, status(t(error.key || "scan.no_camera"), "error"));
        }
      },
    }, t("membercard.camera"))),
    video,
    h("form", { onsubmit: (e) => { e.preventDefault(); take(typed.value); } },
      field("member-card", t("membercard.typed"), typed, t("membercard.typed_hint")),
      h("button", { type: "submit", class: "block" }, t("membercard.next"))),
    result);
}

/**
 * The PIN step for `card`: `onSession(session)` with POST /card/sessions' answer. `staffToken`: a provider's sign-in
 * (their desk: the session redeems their offers only); `deviceCode`: the enrolled kiosk's code (X-Kiosk-Device), which
 * a card session without a desk needs. `cancelHref`: where "start again" goes. `send(card, pin)`:
 * where the card and PIN go instead of POST /card/sessions (the resident app's move to their own wallet).
 */
export function pinStep(main, { card, onSession, staffToken = null, deviceCode = null, cancelHref, send = null }) {
  let pin = "";
  const count = h("p", { class: "visually-hidden", "aria-live": "polite" });
  const input = h("input", { type: "password", inputmode: "numeric", autocomplete: "off", maxlength: "6", pattern: "[0-9]*" });
  const result = h("div", { "aria-live": "assertive" });
  const draw = () => {
    count.textContent = t("membercard.pin.entered", { n: pin.length });
    input.value = pin;
  };
  input.addEventListener("input", () => { pin = input.value.replace(/\D/g, "").slice(0, 6); draw(); });
  const press = (digit) => { if (pin.length < 6) pin += digit; draw(); };
  const submit = async () => {
    if (pin.length < 4) {
      show(result, status(t("membercard.pin.short"), "error"));
      return;
    }
    show(result, status(t("membercard.pin.checking")));
    try {
      onSession(await (send ? send(card, pin)
        : api("/card/sessions", { method: "POST", body: { card_token: card, pin }, token: staffToken, endsSession: false,
          headers: deviceCode ? { "X-Kiosk-Device": deviceCode } : {} })));
    } catch (error) {
      pin = "";
      draw();
      show(result, h("p", { role: "alert", class: "status status-error", "data-error": error.code || "error" }, said(error)));
      form.hidden = UNUSABLE.has(error.code); // nothing more to press: "start again" is below
    }
  };
  const form = h("form", { onsubmit: (e) => { e.preventDefault(); submit(); } },
    field("member-pin", t("membercard.pin.label"), input),
    h("div", { class: "keypad", role: "group", "aria-label": t("membercard.pin.keypad") },
      ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => h("button", { type: "button", onclick: () => press(d) }, d)),
      h("button", { type: "button", class: "keypad-word", onclick: () => { pin = pin.slice(0, -1); draw(); } }, t("membercard.pin.erase")),
      h("button", { type: "button", onclick: () => press("0") }, "0"),
      h("button", { type: "submit", class: "primary keypad-word" }, t("membercard.pin.ok"))));
  show(main,
    h("h1", {}, t("membercard.pin.title")),
    h("p", {}, t("membercard.pin.intro")),
    count,
    form,
    result,
    h("p", {}, h("a", { href: cancelHref, class: "button block" }, t("membercard.cancel"))));
}
