"""Who holds a role now, from the history of its grants and revocations (OpenZeppelin AccessControl's RoleGranted
and RoleRevoked events, in chain order). Pure: the caller reads the events."""

from __future__ import annotations

from collections.abc import Iterable


def role_id(role: bytes | str) -> str:
    """A role id as the indexer stores it: 0x and 64 lower-case hex digits."""
    return ("0x" + role.hex()) if isinstance(role, bytes) else role.lower()


def holders(events: Iterable[tuple[str, dict]], role: bytes | str) -> list[str]:
    """The accounts holding `role` after `events` ((event name, arguments), oldest first), in the order they were
    granted it: an account revoked and granted again counts from its last grant."""
    wanted, out = role_id(role), {}
    for name, args in events:
        if role_id(str(args.get("role", ""))) != wanted:
            continue
        if name == "RoleGranted":
            out.setdefault(args["account"], None)
        elif name == "RoleRevoked":
            out.pop(args["account"], None)
    return list(out)
