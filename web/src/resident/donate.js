// Donating coins to a registered charity (GET /charities lists them).
import { api } from "../shared/api.js";
import { field, h, show } from "../shared/dom.js";
import { localName, t } from "../shared/i18n.js";
import { coins, parseCoins, won } from "../shared/format.js";
import { showErrors } from "./forms.js";
import { loadFor, signAndSend, token } from "./requests.js";
import * as session from "./session.js";

export async function donateScreen({ main }) {
  const s = session.current();
  const loaded = await loadFor(main, t("donate.title"), () => Promise.all([api("/charities"), api("/me", { token: s.token }), token()]));
  if (!loaded) return;
  const [charities, me, info] = loaded;
  if (!charities.length) {
    show(main, h("h1", {}, t("donate.title")), h("p", {}, t("donate.none")));
    return;
  }
  const summary = h("div");
  const box = h("div");
  const choice = h("fieldset", { id: "charity" }, h("legend", {}, t("donate.charity")),
    charities.map((c, i) => h("label", { class: "card", style: null },
      h("input", { type: "radio", name: "charity", value: c.address, checked: i === 0, style: null }), " ",
      localName(c, c.address))));
  const amount = h("input", { type: "text", inputmode: "decimal", autocomplete: "off" });
  const send = h("button", { type: "submit", class: "primary block" }, t("donate.confirm"));
  const form = h("form", {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const wei = parseCoins(amount.value);
      const charity = form.querySelector("input[name=charity]:checked")?.value;
      const errors = [];
      if (!wei) errors.push(["donate-amount", t("form.amount_invalid")]);
      else if (BigInt(wei) > BigInt(me.available)) errors.push(["donate-amount", t("form.amount_above", { available: coins(me.available) })]);
      if (showErrors(summary, errors)) return;
      send.disabled = true;
      const op = await signAndSend(box, "donate", { charity, amount: wei }, { charity, amount: wei },
        (prepared, signature) => ({ charity, amount: wei, nonce: prepared.nonce, deadline: prepared.deadline, signature }));
      if (op === null) send.disabled = false; // nothing was sent: the person may try again
    },
  }, choice, field("donate-amount", t("donate.amount"), amount, t("form.amount_hint", { available: coins(me.available), won: won(me.available, info.won_per_coin) })), send);
  show(main, h("h1", {}, t("donate.title")), h("p", {}, t("donate.intro")), summary, form, box);
}
