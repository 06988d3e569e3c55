// The settlement statement of a period: vouchers redeemed at the provider (coins received), vouchers used,
// settlements with the city (won), day by day as a chart and a table, and the same as a CSV file.
import { api, ApiRefusal } from "../shared/api.js";
import { barChart } from "../shared/charts.js";
import { field, h, scrollRegion, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { coins } from "../shared/format.js";
import { saveAs } from "../shared/operations.js";
import * as staff from "../shared/staff_session.js";

function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

export async function statementScreen({ main }) {
  const today = new Date();
  const first = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
  const tomorrow = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1));
  const start = h("input", { type: "date", value: isoDay(first) });
  const end = h("input", { type: "date", value: isoDay(tomorrow) });
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", { onsubmit: (e) => { e.preventDefault(); load(out, start.value, end.value); } },
    h("div", { class: "figures" }, field("statement-start", t("desk.statement.start"), start), field("statement-end", t("desk.statement.end"), end, t("desk.statement.end_hint"))),
    h("button", { type: "submit" }, t("desk.statement.show")));
  show(main, h("h1", {}, t("desk.statement.title")), form, out);
  await load(out, start.value, end.value);
}

async function load(out, start, end) {
  const s = { token: await staff.token() };
  if (!s.token) return;
  const query = `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;
  show(out, status(t("loading")));
  let statement;
  try {
    statement = await api(`/provider/settlement?${query}`, { token: s.token });
  } catch (error) {
    show(out, status(error instanceof ApiRefusal ? error.message : t("error.unexpected"), "error"));
    return;
  }
  const days = statement.days || [];
  const download = h("button", {
    type: "button",
    onclick: async () => {
      try {
        await saveAs(await api(`/provider/settlement.csv?${query}`, { token: s.token, raw: true }), `settlement-${start}-${end}.csv`);
      } catch (error) {
        out.append(status(error.message, "error"));
      }
    },
  }, t("desk.statement.csv"));
  const settledWon = (statement.settlements || []).reduce((sum, x) => sum + BigInt(x.won || 0), 0n);
  show(out,
    h("div", { class: "figures" },
      h("div", { class: "card" }, h("div", { class: "muted" }, t("desk.statement.received")), h("div", { class: "figure", "data-figure": "coins_received" }, t("coins.amount", { amount: coins(statement.coins_received) }))),
      h("div", { class: "card" }, h("div", { class: "muted" }, t("desk.statement.issued")), h("div", { class: "figure", "data-figure": "vouchers_issued" }, String(statement.vouchers_issued))),
      h("div", { class: "card" }, h("div", { class: "muted" }, t("desk.statement.fulfilled")), h("div", { class: "figure", "data-figure": "vouchers_fulfilled" }, String(statement.vouchers_fulfilled))),
      h("div", { class: "card" }, h("div", { class: "muted" }, t("desk.statement.settled")), h("div", { class: "figure", "data-figure": "won_settled" }, t("won.amount", { amount: settledWon.toLocaleString() })))),
    days.length ? h("div", { class: "chart" }, barChart({
      title: t("desk.statement.chart"),
      labels: days.map((d) => d.date.slice(5)),
      series: [{ name: t("desk.statement.received"), values: days.map((d) => Number(BigInt(d.coins_received) / 10n ** 16n) / 100) }],
      unit: t("desk.statement.coins_unit"),
    })) : h("p", {}, t("desk.statement.empty")),
    days.length ? scrollRegion(t("desk.statement.chart"), h("table", { id: "statement-days" },
      h("caption", { class: "visually-hidden" }, t("desk.statement.chart")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("desk.statement.date")), h("th", { scope: "col", class: "num" }, t("desk.statement.received")),
        h("th", { scope: "col", class: "num" }, t("desk.statement.issued")), h("th", { scope: "col", class: "num" }, t("desk.statement.fulfilled")),
        h("th", { scope: "col", class: "num" }, t("desk.statement.settled")))),
      h("tbody", {}, days.map((d) => h("tr", {}, h("th", { scope: "row" }, d.date), h("td", { class: "num" }, coins(d.coins_received)),
        h("td", { class: "num" }, String(d.vouchers_issued)), h("td", { class: "num" }, String(d.vouchers_fulfilled)),
        h("td", { class: "num" }, t("won.amount", { amount: BigInt(d.won_settled || 0).toLocaleString() }))))))) : null,
    h("div", { class: "actions" }, download),
    h("p", { class: "hint" }, t("desk.statement.check")));
}
