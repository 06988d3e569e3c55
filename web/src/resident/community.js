// The community: what I can offer, what neighbours need, the requests that fit me, my matches, proposals for the neighbourhood, and a way to
// tell the welfare officers about a neighbour who may need help. Shared pieces of those screens live here too.
import { areaNames } from "../shared/areas.js";
import { h, scrollRegion, show } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

export async function communityScreen({ main }) {
  show(main,
    h("h1", {}, t("community.title")),
    h("p", {}, t("community.intro")),
    h("ul", { class: "cards", role: "list" }, [
      ["#/needs", "community.needs", "community.needs_hint"],
      ["#/fitting", "community.fitting", "community.fitting_hint"],
      ["#/talents", "community.talents", "community.talents_hint"],
      ["#/programmes", "community.programmes", "community.programmes_hint"],
      ["#/matches", "community.matches", "community.matches_hint"],
      ["#/proposals", "community.proposals", "community.proposals_hint"],
      ["#/report", "community.report", "community.report_hint"],
    ].map(([href, title, hint]) => h("li", { class: "card" },
      h("h2", {}, h("a", { href }, t(title))), h("p", { class: "muted" }, t(hint))))));
}

export { areaNames };

export async function areaSelect(id, selected) {
  const names = await areaNames();
  return h("select", { id }, Object.entries(names).map(([code, name]) => h("option", { value: code, selected: code === selected }, name)));
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const PERIODS = ["morning", "afternoon", "evening"];

/** Weekly availability as a table of checkboxes (day × morning/afternoon/evening), with whole-week shortcuts. */
export function availabilityPicker(selected = []) {
  const chosen = new Set(selected);
  const boxes = [];
  const table = h("table", { class: "availability" },
    h("caption", {}, t("slots.caption")),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("slots.day")), PERIODS.map((p) => h("th", { scope: "col" }, t(`slots.${p}`))))),
    h("tbody", {}, DAYS.map((d) => h("tr", {}, h("th", { scope: "row" }, t(`slots.${d}`)), PERIODS.map((p) => {
      const box = h("input", { type: "checkbox", value: `${d}-${p}`, checked: chosen.has(`${d}-${p}`) || chosen.has("any"),
        "aria-label": t("slots.label", { day: t(`slots.${d}`), period: t(`slots.${p}`) }) });
      boxes.push(box);
      return h("td", {}, box);
    })))));
  const pick = (days) => { for (const b of boxes) if (days.includes(b.value.split("-")[0])) b.checked = true; };
  return {
    element: h("fieldset", { id: "availability" }, h("legend", {}, t("slots.legend")),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => pick(DAYS.slice(0, 5)) }, t("slots.weekdays")),
        h("button", { type: "button", onclick: () => pick(DAYS.slice(5)) }, t("slots.weekend")),
        h("button", { type: "button", class: "linklike", onclick: () => boxes.forEach((b) => { b.checked = false; }) }, t("slots.clear"))),
      scrollRegion(t("slots.legend"), table)),
    value: () => boxes.filter((b) => b.checked).map((b) => b.value),
  };
}

/** A date and time the person typed, as Korean time (the neighbourhood's clock), ISO 8601 with its offset. */
export function koreanTime(day, time) {
  return `${day}T${time}:00+09:00`;
}

export function when(iso) {
  return new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "ko-KR",
    { timeZone: "Asia/Seoul", month: "long", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit" });
}
