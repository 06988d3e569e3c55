// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice One activity as a coordinator submits it. No personal data: the volunteer is a pseudonymous
/// address and everything else about the activity stays off-chain behind `id` and `evidenceHash`.
struct Activity {
    bytes32 id; // centreId (32 bits) | serial (64 bits) | digest (160 bits): see ActivityIds
    address volunteer; // who earns the coins
    uint16 category; // key into the category rule table
    uint32 units; // in the category's unit (minutes, classes, items ...)
    uint40 time; // when the activity took place (unix seconds), never in the future
    bytes32 evidenceHash; // hash of the off-chain evidence (sign-in sheet, photo, report)
}

/// @notice An attestation as it was committed on-chain: the activity plus what the contract decided.
/// Revocation and verification take this record; it is re-hashed and checked against the page commitment.
struct Attestation {
    bytes32 id; // as in Activity
    address volunteer; // as in Activity
    uint16 category; // as in Activity
    uint32 units; // as in Activity
    uint40 time; // as in Activity
    bytes32 evidenceHash; // as in Activity
    uint32 ruleVersion; // version of the category rule that priced it
    uint96 amount; // coins (base units) it was worth under that rule
    uint40 attestedAt; // block timestamp of the attestation; starts the revocation window
}

/// @notice Reward rule of one activity category. Every change bumps `version`.
struct CategoryRule {
    uint96 coinsPerBlock; // coin base units awarded per `unitsPerBlock` units
    uint32 unitsPerBlock; // e.g. 60 for "3 coins per 60 minutes"
    uint32 maxUnits; // largest `units` one activity may claim
    uint32 version; // 0 = never set; bumped on every change
    bool active; // inactive categories cannot be attested
}

/// @notice A volunteer centre and its issuance cap: at most `capPerPeriod` coins per `periodLength` seconds,
/// so a stolen coordinator key can do only bounded harm.
struct Centre {
    uint88 capPerPeriod; // coins (base units) the centre may issue per period
    uint88 issuedInPeriod; // issued so far in period `periodIndex`
    uint32 periodIndex; // block.timestamp / periodLength when `issuedInPeriod` was last written
    uint32 periodLength; // seconds; 0 means the centre does not exist
    bool active; // inactive centres cannot attest
}

/// @notice Running totals of one volunteer.
struct VolunteerTotals {
    uint96 earned; // coins of the volunteer's attestations that are not revoked
    uint96 debt; // coins revoked after they were spent; netted from future rewards
    uint32 activities; // attestations ever received
    uint32 revocations; // attestations revoked
}

/// @title IActivityRegistry
/// @notice Activity attestations issued by volunteer-centre coordinators. Attesting mints the activity's
/// coins in the same transaction; revoking claws them back, and what the volunteer had already spent
/// becomes a debt netted from later rewards.
/// @dev Storage model: per centre, serials are grouped in pages of 16. A page is one storage word that packs
/// 16 "attested" bits, 16 "revoked" bits and a 224-bit hash chain over the leaves of its attestations in
/// the order they were attested. An id can therefore be attested at most once, ever, without a storage
/// slot of its own, and a revocation proves the attestation by replaying the chain:
/// `acc' = uint224(keccak256(abi.encode(acc, leaf)))`, starting from 0 (see {attestationLeaf}).
///
/// Trust model (docs/contracts.md, "Trust model"). Every change below takes effect at once, in its own block, and
/// emits an event, except the transfer of the admin role, which waits a delay.
/// - The admin (`DEFAULT_ADMIN_ROLE`, the city) may add centres and set their caps and periods, open and close
///   them, add and remove coordinators, publish new versions of category rules, and revoke any attestation within
///   its window. It cannot publish a rule under which one activity earns more than {maxRewardPerActivity} (fixed at
///   deployment), change the revocation window (fixed at deployment: the coin's lock period), revoke after the
///   window, reprice a past attestation (each keeps its rule version), mint outside an attestation, or attest without
///   first making someone a coordinator in public ({CentreAdded}, `RoleGranted`, {CategoryRuleSet} and
///   {ActivityAttested} are all events).
/// - The admin role itself passes on in two steps (OpenZeppelin's AccessControlDefaultAdminRules): the admin starts a
///   transfer, and the new admin accepts it only after the delay fixed at deployment (`defaultAdminDelay`, 2 days by
///   default); renouncing it waits the same; changing the delay waits too. There is one admin at a time, and it
///   cannot be granted or revoked directly.
/// - A coordinator of centre `c` (`coordinatorRole(c)`) may attest activity of `c` (one, a batch, or relayed with
///   its signature) within `c`'s cap per period and the rules, and revoke `c`'s attestations within their window.
///   It cannot attest for another centre or above the cap (periods are aligned to the epoch, so across a boundary
///   at most twice the cap in a short span), revoke after the window or another centre's attestation, or move coins.
/// - A relayer (anyone) can only submit what a coordinator signed, once (nonce), by its deadline, on this chain and
///   registry; it cannot change, add, drop or reorder an activity of a signed sheet.
/// - A volunteer calls nothing here: its coins arrive locked in the coin until the window has closed.
interface IActivityRegistry {
    // ---------------------------------------------------------------- events

    /// @notice A centre was created.
    event CentreAdded(uint32 indexed centreId, uint88 capPerPeriod, uint32 periodLength);
    /// @notice A centre's cap or period changed.
    event CentreCapSet(uint32 indexed centreId, uint88 capPerPeriod, uint32 periodLength);
    /// @notice A centre was opened or closed for attestation.
    event CentreActiveSet(uint32 indexed centreId, bool active);
    /// @notice A category rule changed; it prices attestations made from now on.
    event CategoryRuleSet(
        uint16 indexed category, uint32 indexed version, uint96 coinsPerBlock, uint32 unitsPerBlock, uint32 maxUnits, bool active
    );
    /// @notice The revocation window, fixed at deployment (the coin's lock period).
    event RevocationWindowSet(uint32 windowSeconds);
    /// @notice The most coins one activity may earn under any category rule, fixed at deployment.
    event MaxRewardPerActivitySet(uint96 maxReward);
    /// @notice An activity was attested and `amount` coins credited to `volunteer` (less any debt netted).
    event ActivityAttested(
        bytes32 indexed id,
        address indexed volunteer,
        uint16 category,
        uint32 ruleVersion,
        uint32 units,
        uint40 time,
        bytes32 evidenceHash,
        uint96 amount
    );
    /// @notice A sheet of `count` activities worth `total` coins, signed by `coordinator`, was attested through a
    /// relayer ({attestBatchBySig}); the activities are the {ActivityAttested} events just before it in the same
    /// transaction. Names who is accountable for them when the sender is not the coordinator.
    event BatchAttested(uint32 indexed centreId, address indexed coordinator, uint256 count, uint256 total);
    /// @notice Debt of `volunteer` was repaid out of a reward instead of minting it.
    event DebtNetted(address indexed volunteer, uint256 repaid, uint256 remainingDebt);
    /// @notice An attestation was revoked: `clawedBack` coins burned, `debtAdded` coins became debt.
    event ActivityRevoked(
        bytes32 indexed id, address indexed volunteer, address indexed revoker, uint96 amount, uint96 clawedBack, uint96 debtAdded, bytes32 reasonHash
    );

    // ---------------------------------------------------------------- errors

    /// @notice `account` is not a coordinator of centre `centreId`.
    error ActivityRegistryNotCoordinator(address account, uint32 centreId);
    /// @notice `account` may not revoke attestations of centre `centreId` (neither its coordinator nor admin).
    error ActivityRegistryNotRevoker(address account, uint32 centreId);
    /// @notice No centre has id `centreId`.
    error ActivityRegistryUnknownCentre(uint32 centreId);
    /// @notice Centre `centreId` is closed for attestation.
    error ActivityRegistryCentreInactive(uint32 centreId);
    /// @notice A centre's period length of zero, or a cap that does not fit.
    error ActivityRegistryInvalidCentreConfig(uint88 capPerPeriod, uint32 periodLength);
    /// @notice Issuing `requested` more coins would exceed the centre's cap for this period.
    error ActivityRegistryCentreCapExceeded(uint32 centreId, uint256 requested, uint256 remaining);
    /// @notice Category `category` has no active rule.
    error ActivityRegistryCategoryInactive(uint16 category);
    /// @notice A rule with `unitsPerBlock` or `maxUnits` of zero, or `coinsPerBlock` of zero for an active rule.
    error ActivityRegistryInvalidCategoryRule(uint16 category);
    /// @notice `units` is zero or above the category's `maxUnits`.
    error ActivityRegistryInvalidUnits(bytes32 id, uint32 units, uint32 maxUnits);
    /// @notice The units are worth less than one coin base unit under the rule.
    error ActivityRegistryRewardTooSmall(bytes32 id);
    /// @notice The volunteer is the zero address.
    error ActivityRegistryInvalidVolunteer(bytes32 id);
    /// @notice The activity's time lies in the future.
    error ActivityRegistryTimeInFuture(bytes32 id, uint40 time);
    /// @notice The id's serial is already attested (an id is attested at most once, ever).
    error ActivityRegistryAlreadyAttested(bytes32 id);
    /// @notice All activities of a batch must belong to the centre of the first one.
    error ActivityRegistryCentreMismatch(bytes32 id, uint32 centreId);
    /// @notice An empty batch.
    error ActivityRegistryEmptyBatch();
    /// @notice The bound on rules given to the constructor is zero.
    error ActivityRegistryInvalidMaxReward(uint96 maxReward);
    /// @notice Under the rule an activity of `category` could earn `maxReward` coins (at `maxUnits`), more than the
    /// deployment's bound `bound` ({maxRewardPerActivity}).
    error ActivityRegistryRuleAboveMaxReward(uint16 category, uint256 maxReward, uint256 bound);
    /// @notice The coin does not name this registry as its minter.
    error ActivityRegistryCoinMismatch(address coin, address coinRegistry);
    /// @notice The id was never attested.
    error ActivityRegistryNotAttested(bytes32 id);
    /// @notice The attestation was already revoked.
    error ActivityRegistryAlreadyRevoked(bytes32 id);
    /// @notice The attestation record or its chain proof does not match the page commitment.
    error ActivityRegistryInvalidAttestationProof(bytes32 id);
    /// @notice The revocation window of the attestation closed at `closedAt`.
    error ActivityRegistryRevocationWindowClosed(bytes32 id, uint256 closedAt);
    /// @notice The signed request's deadline has passed.
    error ActivityRegistryExpiredSignature(uint256 deadline);
    /// @notice `signature` is neither `signer`'s ECDSA signature (low-s, 65 bytes) of the message nor accepted by
    /// `signer`'s EIP-1271 `isValidSignature` (a smart-contract wallet). Also what a replayed, cancelled (nonce
    /// used), tampered or other-domain signature gets, since the message it would have to sign differs.
    error ActivityRegistryInvalidSignature(address signer);

    // ---------------------------------------------------------------- admin (the city)

    /// @notice Creates a centre with ids counting up from 1. Only admin. Emits {CentreAdded}.
    function addCentre(uint88 capPerPeriod, uint32 periodLength) external returns (uint32 centreId);
    /// @notice Changes a centre's cap and period; the current period's issuance restarts if the length changes.
    function setCentreCap(uint32 centreId, uint88 capPerPeriod, uint32 periodLength) external;
    /// @notice Opens or closes a centre for attestation. Only admin.
    function setCentreActive(uint32 centreId, bool active) external;
    /// @notice Grants the coordinator role of `centreId` to `account`. Only admin.
    function addCoordinator(uint32 centreId, address account) external;
    /// @notice Revokes the coordinator role of `centreId` from `account`. Only admin.
    function removeCoordinator(uint32 centreId, address account) external;
    /// @notice Sets the rule of `category` as a new version. Only admin. Emits {CategoryRuleSet}. Refuses a rule under
    /// which one activity could earn more than {maxRewardPerActivity} (`coinsPerBlock * maxUnits / unitsPerBlock`).
    function setCategoryRule(uint16 category, uint96 coinsPerBlock, uint32 unitsPerBlock, uint32 maxUnits, bool active)
        external
        returns (uint32 version);

    // ---------------------------------------------------------------- attestation

    /// @notice Attests one activity and mints its coins. Only a coordinator of the id's centre.
    /// @return amount coins the activity is worth under the current rule
    function attest(Activity calldata activity) external returns (uint96 amount);

    /// @notice Attests many activities of one centre in one transaction. Coins are minted once per run of
    /// consecutive activities of the same volunteer, so sort a batch by volunteer.
    /// @return total coins the batch is worth
    function attestBatch(Activity[] calldata activities) external returns (uint256 total);

    /// @notice Attests `activity` on behalf of `coordinator`, who signed the EIP-712 message
    /// `Attest(bytes32 id,address volunteer,uint16 category,uint32 units,uint40 time,bytes32 evidenceHash,uint256 nonce,uint256 deadline)`.
    /// Anyone may relay it. The coordinator's nonce is consumed; `deadline` is inclusive.
    /// @dev The signature is `coordinator`'s ECDSA signature, or else one its EIP-1271 `isValidSignature` accepts
    /// (a smart-contract wallet); otherwise {ActivityRegistryInvalidSignature}.
    function attestBySig(Activity calldata activity, address coordinator, uint256 deadline, bytes calldata signature)
        external
        returns (uint96 amount);

    /// @notice Attests a sheet of activities of one centre on behalf of `coordinator`, who signed the EIP-712
    /// message `AttestBatch(uint32 centreId,bytes32 itemsHash,uint256 nonce,uint256 deadline)` with
    /// `itemsHash` = {batchItemsHash}`(activities)` and `centreId` the centre of the first activity. Anyone may relay
    /// it. Same checks and minting as {attestBatch} with `coordinator` as the caller; the coordinator's nonce is
    /// consumed, `deadline` is inclusive. Signatures as for {attestBySig}. Emits {BatchAttested}.
    /// @return total coins the batch is worth
    function attestBatchBySig(Activity[] calldata activities, address coordinator, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 total);

    /// @notice Revokes an attestation within the revocation window. Only a coordinator of its centre, or admin.
    /// @param attestation the record as it was attested (from the {ActivityAttested} event and its block)
    /// @param accBefore the page chain value just before this attestation was appended (0 for the page's first)
    /// @param laterLeaves leaves appended to the same page after it, in order
    /// @param reasonHash hash of the off-chain reason
    function revoke(Attestation calldata attestation, bytes32 accBefore, bytes32[] calldata laterLeaves, bytes32 reasonHash)
        external;

    /// @notice Cancels the caller's outstanding signed attestations by consuming their current nonce.
    function useNonce() external returns (uint256);

    // ---------------------------------------------------------------- views

    /// @notice Whether the serial of `id` has been attested in its centre.
    function isAttested(bytes32 id) external view returns (bool);
    /// @notice Whether the attestation at the serial of `id` was revoked.
    function isRevoked(bytes32 id) external view returns (bool);
    /// @notice Checks an attestation record against its page commitment.
    /// @return valid whether the record was attested exactly so; revoked whether it has since been revoked
    function verifyAttestation(Attestation calldata attestation, bytes32 accBefore, bytes32[] calldata laterLeaves)
        external
        view
        returns (bool valid, bool revoked);
    /// @notice The `itemsHash` a coordinator signs for a sheet: keccak256 of the activities' ABI encoding as a
    /// tuple each, concatenated (six 32-byte words per activity: id, volunteer, category, units, time,
    /// evidenceHash; no array offset or length), i.e. `keccak256(abi.encode(a0) ‖ abi.encode(a1) ‖ …)`.
    function batchItemsHash(Activity[] calldata activities) external pure returns (bytes32);
    /// @notice The leaf an attestation record commits to.
    function attestationLeaf(Attestation calldata attestation) external pure returns (bytes32);
    /// @notice Raw page of a centre: attested bits, revoked bits and the chain value.
    function page(uint32 centreId, uint64 pageIndex)
        external
        view
        returns (uint16 attestedBits, uint16 revokedBits, bytes32 accumulator);
    /// @notice Builds an id from its parts (see ActivityIds).
    function activityId(uint32 centreId, uint64 serial, bytes32 recordHash) external pure returns (bytes32);
    /// @notice Totals of `volunteer`.
    function volunteerTotals(address volunteer) external view returns (VolunteerTotals memory);
    /// @notice A centre's configuration and current issuance.
    function centre(uint32 centreId) external view returns (Centre memory);
    /// @notice Number of centres created so far (ids are 1..centreCount).
    function centreCount() external view returns (uint32);
    /// @notice Current rule of `category`.
    function categoryRule(uint16 category) external view returns (CategoryRule memory);
    /// @notice Rule of `category` as it was at `version`.
    function categoryRuleAt(uint16 category, uint32 version) external view returns (CategoryRule memory);
    /// @notice Coins `units` of `category` are worth under the current rule.
    function rewardFor(uint16 category, uint32 units) external view returns (uint96);
    /// @notice The most coins (base units) one activity may earn under any category rule; fixed at deployment.
    function maxRewardPerActivity() external view returns (uint96);
    /// @notice Seconds after attestation during which it may be revoked.
    function revocationWindow() external view returns (uint32);
    /// @notice Coins the centre may still issue in the current period.
    function remainingCap(uint32 centreId) external view returns (uint256);
    /// @notice The coordinator role of `centreId` in AccessControl terms.
    function coordinatorRole(uint32 centreId) external pure returns (bytes32);
    /// @notice The service coin this registry mints.
    function coin() external view returns (address);
}
