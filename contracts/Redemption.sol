// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Signatures} from "./libraries/Signatures.sol";
import {IServiceCoin} from "../interfaces/IServiceCoin.sol";
import {IRedemption, Offer} from "../interfaces/IRedemption.sol";

/// @title Redemption
/// @notice Vouchers at providers, donations to charities, payments between residents, and provider
/// settlement with the city. See {IRedemption}.
contract Redemption is AccessControlDefaultAdminRules, EIP712, IRedemption {
    bytes32 public constant PROVIDER_ROLE = keccak256("PROVIDER_ROLE");
    bytes32 public constant CHARITY_ROLE = keccak256("CHARITY_ROLE");

    bytes32 public constant REDEEM_TYPEHASH =
        keccak256("Redeem(address resident,uint256 offerId,uint256 maxPrice,uint256 nonce,uint256 deadline)");
    bytes32 public constant DONATE_TYPEHASH =
        keccak256("Donate(address donor,address charity,uint256 amount,uint256 nonce,uint256 deadline)");
    bytes32 public constant PAY_TYPEHASH = keccak256(
        "PayForService(address payer,address payee,uint256 amount,bytes32 requestRef,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant INVALIDATE_NONCES_TYPEHASH =
        keccak256("InvalidateNonces(address owner,uint256 upTo,uint256 nonce,uint256 deadline)");

    /// @notice The most offers one provider may create: removing a provider switches all its offers off in one
    /// transaction (see {_revokeRole}), which must stay well under a block's gas.
    uint256 public constant MAX_OFFERS_PER_PROVIDER = 256;

    /// @dev The most one cancel-all may move a nonce forward: nonces then never come near wrapping around.
    uint256 private constant MAX_NONCE_STEP = 1 << 64;

    /// @dev One whole coin, in base units (18 decimals).
    uint256 private constant COIN = 1e18;

    IServiceCoin private immutable _coin;

    mapping(uint256 offerId => Offer) private _offers;
    mapping(uint256 offerId => mapping(uint256 word => uint256)) private _fulfilled;
    uint256 private _offerCount;
    uint256 private _settlementCount;
    uint256 private _receiptCount;
    uint256 private _wonPerCoin;
    mapping(address account => uint256) private _nonces;
    mapping(uint256 offerId => bool) private _suspended;
    mapping(address provider => uint256[]) private _offersOf;

    /// @param adminDelay seconds between the start of an admin transfer and its acceptance (two steps, see
    /// OpenZeppelin's AccessControlDefaultAdminRules, which also refuses a zero admin)
    constructor(IServiceCoin coin_, address admin, uint256 wonPerCoin_, uint48 adminDelay)
        AccessControlDefaultAdminRules(adminDelay, admin)
        EIP712("VolunteerBank Redemption", "1")
    {
        if (wonPerCoin_ == 0) revert RedemptionInvalidRate();
        _coin = coin_;
        _wonPerCoin = wonPerCoin_;
        emit WonPerCoinSet(wonPerCoin_);
    }

    // ---------------------------------------------------------------- providers

    /// @inheritdoc IRedemption
    function createOffer(uint96 price, uint32 capacity) external returns (uint256 offerId) {
        if (!hasRole(PROVIDER_ROLE, msg.sender)) revert RedemptionNotProvider(msg.sender);
        if (price == 0 || capacity == 0) revert RedemptionInvalidOffer(price, capacity);
        if (_offersOf[msg.sender].length >= MAX_OFFERS_PER_PROVIDER) {
            revert RedemptionTooManyOffers(msg.sender, MAX_OFFERS_PER_PROVIDER);
        }
        offerId = ++_offerCount;
        _offersOf[msg.sender].push(offerId);
        _offers[offerId] = Offer({provider: msg.sender, price: price, capacity: capacity, sold: 0, active: true});
        emit OfferCreated(offerId, msg.sender, price, capacity);
    }

    /// @inheritdoc IRedemption
    function updateOffer(uint256 offerId, uint96 price, uint32 capacity, bool active) external {
        if (!hasRole(PROVIDER_ROLE, msg.sender)) revert RedemptionNotProvider(msg.sender);
        Offer storage o = _ownOffer(offerId);
        if (price == 0 || capacity < o.sold) revert RedemptionInvalidOffer(price, capacity);
        if (active && _suspended[offerId]) revert RedemptionOfferSuspended(offerId);
        o.price = price;
        o.capacity = capacity;
        o.active = active;
        emit OfferUpdated(offerId, price, capacity, active);
    }

    /// @inheritdoc IRedemption
    function fulfill(uint256 voucherId) external {
        (uint256 offerId, uint256 serial) = _splitVoucher(voucherId);
        // No role check: a removed provider still serves the vouchers it sold.
        Offer storage o = _ownOffer(offerId);
        if (serial >= o.sold) revert RedemptionUnknownVoucher(voucherId);
        uint256 bit = uint256(1) << (serial & 0xff);
        uint256 word = _fulfilled[offerId][serial >> 8];
        if (word & bit != 0) revert RedemptionVoucherAlreadyFulfilled(voucherId);
        _fulfilled[offerId][serial >> 8] = word | bit;
        emit VoucherFulfilled(voucherId, msg.sender);
    }

    /// @inheritdoc IRedemption
    function settle(uint256 amount, uint256 minWon) external returns (uint256 settlementId) {
        if (!hasRole(PROVIDER_ROLE, msg.sender)) revert RedemptionNotProvider(msg.sender);
        if (amount == 0) revert RedemptionZeroAmount();
        uint256 rate = _wonPerCoin;
        uint256 wonAmount = (amount * rate) / COIN;
        if (wonAmount == 0) revert RedemptionZeroWon(amount, rate);
        if (wonAmount < minWon) revert RedemptionWonBelowMinimum(wonAmount, minWon);
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

    /// @inheritdoc IRedemption
    function invalidateNonces(uint256 upTo) external {
        _invalidateNonces(msg.sender, _nonces[msg.sender], upTo);
    }

    /// @inheritdoc IRedemption
    function invalidateNoncesBySig(address owner, uint256 upTo, uint256 deadline, bytes calldata signature) external {
        uint256 current = _nonces[owner];
        _checkSigned(
            owner, deadline, keccak256(abi.encode(INVALIDATE_NONCES_TYPEHASH, owner, upTo, current, deadline)), signature
        );
        // upTo > current, so the signed nonce itself is used too: the signature cannot be replayed.
        _invalidateNonces(owner, current, upTo);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IRedemption
    function setWonPerCoin(uint256 wonPerCoin_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (wonPerCoin_ == 0) revert RedemptionInvalidRate();
        _wonPerCoin = wonPerCoin_;
        emit WonPerCoinSet(wonPerCoin_);
    }

    /// @inheritdoc IRedemption
    function setOfferActive(uint256 offerId, bool active) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Offer storage o = _offers[offerId];
        address provider = o.provider;
        if (provider == address(0)) revert RedemptionUnknownOffer(offerId);
        // Invariant: an active offer's provider holds PROVIDER_ROLE (redeem relies on it, see _redeem).
        if (active && !hasRole(PROVIDER_ROLE, provider)) revert RedemptionProviderRemoved(offerId, provider);
        o.active = active;
        _suspended[offerId] = !active;
        emit OfferActiveSet(offerId, active);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IRedemption
    function offer(uint256 offerId) external view returns (Offer memory) {
        return _offers[offerId];
    }

    /// @inheritdoc IRedemption
    function offerSuspended(uint256 offerId) external view returns (bool) {
        return _suspended[offerId];
    }

    /// @inheritdoc IRedemption
    function nonces(address owner) external view returns (uint256) {
        return _nonces[owner];
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
        if (provider == address(0)) revert RedemptionUnknownOffer(offerId);
        if (price > maxPrice) revert RedemptionPriceAboveMax(offerId, price, maxPrice);
        (uint32 capacity, uint32 sold, bool active) = (o.capacity, o.sold, o.active);
        // An active offer's provider holds PROVIDER_ROLE: revoking the role switches every offer of the provider off
        // (_revokeRole), and only a provider holding it switches an offer on. So the hot path pays no role look-up;
        // the refusal path names the reason.
        if (!active) {
            if (!hasRole(PROVIDER_ROLE, provider)) revert RedemptionProviderRemoved(offerId, provider);
            revert RedemptionOfferInactive(offerId);
        }
        if (sold >= capacity) revert RedemptionOfferSoldOut(offerId, capacity);
        o.sold = sold + 1;
        voucherId = (offerId << 32) | sold;
        emit VoucherIssued(voucherId, resident, provider, price);
        _coin.spend(resident, provider, price);
    }

    function _donate(address donor, address charity, uint256 amount) private returns (uint256 receiptId) {
        if (!hasRole(CHARITY_ROLE, charity)) revert RedemptionNotCharity(charity);
        if (amount == 0) revert RedemptionZeroAmount();
        receiptId = ++_receiptCount;
        emit Donated(receiptId, donor, charity, amount);
        _coin.spend(donor, charity, amount);
    }

    function _pay(address payer, address payee, uint256 amount, bytes32 requestRef) private {
        if (payee == address(0) || payee == payer) revert RedemptionInvalidPayee(payee);
        if (amount == 0) revert RedemptionZeroAmount();
        emit ServicePaid(payer, payee, requestRef, amount);
        _coin.spend(payer, payee, amount);
    }

    /// @dev Reverts unless `signer` signed `structHash` under this contract's domain by `deadline` (inclusive): an
    /// EOA's ECDSA signature or a smart-contract wallet's EIP-1271 acceptance ({Signatures}).
    function _checkSigned(address signer, uint256 deadline, bytes32 structHash, bytes calldata signature) private view {
        if (block.timestamp > deadline) revert RedemptionExpiredSignature(deadline);
        bytes32 digest = _hashTypedDataV4(structHash);
        if (!Signatures.isValidNow(signer, digest, signature)) revert RedemptionInvalidSignature(signer);
    }

    /// @dev Consumes `owner`'s current nonce. Cannot wrap: a nonce moves by at most 2^64 per call.
    function _useNonce(address owner) private returns (uint256) {
        unchecked {
            return _nonces[owner]++;
        }
    }

    function _invalidateNonces(address owner, uint256 current, uint256 upTo) private {
        if (upTo <= current || upTo - current > MAX_NONCE_STEP) revert RedemptionInvalidNonceBound(owner, upTo, current);
        _nonces[owner] = upTo;
        emit NoncesInvalidated(owner, upTo);
    }

    /// @dev Removing a provider (revokeRole or renounceRole) switches all its offers off, so no coin can go to an
    /// address that can no longer settle. At most MAX_OFFERS_PER_PROVIDER iterations.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == PROVIDER_ROLE) {
            uint256[] storage ids = _offersOf[account];
            uint256 n = ids.length;
            for (uint256 i; i < n; ++i) {
                uint256 offerId = ids[i];
                Offer storage o = _offers[offerId];
                if (o.active) {
                    o.active = false;
                    emit OfferActiveSet(offerId, false);
                }
            }
        }
    }

    function _ownOffer(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.provider == address(0)) revert RedemptionUnknownOffer(offerId);
        if (o.provider != msg.sender) revert RedemptionNotOfferProvider(msg.sender, offerId);
    }

    function _splitVoucher(uint256 voucherId) private pure returns (uint256 offerId, uint256 serial) {
        return (voucherId >> 32, voucherId & 0xffffffff);
    }
}
