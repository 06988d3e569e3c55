// 봉사활동 확인서: choose a period, see what the certificate will list, download it as a PDF. The PDF's QR code opens
// the public verification page (/verify/), which checks each activity against the chain (docs/certificates.md).
import { ApiRefusal, api } from "../shared/api.js";
import { field, h, scrollRegion, show, status } from "../shared/dom.js";
import { lang, t } from "../shared/i18n.js";
import { saveAs } from "../shared/operations.js";
import * as session from "./session.js";

const kstToday = () => new Date(Date.now() + 9 * 3_600_000).toISOString().slice(0, 10);

export async function certificateScreen({ main }) {
  const s = session.current();
  const today = kstToday();
  const start = h("input", { type: "date", value: `${today.slice(0, 4)}-01-01`, required: true });
  const end = h("input", { type: "date", value: today, required: true });
  const out = h("div", { "aria-live": "polite" });
  const form = h("form", { onsubmit: (e) => { e.preventDefault(); preview(out, s.token, start.value, end.value); } },
    h("div", { class: "figures" }, field("certificate-from", t("certificate.from"), start),
      field("certificate-to", t("certificate.to"), end, t("certificate.to_hint"))),
    h("button", { type: "submit" }, t("certificate.show")));
  show(main, h("h1", {}, t("certificate.title")), h("p", {}, t("certificate.intro")), form, out);
  await preview(out, s.token, start.value, end.value);
}

async function preview(out, token, start, end) {
  const query = `from=${encodeURIComponent(start)}&to=${encodeURIComponent(end)}`;
  show(out, status(t("loading")));
  let cert;
  try {
    cert = await api(`/me/certificate?${query}`, { token });
  } catch (error) {
    show(out, status(error instanceof ApiRefusal ? error.message : t("error.unexpected"), "error"));
    return;
  }
  const download = h("button", {
    type: "button", class: "primary",
    onclick: async () => {
      try {
        await saveAs(await api(`/me/certificate.pdf?${query}`, { token, raw: true }), `certificate-${start}-${end}.pdf`);
      } catch (error) {
        out.append(status(error instanceof ApiRefusal ? error.message : t("error.unexpected"), "error"));
      }
    },
  }, t("certificate.download"));
  const rows = cert.activities.map((a) => h("tr", {},
    h("td", { class: "nowrap" }, a.date), h("td", {}, lang() === "ko" ? a.centre : a.centre_en),
    h("td", {}, lang() === "ko" ? a.category_name : a.category_name_en),
    h("td", { class: "num" }, a.hours !== null ? t("verify.hours", { hours: a.hours, minutes: a.units }) : t("verify.units", { units: a.units, unit: a.unit || "" }))));
  show(out,
    h("h2", {}, t("certificate.preview")),
    cert.activities.length ? scrollRegion(t("certificate.preview"), h("table", { id: "certificate-lines" },
      h("caption", { class: "visually-hidden" }, t("certificate.preview")),
      h("thead", {}, h("tr", {}, ["verify.col.date", "verify.col.centre", "verify.col.category", "verify.col.amount"]
        .map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, rows))) : h("p", {}, t("certificate.empty")),
    h("p", { "data-figure": "total_hours" }, h("strong", {}, t("certificate.total", { hours: cert.total_hours }))),
    cert.left_out ? status(t("certificate.left_out", { n: cert.left_out }), "warn") : null,
    cert.code ? h("p", {}, t("certificate.code"), " ", h("strong", {}, cert.code)) : null,
    h("div", { class: "actions" }, download,
      cert.verification_url ? h("a", { class: "button", href: cert.verification_url, id: "certificate-verify" }, t("certificate.open_verify")) : null),
    h("p", { class: "hint" }, t("certificate.hint")));
}
