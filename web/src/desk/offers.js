// The provider's offers: each with its price, places and sales, editable. Words and description change at once
// (off-chain); price, places and on/off go on-chain and are followed to confirmation.
import { api, ApiRefusal, newIdempotencyKey } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { coins, exactCoins, parseCoins } from "../shared/format.js";
import { untilMined } from "../shared/operations.js";
import * as staff from "../shared/staff_session.js";

function offerForm(offer, onSaved) {
  const prefix = offer ? `offer-${offer.offer_id}` : "offer-new";
  const title = h("input", { type: "text", maxlength: "120", value: offer?.title || "" });
  const description = h("textarea", { rows: "2", maxlength: "1000" }, offer?.description || "");
  const price = h("input", { type: "text", inputmode: "decimal", value: offer ? exactCoins(offer.price) : "" });
  const capacity = h("input", { type: "number", min: "1", step: "1", value: offer ? String(offer.capacity) : "" });
  const active = h("input", { type: "checkbox", checked: offer ? offer.active : true });
  const box = h("div", { "aria-live": "polite" });
  const save = h("button", { type: "submit", class: "primary" }, offer ? t("desk.offers.save") : t("desk.offers.create"));
  return h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      const s = { token: await staff.token() };
  if (!s.token) return;
      const wei = parseCoins(price.value, 18); // every decimal kept: saving a title must not change the price
      if (!title.value.trim() || !wei || !(Number(capacity.value) >= 1)) {
        show(box, status(t("desk.offers.invalid"), "error"));
        return;
      }
      const body = {};
      if (!offer || title.value !== (offer.title || "")) body.title = title.value.trim();
      if (!offer || description.value !== (offer.description || "")) body.description = description.value.trim() || null;
      if (!offer || wei !== offer.price) body.price = wei;
      if (!offer || Number(capacity.value) !== offer.capacity) body.capacity = Number(capacity.value);
      if (offer && active.checked !== offer.active) body.active = active.checked;
      if (offer && !Object.keys(body).length) {
        show(box, status(t("desk.offers.nothing"), "warn"));
        return;
      }
      save.disabled = true;
      show(box, status(t("desk.offers.saving")));
      try {
        let answer = offer
          ? await api(`/provider/offers/${offer.offer_id}`, { method: "PATCH", body, token: s.token })
          : await api("/provider/offers", { method: "POST", body, token: s.token, idempotencyKey: newIdempotencyKey() });
        if (answer.state) answer = await untilMined(answer, s.token);
        if (answer.state && answer.state !== "confirmed") show(box, status(t("desk.voucher.failed", { why: answer.error || "" }), "error"));
        else {
          show(box, status(t("desk.offers.saved"), "ok"));
          onSaved();
        }
      } catch (error) {
        show(box, status(error instanceof ApiRefusal ? error.message : t("error.unexpected"), "error"));
      } finally {
        save.disabled = false;
      }
    },
  },
  field(`${prefix}-title`, t("desk.offers.title_field"), title),
  field(`${prefix}-description`, t("desk.offers.description"), description),
  field(`${prefix}-price`, t("desk.offers.price"), price, t("desk.offers.price_hint")),
  field(`${prefix}-capacity`, t("desk.offers.capacity"), capacity),
  offer ? h("div", { class: "field" }, h("label", {}, active, " ", t("desk.offers.active"))) : null,
  save, box);
}

export async function offersScreen({ main }) {
  const s = { token: await staff.token() };
  if (!s.token) return;
  show(main, h("h1", {}, t("desk.offers.heading")), status(t("loading")));
  let offers;
  try {
    offers = await api("/provider/offers", { token: s.token });
  } catch (error) {
    show(main, h("h1", {}, t("desk.offers.heading")), status(error.message, "error"));
    return;
  }
  const again = () => offersScreen({ main });
  show(main, h("h1", {}, t("desk.offers.heading")),
    offers.length ? null : h("p", {}, t("desk.offers.none")),
    offers.map((offer) => h("section", { class: "card", "data-offer": offer.offer_id, "aria-labelledby": `offer-${offer.offer_id}-heading` },
      h("h2", { id: `offer-${offer.offer_id}-heading` }, offer.title || t("history.offer", { id: offer.offer_id })),
      h("p", { class: "muted" }, t("desk.offers.summary", { price: coins(offer.price), sold: offer.sold, capacity: offer.capacity }),
        " · ", offer.active ? t("desk.offers.on") : t("desk.offers.off")),
      h("details", {}, h("summary", {}, t("desk.offers.edit")), offerForm(offer, again)))),
    h("h2", {}, t("desk.offers.new")),
    offerForm(null, again));
}
