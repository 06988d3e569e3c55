// Finding a resident of my centre by name, phone or member number; registering one with their consent; linking
// or changing their wallet. Every change is kept in the resident's change log.
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { dateTime } from "../shared/format.js";
import { isAddress } from "../shared/wallet.js";
import { act, call, explain, loadFor } from "./common.js";
import { coins } from "../shared/format.js";
import { newIdempotencyKey } from "../shared/api.js";
import { saveAs } from "../shared/operations.js";

const TERMS_VERSION = "2026-03";
const PORTAL_ID = /^[A-Za-z0-9][A-Za-z0-9_.\-]{2,39}$/; // as the API checks it

function residentCard(r, again) {
  const box = h("div", { "aria-live": "polite" });
  const address = h("input", { type: "text", class: "mono", value: r.address || "", autocomplete: "off" });
  const reason = h("input", { type: "text", maxlength: "200" });
  return h("li", { class: "card", "data-resident": r.id },
    h("h3", {}, `${r.name || t("console.no_name")} · ${r.member_number}`),
    h("dl", { class: "pairs" },
      h("dt", {}, t("console.phone")), h("dd", {}, r.phone || "—"),
      h("dt", {}, t("console.wallet")), h("dd", { class: "mono" }, r.address || t("console.no_wallet"))),
    h("p", {}, h("a", { href: `#/record/${r.id}` }, t("console.record_for"))),
    certificateForm(r, box),
    statementForm(r, box),
    portalLinkForm(r),
    custodySection(r, again),
    guardiansSection(r),
    h("details", {}, h("summary", {}, t("console.change_wallet")),
      h("form", { onsubmit: async (e) => {
        e.preventDefault();
        if (!isAddress(address.value)) { show(box, status(t("pay.payee_invalid"), "error")); return; }
        if (await act(box, () => call(`/residents/${r.id}`, { method: "PATCH", body: { address: address.value.trim(), reason: reason.value.trim() || null } }))) again();
      } }, field(`wallet-${r.id}`, t("console.wallet"), address), field(`reason-${r.id}`, t("console.reason"), reason),
      h("button", { type: "submit" }, t("console.save")))),
    forgetForm(r, box, again),
    box);
}

const CUSTODY_TERMS_VERSION = "custody-2026-03";

function pinInputs(id) {
  const attrs = { type: "password", inputmode: "numeric", autocomplete: "off", maxlength: "6", pattern: "[0-9]*" };
  const pin = h("input", attrs);
  const again = h("input", attrs);
  return { pin, again, fields: [field(`${id}-pin`, t("console.custody.pin"), pin, t("console.custody.pin_hint")),
    field(`${id}-pin-again`, t("console.custody.pin_again"), again)] };
}

/**
 * The account the centre holds for a resident without a wallet (docs/access.md): opened with their consent and the PIN
 * they type; then the card printed, blocked when lost, replaced, and the PIN set anew with them in person. Read when
 * the section is opened (the list does not say who has one).
 */
function custodySection(r, again) {
  const body = h("div");
  const section = h("details", { class: "custody" }, h("summary", {}, t("console.custody.title")), body);
  section.addEventListener("toggle", async () => {
    if (!section.open) return;
    show(body, status(t("loading")));
    let account = null;
    try {
      account = await call(`/residents/${r.id}/custody`);
    } catch (error) {
      if (error.code !== "not_custodial") { show(body, status(explain(error), "error")); return; }
    }
    const box = h("div", { "aria-live": "polite" });
    const redraw = () => section.dispatchEvent(new Event("toggle"));
    if (!account) {
      if (r.address) { show(body, h("p", {}, t("console.custody.has_wallet"))); return; }
      const { pin, again: pin2, fields } = pinInputs(`custody-${r.id}`);
      const consent = h("input", { type: "checkbox" });
      show(body, h("p", {}, t("console.custody.intro")),
        h("form", { onsubmit: async (e) => {
          e.preventDefault();
          if (!consent.checked) { show(box, status(t("console.consent_missing"), "error")); return; }
          if (pin.value !== pin2.value) { show(box, status(t("console.custody.pin_mismatch"), "error")); return; }
          if (await act(box, () => call(`/residents/${r.id}/custody`, { method: "POST",
            body: { pin: pin.value, consent_terms_version: CUSTODY_TERMS_VERSION } }))) again();
        } }, fields,
        h("div", { class: "field" }, h("label", {}, consent, " ", t("console.custody.consent", { version: CUSTODY_TERMS_VERSION }))),
        h("button", { type: "submit", class: "primary" }, t("console.custody.open"))), box);
      return;
    }
    const move = account.move;
    if (move && ["confirmed", "paying", "done", "failed"].includes(move.state)) {
      show(body, moveBlock(r, move, box, redraw), box);
      return;
    }
    const card = account.card;
    const state = !card ? t("console.custody.no_card") : card.status === "blocked" ? t("console.custody.card_blocked", { serial: card.serial })
      : card.locked ? t("console.custody.card_locked", { serial: card.serial }) : t("console.custody.card_active", { serial: card.serial });
    const { pin, again: pin2, fields } = pinInputs(`reset-${r.id}`);
    const reason = h("input", { type: "text", maxlength: "200" });
    show(body,
      move ? moveBlock(r, move, box, redraw) : null,
      h("dl", { class: "pairs" },
        h("dt", {}, t("console.custody.card")), h("dd", { "data-card-state": card ? (card.locked ? "locked" : card.status) : "none" }, state),
        h("dt", {}, t("console.custody.today")), h("dd", {}, t("console.custody.spent", { spent: coins(account.spent_today), limit: coins(account.daily_limit) }))),
      card && card.status === "active" ? h("button", { type: "button", onclick: () => act(box, async () =>
        saveAs(await call(`/residents/${r.id}/card.pdf`, { raw: true }), `card-${r.member_number}-${card.serial}.pdf`)) }, t("console.custody.print")) : null,
      h("details", {}, h("summary", {}, t("console.custody.reset")), h("p", {}, t("console.custody.reset_intro")),
        h("form", { onsubmit: async (e) => {
          e.preventDefault();
          if (pin.value !== pin2.value) { show(box, status(t("console.custody.pin_mismatch"), "error")); return; }
          if (await act(box, () => call(`/residents/${r.id}/pin`, { method: "POST", body: { pin: pin.value } }))) {
            redraw();
          }
        } }, fields, h("button", { type: "submit" }, t("console.custody.reset_submit")))),
      card && card.status === "active" ? h("details", {}, h("summary", {}, t("console.custody.block")),
        h("form", { onsubmit: async (e) => {
          e.preventDefault();
          if (await act(box, () => call(`/residents/${r.id}/card/block`, { method: "POST", body: { reason: reason.value.trim() || null } }))) redraw();
        } }, field(`block-reason-${r.id}`, t("console.reason"), reason), h("button", { type: "submit", class: "danger" }, t("console.custody.block_submit")))) : null,
      h("button", { type: "button", onclick: async () => {
        if (await act(box, () => call(`/residents/${r.id}/card`, { method: "POST", idempotencyKey: newIdempotencyKey() }))) redraw();
      } }, t("console.custody.new_card")),
      box);
  });
  return section;
}

const GUARDIAN_TERMS_VERSION = "guardian-2026-03";
const RELATIONS = ["family", "social_worker", "other"];

/**
 * 보호자·대리인 (docs/access.md): the member's guardians — a family member or social worker who acts for a member whose
 * account the centre holds, with their own wallet — listed, registered with the member's consent, revoked at once.
 * The API refuses one for a member without such an account, in words. Read when the section is opened.
 */
function guardiansSection(r) {
  const body = h("div");
  const section = h("details", { class: "guardians", "data-guardians": r.id }, h("summary", {}, t("console.guardians.title")), body);
  const draw = async () => {
    if (!section.open) return;
    show(body, status(t("loading")));
    let list;
    try {
      list = await call(`/residents/${r.id}/guardians`);
    } catch (error) {
      show(body, status(explain(error), "error"));
      return;
    }
    const box = h("div", { "aria-live": "polite" });
    const address = h("input", { type: "text", class: "mono", autocomplete: "off" });
    const name = h("input", { type: "text", maxlength: "100", autocomplete: "off" });
    const relation = h("select", {}, RELATIONS.map((k) => h("option", { value: k }, t(`guardian.relation.${k}`))));
    const consent = h("input", { type: "checkbox" });
    show(body, h("p", {}, t("console.guardians.intro")),
      list.length ? h("ul", { class: "guardian-list" }, list.map((g) => h("li", { "data-guardian": g.id, "data-active": String(g.active) },
        h("strong", {}, g.name), " ", h("span", { class: "mono" }, g.address), " — ",
        g.active ? t("console.guardians.active", { relation: t(`guardian.relation.${g.relation}`), since: dateTime(g.created_at) })
          : t("console.guardians.revoked", { relation: t(`guardian.relation.${g.relation}`), at: dateTime(g.revoked_at), by: g.revoked_by }),
        g.active ? h("button", { type: "button", class: "danger", onclick: async () => {
          if (await act(box, () => call(`/residents/${r.id}/guardians/${g.id}/revoke`, { method: "POST", body: {}, idempotencyKey: newIdempotencyKey() }))) draw();
        } }, t("console.guardians.revoke", { name: g.name })) : null)))
        : h("p", { class: "muted" }, t("console.guardians.none")),
      h("form", { onsubmit: async (e) => {
        e.preventDefault();
        if (!isAddress(address.value.trim())) { show(box, status(t("pay.payee_invalid"), "error")); return; }
        if (!consent.checked) { show(box, status(t("console.consent_missing"), "error")); return; }
        if (await act(box, () => call(`/residents/${r.id}/guardians`, { method: "POST", idempotencyKey: newIdempotencyKey(),
          body: { address: address.value.trim(), name: name.value.trim(), relation: relation.value, consent_terms_version: GUARDIAN_TERMS_VERSION } }))) draw();
      } }, field(`guardian-address-${r.id}`, t("console.guardians.address"), address),
      field(`guardian-name-${r.id}`, t("console.guardians.name"), name),
      field(`guardian-relation-${r.id}`, t("console.guardians.relation"), relation),
      h("div", { class: "field" }, h("label", {}, consent, " ", t("console.guardians.consent", { version: GUARDIAN_TERMS_VERSION }))),
      h("button", { type: "submit", class: "primary" }, t("console.guardians.register"))), box);
  };
  section.addEventListener("toggle", draw);
  return section;
}

/**
 * The resident's request to move to their own wallet (docs/access.md): confirmed or declined with them in person;
 * then where the move is (moving, done, failed with a retry).
 */
function moveBlock(r, move, box, redraw) {
  const said = (key, params) => h("p", { "data-move-state": move.state }, t(key, params));
  if (move.state === "declined") return said("console.custody.move.declined", { reason: move.reason || "—" });
  if (move.state !== "requested") {
    return h("section", { class: "custody-move", "aria-label": t("console.custody.move.title") },
      h("h4", {}, t("console.custody.move.title")),
      move.state === "done" ? said("console.custody.move.done")
        : move.state === "failed" ? said("console.custody.move.failed", { reason: move.reason || "—" })
          : said("console.custody.move.state", { state: t(`move.state.${move.state}`) }),
      h("dl", { class: "pairs" },
        h("dt", {}, t("console.custody.move.wallet")), h("dd", { class: "mono" }, move.new_address),
        h("dt", {}, t("move.moved")), h("dd", {}, t("coins.amount", { amount: coins(move.moved) }))),
      move.state === "failed" ? h("button", { type: "button", class: "primary", onclick: async () => {
        if (await act(box, () => call(`/residents/${r.id}/custody/move/retry`, { method: "POST", idempotencyKey: newIdempotencyKey() }))) redraw();
      } }, t("console.custody.move.retry")) : null);
  }
  const reason = h("input", { type: "text", maxlength: "300" });
  return h("section", { class: "custody-move", "aria-label": t("console.custody.move.title") },
    h("h4", {}, t("console.custody.move.title")),
    h("p", {}, t("console.custody.move.intro")),
    h("dl", { class: "pairs" },
      h("dt", {}, t("console.custody.move.wallet")), h("dd", { class: "mono", "data-new-wallet": move.new_address }, move.new_address),
      h("dt", {}, t("console.custody.move.asked")), h("dd", {}, dateTime(move.requested_at))),
    h("button", { type: "button", class: "primary", onclick: async () => {
      if (await act(box, () => call(`/residents/${r.id}/custody/move/confirm`, { method: "POST", body: { new_address: move.new_address }, idempotencyKey: newIdempotencyKey() }))) redraw();
    } }, t("console.custody.move.confirm")),
    h("details", {}, h("summary", {}, t("console.custody.move.decline")),
      h("form", { onsubmit: async (e) => {
        e.preventDefault();
        if (!reason.value.trim()) { show(box, status(t("console.custody.move.reason_missing"), "error")); return; }
        if (await act(box, () => call(`/residents/${r.id}/custody/move/decline`, { method: "POST", body: { reason: reason.value.trim() } }))) redraw();
      } }, field(`move-reason-${r.id}`, t("console.custody.move.reason"), reason),
      h("button", { type: "submit", class: "danger" }, t("console.custody.move.decline")))));
}

/** 봉사활동 확인서 of a period as a PDF: the activities recorded at my centre (the resident gets all of theirs in the app). */
function certificateForm(r, box) {
  const today = new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);
  const start = h("input", { type: "date", value: `${today.slice(0, 4)}-01-01`, required: true });
  const end = h("input", { type: "date", value: today, required: true });
  return h("details", { class: "certificate" }, h("summary", {}, t("console.certificate")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      const query = `from=${encodeURIComponent(start.value)}&to=${encodeURIComponent(end.value)}`;
      await act(box, async () => saveAs(await call(`/residents/${r.id}/certificate.pdf?${query}`, { raw: true }),
        `certificate-${r.member_number}-${start.value}-${end.value}.pdf`));
    } }, field(`certificate-from-${r.id}`, t("certificate.from"), start),
    field(`certificate-to-${r.id}`, t("certificate.to"), end),
    h("p", { class: "hint" }, t("console.certificate_hint")),
    h("button", { type: "submit" }, t("certificate.download"))));
}

/** The monthly statement letter (PDF) for a resident who does not use a phone: a month's coins in and out in words. */
function statementForm(r, box) {
  const month = h("input", { type: "month", value: new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 7), required: true });
  return h("details", { class: "statement" }, h("summary", {}, t("console.statement")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      await act(box, async () => saveAs(await call(`/residents/${r.id}/statement.pdf?month=${encodeURIComponent(month.value)}`, { raw: true }),
        `statement-${r.member_number}-${month.value}.pdf`));
    } }, field(`statement-month-${r.id}`, t("console.statement_month"), month),
    h("p", { class: "hint" }, t("console.statement_hint")),
    h("button", { type: "submit" }, t("console.statement_download"))));
}

/** The resident's 1365 id and their consent to send their hours to 1365, given in person; or its withdrawal. Read
 * when opened (one request per resident the coordinator looks at, not per search result). */
function portalLinkForm(r) {
  const body = h("div", { "aria-live": "polite" });
  const draw = (link, note = null) => {
    const portalId = h("input", { type: "text", maxlength: "40", autocomplete: "off", value: link.portal_id || "" });
    const consent = h("input", { type: "checkbox" });
    const box = h("div", { "aria-live": "polite" });
    show(body, note ? status(note, "ok") : null,
      h("p", { "data-consented": String(link.consented) }, link.consented
        ? t("portal.linked", { id: link.portal_id, by: link.consent_by, at: dateTime(link.consent_at) }) : t("portal.not_linked")),
      link.consented ? h("button", { type: "button", class: "danger", onclick: async () => {
        let after = null;
        if (await act(box, async () => { after = await call(`/residents/${r.id}/portal-link`, { method: "DELETE" }); })) draw(after, t("portal.withdrawn"));
      } }, t("portal.withdraw")) : null,
      h("form", { onsubmit: async (e) => {
        e.preventDefault();
        if (!PORTAL_ID.test(portalId.value.trim())) { show(box, status(t("portal.portal_id_invalid"), "error")); return; }
        if (!consent.checked) { show(box, status(t("portal.consent_missing"), "error")); return; }
        let after = null;
        if (await act(box, async () => { after = await call(`/residents/${r.id}/portal-link`, { method: "PUT", body: { portal_id: portalId.value.trim(), consent: true } }); })) draw(after);
      } }, field(`portal-id-${r.id}`, t("portal.portal_id"), portalId, t("portal.portal_id_hint")),
      h("div", { class: "field" }, h("label", {}, consent, " ", t("portal.consent_in_person"))),
      h("button", { type: "submit" }, t("portal.agree"))),
      box);
  };
  return h("details", { class: "portal-link", ontoggle: async (e) => {
    if (!e.target.open || body.dataset.loaded) return;
    body.dataset.loaded = "1";
    let link = null;
    if (await act(body, async () => { link = await call(`/residents/${r.id}/portal-link`); })) draw(link);
  } }, h("summary", {}, t("portal.link_title")), h("p", { class: "hint" }, t("portal.link_intro")), body);
}

/** The resident's request to be forgotten: typed-out confirmation, a reason that does not name them. */
function forgetForm(r, box, again) {
  const reason = h("input", { type: "text", maxlength: "300" });
  const sure = h("input", { type: "checkbox" });
  return h("details", {}, h("summary", {}, t("console.forget")),
    h("p", {}, t("console.forget_intro")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (!sure.checked || !reason.value.trim()) { show(box, status(t("console.forget_confirm_missing"), "error")); return; }
      const done = await act(box, () => call(`/residents/${r.id}/forget`, { method: "POST", body: { reason: reason.value.trim() },
        idempotencyKey: newIdempotencyKey() }));
      if (done) {
        again();
      }
    } }, field(`forget-reason-${r.id}`, t("console.forget_reason"), reason, t("console.forget_reason_hint")),
    h("div", { class: "field" }, h("label", {}, sure, " ", t("console.forget_sure"))),
    h("button", { type: "submit", class: "danger" }, t("console.forget_submit"))));
}

export async function residentsScreen({ main, params }) {
  const q = params[0] || "";
  const found = await loadFor(main, t("console.residents"), () => call(`/residents?q=${encodeURIComponent(q)}&limit=50`));
  if (!found) return;
  const again = () => residentsScreen({ main, params });
  const search = h("input", { type: "search", value: q, autocomplete: "off" });
  const box = h("div", { "aria-live": "polite" });
  const name = h("input", { type: "text", autocomplete: "off" });
  const phone = h("input", { type: "tel", autocomplete: "off" });
  const wallet = h("input", { type: "text", class: "mono", autocomplete: "off" });
  const consent = h("input", { type: "checkbox" });
  show(main,
    h("h1", {}, t("console.residents")),
    h("form", { role: "search", onsubmit: (e) => { e.preventDefault(); location.hash = `#/residents/${encodeURIComponent(search.value.trim())}`; } },
      field("resident-search", t("console.search"), search, t("console.search_hint")),
      h("button", { type: "submit", class: "primary" }, t("console.find"))),
    q ? h("p", { class: "muted" }, t("console.found", { n: found.length })) : null,
    found.length ? h("ul", { class: "cards", role: "list" }, found.map((r) => residentCard(r, again))) : null,
    h("h2", {}, t("console.register")),
    h("form", { onsubmit: async (e) => {
      e.preventDefault();
      if (!consent.checked) { show(box, status(t("console.consent_missing"), "error")); return; }
      if (wallet.value.trim() && !isAddress(wallet.value)) { show(box, status(t("pay.payee_invalid"), "error")); return; }
      const body = { name: name.value.trim() || null, phone: phone.value.trim() || null, address: wallet.value.trim() || null,
        consent_terms_version: TERMS_VERSION };
      let created = null;
      if (await act(box, async () => { created = await call("/residents", { method: "POST", body }); })) {
        location.hash = `#/residents/${encodeURIComponent(created.member_number)}`;
      }
    } },
    field("new-name", t("console.name"), name), field("new-phone", t("console.phone"), phone),
    field("new-wallet", t("console.wallet_optional"), wallet, t("console.wallet_hint")),
    h("div", { class: "field" }, h("label", {}, consent, " ", t("console.consent", { version: TERMS_VERSION }))),
    h("button", { type: "submit", class: "primary" }, t("console.register_submit")), box));
}
