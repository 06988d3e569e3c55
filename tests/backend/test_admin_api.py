"""The city's changes through the API: each made on-chain with the admin key and recorded with who asked."""

from __future__ import annotations

from residents_helpers import new_wallet
from test_resident_refusals import ops_count, refused

from backend.domain.activities import COIN


def confirmed(backend, headers, r) -> dict:
    assert r.status_code == 202, r.text
    backend.drain()
    op = backend.http.get(f"/operations/{r.json()['id']}", headers=headers).json()
    assert op["state"] == "confirmed", op
    return op


def test_admin_changes_go_on_chain_and_are_audited(backend, admin_headers):
    registry, redemption = backend.chain.registry.functions, backend.chain.redemption.functions
    charity, coordinator, provider = new_wallet().address, new_wallet().address, new_wallet().address

    confirmed(backend, admin_headers, backend.http.post("/admin/charities", json={"address": charity}, headers=admin_headers))
    assert redemption.hasRole(redemption.CHARITY_ROLE().call(), charity).call()
    confirmed(backend, admin_headers, backend.http.post("/admin/providers", json={"address": provider}, headers=admin_headers))
    assert redemption.hasRole(redemption.PROVIDER_ROLE().call(), provider).call()
    confirmed(backend, admin_headers, backend.http.delete(f"/admin/providers/{provider}", headers=admin_headers))
    assert not redemption.hasRole(redemption.PROVIDER_ROLE().call(), provider).call()
    confirmed(backend, admin_headers, backend.http.post("/admin/centres/2/coordinators", json={"address": coordinator},
                                                        headers=admin_headers))
    assert registry.hasRole(registry.coordinatorRole(2).call(), coordinator).call()
    confirmed(backend, admin_headers, backend.http.put("/admin/centres/2/cap", json={"cap": str(30_000 * COIN), "period_days": 30},
                                                       headers=admin_headers))
    assert registry.centre(2).call()[0] == 30_000 * COIN
    confirmed(backend, admin_headers, backend.http.put("/admin/categories/9", json={
        "coins_per_block": str(2 * COIN), "units_per_block": 1, "max_units": 3}, headers=admin_headers))
    assert tuple(registry.categoryRule(9).call())[:3] == (2 * COIN, 1, 3)

    count = registry.centreCount().call()
    op = confirmed(backend, admin_headers, backend.http.post("/admin/centres", json={
        "key": "jamwon-centre", "name": "Jamwon Centre", "cap": str(1000 * COIN), "period_days": 30}, headers=admin_headers))
    assert int(op["result"]["CentreAdded"]["centreId"]) == count + 1 == registry.centreCount().call()
    assert {"id": count + 1, "key": "jamwon-centre", "name": "Jamwon Centre", "area": None} in backend.http.get("/centres").json()

    confirmed(backend, admin_headers, backend.http.put("/admin/won-per-coin", json={"won_per_coin": 250}, headers=admin_headers))
    assert redemption.wonPerCoin().call() == 250
    confirmed(backend, admin_headers, backend.http.put("/admin/won-per-coin", json={"won_per_coin": 200}, headers=admin_headers))
    refused(backend.http.put("/admin/won-per-coin", json={"won_per_coin": 200}, headers=admin_headers), 409, "no_change")

    audit = backend.http.get("/admin/audit", headers=admin_headers).json()[2:]
    assert [a["action"] for a in audit[:7]] == ["add_centre", "set_rule", "set_cap", "add_coordinator", "remove_provider",
                                                "add_provider", "add_charity"]
    assert all(a["actor"] == "admin" and a["state"] == "confirmed" and a["tx_hash"] for a in audit[:7])
    assert audit[6]["params"] == {"address": charity}
    # The transaction was sent by the admin key.
    tx = backend.node.web3.eth.get_transaction(audit[6]["tx_hash"])
    assert tx["from"] == backend.node.web3.eth.accounts[0]


def test_admin_refusals_change_nothing(backend, admin_headers, coord1):
    before, block = ops_count(backend), backend.node.web3.eth.block_number
    existing_charity = backend.chain.deployment.manifest["config"]["charities"][0]["address"]
    refused(backend.http.post("/admin/charities", json={"address": existing_charity}, headers=admin_headers), 409, "no_change")
    refused(backend.http.post("/admin/charities", json={"address": "0x1234"}, headers=admin_headers), 422, "invalid_address")
    refused(backend.http.put("/admin/centres/99/cap", json={"cap": "1", "period_days": 1}, headers=admin_headers),
            404, "unknown_centre")
    refused(backend.http.put("/admin/categories/1", json={"coins_per_block": "0", "units_per_block": 1, "max_units": 1},
                             headers=admin_headers), 422, "invalid_rule")
    bound = backend.chain.registry.functions.maxRewardPerActivity().call()  # 50 coins in config/deployment.yaml
    r = backend.http.put("/admin/categories/1", json={"coins_per_block": str(7 * COIN), "units_per_block": 60,
                                                      "max_units": 480}, headers={**admin_headers, "Accept-Language": "ko"})
    refused(r, 422, "invalid_rule")
    assert f"{56 * COIN} 기본 단위까지" in r.json()["detail"] and f"상한({bound} 기본 단위)" in r.json()["detail"]
    refused(backend.http.post("/admin/charities", json={"address": new_wallet().address}, headers=coord1), 403, "staff_required")
    refused(backend.http.post("/admin/centres", json={"key": "seocho-volunteer-centre", "name": "x", "cap": "1",
                                                      "period_days": 1}, headers=admin_headers), 409, "centre_exists")
    assert ops_count(backend) == before and backend.node.web3.eth.block_number == block


def test_a_retried_change_with_the_same_idempotency_key_happens_once(backend, admin_headers):
    charity = new_wallet().address
    headers = admin_headers | {"Idempotency-Key": "add-charity-" + charity}
    first = backend.http.post("/admin/charities", json={"address": charity}, headers=headers)
    before = ops_count(backend)
    again = backend.http.post("/admin/charities", json={"address": charity}, headers=headers)
    assert first.status_code == again.status_code == 202 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"] and ops_count(backend) == before
    other = backend.http.post("/admin/charities", json={"address": new_wallet().address}, headers=headers)
    refused(other, 409, "idempotency_key_reused")
    backend.drain()
