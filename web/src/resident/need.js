// One need. Its requester sees the ranked candidates, each factor said in words, asks one of them, and confirms
// afterwards whether the help happened; a neighbour offers one of their talents for it.
import { api, newIdempotencyKey } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { areaNames, when } from "./community.js";
import { explain, loadFor } from "./requests.js";
import * as session from "./session.js";

const FACTORS = ["talent", "text", "distance", "schedule", "reliability"];

/** Each factor of a match in words, with the points it adds (the score is their sum). */
export function factorList(factors) {
  return h("ul", { class: "factors" }, FACTORS.filter((f) => factors?.[f]).map((f) => h("li", {},
    h("strong", {}, t(`factor.${f}`)), ": ", factors[f].note,
    h("span", { class: "muted" }, ` (${t("factor.points", { points: Math.round(factors[f].contribution * 100) })})`))));
}

async function act(box, path, body, after) {
  try {
    await api(path, { method: "POST", token: session.current().token, idempotencyKey: newIdempotencyKey(), body });
    after();
  } catch (error) {
    show(box, status(explain(error), "error"));
  }
}

export async function needScreen({ main, params }) {
  const s = session.current();
  const id = Number(params[0]);
  const loaded = await loadFor(main, t("need.title"), () => Promise.all([api(`/needs/${id}`, { token: s.token }), areaNames()]));
  if (!loaded) return;
  const [need, names] = loaded;
  const box = h("div", { "aria-live": "polite" });
  const again = () => needScreen({ main, params });
  const head = [
    h("h1", {}, need.title),
    h("dl", { class: "pairs" },
      h("dt", {}, t("community.area")), h("dd", {}, names[need.area] || need.area),
      h("dt", {}, t("need.when")), h("dd", {}, `${when(need.starts_at)} – ${when(need.ends_at)}`),
      h("dt", {}, t("needs.field_people")), h("dd", {}, String(need.people_needed)),
      h("dt", {}, t("need.status")), h("dd", {}, t(`status.${need.status}`))),
    need.description ? h("p", {}, need.description) : null,
  ];
  if (!need.mine) {
    const mine = (await api("/talents?mine=true", { token: s.token })).filter((o) => o.status === "active");
    show(main, ...head, h("h2", {}, t("need.help")),
      mine.length ? h("ul", { class: "history" }, mine.map((o) => h("li", {}, h("div", {}, o.title),
        h("button", { type: "button", onclick: () => act(box, `/needs/${id}/matches`, { talent_id: o.id }, () => { location.hash = "#/matches"; }) },
          t("need.offer_this"))))) : h("p", {}, t("need.no_talent"), " ", h("a", { href: "#/talents" }, t("community.talents"))),
      box);
    return;
  }
  const [candidates, matches] = await Promise.all([
    need.status === "open" ? api(`/needs/${id}/candidates?limit=5`, { token: s.token }) : Promise.resolve([]),
    api(`/needs/${id}/matches`, { token: s.token })]);
  const started = Date.parse(need.starts_at) <= Date.now();
  show(main, ...head,
    h("h2", {}, t("need.matches")),
    matches.length ? h("ul", { class: "history" }, matches.map((m) => h("li", { "data-match": m.id },
      h("div", {}, h("div", {}, t("need.match_line", { id: m.talent_id, status: t(`status.${m.status}`) })),
        m.activity_status ? h("div", { class: "hint" }, t("need.activity", { status: t(`status.${m.activity_status}`) })) : null),
      h("div", { class: "actions" },
        m.status === "proposed" && !m.need_accepted ? h("button", { type: "button", onclick: () => act(box, `/matches/${m.id}/accept`, undefined, again) }, t("match.accept")) : null,
        m.status === "scheduled" && started ? h("button", { type: "button", class: "primary", onclick: () => act(box, `/matches/${m.id}/confirm`, { happened: true }, again) }, t("match.happened")) : null,
        m.status === "scheduled" && started ? h("button", { type: "button", onclick: () => act(box, `/matches/${m.id}/confirm`, { happened: false }, again) }, t("match.no_show")) : null)))) : h("p", { class: "muted" }, t("need.no_matches")),
    need.status === "open" ? [h("h2", {}, t("need.candidates")), h("p", { class: "hint" }, t("need.candidates_hint")),
      candidates.length ? h("ol", { class: "cards" }, candidates.map((c, i) => h("li", { class: "card", "data-candidate": c.talent.id },
        h("h3", {}, `${i + 1}. ${c.talent.title}`),
        h("p", { class: "muted" }, c.talent.skills.join(", ")),
        factorList(c.factors),
        h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => act(box, `/needs/${id}/matches`, { talent_id: c.talent.id }, again) }, t("need.ask")))))) : h("p", { class: "muted" }, t("need.no_candidates"))] : null,
    box);
}
