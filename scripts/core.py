"""Deploys and wires the three core contracts. Used by scripts, tests and benchmarks alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.domain.units import COIN  # the scripts' and benches' unit

DAY = 24 * 60 * 60


@dataclass
class Core:
    coin: Any
    registry: Any
    redemption: Any


def deploy_core(
    containers: Any,
    admin: Any,
    *,
    name: str = "Volunteer Service Coin",
    symbol: str = "VSC",
    revocation_window: int = 30 * DAY,
    won_per_coin: int = 200,
    admin_delay: int = 2 * DAY,
    max_reward_per_activity: int = 100 * COIN,
    tx_params: dict | None = None,
) -> Core:
    """Deploys ServiceCoin, ActivityRegistry and Redemption from `admin`, in that order, in three
    consecutive transactions: the registry mints and claws back, Redemption spends on residents' requests
    and burns on settlement. `admin_delay` (seconds) is how long an admin transfer waits before the new admin can
    accept it, in all three; `max_reward_per_activity` (base units) bounds every category rule of the registry.

    `containers` is anything with the Brownie contract containers as attributes (a loaded project, or the
    `brownie` module inside `brownie run` / `brownie test`). `tx_params` adds Brownie transaction parameters
    (fees, confirmations) to each deployment.
    """
    tx = {"from": admin, **(tx_params or {})}
    # The coin fixes its registry and redemption addresses at construction (nobody can mint otherwise),
    # so they are predicted from the deployer's next nonces and checked after deployment.
    nonce = admin.nonce
    registry_at = admin.get_deployment_address(nonce + 1)
    redemption_at = admin.get_deployment_address(nonce + 2)
    # The coin's lock period is the registry's revocation window: a revocable coin is always still locked.
    coin = containers.ServiceCoin.deploy(name, symbol, admin, registry_at, redemption_at, revocation_window, admin_delay,
                                         tx)
    registry = containers.ActivityRegistry.deploy(coin, admin, admin_delay, max_reward_per_activity, tx)
    redemption = containers.Redemption.deploy(coin, admin, won_per_coin, admin_delay, tx)
    if (registry.address, redemption.address) != (registry_at, redemption_at):
        raise RuntimeError(
            "another transaction from the deployer landed during deployment; the coin is wired to "
            f"{registry_at}/{redemption_at} but got {registry.address}/{redemption.address}. Deploy again."
        )
    return Core(coin, registry, redemption)
