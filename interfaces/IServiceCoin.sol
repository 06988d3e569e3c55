// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IServiceCoin
/// @notice The volunteer bank's service coin: an ERC-20 (with EIP-2612 permit) that any EVM wallet shows.
/// Coins come into existence only when the ActivityRegistry attests volunteer activity, and leave it only
/// when a provider settles them with the city or a revocation claws them back. Minted coins are locked for
/// one to two lock periods (the revocation window): until then they can neither be spent nor moved, so a
/// revoked attestation can never have been turned into won.
/// @dev Trust model (docs/contracts.md, "Trust model"). The two contracts allowed to create, destroy and move coins
/// are fixed at deployment (immutable), so not even the admin can mint:
/// - the ActivityRegistry mints on attestation and claws back on revocation (only the revoked attestation's coins,
///   which are still locked), at once;
/// - the Redemption contract burns on provider settlement, and moves a resident's coins only on that
///   resident's own request (a direct call, or an EIP-712 request the resident signed), so no allowance is
///   needed; at once.
/// - The admin (`DEFAULT_ADMIN_ROLE`, the city) may only pause and unpause, at once. It cannot mint, burn, move or
///   spend anyone's coins, change the registry, Redemption or the lock period (immutable), or stop a revocation (the
///   claw-back works while paused).
/// - The admin role itself passes on in two steps (OpenZeppelin's AccessControlDefaultAdminRules): the admin starts a
///   transfer, and the new admin accepts it only after the delay fixed at deployment (`defaultAdminDelay`, 2 days by
///   default); renouncing it waits the same; changing the delay waits too. There is one admin at a time, and it
///   cannot be granted or revoked directly.
/// - A holder may transfer (or permit) its unlocked coins, at once; nobody, the holder included, can move coins
///   minted for activity in the current lock period or the one before.
interface IServiceCoin is IERC20 {
    /// @notice The registry or redemption address given to the constructor is the zero address.
    error ServiceCoinInvalidModule(address registry, address redemption);
    /// @notice `account` is not the contract allowed to do this.
    error ServiceCoinUnauthorized(address account);
    /// @notice The lock period given to the constructor is zero.
    error ServiceCoinInvalidLockPeriod(uint32 lockPeriod);
    /// @notice `account` tried to move `needed` coins while only `available` are unlocked: coins minted for
    /// volunteer activity move only once the activity can no longer be revoked.
    error ServiceCoinLockedCoins(address account, uint256 available, uint256 needed);
    /// @notice The city paused the coin (`pause`): nothing moves until it resumes.
    error EnforcedPause();
    /// @notice `unpause` while not paused.
    error ExpectedPause();
    /// @notice The city paused every movement of coins.
    event Paused(address account);
    /// @notice The city resumed them.
    event Unpaused(address account);
    /// @notice The supply would not fit 96 bits (about 79 billion coins), the width of a balance.
    error ServiceCoinSupplyOverflow(uint256 supply);

    /// @notice Mints `amount` coins to `to`. Only the registry.
    /// @dev Emits {Transfer} from the zero address. Reverts while paused.
    function mint(address to, uint256 amount) external;

    /// @notice Burns up to `amount` coins held by `from`: all of it, or the whole balance if that is less.
    /// Only the registry (revocation claw-back), for coins it minted at `mintedAt`: they are still locked (the
    /// revocation window is the lock period), so a revocation within its window always burns them in full. It works
    /// while the coin is paused: the pause stops coins moving, not the correction of records.
    /// @return burned what was burned
    function clawBack(address from, uint256 amount, uint256 mintedAt) external returns (uint256 burned);

    /// @notice Burns `amount` coins held by `from`. Only the Redemption contract (provider settlement).
    /// @dev Emits {Transfer} to the zero address. Reverts with `ERC20InsufficientBalance` when `from` holds less.
    function burn(address from, uint256 amount) external;

    /// @notice Moves `amount` coins from `from` to `to` without an allowance. Only the Redemption contract,
    /// which calls it only for `from` = its caller or a verified signer.
    /// @dev Emits {Transfer}.
    function spend(address from, address to, uint256 amount) external;

    /// @notice Coins of `account` that cannot move yet: minted for activity in this lock period or the previous one.
    function lockedOf(address account) external view returns (uint256);

    /// @notice Coins of `account` that can move now (its balance less what is locked).
    function availableOf(address account) external view returns (uint256);

    /// @notice Seconds of a lock period: minted coins move from the start of the second period after their
    /// mint, so between one and two periods later. It is also the registry's revocation window.
    function lockPeriod() external view returns (uint32);

    /// @notice The ActivityRegistry, the only minter.
    function registry() external view returns (address);

    /// @notice The Redemption contract, the only spender and settlement burner.
    function redemption() external view returns (address);

    /// @notice Stops every mint, burn and transfer. Only `DEFAULT_ADMIN_ROLE`. Emits {Paused}.
    function pause() external;

    /// @notice Resumes mints, burns and transfers. Only `DEFAULT_ADMIN_ROLE`. Emits {Unpaused}.
    function unpause() external;

    /// @notice Whether every mint, burn and transfer is stopped.
    function paused() external view returns (bool);
}
