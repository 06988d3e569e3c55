// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IServiceCoin
/// @notice The volunteer bank's service coin: an ERC-20 (with EIP-2612 permit) that any EVM wallet shows.
/// Coins come into existence only when the ActivityRegistry attests volunteer activity, and leave it only
/// when a provider settles them with the city or a revocation claws them back.
/// @dev Privileged entry points are gated by AccessControl roles:
/// - `MINTER_ROLE`: the ActivityRegistry (mint on attestation);
/// - `BURNER_ROLE`: the ActivityRegistry (claw-back) and the Redemption contract (provider settlement);
/// - `SPENDER_ROLE`: the Redemption contract, which moves a resident's coins only on that resident's own
///   request (a direct call, or an EIP-712 request the resident signed), so no allowance is needed;
/// - `DEFAULT_ADMIN_ROLE`: the city; grants roles and pauses every movement of coins.
interface IServiceCoin is IERC20 {
    /// @notice The admin given to the constructor is the zero address.
    error ServiceCoinInvalidAdmin(address admin);

    /// @notice Mints `amount` coins to `to`. Only `MINTER_ROLE`.
    /// @dev Emits {Transfer} from the zero address. Reverts while paused.
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` coins held by `from`, without an allowance. Only `BURNER_ROLE`.
    /// @dev Emits {Transfer} to the zero address. Reverts with `ERC20InsufficientBalance` when `from` holds less.
    function burn(address from, uint256 amount) external;

    /// @notice Moves `amount` coins from `from` to `to` without an allowance. Only `SPENDER_ROLE`, which is
    /// granted to the Redemption contract alone; it calls this only for `from` = the caller or a verified signer.
    /// @dev Emits {Transfer}.
    function spend(address from, address to, uint256 amount) external;

    /// @notice Stops every mint, burn and transfer. Only `DEFAULT_ADMIN_ROLE`. Emits {Paused}.
    function pause() external;

    /// @notice Resumes mints, burns and transfers. Only `DEFAULT_ADMIN_ROLE`. Emits {Unpaused}.
    function unpause() external;
}
