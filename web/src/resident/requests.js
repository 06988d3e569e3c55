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

/** A refusal or wallet error as a sentence for the person (never a raw error). */
export function explain(error) {
  if (error instanceof ApiRefusal) return error.message;
  if (error instanceof WalletError) return t(error.key);
  return t("error.unexpected");
}

/**
 * Signs and sends a request. `prepare`: the body of POST /me/prepare; `submit(prepared, signature)`: the body of
 * the request to send. Renders progress into `box`; resolves to the confirmed operation, or null if it did not
 * go through (the reason is shown in `box`).
 */
export async function signAndSend(box, prepare, submit) {
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
      if (id === upTo) {
        li.dataset.state = state;
        reached = false;
      } else li.dataset.state = reached ? "done" : "todo";
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
    await ensureChain(provider, await token());
    prepared = await api("/me/prepare", { method: "POST", body: prepare, token: s.token });
    signature = await signTypedData(provider, s.address, prepared.typed_data);
  } catch (error) {
    mark("sign", "failed");
    return fail(explain(error));
  }
  let op;
  try {
    op = await api(prepared.submit_to, {
      method: "POST", token: s.token, idempotencyKey: newIdempotencyKey(),
      body: submit(prepared, signature),
    });
  } catch (error) {
    mark("sent", "failed");
    return fail(explain(error));
  }
  return follow(op, mark, note, s.token);
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
      return null;
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
  const error = String(op.error || "");
  if (/nonce .* was used by another transaction/.test(error)) return t("req.why.nonce_used");
  if (/reverted/.test(error)) return t("req.why.reverted");
  if (/earlier request .* failed/.test(error)) return t("req.why.earlier_failed");
  return error || t("req.why.unknown");
}

/** A link to the transaction: the network's block explorer if the city named one, else this bank's own page. */
export function txLink(hash) {
  if (!hash) return null;
  const explorer = tokenInfo?.network?.explorer_url;
  const href = explorer ? `${explorer.replace(/\/$/, "")}/tx/${hash}` : `/dashboard/#/tx/${hash}`;
  return h("p", {}, h("a", { href, rel: explorer ? "noopener" : null }, t("req.tx_link")),
    h("span", { class: "visually-hidden" }, ` ${hash}`));
}
