// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Signatures} from "./libraries/Signatures.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IServiceCoin} from "../interfaces/IServiceCoin.sol";
import {
    IActivityRegistry, Activity, Attestation, Centre, CategoryRule, VolunteerTotals
} from "../interfaces/IActivityRegistry.sol";
import {ActivityRules} from "./ActivityRules.sol";
import {ActivityIds} from "./libraries/ActivityIds.sol";
import {AttestationPages} from "./libraries/AttestationPages.sol";

/// @title ActivityRegistry
/// @notice Coordinators of volunteer centres attest activities; each attestation mints its coins in the same
/// transaction. See {IActivityRegistry} for the storage model (pages of 16 with a hash chain).
contract ActivityRegistry is ActivityRules, EIP712, Nonces {
    using AttestationPages for uint256;

    bytes32 public constant ATTEST_TYPEHASH = keccak256(
        "Attest(bytes32 id,address volunteer,uint16 category,uint32 units,uint40 time,bytes32 evidenceHash,uint256 nonce,uint256 deadline)"
    );

    /// @notice EIP-712 type of a signed sheet: `itemsHash` is {batchItemsHash} of the activities (see there).
    bytes32 public constant ATTEST_BATCH_TYPEHASH =
        keccak256("AttestBatch(uint32 centreId,bytes32 itemsHash,uint256 nonce,uint256 deadline)");

    /// @dev Domain tag of the leaf hash, so a leaf can never be taken for another hash of ours.
    bytes32 public constant LEAF_TYPEHASH = keccak256(
        "Attestation(bytes32 id,address volunteer,uint16 category,uint32 units,uint40 time,bytes32 evidenceHash,uint32 ruleVersion,uint96 amount,uint40 attestedAt)"
    );

    IServiceCoin private immutable _coin;

    mapping(uint32 centreId => mapping(uint64 pageIndex => uint256)) private _pages;
    mapping(address volunteer => VolunteerTotals) private _volunteers;

    /// @dev The revocation window is the coin's lock period, fixed for the deployment: revocable coins are
    /// always still locked, and no later change can reopen or shorten the window of an attestation.
    /// @param adminDelay seconds between the start of an admin transfer and its acceptance (two steps)
    /// @param maxRewardPerActivity_ the most coins one activity may earn under any category rule, fixed for good
    constructor(IServiceCoin coin_, address admin, uint48 adminDelay, uint96 maxRewardPerActivity_)
        ActivityRules(admin, coin_.lockPeriod(), adminDelay, maxRewardPerActivity_)
        EIP712("VolunteerBank ActivityRegistry", "1")
    {
        if (coin_.registry() != address(this)) revert ActivityRegistryCoinMismatch(address(coin_), coin_.registry());
        _coin = coin_;
    }

    // ---------------------------------------------------------------- attestation

    /// @inheritdoc IActivityRegistry
    function attest(Activity calldata activity) external returns (uint96 amount) {
        uint32 centreId = ActivityIds.centreOf(activity.id);
        _checkCoordinator(centreId, msg.sender);
        return _attestOne(centreId, activity);
    }

    /// @inheritdoc IActivityRegistry
    function attestBySig(Activity calldata activity, address coordinator, uint256 deadline, bytes calldata signature)
        external
        returns (uint96 amount)
    {
        bytes32 structHash = keccak256(
            abi.encode(
                ATTEST_TYPEHASH,
                activity.id,
                activity.volunteer,
                activity.category,
                activity.units,
                activity.time,
                activity.evidenceHash,
                _useNonce(coordinator),
                deadline
            )
        );
        _checkSigned(coordinator, deadline, structHash, signature);
        uint32 centreId = ActivityIds.centreOf(activity.id);
        _checkCoordinator(centreId, coordinator);
        return _attestOne(centreId, activity);
    }

    /// @inheritdoc IActivityRegistry
    function attestBatch(Activity[] calldata activities) external returns (uint256 total) {
        uint32 centreId = _batchCentre(activities);
        _checkCoordinator(centreId, msg.sender);
        return _attestBatch(centreId, activities);
    }

    /// @inheritdoc IActivityRegistry
    function attestBatchBySig(
        Activity[] calldata activities,
        address coordinator,
        uint256 deadline,
        bytes calldata signature
    ) external returns (uint256 total) {
        uint32 centreId = _batchCentre(activities);
        bytes32 structHash = keccak256(
            abi.encode(ATTEST_BATCH_TYPEHASH, centreId, _itemsHash(activities), _useNonce(coordinator), deadline)
        );
        _checkSigned(coordinator, deadline, structHash, signature);
        _checkCoordinator(centreId, coordinator);
        total = _attestBatch(centreId, activities);
        emit BatchAttested(centreId, coordinator, activities.length, total);
    }

    /// @dev The batch code path of {attestBatch} and {attestBatchBySig}: the coordinator (the caller, or the
    /// verified signer) has been checked against `centreId`, the centre of the first activity.
    function _attestBatch(uint32 centreId, Activity[] calldata activities) private returns (uint256 total) {
        uint256 n = activities.length;
        Centre memory c = _openCentre(centreId);

        // One mint per run of consecutive activities of the same volunteer, as the run ends. The coin is this
        // deployment's own immutable contract, without hooks or callbacks, so minting before the page and the cap
        // are written lets nothing re-enter; a refusal later in the batch reverts the mints with everything else.
        // Collecting the runs in memory first cost ~13 gas per activity in memory alone.
        // Deliberately zero: Solidity zero-initialises locals, and these counters start at 0.
        // slither-disable-next-line uninitialized-local
        uint256 runStart;
        // slither-disable-next-line uninitialized-local
        uint256 runAmount;

        uint64 pageIndex = type(uint64).max;
        // Read only after the first iteration loads it: no serial maps to the pageIndex sentinel (serial >> 4 < 2^60).
        // slither-disable-next-line uninitialized-local
        uint256 pageWord;
        // Deliberately zero: version 0 means no rule loaded yet, so the first iteration loads one.
        // slither-disable-next-line uninitialized-local
        CategoryRule memory rule; // version 0: none loaded yet
        // Read only once rule.version != 0, i.e. after the first iteration has set it.
        // slither-disable-next-line uninitialized-local
        uint16 ruleCategory;

        for (uint256 i = 0; i < n;) {
            Activity calldata a = activities[i];
            bytes32 id = a.id;
            if (ActivityIds.centreOf(id) != centreId) revert ActivityRegistryCentreMismatch(id, centreId);
            uint16 category = a.category;
            if (rule.version == 0 || category != ruleCategory) {
                rule = _activeRule(category);
                ruleCategory = category;
            }
            uint96 amount = _price(a, rule);

            uint64 index = AttestationPages.pageIndexOf(ActivityIds.serialOf(id));
            if (index != pageIndex) {
                if (pageIndex != type(uint64).max) _pages[centreId][pageIndex] = pageWord;
                pageIndex = index;
                pageWord = _pages[centreId][index];
            }
            pageWord = _append(pageWord, a, rule.version, amount);

            // Cannot overflow: n uint96 amounts, n < 2^64.
            unchecked {
                runAmount += amount;
                total += amount;
                ++i;
            }
            address volunteer = a.volunteer;
            if (i == n || activities[i].volunteer != volunteer) {
                uint256 toMint = _credit(volunteer, runAmount, uint32(i - runStart));
                // slither-disable-next-line reentrancy-no-eth,reentrancy-benign,reentrancy-events,calls-loop
                if (toMint != 0) _coin.mint(volunteer, toMint);
                runAmount = 0;
                runStart = i;
            }
        }
        _pages[centreId][pageIndex] = pageWord;
        _consumeCap(centreId, c, total);
    }

    /// @inheritdoc IActivityRegistry
    function revoke(Attestation calldata attestation, bytes32 accBefore, bytes32[] calldata laterLeaves, bytes32 reasonHash)
        external
    {
        _markRevoked(attestation, accBefore, laterLeaves);

        address volunteer = attestation.volunteer;
        uint96 amount = attestation.amount;
        // What the volunteer still holds is burned; the rest was spent and becomes debt.
        uint96 clawedBack = uint96(_coin.clawBack(volunteer, amount, attestation.attestedAt));
        uint96 debtAdded = amount - clawedBack;

        VolunteerTotals memory t = _volunteers[volunteer];
        t.earned -= amount; // the attestation's amount was added to `earned` when it was attested
        t.debt += debtAdded;
        ++t.revocations;
        _volunteers[volunteer] = t;

        emit ActivityRevoked(attestation.id, volunteer, msg.sender, amount, clawedBack, debtAdded, reasonHash);
    }

    /// @inheritdoc IActivityRegistry
    function useNonce() external returns (uint256) {
        return _useNonce(msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IActivityRegistry
    function isAttested(bytes32 id) external view returns (bool) {
        (uint256 pageWord, uint256 slot) = _pageOf(id);
        return pageWord.isAttested(slot);
    }

    /// @inheritdoc IActivityRegistry
    function isRevoked(bytes32 id) external view returns (bool) {
        (uint256 pageWord, uint256 slot) = _pageOf(id);
        return pageWord.isRevoked(slot);
    }

    /// @inheritdoc IActivityRegistry
    function verifyAttestation(Attestation calldata attestation, bytes32 accBefore, bytes32[] calldata laterLeaves)
        external
        view
        returns (bool valid, bool revoked)
    {
        (uint256 pageWord, uint256 slot) = _pageOf(attestation.id);
        valid = pageWord.isAttested(slot) && pageWord.proves(accBefore, attestationLeaf(attestation), laterLeaves);
        revoked = valid && pageWord.isRevoked(slot);
    }

    /// @inheritdoc IActivityRegistry
    function attestationLeaf(Attestation calldata a) public pure returns (bytes32) {
        return keccak256(
            abi.encode(
                LEAF_TYPEHASH, a.id, a.volunteer, a.category, a.units, a.time, a.evidenceHash, a.ruleVersion, a.amount, a.attestedAt
            )
        );
    }

    /// @inheritdoc IActivityRegistry
    function page(uint32 centreId, uint64 pageIndex)
        external
        view
        returns (uint16 attestedBits, uint16 revokedBits, bytes32 accumulator)
    {
        uint256 pageWord = _pages[centreId][pageIndex];
        return (uint16(pageWord), uint16(pageWord >> 16), pageWord.accumulator());
    }

    /// @inheritdoc IActivityRegistry
    function activityId(uint32 centreId, uint64 serial, bytes32 recordHash) external pure returns (bytes32) {
        return ActivityIds.encode(centreId, serial, recordHash);
    }

    /// @inheritdoc IActivityRegistry
    function volunteerTotals(address volunteer) external view returns (VolunteerTotals memory) {
        return _volunteers[volunteer];
    }

    /// @inheritdoc IActivityRegistry
    function coin() external view returns (address) {
        return address(_coin);
    }

    /// @inheritdoc IActivityRegistry
    function batchItemsHash(Activity[] calldata activities) external pure returns (bytes32) {
        return _itemsHash(activities);
    }

    /// @notice The EIP-712 domain separator of signed attestations.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internal

    /// @dev The centre of a batch (that of its first activity); refuses an empty batch.
    function _batchCentre(Activity[] calldata activities) private pure returns (uint32) {
        if (activities.length == 0) revert ActivityRegistryEmptyBatch();
        return ActivityIds.centreOf(activities[0].id);
    }

    /// @dev keccak256 of the activities' ABI encoding without offset and length: six 32-byte words per activity
    /// (id, volunteer, category, units, time, evidenceHash), in order. One copy and one hash for the whole batch,
    /// in scratch memory. Dirty high bits are hashed as sent, but the batch loop reads every field through the ABI
    /// decoder and reverts on them, so a signature over a non-canonical encoding can never attest anything.
    function _itemsHash(Activity[] calldata activities) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            let len := mul(activities.length, 0xc0)
            calldatacopy(m, activities.offset, len)
            h := keccak256(m, len)
        }
    }

    /// @dev Reverts unless `signer` signed `structHash` under this contract's domain by `deadline` (inclusive): an
    /// EOA's ECDSA signature or a smart-contract wallet's EIP-1271 acceptance ({Signatures}).
    function _checkSigned(address signer, uint256 deadline, bytes32 structHash, bytes calldata signature) private view {
        if (block.timestamp > deadline) revert ActivityRegistryExpiredSignature(deadline);
        bytes32 digest = _hashTypedDataV4(structHash);
        if (!Signatures.isValidNow(signer, digest, signature)) revert ActivityRegistryInvalidSignature(signer);
    }

    function _attestOne(uint32 centreId, Activity calldata a) private returns (uint96 amount) {
        Centre memory c = _openCentre(centreId);
        CategoryRule memory rule = _activeRule(a.category);
        amount = _price(a, rule);

        uint64 serial = ActivityIds.serialOf(a.id);
        uint64 index = AttestationPages.pageIndexOf(serial);
        _pages[centreId][index] = _append(_pages[centreId][index], a, rule.version, amount);
        uint256 minted = _credit(a.volunteer, amount, 1);
        _consumeCap(centreId, c, amount);

        if (minted != 0) _coin.mint(a.volunteer, minted);
    }

    /// @dev Checks the slot of `a` is free, appends its leaf and emits {ActivityAttested}.
    function _append(uint256 pageWord, Activity calldata a, uint32 ruleVersion, uint96 amount)
        private
        returns (uint256)
    {
        uint256 slot = AttestationPages.slotOf(ActivityIds.serialOf(a.id));
        if (pageWord.isAttested(slot)) revert ActivityRegistryAlreadyAttested(a.id);
        return pageWord.append(slot, _leafAndLog(a, ruleVersion, amount));
    }

    /// @dev Same hash as {attestationLeaf} for `a` attested now, and the {ActivityAttested} event, both built in
    /// scratch memory from one copy of `a`: the batch loop would otherwise allocate 352 bytes per activity for the
    /// leaf and ABI-encode the event's fields a second time. Every field is range-checked here (the raw copy would
    /// otherwise hash and log dirty high bits as sent), so malformed calldata reverts, as the ABI decoder would.
    function _leafAndLog(Activity calldata a, uint32 ruleVersion, uint96 amount) private returns (bytes32 leaf) {
        bytes32 typehash = LEAF_TYPEHASH;
        bytes32 eventSig = ActivityAttested.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typehash)
            calldatacopy(add(m, 0x20), a, 0xc0) // id, volunteer, category, units, time, evidenceHash
            let volunteer := mload(add(m, 0x40))
            let category := mload(add(m, 0x60))
            let units := mload(add(m, 0x80))
            let time := mload(add(m, 0xa0))
            if or(or(shr(160, volunteer), shr(16, category)), or(shr(32, units), shr(40, time))) { revert(0, 0) }
            mstore(add(m, 0xe0), ruleVersion)
            mstore(add(m, 0x100), amount)
            mstore(add(m, 0x120), timestamp())
            leaf := keccak256(m, 0x140)
            // ActivityAttested(id indexed, volunteer indexed, category, ruleVersion, units, time, evidenceHash, amount)
            let d := add(m, 0x140)
            mstore(d, category)
            mstore(add(d, 0x20), ruleVersion)
            mstore(add(d, 0x40), units)
            mstore(add(d, 0x60), time)
            mstore(add(d, 0x80), mload(add(m, 0xc0)))
            mstore(add(d, 0xa0), amount)
            log3(d, 0xc0, eventSig, mload(add(m, 0x20)), volunteer)
        }
    }

    /// @dev Validates `a` against `rule` and returns what it is worth.
    function _price(Activity calldata a, CategoryRule memory rule) private view returns (uint96 amount) {
        if (a.volunteer == address(0)) revert ActivityRegistryInvalidVolunteer(a.id);
        if (a.time > block.timestamp) revert ActivityRegistryTimeInFuture(a.id, a.time);
        if (a.units == 0 || a.units > rule.maxUnits) revert ActivityRegistryInvalidUnits(a.id, a.units, rule.maxUnits);
        amount = _reward(rule, a.units);
        if (amount == 0) revert ActivityRegistryRewardTooSmall(a.id);
    }

    function _activeRule(uint16 category) private view returns (CategoryRule memory rule) {
        rule = _rules[category];
        if (!rule.active) revert ActivityRegistryCategoryInactive(category);
    }

    function _openCentre(uint32 centreId) private view returns (Centre memory c) {
        c = _centres[centreId];
        // periodLength 0 is the "no such centre" sentinel (addCentre/setCentreCap reject 0), not a time or balance.
        // slither-disable-next-line incorrect-equality
        if (c.periodLength == 0) revert ActivityRegistryUnknownCentre(centreId);
        if (!c.active) revert ActivityRegistryCentreInactive(centreId);
    }

    /// @dev Books `amount` earned by `volunteer` over `count` activities; returns what to mint after
    /// netting the volunteer's debt.
    function _credit(address volunteer, uint256 amount, uint32 count) private returns (uint256 toMint) {
        VolunteerTotals memory t = _volunteers[volunteer];
        uint256 repaid = t.debt < amount ? t.debt : amount;
        // Fits: the centre cap (uint88) bounds one transaction's amount, and earned is a lifetime sum in uint96.
        t.earned += uint96(amount);
        t.activities += count;
        if (repaid != 0) {
            t.debt -= uint96(repaid);
            emit DebtNetted(volunteer, repaid, t.debt);
        }
        _volunteers[volunteer] = t;
        return amount - repaid;
    }

    /// @dev Checks the caller may revoke `attestation`, that it is attested exactly so, not yet revoked and
    /// inside its window; then sets its revoked bit.
    function _markRevoked(Attestation calldata attestation, bytes32 accBefore, bytes32[] calldata laterLeaves) private {
        bytes32 id = attestation.id;
        uint32 centreId = ActivityIds.centreOf(id);
        if (!hasRole(coordinatorRole(centreId), msg.sender) && !hasRole(DEFAULT_ADMIN_ROLE, msg.sender)) {
            revert ActivityRegistryNotRevoker(msg.sender, centreId);
        }
        uint64 serial = ActivityIds.serialOf(id);
        uint64 index = AttestationPages.pageIndexOf(serial);
        uint256 slot = AttestationPages.slotOf(serial);
        uint256 pageWord = _pages[centreId][index];
        if (!pageWord.isAttested(slot)) revert ActivityRegistryNotAttested(id);
        if (pageWord.isRevoked(slot)) revert ActivityRegistryAlreadyRevoked(id);
        if (!pageWord.proves(accBefore, attestationLeaf(attestation), laterLeaves)) revert ActivityRegistryInvalidAttestationProof(id);
        uint256 closesAt = uint256(attestation.attestedAt) + revocationWindow();
        if (block.timestamp > closesAt) revert ActivityRegistryRevocationWindowClosed(id, closesAt);
        _pages[centreId][index] = pageWord.markRevoked(slot);
    }

    function _pageOf(bytes32 id) private view returns (uint256 pageWord, uint256 slot) {
        uint64 serial = ActivityIds.serialOf(id);
        pageWord = _pages[ActivityIds.centreOf(id)][AttestationPages.pageIndexOf(serial)];
        slot = AttestationPages.slotOf(serial);
    }
}
