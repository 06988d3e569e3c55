"""Gas benchmark: gas used (receipt gasUsed) per operation, ours against baselines, in one run.

    python bench/gas.py          # readable table with ratios
    python bench/gas.py --json   # one JSON object

Starts a local chain (Anvil, Brownie's `development` network) unless --network says otherwise; --rpc-url puts it on
another port (or attaches to the node there). Brownie's own output goes to stderr.
Baselines (bench/contracts): a plain OpenZeppelin ERC-20 (mint, transfer) and a naive attestation
contract that stores the full record of every attestation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from bench.solc_build import compile_baselines  # noqa: E402
from backend.chain.attestation_pages import (  # noqa: E402
    AttestationRecord,
    activity_id,
    attest_batch_typed_data,
    page_of,
    prove,
)
from scripts.core import COIN, DAY, deploy_core  # noqa: E402
from eth_account import Account  # noqa: E402

TARGETS = {
    "attest_single": ("<=", 70_000),
    "attest_batch100_per_activity": ("<=", 12_000),
    "attest_batch100_bysig_per_activity": ("<=", 12_000),
    "revoke": ("<=", 70_000),
}
EIP7825_TX_GAS_CAP = 2**24


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--network", default="development", help="Brownie network id (default: development = Anvil)")
    parser.add_argument("--rpc-url", default=None,
                        help="the node's URL (default the network's, 127.0.0.1:8545); a node there is used, else one is "
                             "launched on that port")
    args = parser.parse_args()

    print(f"starting {args.network} ...", file=sys.stderr)
    # Brownie narrates on stdout (compiling, "Launching 'anvil …'", every transaction, "Terminating …"): all of it goes
    # to stderr, so stdout holds the figures alone (with --json, one JSON object).
    with contextlib.redirect_stdout(sys.stderr):
        from brownie import accounts, chain, network, project, web3

        from scripts.anvil_sends import send_once_mined_on_anvil
        from scripts.session import _register_network

        proj = project.load(ROOT, name="VolunteerBankProject")
        _register_network(args.network, args.rpc_url)
        network.connect(args.network)
        send_once_mined_on_anvil(web3)
        try:
            figures = measure(proj, accounts, chain, web3)
        finally:
            network.disconnect()

    if args.json:
        print(json.dumps(figures, indent=2, sort_keys=True))
    else:
        print_table(figures)


def measure(proj, accounts, chain, web3) -> dict:
    admin, coordinator, provider, charity, resident = accounts[0], accounts[1], accounts[2], accounts[3], accounts[4]
    volunteers = [accounts.add() for _ in range(20)]
    core = deploy_core(proj, admin)
    registry, redemption = core.registry, core.redemption
    tx = {"from": admin}
    registry.addCentre(10**8 * COIN, 30 * DAY, tx)
    centre = 1
    registry.addCoordinator(centre, coordinator, tx)
    registry.setCategoryRule(1, 3 * COIN, 60, 24 * 60, True, tx)  # volunteering: 3 coins per 60 minutes
    redemption.grantRole(redemption.PROVIDER_ROLE(), provider, tx)
    redemption.grantRole(redemption.CHARITY_ROLE(), charity, tx)

    serial = 0
    records: dict[int, list[AttestationRecord]] = {}  # page index -> records in attestation order

    def activity(volunteer, minutes=60):
        nonlocal serial
        aid = activity_id(centre, serial, os.urandom(32))
        serial += 1
        return (aid, str(volunteer), 1, minutes, chain.time() - 3600, os.urandom(32))

    def remember_pages(receipt):
        block_time = web3.eth.get_block(receipt.block_number)["timestamp"]
        for ev in receipt.events["ActivityAttested"]:
            rec = AttestationRecord(
                bytes(ev["id"]), ev["volunteer"], ev["category"], ev["units"], ev["time"],
                bytes(ev["evidenceHash"]), ev["ruleVersion"], ev["amount"], block_time,
            )
            records.setdefault(page_of(rec.id)[1], []).append(rec)

    # A second coordinator of the centre signs sheets that `relayer` (not a coordinator) sends: attestBatchBySig.
    signing = Account.create()
    relayer = accounts[5]
    registry.addCoordinator(centre, signing.address, tx)

    def sign_batch(batch):
        deadline = chain.time() + 3600
        nonce = registry.nonces(signing.address)
        signature = sign_attest_batch(signing.key, registry, chain.id, centre, batch, nonce, deadline)
        return (batch, signing.address, deadline, signature)

    # Every volunteer and the resident already hold coins; pages 0-1 are in use. The warm-up sheet is signed, so the
    # signing coordinator's nonce is no longer zero, as in the steady state (a first nonce write costs 17,100 more).
    warm = [activity(v) for v in volunteers] + [activity(resident, 8 * 60)]
    remember_pages(registry.attestBatchBySig(*sign_batch(warm), {"from": relayer}))
    serial = 32  # start the measured singles on a fresh page, as the steady state cycles through pages

    # attest_single: 32 single attestations for volunteers who hold coins, spanning two fresh pages,
    # so the figure includes the 1-in-16 page opening (22,100 gas for a fresh slot).
    singles = []
    for i in range(32):
        r = registry.attest(activity(volunteers[i % 20]), {"from": coordinator})
        remember_pages(r)
        singles.append(r.gas_used)
    single_warm_page = statistics.mean(g for i, g in enumerate(singles) if i % 16 != 0)
    single_fresh_page = statistics.mean(g for i, g in enumerate(singles) if i % 16 == 0)

    # attest_batch100: 100 activities for 20 volunteers who hold coins, sorted by volunteer. Four consecutive
    # batches cover exactly 25 pages, so page openings count at their steady-state rate (1 in 16).
    batch_receipts = []
    for b in range(4):
        batch = [activity(v, 30 + k + b) for v in volunteers for k in range(5)]
        batch_receipts.append(registry.attestBatch(batch, {"from": coordinator}))
        remember_pages(batch_receipts[-1])
    batch_receipt = batch_receipts[0]
    batch_per_activity = statistics.mean(r.gas_used for r in batch_receipts) / 100

    # attest_batch100_bysig: the same four batches, signed by the coordinator and relayed by someone else.
    bysig_receipts = []
    for b in range(4):
        batch = [activity(v, 30 + k + b) for v in volunteers for k in range(5)]
        bysig_receipts.append(registry.attestBatchBySig(*sign_batch(batch), {"from": relayer}))
        remember_pages(bysig_receipts[-1])
    bysig_per_activity = statistics.mean(r.gas_used for r in bysig_receipts) / 100

    # Largest batch under the EIP-7825 per-transaction cap, by the measured marginal cost.
    max_batch = int((EIP7825_TX_GAS_CAP - (batch_receipt.gas_used - 100 * batch_per_activity)) // batch_per_activity)

    # revoke: every position of one full page of the batch (0..15 later leaves), the volunteers hold coins.
    page_index = next(p for p, recs in records.items() if len(recs) == 16 and p >= 4)
    revokes = []
    for rec in records[page_index]:
        proof = prove(records[page_index], rec.id)
        r = registry.revoke(rec.as_tuple(), proof.acc_before, proof.later_leaves, b"\x01" * 32, {"from": coordinator})
        revokes.append(r.gas_used)

    # Spending: the coins minted above unlock two lock periods after their mint.
    chain.sleep(2 * int(core.coin.lockPeriod()) + 1)
    chain.mine()

    # redeem: a resident who holds coins redeems at a provider who already holds coins.
    offer_id = redemption.createOffer(COIN, 1_000, {"from": provider}).return_value
    redemption.redeem(offer_id, COIN, {"from": resident})  # provider now holds coins
    redeem_gas = statistics.mean(redemption.redeem(offer_id, COIN, {"from": resident}).gas_used for _ in range(3))
    donate_gas = redemption.donate(charity, COIN // 10, {"from": resident}).gas_used
    pay_gas = redemption.payForService(volunteers[0], COIN // 10, b"\x02" * 32, {"from": resident}).gas_used
    # settle with the won expected at the rate read now, as the backend does (the slippage guard).
    settle_gas = redemption.settle(COIN, redemption.wonPerCoin(), {"from": provider}).gas_used

    # Baselines, deployed from the same admin in the same run.
    from brownie import Contract

    built = compile_baselines()

    def deploy_baseline(name):
        factory = web3.eth.contract(abi=built[name]["abi"], bytecode=built[name]["bytecode"])
        tx_hash = factory.constructor().transact({"from": str(admin)})
        address = web3.eth.wait_for_transaction_receipt(tx_hash)["contractAddress"]
        return Contract.from_abi(name, address, built[name]["abi"])

    plain = deploy_baseline("PlainToken")
    plain.mint(resident, 10 * COIN, tx)
    plain.mint(volunteers[0], COIN, tx)
    erc20_mint = statistics.mean(plain.mint(volunteers[0], COIN, tx).gas_used for _ in range(3))
    erc20_transfer = statistics.mean(
        plain.transfer(volunteers[0], COIN, {"from": resident}).gas_used for _ in range(3)
    )

    naive = deploy_baseline("NaiveAttestor")
    naive.setRate(1, COIN // 20, tx)
    naive_args = lambda v: (os.urandom(32), v, 1, 60, chain.time() - 3600, os.urandom(32))  # noqa: E731
    naive.attest(*naive_args(volunteers[0]), tx)  # volunteer holds coins
    naive_single = statistics.mean(naive.attest(*naive_args(volunteers[0]), tx).gas_used for _ in range(3))

    return {
        "network": network_name(),
        "attest_single": round(statistics.mean(singles)),
        "attest_single_in_open_page": round(single_warm_page),
        "attest_single_opening_page": round(single_fresh_page),
        "attest_batch100_total": round(batch_per_activity * 100),
        "attest_batch100_per_activity": round(batch_per_activity),
        "attest_batch100_bysig_per_activity": round(bysig_per_activity),
        "attest_batch_max_under_eip7825": max_batch,
        "revoke": round(statistics.mean(revokes)),
        "revoke_worst": max(revokes),
        "redeem": round(redeem_gas),
        "donate": donate_gas,
        "pay_for_service": pay_gas,
        "settle": settle_gas,
        "erc20_mint": round(erc20_mint),
        "erc20_transfer": round(erc20_transfer),
        "naive_attest_single": round(naive_single),
        "ratio_attest_single_vs_naive": round(statistics.mean(singles) / naive_single, 3),
        "ratio_batch_per_activity_vs_naive": round(batch_per_activity / naive_single, 3),
        "ratio_redeem_vs_erc20_transfer": round(redeem_gas / erc20_transfer, 3),
        "ratio_attest_single_vs_erc20_mint": round(statistics.mean(singles) / erc20_mint, 3),
    }


def sign_attest_batch(key, registry, chain_id, centre_id, batch, nonce, deadline) -> bytes:
    """A coordinator's signature of a sheet (attestBatchBySig)."""
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    data = attest_batch_typed_data(chain_id, str(registry.address), centre_id, batch, nonce, deadline)
    return bytes(Account.sign_message(encode_typed_data(full_message=data), key).signature)


def network_name() -> str:
    from brownie import network

    return network.show_active()


def print_table(f: dict) -> None:
    rows = [
        ("attest_single (avg of 32, volunteer holds coins)", "attest_single", "naive_attest_single"),
        ("  in an open page", "attest_single_in_open_page", "naive_attest_single"),
        ("  opening a page (1 in 16)", "attest_single_opening_page", "naive_attest_single"),
        ("attest_batch100 per activity (20 volunteers)", "attest_batch100_per_activity", "naive_attest_single"),
        ("attest_batch100_bysig per activity (relayed sheet)", "attest_batch100_bysig_per_activity", "naive_attest_single"),
        ("revoke (avg over page positions)", "revoke", None),
        ("revoke (worst: 15 later leaves)", "revoke_worst", None),
        ("redeem", "redeem", "erc20_transfer"),
        ("donate", "donate", "erc20_transfer"),
        ("pay_for_service", "pay_for_service", "erc20_transfer"),
        ("settle", "settle", None),
        ("baseline: OZ ERC-20 mint", "erc20_mint", None),
        ("baseline: OZ ERC-20 transfer", "erc20_transfer", None),
        ("baseline: naive attest (full struct)", "naive_attest_single", None),
    ]
    print(f"network: {f['network']}")
    print(f"{'operation':52} {'gas':>9}  {'vs baseline':>22}")
    for label, key, base in rows:
        ratio = f"{f[key] / f[base]:.2f}x {base}" if base else ""
        print(f"{label:52} {f[key]:>9,}  {ratio:>22}")
    print(f"largest batch under the 2^24 tx gas cap (EIP-7825): ~{f['attest_batch_max_under_eip7825']} activities")
    print("targets:")
    checks = dict(TARGETS)
    checks["redeem"] = ("<=", 1.5 * f["erc20_transfer"])
    for key, (_, limit) in checks.items():
        status = "met" if f[key] <= limit else "NOT met"
        print(f"  {key} <= {limit:,.0f}: {f[key]:,} ({status})")


if __name__ == "__main__":
    main()
