// The providers' voucher desk (/desk/): sign in with the staff account, check and use vouchers, take a member card
// (a resident whose account the centre holds), edit offers, and the settlement statement with its CSV.
import "../shared/base.css";
import { t } from "../shared/i18n.js";
import { frame, loadBranding, startRouter } from "../shared/layout.js";
import * as staff from "../shared/staff_session.js";
import { loginScreen } from "../shared/staff_login.js";
import { cardScreen } from "./card.js";
import { offersScreen } from "./offers.js";
import { scanScreen } from "./scan.js";
import { statementScreen } from "./statement.js";

const signedIn = { voucher: scanScreen, card: cardScreen, offers: offersScreen, statement: statementScreen };

function tabs() {
  if (!staff.current()) return [];
  return [{ route: "voucher", label: t("desk.tab.voucher") }, { route: "card", label: t("desk.tab.card") },
    { route: "offers", label: t("desk.tab.offers") },
    { route: "statement", label: t("desk.tab.statement") }];
}

const routes = new Proxy({}, {
  get(_, name) {
    if (!staff.current()) {
      return (ctx) => {
        // Read when the screen is drawn (the router looks a route up more than once per visit).
        const expired = sessionStorage.getItem("vb.staff.expired");
        sessionStorage.removeItem("vb.staff.expired");
        return loginScreen(ctx, () => router.go(), expired ? t("desk.login.expired") : null);
      };
    }
    return signedIn[name];
  },
});

const router = startRouter(routes, "voucher", () => frame("desk", tabs(), () => router.go()));
window.addEventListener("vb:session-ended", () => {
  staff.signOut();
  sessionStorage.setItem("vb.staff.expired", "1");
  router.go();
});
await loadBranding();
router.go();
