// The residents' proposals, read-only (GET /proposals is public; authors are not named): title, status, support,
// date. Supporting and commenting happen in the resident app.
import { api } from "../shared/api.js";
import { catalogue } from "../shared/catalogue.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { date } from "../shared/format.js";

const LIMIT = 100;

function word(prefix, value) {
  return catalogue[`${prefix}.${value}`] ? t(`${prefix}.${value}`) : value;
}

async function areaNames() {
  try {
    return new Map((await api("/areas")).map((a) => [a.code, a.name]));
  } catch {
    return new Map();
  }
}

export async function proposalsScreen({ main, params }) {
  const order = params[0] === "support" ? "support" : "newest";
  const title = h("h1", {}, t("proposals.title"));
  show(main, title, status(t("loading")));
  let list;
  let areas;
  try {
    [list, areas] = await Promise.all([api(`/proposals?order=${order}&limit=${LIMIT}`), areaNames()]);
  } catch (error) {
    show(main, title, status(error.message, "error"));
    return;
  }
  const orderLinks = h("p", { class: "order" }, t("proposals.order"), " ",
    order === "newest" ? h("strong", { "aria-current": "true" }, t("proposals.order.newest")) : h("a", { href: "#/proposals" }, t("proposals.order.newest")),
    " · ",
    order === "support" ? h("strong", { "aria-current": "true" }, t("proposals.order.support")) : h("a", { href: "#/proposals/support" }, t("proposals.order.support")));
  show(main,
    title,
    h("p", {}, t("proposals.intro")),
    h("p", { class: "hint" }, t("proposals.how_to_join"), " ", h("a", { href: "/app/" }, t("app.resident"))),
    orderLinks,
    list.length ? h("ul", { class: "proposals", id: "proposals" }, list.map((p) => h("li", { class: "card", "data-id": p.id },
      h("h2", { class: "proposal-title" }, p.title),
      h("dl", { class: "pairs" },
        h("dt", {}, t("proposals.status")), h("dd", { "data-status": p.status }, word("proposals.status", p.status)),
        h("dt", {}, t("proposals.kind")), h("dd", {}, word("proposals.kind", p.kind)),
        h("dt", {}, t("proposals.support")), h("dd", { "data-value": p.supporters }, t("proposals.supporters", { n: p.supporters })),
        h("dt", {}, t("proposals.area")), h("dd", {}, areas.get(p.area) || p.area),
        h("dt", {}, t("proposals.created")), h("dd", {}, h("time", { datetime: p.created_at }, date(p.created_at)))),
      p.decision_reason ? h("p", { class: "hint" }, t("proposals.reason", { reason: p.decision_reason })) : null)))
      : h("p", { class: "muted" }, t("proposals.none")),
    list.length >= LIMIT ? h("p", { class: "hint" }, t("proposals.limit", { n: LIMIT })) : null);
}
