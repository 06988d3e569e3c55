// What neighbours need: the open needs, mine, and a form to ask for help (what, when, where, how many people).
import { api, newIdempotencyKey } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { localName, t } from "../shared/i18n.js";
import { areaNames, areaSelect, koreanTime, when } from "./community.js";
import { showErrors } from "./forms.js";
import { explain, loadFor } from "./requests.js";
import * as session from "./session.js";

function needList(needs, names) {
  if (!needs.length) return h("p", { class: "muted" }, t("needs.none"));
  return h("ul", { class: "history" }, needs.map((n) => h("li", { "data-need": n.id },
    h("div", {}, h("a", { href: `#/need/${n.id}` }, n.title),
      h("div", { class: "hint" }, `${names[n.area] || n.area} · ${when(n.starts_at)} · ${t("needs.people", { n: n.people_needed })}`)),
    h("div", { class: "muted" }, t(`status.${n.status}`)))));
}

export async function needsScreen({ main }) {
  const s = session.current();
  const loaded = await loadFor(main, t("needs.title"), () => Promise.all([api("/needs?status=open", { token: s.token }),
      api("/needs?mine=true", { token: s.token }), areaNames()]));
  if (!loaded) return;
  const [open, mine, names] = loaded;
  const summary = h("div");
  const box = h("div", { "aria-live": "polite" });
  const title = h("input", { type: "text", maxlength: "200" });
  const description = h("textarea", { rows: "3", maxlength: "2000" });
  const area = await areaSelect("need-area");
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  const day = h("input", { type: "date", value: tomorrow });
  const from = h("input", { type: "time", value: "10:00" });
  const to = h("input", { type: "time", value: "12:00" });
  const people = h("input", { type: "number", min: "1", max: "50", value: "1" });
  // A need settled as volunteering names the centre whose coordinators approve it: the one serving its
  // neighbourhood by default.
  const [centres, directory] = await Promise.all([api("/centres"), api("/directory")]);
  const centreName = (c) => localName(directory.centres.find((d) => d.id === c.id) || c);
  const centre = h("select", {}, centres.map((c) => h("option", { value: String(c.id) }, centreName(c))));
  const pickCentre = () => {
    const serving = centres.find((c) => c.area === area.value);
    if (serving) centre.value = String(serving.id);
  };
  area.addEventListener("change", pickCentre);
  pickCentre();
  const settlement = h("select", {},
    h("option", { value: "volunteer_activity" }, t("needs.settle_activity")),
    h("option", { value: "payment" }, t("needs.settle_payment")));
  const submit = h("button", { type: "submit", class: "primary block" }, t("needs.submit"));
  const form = h("form", {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const errors = [];
      if (!title.value.trim()) errors.push(["need-title", t("needs.title_missing")]);
      if (!day.value) errors.push(["need-day", t("needs.day_missing")]);
      if (!(to.value > from.value)) errors.push(["need-to", t("needs.times_invalid")]);
      if (showErrors(summary, errors)) return;
      submit.disabled = true;
      try {
        const need = await api("/needs", { method: "POST", token: s.token, idempotencyKey: newIdempotencyKey(), body: {
          title: title.value.trim(), description: description.value.trim() || null, area: area.value,
          starts_at: koreanTime(day.value, from.value), ends_at: koreanTime(day.value, to.value),
          people_needed: Number(people.value) || 1, settlement: settlement.value,
          centre_id: settlement.value === "volunteer_activity" ? Number(centre.value) : null,
        } });
        location.hash = `#/need/${need.id}`;
      } catch (error) {
        show(box, status(explain(error), "error"));
        submit.disabled = false;
      }
    },
  },
  field("need-title", t("needs.field_title"), title, t("needs.field_title_hint")),
  field("need-description", t("needs.field_description"), description),
  field("need-area", t("community.area"), area),
  field("need-day", t("needs.field_day"), day),
  h("div", { class: "figures" }, field("need-from", t("needs.field_from"), from), field("need-to", t("needs.field_to"), to)),
  field("need-people", t("needs.field_people"), people),
  field("need-settlement", t("needs.field_settlement"), settlement, t("needs.field_settlement_hint")),
  field("need-centre", t("needs.field_centre"), centre, t("needs.field_centre_hint")),
  submit, box);
  show(main, h("h1", {}, t("needs.title")),
    h("h2", {}, t("needs.open")), needList(open.filter((n) => !n.mine), names),
    h("h2", {}, t("needs.mine")), needList(mine, names),
    h("h2", {}, t("needs.new")), summary, form);
}
