// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICertificateMarket} from "../interfaces/ICertificateMarket.sol";
import {IGreenCertificate} from "../interfaces/IGreenCertificate.sol";

/// @title CertificateMarket
/// @notice See {ICertificateMarket}. Listed certificates sit in this contract until bought or cancelled.
contract CertificateMarket is ERC1155Holder, ReentrancyGuard, ICertificateMarket {
    using SafeERC20 for IERC20;

    uint256 private constant _UNITS_PER_CERTIFICATE = 1000;

    IGreenCertificate private immutable _certificates;
    IERC20 private immutable _paymentToken;
    uint256 private _listingCount;
    uint256 private _totalTraded;
    mapping(uint256 listingId => Listing item) private _listings;

    constructor(IGreenCertificate certificates_, IERC20 paymentToken_) {
        _certificates = certificates_;
        _paymentToken = paymentToken_;
    }

    /// @inheritdoc ICertificateMarket
    function list(
        uint256 certificateId,
        uint256 amount,
        uint256 pricePerCertificate
    ) external nonReentrant returns (uint256 listingId) {
        if (amount == 0) revert CertificateMarketZeroAmount();
        if (pricePerCertificate == 0) revert CertificateMarketZeroPrice();
        listingId = ++_listingCount;
        _listings[listingId] = Listing({
            seller: msg.sender,
            certificateId: certificateId,
            remaining: amount,
            pricePerCertificate: pricePerCertificate
        });
        emit CertificateMarketListed(listingId, msg.sender, certificateId, amount, pricePerCertificate);
        _certificates.safeTransferFrom(msg.sender, address(this), certificateId, amount, "");
    }

    /// @inheritdoc ICertificateMarket
    function buy(uint256 listingId, uint256 amount) external nonReentrant returns (uint256 cost) {
        Listing storage item = _openListing(listingId);
        if (amount == 0) revert CertificateMarketZeroAmount();
        uint256 remaining = item.remaining;
        if (amount > remaining) revert CertificateMarketInsufficientAmount(listingId, amount, remaining);
        cost = _cost(amount, item.pricePerCertificate);
        // amount ≤ remaining, checked above.
        unchecked {
            item.remaining = remaining - amount;
        }
        _totalTraded += amount;
        address seller = item.seller;
        emit CertificateMarketBought(listingId, msg.sender, seller, amount, cost);
        _paymentToken.safeTransferFrom(msg.sender, seller, cost);
        _certificates.safeTransferFrom(address(this), msg.sender, item.certificateId, amount, "");
    }

    /// @inheritdoc ICertificateMarket
    function cancel(uint256 listingId) external nonReentrant {
        Listing storage item = _openListing(listingId);
        if (item.seller != msg.sender) revert CertificateMarketNotSeller(listingId, msg.sender);
        uint256 returned = item.remaining;
        item.remaining = 0;
        emit CertificateMarketCancelled(listingId, msg.sender, returned);
        _certificates.safeTransferFrom(address(this), msg.sender, item.certificateId, returned, "");
    }

    /// @inheritdoc ICertificateMarket
    function listing(uint256 listingId) external view returns (Listing memory) {
        return _listings[listingId];
    }

    /// @inheritdoc ICertificateMarket
    function quote(uint256 listingId, uint256 amount) external view returns (uint256 cost) {
        return _cost(amount, _openListing(listingId).pricePerCertificate);
    }

    /// @inheritdoc ICertificateMarket
    function listingCount() external view returns (uint256) {
        return _listingCount;
    }

    /// @inheritdoc ICertificateMarket
    function totalTraded() external view returns (uint256) {
        return _totalTraded;
    }

    /// @inheritdoc ICertificateMarket
    function components() external view returns (IGreenCertificate certificates, IERC20 paymentToken) {
        return (_certificates, _paymentToken);
    }

    /// @dev Accepts certificates only while {list} pulls them in (the market itself is the operator).
    function onERC1155Received(
        address operator,
        address from,
        uint256 id,
        uint256 value,
        bytes memory data
    ) public override returns (bytes4) {
        if (msg.sender != address(_certificates) || operator != address(this)) {
            revert CertificateMarketUnsolicitedTransfer(operator, from);
        }
        return super.onERC1155Received(operator, from, id, value, data);
    }

    /// @dev The market never takes batches.
    function onERC1155BatchReceived(
        address operator,
        address from,
        uint256[] memory,
        uint256[] memory,
        bytes memory
    ) public pure override returns (bytes4) {
        revert CertificateMarketUnsolicitedTransfer(operator, from);
    }

    function _openListing(uint256 listingId) private view returns (Listing storage item) {
        item = _listings[listingId];
        if (item.remaining == 0) revert CertificateMarketListingNotFound(listingId);
    }

    /// @dev Rounded up, so a seller never receives less than its price.
    function _cost(uint256 amount, uint256 pricePerCertificate) private pure returns (uint256) {
        return Math.mulDiv(amount, pricePerCertificate, _UNITS_PER_CERTIFICATE, Math.Rounding.Ceil);
    }
}
