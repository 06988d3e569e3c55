"""The resident's whole path with a real wallet key against the running app: sign in with SIWE, earn through an
attestation, redeem, donate and pay another resident — all relayed, the resident never holding ETH."""

from __future__ import annotations

from conftest import COIN, activity_body
from residents_helpers import new_wallet, sign_in, sign_request

from backend.chain.keys import dev_key


def earn(backend, coord, address: str, units: int = 120, unlock: bool = True) -> None:
    """Coins for volunteer activity, recorded and approved by the coordinator; by default the test then lets them
    unlock (they move only once the activity can no longer be revoked)."""
    r = backend.http.post("/activities", json=activity_body(address, approve=True, units=units), headers=coord)
    assert r.status_code == 201, r.text
    backend.drain()
    if unlock:
        backend.unlock()


def create_offer_on_chain(backend, price: int, capacity: int, provider_index: int = 3) -> int:
    """An offer published straight on-chain by the provider's own account (the provider API is tested elsewhere)."""
    web3, redemption = backend.node.web3, backend.chain.redemption
    provider = web3.eth.accounts[provider_index]
    tx = redemption.functions.createOffer(price, capacity).transact({"from": provider})
    web3.eth.wait_for_transaction_receipt(tx)
    return redemption.functions.offerCount().call()


def test_token_information_for_wallets(backend):
    r = backend.http.get("/token")
    assert r.status_code == 200
    t = r.json()
    assert t["chain_id"] == backend.chain.chain_id and t["address"] == backend.chain.coin.address
    assert t["symbol"] == "VSC" and t["decimals"] == 18
    assert t["wallet_watchAsset"] == {"type": "ERC20", "options": {"address": t["address"], "symbol": "VSC", "decimals": 18}}


def test_the_whole_resident_path_without_eth(backend, coord1):
    web3 = backend.node.web3
    alice, bob = new_wallet(), new_wallet()
    me = sign_in(backend, alice)
    r = backend.http.get("/me", headers=me)
    assert r.status_code == 200 and r.json()["balance"] == "0" and r.json()["centre_id"] is None

    earn(backend, coord1, alice.address)  # 2 hours of volunteering: 6 coins
    earn(backend, coord1, bob.address, units=60)
    info = backend.http.get("/me", headers=me).json()
    assert info["balance"] == str(6 * COIN) and info["centre_id"] == 1 and info["next_nonce"] == 0
    history = backend.http.get("/me/history", headers=me).json()["entries"]
    assert [(e["kind"], e["category_name"], e["amount"]) for e in history] == [("earned", "volunteering", str(6 * COIN))]
    assert history[0]["time"] and history[0]["centre_id"] == 1  # the block's time
    # Names in English and Korean from the deployment's configuration, the unit from the category.
    assert {k: history[0][k] for k in ("centre_name", "centre_name_ko", "unit", "units", "category_name_ko")} == {
        "centre_name": "Seocho Volunteer Centre", "centre_name_ko": "서초구 자원봉사센터", "unit": "minute",
        "units": 120, "category_name_ko": "자원봉사"}

    offer_id = create_offer_on_chain(backend, 2 * COIN, 10)
    backend.drain()  # the catalogue is the indexer's
    catalogue = backend.http.get("/offers").json()
    assert any(o["offer_id"] == offer_id and o["price"] == str(2 * COIN) and o["remaining"] == 10 for o in catalogue)

    # Redeem, with the typed data the backend prepares (what a wallet's eth_signTypedData_v4 gets).
    prepared = backend.http.post("/me/prepare", json={"kind": "redeem", "offer_id": offer_id}, headers=me).json()
    assert prepared["nonce"] == 0 and prepared["typed_data"]["primaryType"] == "Redeem"
    body = sign_request(backend, alice, "redeem", nonce=0, deadline=prepared["deadline"], offer_id=offer_id,
                        max_price=2 * COIN)
    r = backend.http.post("/me/redeem", json=body, headers=me)
    assert r.status_code == 202, r.text
    op = r.json()
    assert op["state"] == "queued" and op["kind"] == "redeem"

    # Donate and pay, signed with the next nonces while the redemption is still in flight.
    charity = dev_key(5).address
    r = backend.http.post("/me/donate", json=sign_request(backend, alice, "donate", nonce=1, charity=charity,
                                                          amount=COIN), headers=me)
    assert r.status_code == 202, r.text
    ref = "0x" + "ab" * 32
    r = backend.http.post("/me/pay", json=sign_request(backend, alice, "pay", nonce=2, payee=bob.address,
                                                       amount=COIN, request_ref=ref), headers=me)
    assert r.status_code == 202, r.text
    assert backend.http.get("/me", headers=me).json()["available"] == str(2 * COIN)  # 6 − 2 − 1 − 1 held

    backend.drain()
    ops = {o["kind"]: o for o in backend.http.get("/me/operations", headers=me).json()}
    assert {k: o["state"] for k, o in ops.items()} == {"redeem": "confirmed", "donate": "confirmed", "pay": "confirmed"}
    voucher = int(ops["redeem"]["result"]["VoucherIssued"]["voucherId"])
    assert voucher >> 32 == offer_id
    assert tuple(backend.chain.redemption.functions.voucherStatus(voucher).call()) == (True, web3.eth.accounts[3], False)

    coin = backend.chain.coin.functions
    assert coin.balanceOf(alice.address).call() == 2 * COIN
    assert coin.balanceOf(bob.address).call() == 4 * COIN
    assert web3.eth.get_balance(alice.address) == 0 and web3.eth.get_balance(bob.address) == 0  # never held ETH
    assert backend.chain.redemption.functions.nonces(alice.address).call() == 3

    entries = backend.http.get("/me/history", headers=me).json()["entries"]
    assert [e["kind"] for e in entries] == ["earned", "redeemed", "donated", "paid"]
    redeemed, donated = entries[1], entries[2]
    assert (redeemed["provider_name"], redeemed["provider_name_ko"]) == ("Welfare Centre Gym", "복지관 체력단련실")
    assert redeemed["offer_id"] == offer_id and redeemed["offer_title"] is None  # published straight on-chain: no title
    assert (donated["charity_name"], donated["charity_name_ko"]) == ("Neighbour Love Food Bank", "이웃사랑 푸드뱅크")
    bob_history = backend.http.get("/me/history", headers=sign_in(backend, bob)).json()["entries"]
    assert [e["kind"] for e in bob_history] == ["earned", "received_payment"]
    assert bob_history[1]["counterparty"] == alice.address and bob_history[1]["request_ref"] == ref


def test_sessions_are_separate_from_staff(backend, coord1):
    alice = new_wallet()
    me = sign_in(backend, alice)
    assert backend.http.get("/activities", headers=me).status_code == 403
    assert backend.http.post("/auth/api-keys", json={"label": "x"}, headers=me).status_code == 403
    r = backend.http.get("/me", headers=coord1)
    assert r.status_code == 403 and r.json()["error"] == "resident_required"
    assert backend.http.get("/me").status_code == 401


def test_prepare_salts_the_memo_so_the_same_memo_gives_two_refs(backend):
    from eth_utils import keccak

    alice = new_wallet()
    me = sign_in(backend, alice)
    body = {"kind": "pay", "payee": dev_key(8).address, "amount": "1", "memo": "garden work, 2 hours"}
    first, second = (backend.http.post("/me/prepare", json=body, headers=me).json() for _ in range(2))
    assert first["request_ref"] != second["request_ref"]
    for answer in (first, second):
        salt = bytes.fromhex(answer["request_ref_salt"][2:])
        assert len(salt) == 16
        assert answer["request_ref"] == "0x" + keccak(salt + body["memo"].encode()).hex()
        assert answer["typed_data"]["message"]["requestRef"] == answer["request_ref"]
    given = "0x" + "ab" * 32  # a reference the client made itself is used as it is, no salt returned
    answer = backend.http.post("/me/prepare", json={**body, "request_ref": given}, headers=me).json()
    assert answer["typed_data"]["message"]["requestRef"] == given and "request_ref_salt" not in answer
