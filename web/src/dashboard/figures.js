// The open figures: hours and coins given for volunteering, where the coins went, by month, centre and category.
// Each breakdown is a chart and a table with the same numbers (the table is the accessible one); every number
// carries the API's exact decimal string in data-value.
import { h, show, status } from "../shared/dom.js";
import { lang, t } from "../shared/i18n.js";
import { barChart, groupDigits } from "../shared/charts.js";
import { categoryName, centreName, groupRows, names, query, statistics, sumText, unitsText } from "./data.js";

// Flows shown in the headline when the rows have them, with the catalogue key of their label.
const SPENT = [
  ["redeemed", "figures.redeemed", "figures.redeemed_hint"],
  ["donated", "figures.donated", "figures.donated_hint"],
  ["paid", "figures.paid", "figures.paid_hint"],
  ["settled", "figures.settled", "figures.settled_hint"],
  ["revoked", "figures.revoked", "figures.revoked_hint"],
];

export function monthName(month) {
  const [year, number] = month.split("-").map(Number);
  return new Date(Date.UTC(year, number - 1, 1)).toLocaleDateString(lang() === "en" ? "en-GB" : "ko-KR",
    { year: "numeric", month: "long", timeZone: "UTC" });
}

const coinsUnit = (text) => t("coins.amount", { amount: text });

/** A number: the value as people read it, the API's string in data-value. */
function amount(tag, name, value, render = (x) => x) {
  return h(tag, { "data-figure": name, "data-value": value }, render(groupDigits(value)));
}

function card(label, main, extra, hint) {
  return h("div", { class: "card" },
    h("div", { class: "muted" }, label),
    h("div", { class: "figure" }, main, extra ? " " : null, extra),
    hint ? h("p", { class: "hint" }, hint) : null);
}

function moneyCard(label, flow, totals, hint) {
  const sums = totals[flow];
  return card(label,
    amount("span", `coins_${flow}`, sums.coins, coinsUnit),
    h("small", {}, amount("span", `won_${flow}`, sums.won, (x) => t("won.amount", { amount: x }))),
    hint);
}

function headline(stats) {
  const present = new Set(stats.rows.map((r) => r.flow));
  const issued = stats.totals.issued;
  return h("div", { class: "figures", id: "headline" },
    card(t("figures.hours"), amount("span", "hours", issued.hours ?? "0", (x) => t("figures.hours_value", { hours: x })), null,
      t("figures.hours_hint", { n: groupDigits(String(issued.count)) })),
    card(t("figures.issued"), amount("span", "coins_issued", issued.coins, coinsUnit),
      h("small", {}, amount("span", "won_issued", issued.won, (x) => t("won.amount", { amount: x }))),
      t("figures.issued_hint")),
    SPENT.filter(([flow]) => present.has(flow)).map(([flow, label, hint]) => moneyCard(t(label), flow, stats.totals, t(hint))));
}

/** A table: `columns` [{key, label}], `rows` [{key, label, cells: {key: value-or-null}}]; the same numbers as a chart. */
function table(id, caption, rowHeader, columns, rows, rowAttr) {
  const captionId = `${id}-caption`;
  return h("div", { class: "table-scroll", role: "region", "aria-labelledby": captionId, tabindex: "0" },
    h("table", { id },
      h("caption", { id: captionId }, caption),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, rowHeader),
        columns.map((c) => h("th", { scope: "col", class: "num" }, c.label)))),
      h("tbody", {}, rows.map((row) => h("tr", { [rowAttr]: row.key },
        h("th", { scope: "row", "data-value": row.key }, row.label),
        columns.map((c) => {
          const value = row.cells[c.key];
          if (value === null || value === undefined) {
            return h("td", { class: "num", "data-column": c.key }, h("span", { "aria-hidden": "true" }, "—"),
              h("span", { class: "visually-hidden" }, t("figures.not_counted")));
          }
          return h("td", { class: "num", "data-column": c.key, "data-value": value },
            c.render ? c.render(value, row) : groupDigits(value));
        }))))));
}

function section(id, title, intro, chart, tableEl) {
  return h("section", { "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    intro ? h("p", { class: "hint" }, intro) : null,
    chart ? h("div", { class: "chart" }, chart) : null,
    tableEl);
}

function byMonth(stats) {
  const groups = groupRows(stats, (row) => row.month);
  const months = [...groups.keys()].sort();
  if (!months.length) return section("by-month", t("figures.by_month"), null, null, h("p", { class: "muted" }, t("figures.none")));
  const columns = [
    { key: "hours", label: t("figures.col.hours") },
    { key: "coins_issued", label: t("figures.col.coins_issued") },
    { key: "won_issued", label: t("figures.col.won_issued") },
    { key: "coins_revoked", label: t("figures.col.coins_revoked") },
    { key: "coins_redeemed", label: t("figures.col.coins_redeemed") },
    { key: "coins_donated", label: t("figures.col.coins_donated") },
    { key: "coins_paid", label: t("figures.col.coins_paid") },
  ];
  const rows = months.map((month) => {
    const g = groups.get(month);
    return { key: month, label: monthName(month), cells: {
      hours: sumText(g, "issued", "hours"), coins_issued: sumText(g, "issued", "coins"), won_issued: sumText(g, "issued", "won"),
      coins_revoked: sumText(g, "revoked", "coins"), coins_redeemed: sumText(g, "redeemed", "coins"),
      coins_donated: sumText(g, "donated", "coins"), coins_paid: sumText(g, "paid", "coins"),
    } };
  });
  const chart = barChart({
    title: t("figures.chart.by_month"), unit: coinsUnit, labels: rows.map((r) => r.label),
    series: [
      { name: t("figures.series.issued"), values: rows.map((r) => r.cells.coins_issued) },
      { name: t("figures.series.redeemed"), values: rows.map((r) => r.cells.coins_redeemed) },
      { name: t("figures.series.donated"), values: rows.map((r) => r.cells.coins_donated) },
    ],
  });
  return section("by-month", t("figures.by_month"), t("figures.by_month_hint"), chart,
    table("by-month", t("figures.table.by_month"), t("figures.col.month"), columns, rows, "data-month"));
}

function activityColumns(withUnits) {
  return [
    { key: "count", label: t("figures.col.count") },
    withUnits ? { key: "units", label: t("figures.col.units") } : null,
    { key: "hours", label: t("figures.col.hours") },
    { key: "coins_issued", label: t("figures.col.coins_issued") },
    { key: "won_issued", label: t("figures.col.won_issued") },
    { key: "coins_revoked", label: t("figures.col.coins_revoked") },
  ].filter(Boolean);
}

function activityCells(g) {
  return {
    count: sumText(g, "issued", "count"), hours: sumText(g, "issued", "hours"),
    coins_issued: sumText(g, "issued", "coins"), won_issued: sumText(g, "issued", "won"),
    coins_revoked: sumText(g, "revoked", "coins"),
  };
}

function byCentre(stats, dir) {
  const groups = groupRows(stats, (row) => row.centre_id);
  const centres = stats.filters.centre ? stats.centres.filter((c) => c.id === stats.filters.centre) : stats.centres;
  if (!centres.length) return section("by-centre", t("figures.by_centre"), null, null, h("p", { class: "muted" }, t("figures.none")));
  const rows = centres.map((c) => ({ key: String(c.id), label: centreName(c, dir), cells: activityCells(groups.get(c.id)) }));
  const chart = barChart({
    title: t("figures.chart.by_centre"), unit: coinsUnit, labels: rows.map((r) => r.label),
    series: [{ name: t("figures.series.issued"), values: rows.map((r) => r.cells.coins_issued) }],
  });
  return section("by-centre", t("figures.by_centre"), t("figures.by_centre_hint"), chart,
    table("by-centre", t("figures.table.by_centre"), t("figures.col.centre"), activityColumns(false), rows, "data-centre"));
}

function byCategory(stats, dir) {
  const groups = groupRows(stats, (row) => row.category_id);
  const categories = stats.filters.category ? stats.categories.filter((c) => c.id === stats.filters.category) : stats.categories;
  if (!categories.length) return section("by-category", t("figures.by_category"), null, null, h("p", { class: "muted" }, t("figures.none")));
  const columns = activityColumns(true);
  // The amount in the category's own unit, in words ("360분"); data-value keeps the number.
  columns.find((c) => c.key === "units").render = (value, row) => unitsText(value, row.unit, groupDigits(value));
  const rows = categories.map((c) => {
    const g = groups.get(c.id);
    const cells = activityCells(g);
    cells.units = sumText(g, "issued", "units");
    if (!c.counts_as_hours) cells.hours = null; // classes, items, reports: not counted in hours
    return { key: String(c.id), label: categoryName(c, dir), unit: c.unit, cells };
  });
  const chart = barChart({
    title: t("figures.chart.by_category"), unit: coinsUnit, labels: rows.map((r) => r.label),
    series: [{ name: t("figures.series.issued"), values: rows.map((r) => r.cells.coins_issued) }],
  });
  return section("by-category", t("figures.by_category"), t("figures.by_category_hint"), chart,
    table("by-category", t("figures.table.by_category"), t("figures.col.category"), columns, rows, "data-category"));
}

function parseFilters(param) {
  const params = new URLSearchParams(param || "");
  const filters = {};
  for (const key of ["centre", "category", "from", "to"]) {
    const value = (params.get(key) || "").trim();
    if (value) filters[key] = value;
  }
  return filters;
}

function filterForm(stats, dir, filters) {
  const select = (id, label, options, value) => h("div", { class: "field" },
    h("label", { for: id }, label),
    h("select", { id, name: id.replace("filter-", "") },
      h("option", { value: "" }, t("figures.filter.all")),
      options.map((o) => h("option", { value: o.value, selected: String(o.value) === String(value ?? "") }, o.label))));
  const month = (id, label, value) => h("div", { class: "field" },
    h("label", { for: id }, label),
    h("p", { class: "hint", id: `${id}-hint` }, t("figures.filter.month_hint")),
    h("input", { id, name: id.replace("filter-", ""), type: "month", value: value || "", pattern: "\\d{4}-\\d{2}",
      "aria-describedby": `${id}-hint`, autocomplete: "off" }));
  const form = h("form", {
    class: "filters",
    onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const chosen = {};
      for (const key of ["centre", "category", "from", "to"]) chosen[key] = String(data.get(key) || "").trim();
      const q = query(chosen);
      location.hash = q ? `#/figures/${encodeURIComponent(q)}` : "#/figures";
    },
  },
  select("filter-centre", t("figures.filter.centre"), stats.centres.map((c) => ({ value: c.id, label: centreName(c, dir) })), filters.centre),
  select("filter-category", t("figures.filter.category"), stats.categories.map((c) => ({ value: c.id, label: categoryName(c, dir) })), filters.category),
  month("filter-from", t("figures.filter.from"), filters.from),
  month("filter-to", t("figures.filter.to"), filters.to),
  h("div", { class: "actions" },
    h("button", { type: "submit", class: "primary" }, t("figures.filter.apply")),
    Object.keys(filters).length ? h("a", { class: "button", href: "#/figures" }, t("figures.filter.clear")) : null));
  return h("details", { class: "card", open: Object.keys(filters).length > 0 },
    h("summary", {}, t("figures.filter.title")), form);
}

function filterNote(stats, dir, filters) {
  if (!Object.keys(filters).length) return null;
  const parts = [];
  const f = stats.filters;
  if (f.centre) parts.push(centreName(stats.centres.find((c) => c.id === f.centre) || { id: f.centre }, dir));
  if (f.category) parts.push(categoryName(stats.categories.find((c) => c.id === f.category) || { id: f.category }, dir));
  if (f.from && f.to) parts.push(f.from === f.to ? monthName(f.from) : t("figures.filter.period", { from: monthName(f.from), to: monthName(f.to) }));
  else if (f.from) parts.push(t("figures.filter.since", { from: monthName(f.from) }));
  else if (f.to) parts.push(t("figures.filter.until", { to: monthName(f.to) }));
  return h("div", {},
    status(t("figures.filter.shown", { what: parts.join(", ") }), "info"),
    f.centre || f.category ? h("p", { class: "hint" }, t("figures.filter.activity_only")) : null);
}

export async function figuresScreen({ main, params }) {
  const title = h("h1", {}, t("figures.title"));
  show(main, title, status(t("loading")));
  const filters = parseFilters(params[0]);
  let stats;
  let dir;
  try {
    [stats, dir] = await Promise.all([statistics(filters), names()]);
  } catch (error) {
    if (error.status === 422 && Object.keys(filters).length) {
      // A filter the API refused: say why in its words, and keep the way back.
      show(main, title, status(error.message, "error"), h("p", {}, h("a", { href: "#/figures" }, t("figures.filter.clear"))));
      return;
    }
    show(main, title, status(error.status === 503 ? t("figures.not_ready") : error.message, "error"));
    return;
  }
  const q = query(filters);
  show(main,
    title,
    h("p", {}, t("figures.intro")),
    h("p", { class: "hint" }, t("figures.as_of", { block: groupDigits(String(stats.to_block)) }), " ",
      h("a", { href: "#/check" }, t("figures.how_to_check"))),
    filterForm(stats, dir, filters),
    filterNote(stats, dir, filters),
    h("h2", {}, t("figures.totals")),
    headline(stats),
    h("p", { class: "hint" }, t("figures.rate", { won: groupDigits(String(stats.won_per_coin)) })),
    byMonth(stats),
    byCentre(stats, dir),
    byCategory(stats, dir),
    h("h2", {}, t("figures.download")),
    h("p", {}, h("a", { href: `/statistics.csv${q ? `?${q}` : ""}`, download: "" }, t("figures.download_csv")),
      " · ", h("a", { href: `/statistics${q ? `?${q}` : ""}` }, t("figures.download_json"))));
}
