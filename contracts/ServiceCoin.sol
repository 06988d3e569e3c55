// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IServiceCoin} from "../interfaces/IServiceCoin.sol";
import {CoinAccounts} from "./libraries/CoinAccounts.sol";

/// @title ServiceCoin
/// @notice The volunteer bank's ERC-20 with EIP-2612 permit. See {IServiceCoin} for who may mint, burn,
/// spend and pause.
contract ServiceCoin is ERC20, ERC20Permit, AccessControlDefaultAdminRules, IServiceCoin {
    using CoinAccounts for uint256;

    address private immutable _registry;
    address private immutable _redemption;
    uint32 private immutable _lockPeriod;

    /// @dev The pause flag, in the top bit of the supply's word: a mint reads one slot for both.
    uint256 private constant PAUSED = 1 << 255;

    /// @dev Balances and locks, one word per holder (see {CoinAccounts}); ERC20's own balance map is unused.
    mapping(address account => uint256) private _accounts;
    /// @dev The total supply (low 96 bits) and the pause flag ({PAUSED}).
    uint256 private _supplyAndPause;

    /// @param registry_ the ActivityRegistry (deployed right after this contract; its address is predicted)
    /// @param redemption_ the Redemption contract (likewise)
    /// @param lockPeriod_ seconds: minted coins cannot move for one to two of these (the registry's revocation
    /// window is this period, so a revocation always finds the coins it revokes)
    /// @param adminDelay seconds between the start of an admin transfer and its acceptance (two steps, see
    /// OpenZeppelin's AccessControlDefaultAdminRules, which also refuses a zero admin)
    constructor(
        string memory name_,
        string memory symbol_,
        address admin,
        address registry_,
        address redemption_,
        uint32 lockPeriod_,
        uint48 adminDelay
    ) ERC20(name_, symbol_) ERC20Permit(name_) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (registry_ == address(0) || redemption_ == address(0)) {
            revert ServiceCoinInvalidModule(registry_, redemption_);
        }
        if (lockPeriod_ == 0) revert ServiceCoinInvalidLockPeriod(lockPeriod_);
        _registry = registry_;
        _redemption = redemption_;
        _lockPeriod = lockPeriod_;
    }

    /// @inheritdoc IServiceCoin
    function mint(address to, uint256 amount) external {
        _only(_registry);
        _mint(to, amount);
    }

    /// @inheritdoc IServiceCoin
    function clawBack(address from, uint256 amount, uint256 mintedAt) external returns (uint256 burned) {
        _only(_registry);
        // The revoked coins are locked where they were minted: their lock is released with them. Not stopped by the
        // pause: a revocation corrects the record, and an incident (a stolen coordinator key) is when it is needed.
        uint256 word = _accounts[from].unlock(_period(block.timestamp), _period(mintedAt), amount);
        uint256 held = word.balance();
        burned = held < amount ? held : amount;
        if (burned != 0) {
            // Cannot underflow: burned <= held <= supply, and neither leaves its field.
            unchecked {
                _accounts[from] = word - burned;
                _supplyAndPause -= burned;
            }
            emit Transfer(from, address(0), burned);
        }
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
        uint256 word = _supplyAndPause;
        if (word & PAUSED != 0) revert EnforcedPause();
        _supplyAndPause = word | PAUSED;
        emit Paused(msg.sender);
    }

    /// @inheritdoc IServiceCoin
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 word = _supplyAndPause;
        if (word & PAUSED == 0) revert ExpectedPause();
        _supplyAndPause = word & ~PAUSED;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IServiceCoin
    function paused() public view returns (bool) {
        return _supplyAndPause & PAUSED != 0;
    }

    /// @inheritdoc IERC20
    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        return _accounts[account].balance();
    }

    /// @inheritdoc IERC20
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        return _supplyAndPause & CoinAccounts.BALANCE_MASK;
    }

    /// @inheritdoc IServiceCoin
    function lockedOf(address account) external view returns (uint256) {
        return _accounts[account].locked(_period(block.timestamp));
    }

    /// @inheritdoc IServiceCoin
    function availableOf(address account) external view returns (uint256) {
        uint256 word = _accounts[account];
        return word.balance() - word.locked(_period(block.timestamp));
    }

    /// @inheritdoc IServiceCoin
    function lockPeriod() external view returns (uint32) {
        return _lockPeriod;
    }

    /// @inheritdoc IServiceCoin
    function registry() external view returns (address) {
        return _registry;
    }

    /// @inheritdoc IServiceCoin
    function redemption() external view returns (address) {
        return _redemption;
    }

    /// @dev Every balance change: the pause check, then ERC20's bookkeeping on the packed words, where coins leave an
    /// account only from its unlocked part and minted coins arrive locked.
    function _update(address from, address to, uint256 value) internal override {
        uint256 supplyWord = _supplyAndPause;
        if (supplyWord & PAUSED != 0) revert EnforcedPause();
        uint256 now_ = _period(block.timestamp);
        if (from == address(0)) {
            // The supply stays within 96 bits, so no balance (at most the supply) can overflow its field.
            uint256 supply = (supplyWord & CoinAccounts.BALANCE_MASK) + value;
            if (supply > CoinAccounts.BALANCE_MASK) revert ServiceCoinSupplyOverflow(supply);
            _supplyAndPause = supply;
        } else {
            uint256 word = _accounts[from];
            uint256 held = word.balance();
            if (held < value) revert ERC20InsufficientBalance(from, held, value);
            uint256 free;
            // Cannot underflow: locked() is at most the balance.
            unchecked {
                free = held - word.locked(now_);
            }
            if (free < value) revert ServiceCoinLockedCoins(from, free, value);
            // Cannot underflow: value <= held, which is the word's low 96 bits.
            unchecked {
                _accounts[from] = word - value;
            }
        }
        if (to == address(0)) {
            // Cannot underflow: value <= held <= supply; not paused here, so the word is the supply alone.
            unchecked {
                _supplyAndPause = supplyWord - value;
            }
        } else {
            uint256 word = _accounts[to];
            // Cannot overflow the balance field: a balance is at most the supply, which fits it.
            unchecked {
                _accounts[to] = from == address(0) ? word.mintLocked(now_, value) : word + value;
            }
        }
        emit Transfer(from, to, value);
    }

    function _period(uint256 timestamp) private view returns (uint256) {
        // Cannot divide by zero: the constructor refuses a zero lock period.
        unchecked {
            return timestamp / _lockPeriod;
        }
    }

    function _only(address module) private view {
        if (msg.sender != module) revert ServiceCoinUnauthorized(msg.sender);
    }
}
