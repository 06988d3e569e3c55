"""A wallet in the browser for the journeys: an EIP-1193 provider injected into the page (announced through
EIP-6963, and as window.ethereum), whose every request crosses a Playwright binding to this Python object, which
signs with a real key (eth-account). The page's wallet code therefore runs exactly as it would with MetaMask:
eth_requestAccounts, eth_chainId, wallet_switchEthereumChain (4902 for an unknown chain), wallet_addEthereumChain,
personal_sign, eth_signTypedData_v4, wallet_watchAsset — and 4001 when the test makes the person decline."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

RDNS = "org.volunteerbank.testwallet"
ICON = ("data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHZpZXdCb3g9IjAgMCAzMiAzMiI+"
        "PHJlY3Qgd2lkdGg9IjMyIiBoZWlnaHQ9IjMyIiByeD0iNiIgZmlsbD0iIzMzNyIvPjwvc3ZnPg==")

PROVIDER_JS = """
(() => {
  const listeners = {};
  const emit = (event, arg) => (listeners[event] || []).slice().forEach((f) => f(arg));
  const provider = {
    request: async ({ method, params }) => {
      const answer = await window.__vbWallet(method, params === undefined ? null : params);
      for (const [event, arg] of answer.emit || []) emit(event, arg);
      if (answer.error) {
        const error = new Error(answer.error.message);
        error.code = answer.error.code;
        throw error;
      }
      return answer.result;
    },
    on(event, f) { (listeners[event] = listeners[event] || []).push(f); return provider; },
    removeListener(event, f) { listeners[event] = (listeners[event] || []).filter((g) => g !== f); return provider; },
  };
  const info = Object.freeze({ uuid: crypto.randomUUID(), name: "Test Wallet", icon: "%ICON%", rdns: "%RDNS%" });
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider",
    { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
  window.ethereum = provider;
})();
""".replace("%ICON%", ICON).replace("%RDNS%", RDNS)


@dataclass
class BrowserWallet:
    """One person's wallet: a key, the chains it knows and the one it is on, and a record of what it was asked."""

    account: object
    chain_id: int = 1  # wallets start on mainnet: the page must ask to switch
    known_chains: set = field(default_factory=lambda: {1})
    calls: list = field(default_factory=list)
    decline: set = field(default_factory=set)  # methods the person declines (once each)
    added_chains: list = field(default_factory=list)
    watched: list = field(default_factory=list)

    @classmethod
    def create(cls, **kwargs) -> BrowserWallet:
        return cls(Account.create(), **kwargs)

    @property
    def address(self) -> str:
        return self.account.address

    def install(self, context_or_page) -> None:
        """Before the first navigation: the binding, then the provider script on every page."""
        context_or_page.expose_binding("__vbWallet", lambda _source, method, params: self.handle(method, params))
        context_or_page.add_init_script(PROVIDER_JS)

    def handle(self, method: str, params) -> dict:
        self.calls.append((method, params))
        if method in self.decline:
            self.decline.discard(method)
            return {"error": {"code": 4001, "message": "User rejected the request."}}
        try:
            return self._answer(method, params or [])
        except _WalletError as e:
            return {"error": {"code": e.code, "message": str(e)}}

    def _answer(self, method: str, params) -> dict:
        if method in ("eth_requestAccounts", "eth_accounts"):
            return {"result": [self.address.lower()]}  # as MetaMask answers: lower case
        if method == "eth_chainId":
            return {"result": hex(self.chain_id)}
        if method == "wallet_switchEthereumChain":
            wanted = int(params[0]["chainId"], 16)
            if wanted not in self.known_chains:
                raise _WalletError(4902, f"Unrecognized chain ID {params[0]['chainId']}")
            self.chain_id = wanted
            return {"result": None, "emit": [["chainChanged", hex(wanted)]]}
        if method == "wallet_addEthereumChain":
            spec = params[0]
            if not spec.get("rpcUrls"):
                raise _WalletError(-32602, "rpcUrls is required")
            self.added_chains.append(spec)
            self.known_chains.add(int(spec["chainId"], 16))
            self.chain_id = int(spec["chainId"], 16)  # MetaMask offers to switch right after adding
            return {"result": None, "emit": [["chainChanged", spec["chainId"]]]}
        if method == "personal_sign":
            message, address = params
            if address.lower() != self.address.lower():
                raise _WalletError(4100, "unknown account")
            signed = self.account.sign_message(encode_defunct(primitive=bytes.fromhex(message.removeprefix("0x"))))
            return {"result": "0x" + bytes(signed.signature).hex()}
        if method == "eth_signTypedData_v4":
            address, data = params
            if address.lower() != self.address.lower():
                raise _WalletError(4100, "unknown account")
            typed = json.loads(data)
            if int(typed["domain"]["chainId"]) != self.chain_id:  # as MetaMask: the domain's chain must be the current
                raise _WalletError(-32603, "chainId does not match the active chain")
            signed = self.account.sign_message(encode_typed_data(full_message=typed))
            return {"result": "0x" + bytes(signed.signature).hex()}
        if method == "wallet_watchAsset":
            self.watched.append(params)
            return {"result": True}
        raise _WalletError(4200, f"{method} is not supported")

    def methods(self) -> list[str]:
        return [m for m, _ in self.calls]


class _WalletError(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
