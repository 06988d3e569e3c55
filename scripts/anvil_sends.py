"""Brownie on Anvil: each transaction sent so that it is mined, with its receipt readable, before Brownie looks.

Anvil (1.7.1) answers `eth_sendTransaction` before its automine has run, and while mining it writes the new state
before it publishes the block and its receipts: for a moment `eth_getTransactionCount(sender, "latest")` is past the
transaction's nonce while `eth_getTransactionReceipt` is still null. Brownie's confirmation thread asks exactly that,
in that order, right after sending, and takes the pair as "Tx dropped without known replacement" — a deployment that
worked reported as failed (docs/toolchain.md). Anvil's `eth_send(Raw)TransactionSync` answers only once the block and
its receipt are published; this middleware sends with it and hands Brownie the hash it expects.

Used by every Brownie process that sends: the deploy and admin commands (scripts/session.py), the contract suite
(tests/contracts/conftest.py) and the gas benchmark. Other nodes are left alone (Ganache's instamine already answers
only after the block is saved; a hosted node is not Anvil).
"""

from __future__ import annotations

from web3.middleware import Web3Middleware

MIDDLEWARE_NAME = "sends_return_once_mined"


class SendsReturnOnceMined(Web3Middleware):
    SYNC = {"eth_sendTransaction": "eth_sendTransactionSync", "eth_sendRawTransaction": "eth_sendRawTransactionSync"}

    def wrap_make_request(self, make_request):
        def send_and_wait(method, params):
            if method not in self.SYNC:
                return make_request(method, params)
            response = make_request(self.SYNC[method], params)
            if response.get("result") is not None:
                response = {**response, "result": response["result"]["transactionHash"]}
            return response

        return send_and_wait


def is_anvil(web3) -> bool:
    try:
        return web3.client_version.lower().startswith("anvil/")
    except Exception:  # some hosted nodes refuse web3_clientVersion; none of them is Anvil
        return False


def send_once_mined_on_anvil(web3) -> bool:
    """Puts the middleware in front of `web3`'s provider if the node is Anvil (once); True if it is there."""
    if not is_anvil(web3):
        return False
    if MIDDLEWARE_NAME not in web3.middleware_onion:
        web3.middleware_onion.inject(SendsReturnOnceMined, name=MIDDLEWARE_NAME, layer=0)
    return True


def stop_sending_once_mined(web3) -> None:
    if MIDDLEWARE_NAME in web3.middleware_onion:
        web3.middleware_onion.remove(MIDDLEWARE_NAME)
