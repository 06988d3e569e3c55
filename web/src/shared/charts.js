// Small bar charts drawn by hand in SVG, no library. Horizontal bars: each label on its own line and its bars below,
// so long Korean names stay readable on a 375 px phone. Text is in real pixels (no viewBox scaling); bar lengths are
// percentages of the width. Colours come from CSS variables (charts.css); the second and third series also carry a
// pattern, so they differ by more than colour. A chart is an image for screen readers (role="img" and a summary
// in aria-label); the table next to it holds the same numbers.
import "./charts.css";
import { lang } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const LABEL = 26; // height of a label line
const BAR = 24; // height of one bar
const GAP = 4; // between the bars of one label
const GROUP = 14; // between labels
const LEGEND = 28; // one line of the legend
const SPAN = 62; // the longest bar, in % of the width: the rest is for its value
let charts = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

/** A value as people read it: the integer part grouped, a decimal string kept exact ("1234.5" → "1,234.5"). */
export function groupDigits(value) {
  const text = String(value ?? 0);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
  if (!m) return text;
  return m[1] + BigInt(m[2]).toLocaleString(lang() === "en" ? "en-GB" : "ko-KR") + (m[3] || "");
}

function withUnit(unit, text) {
  if (typeof unit === "function") return unit(text);
  return unit ? `${text} ${unit}` : text;
}

/**
 * barChart({labels, series: [{name, values}], unit, title, summary}) → an <svg> element.
 * `values` are numbers or exact decimal strings (shown as given, grouped); `unit` is a word put after each value
 * or a function (text → text); `title` starts the spoken summary; `summary` replaces the summary made from the data.
 */
export function barChart({ labels, series, unit = "", title = "", summary = null }) {
  const id = `chart-${++charts}`;
  const numbers = series.map((s) => s.values.map((v) => Math.max(0, Number(v) || 0)));
  const max = Math.max(0, ...numbers.flat());
  const legendLines = series.length > 1 ? series.length : 0;
  const top = legendLines ? legendLines * LEGEND + 8 : 0;
  const group = LABEL + series.length * BAR + (series.length - 1) * GAP + GROUP;
  const height = top + labels.length * group;

  const spoken = summary || [title, ...labels.map((label, i) =>
    `${label}: ${series.map((s) => `${series.length > 1 ? `${s.name} ` : ""}${withUnit(unit, groupDigits(s.values[i]))}`).join(", ")}`)]
    .filter(Boolean).join(". ");
  const svg = el("svg", {
    xmlns: SVG, class: "bar-chart", role: "img", "aria-label": spoken, width: "100%", height, focusable: "false",
  });
  svg.append(el("title", {}, title || spoken));
  svg.append(el("defs", {},
    el("pattern", { id: `${id}-p1`, width: 8, height: 8, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      el("rect", { class: "s1", width: 8, height: 8 }), el("rect", { class: "stripe", width: 3, height: 8 })),
    el("pattern", { id: `${id}-p2`, width: 8, height: 8, patternUnits: "userSpaceOnUse" },
      el("rect", { class: "s2", width: 8, height: 8 }), el("circle", { class: "stripe", cx: 4, cy: 4, r: 1.6 }))));
  // The first series is a plain colour (a class); the others a pattern (a fill: CSS would override it).
  const fill = (k) => (k % 3 === 0 ? null : `url(#${id}-p${k % 3})`);
  const cls = (k) => (k % 3 === 0 ? "bar s0" : "bar");

  series.forEach((s, k) => {
    if (!legendLines) return;
    const y = k * LEGEND;
    svg.append(el("rect", { class: cls(k), fill: fill(k), x: 0, y: y + 4, width: 20, height: 20, rx: 3 }),
      el("text", { class: "legend", x: 28, y: y + 20 }, s.name));
  });

  labels.forEach((label, i) => {
    const y0 = top + i * group;
    svg.append(el("text", { class: "label", x: 0, y: y0 + LABEL - 8 }, label));
    series.forEach((s, k) => {
      const y = y0 + LABEL + k * (BAR + GAP);
      const width = max > 0 ? (numbers[k][i] / max) * SPAN : 0;
      const shown = Math.max(width, numbers[k][i] > 0 ? 0.6 : 0); // a tiny value still shows a sliver
      svg.append(el("rect", { class: cls(k), fill: fill(k), x: 0, y, width: `${shown}%`, height: BAR, rx: 3 }),
        el("text", { class: "value", x: `${shown}%`, dx: 8, y: y + BAR - 6 }, withUnit(unit, groupDigits(s.values[i]))));
    });
  });
  return svg;
}
