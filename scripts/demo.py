"""A short scripted scenario on a local chain: deploy, configure Seocho-style rules, earn, spend, revoke.

    tools/run            (or: brownie run scripts/demo.py)
"""

from __future__ import annotations

import contextlib
import io
import os
import sys

import brownie
from brownie import accounts, chain, network, web3

from backend.chain.attestation_pages import activity_id, page_of, page_records_from_chain, prove
from scripts.core import COIN, DAY, deploy_core

VOLUNTEERING, CLASS, RECYCLING, NEIGHBOUR_FOUND = 1, 2, 3, 4


def coins(amount: int) -> str:
    return f"{amount / COIN:g} coins"


def main() -> None:
    # Brownie narrates every transaction; show only the scenario.
    out = sys.stdout
    with contextlib.redirect_stdout(io.StringIO()):
        _scenario(lambda *a: print(*a, file=out))


def _scenario(print) -> None:  # noqa: A002 - prints to the real stdout
    admin, coordinator, provider, charity = accounts[0], accounts[1], accounts[2], accounts[3]
    alice, bob = accounts[4], accounts[5]
    quiet = {"from": admin, "silent": True}
    print(f"\nnetwork: {network.show_active()} (chain id {chain.id})")

    core = deploy_core(brownie, admin)
    coin, registry, redemption = core.coin, core.registry, core.redemption
    print(f"ServiceCoin      {coin.address}  ({coin.name()}, {coin.symbol()})")
    print(f"ActivityRegistry {registry.address}")
    print(f"Redemption       {redemption.address}")

    registry.addCentre(50_000 * COIN, 30 * DAY, quiet)
    registry.addCoordinator(1, coordinator, quiet)
    registry.setCategoryRule(VOLUNTEERING, 3 * COIN, 60, 8 * 60, True, quiet)  # 3 coins per hour
    registry.setCategoryRule(CLASS, COIN, 1, 4, True, quiet)  # 1 coin per class attended
    registry.setCategoryRule(RECYCLING, COIN // 10, 1, 100, True, quiet)  # 0.1 coin per item
    registry.setCategoryRule(NEIGHBOUR_FOUND, 5 * COIN, 1, 1, True, quiet)  # a neighbour in need found
    redemption.grantRole(redemption.PROVIDER_ROLE(), provider, quiet)
    redemption.grantRole(redemption.CHARITY_ROLE(), charity, quiet)
    print("centre 1 with a cap of 50,000 coins / 30 days; 4 category rules; 1 provider, 1 charity\n")

    serial = iter(range(10**6))

    def activity(volunteer, units, category=VOLUNTEERING):
        aid = activity_id(1, next(serial), os.urandom(32))
        return (aid, volunteer.address, category, units, chain.time() - 3600, os.urandom(32))

    by = {"from": coordinator, "silent": True}
    tx = registry.attest(activity(alice, 120), by)
    print(f"alice volunteers 2 hours          -> +{coins(tx.return_value)} (gas {tx.gas_used:,})")
    batch = [activity(alice, 2, CLASS), activity(alice, 30, RECYCLING), activity(bob, 90), activity(bob, 1, NEIGHBOUR_FOUND)]
    tx = registry.attestBatch(batch, by)
    print(f"batch of 4 activities (2 people)  -> +{coins(tx.return_value)} (gas {tx.gas_used:,})")

    offer = redemption.createOffer(4 * COIN, 20, {"from": provider, "silent": True}).return_value
    tx = redemption.redeem(offer, 4 * COIN, {"from": alice, "silent": True})
    voucher = tx.return_value
    print(f"alice redeems a gym session       -> voucher {voucher:#x} at the welfare centre")
    redemption.fulfill(voucher, {"from": provider, "silent": True})
    print(f"provider checks it: {redemption.voucherStatus(voucher)}")
    tx = redemption.donate(charity, COIN, {"from": bob, "silent": True})
    print(f"bob donates 1 coin                -> receipt #{tx.return_value}")
    redemption.payForService(alice, 2 * COIN, b"\x01" * 32, {"from": bob, "silent": True})
    print("bob pays alice 2 coins for help moving house (time-bank exchange)")
    tx = redemption.settle(4 * COIN, {"from": provider, "silent": True})
    print(f"provider settles 4 coins with the city -> {tx.events['Settled']['wonAmount']:,} won owed")

    # Bob spends most of his coins, then one of his attestations turns out to be wrong.
    coin.transfer(alice, coin.balanceOf(bob) - COIN, {"from": bob, "silent": True})
    wrong = batch[3][0]
    centre, index, _ = page_of(bytes(wrong))
    records = page_records_from_chain(web3, registry.address, centre, index)
    record = next(r for r in records if r.id == bytes(wrong))
    proof = prove(records, record.id)
    tx = registry.revoke(record.as_tuple(), proof.acc_before, proof.later_leaves, os.urandom(32), by)
    ev = tx.events["ActivityRevoked"]
    print(f"a wrong attestation of bob revoked -> {coins(ev['clawedBack'])} clawed back, {coins(ev['debtAdded'])} debt")
    tx = registry.attest(activity(bob, 120), by)
    netted = tx.events["DebtNetted"][0]["repaid"] if "DebtNetted" in tx.events else 0
    print(f"bob volunteers 2 hours            -> {coins(netted)} repays his debt first")

    print("\nbalances:")
    for name, who in [("alice", alice), ("bob", bob), ("provider", provider), ("charity", charity)]:
        totals = registry.volunteerTotals(who)
        print(f"  {name:9} {coins(coin.balanceOf(who)):>12}   earned {coins(totals[0])}, debt {coins(totals[1])}")
    print(f"  total supply {coins(coin.totalSupply())}")
