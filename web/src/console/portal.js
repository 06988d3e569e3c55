// The 1365 link in the console. The city imports a region's programmes from the public data portal; a centre
// sends its confirmed hours to 1365 as the bulk-entry file and credits, once, hours its residents already have on
// 1365. Each step is previewed (a dry run listing what would change and every refused line with why) before the
// button that changes something appears; changing the inputs hides that button until the next preview.
import { api } from "../shared/api.js";
import { areaNames } from "../shared/areas.js";
import { field, h, scrollRegion, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { saveAs } from "../shared/operations.js";
import { act, call, loadFor, todayInKorea, txLinkOf, upload } from "./common.js";

function daysFrom(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function table(label, id, columns, rows) {
  return scrollRegion(label, h("table", { id },
    h("caption", { class: "visually-hidden" }, label),
    h("thead", {}, h("tr", {}, columns.map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, rows)));
}

/** A preview's result with the one button that applies it; the button goes away when an input changes. */
function previewed(box, inputs, ...children) {
  show(box, ...children);
  const drop = () => { show(box); inputs.forEach((i) => i.removeEventListener("input", drop)); };
  inputs.forEach((i) => i.addEventListener("input", drop));
}

// ----------------------------------------------------------------------------------------- the city: programmes

function programmeRows(list) {
  return list.map((p) => h("tr", { "data-programme": p.registration_no },
    h("td", {}, p.registration_no), h("th", { scope: "row" }, p.title),
    h("td", {}, t("portal.period", { from: p.starts_on, to: p.ends_on })), h("td", {}, p.organisation || "—")));
}

const PROGRAMME_COLUMNS = ["portal.col_no", "portal.col_title", "portal.col_period", "portal.col_organisation"];

function importResult(found, done) {
  const counts = { new: found.new.length, changed: found.changed.length, unchanged: found.unchanged, refused: found.refused.length };
  return [
    h("p", { id: "import-counts", class: done ? "status status-ok" : "", role: "status", "data-new": counts.new,
      "data-changed": counts.changed, "data-unchanged": counts.unchanged, "data-refused": counts.refused },
    t(done ? "portal.done_counts" : "portal.dry_counts", counts)),
    found.truncated ? status(t("portal.truncated"), "warn") : null,
    found.new.length ? [h("h3", {}, t("portal.new")), table(t("portal.new"), "import-new", PROGRAMME_COLUMNS, programmeRows(found.new))] : null,
    found.changed.length ? [h("h3", {}, t("portal.changed")), table(t("portal.changed"), "import-changed", PROGRAMME_COLUMNS, programmeRows(found.changed))] : null,
    found.refused.length ? [h("h3", {}, t("portal.refused")), table(t("portal.refused"), "import-refused", ["portal.col_no", "portal.col_reason"],
      found.refused.map((r) => h("tr", { "data-item": r.item, "data-code": r.code }, h("th", { scope: "row" }, r.item), h("td", {}, r.message))))] : null,
  ];
}

export async function portalProgrammesScreen({ main, notice = null }) {
  const loaded = await loadFor(main, t("portal.title_programmes"), () => Promise.all([areaNames(), api("/programmes?limit=100")]));
  if (!loaded) return;
  const [names, imported] = loaded;
  const today = todayInKorea();
  const from = h("input", { type: "date", value: today, required: true });
  const to = h("input", { type: "date", value: daysFrom(today, 30), required: true });
  const sido = h("input", { type: "text", inputmode: "numeric", pattern: "\\d{1,10}", maxlength: "10", autocomplete: "off" });
  const gugun = h("input", { type: "text", inputmode: "numeric", pattern: "\\d{1,10}", maxlength: "10", autocomplete: "off" });
  const keyword = h("input", { type: "text", maxlength: "50", autocomplete: "off" });
  const area = h("select", {}, h("option", { value: "" }, t("portal.area_none")),
    Object.entries(names).map(([code, name]) => h("option", { value: code }, name)));
  const inputs = [from, to, sido, gugun, keyword, area];
  const box = h("div", { "aria-live": "polite", id: "import-preview" });
  const body = (dryRun) => ({ from: from.value, to: to.value, sido_code: sido.value.trim() || null,
    gugun_code: gugun.value.trim() || null, keyword: keyword.value.trim() || null, area: area.value || null, dry_run: dryRun });
  const apply = async () => {
    let found = null;
    if (await act(box, async () => { found = await call("/portal/programmes/import", { method: "POST", body: body(false) }); })) {
      portalProgrammesScreen({ main, notice: found });
    }
  };
  show(main, h("h1", {}, t("portal.title_programmes")),
    notice ? h("div", { id: "import-done" }, importResult(notice, true)) : null,
    h("p", {}, t("portal.programmes_intro")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      let found = null;
      if (await act(box, async () => { found = await call("/portal/programmes/import", { method: "POST", body: body(true) }); })) {
        previewed(box, inputs, importResult(found, false),
          h("p", { class: "hint" }, t("portal.import_first")),
          h("button", { type: "button", class: "primary", id: "import-apply", onclick: apply }, t("portal.import")));
      }
    } },
    h("div", { class: "figures" }, field("import-from", t("portal.from"), from), field("import-to", t("portal.to"), to)),
    h("div", { class: "figures" }, field("import-sido", t("portal.sido"), sido, t("portal.sido_hint")),
      field("import-gugun", t("portal.gugun"), gugun, t("portal.gugun_hint"))),
    field("import-keyword", t("portal.keyword"), keyword),
    field("import-area", t("portal.area"), area, t("portal.area_hint")),
    h("button", { type: "submit" }, t("portal.preview"))),
    box,
    h("h2", {}, t("portal.imported")),
    imported.length ? table(t("portal.imported"), "programmes", PROGRAMME_COLUMNS, programmeRows(imported))
      : h("p", { class: "muted" }, t("portal.none_imported")));
}

// ----------------------------------------------------------------------------------------- a centre: hours

function exportResult(found, done = false) {
  return [
    done ? null : h("p", { id: "export-counts", "data-lines": found.lines.length, "data-refused": found.refused.length },
      t("portal.out_counts", { lines: found.lines.length, refused: found.refused.length })),
    found.lines.length ? table(t("portal.out_title"), "export-lines",
      ["portal.col_portal_id", "portal.col_name", "portal.col_day", "portal.col_minutes", "portal.col_whole_hours", "portal.col_activity"],
      found.lines.map((l) => h("tr", { "data-reference": l.reference },
        h("th", { scope: "row" }, l.portal_id), h("td", {}, l.name || "—"), h("td", {}, l.day),
        h("td", { class: "num" }, String(l.minutes)), h("td", { class: "num" }, String(l.whole_hours)), h("td", {}, l.activity || "—")))) : null,
    found.refused.length ? [h("h4", {}, t("portal.left_out")), table(t("portal.left_out"), "export-refused", ["portal.col_activity", "portal.col_reason"],
      found.refused.map((r) => h("tr", { "data-activity": r.activity_id, "data-code": r.code },
        h("th", { scope: "row" }, t("portal.activity_no", { id: r.activity_id })), h("td", {}, r.message))))] : null,
  ];
}

function hoursOut() {
  const today = todayInKorea();
  const from = h("input", { type: "date", value: daysFrom(today, -30), required: true });
  const to = h("input", { type: "date", value: today, required: true });
  const box = h("div", { "aria-live": "polite", id: "export-preview" });
  const send = (dryRun) => call("/portal/exports", { method: "POST", body: { from: from.value, to: to.value, dry_run: dryRun } });
  const download = (id) => act(box, async () => saveAs(await call(`/portal/exports/${id}.csv`, { raw: true }), `1365-hours-${id}.csv`));
  const make = async () => {
    let made = null;
    if (await act(box, async () => { made = await send(false); })) {
      show(box, status(t("portal.exported", { lines: made.lines.length }), "ok"),
        h("button", { type: "button", class: "primary", id: "export-download", "data-export": made.export_id,
          onclick: () => download(made.export_id) }, t("portal.download_csv")),
        exportResult(made, true));
    }
  };
  return h("section", { class: "card", "aria-labelledby": "portal-out" },
    h("h2", { id: "portal-out" }, t("portal.out_title")), h("p", { class: "hint" }, t("portal.out_hint")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      let found = null;
      if (await act(box, async () => { found = await send(true); })) {
        previewed(box, [from, to], exportResult(found),
          found.lines.length ? [h("p", { class: "hint" }, t("portal.export_first")),
            h("button", { type: "button", class: "primary", id: "export-make", onclick: make }, t("portal.export"))] : null);
      }
    } },
    h("div", { class: "figures" }, field("export-from", t("portal.from"), from), field("export-to", t("portal.to"), to)),
    h("button", { type: "submit" }, t("portal.preview"))),
    box);
}

function hoursResult(found, done) {
  return [
    done ? null : h("p", { id: "hours-counts", "data-credited": found.credited, "data-refused": found.refused },
      t("portal.in_counts", { credited: found.credited, refused: found.refused })),
    table(t("portal.in_title"), "hours-lines", ["portal.col_row", "portal.col_resident", "portal.col_day", "portal.col_minutes", "portal.col_result"],
      found.lines.map((l) => h("tr", { "data-row": l.row, "data-code": l.refusal?.code || "" },
        h("th", { scope: "row" }, String(l.row)), h("td", {}, l.member_number || l.identifier || "—"), h("td", {}, l.day || "—"),
        h("td", { class: "num" }, l.minutes ? t("portal.minutes", { minutes: l.minutes }) : "—"),
        h("td", { class: l.refusal ? "field-error" : "" },
          l.refusal ? l.refusal.message : t(done ? "portal.line_credited" : "portal.line_will_credit"))))),
  ];
}

/** The activities just credited, followed until the chain has them (as an approved sheet's are). */
function creditedActivities(ids) {
  const list = h("ul", { id: "hours-activities" });
  const follow = async () => {
    const activities = await Promise.all(ids.map((id) => call(`/activities/${id}`).catch(() => null)));
    show(list, activities.filter(Boolean).map((a) => h("li", { "data-activity": a.id, "data-status": a.status },
      `${t("portal.activity_no", { id: a.id })} · ${t(`status.${a.status}`)} `, txLinkOf(a.tx_hash))));
    if (activities.some((a) => a && !["confirmed", "failed", "rejected", "revoked"].includes(a.status))) {
      setTimeout(() => { if (document.body.contains(list)) follow(); }, 2000);
    }
  };
  follow();
  return [h("h3", {}, t("portal.credited_activities")), list];
}

function hoursIn() {
  const file = h("input", { type: "file", accept: ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  const box = h("div", { "aria-live": "polite", id: "hours-preview" });
  const send = (dryRun) => {
    const form = new FormData();
    form.append("file", file.files[0]);
    form.append("dry_run", dryRun ? "true" : "false");
    return upload("/portal/hours", form);
  };
  const credit = async () => {
    let done = null;
    if (await act(box, async () => { done = await send(false); })) {
      show(box, status(t("portal.credited_counts", { credited: done.credited }), "ok"),
        creditedActivities(done.activity_ids), hoursResult(done, true));
    }
  };
  return h("section", { class: "card", "aria-labelledby": "portal-in" },
    h("h2", { id: "portal-in" }, t("portal.in_title")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (!file.files?.[0]) { show(box, status(t("portal.file_missing"), "error")); return; }
      let found = null;
      if (await act(box, async () => { found = await send(true); })) {
        previewed(box, [file], hoursResult(found, false),
          found.credited ? [h("p", { class: "hint" }, t("portal.credit_first")),
            h("button", { type: "button", class: "primary", id: "hours-apply", onclick: credit }, t("portal.credit", { n: found.credited }))] : null);
      }
    } },
    field("hours-file", t("portal.in_file"), file, t("portal.in_hint")),
    h("button", { type: "submit" }, t("portal.preview"))),
    box);
}

export async function portalHoursScreen({ main }) {
  show(main, h("h1", {}, t("portal.title_hours")), h("p", {}, t("portal.hours_intro")), hoursOut(), hoursIn());
}
