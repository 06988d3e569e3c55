// A change the city makes on the chain, in two steps: "미리 보기" asks the backend for a dry run (what would change,
// the transaction's function and its gas; or why the chain would refuse it), then "적용" sends it and follows the
// transaction until it is mined.
import { newIdempotencyKey } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { untilMined } from "../shared/operations.js";
import * as staff from "../shared/staff_session.js";
import { act, call, txLinkOf } from "./common.js";

/** A box with the preview and apply buttons for `request()` → {path, method, body}; `done()` after it is mined. */
export function changeBox(request, done) {
  const box = h("div", { class: "change", "aria-live": "polite" });
  const preview = h("button", { type: "button" }, t("console.preview"));
  const apply = h("button", { type: "button", class: "primary", hidden: true }, t("console.apply"));
  let planned = null;
  preview.addEventListener("click", async () => {
    const r = request();
    if (!r) return;
    apply.hidden = true;
    await act(box, async () => {
      const sep = r.path.includes("?") ? "&" : "?";
      const answer = await call(`${r.path}${sep}dry_run=true`, { method: r.method, body: r.body });
      planned = r;
      if (answer.ok) {
        show(box, h("div", { class: "status status-ok", "data-dry-run": "ok" },
          h("p", {}, answer.effects || t("console.would_change")),
          h("p", { class: "hint mono" }, `${answer.contract}.${answer.function} · ${t("console.gas", { gas: answer.gas ?? "?" })}`)));
        apply.hidden = false;
      } else {
        show(box, h("div", { class: "status status-error", "data-dry-run": "refused" }, answer.problem?.message || t("console.would_fail")));
      }
    });
  });
  apply.addEventListener("click", async () => {
    if (!planned) return;
    apply.disabled = true;
    await act(box, async () => {
      const queued = await call(planned.path, { method: planned.method, body: planned.body, idempotencyKey: newIdempotencyKey() });
      show(box, status(t("console.sent")));
      const op = await untilMined(queued, await staff.token());
      if (op.state === "confirmed") {
        show(box, h("div", { class: "status status-ok", "data-applied": "confirmed" }, t("console.applied"), " ", txLinkOf(op.tx_hash)));
        done?.(op); // the screen is drawn again with the chain's new state, saying what was applied
      } else show(box, h("div", { class: "status status-error", "data-applied": "failed" }, t("console.apply_failed")));
    });
    apply.disabled = false;
    apply.hidden = true;
    planned = null;
  });
  return { element: h("div", {}, h("div", { class: "actions" }, preview, apply), box) };
}
