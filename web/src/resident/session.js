// The resident's session: the token from Sign-In with Ethereum, kept on this device until it expires (so a reload
// keeps the resident signed in), and the wallet it was made with (found again by its EIP-6963 rdns after a reload).
import { discoverWallets, request, checksumAddress, WalletError } from "../shared/wallet.js";

const KEY = "vb.session";
let provider = null;

export function current() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "null");
    if (saved && saved.expires_at > Date.now() + 5000) return saved;
  } catch {
    // a damaged entry: sign in again
  }
  localStorage.removeItem(KEY);
  return null;
}

export function save(answer, walletRdns) {
  const saved = { token: answer.access_token, address: answer.address, rdns: walletRdns,
    expires_at: Date.now() + answer.expires_in * 1000 };
  localStorage.setItem(KEY, JSON.stringify(saved));
  return saved;
}

export function signOut() {
  localStorage.removeItem(KEY);
  provider = null;
}

export function useProvider(p) {
  provider = p;
  // A different account chosen in the wallet ends this session: its token names the old address.
  p.on?.("accountsChanged", (accounts) => {
    const s = current();
    if (s && (!accounts.length || checksumAddress(accounts[0]) !== s.address)) {
      signOut();
      location.hash = "#/home";
      location.reload();
    }
  });
}

/** The wallet of this session, found again after a reload without asking the person anything. */
export async function wallet() {
  const s = current();
  if (provider) return provider;
  const wallets = await discoverWallets();
  const match = wallets.find((w) => w.info.rdns === s?.rdns) || (wallets.length === 1 ? wallets[0] : null);
  if (!match) throw new WalletError("wallet.not_found");
  const accounts = await request(match.provider, "eth_accounts");
  if (s && !accounts.map((a) => a.toLowerCase()).includes(s.address.toLowerCase())) {
    throw new WalletError("wallet.other_account");
  }
  useProvider(match.provider);
  return provider;
}
