// The centre's kiosks (키오스크 기기): a coordinator enrols a kiosk by where it stands and gets its device code —
// shown once, with a copy button — to type into the kiosk's setup screen; lists the kiosks and revokes one that is
// lost, stolen or moved (its open card sessions end at once). The city's admin sees every centre's.
import { api } from "../shared/api.js";
import { field, h, scrollRegion, show, status } from "../shared/dom.js";
import { dateTime } from "../shared/format.js";
import { localName, t } from "../shared/i18n.js";
import * as staff from "../shared/staff_session.js";
import { act, call, loadFor } from "./common.js";

export async function kiosksScreen({ main }) {
  const me = staff.current();
  const loaded = await loadFor(main, t("console.kiosks"), async () => {
    const centres = me.role === "admin" ? (await api("/directory")).centres : [{ id: me.centre_id }];
    return Promise.all(centres.map(async (c) => ({ centre: c, kiosks: await call(`/centres/${c.id}/kiosks`) })));
  });
  if (!loaded) return;
  show(main, h("h1", {}, t("console.kiosks")),
    h("p", {}, t("console.kiosks.intro")),
    loaded.map(({ centre, kiosks }) => centreSection(main, centre, kiosks, me.role === "admin")));
}

function centreSection(main, centre, kiosks, named) {
  const box = h("div", { "aria-live": "polite" });
  const list = h("div", {});
  const name = h("input", { type: "text", autocomplete: "off", maxlength: "100" });
  const again = () => kiosksScreen({ main });
  const id = `kiosk-name-${centre.id}`;
  showList(list, centre, kiosks, box, again);
  return h("section", { class: "card", "data-centre": centre.id },
    named ? h("h2", {}, localName(centre, centre.key || String(centre.id))) : null,
    list,
    box,
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      let enrolled = null;
      if (!(await act(box, async () => {
        enrolled = await call(`/centres/${centre.id}/kiosks`, { method: "POST", body: { name: name.value } });
      }))) return;
      name.value = "";
      showCode(box, enrolled, () => again());
      // The new kiosk is listed at once, under its code (the code itself stays on screen until "다 했습니다").
      try {
        showList(list, centre, await call(`/centres/${centre.id}/kiosks`), box, again);
      } catch {
        // the list is refreshed with the screen when the code is put away
      }
    } },
    h("h3", {}, t("console.kiosks.enrol_title")),
    field(id, t("console.kiosks.name"), name, t("console.kiosks.name_hint")),
    h("button", { type: "submit", class: "primary" }, t("console.kiosks.enrol"))));
}

function showList(list, centre, kiosks, box, again) {
  show(list, kiosks.length ? scrollRegion(t("console.kiosks"), h("table", {},
    h("thead", {}, h("tr", {}, ["console.kiosks.name", "console.kiosks.enrolled", "console.kiosks.last_used", "console.state", "console.kiosks.actions"]
      .map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, kiosks.map((k) => h("tr", { "data-kiosk": k.id },
      h("th", { scope: "row" }, k.name),
      h("td", {}, dateTime(k.enrolled_at), h("span", { class: "muted" }, ` · ${k.enrolled_by}`)),
      h("td", {}, k.last_used_at ? dateTime(k.last_used_at) : "—"),
      h("td", {}, k.active ? t("console.active") : t("console.kiosks.revoked", { by: k.revoked_by || "" })),
      h("td", {}, k.active ? revokeButton(centre, k, box, again) : null)))))) : h("p", {}, t("console.kiosks.none")));
}

/** 등록 해제, asked once more in the row (what it does) before it is sent. */
function revokeButton(centre, kiosk, box, again) {
  const cell = h("span", {});
  const ask = h("button", { type: "button", onclick: () => {
    show(cell, h("span", { role: "status" }, t("console.kiosks.revoke_confirm", { name: kiosk.name })), " ",
      h("button", { type: "button", class: "primary", onclick: async () => {
        if (await act(box, () => call(`/centres/${centre.id}/kiosks/${kiosk.id}/revoke`, { method: "POST" }))) again();
      } }, t("console.kiosks.revoke_yes")));
  } }, t("console.kiosks.revoke"));
  show(cell, ask);
  return cell;
}

/** The device code, shown once: it is not kept in clear anywhere, so it cannot be shown again. */
function showCode(box, kiosk, done) {
  const code = h("output", { class: "mono", id: `kiosk-code-${kiosk.id}`, "data-device-code": kiosk.device_code }, kiosk.device_code);
  const copied = h("span", { role: "status" });
  show(box, h("div", { class: "status status-ok", "data-enrolled": kiosk.id },
    h("p", {}, t("console.kiosks.code_title", { name: kiosk.name })),
    h("p", {}, code),
    h("p", {}, t("console.kiosks.code_once")),
    h("p", {}, h("button", { type: "button", onclick: async () => {
      try {
        await navigator.clipboard.writeText(kiosk.device_code);
        copied.textContent = t("console.kiosks.copied");
      } catch {
        copied.textContent = t("console.kiosks.copy_failed");
      }
    } }, t("console.kiosks.copy")), " ", copied),
    h("p", {}, h("button", { type: "button", onclick: done }, t("console.kiosks.code_done")))));
}
