// My payment code: a QR another resident scans to pay me (EIP-681 "ethereum:<address>@<chain id>", which other
// wallets read too), and the address written out.
import { h, show } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { qrSvg } from "../shared/qr.js";
import { token } from "./requests.js";
import * as session from "./session.js";

export async function receiveScreen({ main }) {
  const s = session.current();
  const info = await token();
  const svg = await qrSvg(`ethereum:${s.address}@${info.chain_id}`);
  show(main,
    h("h1", {}, t("receive.title")),
    h("p", {}, t("receive.intro")),
    h("div", { class: "qr", role: "img", "aria-label": t("receive.qr_label"), html: svg, "data-address": s.address }),
    h("p", { class: "mono", style: null }, s.address));
}
