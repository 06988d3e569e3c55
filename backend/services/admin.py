"""The city's administration: centres, coordinators, providers, charities, category rules, caps, the won rate and
the switch of any offer.
Each change is checked with a dry run of the contract call, then queued as an operation the sender signs with the
admin key, and recorded in `admin_audit` with the staff user who asked — in one database transaction.

An `Admin` made with `dry=True` runs the same checks and the contract call (eth_call, then eth_estimateGas) and answers
what the transaction would be and what it would change, queueing and auditing nothing; a call the contract would
refuse is an answer (`ok: false` with the problem), not a refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.chain import reads
from backend.chain.client import ChainClient
from backend.domain.activities import parse_address
from backend.domain.admin_changes import coins as coin_text, describe, state
from backend.domain.errors import Refusal
from backend.domain.messages import localized
from backend.services.chain_ops import admin_sender, dry_run
from backend.store import admin_audit, ops
from backend.store.db import write_transaction
from backend.store.models import AdminAudit, Centre, StaffUser

DAY = 86400
UINT88_MAX, UINT96_MAX = 2**88 - 1, 2**96 - 1


class Admin:
    """The city's changes, as asked by one admin account."""

    def __init__(self, db: Session, chain: ChainClient, senders: dict[str, set[str]], actor: str, user_id: int,
                 *, dry: bool = False, language: str = "en"):
        self.db, self.chain, self.senders, self.actor, self.user_id = db, chain, senders, actor, user_id
        self.dry, self.language = dry, language

    def _change(self, action: str, contract, fn: str, args: list, params: dict, effects: Callable[[], str]) -> dict:
        """Dry run, then the operation and its audit row in one transaction (or, for a dry run, what it would be)."""
        sender = admin_sender(self.senders)
        data = contract.encode_abi(fn, args=args)
        if self.dry:
            return self._preview(action, contract, fn, args, sender, data, effects)
        dry_run(self.chain, sender, contract.address, data)
        with write_transaction(self.db):
            op = ops.queue(self.db, kind=f"admin_{action}", signer_role="admin", requested_by=self.actor, subject=None,
                           to=contract.address, data=data, params=params)
            self.db.add(AdminAudit(actor=self.actor, actor_user_id=self.user_id, action=action, params=params,
                                   centre_id=params.get("centre_id"), chain_op_id=op.id))
            self.db.flush()
            return ops.op_view(op)

    def _preview(self, action: str, contract, fn: str, args: list, sender: str, data: str,
                 effects: Callable[[], str]) -> dict:
        """What the transaction would be, its gas, and what it would change; nothing recorded."""
        answer = {"dry_run": True, "ok": True, "action": action, "contract": self._contract_name(contract),
                  "function": fn, "args": _readable(contract, fn, args), "gas": None, "effects": effects()}
        try:
            answer["gas"] = dry_run(self.chain, sender, contract.address, data, estimate=True)
        except Refusal as refusal:
            answer |= {"ok": False, "problem": {"code": refusal.code, "message": localized(refusal, self.language)}}
        return answer

    def _contract_name(self, contract) -> str:
        names = {self.chain.registry.address: "ActivityRegistry", self.chain.redemption.address: "Redemption",
                 self.chain.coin.address: "ServiceCoin"}
        return names[contract.address]

    def _centre(self, centre_id: int) -> None:
        count = self.chain.registry.functions.centreCount().call()
        if not 1 <= centre_id <= count:
            raise Refusal(404, "unknown_centre", f"centre {centre_id} does not exist (centres 1–{count})")

    @staticmethod
    def _cap(value: str) -> int:
        cap = int(value)
        if not 0 < cap <= UINT88_MAX:
            raise Refusal(422, "invalid_cap", f"a cap is more than 0 and at most {UINT88_MAX} base units")
        return cap

    def add_centre(self, key: str, name: str, cap: str, period_days: int) -> dict:
        """A new centre with its cap; its id is in the operation's result (CentreAdded) and it joins /centres."""
        amount = self._cap(cap)
        if self.db.scalar(select(Centre.id).where(Centre.key == key)) is not None:
            raise Refusal(409, "centre_exists", f"a centre with key {key!r} exists")
        return self._change("add_centre", self.chain.registry, "addCentre", [amount, period_days * DAY],
                            {"key": key, "name": name, "cap": str(amount), "period_days": period_days},
                            lambda: self._say("add_centre", key=key, name=name, cap=coin_text(amount),
                                              period_days=period_days,
                                              centre_id=self.chain.registry.functions.centreCount().call() + 1))

    def set_cap(self, centre_id: int, cap: str, period_days: int) -> dict:
        self._centre(centre_id)
        amount = self._cap(cap)
        return self._change("set_cap", self.chain.registry, "setCentreCap", [centre_id, amount, period_days * DAY],
                            {"centre_id": centre_id, "cap": str(amount), "period_days": period_days},
                            lambda: self._say("set_cap", centre_id=centre_id, cap=coin_text(amount), period_days=period_days,
                                              cap_before=coin_text(self._centre_now(centre_id)[0]),
                                              period_before=self._centre_now(centre_id)[3] // DAY))

    def set_centre_active(self, centre_id: int, active: bool) -> dict:
        self._centre(centre_id)
        return self._change("set_centre_active", self.chain.registry, "setCentreActive", [centre_id, active],
                            {"centre_id": centre_id, "active": active},
                            lambda: self._say(f"set_centre_active:{'on' if active else 'off'}", centre_id=centre_id))

    def _is_coordinator(self, centre_id: int, address: str) -> bool:
        role = self.chain.registry.functions.coordinatorRole(centre_id).call()
        return self.chain.registry.functions.hasRole(role, address).call()

    def set_coordinator(self, centre_id: int, address: str, grant: bool) -> dict:
        self._centre(centre_id)
        who = parse_address(address)
        if self._is_coordinator(centre_id, who) == grant:
            raise Refusal(409, "no_change", f"{who} {'is already' if grant else 'is not'} a coordinator of centre "
                                                f"{centre_id}")
        action, fn = ("add_coordinator", "addCoordinator") if grant else ("remove_coordinator", "removeCoordinator")
        return self._change(action, self.chain.registry, fn, [centre_id, who], {"centre_id": centre_id, "address": who},
                            lambda: self._say(action, centre_id=centre_id, address=who))

    def set_member(self, kind: str, address: str, grant: bool) -> dict:
        """A provider or a charity added (grantRole) or removed (revokeRole) on Redemption."""
        who = parse_address(address)
        role = reads.PROVIDER_ROLE if kind == "provider" else reads.CHARITY_ROLE
        if reads.has_role(self.chain, role, who) == grant:
            raise Refusal(409, "no_change", f"{who} {'is already' if grant else 'is not'} a {kind}")
        action = f"{'add' if grant else 'remove'}_{kind}"
        return self._change(action, self.chain.redemption, "grantRole" if grant else "revokeRole", [role, who],
                            {"address": who}, lambda: self._say(action, address=who))

    def set_rule(self, category: int, coins_per_block: str, units_per_block: int, max_units: int, active: bool) -> dict:
        """A new version of the category's rule (prices attestations made from then on)."""
        if not 1 <= category < 2**16:
            raise Refusal(422, "invalid_category", "a category is 1–65535")
        coins = int(coins_per_block)
        if coins > UINT96_MAX:
            raise Refusal(422, "invalid_rule", "coins_per_block does not fit 96 bits")
        if active and coins == 0:
            raise Refusal(422, "invalid_rule", "an active rule gives more than 0 coins (set active: false to switch off)")
        # The registry refuses a rule above the bound fixed at deployment: said here in both languages, nothing queued.
        bound = self.chain.registry.functions.maxRewardPerActivity().call()
        if units_per_block > 0 and coins * max_units // units_per_block > bound:
            raise Refusal(422, "invalid_rule", max_reward=str(coins * max_units // units_per_block), bound=str(bound))
        return self._change("set_rule", self.chain.registry, "setCategoryRule",
                            [category, coins, units_per_block, max_units, active],
                            {"category": category, "coins_per_block": str(coins), "units_per_block": units_per_block,
                             "max_units": max_units, "active": active},
                            lambda: self._rule_effects(category, coins, units_per_block, max_units, active))

    def set_offer_active(self, offer_id: int, active: bool) -> dict:
        """Switches any provider's offer off (and suspends it: its provider cannot switch it back on) or on again
        (Redemption.setOfferActive); the contract refuses switching on an offer whose provider was removed."""
        provider, _, _, _, on = reads.offer(self.chain, offer_id)
        if int(provider, 16) == 0:
            raise Refusal(404, "unknown_offer", f"offer {offer_id} does not exist")
        suspended = self.chain.redemption.functions.offerSuspended(offer_id).call()
        if active and on and not suspended:
            raise Refusal(409, "no_change", f"offer {offer_id} is already on sale")
        if not active and suspended:
            raise Refusal(409, "no_change", f"offer {offer_id} is already switched off by the city")
        return self._change("set_offer_active", self.chain.redemption, "setOfferActive", [offer_id, active],
                            {"offer_id": offer_id, "active": active, "provider": provider},
                            lambda: self._say(f"set_offer_active:{'on' if active else 'off'}", offer_id=offer_id))

    def set_won_per_coin(self, won_per_coin: int) -> dict:
        """The won a provider is owed per coin at settlement, from the next settlement on."""
        before = self.chain.redemption.functions.wonPerCoin().call()
        if before == won_per_coin:
            raise Refusal(409, "no_change", f"the rate is already {won_per_coin} won per coin")
        return self._change("set_won_per_coin", self.chain.redemption, "setWonPerCoin", [won_per_coin],
                            {"won_per_coin": won_per_coin},
                            lambda: self._say("set_won_per_coin", before=before, after=won_per_coin))

    def set_paused(self, paused: bool) -> dict:
        """Pauses the coin (ServiceCoin.pause: no coin is minted, moved or burned) or resumes it (unpause)."""
        if self.chain.coin.functions.paused().call() == paused:
            raise Refusal(409, "no_change", "the coin is already paused" if paused else "the coin is not paused")
        action = "pause" if paused else "unpause"
        return self._change(action, self.chain.coin, action, [], {}, lambda: self._say(action))

    # What a dry run says a change would do, in the reader's language.

    def _say(self, sentence: str, **values) -> str:
        return describe(sentence, self.language, **values)

    def _centre_now(self, centre_id: int) -> tuple:
        """(capPerPeriod, issuedInPeriod, periodIndex, periodLength, active) of the centre on-chain."""
        return tuple(self.chain.registry.functions.centre(centre_id).call())

    def _rule_effects(self, category: int, coins: int, units: int, max_units: int, active: bool) -> str:
        before_coins, before_units, before_max, version, before_active = self.chain.registry.functions.categoryRule(
            category).call()
        return self._say("set_rule", category=category, version_before=version, version=version + 1,
                         coins_before=coin_text(before_coins), units_before=before_units, max_before=before_max,
                         state_before=state(before_active, self.language), coins=coin_text(coins), units=units,
                         max_units=max_units, state=state(active, self.language))


def _readable(contract, fn: str, args: list) -> dict:
    """The call's arguments by their names in the ABI: roles by name, amounts above 2^53 as strings (as JSON readers
    keep them exact)."""
    abi = next(i for i in contract.abi if i.get("type") == "function" and i["name"] == fn
               and len(i["inputs"]) == len(args))
    roles = {reads.PROVIDER_ROLE: "PROVIDER_ROLE", reads.CHARITY_ROLE: "CHARITY_ROLE"}
    out = {}
    for spec, value in zip(abi["inputs"], args):
        if isinstance(value, bytes):
            value = roles.get(value, "0x" + value.hex())
        elif isinstance(value, int) and not isinstance(value, bool) and value > 2**53 - 1:
            value = str(value)
        out[spec["name"]] = value
    return out


# Every action the audit log holds (an unknown one in a filter is refused rather than matching nothing).
ACTIONS = ("add_centre", "set_cap", "set_centre_active", "add_coordinator", "remove_coordinator", "add_provider",
           "remove_provider", "add_charity", "remove_charity", "set_rule", "set_offer_active", "set_won_per_coin",
           "pause", "unpause", "export_centre", "create_staff", "disable_staff", "enable_staff", "change_staff_role",
           "move_staff", "reset_staff_password", "set_own_password", "forget_resident",
           "create_api_key", "revoke_api_key",  # staff's API keys (services.staff)
           "custody_opened", "pin_reset", "card_blocked", "card_issued", "card_printed",  # services.custody
           "custody_moved", "custody_move_declined", "custody_move_retried", "custody_key_destroyed",  # graduation
           "guardian_registered", "guardian_revoked", "guardian_acted",  # guardians and proxies (services.guardians)
           "kiosk_enrolled", "kiosk_revoked", "card_spent_at_kiosk",  # kiosks, devices of their centre (services.kiosks)
           "import_portal_programmes", "export_portal_hours", "import_portal_hours",  # the 1365 link (services.portal)
           "portal_consent", "portal_consent_withdrawn",
           "update_staff")  # update_staff: staff changes before they were one row each (migration 0015)
AUDIT_PAGE_MAX = 500


def audit_log(db: Session, *, actor: str | None = None, action: str | None = None, since: datetime | None = None,
              until: datetime | None = None, centre_id: int | None = None, after_id: int | None = None,
              limit: int = 100) -> list[dict]:
    """The city's changes and exports, newest first: who asked, what, and where its transaction stands; filtered by
    who, what, when (since ≤ at < until; a time without a zone is UTC) and which centre, paged by `after_id` (the
    last id of the page before)."""
    if action is not None and action not in ACTIONS:
        raise Refusal(422, "invalid_filter", f"action: {action!r} is not an action of the audit log; the actions are "
                                             f"{', '.join(ACTIONS)}")
    if actor is not None and not (admin_audit.actor_known(db, actor)
                                  or db.scalar(select(StaffUser.id).where(StaffUser.username == actor)) is not None):
        raise Refusal(422, "invalid_filter", f"actor: {actor!r} is not a staff account")
    if centre_id is not None and db.get(Centre, centre_id) is None:
        raise Refusal(422, "invalid_filter", f"centre_id: {centre_id} is not a centre")
    since, until = (t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t for t in (since, until))
    if since is not None and until is not None and since >= until:
        raise Refusal(422, "invalid_filter", "since must be before until")
    if not 1 <= limit <= AUDIT_PAGE_MAX:
        raise Refusal(422, "invalid_filter", f"limit must be from 1 to {AUDIT_PAGE_MAX}")
    found = admin_audit.rows(db, actor=actor, action=action, since=since, until=until, centre_id=centre_id,
                             after_id=after_id, limit=limit)
    return [{"id": a.id, "actor": a.actor, "actor_user_id": a.actor_user_id, "action": a.action, "params": a.params,
             "centre_id": a.centre_id, "at": a.at, "operation_id": a.chain_op_id, "state": op.state if op else None,
             "tx_hash": op.tx_hash if op else None, "error": op.error if op else None} for a, op in found]
