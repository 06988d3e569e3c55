// The city's screens: category rules (each change a new version, with the history), the won rate, pausing the
// coin, providers and charities, centres and their caps and coordinators, staff accounts, the audit log, and a
// centre's data exported for the city's archive. Every change on the chain is previewed (dry run) before it is sent.
import { api } from "../shared/api.js";
import { field, h, scrollRegion, show, status } from "../shared/dom.js";
import { localName, t } from "../shared/i18n.js";
import { coins, dateTime, parseCoins } from "../shared/format.js";
import { isAddress } from "../shared/wallet.js";
import { saveAs } from "../shared/operations.js";
import * as staff from "../shared/staff_session.js";
import { changeBox } from "./change.js";
import { act, call, loadFor, txLinkOf } from "./common.js";

function unitName(unit) {
  const key = `unitname.${unit}`;
  return t(key) === key ? unit : t(key);
}

/** What was just applied, said at the top of the screen drawn again with the chain's new state. */
function appliedNote(op) {
  return op ? h("div", { class: "status status-ok", "data-applied": "confirmed", role: "status" }, t("console.applied"), " ", txLinkOf(op.tx_hash)) : null;
}

export async function rulesScreen({ main, applied = null }) {
  const categories = await loadFor(main, t("console.rules"), () => api("/categories"));
  if (!categories) return;
  const again = (op) => rulesScreen({ main, applied: op });
  show(main, h("h1", {}, t("console.rules")), appliedNote(applied), h("p", {}, t("console.rules_intro")),
    categories.map((c) => {
      const coinsIn = h("input", { type: "text", inputmode: "decimal", value: coins(c.coins_per_block).replace(/,/g, "") });
      const per = h("input", { type: "number", min: "1", value: String(c.units_per_block) });
      const max = h("input", { type: "number", min: "1", value: String(c.max_units) });
      const active = h("input", { type: "checkbox", checked: c.active });
      const history = h("div");
      const change = changeBox(() => {
        const wei = parseCoins(coinsIn.value, 18);
        if (!wei && active.checked) { show(history, status(t("console.rule_invalid"), "error")); return null; }
        return { path: `/admin/categories/${c.id}`, method: "PUT",
          body: { coins_per_block: wei || "0", units_per_block: Number(per.value), max_units: Number(max.value), active: active.checked } };
      }, again);
      return h("section", { class: "card", "data-category": c.id, "aria-labelledby": `rule-${c.id}` },
        h("h2", { id: `rule-${c.id}` }, `${localName(c, c.key)} · ${t("console.rule_version", { v: c.rule_version })}`),
        h("p", { class: "muted" }, t("console.rule_now", { coins: coins(c.coins_per_block), per: c.units_per_block, unit: unitName(c.unit), max: c.max_units })),
        h("div", { class: "figures" },
          field(`rule-${c.id}-coins`, t("console.rule_coins"), coinsIn), field(`rule-${c.id}-per`, t("console.rule_per", { unit: unitName(c.unit) }), per),
          field(`rule-${c.id}-max`, t("console.rule_max"), max)),
        h("div", { class: "field" }, h("label", {}, active, " ", t("console.rule_active"))),
        change.element,
        h("details", { ontoggle: async (e) => {
          if (!e.target.open || history.dataset.loaded) return;
          history.dataset.loaded = "1";
          await act(history, async () => {
            const { versions } = await call(`/admin/categories/${c.id}/history`);
            show(history, h("ol", {}, versions.map((v) => h("li", {},
              `${t("console.rule_version", { v: v.version })}: ${t("console.rule_now", { coins: coins(v.coins_per_block), per: v.units_per_block, unit: unitName(c.unit), max: v.max_units })}`,
              v.time ? ` · ${dateTime(v.time)}` : "", " ", txLinkOf(v.tx_hash)))));
          });
        } }, h("summary", {}, t("console.rule_history")), history));
    }));
}

export async function cityScreen({ main, applied = null }) {
  const loaded = await loadFor(main, t("console.city"), () => Promise.all([api("/token"), api("/directory"), api("/centres")]));
  if (!loaded) return;
  const [token, directory, centres] = loaded;
  const again = (op) => cityScreen({ main, applied: op });
  const rate = h("input", { type: "number", min: "1", value: String(token.won_per_coin) });
  const rateChange = changeBox(() => ({ path: "/admin/won-per-coin", method: "PUT", body: { won_per_coin: Number(rate.value) } }), again);
  const pause = changeBox(() => ({ path: "/admin/pause", method: "POST" }), again);
  const resume = changeBox(() => ({ path: "/admin/unpause", method: "POST" }), again);
  const member = (kind, list) => {
    const address = h("input", { type: "text", class: "mono", autocomplete: "off" });
    const add = changeBox(() => (isAddress(address.value) ? { path: `/admin/${kind}`, method: "POST", body: { address: address.value.trim() } } : null), again);
    return h("section", { class: "card" }, h("h2", {}, t(`console.${kind}`)),
      h("ul", {}, list.map((m) => h("li", {}, `${localName(m, m.address)} `, h("span", { class: "mono hint" }, m.address), " ",
        changeBox(() => ({ path: `/admin/${kind}/${m.address}`, method: "DELETE" }), again).element))),
      field(`${kind}-address`, t("console.add_address"), address), add.element);
  };
  show(main, h("h1", {}, t("console.city")), appliedNote(applied),
    h("section", { class: "card" }, h("h2", {}, t("console.rate")),
      field("won-per-coin", t("console.rate_field"), rate, t("console.rate_hint")), rateChange.element),
    h("section", { class: "card" }, h("h2", {}, t("console.pause")), h("p", {}, t("console.pause_hint")),
      h("h3", {}, t("console.pause_do")), pause.element, h("h3", {}, t("console.resume_do")), resume.element),
    member("providers", directory.providers), member("charities", directory.charities),
    h("section", { class: "card" }, h("h2", {}, t("console.centres")),
      centres.map((c) => {
        const cap = h("input", { type: "text", inputmode: "decimal" });
        const days = h("input", { type: "number", min: "1", value: "30" });
        const coordinator = h("input", { type: "text", class: "mono" });
        return h("section", { "data-centre": c.id }, h("h3", {}, localName(directory.centres.find((d) => d.id === c.id) || c, c.key)),
          h("div", { class: "figures" }, field(`cap-${c.id}`, t("console.cap"), cap), field(`days-${c.id}`, t("console.cap_days"), days)),
          changeBox(() => { const wei = parseCoins(cap.value, 18); return wei ? { path: `/admin/centres/${c.id}/cap`, method: "PUT", body: { cap: wei, period_days: Number(days.value) } } : null; }, again).element,
          field(`coordinator-${c.id}`, t("console.add_coordinator"), coordinator),
          changeBox(() => (isAddress(coordinator.value) ? { path: `/admin/centres/${c.id}/coordinators`, method: "POST", body: { address: coordinator.value.trim() } } : null), again).element,
          h("p", {}, h("button", { type: "button", onclick: () => exportCentre(c.id, main) }, t("console.export"))));
      })));
}

async function exportCentre(centreId, main) {
  const box = main.querySelector(`[data-centre='${centreId}']`);
  await act(box, async () => {
    const token = await staff.token();
    await saveAs(await api(`/admin/centres/${centreId}/export.zip`, { token, raw: true }), `centre-${centreId}-export.zip`);
  });
}

/** A temporary password for a staff member who forgot theirs: they must set their own at the next sign-in. */
function resetPassword(u, box, again) {
  const temporary = h("input", { type: "password", autocomplete: "new-password", minlength: "10" });
  return h("details", { class: "inline" }, h("summary", {}, t("console.reset_password")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (await act(box, () => call(`/staff/${u.id}`, { method: "PATCH", body: { password: temporary.value } }))) again();
    } }, field(`reset-${u.id}`, t("console.temporary_password"), temporary, t("console.reset_password_hint")),
    h("button", { type: "submit" }, t("console.save"))));
}

export async function staffScreen({ main }) {
  const list = await loadFor(main, t("console.staff"), () => call("/staff"));
  if (!list) return;
  const again = () => staffScreen({ main });
  const box = h("div", { "aria-live": "polite" });
  const username = h("input", { type: "text", autocomplete: "off" });
  const password = h("input", { type: "password", autocomplete: "new-password" });
  const role = h("select", {}, ["coordinator", "welfare_officer", "provider", "admin"].map((r) => h("option", { value: r }, t(`role.${r}`))));
  const centre = h("input", { type: "number", min: "1" });
  const address = h("input", { type: "text", class: "mono" });
  show(main, h("h1", {}, t("console.staff")),
    scrollRegion(t("console.staff"), h("table", {},
      h("thead", {}, h("tr", {}, ["console.username", "console.role", "console.centre", "console.state", "console.col_actions"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, list.map((u) => h("tr", { "data-staff": u.username },
        h("th", { scope: "row" }, u.username), h("td", {}, t(`role.${u.role}`)), h("td", {}, u.centre_id ?? "—"),
        h("td", {}, u.active ? t("console.active") : t("console.disabled"),
          u.password_change_required ? h("span", { class: "muted" }, " · ", t("console.temporary_password")) : null),
        h("td", {}, h("button", { type: "button", onclick: async () => {
          if (await act(box, () => call(`/staff/${u.id}`, { method: "PATCH", body: { active: !u.active } }))) again();
        } }, u.active ? t("console.disable") : t("console.enable")), " ", resetPassword(u, box, again))))))),
    box,
    h("h2", {}, t("console.new_staff")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      const body = { username: username.value.trim(), password: password.value, role: role.value,
        centre_id: centre.value ? Number(centre.value) : null, address: address.value.trim() || null };
      if (await act(box, () => call("/staff", { method: "POST", body }))) again();
    } }, field("staff-username", t("console.username"), username), field("staff-password", t("console.password"), password, t("console.password_hint")),
    field("staff-role", t("console.role"), role), field("staff-centre", t("console.centre_optional"), centre),
    field("staff-address", t("console.address_optional"), address), h("button", { type: "submit", class: "primary" }, t("console.create"))));
}

export async function auditScreen({ main, params }) {
  const query = params[0] || "";
  const rows = await loadFor(main, t("console.audit"), () => call(`/admin/audit?${query}`));
  if (!rows) return;
  const actor = h("input", { type: "text" });
  const action = h("input", { type: "text" });
  show(main, h("h1", {}, t("console.audit")),
    h("form", { onsubmit: (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      if (actor.value.trim()) q.set("actor", actor.value.trim());
      if (action.value.trim()) q.set("action", action.value.trim());
      location.hash = `#/audit/${encodeURIComponent(q.toString())}`;
    } }, h("div", { class: "figures" }, field("audit-actor", t("console.actor"), actor), field("audit-action", t("console.action"), action)),
    h("button", { type: "submit" }, t("console.filter"))),
    scrollRegion(t("console.audit"), h("table", { id: "audit" },
      h("thead", {}, h("tr", {}, ["console.when", "console.actor", "console.action", "console.what"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, dateTime(r.at || r.created_at)), h("td", {}, r.actor), h("td", {}, r.action),
        h("td", { class: "mono" }, JSON.stringify(r.after || r.params || r.details || {}).slice(0, 200))))))));
}
