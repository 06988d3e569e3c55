// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IServiceCoin} from "../interfaces/IServiceCoin.sol";

/// @title ServiceCoin
/// @notice The volunteer bank's ERC-20 with EIP-2612 permit. See {IServiceCoin} for who may mint, burn,
/// spend and pause.
contract ServiceCoin is ERC20, ERC20Permit, ERC20Pausable, AccessControl, IServiceCoin {
    address private immutable _registry;
    address private immutable _redemption;

    /// @param registry_ the ActivityRegistry (deployed right after this contract; its address is predicted)
    /// @param redemption_ the Redemption contract (likewise)
    constructor(string memory name_, string memory symbol_, address admin, address registry_, address redemption_)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
    {
        if (admin == address(0)) revert ServiceCoinInvalidAdmin(admin);
        if (registry_ == address(0) || redemption_ == address(0)) {
            revert ServiceCoinInvalidModule(registry_, redemption_);
        }
        _registry = registry_;
        _redemption = redemption_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IServiceCoin
    function mint(address to, uint256 amount) external {
        _only(_registry);
        _mint(to, amount);
    }

    /// @inheritdoc IServiceCoin
    function clawBack(address from, uint256 amount) external returns (uint256 burned) {
        _only(_registry);
        uint256 balance = balanceOf(from);
        burned = balance < amount ? balance : amount;
        if (burned != 0) _burn(from, burned);
    }

    /// @inheritdoc IServiceCoin
    function burn(address from, uint256 amount) external {
        _only(_redemption);
        _burn(from, amount);
    }

    /// @inheritdoc IServiceCoin
    function spend(address from, address to, uint256 amount) external {
        _only(_redemption);
        _transfer(from, to, amount);
    }

    /// @inheritdoc IServiceCoin
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @inheritdoc IServiceCoin
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    /// @inheritdoc IServiceCoin
    function registry() external view returns (address) {
        return _registry;
    }

    /// @inheritdoc IServiceCoin
    function redemption() external view returns (address) {
        return _redemption;
    }

    /// @dev Every balance change passes the pause check of ERC20Pausable.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Pausable) {
        super._update(from, to, value);
    }

    function _only(address module) private view {
        if (msg.sender != module) revert ServiceCoinUnauthorized(msg.sender);
    }
}
