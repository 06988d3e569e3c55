// A sheet signed with the coordinator's own wallet: the registry then records that coordinator — not the centre's
// key — as the one who attested the event (attestBatchBySig). The wallet is reached through EIP-1193 only; what it
// is asked to sign is checked first against the sheet the coordinator sees (the chain, the registry, the centre).
import { api, newIdempotencyKey } from "../shared/api.js";
import { checksumAddress, connect, discoverWallets, ensureChain, signTypedData, WalletError } from "../shared/wallet.js";
import { call } from "./common.js";

async function wallet() {
  const found = await discoverWallets();
  if (!found.length) throw new WalletError("console.sign.no_wallet");
  const provider = found[0].provider;
  const address = await connect(provider);
  const token = await api("/token");
  await ensureChain(provider, token);
  return { provider, address, token };
}

/** Approves the draft sheet for the coordinator's wallet to sign, then asks the wallet to sign it. */
export async function approveAndSign(sheet) {
  const w = await wallet();
  await call(`/sheets/${sheet.id}/approve`, { method: "POST", body: { sign_with: w.address }, idempotencyKey: newIdempotencyKey() });
  await signWaiting(sheet, w);
}

/** Asks the wallet to sign the sheet's activities that wait for it (again, after a signature went stale). */
export async function signWaiting(sheet, w = null) {
  w = w || (await wallet());
  const wanted = await call(`/sheets/${sheet.id}/signature`);
  if (checksumAddress(wanted.coordinator) !== w.address) throw new WalletError("console.sign.other_account");
  const typed = wanted.typed_data;
  const ok = typed.primaryType === "AttestBatch" && BigInt(typed.domain.chainId) === BigInt(w.token.chain_id)
    && typed.domain.verifyingContract.toLowerCase() === w.token.registry.toLowerCase()
    && Number(typed.message.centreId) === sheet.centre_id;
  if (!ok) throw new WalletError("wallet.mismatch");
  const signature = await signTypedData(w.provider, w.address, typed);
  await call(`/sheets/${sheet.id}/signature`, { method: "POST",
    body: { nonce: Number(typed.message.nonce), deadline: Number(typed.message.deadline), signature } });
}

/** The centre's key sends the waiting activities instead. */
export function release(sheet) {
  return call(`/sheets/${sheet.id}/signature`, { method: "DELETE" });
}
