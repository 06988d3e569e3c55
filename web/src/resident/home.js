// My coins: what I can spend now, what is still in its check period, what requests in flight hold; the coin added
// to my wallet in one tap; the latest entries of my history.
import { api } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { coins, won } from "../shared/format.js";
import { watchAsset } from "../shared/wallet.js";
import { allHistory, historyList } from "./history.js";
import { explain, loadFor, token } from "./requests.js";
import * as session from "./session.js";

function figure(label, wei, info, hint) {
  const w = won(wei, info.won_per_coin);
  return h("div", { class: "card" },
    h("div", { class: "muted" }, label),
    h("div", { class: "figure" }, t("coins.amount", { amount: coins(wei) }), " ", w !== null ? h("small", {}, t("won.amount", { amount: w })) : null),
    hint ? h("p", { class: "hint" }, hint) : null);
}

export async function homeScreen({ main }) {
  const s = session.current();
  const loaded = await loadFor(main, t("home.title"), () => Promise.all([api("/me", { token: s.token }), token(), allHistory(s.token)]));
  if (!loaded) return;
  const [me, info, history] = loaded;
  const addBox = h("div", { "aria-live": "polite" });
  const addCoin = h("button", {
    type: "button",
    onclick: async () => {
      addCoin.disabled = true;
      try {
        const added = await watchAsset(await session.wallet(), info);
        show(addBox, status(added === false ? t("home.add_coin.declined") : t("home.add_coin.done", { symbol: info.symbol }), added === false ? "warn" : "ok"));
      } catch (error) {
        show(addBox, status(explain(error), "error"));
      } finally {
        addCoin.disabled = false;
      }
    },
  }, t("home.add_coin", { symbol: info.symbol }));
  show(main,
    h("h1", {}, t("home.title")),
    h("p", { class: "mono hint" }, t("home.wallet", { address: s.address })),
    h("div", { class: "figures", id: "balances" },
      figure(t("home.available"), me.available, info, t("home.available_hint")),
      BigInt(me.locked) > 0n ? figure(t("home.locked"), me.locked, info, t("home.locked_hint")) : null,
      BigInt(me.pending_out) > 0n ? figure(t("home.pending"), me.pending_out, info, t("home.pending_hint")) : null,
      BigInt(me.debt || 0) > 0n ? figure(t("home.debt"), me.debt, info, t("home.debt_hint")) : null),
    h("div", { class: "actions" },
      h("a", { class: "button primary", href: "#/offers" }, t("home.go_offers")),
      h("a", { class: "button", href: "#/donate" }, t("home.go_donate")),
      h("a", { class: "button", href: "#/pay" }, t("home.go_pay")),
      h("a", { class: "button", href: "#/receive" }, t("home.go_receive"))),
    h("h2", {}, t("home.recent")),
    history.pending.length ? status(t("history.pending", { n: history.pending.length }), "warn") : null,
    historyList(history.entries.slice(0, 8)),
    history.entries.length > 8 ? h("p", {}, h("a", { href: "#/history" }, t("home.all_history"))) : null,
    h("p", {}, h("a", { href: "#/certificate" }, t("certificate.link"))),
    h("p", {}, h("a", { href: "#/move" }, t("move.link"))),
    h("h2", {}, t("home.wallet_title")),
    h("p", { class: "hint" }, t("home.add_coin_hint")),
    h("div", { class: "actions" }, addCoin,
      h("button", { type: "button", class: "linklike", onclick: () => { session.signOut(); location.hash = "#/home"; location.reload(); } }, t("home.sign_out"))),
    addBox);
  watchForNews(main, s.token, fingerprint(me, history.entries, history.pending));
}

/** What the screen shows, in a word: changes when an entry arrives, a request is recorded, or coins unlock. */
function fingerprint(me, entries, pending) {
  const newest = entries.length ? entries[0].id : 0;
  return [newest, pending.map((p) => `${p.id}:${p.state}`).join(","), me.available, me.locked, me.pending_out].join("|");
}

/** New entries (an activity confirmed, a payment received) appear without a reload: the history is asked again
 * every few seconds while this screen is shown and the page is visible. */
function watchForNews(main, sessionToken, seen) {
  const shown = main.firstChild;
  const newest = Number(seen.split("|")[0]);
  const timer = setInterval(async () => {
    if (!document.body.contains(shown)) {
      clearInterval(timer);
      return;
    }
    if (document.visibilityState !== "visible") return;
    try {
      // Only what is new since the newest entry shown, and the balances: a few rows, not the whole history.
      const [me, page] = await Promise.all([api("/me", { token: sessionToken }),
        api(`/me/history?after_id=${newest}&limit=50`, { token: sessionToken })]);
      const entries = page.entries.length ? [page.entries[page.entries.length - 1]] : [{ id: newest }];
      if (fingerprint(me, entries, page.pending) !== seen && document.body.contains(shown)) {
        clearInterval(timer);
        const focused = document.activeElement?.id;
        await homeScreen({ main });
        if (focused) document.getElementById(focused)?.focus(); // keep the person's place
      }
    } catch {
      // the next tick tries again (an ended session is handled by the app)
    }
  }, 5000);
}
