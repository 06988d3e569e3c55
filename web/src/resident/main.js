// The resident app (/app/): sign in with any EVM wallet, see my coins, spend them at providers, donate, pay a
// neighbour, show a voucher. Installable (manifest + service worker).
import "../shared/base.css";
import { api } from "../shared/api.js";
import { t } from "../shared/i18n.js";
import { frame, loadBranding, startRouter } from "../shared/layout.js";
import { certificateScreen } from "./certificate.js";
import { communityScreen } from "./community.js";
import { connectScreen } from "./connect.js";
import { donateScreen } from "./donate.js";
import { fittingScreen } from "./fitting.js";
import { guardianScreen } from "./guardian.js";
import { historyScreen } from "./history.js";
import { homeScreen } from "./home.js";
import { matchesScreen } from "./matches.js";
import { moveScreen } from "./move.js";
import { needScreen } from "./need.js";
import { needsScreen } from "./needs.js";
import { offersScreen, redeemScreen } from "./offers.js";
import { payScreen } from "./pay.js";
import { programmesScreen } from "./programmes.js";
import { proposalScreen, proposalsScreen } from "./proposals.js";
import { receiveScreen } from "./receive.js";
import { reportScreen } from "./report.js";
import * as session from "./session.js";
import { talentsScreen } from "./talents.js";
import { voucherScreen, vouchersScreen } from "./vouchers.js";

const signedIn = {
  home: homeScreen, offers: offersScreen, redeem: redeemScreen, vouchers: vouchersScreen, voucher: voucherScreen,
  donate: donateScreen, pay: payScreen, receive: receiveScreen, history: historyScreen,
  community: communityScreen, talents: talentsScreen, needs: needsScreen, need: needScreen, fitting: fittingScreen, matches: matchesScreen,
  proposals: proposalsScreen, proposal: proposalScreen, report: reportScreen, certificate: certificateScreen, programmes: programmesScreen,
  guardian: guardianScreen,
  move: moveScreen,
};

// The 대신하기 tab is for a wallet that acts for a member as their guardian: most residents never need it, and a
// tab fewer keeps the bar short on a phone. Asked once per signed-in address (the screen itself stays reachable).
let guardianOf = { address: null, members: 0 };

async function askGuardianship(s) {
  guardianOf = { address: s.address, members: 0 };
  try {
    const members = await api("/guardian/members", { token: s.token });
    if (guardianOf.address === s.address && members.length) {
      guardianOf.members = members.length;
      router.go();
    }
  } catch {
    // no tab; the screen says why if opened
  }
}

function tabs() {
  const s = session.current();
  if (!s) return [];
  if (guardianOf.address !== s.address) askGuardianship(s);
  return [
    { route: "home", label: t("tab.home") }, { route: "offers", label: t("tab.offers") },
    { route: "vouchers", label: t("tab.vouchers") }, { route: "pay", label: t("tab.pay") },
    { route: "donate", label: t("tab.donate") }, { route: "history", label: t("tab.history") },
    { route: "community", label: t("tab.community") },
    ...(guardianOf.members ? [{ route: "guardian", label: t("tab.guardian") }] : []),
  ];
}

const routes = new Proxy({}, {
  get(_, name) {
    if (!session.current()) return (ctx) => connectScreen(ctx, () => router.go()); // then on to where the person was going
    return signedIn[name];
  },
});

const router = startRouter(routes, "home", () => frame("resident", tabs(), () => router.go()));

window.addEventListener("vb:session-ended", () => {
  session.signOut();
  sessionStorage.setItem("vb.session.ended", "1");
  router.go();
});

await loadBranding();
router.go();

if ("serviceWorker" in navigator && location.protocol !== "file:") {
  navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(() => {
    // Installing is a convenience: the app works without it.
  });
}
