// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Compiled for deployments and tests: a gateway's validator quorum may appoint an OpenZeppelin TimelockController as
// a second governor ({IBridgeGateway}, "Governance"), whose delay leaves validators time to cancel or pause.
// solhint-disable-next-line no-unused-import
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
