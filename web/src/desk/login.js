// The provider signs in with the staff account the city gave them.
import { ApiRefusal } from "../shared/api.js";
import { field, h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import * as staff from "../shared/staff_session.js";

export function loginScreen({ main }, onSignedIn, note) {
  const username = h("input", { type: "text", autocomplete: "username", autocapitalize: "none", spellcheck: "false" });
  const password = h("input", { type: "password", autocomplete: "current-password" });
  const box = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary block" }, t("desk.login.submit"));
  show(main,
    h("h1", {}, t("desk.login.title")),
    h("p", {}, t("desk.login.intro")),
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
          if (s.role !== "provider") {
            staff.signOut();
            show(box, status(t("desk.login.not_provider"), "error"));
            submit.disabled = false;
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
