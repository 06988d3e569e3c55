// Telling the welfare officers about a neighbour who may need help. Only the area's officers read it; nothing
// about it goes on the blockchain; if they confirm, the reporter earns coins without anyone else learning why.
import { api, newIdempotencyKey } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { date } from "../shared/format.js";
import { areaNames, areaSelect } from "./community.js";
import { showErrors } from "./forms.js";
import { explain, loadFor } from "./requests.js";
import * as session from "./session.js";

export async function reportScreen({ main }) {
  const s = session.current();
  const loaded = await loadFor(main, t("report.title"), () => Promise.all([api("/me/reports", { token: s.token }), areaNames()]));
  if (!loaded) return;
  const [mine, names] = loaded;
  const summary = h("div");
  const box = h("div", { "aria-live": "polite" });
  const area = await areaSelect("report-area");
  const place = h("input", { type: "text", maxlength: "300" });
  const situation = h("textarea", { rows: "4", maxlength: "2000" });
  const neighbour = h("input", { type: "text", maxlength: "300" });
  const submit = h("button", { type: "submit", class: "primary block" }, t("report.submit"));
  const form = h("form", {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const errors = [];
      if (!place.value.trim()) errors.push(["report-place", t("report.place_missing")]);
      if (!situation.value.trim()) errors.push(["report-situation", t("report.situation_missing")]);
      if (showErrors(summary, errors)) return;
      submit.disabled = true;
      try {
        const receipt = await api("/reports", { method: "POST", token: s.token, idempotencyKey: newIdempotencyKey(), body: {
          area: area.value, place: place.value.trim(), situation: situation.value.trim(), neighbour: neighbour.value.trim() || null } });
        show(main, h("h1", {}, t("report.thanks")), status(t("report.received", { id: receipt.id }), "ok"),
          h("p", {}, t("report.next")), h("p", {}, h("a", { href: "#/community" }, t("community.title"))));
      } catch (error) {
        show(box, status(explain(error), "error"));
        submit.disabled = false;
      }
    },
  },
  status(t("report.notice"), "warn"),
  field("report-area", t("community.area"), area),
  field("report-place", t("report.place"), place, t("report.place_hint")),
  field("report-situation", t("report.situation"), situation, t("report.situation_hint")),
  field("report-neighbour", t("report.neighbour"), neighbour, t("report.neighbour_hint")),
  submit, box);
  show(main, h("h1", {}, t("report.title")), h("p", {}, t("report.intro")), summary, form,
    h("h2", {}, t("report.mine")),
    mine.length ? h("ul", { class: "history" }, mine.map((r) => h("li", {},
      h("div", {}, t("report.line", { id: r.id, area: names[r.area] || r.area }), h("div", { class: "hint" }, date(r.created_at))),
      h("div", { class: "muted" }, t(`status.${r.status}`))))) : h("p", { class: "muted" }, t("report.none")));
}
