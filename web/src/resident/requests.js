// A request the resident signs in the wallet and the backend relays (paying the fee): prepare the EIP-712 data,
// ask the wallet, send it, then follow it to the chain with each state in words (sent → being recorded → done, or
// failed and why).
import { api, ApiRefusal, newIdempotencyKey } from "../shared/api.js";
import { h, show, status } from "../shared/dom.js";
import { t } from "../shared/i18n.js";
import { ensureChain, signTypedData, WalletError } from "../shared/wallet.js";
import * as session from "./session.js";

let tokenInfo = null;
export async function token() {
  tokenInfo = tokenInfo || (await api("/token"));
  return tokenInfo;
}

/**
 * Shows the screen's title and "loading" while `work` runs, and resolves to its result; on a refusal the screen says
 * it in words and this resolves to null (the screen then stops).
 */
export async function loadFor(main, title, work) {
  show(main, h("h1", {}, title), status(t("loading")));
  try {
    return await work();
  } catch (error) {
    show(main, h("h1", {}, title), status(explain(error), "error"));
    return null;
  }
}

/** A refusal or wallet error as a sentence for the person (never a raw error). */
export function explain(error) {
  if (error instanceof ApiRefusal) return error.message;
  if (error instanceof WalletError) return t(error.key);
  return t("error.unexpected");
}

const SUBMIT = { redeem: "/me/redeem", donate: "/me/donate", pay: "/me/pay" };
const PRIMARY = { redeem: "Redeem", donate: "Donate", pay: "PayForService" };

/** What the wallet is asked to sign must be what the person confirmed, for this bank's contract and chain. */
function checkTypedData(prepared, kind, expected, info, address) {
  const data = prepared.typed_data;
  const ok = data?.primaryType === PRIMARY[kind]
    && Number(data.domain?.chainId) === Number(info.chain_id)
    && String(data.domain?.verifyingContract).toLowerCase() === String(info.redemption).toLowerCase()
    && Object.values(data.message || {}).some((v) => String(v).toLowerCase() === address.toLowerCase())
    && Object.entries(expected).every(([k, v]) => v === undefined || String(data.message?.[k]).toLowerCase() === String(v).toLowerCase());
  if (!ok) throw new WalletError("wallet.mismatch");
}

/**
 * Signs and sends a request of `kind` ("redeem", "donate", "pay"). `prepare`: the body of POST /me/prepare;
 * `expected`: the message fields the person confirmed (checked in the typed data before the wallet is asked);
 * `submit(prepared, signature)`: the body of the request to send. Renders progress into `box`; resolves to the
 * confirmed operation, to null if nothing was sent (safe to try again), or to "unknown" when the request may be on
 * its way (then the page must not offer to sign again: the history will say).
 */
export async function signAndSend(box, kind, prepare, expected, submit) {
  const s = session.current();
  const steps = [
    ["sign", t("req.step.sign")], ["sent", t("req.step.sent")], ["mined", t("req.step.mined")], ["done", t("req.step.done")],
  ];
  const list = h("ol", { class: "steps", "aria-label": t("req.steps") }, steps.map(([id, label]) => h("li", { "data-step": id }, label)));
  const note = h("div", { "aria-live": "polite" });
  show(box, list, note);
  const mark = (upTo, state = "now") => {
    let reached = true;
    for (const li of list.children) {
      const id = li.dataset.step;
      li.dataset.state = id === upTo ? state : reached ? "done" : "todo";
      if (id === upTo) reached = false;
      // The state in words too, not by colour alone.
      li.querySelector(".visually-hidden")?.remove();
      li.append(h("span", { class: "visually-hidden" }, ` (${t(`req.state_word.${li.dataset.state}`)})`));
      if (li.dataset.state === "now") li.setAttribute("aria-current", "step");
      else li.removeAttribute("aria-current");
    }
  };
  const fail = (message) => {
    show(note, status(message, "error"));
    return null;
  };

  let prepared;
  let signature;
  mark("sign");
  show(note, status(t("req.check_wallet")));
  try {
    const provider = await session.wallet();
    const info = await token();
    await ensureChain(provider, info);
    prepared = await api("/me/prepare", { method: "POST", body: { kind, ...prepare }, token: s.token });
    checkTypedData(prepared, kind, expected, info, s.address);
    signature = await signTypedData(provider, s.address, prepared.typed_data);
  } catch (error) {
    mark("sign", "failed");
    return fail(explain(error));
  }
  // One key for this signed request: sent again after a lost answer, the server applies it once.
  const send = { path: SUBMIT[kind], body: submit(prepared, signature), key: newIdempotencyKey() };
  const op = await deliver(send, s.token, mark, note);
  if (op === null || op === "unknown") return op;
  return follow(op, mark, note, s.token);
}

/** POSTs the signed request; a lost answer is retried with the same body and key (never signed again). */
async function deliver(send, sessionToken, mark, note) {
  for (let attempt = 0; ; attempt++) {
    mark("sent");
    try {
      return await api(send.path, { method: "POST", token: sessionToken, idempotencyKey: send.key, body: send.body });
    } catch (error) {
      if (!(error instanceof ApiRefusal) || error.status !== 0) {
        mark("sent", "failed");
        show(note, status(explain(error), "error"));
        return null; // refused: nothing was sent
      }
      if (attempt < 2) {
        await new Promise((resolve) => setTimeout(resolve, 1500 * (attempt + 1)));
        continue;
      }
      // Still no answer: it may have arrived. Offer to send the very same request again, not a new one.
      return new Promise((resolve) => {
        const again = h("button", { type: "button", onclick: async () => {
          again.disabled = true;
          resolve(await deliver(send, sessionToken, mark, note));
        } }, t("req.send_again"));
        show(note, status(t("req.no_answer"), "warn"), again);
      });
    }
  }
}

async function follow(op, mark, note, sessionToken) {
  const started = Date.now();
  for (;;) {
    if (op.state === "queued") {
      mark("sent");
      show(note, status(t("req.state.queued")));
    } else if (op.state === "in_tx") {
      mark("mined");
      show(note, status(t("req.state.in_tx")));
    } else if (op.state === "confirmed") {
      mark("done", "done");
      show(note, status(t("req.state.confirmed"), "ok"), txLink(op.tx_hash));
      return op;
    } else {
      mark(op.tx_hash ? "mined" : "sent", "failed");
      show(note, status(t("req.state.failed", { why: failureReason(op) }), "error"), op.tx_hash ? txLink(op.tx_hash) : null);
      return null;
    }
    if (Date.now() - started > 10 * 60 * 1000) {
      show(note, status(t("req.state.slow"), "warn"));
      return "unknown";
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      op = await api(`/me/operations/${op.id}`, { token: sessionToken });
    } catch {
      // a lost poll: try again (the request itself is safe on the server)
    }
  }
}

function failureReason(op) {
  // The server's note is English for operators: the resident gets one of these sentences.
  const error = String(op.error || "");
  if (/nonce .* was used by another transaction/.test(error)) return t("req.why.nonce_used");
  if (/reverted/.test(error)) return t("req.why.reverted");
  if (/earlier request .* failed/.test(error)) return t("req.why.earlier_failed");
  return t("req.why.unknown");
}

/** A link to the transaction: the network's block explorer if the city named one, else this bank's own page. */
export function txLink(hash) {
  if (!hash) return null;
  const explorer = tokenInfo?.network?.explorer_url;
  const href = explorer ? `${explorer.replace(/\/$/, "")}/tx/${hash}` : `/dashboard/#/tx/${hash}`;
  return h("p", {}, h("a", { href, rel: explorer ? "noopener" : null }, t("req.tx_link")),
    h("span", { class: "visually-hidden" }, ` ${hash}`));
}
