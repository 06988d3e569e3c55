// Signing in: choose a wallet (EIP-6963 lists every installed one), put it on the bank's network, and sign the
// standard EIP-4361 message. Three numbered steps, each said in words.
import { api } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { connect, discoverWallets, ensureChain, personalSign, siweMessage } from "../shared/wallet.js";
import { explain, token } from "./requests.js";
import * as session from "./session.js";

// EIP-4361's statement is ASCII; the page says the same in Korean before the wallet shows it.
const STATEMENT = "Sign in to the Volunteer Bank. This is not a transaction and costs nothing.";

export async function connectScreen({ main }, onSignedIn) {
  const box = h("div", { "aria-live": "polite" });
  const list = h("div", { class: "wallets" });
  const ended = sessionStorage.getItem("vb.session.ended");
  sessionStorage.removeItem("vb.session.ended");
  show(main,
    h("h1", {}, t("connect.title")),
    ended ? status(t("connect.session_ended"), "warn") : null,
    h("p", {}, t("connect.intro")),
    h("ol", { class: "steps" },
      h("li", {}, t("connect.step1")), h("li", {}, t("connect.step2")), h("li", {}, t("connect.step3"))),
    h("h2", {}, t("connect.choose")),
    list, box,
    h("details", {}, h("summary", {}, t("connect.no_wallet.title")), h("p", {}, t("connect.no_wallet.body"))));
  const wallets = await discoverWallets();
  if (!wallets.length) {
    show(list, status(t("connect.none"), "warn"));
    return;
  }
  show(list, wallets.map((w) => h("button", {
    type: "button", class: wallets.length === 1 ? "primary block" : "block",
    onclick: () => signIn(w, box, onSignedIn),
  }, w.info.icon ? h("img", { src: w.info.icon, alt: "" }) : null,
  w.info.name ? t("connect.with", { wallet: w.info.name }) : t("connect.with_browser"))));
}

async function signIn(wallet, box, onSignedIn) {
  for (const button of document.querySelectorAll(".wallets button")) button.disabled = true;
  try {
    show(box, status(t("connect.state.account")));
    const address = await connect(wallet.provider);
    show(box, status(t("connect.state.network")));
    const how = await ensureChain(wallet.provider, await token());
    show(box, status(how === "already" ? t("connect.state.sign") : t("connect.state.switched")));
    const nonce = await api("/siwe/nonce");
    if (nonce.domain !== location.host) {
      // The wallet would warn of a deceptive site and the server would refuse: say which address to open instead.
      throw Object.assign(new Error("domain"), { key: "connect.wrong_address", params: { address: nonce.uri } });
    }
    const message = siweMessage(address, nonce, STATEMENT, nonce.issued_at ? new Date(nonce.issued_at) : new Date());
    show(box, status(t("connect.state.sign")), h("p", { class: "hint" }, t("connect.sign_hint")));
    const signature = await personalSign(wallet.provider, address, message);
    const answer = await api("/siwe/verify", { method: "POST", body: { message, signature } });
    session.useProvider(wallet.provider);
    session.save(answer, wallet.info.rdns);
    onSignedIn();
  } catch (error) {
    show(box, status(error.key === "connect.wrong_address" ? t(error.key, error.params) : explain(error), "error"));
    for (const button of document.querySelectorAll(".wallets button")) button.disabled = false;
  }
}
