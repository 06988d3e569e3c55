"""A short scripted scenario on the deployed volunteer bank: earn, spend, donate, pay, settle, revoke.

    tools/run                               (deploys first, then runs this on the same chain)
    python -m scripts.demo [--rpc-url …]    (deploys with config/deployment.yaml if the chain has no deployment)
    brownie run scripts/demo.py

It acts as centre 1's first coordinator, the first provider and the first charity of the manifest, and as two
residents (dev accounts 7 and 8), so it runs on development chains only.
"""

from __future__ import annotations

import io
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.chain.attestation_pages import activity_id, page_of, page_records_from_chain, prove  # noqa: E402
from backend.chain.deployment import manifest_path, read_manifest  # noqa: E402
from backend.domain.activities import coins  # noqa: E402
from scripts.core import COIN  # noqa: E402
from scripts.deploy import build_parser, check_deployment, contracts_from_manifest, deploy  # noqa: E402
from scripts.deploy_config import load_config  # noqa: E402
from scripts.session import CommandError, close_session, open_session  # noqa: E402

VOLUNTEERING, CLASS, RECYCLING, COMMUNITY_REWARD = 1, 2, 3, 4


def minted(tx) -> int:
    """Coins an attestation transaction issued (from its events: return values need a tracing node)."""
    return sum(int(e["amount"]) for e in tx.events["ActivityAttested"])


def run(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        session = open_session(args)
        try:
            if session.live:
                raise CommandError("the demo acts as residents with unlocked dev accounts; run it on a development chain")
            path = manifest_path(session.chain_id, args.manifest_dir)
            with session.quiet():
                manifest = read_manifest(path)
                deployed = manifest is not None and manifest.get("status") == "complete"
                if not deployed or check_deployment(session, manifest):
                    deploy(args, session, load_config(args.config), out=io.StringIO())
                manifest = read_manifest(path)
            out = sys.stdout
            with session.quiet():
                _scenario(session, manifest, lambda *a: print(*a, file=out, flush=True))
            return 0
        finally:
            close_session()
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def main() -> None:
    """Entry point for `brownie run scripts/demo.py`."""
    from brownie import network

    code = run(["--network", network.show_active()])
    if code:
        sys.exit(code)


def _scenario(session, manifest: dict, print) -> None:  # noqa: A002 - prints to the real stdout
    from brownie import accounts, chain, web3

    coin, registry, redemption = contracts_from_manifest(session, manifest)
    config = manifest["config"]
    coordinator = accounts.at(config["centres"][0]["coordinators"][0], force=True)
    provider = accounts.at(config["providers"][0]["address"], force=True)
    charity = accounts.at(config["charities"][0]["address"], force=True)
    alice, bob = (accounts.at(session.resolve(f"dev:{i}"), force=True) for i in (7, 8))  # checked: dev_key(7), (8)
    print(f"\nScenario on chain {session.chain_id}: {config['centres'][0]['name']} (centre 1), "
          f"{config['providers'][0]['name']}, {config['charities'][0]['name']}")

    serial = iter(range(secrets.randbelow(2**40), 2**48))  # fresh serials, so the scenario can run again

    def activity(volunteer, units, category=VOLUNTEERING):
        aid = activity_id(1, next(serial), os.urandom(32))
        return (aid, volunteer.address, category, units, chain.time() - 3600, os.urandom(32))

    by = {"from": coordinator, "silent": True}
    tx = registry.attest(activity(alice, 120), by)
    print(f"alice volunteers 2 hours          -> +{coins(minted(tx))} (gas {tx.gas_used:,})")
    batch = [activity(alice, 2, CLASS), activity(alice, 30, RECYCLING), activity(bob, 90), activity(bob, 5, COMMUNITY_REWARD)]
    tx = registry.attestBatch(batch, by)
    print(f"batch of 4 activities (2 people)  -> +{coins(minted(tx))} (gas {tx.gas_used:,})")

    offer = redemption.createOffer(4 * COIN, 20, {"from": provider, "silent": True}).events["OfferCreated"]["offerId"]
    print(f"alice's coins are locked while the activity can be revoked: {coins(coin.lockedOf(alice))} of "
          f"{coins(coin.balanceOf(alice))}")
    # A local chain only: its clock moves on two lock periods (on a live network the residents just wait).
    chain.sleep(2 * int(coin.lockPeriod()) + 1)
    chain.mine()
    print(f"{2 * int(coin.lockPeriod()) // 86400} days later they can be spent: alice has "
          f"{coins(coin.availableOf(alice))} available")
    tx = redemption.redeem(offer, 4 * COIN, {"from": alice, "silent": True})
    voucher = tx.events["VoucherIssued"]["voucherId"]
    print(f"alice redeems a gym session       -> voucher {voucher:#x} at the welfare centre")
    redemption.fulfill(voucher, {"from": provider, "silent": True})
    print(f"provider checks it: {redemption.voucherStatus(voucher)}")
    tx = redemption.donate(charity, COIN, {"from": bob, "silent": True})
    print(f"bob donates 1 coin                -> receipt #{tx.events['Donated']['receiptId']}")
    redemption.payForService(alice, 2 * COIN, b"\x01" * 32, {"from": bob, "silent": True})
    print("bob pays alice 2 coins for help moving house (time-bank exchange)")
    expected_won = 4 * redemption.wonPerCoin()  # at the rate read now: a lower rate by mining time reverts
    tx = redemption.settle(4 * COIN, expected_won, {"from": provider, "silent": True})
    print(f"provider settles 4 coins with the city -> {tx.events['Settled']['wonAmount']:,} won owed")

    # A new attestation of bob turns out to be wrong: its coins are still locked, so the revocation burns them all.
    wrong = activity(bob, 60)
    registry.attest(wrong, by)
    centre, index, _ = page_of(bytes(wrong[0]))
    records = page_records_from_chain(web3, registry.address, centre, index)
    record = next(r for r in records if r.id == bytes(wrong[0]))
    proof = prove(records, record.id)
    tx = registry.revoke(record.as_tuple(), proof.acc_before, proof.later_leaves, os.urandom(32), by)
    ev = tx.events["ActivityRevoked"]
    print(f"a wrong attestation of bob revoked -> {coins(ev['clawedBack'])} clawed back, {coins(ev['debtAdded'])} debt")

    print("\nbalances:")
    for name, who in [("alice", alice), ("bob", bob), ("provider", provider), ("charity", charity)]:
        totals = registry.volunteerTotals(who)
        print(f"  {name:9} {coins(coin.balanceOf(who)):>12}   earned {coins(totals[0])}, debt {coins(totals[1])}")
    print(f"  total supply {coins(coin.totalSupply())}")


if __name__ == "__main__":
    sys.exit(run())
