// The centre's kiosk (/kiosk/) for residents whose account the centre holds: show the member card (its QR code to
// the camera, or type the code printed under it), press the PIN, then see the balance, use a voucher or donate.
// Large type, one thing per screen, Korean first, a touch keypad. The session lives in this page only (a shared
// device): "끝내기" or the end of the session forgets it.
//
// A card session without a provider's desk is opened only by a kiosk enrolled for its centre: a coordinator enrols
// the kiosk in the console (키오스크 기기) and types the device code shown there into this kiosk's setup screen once.
// The code is kept in this browser's localStorage — unlike the member's session, it is the device's credential, not
// a person's: it opens nothing without a member's card and PIN, and a coordinator revokes it if the kiosk is lost.
import "../shared/base.css";
import "./kiosk.css";
import { api, ApiRefusal, newIdempotencyKey } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { coins, dateTime, won } from "../shared/format.js";
import { localName, t } from "../shared/i18n.js";
import { frame, loadBranding, startRouter } from "../shared/layout.js";
import { cardStep, pinStep } from "../shared/member_card.js";

const DEVICE_KEY = "vb.kiosk.device";
const state = { card: null, session: null, notice: null, setupNotice: null };

function deviceCode() {
  return localStorage.getItem(DEVICE_KEY);
}

function go(route) {
  if (location.hash === `#/${route}`) router.go();
  else location.hash = `#/${route}`;
}

function end(noticeKey = null) {
  state.card = null;
  state.session = null;
  state.notice = noticeKey;
  stillHere(); // no session: the timers stop
  go("start");
}

function said(error) {
  return error instanceof ApiRefusal ? error.message : t("error.unexpected");
}

// ------------------------------------------------------------------ 0. this kiosk enrolled

async function setupScreen({ main }) {
  if (deviceCode()) return go("start");
  const notice = state.setupNotice;
  state.setupNotice = null;
  const input = h("input", { type: "text", autocomplete: "off", autocapitalize: "off", spellcheck: "false", maxlength: "80" });
  const result = h("div", { "aria-live": "polite" });
  show(main,
    h("h1", {}, t("kiosk.setup.title")),
    notice ? status(t(notice), "warn") : null,
    h("p", {}, t("kiosk.setup.intro")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      const code = input.value.trim();
      show(result, status(t("kiosk.setup.checking")));
      try {
        const kiosk = await api("/kiosks/this", { headers: { "X-Kiosk-Device": code } });
        localStorage.setItem(DEVICE_KEY, code);
        state.notice = null;
        show(result, status(t("kiosk.setup.done", { name: kiosk.name }), "ok"));
        go("start");
      } catch (error) {
        show(result, h("p", { role: "alert", class: "status status-error", "data-error": error.code || "error" }, said(error)));
      }
    } },
    field("kiosk-device-code", t("kiosk.setup.code"), input, t("kiosk.setup.code_hint")),
    h("button", { type: "submit", class: "primary block" }, t("kiosk.setup.enrol"))),
    result);
}

/** The kiosk's code was refused (revoked, or unknown): forget it and the session, and go back to the setup screen. */
function deviceRefused(code) {
  localStorage.removeItem(DEVICE_KEY);
  state.card = null;
  state.session = null;
  state.setupNotice = code === "kiosk_device_revoked" ? "kiosk.setup.revoked" : "kiosk.setup.unknown";
  stillHere();
  go("setup");
}

// ------------------------------------------------------------------ 1. the card, 2. the PIN

async function startScreen({ main }) {
  if (!deviceCode()) return go("setup");
  state.session = null;
  const notice = state.notice;
  state.notice = null;
  cardStep(main, { notice, onCard: (card) => { state.card = card; go("pin"); } });
}

async function pinScreen({ main }) {
  if (!state.card) return go("start");
  pinStep(main, {
    card: state.card, cancelHref: "#/start", deviceCode: deviceCode(),
    onSession: (session) => { state.session = session; stillHere(); go("home"); },
  });
}

// ------------------------------------------------------------------ 3. what the member can do

function token() {
  if (!state.session) {
    go("start");
    return null;
  }
  return state.session.access_token;
}

function money(amount, wonPerCoin) {
  const w = won(amount, wonPerCoin);
  return [t("coins.amount", { amount: coins(amount) }), w ? h("small", {}, ` (${t("won.amount", { amount: w })})`) : null];
}

const NOTICE_KEYS = { pin_reset: "kiosk.notice.pin_reset", pin_set: "kiosk.notice.pin_reset", card_issued: "kiosk.notice.card_issued",
  card_blocked: "kiosk.notice.card_blocked", card_locked: "kiosk.notice.card_locked",
  guardian_registered: "kiosk.notice.guardian_registered", guardian_revoked: "kiosk.notice.guardian_revoked",
  guardian_acted: "kiosk.notice.guardian_acted", guardian_pin_reset: "kiosk.notice.guardian_pin_reset",
  move_requested: "kiosk.notice.move_requested", move_declined: "kiosk.notice.move_declined" };

async function homeScreen({ main }) {
  const bearer = token();
  if (!bearer) return;
  const [me, info] = await Promise.all([api("/card/me", { token: bearer }), api("/token")]);
  const recent = me.notices.slice(0, 3);
  show(main,
    h("h1", {}, t("kiosk.home.title", { name: me.name || me.member_number })),
    h("div", { class: "card emphasis" },
      h("p", {}, t("kiosk.home.available")),
      h("p", { class: "kiosk-balance", id: "kiosk-available" }, money(me.account.available, info.won_per_coin)),
      h("p", { class: "hint" }, t("kiosk.home.left_today", { amount: coins(me.left_today) }))),
    h("ul", { class: "kiosk-choices" },
      h("li", {}, h("a", { class: "button primary block", href: "#/offers" }, t("kiosk.home.offers"))),
      me.desk ? null : h("li", {}, h("a", { class: "button block", href: "#/donate" }, t("kiosk.home.donate"))),
      h("li", {}, h("button", { type: "button", class: "block", onclick: () => end() }, t("kiosk.end")))),
    recent.length ? h("section", {}, h("h2", {}, t("kiosk.notice.title")),
      h("ul", {}, recent.map((n) => h("li", {}, t(NOTICE_KEYS[n.kind] || "kiosk.notice.other", { by: n.by || "", serial: n.card_serial ?? "" }),
        " · ", h("span", { class: "muted" }, dateTime(n.at)))))) : null,
    h("p", { class: "hint" }, t("kiosk.home.member", { number: me.member_number, serial: me.card_serial })));
}

async function offersScreen({ main }) {
  const bearer = token();
  if (!bearer) return;
  const [offers, me, info] = await Promise.all([api("/card/offers", { token: bearer }), api("/card/me", { token: bearer }), api("/token")]);
  const available = BigInt(me.account.available);
  show(main,
    h("h1", {}, t("kiosk.offers.title")),
    h("p", {}, t("kiosk.offers.intro", { amount: coins(me.account.available) })),
    offers.length ? h("ul", { class: "kiosk-choices" }, offers.map((offer) => {
      const enough = BigInt(offer.price) <= available;
      return h("li", { "data-offer": offer.offer_id }, h("button", {
        type: "button", class: enough ? "primary" : null, disabled: !enough,
        onclick: () => go(`redeem/${offer.offer_id}`),
      }, offer.title || t("offers.untitled", { id: offer.offer_id, provider: offer.provider_name || offer.provider }),
      h("small", {}, money(offer.price, info.won_per_coin), enough ? "" : ` — ${t("kiosk.offers.not_enough")}`)));
    })) : h("p", {}, t("offers.none")),
    h("p", {}, h("a", { class: "button block", href: "#/home" }, t("kiosk.back"))));
}

/** Sends a spend once (the same key if pressed again) and follows it to the chain: 보냄 → 완료, or what went wrong. */
async function send(box, path, body, doneKey) {
  const bearer = token();
  if (!bearer) return;
  const key = newIdempotencyKey();
  show(box, status(t("kiosk.sending")));
  let op;
  try {
    op = await api(path, { method: "POST", body, token: bearer, idempotencyKey: key });
    show(box, status(t("kiosk.sent")));
    while (op.state === "queued" || op.state === "in_tx") {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      op = await api(`/card/operations/${op.id}`, { token: bearer });
    }
  } catch (error) {
    show(box, h("p", { role: "alert", class: "status status-error", "data-error": error.code || "error" }, said(error)),
      h("p", {}, h("a", { class: "button block", href: "#/home" }, t("kiosk.back"))));
    return;
  }
  if (op.state === "confirmed") {
    const voucherId = op.result?.VoucherIssued?.voucherId;
    let voucher = null;
    // The vouchers list is the indexer's: it names the new voucher a moment after the receipt.
    for (let tries = 0; voucherId !== undefined && !voucher && tries < 20; tries += 1) {
      try {
        voucher = (await api("/card/vouchers", { token: bearer })).find((v) => v.voucher_id === String(voucherId));
      } catch {
        break; // the voucher is the member's all the same: the done message says so
      }
      if (!voucher) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    show(box, h("p", { class: "status status-ok", role: "status", "data-done": "true" }, t(doneKey)),
      voucher ? h("dl", { class: "pairs kiosk-balance", id: "kiosk-voucher" },
        h("dt", {}, t("vouchers.number")), h("dd", {}, `${voucher.offer_id}-${voucher.serial}`),
        h("dt", {}, t("voucher.code")), h("dd", { class: "mono" }, voucher.code)) : null,
      h("p", {}, h("a", { class: "button primary block", href: "#/home" }, t("kiosk.back_home"))));
  } else {
    show(box, h("p", { role: "alert", class: "status status-error" }, t("kiosk.failed")),
      h("p", {}, h("a", { class: "button block", href: "#/home" }, t("kiosk.back"))));
  }
}

async function redeemScreen({ main, params }) {
  const bearer = token();
  if (!bearer) return;
  const offerId = Number(params[0]);
  const [offers, info] = await Promise.all([api("/card/offers", { token: bearer }), api("/token")]);
  const offer = offers.find((o) => o.offer_id === offerId);
  if (!offer) return go("offers");
  const box = h("div", { "aria-live": "polite" });
  const yes = h("button", { type: "button", class: "primary block", onclick: () => { yes.disabled = true; no.remove(); send(box, "/card/redeem", { offer_id: offerId }, "kiosk.redeem.done"); } },
    t("kiosk.redeem.yes"));
  const no = h("a", { class: "button block", href: "#/offers" }, t("kiosk.no"));
  show(main,
    h("h1", {}, t("kiosk.redeem.title")),
    h("div", { class: "card emphasis" },
      h("h2", {}, offer.title || t("offers.untitled", { id: offer.offer_id, provider: offer.provider_name || offer.provider })),
      h("p", { class: "kiosk-balance" }, money(offer.price, info.won_per_coin)),
      h("p", {}, t("kiosk.redeem.explain"))),
    h("div", { class: "kiosk-choices" }, yes, no),
    box);
}

async function donateScreen({ main }) {
  const bearer = token();
  if (!bearer) return;
  const [charities, me, info] = await Promise.all([api("/charities"), api("/card/me", { token: bearer }), api("/token")]);
  const available = BigInt(me.account.available);
  const box = h("div", { "aria-live": "polite" });
  const amounts = ["1", "2", "5"].map((n) => (BigInt(n) * 10n ** 18n).toString());
  const choices = [];
  for (const charity of charities) {
    for (const amount of amounts) {
      if (BigInt(amount) > available) continue;
      const button = h("button", {
        type: "button", class: "block",
        onclick: () => {
          // Check before sending: what, to whom, yes or no.
          const yes = h("button", { type: "button", class: "primary block", onclick: () => {
            for (const b of [...choices, yes]) b.disabled = true;
            send(box, "/card/donate", { charity: charity.address, amount }, "kiosk.donate.done");
          } }, t("kiosk.donate.yes"));
          show(box, h("div", { class: "card emphasis" },
            h("h2", {}, t("kiosk.donate.confirm", { charity: localName(charity, charity.address), amount: coins(amount) })),
            h("div", { class: "kiosk-choices" }, yes, h("button", { type: "button", class: "block", onclick: () => show(box) }, t("kiosk.no")))));
          box.querySelector("h2").focus?.();
        },
      }, t("kiosk.donate.choice", { charity: localName(charity, charity.address), amount: coins(amount) }),
      h("small", {}, money(amount, info.won_per_coin)));
      choices.push(button);
    }
  }
  show(main,
    h("h1", {}, t("kiosk.donate.title")),
    h("p", {}, t("kiosk.donate.intro")),
    choices.length ? h("div", { class: "kiosk-choices" }, choices) : h("p", {}, t(charities.length ? "kiosk.offers.not_enough" : "donate.none")),
    box,
    h("p", {}, h("a", { class: "button block", href: "#/home" }, t("kiosk.back"))));
}

// A kiosk is shared: a member who walks away must not leave their session open for the next person. After
// IDLE_MS without a touch the screen asks whether to go on (a time limit the person can extend), and ends the
// session GRACE_MS later if no one answers.
const IDLE_MS = 120_000;
const GRACE_MS = 30_000;
let idleTimer = null;
let graceTimer = null;

function stillHere() {
  clearTimeout(idleTimer);
  clearTimeout(graceTimer);
  document.getElementById("kiosk-idle")?.remove();
  if (state.session) idleTimer = setTimeout(askIfStillHere, IDLE_MS);
}

function askIfStillHere() {
  const main = document.getElementById("main");
  if (!state.session || !main) return;
  main.prepend(h("div", { id: "kiosk-idle", class: "card emphasis", role: "alertdialog", "aria-labelledby": "kiosk-idle-title" },
    h("h2", { id: "kiosk-idle-title" }, t("kiosk.idle.title")),
    h("button", { type: "button", class: "primary block", onclick: stillHere }, t("kiosk.idle.continue"))));
  document.querySelector("#kiosk-idle button").focus();
  graceTimer = setTimeout(() => end("kiosk.idle.ended"), GRACE_MS);
}

for (const name of ["pointerdown", "keydown"]) window.addEventListener(name, stillHere); // someone is there
window.addEventListener("hashchange", stillHere);

const routes = { setup: setupScreen, start: startScreen, pin: pinScreen, home: homeScreen, offers: offersScreen, redeem: redeemScreen, donate: donateScreen };
const router = startRouter(routes, "start", () => frame("kiosk", [], () => router.go()));
window.addEventListener("vb:session-ended", () => end("kiosk.session_ended"));
window.addEventListener("vb:kiosk-device-refused", (e) => { if (deviceCode()) deviceRefused(e.detail); });
await loadBranding();
router.go();
