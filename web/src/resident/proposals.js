// Proposals for the neighbourhood: read, support once, comment, follow a project's needs, and propose one.
import { api, newIdempotencyKey } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { date } from "../shared/format.js";
import { areaNames, areaSelect } from "./community.js";
import { showErrors } from "./forms.js";
import { explain, loadFor } from "./requests.js";
import * as session from "./session.js";

export async function proposalsScreen({ main }) {
  const s = session.current();
  const loaded = await loadFor(main, t("proposals.title"), () => Promise.all([api("/proposals", { token: s.token }), areaNames()]));
  if (!loaded) return;
  const [list, names] = loaded;
  const summary = h("div");
  const box = h("div", { "aria-live": "polite" });
  const kind = h("select", {}, h("option", { value: "problem" }, t("proposals.kind.problem")), h("option", { value: "meeting" }, t("proposals.kind.meeting")));
  const title = h("input", { type: "text", maxlength: "200" });
  const body = h("textarea", { rows: "4", maxlength: "2000" });
  const area = await areaSelect("proposal-area");
  const submit = h("button", { type: "submit", class: "primary block" }, t("proposals.submit"));
  const form = h("form", {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      const errors = [];
      if (!title.value.trim()) errors.push(["proposal-title", t("proposals.title_missing")]);
      if (!body.value.trim()) errors.push(["proposal-body", t("proposals.body_missing")]);
      if (showErrors(summary, errors)) return;
      submit.disabled = true;
      try {
        const p = await api("/proposals", { method: "POST", token: s.token, idempotencyKey: newIdempotencyKey(),
          body: { kind: kind.value, title: title.value.trim(), body: body.value.trim(), area: area.value } });
        location.hash = `#/proposal/${p.id}`;
      } catch (error) {
        show(box, status(explain(error), "error"));
        submit.disabled = false;
      }
    },
  }, field("proposal-kind", t("proposals.kind"), kind), field("proposal-title", t("proposals.field_title"), title),
  field("proposal-body", t("proposals.field_body"), body), field("proposal-area", t("community.area"), area), submit, box);
  show(main, h("h1", {}, t("proposals.title")), h("p", {}, t("proposals.intro")),
    list.length ? h("ul", { class: "history" }, list.map((p) => h("li", { "data-proposal": p.id },
      h("div", {}, h("a", { href: `#/proposal/${p.id}` }, p.title),
        h("div", { class: "hint" }, `${names[p.area] || p.area} · ${t(`status.${p.status}`)} · ${date(p.created_at)}`)),
      h("div", { class: "muted" }, t("proposals.supporters", { n: p.supporters }))))) : h("p", { class: "muted" }, t("proposals.none")),
    h("h2", {}, t("proposals.new")), summary, form);
}

export async function proposalScreen({ main, params }) {
  const s = session.current();
  const id = Number(params[0]);
  const loaded = await loadFor(main, t("proposals.title"), () => Promise.all([api(`/proposals/${id}`, { token: s.token }), areaNames()]));
  if (!loaded) return;
  const [p, names] = loaded;
  const box = h("div", { "aria-live": "polite" });
  const again = () => proposalScreen({ main, params });
  const comment = h("textarea", { rows: "3", maxlength: "1000" });
  const canSupport = !p.mine && !p.supported && (p.status === "open" || p.status === "project");
  show(main,
    h("h1", {}, p.title),
    h("p", { class: "hint" }, `${t(`proposals.kind.${p.kind}`)} · ${names[p.area] || p.area} · ${t(`status.${p.status}`)} · ${date(p.created_at)}`),
    h("p", {}, p.body),
    p.decision_reason ? status(p.decision_reason, "warn") : null,
    h("p", { "data-supporters": p.supporters }, t("proposals.supporters", { n: p.supporters }),
      p.supported ? ` · ${t("proposals.you_support")}` : ""),
    canSupport ? h("button", { type: "button", class: "primary", onclick: async () => {
      try { await api(`/proposals/${id}/support`, { method: "POST", token: s.token }); again(); } catch (error) { show(box, status(explain(error), "error")); }
    } }, t("proposals.support")) : null,
    p.needs?.length ? [h("h2", {}, t("proposals.project_needs")), h("ul", {}, p.needs.map((n) => h("li", {}, h("a", { href: `#/need/${n.id}` }, n.title))))] : null,
    h("h2", {}, t("proposals.comments")),
    p.comments.length ? h("ul", { class: "history" }, p.comments.map((c) => h("li", {}, h("div", {}, h("div", { class: "hint" }, `${c.author} · ${date(c.at)}`), h("div", {}, c.body))))) : h("p", { class: "muted" }, t("proposals.no_comments")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (!comment.value.trim()) return;
      try {
        await api(`/proposals/${id}/comments`, { method: "POST", token: s.token, idempotencyKey: newIdempotencyKey(), body: { body: comment.value.trim() } });
        again();
      } catch (error) { show(box, status(explain(error), "error")); }
    } }, field("proposal-comment", t("proposals.comment"), comment), h("button", { type: "submit" }, t("proposals.comment_submit"))),
    box);
}
