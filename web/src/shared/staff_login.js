// Staff sign in with the account the city gave them: providers at the voucher desk, coordinators, welfare officers
// and the city's administrators in the console. `roles` are the roles this app serves; `texts` its words.
import { api, ApiRefusal } from "./api.js";
import { field, h, show, status } from "./dom.js";
import { t } from "./i18n.js";
import * as staff from "./staff_session.js";

export function loginScreen({ main }, onSignedIn, note, { roles = ["provider"], title = "desk.login.title",
  intro = "desk.login.intro", wrongRole = "desk.login.not_provider" } = {}) {
  const username = h("input", { type: "text", autocomplete: "username", autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { type: "password", autocomplete: "current-password" });
  const box = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary block" }, t("desk.login.submit"));
  show(main,
    h("h1", {}, t(title)),
    h("p", {}, t(intro)),
    note ? status(note, "warn") : null,
    h("form", {
      onsubmit: async (event) => {
        event.preventDefault();
        if (!username.value || !password.value) {
          show(box, status(t("desk.login.missing"), "error"));
          return;
        }
        submit.disabled = true;
        try {
          const s = await staff.signIn(username.value.trim(), password.value);
          if (!roles.includes(s.role)) {
            await staff.signOut();
            show(box, status(t(wrongRole), "error"));
            submit.disabled = false;
            return;
          }
          if (s.password_change_required) {
            ownPasswordScreen({ main }, s, password.value, onSignedIn);
            return;
          }
          onSignedIn();
        } catch (error) {
          show(box, status(error instanceof ApiRefusal ? error.message : t("error.unexpected"), "error"));
          submit.disabled = false;
        }
      },
    }, field("desk-username", t("desk.login.username"), username), field("desk-password", t("desk.login.password"), password), submit),
    box);
}

/** After someone else set this account's password (a reset), its owner sets their own before anything else; the
 * temporary one they just typed proves it is them. Then they are signed in again with the new one. */
function ownPasswordScreen({ main }, session, temporary, onSignedIn) {
  const fresh = h("input", { type: "password", autocomplete: "new-password", minlength: "10" });
  const again = h("input", { type: "password", autocomplete: "new-password", minlength: "10" });
  const box = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary block" }, t("staff.own_password.submit"));
  show(main,
    h("h1", {}, t("staff.own_password.title")),
    h("p", {}, t("staff.own_password.intro")),
    h("form", {
      onsubmit: async (event) => {
        event.preventDefault();
        if (fresh.value.length < 10) { show(box, status(t("staff.own_password.short"), "error")); return; }
        if (fresh.value !== again.value) { show(box, status(t("staff.own_password.differ"), "error")); return; }
        submit.disabled = true;
        try {
          await api("/auth/password", { method: "POST", token: session.token,
            body: { current_password: temporary, new_password: fresh.value } });
          await staff.signIn(session.username, fresh.value);
          onSignedIn();
        } catch (error) {
          show(box, status(error instanceof ApiRefusal ? error.message : t("error.unexpected"), "error"));
          submit.disabled = false;
        }
      },
    }, field("own-password", t("staff.own_password.new"), fresh, t("staff.own_password.hint")),
    field("own-password-again", t("staff.own_password.again"), again), submit),
    box);
}
