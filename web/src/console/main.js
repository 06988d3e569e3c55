// The staff console (/console/): coordinators find and register residents, record activity and whole attendance
// sheets, and work through the approval queue; welfare officers work through their area's reports. Signed in for a
// working day (the session renews itself); each role sees its own tabs.
import "../shared/base.css";
import { t } from "../shared/i18n.js";
import { frame, loadBranding, startRouter } from "../shared/layout.js";
import { loginScreen } from "../shared/staff_login.js";
import * as staff from "../shared/staff_session.js";
import { auditScreen, cityScreen, rulesScreen, staffScreen } from "./admin.js";
import { kiosksScreen } from "./kiosks.js";
import { portalHoursScreen, portalProgrammesScreen } from "./portal.js";
import { queueScreen } from "./queue.js";
import { recordScreen } from "./record.js";
import { reportsScreen } from "./reports.js";
import { residentsScreen } from "./residents.js";
import { sheetsScreen } from "./sheets.js";

const BY_ROLE = {
  coordinator: { residents: residentsScreen, record: recordScreen, sheets: sheetsScreen, queue: queueScreen, portal: portalHoursScreen, kiosks: kiosksScreen },
  welfare_officer: { reports: reportsScreen },
  admin: { rules: rulesScreen, city: cityScreen, staff: staffScreen, audit: auditScreen, queue: queueScreen, portal: portalProgrammesScreen, kiosks: kiosksScreen },
};
const FIRST = { coordinator: "residents", welfare_officer: "reports", admin: "rules" };

function tabs() {
  const s = staff.current();
  if (!s) return [];
  return Object.keys(BY_ROLE[s.role] || {}).map((route) => ({ route, label: t(`console.tab.${route}`) }));
}

const routes = new Proxy({}, {
  get(_, name) {
    const s = staff.current();
    if (!s) {
      return (ctx) => {
        const expired = sessionStorage.getItem("vb.staff.expired");
        sessionStorage.removeItem("vb.staff.expired");
        return loginScreen(ctx, () => { location.hash = `#/${FIRST[staff.current()?.role] || ""}`; router.go(); },
          expired ? t("desk.login.expired") : null,
          { roles: Object.keys(BY_ROLE), title: "console.login.title", intro: "console.login.intro", wrongRole: "console.login.wrong_role" });
      };
    }
    const screens = BY_ROLE[s.role] || {};
    return screens[name] || screens[FIRST[s.role]];
  },
});

const router = startRouter(routes, "residents", () => frame("console", tabs(), () => router.go()));
window.addEventListener("vb:session-ended", () => {
  sessionStorage.setItem("vb.staff.expired", "1");
  router.go();
});
await loadBranding();
router.go();
