// My matches: needs I offered to help with and helpers who offered to help me, each with what I can do next.
import { api, newIdempotencyKey } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { when } from "./community.js";
import { explain, loadFor } from "./requests.js";
import * as session from "./session.js";

export async function matchesScreen({ main }) {
  const s = session.current();
  const matches = await loadFor(main, t("matches.title"), () => api("/me/matches", { token: s.token }));
  if (!matches) return;
  const needs = Object.fromEntries(await Promise.all([...new Set(matches.map((m) => m.need_id))].map(async (id) => [id, await api(`/needs/${id}`, { token: s.token })])));
  const box = h("div", { "aria-live": "polite" });
  const act = async (path, body) => {
    try {
      await api(path, { method: "POST", token: s.token, idempotencyKey: newIdempotencyKey(), body });
      matchesScreen({ main });
    } catch (error) {
      show(box, status(explain(error), "error"));
    }
  };
  show(main, h("h1", {}, t("matches.title")), box,
    matches.length ? h("ul", { class: "history" }, matches.map((m) => {
      const need = needs[m.need_id];
      const mySideAccepted = need.mine ? m.need_accepted : m.volunteer_accepted;
      return h("li", { "data-match": m.id },
        h("div", {}, h("a", { href: `#/need/${need.id}` }, need.title),
          h("div", { class: "hint" }, `${need.mine ? t("matches.for_me") : t("matches.by_me")} · ${when(need.starts_at)} · ${t(`status.${m.status}`)}`)),
        h("div", { class: "actions" },
          m.status === "proposed" && !mySideAccepted ? [
            h("button", { type: "button", class: "primary", onclick: () => act(`/matches/${m.id}/accept`) }, t("match.accept")),
            h("button", { type: "button", onclick: () => act(`/matches/${m.id}/decline`) }, t("match.decline"))] : null));
    })) : h("p", { class: "muted" }, t("matches.none")));
}
