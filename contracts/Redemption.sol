// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IServiceCoin} from "../interfaces/IServiceCoin.sol";
import {IRedemption, Offer} from "../interfaces/IRedemption.sol";

/// @title Redemption
/// @notice Vouchers at providers, donations to charities, payments between residents, and provider
/// settlement with the city. See {IRedemption}.
contract Redemption is AccessControl, EIP712, Nonces, IRedemption {
    bytes32 public constant PROVIDER_ROLE = keccak256("PROVIDER_ROLE");
    bytes32 public constant CHARITY_ROLE = keccak256("CHARITY_ROLE");

    bytes32 public constant REDEEM_TYPEHASH =
        keccak256("Redeem(address resident,uint256 offerId,uint256 maxPrice,uint256 nonce,uint256 deadline)");
    bytes32 public constant DONATE_TYPEHASH =
        keccak256("Donate(address donor,address charity,uint256 amount,uint256 nonce,uint256 deadline)");
    bytes32 public constant PAY_TYPEHASH = keccak256(
        "PayForService(address payer,address payee,uint256 amount,bytes32 requestRef,uint256 nonce,uint256 deadline)"
    );

    /// @dev One whole coin, in base units (18 decimals).
    uint256 private constant COIN = 1e18;

    IServiceCoin private immutable _coin;

    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 offerId => mapping(uint256 word => uint256)) private _fulfilled;
    uint256 private _offerCount;
    uint256 private _settlementCount;
    uint256 private _receiptCount;
    uint256 private _wonPerCoin;

    constructor(IServiceCoin coin_, address admin, uint256 wonPerCoin_) EIP712("VolunteerBank Redemption", "1") {
        if (wonPerCoin_ == 0) revert InvalidRate();
        _coin = coin_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _wonPerCoin = wonPerCoin_;
        emit WonPerCoinSet(wonPerCoin_);
    }

    // ---------------------------------------------------------------- providers

    /// @inheritdoc IRedemption
    function createOffer(uint96 price, uint32 capacity) external returns (uint256 offerId) {
        if (!hasRole(PROVIDER_ROLE, msg.sender)) revert NotProvider(msg.sender);
        if (price == 0 || capacity == 0) revert InvalidOffer(price, capacity);
        offerId = ++_offerCount;
        _offers[offerId] = Offer({provider: msg.sender, price: price, capacity: capacity, sold: 0, active: true});
        emit OfferCreated(offerId, msg.sender, price, capacity);
    }

    /// @inheritdoc IRedemption
    function updateOffer(uint256 offerId, uint96 price, uint32 capacity, bool active) external {
        Offer storage o = _ownOffer(offerId);
        if (price == 0 || capacity < o.sold) revert InvalidOffer(price, capacity);
        o.price = price;
        o.capacity = capacity;
        o.active = active;
        emit OfferUpdated(offerId, price, capacity, active);
    }

    /// @inheritdoc IRedemption
    function fulfill(uint256 voucherId) external {
        (uint256 offerId, uint256 serial) = _splitVoucher(voucherId);
        Offer storage o = _ownOffer(offerId);
        if (serial >= o.sold) revert UnknownVoucher(voucherId);
        uint256 bit = uint256(1) << (serial & 0xff);
        uint256 word = _fulfilled[offerId][serial >> 8];
        if (word & bit != 0) revert VoucherAlreadyFulfilled(voucherId);
        _fulfilled[offerId][serial >> 8] = word | bit;
        emit VoucherFulfilled(voucherId, msg.sender);
    }

    /// @inheritdoc IRedemption
    function settle(uint256 amount) external returns (uint256 settlementId) {
        if (!hasRole(PROVIDER_ROLE, msg.sender)) revert NotProvider(msg.sender);
        if (amount == 0) revert ZeroAmount();
        uint256 rate = _wonPerCoin;
        uint256 wonAmount = (amount * rate) / COIN;
        settlementId = ++_settlementCount;
        emit Settled(settlementId, msg.sender, amount, wonAmount, rate);
        _coin.burn(msg.sender, amount);
    }

    // ---------------------------------------------------------------- residents

    /// @inheritdoc IRedemption
    function redeem(uint256 offerId, uint256 maxPrice) external returns (uint256 voucherId) {
        return _redeem(msg.sender, offerId, maxPrice);
    }

    /// @inheritdoc IRedemption
    function donate(address charity, uint256 amount) external returns (uint256 receiptId) {
        return _donate(msg.sender, charity, amount);
    }

    /// @inheritdoc IRedemption
    function payForService(address payee, uint256 amount, bytes32 requestRef) external {
        _pay(msg.sender, payee, amount, requestRef);
    }

    /// @inheritdoc IRedemption
    function redeemBySig(address resident, uint256 offerId, uint256 maxPrice, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 voucherId)
    {
        _checkSigned(
            resident,
            deadline,
            keccak256(abi.encode(REDEEM_TYPEHASH, resident, offerId, maxPrice, _useNonce(resident), deadline)),
            signature
        );
        return _redeem(resident, offerId, maxPrice);
    }

    /// @inheritdoc IRedemption
    function donateBySig(address donor, address charity, uint256 amount, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 receiptId)
    {
        _checkSigned(
            donor, deadline, keccak256(abi.encode(DONATE_TYPEHASH, donor, charity, amount, _useNonce(donor), deadline)), signature
        );
        return _donate(donor, charity, amount);
    }

    /// @inheritdoc IRedemption
    function payForServiceBySig(
        address payer,
        address payee,
        uint256 amount,
        bytes32 requestRef,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _checkSigned(
            payer,
            deadline,
            keccak256(abi.encode(PAY_TYPEHASH, payer, payee, amount, requestRef, _useNonce(payer), deadline)),
            signature
        );
        _pay(payer, payee, amount, requestRef);
    }

    /// @inheritdoc IRedemption
    function useNonce() external returns (uint256) {
        return _useNonce(msg.sender);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IRedemption
    function setWonPerCoin(uint256 wonPerCoin_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (wonPerCoin_ == 0) revert InvalidRate();
        _wonPerCoin = wonPerCoin_;
        emit WonPerCoinSet(wonPerCoin_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRedemption
    function offer(uint256 offerId) external view returns (Offer memory) {
        return _offers[offerId];
    }

    /// @inheritdoc IRedemption
    function offerCount() external view returns (uint256) {
        return _offerCount;
    }

    /// @inheritdoc IRedemption
    function voucherStatus(uint256 voucherId) external view returns (bool exists, address provider, bool fulfilled) {
        (uint256 offerId, uint256 serial) = _splitVoucher(voucherId);
        Offer memory o = _offers[offerId];
        exists = o.provider != address(0) && serial < o.sold;
        provider = exists ? o.provider : address(0);
        fulfilled = exists && (_fulfilled[offerId][serial >> 8] >> (serial & 0xff)) & 1 == 1;
    }

    /// @inheritdoc IRedemption
    function wonPerCoin() external view returns (uint256) {
        return _wonPerCoin;
    }

    /// @inheritdoc IRedemption
    function coin() external view returns (address) {
        return address(_coin);
    }

    /// @notice The EIP-712 domain separator of signed requests.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internal

    function _redeem(address resident, uint256 offerId, uint256 maxPrice) private returns (uint256 voucherId) {
        Offer storage o = _offers[offerId];
        address provider = o.provider;
        uint256 price = o.price;
        if (provider == address(0)) revert UnknownOffer(offerId);
        if (price > maxPrice) revert PriceAboveMax(offerId, price, maxPrice);
        (uint32 capacity, uint32 sold, bool active) = (o.capacity, o.sold, o.active);
        if (!active) revert OfferInactive(offerId);
        if (sold >= capacity) revert OfferSoldOut(offerId, capacity);
        o.sold = sold + 1;
        voucherId = (offerId << 32) | sold;
        emit VoucherIssued(voucherId, resident, provider, price);
        _coin.spend(resident, provider, price);
    }

    function _donate(address donor, address charity, uint256 amount) private returns (uint256 receiptId) {
        if (!hasRole(CHARITY_ROLE, charity)) revert NotCharity(charity);
        if (amount == 0) revert ZeroAmount();
        receiptId = ++_receiptCount;
        emit Donated(receiptId, donor, charity, amount);
        _coin.spend(donor, charity, amount);
    }

    function _pay(address payer, address payee, uint256 amount, bytes32 requestRef) private {
        if (payee == address(0) || payee == payer) revert InvalidPayee(payee);
        if (amount == 0) revert ZeroAmount();
        emit ServicePaid(payer, payee, requestRef, amount);
        _coin.spend(payer, payee, amount);
    }

    /// @dev Reverts unless `signer` signed `structHash` under this contract's domain before `deadline`.
    function _checkSigned(address signer, uint256 deadline, bytes32 structHash, bytes calldata signature) private view {
        if (block.timestamp > deadline) revert ExpiredSignature(deadline);
        // ECDSA.recover rejects malleable (high-s) signatures and bad lengths with its own errors.
        address recovered = ECDSA.recover(_hashTypedDataV4(structHash), signature);
        if (recovered != signer) revert InvalidSigner(recovered, signer);
    }

    function _ownOffer(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.provider == address(0)) revert UnknownOffer(offerId);
        if (o.provider != msg.sender) revert NotOfferProvider(msg.sender, offerId);
    }

    function _splitVoucher(uint256 voucherId) private pure returns (uint256 offerId, uint256 serial) {
        return (voucherId >> 32, voucherId & 0xffffffff);
    }
}
