// The public verification page of a volunteer certificate (/verify/#<data>). The data is in the URL's fragment,
// which the browser never sends to a server: this page decodes it, recomputes each activity's on-chain id from its
// record, and asks POST /verify/attestations only whether those ids are attested and not revoked (yes/no per id,
// nothing about anyone). The certificate is valid only if every activity is. Names of centres and categories come
// from the public /directory. docs/certificates.md.
import "../shared/base.css";
import "./verify.css";
import { api } from "../shared/api.js";
import { field, h, scrollRegion, show, focusHeading } from "../shared/dom.js";
import { lang, localName, t } from "../shared/i18n.js";
import { frame, loadBranding } from "../shared/layout.js";
import { decodeCertificate } from "./certificate.js";

const hoursText = (minutes) => String(Math.round((minutes / 60) * 100) / 100);

function amount(line, category) {
  if (category?.unit === "minute") return t("verify.hours", { hours: hoursText(line.units), minutes: line.units });
  return t("verify.units", { units: line.units, unit: category?.unit || "" });
}

async function directory() {
  try {
    return await api("/directory");
  } catch {
    return { centres: [], categories: [] }; // names are a courtesy: the check does not need them
  }
}

function explain() {
  return [h("h1", {}, t("verify.title")), h("p", { class: "lead" }, t("verify.how")),
    h("p", {}, t("verify.privacy"))];
}

async function render(main) {
  main.setAttribute("aria-busy", "true");
  const fragment = location.hash.replace(/^#/, "");
  if (!fragment) {
    show(main, ...explain());
    main.setAttribute("aria-busy", "false");
    return;
  }
  let cert;
  try {
    cert = decodeCertificate(fragment);
  } catch {
    show(main, h("h1", {}, t("verify.title")),
      h("p", { class: "verdict verdict-bad", role: "alert" }, t("verify.unreadable")), h("p", {}, t("verify.how")));
    main.setAttribute("aria-busy", "false");
    return;
  }
  show(main, h("h1", {}, t("verify.title")), h("p", { role: "status", class: "status" }, t("verify.checking")));
  const [answers, dir] = await Promise.all([
    cert.lines.length ? api("/verify/attestations", { method: "POST", body: {
      ids: cert.lines.map((l) => l.id), claims: cert.lines.filter((l) => l.claim).map((l) => l.claim) } }) : [],
    directory(),
  ]);
  const byId = new Map(answers.map((a) => [a.id, a]));
  const centres = new Map((dir.centres || []).map((c) => [c.id, c]));
  const categories = new Map((dir.categories || []).map((c) => [c.id, c]));
  let minutes = 0;
  let verified = 0;
  const seen = new Set();
  const rows = cert.lines.map((line) => {
    const answer = byId.get(line.id);
    // Attested and not revoked, within the certificate's period, and listed once (a line copied to double the hours
    // has the same id, and a real activity of another period is still not one of this period's).
    const repeated = seen.has(line.id);
    seen.add(line.id);
    const outside = line.date < cert.from || line.date > cert.to;
    const matches = line.kind === 0 || answer?.matches === true; // a compact line: the chain's log says the same
    const ok = Boolean(answer?.attested && !answer.revoked) && matches && !repeated && !outside;
    const category = categories.get(line.category);
    if (ok) {
      verified += 1;
      if (category?.unit === "minute") minutes += line.units;
    }
    const why = ok ? t("verify.line_ok") : repeated ? t("verify.line_repeated") : outside ? t("verify.line_outside")
      : answer?.revoked ? t("verify.line_revoked") : t("verify.line_unknown");
    // The check first: on a phone it is what a reader must see without scrolling sideways.
    return h("tr", { class: ok ? "ok" : "bad" },
      h("td", {}, h("span", { class: ok ? "mark mark-ok" : "mark mark-bad" }, ok ? "✓ " : "✗ ", why)),
      h("td", { class: "nowrap" }, line.date),
      h("td", { class: "num" }, amount(line, category)),
      h("td", {}, localName(category, `#${line.category}`)),
      h("td", {}, localName(centres.get(line.centreId), `#${line.centreId}`)));
  });
  const valid = cert.lines.length > 0 && verified === cert.lines.length;
  const table = h("table", { class: "lines" },
    h("caption", {}, t("verify.table", { count: cert.lines.length })),
    h("thead", {}, h("tr", {}, ["verify.col.check", "verify.col.date", "verify.col.amount", "verify.col.category",
      "verify.col.centre"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, rows));
  show(main,
    h("h1", {}, t("verify.title")),
    h("p", { class: `verdict ${valid ? "verdict-ok" : "verdict-bad"}`, role: "status", "data-valid": String(valid) },
      valid ? t("verify.valid") : t("verify.invalid")),
    h("p", { class: "lead" }, valid ? t("verify.valid_said") : cert.lines.length ? t("verify.invalid_said",
      { bad: cert.lines.length - verified, count: cert.lines.length }) : t("verify.empty")),
    h("dl", { class: "facts" },
      h("dt", {}, t("verify.code")), h("dd", { class: "code" }, cert.code),
      h("dt", {}, t("verify.period")), h("dd", {}, h("span", { class: "nowrap" }, cert.from), " ~ ",
        h("span", { class: "nowrap" }, cert.to)),
      h("dt", {}, t("verify.wallet")), h("dd", { class: "address" }, cert.volunteer),
      h("dt", {}, t("verify.total")), h("dd", { class: "total" }, t("verify.total_hours", { hours: hoursText(minutes) }))),
    h("p", { class: "hint" }, t("verify.code_hint")),
    codeCheck(cert.code),
    scrollRegion(t("verify.table", { count: cert.lines.length }), table),
    h("p", { class: "hint" }, t("verify.total_hint")),
    h("p", {}, t("verify.privacy")));
  main.setAttribute("aria-busy", "false");
}

/** Crockford base32 as a person types it: case, spaces and dashes ignored, O read as 0, I and L as 1. */
const normalise = (text) => text.toUpperCase().replace(/[^0-9A-Z]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");

/** The code printed on the paper, typed in: the same as the code of the data scanned, or not. */
function codeCheck(code) {
  const input = h("input", { type: "text", autocomplete: "off", autocapitalize: "characters", spellcheck: "false",
    maxlength: "20", class: "code-input" });
  const out = h("div", { "aria-live": "polite" });
  return h("form", { class: "code-check", onsubmit: (e) => {
    e.preventDefault();
    const same = normalise(input.value) === normalise(code);
    show(out, h("p", { class: `status ${same ? "status-ok" : "status-error"}`, "data-same": String(same) },
      same ? t("verify.code_same") : t("verify.code_differs")));
  } }, field("paper-code", t("verify.code_typed"), input, t("verify.code_typed_hint")),
  h("button", { type: "submit" }, t("verify.code_compare")), out);
}

function draw() {
  const { main } = frame("verify", [], draw);
  render(main).then(() => focusHeading(main)).catch((error) => {
    const message = error?.name === "ApiRefusal" ? error.message : t("error.unexpected");
    if (error?.name !== "ApiRefusal") console.warn(error);
    show(main, h("h1", {}, t("verify.title")), h("p", { role: "alert", class: "status status-error" }, message));
    main.setAttribute("aria-busy", "false");
  });
}
window.addEventListener("hashchange", draw);
document.documentElement.lang = lang();
await loadBranding();
draw();
