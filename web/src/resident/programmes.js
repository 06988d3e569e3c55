// 1365 programmes: for each talent I offer, the programmes of the national volunteer portal that fit it, best
// first, each factor said in words as for neighbours' requests; then the region's programmes; each links to its
// 1365 page, where I apply. Also my 1365 hours link: my 1365 id and my consent to have my hours sent there, or
// its withdrawal.
import { api } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { dateTime } from "../shared/format.js";
import { areaNames } from "./community.js";
import { showErrors } from "./forms.js";
import { factorList } from "./need.js";
import { explain, loadFor } from "./requests.js";
import * as session from "./session.js";

const LIMIT = 10;
const PORTAL_ID = /^[A-Za-z0-9][A-Za-z0-9_.\-]{2,39}$/; // as the API checks it

function signup(p) {
  return h("a", { class: "button primary", href: p.signup_url, target: "_blank", rel: "noopener noreferrer" },
    t("programmes.signup"), h("span", { class: "visually-hidden" }, ` ${t("programmes.new_window")}`));
}

function programmeCard(p, names, heading, item = null, index = null) {
  const hours = p.begin_hour !== null && p.end_hour !== null ? ` · ${t("portal.hours", { begin: p.begin_hour, end: p.end_hour })}` : "";
  return h("li", { class: "card", "data-programme": p.registration_no },
    h(heading, {}, index !== null ? `${index + 1}. ` : "", p.title),
    h("p", { class: "hint" }, [p.organisation, p.place].filter(Boolean).join(" · ")),
    h("p", { class: "hint" }, `${t("portal.period", { from: p.starts_on, to: p.ends_on })}${hours}${p.area ? ` · ${names[p.area] || p.area}` : ""}`),
    p.description ? h("p", {}, p.description.length > 300 ? `${p.description.slice(0, 300)}…` : p.description) : null,
    item ? [h("p", { class: "muted" }, t("fitting.why", { points: Math.round(item.score * 100) })), factorList(item.factors)] : null,
    h("div", { class: "actions" }, signup(p)));
}

function portalLink(link, main) {
  const s = session.current();
  const summary = h("div");
  const box = h("div", { "aria-live": "polite" });
  const portalId = h("input", { type: "text", maxlength: "40", autocomplete: "username", value: link.portal_id || "" });
  const consent = h("input", { type: "checkbox", id: "portal-consent" });
  const again = () => programmesScreen({ main, focus: "portal-link" });
  return h("section", { class: "card", id: "portal-link", "aria-labelledby": "portal-link-title", "data-consented": String(link.consented) },
    h("h2", { id: "portal-link-title" }, t("portal.link_title")),
    h("p", {}, t("portal.link_intro")),
    link.consented ? [
      status(t("portal.linked_mine", { id: link.portal_id, at: dateTime(link.consent_at) }), "ok"),
      h("button", { type: "button", class: "danger", onclick: async () => {
        try {
          await api("/me/portal-link", { method: "DELETE", token: s.token });
          again();
        } catch (error) {
          show(box, status(explain(error), "error"));
        }
      } }, t("portal.withdraw"))]
      : [summary, h("form", { novalidate: true, onsubmit: async (e) => {
        e.preventDefault();
        const errors = [];
        if (!PORTAL_ID.test(portalId.value.trim())) errors.push(["portal-id", t("portal.portal_id_invalid")]);
        if (!consent.checked) errors.push(["portal-consent", t("portal.consent_missing")]);
        if (showErrors(summary, errors)) return;
        try {
          await api("/me/portal-link", { method: "PUT", token: s.token, body: { portal_id: portalId.value.trim(), consent: true } });
          again();
        } catch (error) {
          show(box, status(explain(error), "error"));
        }
      } }, field("portal-id", t("portal.portal_id"), portalId, t("portal.portal_id_hint")),
      h("div", { class: "field" }, h("label", {}, consent, " ", t("portal.consent_mine"))),
      h("button", { type: "submit", class: "primary" }, t("portal.agree")))],
    box);
}

export async function programmesScreen({ main, focus = null }) {
  const s = session.current();
  const loaded = await loadFor(main, t("programmes.title"), async () => {
    const [mine, names, near, link] = await Promise.all([api("/talents?mine=true", { token: s.token }), areaNames(),
      api("/programmes?limit=20"), api("/me/portal-link", { token: s.token })]);
    const talents = mine.filter((o) => o.status === "active");
    const lists = await Promise.all(talents.map((o) => api(`/me/talents/${o.id}/programmes?limit=${LIMIT}`, { token: s.token })));
    return [talents, lists, names, near, link];
  });
  if (!loaded) return;
  const [talents, lists, names, near, link] = loaded;
  show(main, h("h1", {}, t("programmes.title")), h("p", {}, t("programmes.intro")),
    h("h2", {}, t("programmes.by_talent")),
    talents.length ? talents.map((talent, i) => h("section", { "data-talent": talent.id, "aria-labelledby": `programmes-${talent.id}` },
      h("h3", { id: `programmes-${talent.id}` }, t("programmes.for_talent", { title: talent.title })),
      lists[i].length ? h("ol", { class: "cards" }, lists[i].map((item, n) => programmeCard(item.programme, names, "h4", item, n)))
        : h("p", { class: "muted" }, t("programmes.for_talent_none"))))
      : h("p", {}, t("programmes.no_talent"), " ", h("a", { href: "#/talents" }, t("community.talents"))),
    h("h2", {}, t("programmes.near")),
    near.length ? h("ul", { class: "cards", role: "list", id: "programmes-near" }, near.map((p) => programmeCard(p, names, "h3")))
      : h("p", { class: "muted" }, t("programmes.none")),
    portalLink(link, main));
  const heading = focus && document.getElementById(focus)?.querySelector("h2");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}
