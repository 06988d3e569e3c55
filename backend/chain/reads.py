"""Raw eth_call reads of the views the resident and provider endpoints check on every request. A web3.py contract
call costs ~10 ms of Python formatting; the same call through eth_abi and make_request about a tenth of that, and a
relayed request needs five of them."""

from __future__ import annotations

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from backend.chain.client import ChainClient


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


_OFFER = _selector("offer(uint256)")
_NONCES = _selector("nonces(address)")
_BALANCE = _selector("balanceOf(address)")
_AVAILABLE = _selector("availableOf(address)")
_PAUSED = _selector("paused()")
SMART_WALLET_GAS = 100_000  # the gas a wallet's isValidSignature may use (domain.relay reserves as much)
_HAS_ROLE = _selector("hasRole(bytes32,address)")
# Redemption's role ids are constants (keccak256 of their names): no need to ask the node for them.
PROVIDER_ROLE = keccak(text="PROVIDER_ROLE")
CHARITY_ROLE = keccak(text="CHARITY_ROLE")


def call(chain: ChainClient, to: str, data: bytes, block: str = "latest", gas: int | None = None) -> bytes:
    """eth_call through the client's raw JSON-RPC helper (a node error is a ValueError); `gas` bounds code that is
    not ours."""
    tx = {"to": to, "data": "0x" + data.hex(), **({"gas": hex(gas)} if gas else {})}
    return bytes.fromhex(chain.rpc("eth_call", [tx, block]).removeprefix("0x"))


def offer(chain: ChainClient, offer_id: int) -> tuple[str, int, int, int, bool]:
    """(provider, price, capacity, sold, active) of an offer; the zero address as provider if there is none."""
    raw = call(chain, chain.redemption.address, _OFFER + encode(["uint256"], [offer_id]))
    provider, price, capacity, sold, active = decode(["address", "uint96", "uint32", "uint32", "bool"], raw)
    return to_checksum_address(provider), price, capacity, sold, active


def relay_nonce(chain: ChainClient, address: str) -> int:
    return decode(["uint256"], call(chain, chain.redemption.address, _NONCES + encode(["address"], [address])))[0]


def balance(chain: ChainClient, address: str) -> int:
    return decode(["uint256"], call(chain, chain.coin.address, _BALANCE + encode(["address"], [address])))[0]


def available(chain: ChainClient, address: str) -> int:
    """Coins the address can move now: its balance less those minted for activity that can still be revoked."""
    return decode(["uint256"], call(chain, chain.coin.address, _AVAILABLE + encode(["address"], [address])))[0]


def chain_time(chain: ChainClient) -> int:
    """The newest block's timestamp: what the contracts compare deadlines with."""
    return int(chain.rpc("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


def paused(chain: ChainClient) -> bool:
    return decode(["bool"], call(chain, chain.coin.address, _PAUSED))[0]


def has_role(chain: ChainClient, role: bytes, address: str) -> bool:
    """Redemption's hasRole(role, address)."""
    return decode(["bool"], call(chain, chain.redemption.address, _HAS_ROLE + encode(["bytes32", "address"], [role, address])))[0]


ERC1271_MAGIC = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)'s selector: "valid"
_IS_VALID_SIGNATURE = _selector("isValidSignature(bytes32,bytes)")


def has_code(chain: ChainClient, account: str) -> bool:
    """Is `account` a contract (a smart-contract wallet, for a resident)?"""
    return chain.rpc("eth_getCode", [account, "latest"]) not in ("0x", "0x0", None)


def is_valid_signature(chain: ChainClient, account: str, digest: bytes, signature: bytes) -> bool:
    """EIP-1271: does the smart-contract wallet at `account` accept `signature` over `digest`? False for an account
    without code, and for a wallet that reverts or answers anything but the magic value (as OpenZeppelin's
    SignatureChecker counts them)."""
    if not has_code(chain, account):
        return False
    try:
        # The wallet's code is anyone's: asked with the gas a relay reserves for it, so an unauthenticated sign-in
        # cannot make the node run to its call limit, and a check that passes here fits the relayed transaction.
        answer = call(chain, account, _IS_VALID_SIGNATURE + encode(["bytes32", "bytes"], [digest, signature]),
                      gas=SMART_WALLET_GAS)
    except Exception:
        return False
    return len(answer) >= 4 and answer[:4] == ERC1271_MAGIC
