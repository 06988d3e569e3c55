// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice An offer a provider publishes: something residents can redeem coins for.
struct Offer {
    address provider; // who receives the coins and fulfils the voucher
    uint96 price; // coins (base units) per voucher
    uint32 capacity; // vouchers that may be sold in total
    uint32 sold; // vouchers sold so far; voucher serials are 0..sold-1
    bool active; // inactive offers cannot be redeemed
}

/// @title IRedemption
/// @notice Where coins are spent: vouchers at providers (welfare facilities, classes, shops), donations to
/// charities, and payments between residents for a service (time-bank exchange). Providers settle the coins
/// they received with the city, which burns them and records the won owed.
/// Every resident action has a variant signed off-chain (EIP-712) that anyone may relay, so a resident
/// who holds no ETH can still spend. Signatures are ECDSA for accounts without code and EIP-1271 for smart wallets.
/// @dev Voucher ids are `offerId << 32 | serial`. Coins move through the coin's `spend`, only for the caller or signer.
///
/// Trust model (docs/contracts.md, "Trust model"). Every change below takes effect at once, in its own block, and
/// emits an event, except the transfer of the admin role, which waits a delay.
/// - The admin (`DEFAULT_ADMIN_ROLE`, the city) may grant and revoke `PROVIDER_ROLE` and `CHARITY_ROLE` (revoking a
///   provider switches all its offers off), switch any offer off or on ({setOfferActive}) and set the won rate
///   ({setWonPerCoin}). It cannot move, spend or burn a resident's coins, sign for a resident or a provider, change
///   or cancel a voucher, or settle coins unless it holds `PROVIDER_ROLE` and the coins itself.
/// - The admin role itself passes on in two steps (OpenZeppelin's AccessControlDefaultAdminRules): the admin starts a
///   transfer, and the new admin accepts it only after the delay fixed at deployment (`defaultAdminDelay`, 2 days by
///   default); renouncing it waits the same; changing the delay waits too. There is one admin at a time, and it
///   cannot be granted or revoked directly.
/// - A provider (`PROVIDER_ROLE`) may create and edit its own offers (but not switch on one the admin suspended),
///   fulfil its own vouchers and settle its unlocked coins for won, with a minimum it accepts. It cannot touch
///   another provider's offers or vouchers. Once its role is revoked it can only fulfil the vouchers it sold.
/// - A charity (`CHARITY_ROLE`) only receives donations.
/// - A resident (any address) may redeem, donate, pay another resident and cancel its outstanding signed requests,
///   directly or through an EIP-712 request that anyone relays. It cannot spend locked coins.
/// - A relayer (anyone) can only submit what a resident signed, once (nonce), by its deadline, on this chain and
///   contract; it cannot change any field of the request.
interface IRedemption {
    /// @notice A provider published an offer.
    event OfferCreated(uint256 indexed offerId, address indexed provider, uint96 price, uint32 capacity);
    /// @notice A provider changed an offer.
    event OfferUpdated(uint256 indexed offerId, uint96 price, uint32 capacity, bool active);
    /// @notice A resident redeemed `price` coins for voucher `voucherId`.
    event VoucherIssued(uint256 indexed voucherId, address indexed resident, address indexed provider, uint256 price);
    /// @notice The provider marked a voucher fulfilled (used).
    event VoucherFulfilled(uint256 indexed voucherId, address indexed provider);
    /// @notice A provider settled `amount` coins (burned) for `wonAmount` won at `wonPerCoin`.
    event Settled(uint256 indexed settlementId, address indexed provider, uint256 amount, uint256 wonAmount, uint256 wonPerCoin);
    /// @notice A resident donated to a registered charity; `receiptId` numbers the receipts.
    event Donated(uint256 indexed receiptId, address indexed donor, address indexed charity, uint256 amount);
    /// @notice A resident paid another for a service; `requestRef` is the hash of the off-chain request.
    event ServicePaid(address indexed payer, address indexed payee, bytes32 indexed requestRef, uint256 amount);
    /// @notice The won value of one coin changed.
    event WonPerCoinSet(uint256 wonPerCoin);
    /// @notice The admin switched an offer on or off ({setOfferActive}: off also suspends it), or the offer was
    /// switched off because its provider lost `PROVIDER_ROLE` (not a suspension).
    event OfferActiveSet(uint256 indexed offerId, bool active);
    /// @notice Every nonce of `owner` below `upTo` is used: all outstanding signed requests are cancelled.
    event NoncesInvalidated(address indexed owner, uint256 upTo);

    /// @notice `account` does not hold `PROVIDER_ROLE`.
    /// @param account The caller.
    error RedemptionNotProvider(address account);
    /// @notice `account` is not the provider of offer `offerId`.
    /// @param account The caller.
    /// @param offerId The offer.
    error RedemptionNotOfferProvider(address account, uint256 offerId);
    /// @notice The provider of offer `offerId` no longer holds `PROVIDER_ROLE`: its offers cannot be redeemed.
    /// @param offerId The offer.
    /// @param provider The offer's provider.
    error RedemptionProviderRemoved(uint256 offerId, address provider);
    /// @notice `provider` already created `max` offers.
    /// @param provider The caller.
    /// @param max The limit per provider.
    error RedemptionTooManyOffers(address provider, uint256 max);
    /// @notice `account` is not a registered charity.
    /// @param account The would-be charity.
    error RedemptionNotCharity(address account);
    /// @notice No offer has id `offerId`.
    /// @param offerId The offer.
    error RedemptionUnknownOffer(uint256 offerId);
    /// @notice Offer `offerId` is not active.
    /// @param offerId The offer.
    error RedemptionOfferInactive(uint256 offerId);
    /// @notice The admin switched offer `offerId` off; only the admin can switch it on again.
    /// @param offerId The offer.
    error RedemptionOfferSuspended(uint256 offerId);
    /// @notice Offer `offerId` has sold all `capacity` vouchers.
    /// @param offerId The offer.
    /// @param capacity Its capacity.
    error RedemptionOfferSoldOut(uint256 offerId, uint32 capacity);
    /// @notice The offer's price rose above what the resident agreed to pay.
    /// @param offerId The offer.
    /// @param price Its current price.
    /// @param maxPrice The most the resident agreed to pay.
    error RedemptionPriceAboveMax(uint256 offerId, uint256 price, uint256 maxPrice);
    /// @notice A price of zero, or a capacity below what was already sold.
    /// @param price The price asked for.
    /// @param capacity The capacity asked for.
    error RedemptionInvalidOffer(uint96 price, uint32 capacity);
    /// @notice No voucher has id `voucherId`.
    /// @param voucherId The voucher.
    error RedemptionUnknownVoucher(uint256 voucherId);
    /// @notice Voucher `voucherId` was already fulfilled.
    /// @param voucherId The voucher.
    error RedemptionVoucherAlreadyFulfilled(uint256 voucherId);
    /// @notice An amount of zero.
    error RedemptionZeroAmount();
    /// @notice A payee of zero, or paying oneself.
    /// @param payee The payee.
    error RedemptionInvalidPayee(address payee);
    /// @notice A won rate of zero.
    error RedemptionInvalidRate();
    /// @notice The won a settlement pays at the current rate is below what the provider accepts.
    /// @param wonAmount The won `amount` coins are worth at the current rate.
    /// @param minWon The least the provider accepts.
    error RedemptionWonBelowMinimum(uint256 wonAmount, uint256 minWon);
    /// @notice `amount` coins are worth zero won at the current rate (rounded down): nothing would be owed.
    /// @param amount The coins to settle.
    /// @param wonPerCoin The current rate.
    error RedemptionZeroWon(uint256 amount, uint256 wonPerCoin);
    /// @notice The signed request's deadline has passed.
    /// @param deadline The request's deadline.
    error RedemptionExpiredSignature(uint256 deadline);
    /// @notice The signature is not `signer`'s: neither an ECDSA signature by that account nor one its EIP-1271
    /// `isValidSignature` accepts (malleable high-s ECDSA signatures and bad lengths included).
    /// @param signer The account the request claims to be from.
    error RedemptionInvalidSignature(address signer);
    /// @notice Cancel-all must move `owner`'s nonce forward, by at most 2^64.
    /// @param owner The resident.
    /// @param upTo The requested next nonce.
    /// @param current The current next nonce.
    error RedemptionInvalidNonceBound(address owner, uint256 upTo, uint256 current);

    // ---------------------------------------------------------------- providers

    /// @notice Publishes an offer. Only a provider; at most `MAX_OFFERS_PER_PROVIDER` per provider. Emits {OfferCreated}.
    function createOffer(uint96 price, uint32 capacity) external returns (uint256 offerId);
    /// @notice Changes an offer. Only its provider, while it still holds `PROVIDER_ROLE`; `active` cannot be set
    /// while the admin holds the offer suspended. Emits {OfferUpdated}.
    function updateOffer(uint256 offerId, uint96 price, uint32 capacity, bool active) external;
    /// @notice Marks a voucher fulfilled. Only the offer's provider; once. A provider whose role was revoked may
    /// still fulfil the vouchers it sold, so residents who paid are served. Emits {VoucherFulfilled}.
    function fulfill(uint256 voucherId) external;
    /// @notice Burns `amount` of the provider's coins and records the won the city owes at the current rate,
    /// `amount * wonPerCoin / 1e18` (rounded down). Only a provider. Reverts if that is below `minWon` (the rate
    /// changed since the provider read it) or zero. Emits {Settled}.
    function settle(uint256 amount, uint256 minWon) external returns (uint256 settlementId);

    // ---------------------------------------------------------------- residents

    /// @notice Redeems one voucher of `offerId`, paying at most `maxPrice`. Emits {VoucherIssued}.
    function redeem(uint256 offerId, uint256 maxPrice) external returns (uint256 voucherId);
    /// @notice Donates `amount` coins to a registered charity. Emits {Donated}.
    function donate(address charity, uint256 amount) external returns (uint256 receiptId);
    /// @notice Pays `amount` coins to `payee` for the service request `requestRef`. Emits {ServicePaid}.
    function payForService(address payee, uint256 amount, bytes32 requestRef) external;

    /// @notice {redeem} for `resident`, who signed
    /// `Redeem(address resident,uint256 offerId,uint256 maxPrice,uint256 nonce,uint256 deadline)`.
    function redeemBySig(address resident, uint256 offerId, uint256 maxPrice, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 voucherId);
    /// @notice {donate} for `donor`, who signed
    /// `Donate(address donor,address charity,uint256 amount,uint256 nonce,uint256 deadline)`.
    function donateBySig(address donor, address charity, uint256 amount, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 receiptId);
    /// @notice {payForService} for `payer`, who signed
    /// `PayForService(address payer,address payee,uint256 amount,bytes32 requestRef,uint256 nonce,uint256 deadline)`.
    function payForServiceBySig(
        address payer,
        address payee,
        uint256 amount,
        bytes32 requestRef,
        uint256 deadline,
        bytes calldata signature
    ) external;
    /// @notice Cancels the caller's signed request with the current nonce by consuming it (only that one).
    function useNonce() external returns (uint256);
    /// @notice Cancels all the caller's signed requests with a nonce below `upTo`: the next nonce becomes `upTo`.
    /// Refuses a bound not above the current nonce or more than 2^64 above it. Emits {NoncesInvalidated}.
    function invalidateNonces(uint256 upTo) external;
    /// @notice {invalidateNonces} for `owner`, who signed
    /// `InvalidateNonces(address owner,uint256 upTo,uint256 nonce,uint256 deadline)` with its current nonce.
    function invalidateNoncesBySig(address owner, uint256 upTo, uint256 deadline, bytes calldata signature) external;
    /// @notice The next nonce of `owner`'s signed requests.
    function nonces(address owner) external view returns (uint256);

    // ---------------------------------------------------------------- admin

    /// @notice Sets the won value of one whole coin (default 200). Only admin.
    function setWonPerCoin(uint256 wonPerCoin) external;
    /// @notice Switches any offer off (and suspends it, so its provider cannot switch it back on) or on again
    /// (lifting the suspension; only while the provider holds `PROVIDER_ROLE`). Only admin. Emits {OfferActiveSet}.
    /// Revoking a provider's `PROVIDER_ROLE` (or its renouncing it) switches all its offers off.
    function setOfferActive(uint256 offerId, bool active) external;

    // ---------------------------------------------------------------- views

    /// @notice An offer.
    function offer(uint256 offerId) external view returns (Offer memory);
    /// @notice Number of offers so far (ids are 1..offerCount).
    function offerCount() external view returns (uint256);
    /// @notice Whether the admin holds offer `offerId` suspended.
    function offerSuspended(uint256 offerId) external view returns (bool);
    /// @notice Whether a voucher exists, whose provider it is, and whether it was fulfilled.
    function voucherStatus(uint256 voucherId) external view returns (bool exists, address provider, bool fulfilled);
    /// @notice Won value of one whole coin.
    function wonPerCoin() external view returns (uint256);
    /// @notice The service coin.
    function coin() external view returns (address);
}
