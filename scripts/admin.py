"""The city's admin commands on a deployed volunteer bank (the deployment is found through its manifest).

    tools/admin add-centre --cap 30000 --period-days 30 [--coordinator 0x…] [--key banpo-2 --name "…" --name-ko "…"]
    tools/admin grant-coordinator CENTRE ADDRESS        tools/admin revoke-coordinator CENTRE ADDRESS
    tools/admin add-provider ADDRESS [--key … --name … --name-ko …] tools/admin remove-provider ADDRESS
    tools/admin add-charity ADDRESS [--key … --name … --name-ko …]  tools/admin remove-charity ADDRESS
    tools/admin set-rule CATEGORY --coins 3 --units-per-block 60 --max-units 480 [--inactive]
    tools/admin set-cap CENTRE COINS [--period-days N]
    tools/admin pause | unpause
    tools/admin transfer-admin ADDRESS [--allow-eoa]   (starts it; ADDRESS accepts after the delay)
    tools/admin accept-admin                           (signed by the new admin, once the delay has passed)
    tools/admin cancel-admin-transfer
    tools/admin status

Every command takes the network options (--network, --rpc-url, --account, --yes, …; see tools/deploy --help).
Each prints the network, checks what it can before sending (the centre exists, the signer is the admin, the
address is well formed), sends one transaction per change, prints it, and records it in the manifest's admin log.
A command whose change is already in place sends nothing and says so.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backend.chain.deployment import ManifestError, manifest_path, read_manifest, write_json_atomic  # noqa: E402
from scripts.deploy import check_deployment, coins, contracts_from_manifest, per  # noqa: E402
from scripts.deploy_config import (  # noqa: E402
    DAY,
    KEY,
    UINT16_MAX,
    UINT32_MAX,
    UINT88_MAX,
    UINT96_MAX,
    ConfigError,
    check_address,
    coins_to_units,
)
from scripts.session import (  # noqa: E402
    CommandError,
    Session,
    add_network_arguments,
    close_session,
    open_session,
    revert_reason,
)


# --------------------------------------------------------------------------------- argument types (exit 2)


def _arg(check):
    def parse(value: str):
        try:
            return check(value)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[-1]) from None

    parse.__name__ = check.__name__
    return parse


@_arg
def address(value: str) -> str:
    return check_address(value, "address")


@_arg
def coin_amount(value: str) -> int:
    return coins_to_units(value, "coins", maximum=UINT96_MAX, allow_zero=True)


def whole(minimum: int, maximum: int, what: str):
    def parse(value: str) -> int:
        if not value.isdigit() or not minimum <= int(value) <= maximum:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number from {minimum} to {maximum}, got {value!r}")
        return int(value)

    parse.__name__ = what
    return parse


def key(value: str) -> str:
    if not KEY.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} must be lower-case letters, digits, dashes and underscores")
    return value


centre_id = whole(1, UINT32_MAX, "centre id")


# --------------------------------------------------------------------------------- the commands


class Admin:
    """One connected session on one deployment, with the checks every command shares."""

    def __init__(self, session: Session, manifest: dict, path: Path, out):
        self.session, self.manifest, self.path, self.out = session, manifest, path, out
        self.coin, self.registry, self.redemption = contracts_from_manifest(session, manifest)

    # -- checks

    def require_admin(self, *contracts) -> None:
        signer = self.session.signer.address
        for contract in contracts or (self.coin, self.registry, self.redemption):
            if not contract.hasRole(contract.DEFAULT_ADMIN_ROLE(), signer):
                raise CommandError(
                    f"{signer} is not an admin of {contract._name} at {contract.address}, so the chain would refuse "
                    "this; sign with the admin account (--account / VB_KEYSTORE)"
                )

    def require_centre(self, centre: int) -> None:
        count = int(self.registry.centreCount())
        if not 1 <= centre <= count:
            raise CommandError(f"centre {centre} does not exist (the registry has {count} centre{'s' * (count != 1)}: 1–{count})")

    def resolve(self, address_: str) -> str:
        return self.session.resolve(address_)

    # -- sending

    def send(self, description: str, call, *args) -> object:
        self.session.confirm(description, self.out)
        print(f"  {description}", file=self.out, flush=True)
        try:
            with self.session.quiet():
                receipt = call(*args, self.session.tx())
        except Exception as exc:
            raise CommandError(f"the chain refused to {description}: {revert_reason(exc)}") from None
        print(f"      tx {receipt.txid}  block {receipt.block_number}", file=self.out)
        self.manifest.setdefault("adminLog", []).append({
            "action": description,
            "by": self.session.signer.address,
            "tx": receipt.txid,
            "block": receipt.block_number,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        })
        write_json_atomic(self.path, self.manifest)
        return receipt

    def nothing(self, why: str) -> int:
        print(f"  nothing to do: {why}", file=self.out)
        return 0

    def save(self) -> None:
        write_json_atomic(self.path, self.manifest)


def cmd_add_centre(a: Admin, args) -> int:
    a.require_admin(a.registry)
    coordinators = [a.resolve(x) for x in args.coordinator]
    receipt = a.send(f"add a centre with a cap of {coins(args.cap)} per {args.period_days} days",
                     a.registry.addCentre, args.cap, args.period_days * DAY)
    new_id = int(receipt.events["CentreAdded"]["centreId"])
    print(f"  centre id: {new_id}", file=a.out)
    entry = {"id": new_id, "key": args.key or f"centre-{new_id}", "name": args.name or args.key or f"Centre {new_id}",
             "name_ko": args.name_ko, "cap": str(args.cap), "periodSeconds": args.period_days * DAY, "active": True, "coordinators": []}
    a.manifest["config"]["centres"].append(entry)
    for coordinator in coordinators:
        a.send(f"add coordinator {coordinator} to centre {new_id}", a.registry.addCoordinator, new_id, coordinator)
        entry["coordinators"].append(coordinator)
    a.save()
    return 0


def _centre_entry(a: Admin, centre: int) -> dict | None:
    return next((c for c in a.manifest["config"]["centres"] if c["id"] == centre), None)


def cmd_grant_coordinator(a: Admin, args) -> int:
    a.require_admin(a.registry)
    a.require_centre(args.centre)
    who = a.resolve(args.address)
    if a.registry.hasRole(a.registry.coordinatorRole(args.centre), who):
        return a.nothing(f"{who} is already a coordinator of centre {args.centre}")
    a.send(f"add coordinator {who} to centre {args.centre}", a.registry.addCoordinator, args.centre, who)
    if (entry := _centre_entry(a, args.centre)) is not None and who not in entry["coordinators"]:
        entry["coordinators"].append(who)
        a.save()
    return 0


def cmd_revoke_coordinator(a: Admin, args) -> int:
    a.require_admin(a.registry)
    a.require_centre(args.centre)
    who = a.resolve(args.address)
    if not a.registry.hasRole(a.registry.coordinatorRole(args.centre), who):
        return a.nothing(f"{who} is not a coordinator of centre {args.centre}")
    a.send(f"remove coordinator {who} from centre {args.centre}", a.registry.removeCoordinator, args.centre, who)
    if (entry := _centre_entry(a, args.centre)) is not None and who in entry["coordinators"]:
        entry["coordinators"].remove(who)
        a.save()
    return 0


def _member(kind: str, grant: bool):
    """add-provider / remove-provider / add-charity / remove-charity."""
    role_name, listing = ("PROVIDER_ROLE", "providers") if kind == "provider" else ("CHARITY_ROLE", "charities")

    def command(a: Admin, args) -> int:
        a.require_admin(a.redemption)
        who = a.resolve(args.address)
        role = getattr(a.redemption, role_name)()
        members = a.manifest["config"].setdefault(listing, [])
        if a.redemption.hasRole(role, who) == grant:
            return a.nothing(f"{who} {'is already' if grant else 'is not'} a {kind}")
        if grant:
            a.send(f"add {kind} {who}", a.redemption.grantRole, role, who)
            name = getattr(args, "name", None)
            members.append({"key": args.key or f"{kind}-{who[2:10].lower()}", "name": name or args.key or who,
                            "name_ko": args.name_ko, "address": who})
        else:
            a.send(f"remove {kind} {who}", a.redemption.revokeRole, role, who)
            members[:] = [m for m in members if m["address"] != who]
        a.save()
        return 0

    return command


def _category_id(a: Admin, value: str) -> tuple[int, dict | None]:
    categories = a.manifest["config"]["categories"]
    entry = next((c for c in categories if c["key"] == value or str(c["id"]) == value), None)
    if entry is not None:
        return int(entry["id"]), entry
    if value.isdigit() and 1 <= int(value) <= UINT16_MAX:
        return int(value), None
    known = ", ".join(f"{c['key']} ({c['id']})" for c in categories)
    raise CommandError(f"unknown category {value!r}: give a number from 1 to {UINT16_MAX} or one of {known}")


def cmd_set_rule(a: Admin, args) -> int:
    a.require_admin(a.registry)
    category, entry = _category_id(a, args.category)
    active = not args.inactive
    if active and args.coins == 0:
        raise CommandError("an active rule must give more than 0 coins (use --inactive to switch a category off)")
    current = a.registry.categoryRule(category)
    if (int(current[0]), int(current[1]), int(current[2]), bool(current[4])) == (args.coins, args.units_per_block, args.max_units, active):
        return a.nothing(f"category {category} already has this rule (version {int(current[3])})")
    unit = entry["unit"] if entry else "unit"
    bound = int(a.registry.maxRewardPerActivity())
    if args.coins * args.max_units // args.units_per_block > bound:
        raise CommandError(
            f"one activity could earn {coins(args.coins * args.max_units // args.units_per_block)} under this rule "
            f"({per(args.max_units, unit)}), above the bound fixed at deployment ({coins(bound)} per activity)")
    receipt = a.send(
        f"set category {category}: {coins(args.coins)} per {per(args.units_per_block, unit)}, "
        f"at most {per(args.max_units, unit)}{'' if active else ', inactive'}",
        a.registry.setCategoryRule, category, args.coins, args.units_per_block, args.max_units, active,
    )
    print(f"  rule version: {int(receipt.events['CategoryRuleSet']['version'])}", file=a.out)
    values = {"coinsPerBlock": str(args.coins), "unitsPerBlock": args.units_per_block, "maxUnits": args.max_units, "active": active}
    if entry is not None:
        entry.update(values)
    else:
        a.manifest["config"]["categories"].append({"key": f"category-{category}", "id": category, "unit": unit, **values})
    a.save()
    return 0


def cmd_set_cap(a: Admin, args) -> int:
    a.require_admin(a.registry)
    a.require_centre(args.centre)
    if args.cap > UINT88_MAX:
        raise CommandError(f"a cap of {coins(args.cap)} is more than the registry can hold ({coins(UINT88_MAX)})")
    cap, _, _, period, _ = a.registry.centre(args.centre)
    new_period = args.period_days * DAY if args.period_days else int(period)
    if (int(cap), int(period)) == (args.cap, new_period):
        return a.nothing(f"centre {args.centre} already has a cap of {coins(args.cap)} per {new_period // DAY} days")
    a.send(f"set centre {args.centre} cap to {coins(args.cap)} per {new_period // DAY} days",
           a.registry.setCentreCap, args.centre, args.cap, new_period)
    if (entry := _centre_entry(a, args.centre)) is not None:
        entry.update({"cap": str(args.cap), "periodSeconds": new_period})
        a.save()
    return 0


def _pause(paused: bool):
    def command(a: Admin, args) -> int:
        a.require_admin(a.coin)
        if bool(a.coin.paused()) == paused:
            return a.nothing(f"the coin is already {'paused' if paused else 'running'}")
        verb = "pause" if paused else "unpause"
        a.send(f"{verb} the coin ({'no transfers, mints or redemptions until unpaused' if paused else 'transfers resume'})",
               getattr(a.coin, verb))
        return 0

    return command


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


def cmd_transfer_admin(a: Admin, args) -> int:
    """Starts the two-step transfer of the admin role in all three contracts (AccessControlDefaultAdminRules): the new
    admin accepts after the delay fixed at deployment; until then the signer stays admin and can cancel."""
    from brownie import web3

    contracts = (a.coin, a.registry, a.redemption)
    a.require_admin(*contracts)
    new_admin = a.resolve(args.address)
    me = a.session.signer.address
    if new_admin == me:
        raise CommandError(f"{new_admin} is already the admin (it is the signer)")
    if not args.allow_eoa and len(web3.eth.get_code(new_admin)) == 0:
        raise CommandError(
            f"{new_admin} has no code, so it is not a multisig on this network; pass --allow-eoa to hand admin to a "
            "single key anyway"
        )
    schedule = 0
    for contract in contracts:
        pending, at = contract.pendingDefaultAdmin()
        if pending == new_admin:
            print(f"  the transfer of {contract._name} to {new_admin} is already under way", file=a.out)
            schedule = max(schedule, int(at))
            continue
        receipt = a.send(f"start the transfer of the admin of {contract._name} to {new_admin}",
                         contract.beginDefaultAdminTransfer, new_admin)
        schedule = max(schedule, int(receipt.events["DefaultAdminTransferScheduled"]["acceptSchedule"]))
    a.manifest["pendingAdmin"] = {"address": new_admin, "acceptableAfter": schedule}
    a.save()
    print(f"  {new_admin} may accept after {_when(schedule)} (tools/admin accept-admin signed by it, or "
          "acceptDefaultAdminTransfer() on each contract from the multisig); until then "
          f"{me} stays admin and tools/admin cancel-admin-transfer stops it", file=a.out)
    return 0


def cmd_accept_admin(a: Admin, args) -> int:
    """The second step, signed by the new admin once the delay has passed."""
    from brownie import web3

    me = a.session.signer.address
    contracts = [c for c in (a.coin, a.registry, a.redemption) if c.defaultAdmin() != me]
    if not contracts:
        return a.nothing(f"{me} is already the admin of all three contracts")
    now = int(web3.eth.get_block("latest")["timestamp"])  # the chain's clock, which the contracts compare with
    for contract in contracts:
        pending, at = contract.pendingDefaultAdmin()
        if pending != me:
            raise CommandError(f"no transfer of the admin of {contract._name} to {me} is under way "
                               "(the current admin starts one with tools/admin transfer-admin)")
        if int(at) >= now:
            raise CommandError(f"the transfer to {me} can be accepted only after {_when(int(at))} (the delay fixed at "
                               "deployment has not passed yet)")
    for contract in contracts:
        a.send(f"accept the admin of {contract._name} as {me}", contract.acceptDefaultAdminTransfer)
    a.manifest["admin"] = me
    a.manifest.pop("pendingAdmin", None)
    a.save()
    print(f"  admin is now {me}; the previous admin holds no admin role", file=a.out)
    return 0


def cmd_cancel_admin_transfer(a: Admin, args) -> int:
    contracts = (a.coin, a.registry, a.redemption)
    a.require_admin(*contracts)
    pending = [c for c in contracts if int(c.pendingDefaultAdmin()[1]) != 0]
    if not pending:
        return a.nothing("no transfer of the admin role is under way")
    for contract in pending:
        a.send(f"cancel the transfer of the admin of {contract._name}", contract.cancelDefaultAdminTransfer)
    a.manifest.pop("pendingAdmin", None)
    a.save()
    return 0


def cmd_status(a: Admin, args) -> int:
    out, reg = a.out, a.registry
    role = reg.DEFAULT_ADMIN_ROLE()
    print(f"  admin (manifest)  {a.manifest.get('admin')}", file=out)
    print(f"  signer is admin   {all(c.hasRole(role, a.session.signer.address) for c in (a.coin, reg, a.redemption))}", file=out)
    print(f"  coin              {a.coin.symbol()} at {a.coin.address}, {'PAUSED' if a.coin.paused() else 'running'}, "
          f"supply {coins(int(a.coin.totalSupply()))}", file=out)
    print(f"  won per coin      {int(a.redemption.wonPerCoin())}", file=out)
    print(f"  revocation window {int(reg.revocationWindow()) // DAY} days", file=out)
    print(f"  admin (chain)     {reg.defaultAdmin()}, transfer delay {int(reg.defaultAdminDelay()) / DAY:g} days", file=out)
    pending, at = reg.pendingDefaultAdmin()
    if int(at):
        print(f"  admin transfer    to {pending}, acceptable after {_when(int(at))}", file=out)
    print(f"  max per activity  {coins(int(reg.maxRewardPerActivity()))} (fixed at deployment)", file=out)
    for entry in a.manifest["config"]["categories"]:
        rule = reg.categoryRule(entry["id"])
        print(f"  category {entry['id']:<3} {entry['key']:<18} {coins(int(rule[0]))} per {per(int(rule[1]), entry['unit'])}, "
              f"max {int(rule[2])}, v{int(rule[3])}{'' if rule[4] else ' (inactive)'}", file=out)
    for centre in range(1, int(reg.centreCount()) + 1):
        cap, _, _, period, active = reg.centre(centre)
        entry = _centre_entry(a, centre) or {}
        print(f"  centre {centre:<5} {entry.get('key', '?'):<26} cap {coins(int(cap))} per {int(period) // DAY} days, "
              f"{'active' if active else 'inactive'}, remaining {coins(int(reg.remainingCap(centre)))}", file=out)
    return 0


COMMANDS = {
    "add-centre": cmd_add_centre,
    "grant-coordinator": cmd_grant_coordinator,
    "revoke-coordinator": cmd_revoke_coordinator,
    "add-provider": _member("provider", True),
    "remove-provider": _member("provider", False),
    "add-charity": _member("charity", True),
    "remove-charity": _member("charity", False),
    "set-rule": cmd_set_rule,
    "set-cap": cmd_set_cap,
    "pause": _pause(True),
    "unpause": _pause(False),
    "transfer-admin": cmd_transfer_admin,
    "accept-admin": cmd_accept_admin,
    "cancel-admin-transfer": cmd_cancel_admin_transfer,
    "status": cmd_status,
}


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    add_network_arguments(common)
    parser = argparse.ArgumentParser(prog="tools/admin", description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_, parents=[common])

    p = command("add-centre", "add a volunteer centre with a coin cap per period")
    p.add_argument("--cap", type=coin_amount, required=True, help="coins the centre may issue per period")
    p.add_argument("--period-days", type=whole(1, UINT32_MAX // DAY, "period days"), required=True)
    p.add_argument("--coordinator", type=address, action="append", default=[], help="a coordinator (repeatable)")
    p.add_argument("--key", type=key, help="off-chain short name, recorded in the manifest")
    p.add_argument("--name", help="off-chain display name, recorded in the manifest")
    p.add_argument("--name-ko", help="off-chain display name in Korean, recorded in the manifest")
    for name, help_ in (("grant-coordinator", "let ADDRESS attest for CENTRE"), ("revoke-coordinator", "stop ADDRESS attesting for CENTRE")):
        p = command(name, help_)
        p.add_argument("centre", type=centre_id, metavar="CENTRE")
        p.add_argument("address", type=address, metavar="ADDRESS")
    for kind in ("provider", "charity"):
        p = command(f"add-{kind}", f"grant the {kind} role to ADDRESS")
        p.add_argument("address", type=address, metavar="ADDRESS")
        p.add_argument("--key", type=key, help="off-chain short name, recorded in the manifest")
        p.add_argument("--name", help="off-chain display name, recorded in the manifest")
        p.add_argument("--name-ko", help="off-chain display name in Korean, recorded in the manifest")
        p = command(f"remove-{kind}", f"revoke the {kind} role from ADDRESS")
        p.add_argument("address", type=address, metavar="ADDRESS")
    p = command("set-rule", "set (or version) the rule of a category")
    p.add_argument("category", metavar="CATEGORY", help="category id or its key in the manifest (e.g. volunteering)")
    p.add_argument("--coins", type=coin_amount, required=True, help="coins per block of units")
    p.add_argument("--units-per-block", type=whole(1, UINT32_MAX, "units per block"), required=True)
    p.add_argument("--max-units", type=whole(1, UINT32_MAX, "max units"), required=True)
    p.add_argument("--inactive", action="store_true", help="switch the category off")
    p = command("set-cap", "set a centre's coin cap (and optionally its period)")
    p.add_argument("centre", type=centre_id, metavar="CENTRE")
    p.add_argument("cap", type=coin_amount, metavar="COINS")
    p.add_argument("--period-days", type=whole(1, UINT32_MAX // DAY, "period days"))
    command("pause", "pause the coin: no transfers, mints or redemptions")
    command("unpause", "unpause the coin")
    p = command("transfer-admin", "start handing the admin role of all three contracts to ADDRESS (a multisig); it "
                                  "accepts after the delay fixed at deployment")
    p.add_argument("address", type=address, metavar="ADDRESS")
    p.add_argument("--allow-eoa", action="store_true", help="allow an address without code (a single key)")
    command("accept-admin", "accept the admin role of all three contracts (signed by the new admin, after the delay)")
    command("cancel-admin-transfer", "cancel a transfer of the admin role that is under way")
    command("status", "print the deployment's on-chain configuration")
    return parser


def cli(argv: list[str] | None = None, out=sys.stdout) -> int:
    args = build_parser().parse_args(argv)
    try:
        session = open_session(args)
        try:
            path = manifest_path(session.chain_id, args.manifest_dir)
            manifest = read_manifest(path)
            if manifest is None:
                raise CommandError(f"no deployment on chain {session.chain_id} (no manifest at {path}); run tools/deploy first")
            if problems := check_deployment(session, manifest):
                raise CommandError(f"{path} does not describe this chain: {'; '.join(problems)}; run tools/deploy")
            print(f"{args.command} on {session.describe()} as {session.signer.address}", file=out)
            return COMMANDS[args.command](Admin(session, manifest, path, out), args)
        finally:
            close_session()
    except (CommandError, ManifestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(cli())
