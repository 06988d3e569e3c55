// Form errors the GOV.UK / KRDS way: a summary at the top linking to each field, and the message under the field.
import { h, show } from "../shared/dom.js";
import { t } from "../shared/i18n.js";

export function showErrors(summaryBox, errors) {
  for (const el of document.querySelectorAll(".field-error")) el.remove();
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  if (!errors.length) {
    show(summaryBox);
    return false;
  }
  for (const [id, message] of errors) {
    const input = document.getElementById(id);
    if (!input) continue;
    input.setAttribute("aria-invalid", "true");
    const note = h("p", { class: "field-error", id: `${id}-error` }, message);
    // The error joins the hint the field may already have.
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== `${id}-error`);
    input.setAttribute("aria-describedby", [...described, `${id}-error`].join(" "));
    input.insertAdjacentElement("afterend", note);
  }
  show(summaryBox, h("div", { class: "status status-error", role: "alert", tabindex: "-1" },
    h("h2", {}, t("form.problem")),
    h("ul", {}, errors.map(([id, message]) => h("li", {}, h("a", { href: `#${id}`, onclick: (e) => { e.preventDefault(); document.getElementById(id)?.focus(); } }, message))))));
  summaryBox.firstChild.focus();
  return true;
}
