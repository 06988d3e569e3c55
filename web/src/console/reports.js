// Welfare officers: their area's reports of neighbours who may need help — a queue with status; opening one is
// logged; triage with a note; closing as confirmed (which rewards the reporter, unnamed) or not; who read it, and
// who was refused opening it.
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { dateTime } from "../shared/format.js";
import { areaNames } from "../shared/areas.js";
import { act, call, loadFor } from "./common.js";

export async function reportsScreen({ main, params }) {
  if (params[0]) return reportScreen({ main, id: params[0] });
  const loaded = await loadFor(main, t("console.reports"), () => Promise.all([call("/reports"), areaNames()]));
  if (!loaded) return;
  const [reports, areas] = loaded;
  show(main,
    h("h1", {}, t("console.reports")),
    h("p", {}, t("console.reports_intro")),
    reports.length ? h("ul", { class: "history" }, reports.map((r) => h("li", { "data-report": r.id, "data-status": r.status },
      h("div", {}, h("a", { href: `#/reports/${r.id}` }, t("report.line", { id: r.id, area: areas[r.area] || r.area })), h("div", { class: "hint" }, dateTime(r.created_at))),
      h("div", {}, t(`status.${r.status}`))))) : h("p", { class: "muted" }, t("console.no_reports")));
}

async function reportScreen({ main, id }) {
  const loaded = await loadFor(main, t("console.report"), () => Promise.all([call(`/reports/${id}`),
    call(`/reports/${id}/access-log`), areaNames()]));
  if (!loaded) return;
  const [r, log, areas] = loaded;
  const again = () => reportScreen({ main, id });
  const box = h("div", { "aria-live": "polite" });
  const note = h("textarea", { rows: "3", maxlength: "2000" });
  const decided = r.status === "confirmed" || r.status === "dismissed";
  const triage = (decision) => async () => {
    if (!note.value.trim()) { show(box, status(t("console.note_needed"), "error")); return; }
    if (await act(box, () => call(`/reports/${id}/triage`, { method: "POST", body: { decision, note: note.value.trim() } }))) again();
  };
  show(main,
    h("h1", {}, t("report.line", { id: r.id, area: areas[r.area] || r.area })),
    status(t("console.read_logged"), "warn"),
    h("dl", { class: "pairs" },
      h("dt", {}, t("console.status")), h("dd", { "data-status": r.status }, t(`status.${r.status}`)),
      h("dt", {}, t("report.place")), h("dd", {}, r.place),
      h("dt", {}, t("report.situation")), h("dd", {}, r.situation),
      h("dt", {}, t("report.neighbour")), h("dd", {}, r.neighbour || "—"),
      h("dt", {}, t("console.reporter")), h("dd", {}, t("console.resident_number", { id: r.reporter_id }))),
    h("h2", {}, t("console.notes")),
    r.notes.length ? h("ul", {}, r.notes.map((n) => h("li", {}, `${dateTime(n.at)} · ${n.by || ""}: ${n.note || n.text || ""}`))) : h("p", { class: "muted" }, "—"),
    decided ? null : [
      field("triage-note", t("console.note"), note, t("console.note_hint")),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: triage("in_review") }, t("console.in_review")),
        h("button", { type: "button", class: "primary", onclick: triage("confirmed") }, t("console.confirm_report")),
        h("button", { type: "button", onclick: triage("dismissed") }, t("console.dismiss")))],
    box,
    h("h2", {}, t("console.access_log")),
    h("ul", { id: "access-log" }, log.map((a) => h("li", { "data-action": a.action },
      `${dateTime(a.at)} · ${a.actor} · ${accessAction(a)}`))));
}

// What an access-log entry says was done: listed, read, triaged — or refused, and why.
function accessAction(a) {
  const action = t(`access.${a.action}`);
  return a.reason ? `${action} (${t(`access.why.${a.reason}`)})` : action;
}
