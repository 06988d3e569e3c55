"""The reviewed deployment configuration (config/deployment.yaml): parsed and checked before anything is sent.

Every mistake is reported with its place in the file (`centres[1].cap: …`), and unknown keys are refused so a
typo cannot silently leave a setting at its default.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from eth_utils import is_address, is_checksum_address, to_checksum_address

from backend.domain.units import COIN
DAY = 24 * 60 * 60
UINT16_MAX, UINT32_MAX, UINT88_MAX, UINT96_MAX = 2**16 - 1, 2**32 - 1, 2**88 - 1, 2**96 - 1
DEV_ACCOUNT = re.compile(r"^dev:(\d+)$")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class ConfigError(ValueError):
    """The configuration file is malformed; the message says where and how."""


@dataclass(frozen=True)
class Category:
    key: str
    id: int
    unit: str
    coins_per_block: int  # in the coin's smallest unit
    units_per_block: int
    max_units: int
    active: bool = True
    name: str | None = None  # display names, off-chain (English, Korean)
    name_ko: str | None = None


@dataclass(frozen=True)
class Centre:
    key: str
    name: str
    cap: int  # in the coin's smallest unit, per period
    period_days: int
    coordinators: tuple[str, ...]  # "0x…" or "dev:N"
    active: bool = True
    name_ko: str | None = None  # the Korean display name, off-chain

    @property
    def period_seconds(self) -> int:
        return self.period_days * DAY


@dataclass(frozen=True)
class Member:
    """A provider or a charity."""

    key: str
    name: str
    address: str  # "0x…" or "dev:N"
    name_ko: str | None = None  # the Korean display name, off-chain


@dataclass(frozen=True)
class DeploymentConfig:
    path: str
    sha256: str
    coin_name: str
    coin_symbol: str
    won_per_coin: int
    revocation_window_days: int
    admin_transfer_delay_days: int
    max_reward_per_activity: int  # in the coin's smallest unit
    categories: tuple[Category, ...]
    centres: tuple[Centre, ...]
    providers: tuple[Member, ...]
    charities: tuple[Member, ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def revocation_window_seconds(self) -> int:
        return self.revocation_window_days * DAY

    @property
    def admin_transfer_delay_seconds(self) -> int:
        return self.admin_transfer_delay_days * DAY

    def addresses(self) -> list[str]:
        """Every address (or dev:N reference) the configuration names."""
        out = [a for c in self.centres for a in c.coordinators]
        return out + [m.address for m in (*self.providers, *self.charities)]


def check_address(value: Any, where: str, *, allow_dev: bool = True) -> str:
    """Returns a checksummed address (or a "dev:N" reference), or raises ConfigError saying what is wrong."""
    if isinstance(value, str) and allow_dev and DEV_ACCOUNT.match(value):
        return value
    if not isinstance(value, str) or not is_address(value):
        raise ConfigError(f"{where}: {value!r} is not an address (expected 0x and 40 hex digits)")
    if value != value.lower() and not is_checksum_address(value):
        raise ConfigError(f"{where}: {value!r} has a wrong checksum (a mistyped letter?); correct it or use lower case")
    if int(value, 16) == 0:
        raise ConfigError(f"{where}: the zero address cannot hold a role")
    return to_checksum_address(value)


def coins_to_units(value: Any, where: str, *, maximum: int, allow_zero: bool = False) -> int:
    """Whole or decimal coins → the coin's smallest unit, exactly (no float rounding)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{where}: expected a number of coins, got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{where}: expected a number of coins, got {value!r}") from None
    units = amount * COIN
    if units != units.to_integral_value():
        raise ConfigError(f"{where}: {value} has more than 18 decimals")
    units = int(units)
    if units < 0 or (units == 0 and not allow_zero):
        raise ConfigError(f"{where}: must be {'zero coins or more' if allow_zero else 'more than zero coins'}, got {value}")
    if units > maximum:
        raise ConfigError(f"{where}: {value} coins is more than the contract can hold ({maximum / COIN:.6g})")
    return units


def _int(value: Any, where: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}: expected a whole number, got {value!r}")
    if not minimum <= value <= maximum:
        raise ConfigError(f"{where}: must be between {minimum} and {maximum}, got {value}")
    return value


def _str(value: Any, where: str, *, pattern: re.Pattern | None = None, max_len: int = 100) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise ConfigError(f"{where}: expected a non-empty text of at most {max_len} characters, got {value!r}")
    if pattern and not pattern.match(value):
        raise ConfigError(f"{where}: {value!r} must be lower-case letters, digits, dashes and underscores")
    return value


def _optional_str(spec: dict, key: str, where: str) -> str | None:
    """An optional display text (a name): absent is None, present must be a non-empty text."""
    return _str(spec[key], f"{where}.{key}") if key in spec else None


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def _mapping(value: Any, where: str, required: set[str], optional: set[str] = frozenset()) -> dict:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    missing = sorted(required - value.keys())
    if missing:
        raise ConfigError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(value) - required - set(optional))
    if unknown:
        raise ConfigError(f"{where}: unknown key {', '.join(map(str, unknown))} (allowed: {', '.join(sorted(required | set(optional)))})")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _unique(items, attr: str, where: str) -> None:
    seen: set = set()
    for i, item in enumerate(items):
        v = getattr(item, attr)
        if v in seen:
            raise ConfigError(f"{where}[{i}].{attr}: {v!r} appears twice")
        seen.add(v)


def parse_config(data: Any, path: str = "<config>", sha256: str = "") -> DeploymentConfig:
    top = _mapping(
        data,
        path,
        {"coin", "won_per_coin", "revocation_window_days", "admin_transfer_delay_days", "max_coins_per_activity",
         "categories", "centres"},
        {"providers", "charities"},
    )
    coin = _mapping(top["coin"], "coin", {"name", "symbol"})

    categories = []
    cats = _mapping(top["categories"], "categories", set(), set(top["categories"] or {}))
    for key, spec in cats.items():
        where = f"categories.{key}"
        _str(key, where, pattern=KEY)
        spec = _mapping(spec, where, {"id", "unit", "coins", "units_per_block", "max_units"}, {"active", "name", "name_ko"})
        active = _bool(spec.get("active", True), f"{where}.active")
        categories.append(
            Category(
                key=key,
                id=_int(spec["id"], f"{where}.id", minimum=1, maximum=UINT16_MAX),
                unit=_str(spec["unit"], f"{where}.unit", max_len=32),
                coins_per_block=coins_to_units(spec["coins"], f"{where}.coins", maximum=UINT96_MAX, allow_zero=not active),
                units_per_block=_int(spec["units_per_block"], f"{where}.units_per_block", minimum=1, maximum=UINT32_MAX),
                max_units=_int(spec["max_units"], f"{where}.max_units", minimum=1, maximum=UINT32_MAX),
                active=active,
                name=_optional_str(spec, "name", where),
                name_ko=_optional_str(spec, "name_ko", where),
            )
        )
    if not categories:
        raise ConfigError("categories: at least one category is needed")
    max_reward = coins_to_units(top["max_coins_per_activity"], "max_coins_per_activity", maximum=UINT96_MAX)
    for cat in categories:
        most = cat.coins_per_block * cat.max_units // cat.units_per_block
        if most > max_reward:
            raise ConfigError(f"categories.{cat.key}: one activity could earn {Decimal(most) / COIN} coins "
                              f"({cat.max_units} units), above max_coins_per_activity ({Decimal(max_reward) / COIN})")
    ids: dict[int, str] = {}
    for cat in categories:
        if cat.id in ids:
            raise ConfigError(f"categories.{cat.key}.id: {cat.id} is also the id of {ids[cat.id]}")
        ids[cat.id] = cat.key

    centres = []
    for i, spec in enumerate(_list(top["centres"], "centres")):
        where = f"centres[{i}]"
        spec = _mapping(spec, where, {"key", "cap", "period_days", "coordinators"}, {"name", "name_ko", "active"})
        coordinators = tuple(
            check_address(a, f"{where}.coordinators[{j}]")
            for j, a in enumerate(_list(spec["coordinators"], f"{where}.coordinators"))
        )
        if len(set(coordinators)) != len(coordinators):
            raise ConfigError(f"{where}.coordinators: an address appears twice")
        key = _str(spec["key"], f"{where}.key", pattern=KEY)
        centres.append(
            Centre(
                key=key,
                name=_str(spec.get("name", key), f"{where}.name"),
                cap=coins_to_units(spec["cap"], f"{where}.cap", maximum=UINT88_MAX, allow_zero=True),
                period_days=_int(spec["period_days"], f"{where}.period_days", minimum=1, maximum=UINT32_MAX // DAY),
                coordinators=coordinators,
                active=_bool(spec.get("active", True), f"{where}.active"),
                name_ko=_optional_str(spec, "name_ko", where),
            )
        )
    if not centres:
        raise ConfigError("centres: at least one centre is needed")
    _unique(centres, "key", "centres")

    def members(name: str) -> tuple[Member, ...]:
        out = []
        for i, spec in enumerate(_list(top.get(name) or [], name)):
            where = f"{name}[{i}]"
            spec = _mapping(spec, where, {"key", "address"}, {"name", "name_ko"})
            key = _str(spec["key"], f"{where}.key", pattern=KEY)
            out.append(Member(key, _str(spec.get("name", key), f"{where}.name"), check_address(spec["address"], f"{where}.address"),
                              _optional_str(spec, "name_ko", where)))
        _unique(out, "key", name)
        _unique(out, "address", name)
        return tuple(out)

    return DeploymentConfig(
        path=path,
        sha256=sha256,
        coin_name=_str(coin["name"], "coin.name"),
        coin_symbol=_str(coin["symbol"], "coin.symbol", max_len=11),
        won_per_coin=_int(top["won_per_coin"], "won_per_coin", minimum=1, maximum=2**128),
        revocation_window_days=_int(top["revocation_window_days"], "revocation_window_days", minimum=1, maximum=UINT32_MAX // DAY),
        admin_transfer_delay_days=_int(top["admin_transfer_delay_days"], "admin_transfer_delay_days", minimum=0,
                                       maximum=365),
        max_reward_per_activity=max_reward,
        categories=tuple(categories),
        centres=tuple(centres),
        providers=members("providers"),
        charities=members("charities"),
        raw=data,
    )


def load_config(path: str | Path) -> DeploymentConfig:
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the deployment config {path}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return parse_config(data, str(path), hashlib.sha256(text).hexdigest())
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
