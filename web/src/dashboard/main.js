// The public dashboard (/dashboard/): the open figures (no sign-in), how anyone re-checks them against the chain,
// the residents' proposals (read-only) and a page per transaction for cities without a block explorer.
import "../shared/base.css";
import "./dashboard.css";
import { t } from "../shared/i18n.js";
import { frame, loadBranding, startRouter } from "../shared/layout.js";
import { checkScreen } from "./check.js";
import { figuresScreen } from "./figures.js";
import { proposalsScreen } from "./proposals.js";
import { txScreen } from "./tx.js";

const routes = { figures: figuresScreen, check: checkScreen, proposals: proposalsScreen, tx: txScreen };

function tabs() {
  return [
    { route: "figures", label: t("tab.figures") },
    { route: "check", label: t("tab.check") },
    { route: "proposals", label: t("tab.proposals") },
  ];
}

const router = startRouter(routes, "figures", () => frame("dashboard", tabs(), () => router.go()));

await loadBranding();
router.go();
