// The resident's wallet, through EIP-1193 only (so MetaMask, Rabby, Coinbase Wallet
// or any injected wallet work the same): EIP-6963 discovery, the network switch, Sign-In with Ethereum
// (EIP-4361), EIP-712 requests and EIP-747 "add the coin".
import { keccak_256 } from "@noble/hashes/sha3.js";

/** A wallet's refusal or failure, with a catalogue key saying what happened in a person's words. */
export class WalletError extends Error {
  constructor(key, code, message) {
    super(message || key);
    this.key = key;
    this.code = code;
  }
}

/** Wallets announced through EIP-6963 within `waitMs`, then `window.ethereum` if nothing announced itself. */
export async function discoverWallets(waitMs = 400) {
  const found = new Map();
  const onAnnounce = (event) => {
    const { info, provider } = event.detail || {};
    if (info?.uuid && provider && !found.has(info.uuid)) found.set(info.uuid, { info, provider });
  };
  window.addEventListener("eip6963:announceProvider", onAnnounce);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  window.removeEventListener("eip6963:announceProvider", onAnnounce);
  const wallets = [...found.values()];
  if (!wallets.length && window.ethereum) {
    wallets.push({ info: { uuid: "injected", name: "", rdns: "injected", icon: null }, provider: window.ethereum });
  }
  return wallets;
}

/** provider.request, with the standard error codes turned into WalletErrors. */
export async function request(provider, method, params) {
  try {
    return await provider.request(params === undefined ? { method } : { method, params });
  } catch (error) {
    const code = error?.code ?? error?.data?.originalError?.code;
    if (code === 4001) throw new WalletError("wallet.declined", code, error.message);
    if (code === -32002) throw new WalletError("wallet.pending", code, error.message);
    if (code === 4902) throw new WalletError("wallet.unknown_chain", code, error.message);
    if (code === 4100) throw new WalletError("wallet.unauthorized", code, error.message);
    throw new WalletError("wallet.failed", code, error?.message);
  }
}

/** The EIP-55 checksummed form of an address (EIP-4361 requires it in the message). */
export function checksumAddress(address) {
  const lower = address.toLowerCase().replace(/^0x/, "");
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new WalletError("wallet.bad_address");
  const hash = keccak_256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1] >> (i % 2 ? 0 : 4)) & 0xf;
    out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

export function isAddress(text) {
  return /^0x[0-9a-fA-F]{40}$/.test(String(text).trim());
}

export async function connect(provider) {
  const accounts = await request(provider, "eth_requestAccounts");
  if (!accounts?.length) throw new WalletError("wallet.no_account");
  return checksumAddress(accounts[0]);
}

/**
 * Puts the wallet on the bank's chain (`token` is GET /token's answer): asks to switch; a wallet that does not know
 * the chain is asked to add it (with the public RPC URL the backend names), then to switch.
 * Returns "already", "switched" or "added".
 */
export async function ensureChain(provider, token) {
  const current = await request(provider, "eth_chainId");
  if (current && BigInt(current) === BigInt(token.chain_id)) return "already";
  try {
    await request(provider, "wallet_switchEthereumChain", [{ chainId: token.chain_id_hex }]);
    return "switched";
  } catch (error) {
    if (!(error instanceof WalletError) || error.key !== "wallet.unknown_chain") throw error;
  }
  if (!token.network?.rpc_urls?.length) throw new WalletError("wallet.no_rpc");
  await request(provider, "wallet_addEthereumChain", [{
    chainId: token.chain_id_hex,
    chainName: token.network.name,
    nativeCurrency: token.network.native_currency,
    rpcUrls: token.network.rpc_urls,
    blockExplorerUrls: token.network.explorer_url ? [token.network.explorer_url] : undefined,
  }]);
  const after = await request(provider, "eth_chainId");
  if (BigInt(after) !== BigInt(token.chain_id)) {
    await request(provider, "wallet_switchEthereumChain", [{ chainId: token.chain_id_hex }]);
  }
  return "added";
}

/** The EIP-4361 message for `nonce` (GET /siwe/nonce's answer). The statement says what the person agrees to. */
export function siweMessage(address, nonceInfo, statement, now = new Date()) {
  const issued = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  const expires = new Date(now.getTime() + 8 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return [
    `${nonceInfo.domain} wants you to sign in with your Ethereum account:`,
    address,
    "",
    statement,
    "",
    `URI: ${nonceInfo.uri}`,
    "Version: 1",
    `Chain ID: ${nonceInfo.chain_id}`,
    `Nonce: ${nonceInfo.nonce}`,
    `Issued At: ${issued}`,
    `Expiration Time: ${expires}`,
  ].join("\n");
}

function utf8Hex(text) {
  return "0x" + [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function personalSign(provider, address, message) {
  return request(provider, "personal_sign", [utf8Hex(message), address]);
}

export function signTypedData(provider, address, typedData) {
  return request(provider, "eth_signTypedData_v4", [address, JSON.stringify(typedData)]);
}

/** EIP-747: the wallet shows the coin. True if the wallet added it (or already had it). */
export async function watchAsset(provider, token) {
  return request(provider, "wallet_watchAsset", token.wallet_watchAsset);
}
