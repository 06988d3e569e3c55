// Moving from an account the centre held to this wallet (docs/access.md, "Moving to your own wallet"): signed in
// with the new wallet, the resident shows their member card and types its PIN; a coordinator of their centre
// confirms it with them in person; the coins then move to this wallet in one payment, and the centre's copy of the
// key is destroyed. The screen says where the move is: requested (waiting for the centre), moving, done, or
// declined/failed with the reason — and is asked again every few seconds until the move ends.
import { api, newIdempotencyKey } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { coins, dateTime } from "../shared/format.js";
import { cardStep, pinStep } from "../shared/member_card.js";
import { explain } from "./requests.js";
import * as session from "./session.js";

const WAITING = new Set(["requested", "confirmed", "paying"]);

export async function moveScreen({ main }) {
  const s = session.current();
  show(main, h("h1", {}, t("move.title")), status(t("loading")));
  let move = null;
  try {
    ({ move } = await api("/me/custody-move", { token: s.token }));
  } catch (error) {
    show(main, h("h1", {}, t("move.title")), status(explain(error), "error"));
    return;
  }
  if (!move || move.state === "declined") {
    ask(main, s, move);
    return;
  }
  showMove(main, s, move);
}

/** The request: what happens, then the card and the PIN (the shared kiosk steps). */
function ask(main, s, declined) {
  const start = h("button", { type: "button", class: "primary block", onclick: () => card() }, t("move.start"));
  show(main,
    h("h1", {}, t("move.title")),
    declined ? status(t("move.declined", { reason: declined.reason || "—" }), "warn") : null,
    h("p", {}, t("move.intro")),
    h("ol", { class: "steps" }, h("li", {}, t("move.step1")), h("li", {}, t("move.step2")), h("li", {}, t("move.step3"))),
    h("p", { class: "mono hint" }, t("move.to", { address: s.address })),
    h("div", { class: "actions" }, start));
  const card = () => cardStep(main, { onCard: (token) => pinStep(main, {
    card: token, cancelHref: "#/home",
    send: (cardToken, pin) => api("/me/custody-move", { method: "POST", body: { card_token: cardToken, pin }, token: s.token, endsSession: false }),
    onSession: (move) => showMove(main, s, move),
  }) });
}

function showMove(main, s, move) {
  const box = h("div", { "aria-live": "polite" });
  const said = {
    requested: status(t("move.requested"), "info"),
    confirmed: status(t("move.moving"), "info"),
    paying: status(t("move.moving"), "info"),
    done: status(t("move.done", { amount: coins(move.moved) }), "ok"),
    failed: status(t("move.failed", { reason: move.reason || "—" }), "error"),
  }[move.state];
  show(main,
    h("h1", {}, t("move.title")),
    h("div", { "data-move-state": move.state }, said),
    h("dl", { class: "pairs" },
      h("dt", {}, t("move.state")), h("dd", {}, t(`move.state.${move.state}`)),
      h("dt", {}, t("move.wallet")), h("dd", { class: "mono" }, move.new_address),
      h("dt", {}, t("move.asked")), h("dd", {}, dateTime(move.requested_at)),
      move.decided_at ? h("dt", {}, t("move.confirmed_by")) : null,
      move.decided_at ? h("dd", {}, `${move.decided_by} · ${dateTime(move.decided_at)}`) : null,
      BigInt(move.moved || "0") > 0n ? h("dt", {}, t("move.moved")) : null,
      BigInt(move.moved || "0") > 0n ? h("dd", {}, t("coins.amount", { amount: coins(move.moved) })) : null),
    move.state === "requested" ? h("p", {}, t("move.requested_hint")) : null,
    move.state === "failed" ? h("button", { type: "button", class: "primary", onclick: async () => {
      try {
        showMove(main, s, await api("/me/custody-move/retry", { method: "POST", token: s.token, idempotencyKey: newIdempotencyKey() }));
      } catch (error) {
        show(box, status(explain(error), "error"));
      }
    } }, t("move.retry")) : null,
    move.state === "done" || move.state === "paying" ? h("p", {}, h("a", { class: "button primary", href: "#/home" }, t("move.see_coins"))) : null,
    box);
  if (WAITING.has(move.state)) watch(main, s, move);
}

/** Asked again every few seconds while this screen is shown and the move is under way. */
function watch(main, s, move) {
  const shown = main.firstChild;
  const timer = setInterval(async () => {
    if (!document.body.contains(shown)) { clearInterval(timer); return; }
    if (document.visibilityState !== "visible") return;
    try {
      const { move: now } = await api("/me/custody-move", { token: s.token });
      if (now && (now.state !== move.state || now.moved !== move.moved) && document.body.contains(shown)) {
        clearInterval(timer);
        showMove(main, s, now);
      }
    } catch {
      // the next tick tries again
    }
  }, 3000);
}
