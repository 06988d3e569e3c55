// Attendance sheets: one event's participants from a CSV or Excel file, each line checked before anything is
// saved (unknown resident, name not matching, duplicate, too long, over the centre's cap), lines fixed or dropped,
// then approved in one step and followed until every line is on the chain.
import { field, h, scrollRegion, show, status } from "../shared/dom.js";
import { localName, t } from "../shared/i18n.js";
import { coins } from "../shared/format.js";
import { act, call, categoryList, explain, loadFor, SessionEnded, todayInKorea, txLinkOf, upload } from "./common.js";
import { newIdempotencyKey } from "../shared/api.js";
import { approveAndSign, release, signWaiting } from "./sheet_signing.js";

export async function sheetsScreen({ main, params }) {
  if (params[0]) return sheetScreen({ main, id: params[0] });
  const loaded = await loadFor(main, t("console.sheets"), () => Promise.all([categoryList(), call("/sheets?status=draft")]));
  if (!loaded) return;
  const [categories, drafts] = loaded;
  const box = h("div", { "aria-live": "polite" });
  const file = h("input", { type: "file", accept: ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  const category = h("select", {}, categories.filter((c) => c.active).map((c) => h("option", { value: String(c.id) }, localName(c, c.key))));
  const day = h("input", { type: "date", value: todayInKorea() });
  const place = h("input", { type: "text", maxlength: "200" });
  const description = h("input", { type: "text", maxlength: "500" });
  show(main,
    h("h1", {}, t("console.sheets")),
    h("p", {}, t("console.sheets_intro")),
    h("p", {}, t("console.template"), " ", h("a", { href: "/sheets/template.xlsx", download: "" }, "Excel"), " · ",
      h("a", { href: "/sheets/template.csv", download: "" }, "CSV")),
    drafts.length ? [h("h2", {}, t("console.drafts")), h("ul", {}, drafts.map((d) => h("li", {},
      h("a", { href: `#/sheets/${d.id}` }, `${d.occurred_on} · ${d.place || d.filename || d.id}`))))] : null,
    h("h2", {}, t("console.upload")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (!file.files?.[0]) { show(box, status(t("console.file_missing"), "error")); return; }
      const form = new FormData();
      form.append("file", file.files[0]);
      form.append("category", category.value);
      form.append("occurred_on", day.value);
      form.append("place", place.value.trim());
      form.append("description", description.value.trim());
      await act(box, async () => {
        const answer = await upload("/sheets", form);
        location.hash = `#/sheets/${answer.id}`;
      });
    } },
    field("sheet-file", t("console.file"), file, t("console.file_hint")),
    field("sheet-category", t("console.category"), category),
    field("sheet-day", t("console.day"), day, t("console.sheet_day_hint")),
    field("sheet-place", t("console.place"), place),
    field("sheet-description", t("console.description"), description, t("console.no_personal")),
    h("button", { type: "submit", class: "primary" }, t("console.check_sheet")), box));
}

function problemText(list) {
  return list.map((p) => p.message).join(" ");
}

async function sheetScreen({ main, id, notice = null }) {
  const sheet = await loadFor(main, t("console.sheet"), () => call(`/sheets/${id}`));
  if (!sheet) return;
  const again = (said = null) => sheetScreen({ main, id, notice: said });
  const box = h("div", { "aria-live": "polite" });
  const draft = sheet.status === "draft";
  const rows = sheet.lines.map((line) => {
    const units = h("input", { type: "number", min: "1", value: line.units ?? "", "aria-label": t("console.line_units", { n: line.n }), class: "narrow" });
    const who = h("input", { type: "text", value: line.member_number || line.address || line.phone || "", "aria-label": t("console.line_who", { n: line.n }) });
    const state = line.dropped ? t("console.dropped") : line.problems.length ? problemText(line.problems)
      : line.activity ? t(`status.${line.activity.status}`) : t("console.line_ok");
    return h("tr", { "data-line": line.n, "data-problems": String(line.problems.length), "data-dropped": String(line.dropped),
      "data-status": line.activity?.status || "" },
      h("th", { scope: "row" }, String(line.row)),
      h("td", {}, line.resident ? `${line.resident.name || ""} ${line.resident.member_number}` : (line.name || "—")),
      h("td", {}, draft && !line.dropped ? who : (line.member_number || line.address || line.phone || "")),
      h("td", { class: "num" }, draft && !line.dropped ? units : String(line.units ?? line.units_text ?? "")),
      h("td", { class: "num" }, line.reward ? coins(line.reward) : "—"),
      h("td", { class: line.problems.length && !line.dropped ? "field-error" : "" }, state, " ", line.activity ? txLinkOf(line.activity.tx_hash) : null),
      draft ? h("td", {}, line.dropped ? null : [
        h("button", { type: "button", onclick: async () => {
          const body = { units: Number(units.value) };
          const id_ = who.value.trim();
          if (id_ && id_ !== (line.member_number || line.address || line.phone || "")) body.identifier = id_;
          if (await act(box, () => call(`/sheets/${sheet.id}/lines/${line.n}`, { method: "PATCH", body }))) again();
        } }, t("console.fix")),
        " ",
        h("button", { type: "button", class: "danger", onclick: async () => {
          if (await act(box, () => call(`/sheets/${sheet.id}/lines/${line.n}`, { method: "DELETE" }))) again();
        } }, t("console.drop"))]) : null);
  });
  const totals = sheet.totals;
  show(main,
    h("h1", {}, t("console.sheet_title", { day: sheet.occurred_on, place: sheet.place || "" })),
    h("p", { id: "sheet-totals", "data-kept": totals.kept, "data-problems": totals.with_problems, "data-confirmed": totals.confirmed },
      t("console.sheet_totals", { kept: totals.kept, lines: totals.lines, problems: totals.with_problems, coins: coins(totals.reward), confirmed: totals.confirmed })),
    sheet.problems?.length ? status(problemText(sheet.problems), "error") : null,
    scrollRegion(t("console.sheet"), h("table", { id: "sheet-lines" },
      h("caption", { class: "visually-hidden" }, t("console.sheet")),
      h("thead", {}, h("tr", {}, ["console.col_row", "console.col_resident", "console.col_who", "console.col_units", "console.col_coins", "console.col_state"]
        .map((k) => h("th", { scope: "col" }, t(k))), draft ? h("th", { scope: "col" }, t("console.col_actions")) : null)),
      h("tbody", {}, rows))),
    draft ? h("button", { type: "button", class: "primary block", disabled: totals.with_problems > 0 || totals.kept === 0, onclick: async () => {
      if (await act(box, () => call(`/sheets/${sheet.id}/approve`, { method: "POST", idempotencyKey: newIdempotencyKey() }))) again();
    } }, t("console.approve_sheet", { n: totals.kept })) : null,
    draft && totals.with_problems ? h("p", { class: "hint" }, t("console.fix_first")) : null,
    draft ? h("div", { class: "panel" },
      h("p", {}, t("console.sign.intro")),
      h("button", { type: "button", class: "block", disabled: totals.with_problems > 0 || totals.kept === 0, onclick: async () => {
        show(box, status(t("console.sign.in_wallet")));
        try {
          await approveAndSign(sheet);
          again();
        } catch (error) {
          if (error instanceof SessionEnded) return;
          // Approved, but not signed (declined in the wallet, say): the sheet now waits for the signature.
          const fresh = await call(`/sheets/${sheet.id}`).catch(() => null);
          if (fresh && fresh.status !== "draft") again(explain(error));
          else show(box, status(explain(error), "error"));
        }
      } }, t("console.sign.approve", { n: totals.kept }))) : null,
    signingPanel(sheet, box, again),
    box);
  if (notice) show(box, status(notice, "error"));
  const waitingForWallet = sheet.signing && ["awaiting", "stale"].includes(sheet.signing.status) && sheet.signing.waiting > 0;
  if (!draft && !waitingForWallet && totals.confirmed < totals.kept) setTimeout(() => { if (document.body.contains(box)) again(); }, 2000);
}

/** An approved sheet's signature by the coordinator's wallet: waiting for it (sign, or let the centre's key send
 * the activities), stale (why, and sign again), or signed by which wallet. */
function signingPanel(sheet, box, again) {
  const signing = sheet.signing;
  if (!signing || sheet.status === "draft") return null;
  const waiting = ["awaiting", "stale"].includes(signing.status) && signing.waiting > 0;
  return h("div", { class: "panel", id: "sheet-signing", "data-signing": signing.status },
    h("p", {}, signing.status === "signed" ? t("console.sign.signed", { address: signing.coordinator })
      : signing.status === "released" ? t("console.sign.released")
        : signing.status === "stale" ? t("console.sign.stale", { n: signing.waiting })
          : t("console.sign.waiting", { n: signing.waiting, address: signing.coordinator })),
    signing.status === "stale" && signing.error ? h("p", { class: "hint" }, signing.error) : null,
    waiting ? [
      h("button", { type: "button", class: "primary block", onclick: async () => {
        show(box, status(t("console.sign.in_wallet")));
        if (await act(box, () => signWaiting(sheet))) again();
      } }, t("console.sign.sign_now")),
      h("button", { type: "button", class: "block", onclick: async () => {
        if (await act(box, () => release(sheet))) again();
      } }, t("console.sign.release"))] : null);
}
