"""Stateful property test: random actors attest, batch, revoke, spend, redeem and settle.

Invariants after every step:
- totalSupply == sum of all balances;
- coins minted - coins clawed back == sum of coins of non-revoked attestations + outstanding debts;
- each volunteer's on-chain totals equal the model's; no id is ever counted twice.

CI runs a small number of examples. The thorough run is opt-in:
    VB_STATEFUL_EXAMPLES=500 VB_STATEFUL_STEPS=50 tools/test -k stateful

Brownie's own `state_machine` fixture cannot be used with Brownie 1.22.2: its compiled (mypyc)
_BrownieStateMachine rejects Python subclasses. This drives Hypothesis's RuleBasedStateMachine the
way that fixture does: the chain is reverted to a snapshot before every example.
"""

import os

import brownie
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from backend.chain.attestation_pages import activity_id, page_of, page_records_from_chain, prove
from tests.contracts.conftest import COIN, VOLUNTEERING

EXAMPLES = int(os.environ.get("VB_STATEFUL_EXAMPLES", "12"))
STEPS = int(os.environ.get("VB_STATEFUL_STEPS", "15"))


ACTOR = st.integers(0, 3)
UNITS = st.integers(1, 480)
PICK = st.integers(0, 2**32)
FRACTION = st.integers(1, 100)


class BankMachine(RuleBasedStateMachine):
    # Set by the test before running.
    actors = web3 = registry = coin = redemption = coordinator = provider = offer_id = None

    def __init__(self):
        super().__init__()
        brownie.chain.revert()
        self.holders = self.actors + [self.provider]
        self.serial = 0
        self.active = {}  # id -> (volunteer, amount)
        self.revoked = set()
        self.earned = {a.address: 0 for a in self.actors}
        self.minted = 0
        self.clawed = 0
        self.settled = 0

    def _activity(self, volunteer, units):
        aid = activity_id(1, self.serial, os.urandom(32))
        self.serial += 1
        return (aid, volunteer.address, VOLUNTEERING, units, brownie.chain.time() - 3600, os.urandom(32))

    def _book(self, tx):
        for ev in tx.events["ActivityAttested"]:
            aid = bytes(ev["id"])
            assert aid not in self.active and aid not in self.revoked, "id counted twice"
            self.active[aid] = (ev["volunteer"], int(ev["amount"]))
            self.earned[ev["volunteer"]] += int(ev["amount"])
        if "Transfer" in tx.events:
            self.minted += sum(int(e["value"]) for e in tx.events["Transfer"] if int(e["from"], 16) == 0)

    @rule(st_actor=ACTOR, st_units=UNITS)
    def rule_attest(self, st_actor, st_units):
        act = self._activity(self.actors[st_actor], st_units)
        self._book(self.registry.attest(act, {"from": self.coordinator}))

    @rule(st_count=st.integers(1, 20), st_actor=ACTOR, st_units=UNITS)
    def rule_attest_batch(self, st_count, st_actor, st_units):
        volunteers = sorted((self.actors[(st_actor + i) % 4] for i in range(st_count)), key=lambda a: a.address)
        batch = [self._activity(v, max(1, (st_units + i) % 481)) for i, v in enumerate(volunteers)]
        self._book(self.registry.attestBatch(batch, {"from": self.coordinator}))

    @rule(st_pick=PICK)
    def rule_retry_is_refused(self, st_pick):
        if not self.active:
            return
        aid = sorted(self.active)[st_pick % len(self.active)]
        act = (aid, self.actors[0].address, VOLUNTEERING, 60, brownie.chain.time() - 3600, bytes(32))
        with brownie.reverts():
            self.registry.attest(act, {"from": self.coordinator})

    @rule(st_pick=PICK)
    def rule_revoke(self, st_pick):
        if not self.active:
            return
        aid = sorted(self.active)[st_pick % len(self.active)]
        centre, index, _ = page_of(aid)
        records = page_records_from_chain(self.web3, self.registry.address, centre, index)
        rec = next(r for r in records if r.id == aid)
        if brownie.chain.time() > rec.attested_at + int(self.registry.revocationWindow()) - 60:
            return  # its window has shut (or is about to, before the transaction lands)
        proof = prove(records, aid)
        tx = self.registry.revoke(rec.as_tuple(), proof.acc_before, proof.later_leaves, bytes(32), {"from": self.coordinator})
        volunteer, amount = self.active.pop(aid)
        self.revoked.add(aid)
        self.earned[volunteer] -= amount
        revoked = tx.events["ActivityRevoked"]
        self.clawed += int(revoked["clawedBack"])
        # Revocable coins are locked, so nothing of them can have been spent: the revocation burns them all.
        assert int(revoked["clawedBack"]) == amount and int(revoked["debtAdded"]) == 0

    @rule(st_hours=st.integers(1, 24 * 40))
    def rule_time_passes(self, st_hours):
        brownie.chain.sleep(st_hours * 3600)
        brownie.chain.mine()

    @rule(st_actor=ACTOR, st_other=ACTOR, st_fraction=FRACTION)
    def rule_spend(self, st_actor, st_other, st_fraction):
        sender, receiver = self.actors[st_actor], self.actors[st_other]
        amount = self.coin.availableOf(sender) * st_fraction // 100
        if amount == 0 or sender == receiver:
            return
        self.coin.transfer(receiver, amount, {"from": sender})

    @rule(st_actor=ACTOR)
    def rule_redeem(self, st_actor):
        resident = self.actors[st_actor]
        if self.coin.availableOf(resident) < COIN:
            return
        self.redemption.redeem(self.offer_id, COIN, {"from": resident})

    @rule(st_fraction=FRACTION)
    def rule_settle(self, st_fraction):
        amount = self.coin.availableOf(self.provider) * st_fraction // 100
        if amount == 0:
            return
        self.redemption.settle(amount, 0, {"from": self.provider})
        self.settled += amount

    @invariant()
    def invariant_supply_is_sum_of_balances(self):
        assert self.coin.totalSupply() == sum(self.coin.balanceOf(h) for h in self.holders)

    @invariant()
    def invariant_minted_minus_clawed_is_active_attestations_plus_debt(self):
        debts = sum(self.registry.volunteerTotals(a)[1] for a in self.actors)
        assert self.minted - self.clawed == sum(amount for _, amount in self.active.values()) + debts
        assert self.coin.totalSupply() == self.minted - self.clawed - self.settled

    @invariant()
    def invariant_locked_coins_are_held(self):
        for h in self.holders:
            locked, held = self.coin.lockedOf(h), self.coin.balanceOf(h)
            assert locked <= held and self.coin.availableOf(h) == held - locked

    @invariant()
    def invariant_volunteer_totals_match_the_model(self):
        for a in self.actors:
            assert self.registry.volunteerTotals(a)[0] == self.earned[a.address]

    @invariant()
    def invariant_attested_and_revoked_flags(self):
        for aid in list(self.active)[-3:]:
            assert self.registry.isAttested(aid) and not self.registry.isRevoked(aid)
        for aid in list(self.revoked)[-3:]:
            assert self.registry.isRevoked(aid)


def test_stateful_accounting(accounts, web3, registry, coin, redemption, coordinator, provider, chain):
    BankMachine.actors = list(accounts[5:9])
    BankMachine.web3, BankMachine.registry, BankMachine.coin = web3, registry, coin
    BankMachine.redemption, BankMachine.coordinator, BankMachine.provider = redemption, coordinator, provider
    BankMachine.offer_id = redemption.createOffer(COIN, 2**32 - 1, {"from": provider}).return_value
    chain.snapshot()  # every example starts from here
    run_state_machine_as_test(
        BankMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
