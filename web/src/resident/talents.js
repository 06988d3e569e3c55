// What I can do for neighbours: my talents (skills, neighbourhood, when I am free), and a form to offer one.
import { api, newIdempotencyKey } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { areaNames, areaSelect, availabilityPicker } from "./community.js";
import { showErrors } from "./forms.js";
import { explain, loadFor } from "./requests.js";
import * as session from "./session.js";

export async function talentsScreen({ main }) {
  const s = session.current();
  const loaded = await loadFor(main, t("talents.title"), () => Promise.all([api("/talents?mine=true", { token: s.token }), areaNames()]));
  if (!loaded) return;
  const [mine, names] = loaded;
  const summary = h("div");
  const box = h("div", { "aria-live": "polite" });
  const title = h("input", { type: "text", maxlength: "200" });
  const description = h("textarea", { rows: "3", maxlength: "2000" });
  const skills = h("input", { type: "text" });
  const area = await areaSelect("talent-area");
  const availability = availabilityPicker();
  const submit = h("button", { type: "submit", class: "primary block" }, t("talents.submit"));
  const form = h("form", {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const errors = [];
      if (!title.value.trim()) errors.push(["talent-title", t("talents.title_missing")]);
      if (!availability.value().length) errors.push(["availability", t("slots.missing")]);
      if (showErrors(summary, errors)) return;
      submit.disabled = true;
      try {
        await api("/talents", { method: "POST", token: s.token, idempotencyKey: newIdempotencyKey(), body: {
          title: title.value.trim(), description: description.value.trim() || null, area: area.value,
          skills: skills.value.split(/[,，、]/).map((x) => x.trim()).filter(Boolean), availability: availability.value(),
        } });
        talentsScreen({ main });
      } catch (error) {
        show(box, status(explain(error), "error"));
        submit.disabled = false;
      }
    },
  },
  field("talent-title", t("talents.field_title"), title, t("talents.field_title_hint")),
  field("talent-description", t("talents.field_description"), description),
  field("talent-skills", t("talents.field_skills"), skills, t("talents.field_skills_hint")),
  field("talent-area", t("community.area"), area),
  availability.element, submit, box);
  show(main, h("h1", {}, t("talents.title")), h("p", {}, t("talents.intro")),
    h("h2", {}, t("talents.mine")),
    mine.length ? h("ul", { class: "history" }, mine.map((o) => h("li", { "data-talent": o.id },
      h("div", {}, h("div", {}, o.title), h("div", { class: "hint" }, `${names[o.area] || o.area} · ${o.skills.join(", ")}`)),
      h("div", { class: "actions" }, o.status === "active" ? [h("a", { href: `#/fitting/${o.id}`, class: "button" }, t("talents.fitting")),
        h("button", { type: "button", class: "linklike", onclick: async () => {
          try { await api(`/talents/${o.id}/withdraw`, { method: "POST", token: s.token }); talentsScreen({ main }); } catch (error) { show(box, status(explain(error), "error")); }
        } }, t("talents.withdraw"))] : t(`status.${o.status}`))))) : h("p", { class: "muted" }, t("talents.none")),
    h("h2", {}, t("talents.new")), summary, form);
}
