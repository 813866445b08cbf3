// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IGreenCertificate} from "./IGreenCertificate.sol";

/// @title Certificate market (side chain)
/// @notice Holders (wind generators) list certificates at a fixed price in wrapped DPLC per whole certificate; the
/// market escrows the listed certificates (the seller approves it with `setApprovalForAll`). Buyers (thermal
/// generators meeting their obligation) buy any part of a listing, paying the seller directly in wrapped DPLC (the
/// buyer approves the market); the seller may cancel and get the rest back. Amounts are certificate units (1000 per
/// certificate); the price of `amount` units is `ceil(amount × pricePerCertificate / 1000)`, so a seller never
/// receives less than its price.
interface ICertificateMarket {
    /// @notice A listing; `remaining` is 0 once sold out or cancelled.
    struct Listing {
        address seller;
        uint256 certificateId;
        uint256 remaining; // units
        uint256 pricePerCertificate; // wrapped DPLC (18 decimals) per 1000 units
    }

    /// @notice `seller` listed `amount` units of `certificateId`.
    event CertificateMarketListed(
        uint256 indexed listingId,
        address indexed seller,
        uint256 indexed certificateId,
        uint256 amount,
        uint256 pricePerCertificate
    );
    /// @notice `buyer` bought `amount` units of listing `listingId` for `cost`.
    event CertificateMarketBought(
        uint256 indexed listingId,
        address indexed buyer,
        address indexed seller,
        uint256 amount,
        uint256 cost
    );
    /// @notice The seller cancelled the listing and got `returned` units back.
    event CertificateMarketCancelled(uint256 indexed listingId, address indexed seller, uint256 returned);

    /// @notice The amount must be positive.
    error CertificateMarketZeroAmount();
    /// @notice The price must be positive.
    error CertificateMarketZeroPrice();
    /// @notice No open listing with this id.
    error CertificateMarketListingNotFound(uint256 listingId);
    /// @notice Only the seller may cancel.
    error CertificateMarketNotSeller(uint256 listingId, address caller);
    /// @notice More units requested than the listing has.
    error CertificateMarketInsufficientAmount(uint256 listingId, uint256 requested, uint256 remaining);
    /// @notice The market accepts certificates only through {list}.
    error CertificateMarketUnsolicitedTransfer(address operator, address from);

    /// @notice Lists `amount` units of the caller's certificate `certificateId` at `pricePerCertificate`.
    /// @return listingId The listing's id (1, 2, …).
    function list(uint256 certificateId, uint256 amount, uint256 pricePerCertificate) external returns (uint256 listingId);

    /// @notice Buys `amount` units of listing `listingId`.
    /// @return cost The wrapped DPLC paid to the seller.
    function buy(uint256 listingId, uint256 amount) external returns (uint256 cost);

    /// @notice Cancels the caller's listing and returns the remaining units.
    function cancel(uint256 listingId) external;

    /// @notice A listing by id (all zero when unknown).
    function listing(uint256 listingId) external view returns (Listing memory);

    /// @notice The price of `amount` units of listing `listingId`.
    function quote(uint256 listingId, uint256 amount) external view returns (uint256 cost);

    /// @notice The number of listings so far.
    function listingCount() external view returns (uint256);

    /// @notice Units sold through the market so far.
    function totalTraded() external view returns (uint256);

    /// @notice The certificate contract and the payment token.
    function components() external view returns (IGreenCertificate certificates, IERC20 paymentToken);
}
