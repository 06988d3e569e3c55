// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IActivityRegistry, Centre, CategoryRule} from "../interfaces/IActivityRegistry.sol";

/// @title ActivityRules
/// @notice The city's configuration of the registry: centres with their caps, coordinators, category rules
/// and the revocation window (fixed at deployment). The admin (DEFAULT_ADMIN_ROLE) is the city, later a multisig; who
/// may do what is stated in {IActivityRegistry}.
abstract contract ActivityRules is AccessControlDefaultAdminRules, IActivityRegistry {
    /// @notice Prefix of the per-centre coordinator roles (see {coordinatorRole}).
    bytes32 public constant COORDINATOR_ROLE = keccak256("COORDINATOR_ROLE");

    mapping(uint32 centreId => Centre) internal _centres;
    mapping(uint16 category => CategoryRule) internal _rules;
    mapping(uint16 category => mapping(uint32 version => CategoryRule)) private _ruleHistory;
    uint32 private _centreCount;
    uint32 private immutable _revocationWindow;
    uint96 private immutable _maxRewardPerActivity;

    /// @param admin the city (OpenZeppelin's AccessControlDefaultAdminRules refuses the zero address)
    /// @param revocationWindow_ seconds an attestation stays revocable (the coin's lock period)
    /// @param adminDelay seconds between the start of an admin transfer and its acceptance
    /// @param maxRewardPerActivity_ the most coins (base units) one activity may earn under any rule, fixed here
    constructor(address admin, uint32 revocationWindow_, uint48 adminDelay, uint96 maxRewardPerActivity_)
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        if (maxRewardPerActivity_ == 0) revert ActivityRegistryInvalidMaxReward(maxRewardPerActivity_);
        _revocationWindow = revocationWindow_;
        _maxRewardPerActivity = maxRewardPerActivity_;
        emit RevocationWindowSet(revocationWindow_);
        emit MaxRewardPerActivitySet(maxRewardPerActivity_);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IActivityRegistry
    function addCentre(uint88 capPerPeriod, uint32 periodLength)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint32 centreId)
    {
        if (periodLength == 0) revert ActivityRegistryInvalidCentreConfig(capPerPeriod, periodLength);
        centreId = ++_centreCount;
        _centres[centreId] = Centre({
            capPerPeriod: capPerPeriod,
            issuedInPeriod: 0,
            periodIndex: uint32(block.timestamp / periodLength),
            periodLength: periodLength,
            active: true
        });
        emit CentreAdded(centreId, capPerPeriod, periodLength);
    }

    /// @inheritdoc IActivityRegistry
    function setCentreCap(uint32 centreId, uint88 capPerPeriod, uint32 periodLength)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        Centre storage c = _existingCentre(centreId);
        if (periodLength == 0) revert ActivityRegistryInvalidCentreConfig(capPerPeriod, periodLength);
        if (periodLength != c.periodLength) {
            // Period boundaries move with the length, so counting starts afresh.
            c.issuedInPeriod = 0;
            c.periodIndex = uint32(block.timestamp / periodLength);
            c.periodLength = periodLength;
        }
        c.capPerPeriod = capPerPeriod;
        emit CentreCapSet(centreId, capPerPeriod, periodLength);
    }

    /// @inheritdoc IActivityRegistry
    function setCentreActive(uint32 centreId, bool active) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _existingCentre(centreId).active = active;
        emit CentreActiveSet(centreId, active);
    }

    /// @inheritdoc IActivityRegistry
    function addCoordinator(uint32 centreId, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _existingCentre(centreId);
        _grantRole(coordinatorRole(centreId), account);
    }

    /// @inheritdoc IActivityRegistry
    function removeCoordinator(uint32 centreId, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _existingCentre(centreId);
        _revokeRole(coordinatorRole(centreId), account);
    }

    /// @inheritdoc IActivityRegistry
    function setCategoryRule(uint16 category, uint96 coinsPerBlock, uint32 unitsPerBlock, uint32 maxUnits, bool active)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint32 version)
    {
        if (unitsPerBlock == 0 || maxUnits == 0 || (active && coinsPerBlock == 0)) {
            revert ActivityRegistryInvalidCategoryRule(category);
        }
        // The most one activity can earn under the rule (at maxUnits): at most the deployment's bound. No overflow:
        // uint96 * uint32 < 2^128.
        uint256 maxReward = (uint256(coinsPerBlock) * maxUnits) / unitsPerBlock;
        if (maxReward > _maxRewardPerActivity) {
            revert ActivityRegistryRuleAboveMaxReward(category, maxReward, _maxRewardPerActivity);
        }
        version = _rules[category].version + 1;
        CategoryRule memory rule = CategoryRule({
            coinsPerBlock: coinsPerBlock,
            unitsPerBlock: unitsPerBlock,
            maxUnits: maxUnits,
            version: version,
            active: active
        });
        _rules[category] = rule;
        _ruleHistory[category][version] = rule;
        emit CategoryRuleSet(category, version, coinsPerBlock, unitsPerBlock, maxUnits, active);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IActivityRegistry
    function centre(uint32 centreId) external view returns (Centre memory) {
        return _centres[centreId];
    }

    /// @inheritdoc IActivityRegistry
    function centreCount() external view returns (uint32) {
        return _centreCount;
    }

    /// @inheritdoc IActivityRegistry
    function categoryRule(uint16 category) external view returns (CategoryRule memory) {
        return _rules[category];
    }

    /// @inheritdoc IActivityRegistry
    function categoryRuleAt(uint16 category, uint32 version) external view returns (CategoryRule memory) {
        return _ruleHistory[category][version];
    }

    /// @inheritdoc IActivityRegistry
    function rewardFor(uint16 category, uint32 units) external view returns (uint96) {
        return _reward(_rules[category], units);
    }

    /// @inheritdoc IActivityRegistry
    function revocationWindow() public view returns (uint32) {
        return _revocationWindow;
    }

    /// @inheritdoc IActivityRegistry
    function maxRewardPerActivity() external view returns (uint96) {
        return _maxRewardPerActivity;
    }

    /// @inheritdoc IActivityRegistry
    function remainingCap(uint32 centreId) external view returns (uint256) {
        Centre memory c = _centres[centreId];
        // periodLength 0 is the "no such centre" sentinel (addCentre/setCentreCap reject 0), not a time or balance.
        // slither-disable-next-line incorrect-equality
        if (c.periodLength == 0) return 0;
        // Same-period test on whole period indexes (timestamp / length); a few seconds of skew only shift a boundary.
        // slither-disable-next-line incorrect-equality
        uint256 issued = uint32(block.timestamp / c.periodLength) == c.periodIndex ? c.issuedInPeriod : 0;
        return issued >= c.capPerPeriod ? 0 : c.capPerPeriod - issued;
    }

    /// @inheritdoc IActivityRegistry
    function coordinatorRole(uint32 centreId) public pure returns (bytes32) {
        return keccak256(abi.encode(COORDINATOR_ROLE, centreId));
    }

    // ---------------------------------------------------------------- internal

    function _existingCentre(uint32 centreId) internal view returns (Centre storage c) {
        c = _centres[centreId];
        if (c.periodLength == 0) revert ActivityRegistryUnknownCentre(centreId);
    }

    function _checkCoordinator(uint32 centreId, address account) internal view {
        if (!hasRole(coordinatorRole(centreId), account)) revert ActivityRegistryNotCoordinator(account, centreId);
    }

    /// @dev Coins `units` are worth under `rule`; rounds down.
    function _reward(CategoryRule memory rule, uint32 units) internal pure returns (uint96) {
        if (rule.unitsPerBlock == 0) return 0;
        // The product cannot overflow (uint96 * uint32 < 2^128); the quotient is range-checked.
        return SafeCast.toUint96((uint256(rule.coinsPerBlock) * units) / rule.unitsPerBlock);
    }

    /// @dev Adds `amount` to the centre's issuance in the current period, or reverts over the cap.
    function _consumeCap(uint32 centreId, Centre memory c, uint256 amount) internal {
        uint32 nowIndex = uint32(block.timestamp / c.periodLength);
        // Same-period test on whole period indexes (timestamp / length); a few seconds of skew only shift a boundary.
        // slither-disable-next-line incorrect-equality
        uint256 issued = nowIndex == c.periodIndex ? c.issuedInPeriod : 0;
        uint256 remaining = issued >= c.capPerPeriod ? 0 : c.capPerPeriod - issued;
        if (amount > remaining) revert ActivityRegistryCentreCapExceeded(centreId, amount, remaining);
        c.issuedInPeriod = uint88(issued + amount); // fits: issued + amount <= capPerPeriod (uint88)
        c.periodIndex = nowIndex;
        _centres[centreId] = c;
    }
}
