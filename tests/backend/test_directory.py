"""The public directory over HTTP on the real chain: charities and providers registered now (from the indexed role
events), centres and categories with their names in English and Korean from the deployment's configuration."""

from __future__ import annotations

from conftest import COIN
from residents_helpers import new_wallet
from test_admin_api import confirmed

from backend.chain.keys import dev_key

FOOD_BANK = {"key": "neighbour-love-food-bank", "name": "Neighbour Love Food Bank", "name_ko": "이웃사랑 푸드뱅크"}


def addresses(listing: list[dict]) -> list[str]:
    return [m["address"] for m in listing]


def test_charities_are_those_registered_now_in_the_order_registered(backend, admin_headers):
    backend.drain()  # the indexer up to the head
    r = backend.http.get("/charities")  # no sign-in
    assert r.status_code == 200, r.text
    charities = r.json()
    assert charities[0] == {"address": dev_key(5).address, **FOOD_BANK}  # the config's, registered at deployment

    first, second = new_wallet().address, new_wallet().address
    for who in (first, second):
        confirmed(backend, admin_headers, backend.http.post("/admin/charities", json={"address": who},
                                                            headers=admin_headers))
    charities = backend.http.get("/charities").json()
    assert addresses(charities)[-2:] == [first, second]
    # Registered through the API, so the manifest has no names for them.
    assert charities[-1] == {"address": second, "key": None, "name": None, "name_ko": None}

    confirmed(backend, admin_headers, backend.http.delete(f"/admin/charities/{first}", headers=admin_headers))
    charities = addresses(backend.http.get("/charities").json())
    assert first not in charities and second in charities and charities[0] == dev_key(5).address
    # Granted again: it counts from its new registration, after the second.
    confirmed(backend, admin_headers, backend.http.post("/admin/charities", json={"address": first},
                                                        headers=admin_headers))
    assert addresses(backend.http.get("/charities").json())[-2:] == [second, first]
    confirmed(backend, admin_headers, backend.http.delete(f"/admin/charities/{first}", headers=admin_headers))
    confirmed(backend, admin_headers, backend.http.delete(f"/admin/charities/{second}", headers=admin_headers))
    assert not {first, second} & set(addresses(backend.http.get("/charities").json()))
    assert backend.http.get("/directory").json()["charities"] == backend.http.get("/charities").json()


def test_directory_names_centres_categories_providers_and_charities(backend, admin_headers):
    backend.drain()
    r = backend.http.get("/directory")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["centres"][:2] == [
        {"id": 1, "key": "seocho-volunteer-centre", "name": "Seocho Volunteer Centre", "name_ko": "서초구 자원봉사센터"},
        {"id": 2, "key": "banpo-community-centre", "name": "Banpo Community Service Centre",
         "name_ko": "반포 주민센터 봉사단"}]
    categories = {c["key"]: c for c in d["categories"]}
    assert [c["id"] for c in d["categories"]] == [1, 2, 3, 4]
    assert categories["volunteering"] == {
        "id": 1, "key": "volunteering", "unit": "minute", "name": "Volunteering", "name_ko": "자원봉사",
        "coins_per_block": str(3 * COIN), "units_per_block": 60, "max_units": 480, "active": True}
    assert [(c["name"], c["name_ko"], c["unit"]) for c in d["categories"]] == [
        ("Volunteering", "자원봉사", "minute"), ("Class", "강좌 수강", "class"), ("Recycling", "재활용", "item"),
        ("Community reward", "공동체 기여", "point")]
    assert categories["recycling"]["coins_per_block"] == str(COIN // 10)
    # By address: other modules on this chain remove and add providers again, which changes their order.
    providers = {p["address"]: p for p in d["providers"]}
    assert providers[dev_key(3).address] == {"address": dev_key(3).address, "key": "welfare-centre-gym",
                                             "name": "Welfare Centre Gym", "name_ko": "복지관 체력단련실"}
    assert providers[dev_key(4).address] == {"address": dev_key(4).address, "key": "welfare-centre-cafeteria",
                                             "name": "Welfare Centre Cafeteria", "name_ko": "복지관 구내식당"}
    assert d["charities"][0] == {"address": dev_key(5).address, **FOOD_BANK}

    # A provider added by the city appears, and disappears once removed; a centre added joins the centres.
    provider = new_wallet().address
    confirmed(backend, admin_headers, backend.http.post("/admin/providers", json={"address": provider},
                                                        headers=admin_headers))
    assert {"address": provider, "key": None, "name": None, "name_ko": None} in backend.http.get("/directory").json()["providers"]
    confirmed(backend, admin_headers, backend.http.delete(f"/admin/providers/{provider}", headers=admin_headers))
    assert provider not in addresses(backend.http.get("/directory").json()["providers"])
    op = confirmed(backend, admin_headers, backend.http.post("/admin/centres", json={
        "key": "directory-centre", "name": "Directory Centre", "cap": str(100 * COIN), "period_days": 30},
        headers=admin_headers))
    centre_id = int(op["result"]["CentreAdded"]["centreId"])
    assert {"id": centre_id, "key": "directory-centre", "name": "Directory Centre", "name_ko": None} in \
        backend.http.get("/directory").json()["centres"]


def test_a_rule_changed_by_the_city_shows_in_the_directory(backend, admin_headers):
    confirmed(backend, admin_headers, backend.http.put("/admin/categories/2", json={
        "coins_per_block": str(2 * COIN), "units_per_block": 1, "max_units": 5}, headers=admin_headers))
    try:
        import time

        time.sleep(5.1)  # the client keeps a rule for 5 seconds
        cls = next(c for c in backend.http.get("/directory").json()["categories"] if c["key"] == "class")
        assert (cls["coins_per_block"], cls["units_per_block"], cls["max_units"]) == (str(2 * COIN), 1, 5)
        assert (cls["name"], cls["name_ko"]) == ("Class", "강좌 수강")
    finally:
        confirmed(backend, admin_headers, backend.http.put("/admin/categories/2", json={
            "coins_per_block": str(COIN), "units_per_block": 1, "max_units": 4}, headers=admin_headers))
