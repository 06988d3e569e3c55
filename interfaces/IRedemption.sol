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
/// who holds no ETH can still spend.
/// @dev Voucher ids are `offerId << 32 | serial`. Roles: `PROVIDER_ROLE`, `CHARITY_ROLE`, admin
/// (`DEFAULT_ADMIN_ROLE`, the city). Coins move through the coin's `spend`, only for the caller or signer.
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

    /// @notice `account` is not a registered provider.
    error NotProvider(address account);
    /// @notice `account` is not the provider of offer `offerId`.
    error NotOfferProvider(address account, uint256 offerId);
    /// @notice `account` is not a registered charity.
    error NotCharity(address account);
    /// @notice No offer has id `offerId`.
    error UnknownOffer(uint256 offerId);
    /// @notice Offer `offerId` is not active.
    error OfferInactive(uint256 offerId);
    /// @notice Offer `offerId` has sold all `capacity` vouchers.
    error OfferSoldOut(uint256 offerId, uint32 capacity);
    /// @notice The offer's price rose above what the resident agreed to pay.
    error PriceAboveMax(uint256 offerId, uint256 price, uint256 maxPrice);
    /// @notice A price of zero, or a capacity below what was already sold.
    error InvalidOffer(uint96 price, uint32 capacity);
    /// @notice No voucher has id `voucherId`.
    error UnknownVoucher(uint256 voucherId);
    /// @notice Voucher `voucherId` was already fulfilled.
    error VoucherAlreadyFulfilled(uint256 voucherId);
    /// @notice An amount of zero.
    error ZeroAmount();
    /// @notice A payee of zero, or paying oneself.
    error InvalidPayee(address payee);
    /// @notice A won rate of zero.
    error InvalidRate();
    /// @notice The signed request's deadline has passed.
    error ExpiredSignature(uint256 deadline);
    /// @notice The signature was not made by `expected`.
    error InvalidSigner(address signer, address expected);

    // ---------------------------------------------------------------- providers

    /// @notice Publishes an offer. Only a provider. Emits {OfferCreated}.
    function createOffer(uint96 price, uint32 capacity) external returns (uint256 offerId);
    /// @notice Changes an offer. Only its provider. Emits {OfferUpdated}.
    function updateOffer(uint256 offerId, uint96 price, uint32 capacity, bool active) external;
    /// @notice Marks a voucher fulfilled. Only the offer's provider; once. Emits {VoucherFulfilled}.
    function fulfill(uint256 voucherId) external;
    /// @notice Burns `amount` of the provider's coins and records the won the city owes. Only a provider.
    function settle(uint256 amount) external returns (uint256 settlementId);

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
    /// @notice Cancels the caller's outstanding signed requests by consuming their current nonce.
    function useNonce() external returns (uint256);

    // ---------------------------------------------------------------- admin

    /// @notice Sets the won value of one whole coin (default 200). Only admin.
    function setWonPerCoin(uint256 wonPerCoin) external;

    // ---------------------------------------------------------------- views

    /// @notice An offer.
    function offer(uint256 offerId) external view returns (Offer memory);
    /// @notice Number of offers so far (ids are 1..offerCount).
    function offerCount() external view returns (uint256);
    /// @notice Whether a voucher exists, whose provider it is, and whether it was fulfilled.
    function voucherStatus(uint256 voucherId) external view returns (bool exists, address provider, bool fulfilled);
    /// @notice Won value of one whole coin.
    function wonPerCoin() external view returns (uint256);
    /// @notice The service coin.
    function coin() external view returns (address);
}
