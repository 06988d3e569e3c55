// Requests that fit me: for each talent I offer (or the one in the address, #/fitting/<talent id>), the open
// requests it fits, best first, each factor said in words as the requester sees it among their candidates; I offer
// to help with one, and the requester then accepts or declines.
import { api, newIdempotencyKey } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { areaNames, when } from "./community.js";
import { factorList } from "./need.js";
import { explain, loadFor } from "./requests.js";
import * as session from "./session.js";

const LIMIT = 10;

function fittingCard(item, index, talent, names) {
  const need = item.need;
  const box = h("div", { "aria-live": "polite" });
  const offer = h("button", { type: "button", class: "primary", onclick: async () => {
    offer.disabled = true;
    try {
      await api(`/needs/${need.id}/matches`, { method: "POST", token: session.current().token,
        idempotencyKey: newIdempotencyKey(), body: { talent_id: talent.id } });
      offer.remove();
      show(box, status(t("fitting.offered"), "ok"), h("p", {}, h("a", { href: "#/matches" }, t("fitting.to_matches"))));
    } catch (error) {
      offer.disabled = false;
      show(box, status(explain(error), "error"));
    }
  } }, t("fitting.offer"));
  return h("li", { class: "card", "data-fitting": need.id },
    h("h3", {}, `${index + 1}. `, h("a", { href: `#/need/${need.id}` }, need.title)),
    h("p", { class: "hint" }, `${names[need.area] || need.area} · ${when(need.starts_at)} · ${t("needs.people", { n: need.people_needed })}`),
    need.description ? h("p", {}, need.description) : null,
    h("p", { class: "muted" }, t("fitting.why", { points: Math.round(item.score * 100) })),
    factorList(item.factors),
    h("div", { class: "actions" }, offer), box);
}

export async function fittingScreen({ main, params }) {
  const s = session.current();
  const only = params[0] ? Number(params[0]) : null;
  const loaded = await loadFor(main, t("fitting.title"), async () => {
    const [mine, names] = await Promise.all([api("/talents?mine=true", { token: s.token }), areaNames()]);
    const talents = mine.filter((o) => o.status === "active" && (only === null || o.id === only));
    const lists = await Promise.all(talents.map((o) => api(`/me/talents/${o.id}/needs?limit=${LIMIT}`, { token: s.token })));
    return [talents, lists, names];
  });
  if (!loaded) return;
  const [talents, lists, names] = loaded;
  show(main, h("h1", {}, t("fitting.title")), h("p", {}, t("fitting.intro")),
    talents.length ? talents.map((talent, i) => h("section", { "data-talent": talent.id, "aria-labelledby": `fitting-${talent.id}` },
      h("h2", { id: `fitting-${talent.id}` }, t("fitting.for_talent", { title: talent.title })),
      lists[i].length
        ? h("ol", { class: "cards" }, lists[i].map((item, n) => fittingCard(item, n, talent, names)))
        : h("p", { class: "muted" }, t("fitting.none"))))
      : h("p", {}, t("fitting.no_talent"), " ", h("a", { href: "#/talents" }, t("community.talents"))),
    only !== null ? h("p", {}, h("a", { href: "#/fitting" }, t("fitting.all"))) : null);
}
