// Recording one activity: the resident, the kind of activity (the chain's rules), how long, when and where; what
// it will earn is shown before saving; saved and approved in one step, then followed to the chain.
import { field, h, show, status } from "../shared/dom.js";
import { localName, t } from "../shared/i18n.js";
import { isAddress } from "../shared/wallet.js";
import { act, call, categoryList, koreanStartBefore, koreanTime, loadFor, txLinkOf, unitsText } from "./common.js";

export async function recordScreen({ main, params }) {
  const loaded = await loadFor(main, t("console.record"), () => Promise.all([
    categoryList(), /^\d+$/.test(params[0] || "") ? call(`/residents/${params[0]}`) : Promise.resolve(null)]));
  if (!loaded) return;
  const [categories, resident] = loaded;
  const staffCentre = JSON.parse(sessionStorage.getItem("vb.staff") || "{}").centre_id;
  const who = h("input", { type: "text", class: "mono", autocomplete: "off", value: resident?.address || "" });
  const category = h("select", {}, categories.filter((c) => c.active).map((c) => h("option", { value: String(c.id) }, localName(c, c.key))));
  const hours = h("input", { type: "number", min: "0", max: "24", value: "2" });
  const minutes = h("input", { type: "number", min: "0", max: "59", step: "10", value: "0" });
  const count = h("input", { type: "number", min: "1", value: "1" });
  const started = koreanStartBefore(2);  // the default: two hours that have just ended
  const day = h("input", { type: "date", value: started.day });
  const time = h("input", { type: "time", value: started.time });
  const place = h("input", { type: "text", maxlength: "200" });
  const description = h("input", { type: "text", maxlength: "500" });
  const preview = h("div", { "aria-live": "polite", id: "preview" });
  const box = h("div", { "aria-live": "polite" });
  const minuteFields = h("div", { class: "figures" }, field("record-hours", t("console.hours"), hours), field("record-minutes", t("console.minutes"), minutes));
  const countField = field("record-count", t("console.count"), count);
  const chosen = () => categories.find((c) => c.id === Number(category.value));
  const units = () => (chosen()?.unit === "minute" ? Number(hours.value || 0) * 60 + Number(minutes.value || 0) : Number(count.value || 0));
  const body = () => ({ centre_id: staffCentre || 1, volunteer: who.value.trim(), category: Number(category.value), units: units(),
    occurred_at: koreanTime(day.value, time.value), place: place.value.trim() || null, description: description.value.trim() || null });
  const layout = () => { const minute = chosen()?.unit === "minute"; minuteFields.hidden = !minute; countField.hidden = minute; };
  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!isAddress(who.value) || units() <= 0) { show(preview); return; }
      await act(preview, async () => {
        const p = await call("/activities/preview", { method: "POST", body: body() });
        show(preview, p.ok
          ? status(t("console.will_earn", { what: unitsText(chosen(), units()), coins: p.coins }), "ok")
          : status(p.problems.map((x) => x.message).join(" "), "error"),
        p.warnings?.length ? status(p.warnings.map((x) => x.message || x.code).join(" "), "warn") : null);
      });
    }, 300);
  };
  for (const input of [who, category, hours, minutes, count, day, time]) input.addEventListener("input", () => { layout(); refresh(); });
  layout();
  refresh();
  show(main,
    h("h1", {}, t("console.record")),
    resident ? h("p", {}, t("console.recording_for", { name: resident.name || resident.member_number })) : null,
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (!isAddress(who.value)) { show(box, status(t("console.wallet_needed"), "error")); return; }
      let activity = null;
      if (!(await act(box, async () => { activity = await call("/activities", { method: "POST", body: { ...body(), approve: true } }); }))) return;
      show(box, status(t("console.saved_on_way"), "ok"));
      while (activity && ["approved", "submitted", "queued", "recorded"].includes(activity.status)) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        activity = await call(`/activities/${activity.id}`).catch(() => activity);
      }
      show(box, status(activity.status === "confirmed" ? t("console.confirmed", { coins: "" }) : t(`status.${activity.status}`),
        activity.status === "confirmed" ? "ok" : "error"), h("p", {}, txLinkOf(activity.tx_hash)));
      box.dataset.activity = String(activity.id);
    } },
    field("record-who", t("console.who"), who, t("console.who_hint")),
    field("record-category", t("console.category"), category),
    minuteFields, countField,
    h("div", { class: "figures" }, field("record-day", t("console.day"), day), field("record-time", t("console.time"), time)),
    field("record-place", t("console.place"), place), field("record-description", t("console.description"), description, t("console.no_personal")),
    preview,
    h("button", { type: "submit", class: "primary block" }, t("console.record_submit")), box));
}
